//! The five built-in packs of SPEC 8.2: each loads on its own, rule ids are unique across all of them and the
//! default pack, and every pack rule names its seed row and quotes the seed in its guidance.

mod common;

use casewatch::rules::{DEFAULT_RULES, PACKS, RulePack};
use common::ALL_PACKS;

#[test]
fn every_pack_loads_on_its_own() {
    for name in ALL_PACKS {
        let pack = RulePack::load_with_packs(false, &[name.to_string()], &[] as &[&str], &[])
            .unwrap_or_else(|e| panic!("pack {name}: {e}"));
        assert!(!pack.rules.is_empty(), "pack {name} has no rules");
        assert!(pack.rules.iter().all(|r| r.pack == name), "pack {name}");
    }
}

#[test]
fn rule_ids_are_unique_across_packs_and_the_default_rules() {
    let mut seen: Vec<(String, String)> = Vec::new();
    let default = RulePack::parse(DEFAULT_RULES, "built-in rules").expect("default rules");
    let packs = PACKS
        .iter()
        .map(|(name, text)| RulePack::parse(text, name).expect("pack parses"));
    for rule in std::iter::once(default).chain(packs).flat_map(|p| p.rules) {
        if let Some((_, pack)) = seen.iter().find(|(id, _)| *id == rule.id) {
            panic!(
                "rule id {} is in pack {pack} and pack {}",
                rule.id, rule.pack
            );
        }
        seen.push((rule.id, rule.pack));
    }
    // SPEC 8.2: one rule for every row the four shapes express; docs/packs.md lists the rest.
    let pack_rules = seen.iter().filter(|(_, pack)| pack != "default").count();
    assert!(pack_rules >= 170, "{pack_rules} pack rules");
}

#[test]
fn every_pack_rule_names_its_row_and_quotes_its_seed() {
    let prefixes = [
        ("lcs", &["lcs-"][..]),
        ("havering", &["hv-", "eh-", "yj-", "tys-", "pl-"][..]),
        ("luton", &["lu-"][..]),
        ("isle-of-wight", &["iow-"][..]),
        ("enfield", &["en-"][..]),
    ];
    for (name, text) in PACKS {
        let pack = RulePack::parse(text, name).expect("pack parses");
        if name == "national" {
            // Not from a seed: each rule cites the law or national guidance it comes from instead.
            for rule in &pack.rules {
                let guidance = rule.guidance.as_deref().unwrap_or("");
                assert!(
                    ["Regulations 2010, regulation", "Working Together"]
                        .iter()
                        .any(|source| guidance.contains(source)),
                    "{}: guidance cites no source: {guidance}",
                    rule.id
                );
            }
            continue;
        }
        let (_, rows) = prefixes
            .iter()
            .find(|(p, _)| *p == name)
            .expect("known pack");
        for rule in &pack.rules {
            let row = rule
                .row
                .as_deref()
                .unwrap_or_else(|| panic!("{} has no row", rule.id));
            assert!(
                rows.iter().any(|p| row.starts_with(p)),
                "{}: row {row} is not a row of seed {name}",
                rule.id
            );
            let guidance = rule.guidance.as_deref().unwrap_or("");
            // A quotation of at least three words: "No" or "Yes" alone is a pathway's name, not its words.
            let quotes_the_seed = guidance
                .split('"')
                .skip(1)
                .step_by(2)
                .any(|quoted| quoted.split_whitespace().count() >= 3);
            assert!(
                guidance.matches('"').count() % 2 == 0 && quotes_the_seed,
                "{}: guidance quotes no seed words: {guidance}",
                rule.id
            );
        }
    }
}

/// The seed text as a quotation may give it: markup (`**`, `*`, `<sup>`) and runs of whitespace are not words.
fn normalised(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            '*' => {}
            _ if !in_tag => plain.push(c),
            _ => {}
        }
    }
    plain.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every quotation in a pack rule's `guidance` is the seed's own words, capitals and all (whitespace and markup
/// aside); "…" marks words left out, and the parts either side must appear in that order.
#[test]
fn every_guidance_quotation_is_verbatim_in_its_seed() {
    let seeds = [
        ("enfield", "000_e04da9259ecb8ac2.txt"),
        ("lcs", "001_3e9db02dde398c80.txt"),
        ("havering", "002_5e8b5df781d8015b.txt"),
        ("luton", "003_50fb8ef176c06762.txt"),
        ("isle-of-wight", "004_e35f6b71aaff8e4c.txt"),
    ];
    let mut wrong = Vec::new();
    let mut quotes = 0;
    for (name, file) in seeds {
        let path = format!("config/rules/packs/seeds/{file}");
        let seed =
            normalised(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")));
        let text = PACKS.iter().find(|(n, _)| *n == name).expect("pack").1;
        for rule in RulePack::parse(text, name).expect("pack parses").rules {
            let guidance = rule.guidance.as_deref().unwrap_or("");
            for quoted in guidance.split('"').skip(1).step_by(2) {
                quotes += 1;
                let mut from = 0;
                for part in quoted.split('…').map(normalised) {
                    match seed[from..].find(&part) {
                        Some(at) => from += at + part.len(),
                        None => {
                            wrong.push(format!("{}: \"{quoted}\"", rule.id));
                            break;
                        }
                    }
                }
            }
        }
    }
    assert!(quotes > 200, "{quotes} quotations");
    assert!(
        wrong.is_empty(),
        "not the seed's words:\n{}",
        wrong.join("\n")
    );
}

/// Every event, meeting, record and decision kind a pack names has words of its own in the vocabulary, so `rules
/// show` and notices never fall back to the data's name.
#[test]
fn every_kind_the_packs_name_has_words_for_people() {
    use casewatch::rules::shape::{ShapeKind, Source};
    use casewatch::rules::subject::Selector;
    use casewatch::rules::vocabulary::{Table, is_known};
    let mut missing = Vec::new();
    for (name, text) in PACKS {
        for rule in RulePack::parse(text, name).expect("pack parses").rules {
            let Selector::Shape(shape) = &rule.selector else {
                continue;
            };
            let subject = match shape.kind {
                ShapeKind::AfterEvent(Source::Events) => Some(Table::Event),
                ShapeKind::AfterEvent(Source::Records) => Some(Table::Record),
                ShapeKind::AfterEvent(Source::Decisions) => Some(Table::Decision),
                ShapeKind::AfterEvent(Source::Meetings) | ShapeKind::BeforeMeeting => {
                    Some(Table::Meeting)
                }
                ShapeKind::Every | ShapeKind::ByAge(_) => None,
            };
            let e = &shape.evidence;
            let since = shape.since.as_ref();
            let named = subject
                .into_iter()
                .flat_map(|t| shape.kinds.iter().map(move |k| (t, k)))
                .chain(e.records.iter().map(|k| (Table::Record, k)))
                .chain(e.meetings.iter().map(|k| (Table::Meeting, k)))
                .chain(e.decisions.iter().map(|k| (Table::Decision, k)))
                .chain(e.events.iter().map(|k| (Table::Event, k)))
                .chain(
                    since
                        .into_iter()
                        .flat_map(|s| s.events.iter().map(|k| (Table::Event, k))),
                )
                .chain(
                    since
                        .into_iter()
                        .flat_map(|s| s.meetings.iter().map(|k| (Table::Meeting, k))),
                )
                .chain(
                    since
                        .into_iter()
                        .flat_map(|s| s.records.iter().map(|k| (Table::Record, k))),
                );
            for (table, kind) in named {
                if !is_known(table, kind) {
                    missing.push(format!("{}: {table:?} {kind}", rule.id));
                }
            }
        }
    }
    assert!(missing.is_empty(), "no words for:\n{}", missing.join("\n"));
}
