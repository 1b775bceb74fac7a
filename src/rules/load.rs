//! Reading rule files: TOML in, a checked [`RulePack`] out, with errors that name the file, rule, stage and field.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::expr::{self, Expr, Kind, Symbols};
use super::subject::{Selector, SubjectSpec};
use super::{DEFAULT_RULES, Role, Rule, RulePack, Severity, Stage};

#[derive(Debug, thiserror::Error)]
#[error("rule file {origin}: {path}{message}")]
pub struct RuleError {
    /// The file (or "built-in rules").
    pub origin: String,
    /// Where in it, e.g. "rule `cf-set-priority`, stage `set-priority`, from: ".
    pub path: String,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    title: Option<String>,
    guidance: Option<String>,
    subject: SubjectSpec,
    #[serde(default)]
    anchors: BTreeMap<String, String>,
    #[serde(default)]
    done_when: Vec<String>,
    #[serde(default)]
    stage: Vec<RawStage>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    name: String,
    from: String,
    due_at: String,
    severity: Severity,
    notify: Vec<Role>,
    #[serde(default)]
    when: Vec<String>,
    #[serde(default)]
    done_when: Vec<String>,
    repeat_every: Option<String>,
}

impl RulePack {
    /// The built-in pack, then each file in turn (a rule whose id is already loaded replaces it), less `disabled`.
    pub fn load(
        builtin: bool,
        files: &[impl AsRef<Path>],
        disabled: &[String],
    ) -> Result<RulePack, RuleError> {
        let mut rules: Vec<Rule> = Vec::new();
        let mut add = |pack: RulePack| {
            for rule in pack.rules {
                match rules.iter_mut().find(|r| r.id == rule.id) {
                    Some(existing) => *existing = rule,
                    None => rules.push(rule),
                }
            }
        };
        if builtin {
            add(RulePack::parse(DEFAULT_RULES, "built-in rules")?);
        }
        for file in files {
            let path = file.as_ref();
            let origin = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|e| RuleError {
                origin: origin.clone(),
                path: String::new(),
                message: format!("cannot read: {e}"),
            })?;
            add(RulePack::parse(&text, &origin)?);
        }
        for id in disabled {
            let before = rules.len();
            rules.retain(|r| &r.id != id);
            if rules.len() == before {
                return Err(RuleError {
                    origin: "configuration".into(),
                    path: "rules.disabled: ".into(),
                    message: format!("no rule has the id `{id}`"),
                });
            }
        }
        Ok(RulePack { rules })
    }

    /// Parses and checks one rule file.
    pub fn parse(text: &str, origin: &str) -> Result<RulePack, RuleError> {
        let fail = |path: String, message: String| RuleError {
            origin: origin.to_owned(),
            path,
            message,
        };
        let raw: RawPack = toml::from_str(text).map_err(|e| fail(String::new(), e.to_string()))?;
        let mut rules: Vec<Rule> = Vec::new();
        for raw_rule in raw.rule {
            let id = raw_rule.id.clone();
            if rules.iter().any(|r| r.id == id) {
                return Err(fail(String::new(), format!("rule id `{id}` appears twice")));
            }
            rules.push(
                compile(raw_rule)
                    .map_err(|(path, message)| fail(format!("rule `{id}`{path}: "), message))?,
            );
        }
        Ok(RulePack { rules })
    }
}

type Located = (String, String);

fn at(path: impl Into<String>) -> impl FnOnce(String) -> Located {
    let path = path.into();
    move |message| (path, message)
}

fn compile(raw: RawRule) -> Result<Rule, Located> {
    if raw.id.is_empty()
        || !raw
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(at(", id")(
            "a rule id is lowercase letters, digits and hyphens".into(),
        ));
    }
    let (selector, filter) = Selector::from_spec(raw.subject).map_err(at(""))?;
    let mut symbols = Symbols::default();
    for (name, kind) in selector.anchors() {
        symbols.push(name, *kind);
    }
    let anchors = compile_anchors(&raw.anchors, &mut symbols)?;
    let facts = selector.facts();
    let fact_mask = |names: &[String], field: &str| -> Result<u32, String> {
        names
            .iter()
            .try_fold(0, |mask, name| match facts.iter().position(|f| f == name) {
                Some(bit) => Ok(mask | 1 << bit),
                None => Err(format!(
                    "{field}: unknown fact `{name}` (this subject offers: {})",
                    facts.join(", ")
                )),
            })
    };
    let rule_done = fact_mask(&raw.done_when, "done_when").map_err(at(""))?;
    if raw.stage.is_empty() {
        return Err(at("")("a rule needs at least one [[rule.stage]]".into()));
    }
    let mut stages: Vec<Stage> = Vec::new();
    for s in raw.stage {
        let loc = format!(", stage `{}`", s.name);
        if stages.iter().any(|t| t.name == s.name) {
            return Err(at(loc)("stage name appears twice".into()));
        }
        let instant = |field: &str, text: &str| -> Result<Expr, Located> {
            let e = expr::parse(text, &symbols).map_err(at(format!("{loc}, {field}")))?;
            match e.kind() {
                Kind::Instant => Ok(e),
                _ => Err(at(format!("{loc}, {field}"))(format!(
                    "`{text}` is a date; write start(...) or end(...) for an instant"
                ))),
            }
        };
        if s.notify.is_empty() {
            return Err(at(format!("{loc}, notify"))(
                "name at least one role".into(),
            ));
        }
        stages.push(Stage {
            from: instant("from", &s.from)?,
            due_at: instant("due_at", &s.due_at)?,
            severity: s.severity,
            when: fact_mask(&s.when, "when").map_err(at(loc.clone()))?,
            done_when: rule_done | fact_mask(&s.done_when, "done_when").map_err(at(loc.clone()))?,
            repeat_every: s
                .repeat_every
                .as_deref()
                .map(expr::parse_interval)
                .transpose()
                .map_err(at(format!("{loc}, repeat_every")))?,
            notify: s.notify,
            name: s.name,
        });
    }
    Ok(Rule {
        title: raw.title.unwrap_or_else(|| raw.id.clone()),
        id: raw.id,
        guidance: raw.guidance,
        selector,
        filter,
        symbols,
        anchors,
        stages,
    })
}

/// Parses a rule's anchors in dependency order, so each can name the ones before it.
fn compile_anchors(
    raw: &BTreeMap<String, String>,
    symbols: &mut Symbols,
) -> Result<Vec<(usize, Expr)>, Located> {
    for name in raw.keys() {
        let loc = format!(", anchors.{name}");
        let ident = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ident || expr::RESERVED.contains(&name.as_str()) {
            return Err(at(loc)(format!("`{name}` cannot be an anchor name")));
        }
        if symbols.lookup(name).is_some() {
            return Err(at(loc)(format!(
                "`{name}` is already an anchor of this subject"
            )));
        }
    }
    let mut pending: Vec<(&String, &String)> = raw.iter().collect();
    let mut compiled = Vec::new();
    while !pending.is_empty() {
        let before = pending.len();
        let mut waiting = Vec::new();
        for (name, text) in pending {
            let loc = format!(", anchors.{name}");
            let names = expr::names(text).map_err(at(loc.clone()))?;
            if names
                .iter()
                .any(|n| raw.contains_key(n) && symbols.lookup(n).is_none())
            {
                waiting.push((name, text));
                continue;
            }
            let e = expr::parse(text, symbols).map_err(at(loc))?;
            let slot = symbols.push(name, e.kind());
            compiled.push((slot, e));
        }
        if waiting.len() == before {
            let names: Vec<_> = waiting.iter().map(|(n, _)| n.as_str()).collect();
            return Err(at(", anchors")(format!(
                "these anchors depend on each other in a circle: {}",
                names.join(", ")
            )));
        }
        pending = waiting;
    }
    Ok(compiled)
}
