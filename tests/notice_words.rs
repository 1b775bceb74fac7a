//! What a notice says for people: the facts from a rule's labelled anchors (or, without `labels`, the subject's
//! own anchors in `rules show`'s words), readable stage labels and an action for every stage of every rule.

use casewatch::rules::expr::Value;
use casewatch::rules::facts::facts;
use casewatch::rules::{PACKS, Rule, RulePack};
use chrono::{NaiveDate, Utc};

fn all_rules() -> RulePack {
    let packs: Vec<String> = PACKS.iter().map(|(name, _)| (*name).to_owned()).collect();
    RulePack::load_with_packs(true, &packs, &[] as &[&str], &[]).unwrap()
}

fn slot(rule: &Rule, name: &str) -> usize {
    rule.symbols.lookup(name).unwrap().0
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

#[test]
fn an_assessments_facts_read_in_the_order_they_happened() {
    let pack = all_rules();
    let rule = pack.rule("cf-assessment-due").unwrap();
    // Referral Monday 14 September 2026, started Wednesday 16th, priority 45: the 45th working day after the
    // 16th is Wednesday 18 November (no bank holiday between).
    let values = [
        (slot(rule, "X"), Value::Date(day("2026-11-18"))),
        (slot(rule, "priority_working_days"), Value::Number(45)),
        (slot(rule, "started"), Value::Date(day("2026-09-16"))),
        (slot(rule, "referral"), Value::Date(day("2026-09-14"))),
    ];
    assert_eq!(
        facts(rule, &values),
        [
            "Referral: Mon 14 Sep 2026",
            "C&F started: Wed 16 Sep 2026",
            "Due by priority: Wed 18 Nov 2026",
            "Priority (working days): 45",
        ]
    );
}

#[test]
fn instants_read_on_the_uk_clock_a_date_only_time_as_its_day_and_an_end_of_day_as_such() {
    let pack = all_rules();
    let rule = pack.rule("failed-visit-ladder").unwrap();
    let instant = |s: &str| Value::Instant(s.parse::<chrono::DateTime<Utc>>().unwrap());
    // 09:30 UTC on 9 November is 09:30 GMT; 12 July 09:30 UTC is 10:30 BST.
    let values = [
        (slot(rule, "F1"), instant("2026-07-12T09:30:00Z")),
        (slot(rule, "F2"), instant("2026-11-09T09:30:00Z")),
    ];
    assert_eq!(
        facts(rule, &values),
        [
            "Visit failed: Sun 12 Jul 2026, 10:30",
            "Visit failed again: Mon 9 Nov 2026, 09:30"
        ]
    );
    // Midnight and 23:59:59 UK time (BST: 23:00 and 22:59:59 UTC the day before).
    let values = [(slot(rule, "F1"), instant("2026-07-11T23:00:00Z"))];
    assert_eq!(facts(rule, &values), ["Visit failed: Sun 12 Jul 2026"]);
    let values = [(slot(rule, "F1"), instant("2026-07-12T22:59:59Z"))];
    assert_eq!(
        facts(rule, &values),
        ["Visit failed: the end of Sun 12 Jul 2026"]
    );
}

#[test]
fn a_pack_rule_without_labels_shows_what_started_its_clock_in_rules_show_words() {
    let pack = all_rules();
    let rule = pack.rule("strategy-discussion-held").unwrap();
    let values = [(
        slot(rule, "A"),
        Value::Instant("2026-11-03T15:20:00Z".parse().unwrap()),
    )];
    assert_eq!(
        facts(rule, &values),
        ["The referral or incident needing a strategy discussion: Tue 3 Nov 2026, 15:20"]
    );
    let stages: Vec<(&str, &str)> = rule
        .stages
        .iter()
        .map(|s| (s.label.as_str(), s.action.as_str()))
        .collect();
    assert_eq!(stages[0].0, "Due soon");
    assert_eq!(stages[1].0, "Overdue");
    assert_eq!(stages[2].0, "Escalated");
    assert!(
        stages[2]
            .1
            .starts_with("Find out from the worker why it is late"),
        "{stages:?}"
    );
}

#[test]
fn every_rule_of_every_pack_has_facts_and_every_stage_a_label_and_an_action() {
    let pack = all_rules();
    assert!(pack.rules.len() > 150, "{}", pack.rules.len());
    for rule in &pack.rules {
        assert!(!rule.labels.is_empty(), "rule `{}` shows no facts", rule.id);
        for stage in &rule.stages {
            let first = stage.label.chars().next().unwrap();
            assert!(
                first.is_uppercase(),
                "rule `{}` stage `{}`: {:?}",
                rule.id,
                stage.name,
                stage.label
            );
            assert!(
                stage.action.ends_with('.'),
                "rule `{}` stage `{}`: {:?}",
                rule.id,
                stage.name,
                stage.action
            );
        }
    }
    // No raw stage names for people: the six rules say what each stage means.
    let kit = pack.rule("kit-ssda903-window").unwrap();
    assert_eq!(kit.stages[0].label, "Record the visit in the SSDA903");
}

#[test]
fn a_label_for_something_that_is_not_an_anchor_names_rule_and_key() {
    let text = r#"
[[rule]]
id = "local-visit"
subject = { kind = "visit-note" }
labels = { visit = "Visit", nope = "Nothing" }
[[rule.stage]]
name = "due"
from = "visit"
due_at = "visit + 24h"
severity = "reminder"
notify = ["worker"]
"#;
    let error = RulePack::parse(text, "local.toml").unwrap_err().to_string();
    assert_eq!(
        error,
        "rule file local.toml: rule `local-visit`, labels.nope: `nope` is not an anchor of this rule"
    );
}

/// A notice that a finalised note would end says the note is not finalised yet, with the built-in rule's labels and
/// a pack rule's alike.
#[test]
fn a_visit_notes_notice_says_the_note_is_not_finalised() {
    let pack = all_rules();
    // Visit Monday 9 March 2026 10:00, note started 14:00 (GMT).
    let instant = |s: &str| Value::Instant(s.parse::<chrono::DateTime<Utc>>().unwrap());
    for id in ["statutory-visit-oversight", "hv-visit-record"] {
        let rule = pack.rule(id).unwrap();
        let values = [
            (slot(rule, "visit"), instant("2026-03-09T10:00:00Z")),
            (slot(rule, "note_created"), instant("2026-03-09T14:00:00Z")),
        ];
        assert_eq!(
            facts(rule, &values),
            [
                "Visit: Mon 9 Mar 2026, 10:00",
                "Case note started, not yet finalised: Mon 9 Mar 2026, 14:00"
            ],
            "{id}"
        );
    }
}
