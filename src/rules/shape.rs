//! The four shapes of SPEC section 8.3: *something must be recorded within T after an event*, *before a scheduled
//! meeting*, *every T since the last one*, and *by an age*. Each is one generic selector over `case_events`,
//! `meetings` and `records` (and the six tables for evidence); a pack rule names its shape, its kinds and its
//! evidence, and never adds code.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

pub use super::evidence::EvidenceSpec;
use super::evidence::{Evidence, Link};
use super::expr::{Kind, Value};
use super::reading::{AsOf, Subject};
use crate::calendar::{add_months, local_date, start_of};
use crate::model::{CaseFile, Meeting, OptionalTables, StaffId};

/// Which rows of an `after-event` rule start a clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// `case_events` of the kinds listed, at `occurred_at`.
    Events,
    /// Held `meetings` of the kinds listed, at `held_at`.
    Meetings,
    /// `records` of the kinds listed, at `about_at` (a record finalised within T of the thing it records).
    Records,
    /// `management_decisions` of the kinds listed, at `decided_at` (an allocation decision).
    Decisions,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShapeKind {
    AfterEvent(Source),
    BeforeMeeting,
    Every,
    /// The child's date of birth plus this many months, clamped to the month's end.
    ByAge(u32),
}

impl ShapeKind {
    pub fn name(&self) -> &'static str {
        match self {
            ShapeKind::AfterEvent(_) => "after-event",
            ShapeKind::BeforeMeeting => "before-meeting",
            ShapeKind::Every => "every",
            ShapeKind::ByAge(_) => "by-age",
        }
    }
}

/// Only one row of the kinds listed per case: "the first CIN meeting", "the last strategy discussion".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Nth {
    First,
    Latest,
}

/// An `every` rule's series start: the latest row of these kinds (a placement, becoming looked after, the initial
/// conference). Evidence counts only from it, and with no evidence yet the first due date is counted from it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Since {
    /// `case_events` kinds, at `occurred_at`.
    #[serde(default)]
    pub events: Vec<String>,
    /// Held `meetings` kinds, at `held_at`.
    #[serde(default)]
    pub meetings: Vec<String>,
    /// Completed `records` kinds, at `completed_at` (the plan a series of reviews follows).
    #[serde(default)]
    pub records: Vec<String>,
    /// The latest such row (the default) or the first.
    pub nth: Option<Nth>,
    /// Without such a row the rule watches nothing (another rule chases the first one), rather than counting
    /// from the case's opening.
    #[serde(default)]
    pub required: bool,
    /// Events only: the rule applies only while the latest of them has one of these `detail` values.
    pub detail: Option<Vec<String>>,
    /// Events only: the rule applies only while the latest of them has none of these `detail` values.
    pub detail_not: Option<Vec<String>>,
}

impl Since {
    pub fn check(&self) -> Result<(), String> {
        let named = [&self.events, &self.meetings, &self.records]
            .iter()
            .filter(|list| !list.is_empty())
            .count();
        if named != 1 {
            return Err("subject.since names events, meetings or records (one of them)".into());
        }
        if self.events.is_empty() && (self.detail.is_some() || self.detail_not.is_some()) {
            return Err("subject.since.detail applies to events, not meetings or records".into());
        }
        Ok(())
    }

    /// The latest (or first) since-row on the case as of `now`, with its detail.
    fn latest<'f>(
        &self,
        file: &'f CaseFile,
        asof: &AsOf,
    ) -> Option<(DateTime<Utc>, Option<&'f str>)> {
        let events = file
            .events
            .iter()
            .filter(|e| self.events.contains(&e.kind) && e.occurred_at <= asof.now)
            .map(|e| (e.occurred_at, e.id.as_str(), e.detail.as_deref()));
        let meetings = file
            .meetings
            .iter()
            .filter(|m| self.meetings.contains(&m.kind))
            .filter_map(|m| asof.held(m).map(|h| (h, m.id.as_str(), None)));
        let records = file
            .records
            .iter()
            .filter(|r| self.records.contains(&r.kind))
            .filter_map(|r| {
                asof.instant(r.completed_at)
                    .map(|c| (c, r.id.as_str(), None))
            });
        let rows = events.chain(meetings).chain(records);
        let order = |a: &(DateTime<Utc>, &str, _), b: &(DateTime<Utc>, &str, _)| {
            (a.0, a.1).cmp(&(b.0, b.1))
        };
        let row = match self.nth {
            Some(Nth::First) => rows.min_by(order),
            _ => rows.max_by(order),
        };
        row.map(|(at, _, detail)| (at, detail))
    }

    /// Whether the latest since-row's detail lets the rule apply.
    fn admits(&self, detail: Option<&str>) -> bool {
        let listed = |list: &Option<Vec<String>>| {
            list.as_ref()
                .map(|l| detail.is_some_and(|d| l.iter().any(|x| x == d)))
        };
        listed(&self.detail).unwrap_or(true) && !listed(&self.detail_not).unwrap_or(false)
    }
}

/// A shape with its subject kinds and evidence: the selector of a pack rule.
#[derive(Clone, Debug)]
pub struct Shape {
    pub kind: ShapeKind,
    /// The subject rows' kinds (after-event, before-meeting).
    pub kinds: Vec<String>,
    /// Events only: the `detail` values that count.
    pub detail: Option<Vec<String>>,
    pub nth: Option<Nth>,
    /// `every` only: where the series starts.
    pub since: Option<Since>,
    pub evidence: EvidenceSpec,
}

/// The anchors every shape offers, in slot order: A (the anchor instant), d (its local date), the case's
/// `opened` date and the child's `birth` date. Shape aliases follow (S, L, B).
const COMMON: [(&str, Kind); 4] = [
    ("A", Kind::Instant),
    ("d", Kind::Date),
    ("opened", Kind::Date),
    ("birth", Kind::Date),
];

/// The facts a shape reports: the evidence is there.
const FACTS: [&str; 1] = ["done"];

/// One subject of a shape: its row id, its anchor instant, whose it is and whether its evidence is there.
struct Found<'f> {
    id: &'f str,
    anchor: DateTime<Utc>,
    worker: Option<&'f StaffId>,
    owner: Option<&'f StaffId>,
    done: bool,
    /// A before-meeting's previous held meeting of the same kind, and how many of that kind were held before it.
    last_held: Option<DateTime<Utc>>,
    held_before: i64,
    /// `every`: the series start, the latest evidence since it, and how many pieces of evidence there are since it.
    series: Option<Series>,
}

#[derive(Clone, Copy)]
struct Series {
    start: DateTime<Utc>,
    last: Option<DateTime<Utc>>,
    count: i64,
}

impl Shape {
    pub fn anchors(&self) -> &'static [(&'static str, Kind)] {
        match self.kind {
            ShapeKind::AfterEvent(_) => &COMMON,
            ShapeKind::BeforeMeeting => &[
                ("A", Kind::Instant),
                ("d", Kind::Date),
                ("opened", Kind::Date),
                ("birth", Kind::Date),
                ("S", Kind::Instant),
                ("last_held", Kind::Instant),
                ("held_before", Kind::Number),
            ],
            ShapeKind::Every => &[
                ("A", Kind::Instant),
                ("d", Kind::Date),
                ("opened", Kind::Date),
                ("birth", Kind::Date),
                ("L", Kind::Instant),
                ("P", Kind::Instant),
                ("last", Kind::Instant),
                ("count", Kind::Number),
            ],
            ShapeKind::ByAge(_) => &[
                ("A", Kind::Instant),
                ("d", Kind::Date),
                ("opened", Kind::Date),
                ("birth", Kind::Date),
                ("B", Kind::Date),
            ],
        }
    }

    pub fn facts(&self) -> &'static [&'static str] {
        &FACTS
    }

    /// The reminder lead of the common ladder (SPEC 8.4), in working days.
    pub fn default_lead(&self) -> i64 {
        match self.kind {
            ShapeKind::AfterEvent(_) => 2,
            ShapeKind::BeforeMeeting => 3,
            ShapeKind::Every => 5,
            ShapeKind::ByAge(_) => 20,
        }
    }

    pub fn tables(&self) -> OptionalTables {
        let e = &self.evidence;
        let subject = match self.kind {
            ShapeKind::AfterEvent(Source::Events) => OptionalTables {
                events: true,
                ..Default::default()
            },
            ShapeKind::AfterEvent(Source::Meetings) | ShapeKind::BeforeMeeting => OptionalTables {
                meetings: true,
                ..Default::default()
            },
            ShapeKind::AfterEvent(Source::Records) => OptionalTables {
                records: true,
                ..Default::default()
            },
            ShapeKind::AfterEvent(Source::Decisions) | ShapeKind::Every | ShapeKind::ByAge(_) => {
                OptionalTables::default()
            }
        };
        let since = self.since.as_ref();
        // A before-meeting rule looks back for the previous meeting of its kind, which is in `meetings` already.
        subject.union(OptionalTables {
            events: !e.events.is_empty() || since.is_some_and(|s| !s.events.is_empty()),
            meetings: !e.meetings.is_empty() || since.is_some_and(|s| !s.meetings.is_empty()),
            records: !e.records.is_empty() || since.is_some_and(|s| !s.records.is_empty()),
        })
    }

    /// Calls `emit` for each subject of the case, with the shape's anchors written to `env[..anchors().len()]`.
    pub fn for_each<'f>(
        &self,
        file: &'f CaseFile,
        asof: &AsOf,
        env: &mut [Option<Value>],
        mut emit: impl FnMut(Subject<'f>, &mut [Option<Value>]),
    ) {
        let mut found = Vec::new();
        self.subjects(file, asof, &mut found);
        for f in found {
            env[0] = Some(Value::Instant(f.anchor));
            env[1] = Some(Value::Date(match self.kind {
                ShapeKind::ByAge(months) => {
                    by_age(file, months).expect("subjects had a birth date")
                }
                _ => local_date(f.anchor),
            }));
            env[2] = Some(Value::Date(file.case.opened_on));
            env[3] = file.child.date_of_birth.map(Value::Date);
            match self.kind {
                ShapeKind::BeforeMeeting => {
                    env[4] = Some(Value::Instant(f.anchor));
                    env[5] = f.last_held.map(Value::Instant);
                    env[6] = Some(Value::Number(f.held_before));
                }
                ShapeKind::Every => {
                    let series = f.series.expect("every subjects carry their series");
                    env[4] = Some(Value::Instant(f.anchor));
                    env[5] = Some(Value::Instant(series.start));
                    env[6] = series.last.map(Value::Instant);
                    env[7] = Some(Value::Number(series.count));
                }
                ShapeKind::ByAge(_) => env[4] = env[1],
                ShapeKind::AfterEvent(_) => {}
            }
            emit(
                Subject {
                    id: f.id.into(),
                    worker_id: f.worker,
                    owner_id: f.owner,
                    facts: u32::from(f.done),
                },
                env,
            );
        }
    }

    fn subjects<'f>(&self, file: &'f CaseFile, asof: &AsOf, out: &mut Vec<Found<'f>>) {
        let wanted = |kind: &str| self.kinds.iter().any(|k| k == kind);
        let evidence = Evidence {
            spec: &self.evidence,
            file,
            asof,
        };
        match self.kind {
            ShapeKind::AfterEvent(Source::Events) => {
                for e in file.events.iter().filter(|e| {
                    wanted(&e.kind)
                        && e.occurred_at <= asof.now
                        && self.detail.as_ref().is_none_or(|details| {
                            e.detail.as_ref().is_some_and(|d| details.contains(d))
                        })
                }) {
                    out.push(Found {
                        id: &e.id,
                        anchor: e.occurred_at,
                        worker: e.staff_id.as_ref(),
                        owner: e.staff_id.as_ref(),
                        done: evidence.after(e.occurred_at, Link::Event(&e.id)),
                        last_held: None,
                        held_before: 0,
                        series: None,
                    });
                }
            }
            ShapeKind::AfterEvent(Source::Meetings) => {
                for m in file.meetings.iter().filter(|m| wanted(&m.kind)) {
                    let Some(held) = asof.held(m) else { continue };
                    out.push(Found {
                        id: &m.id,
                        anchor: held,
                        worker: None,
                        owner: m.chair_id.as_ref(),
                        done: evidence.after(held, Link::Meeting(&m.id)),
                        last_held: None,
                        held_before: 0,
                        series: None,
                    });
                }
            }
            ShapeKind::AfterEvent(Source::Decisions) => {
                for d in file.decisions.iter().filter(|d| wanted(&d.kind)) {
                    let Some(decided) = asof.instant(Some(d.decided_at)) else {
                        continue;
                    };
                    out.push(Found {
                        id: &d.id,
                        anchor: decided,
                        worker: None,
                        owner: d.manager_id.as_ref(),
                        done: evidence.after(decided, Link::Decision(&d.id)),
                        last_held: None,
                        held_before: 0,
                        series: None,
                    });
                }
            }
            ShapeKind::AfterEvent(Source::Records) => {
                for r in file.records.iter().filter(|r| wanted(&r.kind)) {
                    let Some(about) = asof.instant(r.about_at) else {
                        continue;
                    };
                    out.push(Found {
                        id: &r.id,
                        anchor: about,
                        worker: r.staff_id.as_ref(),
                        owner: r.staff_id.as_ref(),
                        done: evidence.after(about, Link::Record(r)),
                        last_held: None,
                        held_before: 0,
                        series: None,
                    });
                }
            }
            ShapeKind::BeforeMeeting => {
                for m in file.meetings.iter().filter(|m| wanted(&m.kind)) {
                    let Some(scheduled) = m.scheduled_at else {
                        continue;
                    };
                    // SPEC 8.4: the obligation ends when its meeting is held or cancelled.
                    if m.cancelled || asof.held(m).is_some() {
                        continue;
                    }
                    let held: Vec<DateTime<Utc>> = file
                        .meetings
                        .iter()
                        .filter(|p| p.kind == m.kind && p.id != m.id)
                        .filter_map(|p| asof.held(p))
                        .filter(|held| *held < scheduled)
                        .collect();
                    let last_held = held.iter().max().copied();
                    out.push(Found {
                        id: &m.id,
                        anchor: scheduled,
                        worker: None,
                        owner: m.chair_id.as_ref(),
                        done: evidence.before_meeting(last_held, &m.id),
                        last_held,
                        held_before: held.len() as i64,
                        series: None,
                    });
                }
            }
            ShapeKind::Every => {
                let opened = start_of(file.case.opened_on);
                let start = match &self.since {
                    None => opened,
                    Some(since) => match since.latest(file, asof) {
                        Some((_, detail)) if !since.admits(detail) => return,
                        Some((at, _)) => at,
                        None if since.detail.is_some() || since.required => return,
                        None => opened,
                    },
                };
                let since_start = |t: &DateTime<Utc>| self.since.is_none() || *t >= start;
                let (last, count) = evidence
                    .all()
                    .filter(since_start)
                    .fold((None, 0), |(last, n), t| (last.max(Some(t)), n + 1));
                out.push(Found {
                    id: file.case.id.as_str(),
                    anchor: last.unwrap_or(start),
                    worker: None,
                    owner: None,
                    done: false,
                    last_held: None,
                    held_before: 0,
                    series: Some(Series { start, last, count }),
                });
            }
            ShapeKind::ByAge(months) => {
                let Some(birthday) = by_age(file, months) else {
                    return;
                };
                out.push(Found {
                    id: file.case.id.as_str(),
                    anchor: start_of(birthday),
                    worker: None,
                    owner: None,
                    done: evidence.all().next().is_some(),
                    last_held: None,
                    held_before: 0,
                    series: None,
                });
            }
        }
        if let Some(nth) = self.nth {
            out.sort_by(|a, b| (a.anchor, a.id).cmp(&(b.anchor, b.id)));
            let keep = match nth {
                Nth::First => out.drain(..).next(),
                Nth::Latest => out.pop(),
            };
            out.clear();
            out.extend(keep);
        }
    }
}

/// The child's date of birth plus `months`, clamped to the month's end (so 29 February + 12 months is
/// 28 February).
fn by_age(file: &CaseFile, months: u32) -> Option<NaiveDate> {
    Some(add_months(file.child.date_of_birth?, months as i32))
}

impl AsOf {
    /// When the meeting was held, if it was by `now`: a cancelled meeting is never held (SPEC 8.1).
    pub(crate) fn held(&self, m: &Meeting) -> Option<DateTime<Utc>> {
        if m.cancelled {
            return None;
        }
        self.instant(m.held_at)
    }
}
