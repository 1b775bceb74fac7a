//! The delivery rules, checked against what a run found active at each pass and what each person received.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, NaiveDate, Utc};

use super::calendar::{add_working_days, local, next_window, start_of, window, working_hours};
use super::caseload::Ends;

/// The stages that repeat, and every how many working days (`repeat_every`).
const REPEATS: [(&str, &str, u32); 3] = [
    ("cf-assessment-due", "overdue", 5),
    ("kit-visit-due", "overdue", 5),
    ("assessment-nudge", "open", 3),
];

fn repeat_every(e: &Episode) -> Option<u32> {
    REPEATS
        .iter()
        .find(|(rule, stage, _)| *rule == e.rule && *stage == e.stage)
        .map(|r| r.2)
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Episode {
    pub rule: String,
    pub subject: String,
    pub stage: String,
    pub from: DateTime<Utc>,
}

/// A stage active at a pass, for one person.
pub struct Active {
    pub episode: Episode,
    pub person: String,
    pub immediate: bool,
    pub due_at: DateTime<Utc>,
}

pub struct Receipt {
    pub at: DateTime<Utc>,
    pub person: String,
    pub digest: bool,
    pub items: Vec<(Episode, String, String)>,
}

#[derive(Default)]
pub struct Run {
    pub passes: Vec<(DateTime<Utc>, Vec<Active>)>,
    pub receipts: Vec<Receipt>,
    pub ended: Vec<(DateTime<Utc>, Ends)>,
}

/// The pass that sends each working day's window: the one at 08:00, else (the service was down then) the first
/// one after it within working hours that day.
fn window_passes(run: &Run) -> BTreeMap<NaiveDate, DateTime<Utc>> {
    let mut out = BTreeMap::new();
    for (t, _) in &run.passes {
        if let Some(w) = window(local(*t))
            && *t >= w
            && working_hours(*t)
        {
            out.entry(local(*t)).or_insert(*t);
        }
    }
    out
}

/// Every breach of the delivery rules, in words; and counts of what was sent.
pub fn check(run: &Run) -> (Vec<String>, BTreeMap<&'static str, usize>) {
    let mut problems = Vec::new();
    let mut counts = BTreeMap::new();
    let windows = window_passes(run);
    let window_pass: HashSet<DateTime<Utc>> = windows.values().copied().collect();
    let mut told: BTreeMap<(String, Episode), Vec<DateTime<Utc>>> = BTreeMap::new();
    let mut digests: BTreeMap<(String, NaiveDate), usize> = BTreeMap::new();
    let show = |t: DateTime<Utc>| {
        t.with_timezone(&chrono_tz::Europe::London)
            .format("%a %-d %b %H:%M")
    };
    for r in &run.receipts {
        let kind = if r.digest { "digests" } else { "immediate" };
        *counts.entry(kind).or_default() += 1;
        if r.digest {
            if !window_pass.contains(&r.at) {
                problems.push(format!(
                    "digest to {} at {}: not a send window",
                    r.person,
                    show(r.at)
                ));
            } else if windows.get(&local(r.at)) != window(local(r.at)).as_ref() {
                *counts.entry("caught-up digests").or_default() += 1;
            }
            *digests.entry((r.person.clone(), local(r.at))).or_default() += 1;
        } else if !working_hours(r.at) {
            problems.push(format!(
                "immediate to {} at {}: outside working hours",
                r.person,
                show(r.at)
            ));
        }
        for (episode, case_id, severity) in &r.items {
            if !r.digest && matches!(severity.as_str(), "reminder" | "warning") {
                *counts.entry("reminders sent at once").or_default() += 1;
            }
            let done = run.ended.iter().find(|(when, ends)| {
                *when <= r.at
                    && ends.case_id == *case_id
                    && ends
                        .subject_id
                        .as_ref()
                        .is_none_or(|s| *s == episode.subject)
                    && (ends.rules.is_empty() || ends.rules.contains(&episode.rule.as_str()))
            });
            if let Some((when, _)) = done {
                problems.push(format!(
                    "{} {}/{} sent to {} at {}, done since {}",
                    episode.rule,
                    episode.subject,
                    episode.stage,
                    r.person,
                    show(r.at),
                    show(*when)
                ));
            }
            told.entry((r.person.clone(), episode.clone()))
                .or_default()
                .push(r.at);
        }
    }
    for ((person, day), n) in &digests {
        if *n > 1 {
            problems.push(format!("{person} got {n} digests on {day}"));
        }
    }
    for ((person, e), times) in &told {
        for pair in times.windows(2) {
            match repeat_every(e) {
                Some(n) if local(pair[1]) >= add_working_days(local(pair[0]), n) => {
                    *counts.entry("repeats").or_default() += 1;
                }
                Some(n) => problems.push(format!(
                    "{} {}/{} repeated to {person} at {}, told at {}: sooner than {n} working days",
                    e.rule,
                    e.subject,
                    e.stage,
                    show(pair[1]),
                    show(pair[0])
                )),
                None => problems.push(format!(
                    "{} {}/{} sent to {person} twice: at {} and {}",
                    e.rule,
                    e.subject,
                    e.stage,
                    show(pair[0]),
                    show(pair[1])
                )),
            }
        }
    }
    // Nothing lost: a stage active at a pass where it may go out is received at that pass, unless the person
    // was told of it already (and, for a repeating stage, its interval has not run since).
    let mut reported = BTreeSet::new();
    for (t, active) in &run.passes {
        for a in active {
            let key = (a.person.clone(), a.episode.clone());
            let times = told.get(&key).map(Vec::as_slice).unwrap_or_default();
            let owed_from = match times.iter().rev().find(|at| *at < t) {
                None => Some(DateTime::<Utc>::MIN_UTC),
                Some(last) => {
                    repeat_every(&a.episode).map(|n| start_of(add_working_days(local(*last), n)))
                }
            };
            let may_go = if a.immediate {
                working_hours(*t)
            } else {
                window_pass.contains(t) || (working_hours(*t) && a.due_at < next_window(*t))
            };
            let owed = owed_from.is_some_and(|from| *t >= from) && may_go;
            if owed && !times.contains(t) && reported.insert(key) {
                let e = &a.episode;
                problems.push(format!(
                    "{} {}/{} (from {}) active for {} at {} but not sent",
                    e.rule,
                    e.subject,
                    e.stage,
                    show(e.from),
                    a.person,
                    show(*t)
                ));
            }
        }
    }
    (problems, counts)
}
