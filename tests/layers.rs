//! The house is one-way (README, "Layout"): every top-level module of `src/` names only the modules listed below
//! it, the rooms inside a module import each other without a circle, and no source file passes 600 lines.
//!
//! A file names a module when it writes a `crate::…`, `$crate::…` or `super::…` path into it (in a `use` or in an
//! expression); comments and string literals are skipped. `cargo test --test layers` runs only this check, and
//! `.ci/run` runs it before the rest.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The layers, top to bottom: a module may name only the modules after it. The README's Layout lists the same.
const LAYERS: &[&str] = &[
    "cli",
    "demo",
    "daemon",
    "check",
    "preview",
    "explain",
    "silence",
    "app",
    "summary",
    "config",
    "http",
    "outbox",
    "channels",
    "message",
    "store",
    "evaluate",
    "recipients",
    "directory",
    "generate",
    "source",
    "rules",
    "metrics",
    "schedule",
    "spreadsheet",
    "secret",
    "telemetry",
    "calendar",
    "model",
];

/// The longest a file of `src/` may be.
const MAX_LINES: usize = 600;

#[test]
fn every_import_between_top_level_modules_points_down() {
    let files = sources();
    let known: BTreeSet<&str> = LAYERS.iter().copied().collect();
    let on_disk: BTreeSet<String> = files.keys().filter_map(|m| m.first().cloned()).collect();
    let unlisted: Vec<&String> = on_disk
        .iter()
        .filter(|m| !known.contains(m.as_str()))
        .collect();
    assert!(
        unlisted.is_empty(),
        "modules of src/ missing from LAYERS (and the README's Layout): {unlisted:?}"
    );
    let rank = |m: &str| LAYERS.iter().position(|l| *l == m);
    let mut upward = Vec::new();
    for (module, text) in &files {
        let Some(top) = module.first() else { continue };
        for target in named_modules(module, text) {
            let Some(to) = target.first() else { continue };
            if to == top {
                continue;
            }
            if let (Some(from), Some(to_rank)) = (rank(top), rank(to))
                && to_rank <= from
            {
                upward.push(format!("{} names {}", file_of(module), target.join("::")));
            }
        }
    }
    upward.sort();
    upward.dedup();
    assert!(
        upward.is_empty(),
        "imports that point up a layer (README, \"Layout\": a module names only the modules below it):\n  {}",
        upward.join("\n  ")
    );
}

#[test]
fn the_rooms_of_a_module_import_each_other_without_a_circle() {
    let files = sources();
    let modules: BTreeSet<Vec<String>> = files.keys().cloned().collect();
    // An edge between two siblings: a file in the first names something in the second.
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (module, text) in &files {
        for target in named_modules(module, text) {
            let Some(target) = (1..=target.len())
                .rev()
                .map(|n| target[..n].to_vec())
                .find(|prefix| modules.contains(prefix))
            else {
                continue;
            };
            let common = module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            if common < module.len() && common < target.len() {
                let (from, to) = (module[..=common].to_vec(), target[..=common].to_vec());
                edges.entry(from).or_default().insert(to);
            }
        }
    }
    let circles: Vec<String> = circles(&edges)
        .into_iter()
        .map(|c| {
            c.iter()
                .map(|m| m.join("::"))
                .collect::<Vec<_>>()
                .join(" <-> ")
        })
        .collect();
    assert!(
        circles.is_empty(),
        "modules that import each other:\n  {}",
        circles.join("\n  ")
    );
}

#[test]
fn no_source_file_passes_600_lines() {
    let long: Vec<String> = rust_files(&src())
        .into_iter()
        .filter_map(|path| {
            let lines = fs::read_to_string(&path).ok()?.lines().count();
            (lines > MAX_LINES).then(|| format!("{} ({lines} lines)", path.display()))
        })
        .collect();
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:?}");
}

#[test]
fn the_readme_layout_lists_the_layers_in_order() {
    let readme =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme
        .split("\n## Layout")
        .nth(1)
        .expect("README.md has a \"## Layout\" section");
    let block = section
        .split("```")
        .nth(1)
        .expect("the Layout section opens with a text diagram");
    let listed: Vec<&str> = block
        .lines()
        .filter_map(|line| line.trim_start_matches(['|', ' ']).strip_prefix("src/"))
        .map(|rest| rest.split(['/', '.', ' ']).next().unwrap_or_default())
        .filter(|m| !m.is_empty() && *m != "main" && *m != "lib")
        .collect();
    assert_eq!(
        listed, LAYERS,
        "README.md's Layout diagram, top to bottom, against LAYERS in tests/layers.rs"
    );
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every Rust file of `src/` but the crate roots, by module path (`src/outbox/plan.rs` is `["outbox", "plan"]`),
/// with its comments and literals blanked.
fn sources() -> BTreeMap<Vec<String>, String> {
    let src = src();
    rust_files(&src)
        .into_iter()
        .filter_map(|path| {
            let relative = path.strip_prefix(&src).ok()?.with_extension("");
            let mut module: Vec<String> = relative
                .iter()
                .map(|part| part.to_string_lossy().into_owned())
                .collect();
            if module.last().is_some_and(|last| last == "mod") {
                module.pop();
            }
            if module == ["lib"] || module == ["main"] {
                return None;
            }
            let text = fs::read_to_string(&path).ok()?;
            Some((module, code_only(&text)))
        })
        .collect()
}

fn file_of(module: &[String]) -> String {
    format!("src/{}", module.join("/"))
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The text with comments, string literals and character literals replaced by spaces (lifetimes stay).
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let at = |i: usize, s: &str| {
        s.chars()
            .enumerate()
            .all(|(k, c)| chars.get(i + k) == Some(&c))
    };
    while i < chars.len() {
        let c = chars[i];
        let after_word = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if at(i, "//") {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if at(i, "/*") {
            let mut depth = 0;
            while i < chars.len() {
                if at(i, "/*") {
                    depth += 1;
                    i += 2;
                } else if at(i, "*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if !after_word && (at(i, "r#") || at(i, "r\"") || at(i, "br#") || at(i, "br\"")) {
            let mut j = i + if c == 'b' { 2 } else { 1 };
            let hashes = chars[j..].iter().take_while(|&&h| h == '#').count();
            j += hashes;
            if chars.get(j) == Some(&'"') {
                let close: String = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                j += 1;
                while j < chars.len() && !at(j, &close) {
                    j += 1;
                }
                i = j + close.chars().count();
                out.push(' ');
            } else {
                out.push(c);
                i += 1;
            }
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(' ');
        } else if c == '\'' {
            // A character literal ('x', '\n', '\'', '\u{1F600}') is skipped; a lifetime ('a) is kept.
            let end = if chars.get(i + 1) == Some(&'\\') {
                chars[i + 2..]
                    .iter()
                    .position(|&ch| ch == '\'')
                    .map(|p| i + 2 + p)
            } else {
                (chars.get(i + 2) == Some(&'\'')).then_some(i + 2)
            };
            match end {
                Some(end) => {
                    out.push(' ');
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The module paths a file names through `crate::`, `$crate::` and `super::`, each as far as it is written
/// (`crate::outbox::plan::Draft` is `["outbox", "plan", "Draft"]`; a brace group gives one path per branch).
fn named_modules(module: &[String], text: &str) -> Vec<Vec<String>> {
    let bytes = text.as_bytes();
    let mut paths = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let before_ok = i == 0
            || !(bytes[i - 1].is_ascii_alphanumeric()
                || bytes[i - 1] == b'_'
                || bytes[i - 1] == b':');
        if before_ok && text[i..].starts_with("crate::") {
            let (tree, end) = path_tree(text, i + "crate::".len());
            paths.extend(tree);
            i = end;
        } else if before_ok && text[i..].starts_with("super::") {
            let mut j = i;
            let mut ups = 0;
            while text[j..].starts_with("super::") {
                ups += 1;
                j += "super::".len();
            }
            let (tree, end) = path_tree(text, j);
            let base = &module[..module.len().saturating_sub(ups)];
            paths.extend(
                tree.into_iter()
                    .map(|p| base.iter().cloned().chain(p).collect()),
            );
            i = end;
        } else {
            i += 1;
        }
    }
    paths
}

/// Parses `a::b::{c, d::{e}}` from `start`: the paths it names and where it ends.
fn path_tree(text: &str, start: usize) -> (Vec<Vec<String>>, usize) {
    let bytes = text.as_bytes();
    let mut i = start;
    let mut prefix = Vec::new();
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes.get(i) == Some(&b'{') {
            let mut paths = Vec::new();
            i += 1;
            loop {
                while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b',') {
                    i += 1;
                }
                if i >= bytes.len() || bytes[i] == b'}' {
                    i += 1;
                    break;
                }
                let (branch, end) = path_tree(text, i);
                paths.extend(
                    branch
                        .into_iter()
                        .map(|p| prefix.iter().cloned().chain(p).collect()),
                );
                // Skip an `as alias` or anything else up to the next separator.
                i = end;
                while i < bytes.len() && !matches!(bytes[i], b',' | b'}') {
                    i += 1;
                }
            }
            return (paths, i);
        }
        let word_end = i + text[i..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(text.len() - i);
        if word_end == i {
            return (vec![prefix], i);
        }
        prefix.push(text[i..word_end].to_owned());
        i = word_end;
        if text[i..].starts_with("::") {
            i += 2;
        } else {
            return (vec![prefix], i);
        }
    }
}

/// The circles (strongly connected groups of two or more) of a directed graph, by Tarjan's algorithm.
fn circles<N: Ord + Clone>(edges: &BTreeMap<N, BTreeSet<N>>) -> Vec<Vec<N>> {
    struct Walk<'a, N> {
        edges: &'a BTreeMap<N, BTreeSet<N>>,
        index: BTreeMap<N, usize>,
        low: BTreeMap<N, usize>,
        stack: Vec<N>,
        found: Vec<Vec<N>>,
    }
    impl<N: Ord + Clone> Walk<'_, N> {
        fn visit(&mut self, node: &N) {
            let n = self.index.len();
            self.index.insert(node.clone(), n);
            self.low.insert(node.clone(), n);
            self.stack.push(node.clone());
            for next in self.edges.get(node).into_iter().flatten() {
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node.clone(), low);
                } else if self.stack.contains(next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node.clone(), low);
                }
            }
            if self.low[node] == self.index[node] {
                let at = self.stack.iter().rposition(|m| m == node).unwrap();
                let group = self.stack.split_off(at);
                if group.len() > 1 {
                    self.found.push(group);
                }
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for node in edges.keys() {
        if !walk.index.contains_key(node) {
            walk.visit(node);
        }
    }
    walk.found
}

#[test]
fn the_check_reads_every_form_of_path_and_skips_comments_and_text() {
    let module = ["outbox".to_owned(), "plan".to_owned()];
    let text = code_only(
        r##"
        use crate::{store::{NewNotice, Store as S}, rules};
        use super::super::app::App; // crate::cli in a comment
        /* crate::daemon in a block /* nested */ comment */
        fn f<'a>(x: &'a str) -> char { let _ = "crate::http"; let _ = r#"crate::demo"#; '"' }
        fn g() { $crate::metrics::install(); super::compose::x(); }
        "##,
    );
    let mut named: Vec<String> = named_modules(&module, &text)
        .iter()
        .map(|p| p.join("::"))
        .collect();
    named.sort();
    assert_eq!(
        named,
        [
            "app::App",
            "metrics::install",
            "outbox::compose::x",
            "rules",
            "store::NewNotice",
            "store::Store"
        ]
    );
}
