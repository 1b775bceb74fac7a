//! Every pack rule against its hand-worked cases in config/rules/packs/cases/ (see the README there): each case's
//! anchor row, the due instant worked out from the seed's words and the calendar, and the evidence that ends it. A
//! rule whose timing disagrees with its guidance fails here.

mod common;

use std::collections::BTreeMap;

use casewatch::model::{CaseFile, VisitType};
use casewatch::rules::{PACKS, RulePack};
use chrono::{Duration, SecondsFormat};
use common::*;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cases {
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    rule: String,
    #[serde(rename = "type")]
    case_type: String,
    opened: Option<String>,
    closed: Option<String>,
    born: Option<String>,
    /// [kind, occurred_at] or [kind, occurred_at, detail]
    event: Option<Vec<String>>,
    #[serde(default)]
    also_events: Vec<Vec<String>>,
    held: Option<[String; 2]>,
    /// [kind, decided_at]: a management decision that starts the clock.
    decision: Option<[String; 2]>,
    scheduled: Option<[String; 2]>,
    record: Option<[String; 2]>,
    /// [kind, completed_at]: a record completed before the clock starts (the plan a review follows).
    completed: Option<[String; 2]>,
    visit: Option<[String; 2]>,
    due: String,
    /// [what, kind, at]
    done: [String; 3],
    /// [what, kind, at]: evidence that must not end it (too old, the wrong kind of row).
    not_done: Option<[String; 3]>,
    /// When the `due-soon` reminder starts (checked one second before and at it, and that it lapses after due).
    reminder: Option<String>,
    /// When the `escalated` stage starts.
    escalated: Option<String>,
    /// The roles told at each stage, by stage name, in the rule's order.
    #[serde(default)]
    told: BTreeMap<String, Vec<String>>,
}

fn cases(pack: &str) -> Vec<Case> {
    let path = format!("config/rules/packs/cases/{pack}.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    toml::from_str::<Cases>(&text)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .case
}

fn visit_type(name: &str) -> VisitType {
    VisitType::parse(name).unwrap_or_else(|| panic!("unknown visit type {name}"))
}

/// The case file before its evidence: the anchor rows only.
fn file(c: &Case) -> CaseFile {
    let mut file = case_file("C1", &c.case_type);
    if let Some(opened) = &c.opened {
        file.case.opened_on = d(opened);
    }
    file.case.closed_on = c.closed.as_deref().map(d);
    file.child.date_of_birth = c.born.as_deref().map(d);
    let events = c.event.iter().chain(&c.also_events);
    for (i, e) in events.enumerate() {
        let mut row = event(&format!("E{i}"), "C1", &e[0], &e[1]);
        row.detail = e.get(2).cloned();
        file.events.push(row);
    }
    if let Some([kind, at]) = &c.held {
        file.meetings
            .push(meeting("M1", "C1", kind, Some(at), Some(at)));
    }
    if let Some([kind, at]) = &c.scheduled {
        file.meetings
            .push(meeting("MS", "C1", kind, Some(at), None));
    }
    if let Some([kind, at]) = &c.decision {
        file.decisions.push(decision("D0", kind, at));
    }
    if let Some([kind, about]) = &c.record {
        let mut r = record("R1", "C1", kind, None);
        r.about_at = Some(t(about));
        file.records.push(r);
    }
    if let Some([kind, at]) = &c.completed {
        file.records.push(record("R0", "C1", kind, Some(at)));
    }
    if let Some([kind, at]) = &c.visit {
        file.visits.push(statutory_note("V1", "C1", at, at));
        file.visits[0].visit_type = visit_type(kind);
    }
    file
}

fn decision(id: &str, kind: &str, at: &str) -> casewatch::model::Decision {
    casewatch::model::Decision {
        id: id.into(),
        case_id: "C1".into(),
        decided_at: t(at),
        manager_id: None,
        kind: kind.into(),
    }
}

/// The evidence: a record of the anchor record's own kind completes that record; anything else is a new row.
fn add_done(file: &mut CaseFile, c: &Case, evidence: &[String; 3]) {
    let [what, kind, at] = evidence;
    let own = file.records.iter_mut().find(|r| &r.kind == kind);
    match (what.as_str(), own) {
        ("record" | "authorised", Some(own)) => {
            own.completed_at = Some(t(at));
            own.authorised_at = (what == "authorised").then(|| t(at));
        }
        ("started", _) => {
            let mut r = record("R2", "C1", kind, None);
            r.about_at = Some(t(at));
            file.records.push(r);
        }
        ("record" | "authorised", None) => {
            let mut r = record("R2", "C1", kind, Some(at));
            r.authorised_at = (what == "authorised").then(|| t(at));
            file.records.push(r);
        }
        ("meeting", _) => file
            .meetings
            .push(meeting("M2", "C1", kind, Some(at), Some(at))),
        ("decision", _) => file.decisions.push(decision("D1", kind, at)),
        ("event", _) => file.events.push(event("E9", "C1", kind, at)),
        ("visit", _) => file
            .visits
            .push(visit("V2", "C1", visit_type(kind), at, true)),
        ("finalised", _) => file.visits[0].note_finalised_at = Some(t(at)),
        (other, _) => panic!("{}: unknown evidence {other}", c.rule),
    }
}

fn overdue(pack: &RulePack, file: &CaseFile, rule: &str, now: &str) -> Vec<String> {
    pack_stages(pack, file, now)
        .into_iter()
        .filter(|s| s.0 == rule && s.1 == "overdue")
        .map(|s| s.4)
        .collect()
}

#[test]
fn every_pack_rule_falls_due_when_its_seed_says_and_its_evidence_ends_it() {
    let rules = all_packs();
    let mut failures = Vec::new();
    for (pack, _) in PACKS {
        for c in cases(pack) {
            let mut file = file(&c);
            let second_early =
                (t(&c.due) - Duration::seconds(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
            let early = overdue(&rules, &file, &c.rule, &second_early);
            let at_due = overdue(&rules, &file, &c.rule, &c.due);
            if !early.is_empty() || at_due != [c.due.clone()] {
                failures.push(format!(
                    "{pack} {}: expected overdue from {}; one second before: {early:?}; at it: {at_due:?}",
                    c.rule, c.due
                ));
                continue;
            }
            failures.extend(stages(&rules, &file, &c));
            assert!(t(&c.done[2]) <= t(&c.due), "{}: evidence after due", c.rule);
            if let Some(stale) = &c.not_done {
                let mut with_stale = file.clone();
                add_done(&mut with_stale, &c, stale);
                if overdue(&rules, &with_stale, &c.rule, &c.due) != [c.due.clone()] {
                    failures.push(format!("{pack} {}: ended by {stale:?}", c.rule));
                }
            }
            add_done(&mut file, &c, &c.done);
            let done = overdue(&rules, &file, &c.rule, &c.due);
            if !done.is_empty() {
                failures.push(format!(
                    "{pack} {}: still overdue with {:?}",
                    c.rule, c.done
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn shift(at: &str, seconds: i64) -> String {
    (t(at) + Duration::seconds(seconds)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The case's reminder and escalation instants and the roles told at each stage; failures in words.
fn stages(pack: &RulePack, file: &CaseFile, c: &Case) -> Vec<String> {
    let mut failures = Vec::new();
    let active = |stage: &str, now: &str| -> Vec<(String, String)> {
        pack_stages(pack, file, now)
            .into_iter()
            .filter(|s| s.0 == c.rule && s.1 == stage)
            .map(|s| (s.3, s.4))
            .collect()
    };
    let mut check = |stage: &str, from: &str, lapses: bool| {
        let early = active(stage, &shift(from, -1));
        let at = active(stage, from);
        let after_due = active(stage, &shift(&c.due, 1));
        if !early.is_empty() || at != [(from.to_owned(), c.due.clone())] {
            failures.push(format!(
                "{}: expected {stage} from {from}; one second before: {early:?}; at it: {at:?}",
                c.rule
            ));
        }
        if lapses && !after_due.is_empty() {
            failures.push(format!("{}: {stage} still active after due", c.rule));
        }
    };
    if let Some(from) = &c.reminder {
        check("due-soon", from, true);
    }
    if let Some(from) = &c.escalated {
        check("escalated", from, false);
    }
    let rule = pack.rule(&c.rule).expect("a rule of the pack");
    for (stage, roles) in &c.told {
        let got: Option<Vec<String>> = rule
            .stages
            .iter()
            .find(|s| &s.name == stage)
            .map(|s| s.notify.iter().map(|r| r.name().into_owned()).collect());
        if got.as_ref() != Some(roles) {
            failures.push(format!(
                "{}: {stage} tells {got:?}, expected {roles:?}",
                c.rule
            ));
        }
    }
    failures
}

/// SPEC-style proportions of the cases: anchors spread over the calendar, and a quarter checking more than the due
/// instant.
#[test]
fn the_cases_spread_their_anchors_and_check_the_ladder() {
    let all: Vec<Case> = PACKS.iter().flat_map(|(pack, _)| cases(pack)).collect();
    let anchor = |c: &Case| -> String {
        c.event
            .as_ref()
            .map(|e| e[1].clone())
            .or_else(|| c.held.as_ref().map(|h| h[1].clone()))
            .or_else(|| c.scheduled.as_ref().map(|h| h[1].clone()))
            .or_else(|| c.record.as_ref().map(|h| h[1].clone()))
            .or_else(|| c.visit.as_ref().map(|h| h[1].clone()))
            .or_else(|| c.completed.as_ref().map(|h| h[1].clone()))
            .or_else(|| c.born.clone())
            .or_else(|| c.opened.clone())
            .unwrap_or_else(|| "2025-01-06".into())
    };
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for c in &all {
        *counts.entry(anchor(c)).or_default() += 1;
    }
    let (most, n) = counts.iter().max_by_key(|(_, n)| **n).expect("cases");
    assert!(
        n * 10 <= all.len(),
        "{n} of {} cases share the anchor {most}",
        all.len()
    );
    let ladders = all
        .iter()
        .filter(|c| (c.reminder.is_some() || c.escalated.is_some()) && !c.told.is_empty())
        .count();
    assert!(
        ladders * 4 >= all.len(),
        "only {ladders} of {} cases check the reminder or escalation and who is told",
        all.len()
    );
}

#[test]
fn every_pack_rule_has_a_hand_worked_case() {
    let pack = all_packs();
    let mut missing = Vec::new();
    for (name, _) in PACKS {
        let cases = cases(name);
        for rule in pack.rules.iter().filter(|r| r.pack == name) {
            if !cases.iter().any(|c| c.rule == rule.id) {
                missing.push(rule.id.clone());
            }
        }
        for c in &cases {
            assert!(
                pack.rule(&c.rule).is_some_and(|r| r.pack == name),
                "cases/{name}.toml: {} is not a rule of pack {name}",
                c.rule
            );
        }
    }
    assert!(missing.is_empty(), "no case for: {}", missing.join(", "));
}
