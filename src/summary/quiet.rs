//! The summary's SPEC 6a sections: the go-live backlog a manager plans the catch-up from (counts by team and rule,
//! oldest first, told once here instead of hundreds of times one by one), and every active silence in their part
//! of the service, so that nothing "in hand" is out of sight.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::evaluate::Line;
use crate::rules::{RulePack, Severity};
use crate::store::Silence;

pub use crate::message::summary::{Backlog, BacklogCount, SilenceRow};
pub use crate::message::words::{due_words, until_words};

/// Every silence active at `at` whose case is in scope (by the worker of its active lines, else the case's worker
/// when the silence was added), with what it is holding back. `lines` holds at least every line of the cases under
/// an active silence.
pub fn silences(
    pack: &RulePack,
    silences: &[Silence],
    lines: &[Line],
    at: DateTime<Utc>,
    in_scope: &dyn Fn(Option<&str>) -> bool,
    name_of: &dyn Fn(Option<&str>) -> String,
) -> Vec<SilenceRow> {
    let mut rows = Vec::new();
    for s in silences.iter().filter(|s| s.is_active(at)) {
        let lines: Vec<_> = lines
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
            if l.severity > *worst {
                *worst = l.severity;
            }
        }
        let worst = holding.values().copied().max();
        rows.push(SilenceRow {
            id: s.id,
            child: lines
                .first()
                .map_or_else(|| s.case_id.clone(), |l| l.child_label.clone()),
            case_id: s.case_id.clone(),
            covers: s.rule.as_deref().map_or_else(
                || "every rule".to_owned(),
                |r| pack.rule(r).map_or(r.to_owned(), |r| r.title.clone()),
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
