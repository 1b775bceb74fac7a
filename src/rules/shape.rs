//! The four shapes of SPEC section 8.3: *something must be recorded within T after an event*, *before a scheduled
//! meeting*, *every T since the last one*, and *by an age*. Each is one generic selector over `case_events`,
//! `meetings` and `records` (and the six tables for evidence); a pack rule names its shape, its kinds and its
//! evidence, and never adds code.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::expr::{Kind, Value};
use super::subject::{AsOf, Subject};
use crate::calendar::{add_months, local_date, start_of};
use crate::model::{CaseFile, Meeting, OptionalTables, Record, StaffId, VisitType};

/// Which rows of an `after-event` rule start a clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// `case_events` of the kinds listed, at `occurred_at`.
    Events,
    /// Held `meetings` of the kinds listed, at `held_at`.
    Meetings,
    /// `records` of the kinds listed, at `about_at` (a record finalised within T of the thing it records).
    Records,
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

/// The `evidence` table of a rule: what makes an obligation done (SPEC 8.3), as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceSpec {
    #[serde(default)]
    pub records: Vec<String>,
    #[serde(default)]
    pub meetings: Vec<String>,
    #[serde(default)]
    pub decisions: Vec<String>,
    /// Visits of these types with the child seen.
    #[serde(default)]
    pub visits: Vec<VisitType>,
    /// A record counts only once it is authorised (`authorised_at`), for timescales that include sign-off.
    #[serde(default)]
    pub authorised: bool,
    /// Unlinked evidence counts whenever it was recorded, even before the anchor ("up to date upon transfer").
    #[serde(default)]
    pub before_anchor: bool,
}

impl EvidenceSpec {
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
            && self.meetings.is_empty()
            && self.decisions.is_empty()
            && self.visits.is_empty()
    }

    /// In words, for `rules show` and notices: "a conference_record record or a case_direction decision".
    pub fn describe(&self) -> String {
        let authorised = if self.authorised { " (authorised)" } else { "" };
        let mut parts: Vec<String> = Vec::new();
        parts.extend(
            self.records
                .iter()
                .map(|k| format!("a {k} record{authorised}")),
        );
        parts.extend(self.meetings.iter().map(|k| format!("a {k} meeting held")));
        parts.extend(self.decisions.iter().map(|k| format!("a {k} decision")));
        parts.extend(
            self.visits
                .iter()
                .map(|v| format!("a {} visit with the child seen", v.as_str())),
        );
        match parts.len() {
            0 => "nothing (the due date moves with each new record)".into(),
            1 => parts.remove(0),
            _ => {
                let last = parts.pop().expect("two or more");
                format!("{} or {last}", parts.join(", "))
            }
        }
    }
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
    /// Events only: the rule applies only while the latest of them has one of these `detail` values.
    pub detail: Option<Vec<String>>,
    /// Events only: the rule applies only while the latest of them has none of these `detail` values.
    pub detail_not: Option<Vec<String>>,
}

impl Since {
    pub fn check(&self) -> Result<(), String> {
        if self.events.is_empty() == self.meetings.is_empty() {
            return Err("subject.since names events or meetings (one of them)".into());
        }
        if !self.meetings.is_empty() && (self.detail.is_some() || self.detail_not.is_some()) {
            return Err("subject.since.detail applies to events, not meetings".into());
        }
        Ok(())
    }

    /// The latest since-row on the case as of `now`, with its detail.
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
        events
            .chain(meetings)
            .max_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)))
            .map(|(at, _, detail)| (at, detail))
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
    /// A before-meeting's previous held meeting of the same kind.
    last_held: Option<DateTime<Utc>>,
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
            ShapeKind::Every | ShapeKind::ByAge(_) => OptionalTables::default(),
        };
        let since = self.since.as_ref();
        // A before-meeting rule looks back for the previous meeting of its kind, which is in `meetings` already.
        subject.union(OptionalTables {
            events: since.is_some_and(|s| !s.events.is_empty()),
            meetings: !e.meetings.is_empty() || since.is_some_and(|s| !s.meetings.is_empty()),
            records: !e.records.is_empty(),
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
                    let last_held = file
                        .meetings
                        .iter()
                        .filter(|p| p.kind == m.kind && p.id != m.id)
                        .filter_map(|p| asof.held(p))
                        .filter(|held| *held < scheduled)
                        .max();
                    out.push(Found {
                        id: &m.id,
                        anchor: scheduled,
                        worker: None,
                        owner: m.chair_id.as_ref(),
                        done: evidence.before_meeting(last_held, &m.id),
                        last_held,
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
                        None if since.detail.is_some() => return,
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

/// What an after-event subject's evidence may be linked to.
enum Link<'f> {
    Event(&'f str),
    Meeting(&'f str),
    /// A record is its own evidence: "finalised within T of the thing it records".
    Record(&'f Record),
}

/// The evidence of one rule on one case, as of the evaluation instant: only what is dated at or before `now`.
struct Evidence<'a> {
    spec: &'a EvidenceSpec,
    file: &'a CaseFile,
    asof: &'a AsOf,
}

impl Evidence<'_> {
    /// When a record counts as done: completed, and authorised when the rule asks for sign-off.
    fn record_done(&self, r: &Record) -> Option<DateTime<Utc>> {
        let completed = self.asof.instant(r.completed_at)?;
        if self.spec.authorised {
            self.asof.instant(r.authorised_at)
        } else {
            Some(completed)
        }
    }

    fn evidence_records(&self) -> impl Iterator<Item = &Record> {
        self.file
            .records
            .iter()
            .filter(|r| self.spec.records.contains(&r.kind))
    }

    /// Evidence other than records (meetings held, decisions, visits with the child seen), with their instants.
    fn other_instants(&self, except_meeting: Option<&str>) -> impl Iterator<Item = DateTime<Utc>> {
        let meetings = self
            .file
            .meetings
            .iter()
            .filter(move |m| {
                self.spec.meetings.contains(&m.kind) && Some(m.id.as_str()) != except_meeting
            })
            .filter_map(|m| self.asof.held(m));
        let decisions = self
            .file
            .decisions
            .iter()
            .filter(|d| self.spec.decisions.contains(&d.kind))
            .filter_map(|d| self.asof.instant(Some(d.decided_at)));
        let visits = self
            .file
            .visits
            .iter()
            .filter(|v| v.child_seen && self.spec.visits.contains(&v.visit_type))
            .filter_map(|v| self.asof.instant(Some(v.visit_at)));
        meetings.chain(decisions).chain(visits)
    }

    /// SPEC 8.3 after-event: a record linked to the subject, or linked to nothing and done at or after A; a
    /// meeting held or a decision made at or after A.
    fn after(&self, anchor: DateTime<Utc>, link: Link<'_>) -> bool {
        let in_window = |t: DateTime<Utc>| self.spec.before_anchor || t >= anchor;
        let records = match link {
            Link::Record(own) => {
                self.spec.records.contains(&own.kind) && self.record_done(own).is_some()
            }
            Link::Event(id) | Link::Meeting(id) => self.evidence_records().any(|r| {
                let Some(done) = self.record_done(r) else {
                    return false;
                };
                let linked = match link {
                    Link::Event(_) => r.event_id.as_deref() == Some(id),
                    _ => r.meeting_id.as_deref() == Some(id),
                };
                linked || (unlinked(r) && in_window(done))
            }),
        };
        let own_meeting = match link {
            Link::Meeting(id) => Some(id),
            _ => None,
        };
        records || self.other_instants(own_meeting).any(in_window)
    }

    /// SPEC 8.3 before-meeting: a record linked to the meeting, or linked to nothing and done after the latest
    /// meeting of the same kind held before this one (at any time if there is none).
    fn before_meeting(&self, last_held: Option<DateTime<Utc>>, meeting_id: &str) -> bool {
        let after_last = |t: DateTime<Utc>| last_held.is_none_or(|p| t > p);
        self.evidence_records().any(|r| {
            self.record_done(r).is_some_and(|done| {
                r.meeting_id.as_deref() == Some(meeting_id) || (unlinked(r) && after_last(done))
            })
        }) || self.other_instants(Some(meeting_id)).any(after_last)
    }

    /// Every piece of evidence on the case, when it was done (SPEC 8.3 every: L is the latest; by-age: any).
    fn all(&self) -> impl Iterator<Item = DateTime<Utc>> {
        self.evidence_records()
            .filter_map(|r| self.record_done(r))
            .chain(self.other_instants(None))
    }
}

fn unlinked(r: &Record) -> bool {
    r.meeting_id.is_none() && r.event_id.is_none()
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
