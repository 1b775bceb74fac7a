//! The summary's SPEC 6a sections: the go-live backlog a manager plans the catch-up from (counts by team and rule,
//! oldest first, told once here instead of hundreds of times one by one), and every active silence in their part
//! of the service, so that nothing "in hand" is out of sight.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::{Inputs, Overdue};
use crate::rules::Severity;

pub use crate::message::summary::{Backlog, BacklogCount, SilenceRow};
pub use crate::message::words::{due_words, until_words};

/// The backlog section from the backlog obligations in scope (already one per obligation, with their worker's
/// name and team filled in).
pub fn backlog(obligations: Vec<Overdue>, tell_from: Option<NaiveDate>) -> Backlog {
    let mut obligations = obligations;
    obligations.sort_by(|a, b| (a.due_at, &a.child, &a.rule).cmp(&(b.due_at, &b.child, &b.rule)));
    let count = |key: &dyn Fn(&Overdue) -> (String, Option<String>)| {
        let mut rows: BTreeMap<(String, Option<String>), BacklogCount> = BTreeMap::new();
        for o in &obligations {
            let (name, rule) = key(o);
            let row = rows
                .entry((name.clone(), rule.clone()))
                .or_insert(BacklogCount {
                    name,
                    rule,
                    obligations: 0,
                    oldest_due: o.due_at,
                });
            row.obligations += 1;
            row.oldest_due = row.oldest_due.min(o.due_at);
        }
        rows.into_values().collect::<Vec<_>>()
    };
    let oldest_first = |mut rows: Vec<BacklogCount>| {
        rows.sort_by(|a, b| (a.oldest_due, &a.name).cmp(&(b.oldest_due, &b.name)));
        rows
    };
    let by_team = oldest_first(count(&|o| (o.team.clone(), None)));
    let by_rule = oldest_first(count(&|o| (o.title.clone(), Some(o.rule.clone()))));
    let mut by_worker = count(&|o| (o.worker.clone(), None));
    by_worker.sort_by(|a, b| (b.obligations, &a.name).cmp(&(a.obligations, &b.name)));
    Backlog {
        tell_from,
        obligations,
        by_team,
        by_rule,
        by_worker,
    }
}

/// Every silence active at the summary's instant whose case is in scope (by the worker of its active lines, else
/// the case's worker when the silence was added), with what it is holding back.
pub fn silences(
    inputs: &Inputs,
    in_scope: &dyn Fn(Option<&str>) -> bool,
    name_of: &dyn Fn(Option<&str>) -> String,
) -> Vec<SilenceRow> {
    let mut rows = Vec::new();
    for s in inputs.silences.iter().filter(|s| s.is_active(inputs.at)) {
        let lines: Vec<_> = inputs
            .lines
            .iter()
            .filter(|l| !l.backlog && s.covers(&l.case_id, &l.rule))
            .collect();
        let worker = lines
            .iter()
            .find_map(|l| l.worker_id.as_deref())
            .or(s.worker_id.as_deref());
        if !in_scope(worker) {
            continue;
        }
        let mut holding: HashMap<(&str, &str), Severity> = HashMap::new();
        for l in &lines {
            let worst = holding
                .entry((l.rule.as_str(), l.subject_id.as_str()))
                .or_insert(l.severity);
            if rank(l.severity) > rank(*worst) {
                *worst = l.severity;
            }
        }
        let worst = holding.values().copied().max_by_key(|s| rank(*s));
        rows.push(SilenceRow {
            id: s.id,
            child: lines
                .first()
                .map_or_else(|| s.case_id.clone(), |l| l.child_label.clone()),
            case_id: s.case_id.clone(),
            covers: s.rule.as_deref().map_or_else(
                || "every rule".to_owned(),
                |r| {
                    inputs
                        .pack
                        .rule(r)
                        .map_or(r.to_owned(), |r| r.title.clone())
                },
            ),
            by: name_of(Some(&s.created_by)),
            reason: s.reason.clone(),
            until: s.until,
            worker: name_of(worker),
            holding: holding.len() as u32,
            worst: worst.map(|w| w.to_string()),
        });
    }
    rows.sort_by_key(|r| (r.until, r.id));
    rows
}

fn rank(severity: Severity) -> u8 {
    match severity {
        Severity::Escalation => 3,
        Severity::Breach => 2,
        Severity::Warning => 1,
        Severity::Reminder => 0,
    }
}
