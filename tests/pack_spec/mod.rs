//! SPEC section 8.5's 21 rules written out again directly from the SPEC's words (8.3's shapes, 8.4's ladder, 8.5's
//! table), without the pack files or the rule language, and a generator of random, edge-heavy case files for them:
//! the oracle the pure and the database tests compare the engine with.
#![allow(dead_code)]

use std::collections::BTreeSet;

use casewatch::calendar::{WorkingCalendar, add_months, end_of, local_date, start_of};
use casewatch::model::*;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use super::common::StageRow as Row;

/// How a pinned rule is due (SPEC 8.5's "due" column).
#[derive(Clone, Copy)]
enum Due {
    /// A + H hours (negative: before the meeting).
    Hours(i64),
    /// X = d + N working days (negative: before).
    WorkingDays(i32),
    /// X = date(L) + N months.
    Months(i32),
    /// X = B.
    Birthday,
}

#[derive(Clone, Copy)]
enum Shape {
    Events(&'static str),
    Meetings(&'static str),
    BeforeMeeting(&'static str),
    Every(&'static [&'static str]),
    ByAge(&'static [&'static str], i32),
}

#[derive(Clone, Copy)]
enum Evidence {
    Record(&'static str),
    Meeting(&'static str),
    Decision(&'static str),
}

struct Pinned {
    id: &'static str,
    shape: Shape,
    due: Due,
    evidence: Evidence,
}

const CIN_CP_CLA: &[&str] = &["CIN", "CP", "CLA"];

/// SPEC 8.5, row by row.
const PINNED: [Pinned; 21] = [
    Pinned {
        id: "strategy-discussion-held",
        shape: Shape::Events("strategy_needed"),
        due: Due::Hours(24),
        evidence: Evidence::Meeting("strategy"),
    },
    Pinned {
        id: "case-summary-3-monthly",
        shape: Shape::Every(CIN_CP_CLA),
        due: Due::Months(3),
        evidence: Evidence::Record("case_summary"),
    },
    Pinned {
        id: "chronology-monthly",
        shape: Shape::Every(CIN_CP_CLA),
        due: Due::Months(1),
        evidence: Evidence::Record("chronology"),
    },
    Pinned {
        id: "strategy-record",
        shape: Shape::Meetings("strategy"),
        due: Due::Hours(24),
        evidence: Evidence::Record("strategy_record"),
    },
    Pinned {
        id: "icpc-decisions",
        shape: Shape::Meetings("icpc"),
        due: Due::Hours(48),
        evidence: Evidence::Record("conference_decisions"),
    },
    Pinned {
        id: "icpc-record",
        shape: Shape::Meetings("icpc"),
        due: Due::WorkingDays(15),
        evidence: Evidence::Record("conference_record"),
    },
    Pinned {
        id: "icpc-report",
        shape: Shape::BeforeMeeting("icpc"),
        due: Due::Hours(-24),
        evidence: Evidence::Record("sw_report"),
    },
    Pinned {
        id: "core-group-minutes",
        shape: Shape::Meetings("core_group"),
        due: Due::WorkingDays(5),
        evidence: Evidence::Record("core_group_minutes"),
    },
    Pinned {
        id: "rcpc-report",
        shape: Shape::BeforeMeeting("rcpc"),
        due: Due::WorkingDays(-5),
        evidence: Evidence::Record("sw_report"),
    },
    Pinned {
        id: "cla-care-plan",
        shape: Shape::Events("became_looked_after"),
        due: Due::WorkingDays(10),
        evidence: Evidence::Record("care_plan"),
    },
    Pinned {
        id: "cla-iha-request",
        shape: Shape::Events("became_looked_after"),
        due: Due::WorkingDays(5),
        evidence: Evidence::Record("iha_request"),
    },
    Pinned {
        id: "cla-pep",
        shape: Shape::Events("became_looked_after"),
        due: Due::WorkingDays(10),
        evidence: Evidence::Record("pep"),
    },
    Pinned {
        id: "cla-review-record",
        shape: Shape::Meetings("cla_review"),
        due: Due::WorkingDays(15),
        evidence: Evidence::Record("review_record"),
    },
    Pinned {
        id: "pathway-plan-by-15y9m",
        shape: Shape::ByAge(&["CLA"], 189),
        due: Due::Birthday,
        evidence: Evidence::Record("pathway_plan"),
    },
    Pinned {
        id: "pathway-plan-6-monthly",
        shape: Shape::Every(&["CARE_LEAVER"]),
        due: Due::Months(6),
        evidence: Evidence::Record("pathway_plan"),
    },
    Pinned {
        id: "rhi-offer",
        shape: Shape::Events("returned_from_missing"),
        due: Due::Hours(72),
        evidence: Evidence::Record("rhi_offer"),
    },
    Pinned {
        id: "icpc-within-15wd-of-strategy",
        shape: Shape::Events("icpc_required"),
        due: Due::WorkingDays(15),
        evidence: Evidence::Meeting("icpc"),
    },
    Pinned {
        id: "core-group-within-10wd",
        shape: Shape::Events("cp_plan_started"),
        due: Due::WorkingDays(10),
        evidence: Evidence::Meeting("core_group"),
    },
    Pinned {
        id: "contact-decision-24h",
        shape: Shape::Events("contact_received"),
        due: Due::Hours(24),
        evidence: Evidence::Decision("contact_decision"),
    },
    Pinned {
        id: "workbook-decision",
        shape: Shape::Events("transferred_in"),
        due: Due::Hours(24),
        evidence: Evidence::Decision("workbook_decision"),
    },
    Pinned {
        id: "new-information-review",
        shape: Shape::Events("new_information"),
        due: Due::WorkingDays(1),
        evidence: Evidence::Decision("case_direction"),
    },
];

pub fn pinned_ids() -> Vec<&'static str> {
    PINNED.iter().map(|p| p.id).collect()
}

struct Oracle<'a> {
    cal: &'a WorkingCalendar,
    now: DateTime<Utc>,
    file: &'a CaseFile,
    out: BTreeSet<Row>,
}

impl Oracle<'_> {
    fn seen(&self, t: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
        t.filter(|t| *t <= self.now)
    }

    /// SPEC 8.1: a cancelled meeting is never held; a held_at after now counts as NULL.
    fn held(&self, m: &Meeting) -> Option<DateTime<Utc>> {
        if m.cancelled {
            None
        } else {
            self.seen(m.held_at)
        }
    }

    /// SPEC 8.4's three stages for one obligation.
    fn ladder(
        &mut self,
        p: &Pinned,
        subject: &str,
        a: DateTime<Utc>,
        due_at: DateTime<Utc>,
        lead: i32,
    ) {
        let x = local_date(due_at);
        let hours_after_event = matches!(p.due, Due::Hours(h) if h > 0);
        let due_soon = if hours_after_event {
            a
        } else {
            start_of(self.cal.add_working_days(x, -lead))
        };
        let escalated = start_of(self.cal.add_working_days(x, 5));
        for (stage, from, lapses) in [
            ("due-soon", due_soon, true),
            ("overdue", due_at, false),
            ("escalated", escalated, false),
        ] {
            if from <= self.now && (!lapses || self.now <= due_at) {
                self.out
                    .insert((p.id.into(), stage.into(), subject.into(), from, due_at));
            }
        }
    }

    fn due(&self, p: &Pinned, a: DateTime<Utc>) -> DateTime<Utc> {
        let d = local_date(a);
        match p.due {
            Due::Hours(h) => a + Duration::hours(h),
            Due::WorkingDays(n) => end_of(self.cal.add_working_days(d, n)),
            Due::Months(m) => end_of(add_months(d, m)),
            Due::Birthday => end_of(d),
        }
    }

    /// SPEC 8.3 after-event evidence: a record linked to the subject, or unlinked and completed at or after A; a
    /// meeting held at or after A; a decision decided at or after A.
    fn after_event_done(
        &self,
        p: &Pinned,
        a: DateTime<Utc>,
        event: Option<&str>,
        meeting: Option<&str>,
    ) -> bool {
        let f = self.file;
        match p.evidence {
            Evidence::Record(kind) => f.records.iter().any(|r| {
                r.kind == kind
                    && self.seen(r.completed_at).is_some_and(|c| {
                        let linked = (event.is_some() && r.event_id.as_deref() == event)
                            || (meeting.is_some() && r.meeting_id.as_deref() == meeting);
                        let unlinked = r.event_id.is_none() && r.meeting_id.is_none();
                        linked || (unlinked && c >= a)
                    })
            }),
            Evidence::Meeting(kind) => f.meetings.iter().any(|m| {
                m.kind == kind
                    && Some(m.id.as_str()) != meeting
                    && self.held(m).is_some_and(|h| h >= a)
            }),
            Evidence::Decision(kind) => f
                .decisions
                .iter()
                .any(|d| d.kind == kind && d.decided_at >= a && d.decided_at <= self.now),
        }
    }

    fn rule(&mut self, p: &Pinned) {
        let f = self.file;
        let c = &f.case;
        match p.shape {
            Shape::Events(kind) => {
                let now = self.now;
                for e in f
                    .events
                    .iter()
                    .filter(|e| e.kind == kind && e.occurred_at <= now)
                {
                    if !self.after_event_done(p, e.occurred_at, Some(&e.id), None) {
                        let due = self.due(p, e.occurred_at);
                        self.ladder(p, &e.id, e.occurred_at, due, 2);
                    }
                }
            }
            Shape::Meetings(kind) => {
                for m in f.meetings.iter().filter(|m| m.kind == kind) {
                    let Some(held) = self.held(m) else { continue };
                    if !self.after_event_done(p, held, None, Some(&m.id)) {
                        let due = self.due(p, held);
                        self.ladder(p, &m.id, held, due, 2);
                    }
                }
            }
            Shape::BeforeMeeting(kind) => {
                for m in f.meetings.iter().filter(|m| m.kind == kind) {
                    let Some(s) = m.scheduled_at else { continue };
                    if m.cancelled || self.held(m).is_some() {
                        continue;
                    }
                    let previous = f
                        .meetings
                        .iter()
                        .filter(|p| p.kind == kind && p.id != m.id)
                        .filter_map(|p| self.held(p))
                        .filter(|h| *h < s)
                        .max();
                    let Evidence::Record(evidence) = p.evidence else {
                        unreachable!()
                    };
                    let done = f.records.iter().any(|r| {
                        r.kind == evidence
                            && self.seen(r.completed_at).is_some_and(|c| {
                                r.meeting_id.as_deref() == Some(m.id.as_str())
                                    || (r.meeting_id.is_none()
                                        && r.event_id.is_none()
                                        && previous.is_none_or(|p| c > p))
                            })
                    });
                    if !done {
                        let due = self.due(p, s);
                        self.ladder(p, &m.id, s, due, 3);
                    }
                }
            }
            Shape::Every(types) => {
                if !types.contains(&c.case_type.as_str()) {
                    return;
                }
                let Evidence::Record(kind) = p.evidence else {
                    unreachable!()
                };
                let l = f
                    .records
                    .iter()
                    .filter(|r| r.kind == kind)
                    .filter_map(|r| self.seen(r.completed_at))
                    .max()
                    .unwrap_or_else(|| start_of(c.opened_on));
                let due = self.due(p, l);
                self.ladder(p, c.id.as_str(), l, due, 5);
            }
            Shape::ByAge(types, months) => {
                let Some(dob) = f.child.date_of_birth else {
                    return;
                };
                if !types.contains(&c.case_type.as_str()) {
                    return;
                }
                let Evidence::Record(kind) = p.evidence else {
                    unreachable!()
                };
                if f.records
                    .iter()
                    .any(|r| r.kind == kind && self.seen(r.completed_at).is_some())
                {
                    return;
                }
                let b = add_months(dob, months);
                self.ladder(p, c.id.as_str(), start_of(b), end_of(b), 20);
            }
        }
    }
}

/// What SPEC 8.5 says is active for `file` at `now`.
pub fn oracle(file: &CaseFile, cal: &WorkingCalendar, now: DateTime<Utc>) -> BTreeSet<Row> {
    let today = local_date(now);
    let c = &file.case;
    let mut o = Oracle {
        cal,
        now,
        file,
        out: BTreeSet::new(),
    };
    if !(c.opened_on <= today && c.closed_on.is_none_or(|x| x > today)) {
        return o.out;
    }
    for p in &PINNED {
        o.rule(p);
    }
    o.out
}

pub use super::common::random_instant as instant;

fn pick<'a>(rng: &mut ChaCha8Rng, from: &[&'a str]) -> &'a str {
    from[rng.random_range(0..from.len())]
}

const EVENT_KINDS: [&str; 9] = [
    "strategy_needed",
    "new_information",
    "became_looked_after",
    "returned_from_missing",
    "icpc_required",
    "cp_plan_started",
    "contact_received",
    "transferred_in",
    "referral_received",
];
const MEETING_KINDS: [&str; 5] = ["strategy", "icpc", "rcpc", "core_group", "cla_review"];
const RECORD_KINDS: [&str; 13] = [
    "strategy_record",
    "conference_decisions",
    "conference_record",
    "sw_report",
    "core_group_minutes",
    "care_plan",
    "iha_request",
    "pep",
    "review_record",
    "pathway_plan",
    "case_summary",
    "chronology",
    "rhi_offer",
];
const DECISION_KINDS: [&str; 3] = ["contact_decision", "workbook_decision", "case_direction"];

/// A random case with events, meetings, records and decisions around `base`: same-second rows, rows at local
/// midnight, links to other subjects and to nothing, cancelled and unheld meetings, evidence in the future.
pub fn random_case(rng: &mut ChaCha8Rng, n: usize, base: NaiveDate) -> CaseFile {
    let id = format!("P{n:04}");
    let case_type = pick(rng, &["CIN", "CP", "CLA", "CARE_LEAVER", "CONTACT"]);
    let mut file = super::common::case_file(&id, case_type);
    file.case.opened_on = base + Duration::days(rng.random_range(-300..40));
    file.case.closed_on = rng
        .random_bool(0.1)
        .then(|| base + Duration::days(rng.random_range(0..120)));
    file.child.date_of_birth = rng.random_bool(0.9).then(|| {
        if rng.random_bool(0.1) {
            NaiveDate::from_ymd_opt(2011, 5, 31).unwrap()
        } else {
            base - Duration::days(rng.random_range(15 * 365..16 * 365 + 200))
        }
    });
    let window = |rng: &mut ChaCha8Rng| instant(rng, base - Duration::days(60), 150);
    let mut stamps: Vec<DateTime<Utc>> = Vec::new();
    let mut stamp = |rng: &mut ChaCha8Rng| -> DateTime<Utc> {
        let at = match stamps.last() {
            Some(&t) if rng.random_bool(0.15) => t,
            _ => window(rng),
        };
        stamps.push(at);
        at
    };
    for k in 0..rng.random_range(0..5) {
        let mut e = super::common::event(
            &format!("{id}-E{k}"),
            &id,
            pick(rng, &EVENT_KINDS),
            "2026-01-01T00:00:00Z",
        );
        e.occurred_at = stamp(rng);
        file.events.push(e);
    }
    for k in 0..rng.random_range(0..6) {
        let mut m = super::common::meeting(
            &format!("{id}-M{k}"),
            &id,
            pick(rng, &MEETING_KINDS),
            None,
            None,
        );
        m.scheduled_at = rng.random_bool(0.7).then(|| stamp(rng));
        m.held_at = rng.random_bool(0.6).then(|| stamp(rng));
        m.cancelled = rng.random_bool(0.1);
        file.meetings.push(m);
    }
    let links: Vec<String> = file
        .events
        .iter()
        .map(|e| e.id.clone())
        .chain(file.meetings.iter().map(|m| m.id.clone()))
        .collect();
    for k in 0..rng.random_range(0..7) {
        let mut r =
            super::common::record(&format!("{id}-R{k}"), &id, pick(rng, &RECORD_KINDS), None);
        r.completed_at = rng.random_bool(0.85).then(|| stamp(rng));
        r.about_at = rng.random_bool(0.5).then(|| stamp(rng));
        match rng.random_range(0..4) {
            0 | 1 if !links.is_empty() => {
                let link = links[rng.random_range(0..links.len())].clone();
                if link.contains("-E") {
                    r.event_id = Some(link);
                } else {
                    r.meeting_id = Some(link);
                }
            }
            2 => {
                // Linked to a meeting no rule watches: evidence for nothing.
                let other = format!("{id}-M99");
                if !file.meetings.iter().any(|m| m.id == other) {
                    file.meetings.push(super::common::meeting(
                        &other,
                        &id,
                        "legal_planning",
                        None,
                        None,
                    ));
                }
                r.meeting_id = Some(other);
            }
            _ => {}
        }
        file.records.push(r);
    }
    for k in 0..rng.random_range(0..3) {
        file.decisions.push(Decision {
            id: format!("{id}-D{k}"),
            case_id: id.as_str().into(),
            decided_at: stamp(rng),
            manager_id: None,
            kind: pick(rng, &DECISION_KINDS).into(),
        });
    }
    // The source's orders (CaseFile's documentation).
    file.events
        .sort_by(|a, b| (a.occurred_at, &a.id).cmp(&(b.occurred_at, &b.id)));
    file.meetings.sort_by(|a, b| a.id.cmp(&b.id));
    file.records.sort_by(|a, b| a.id.cmp(&b.id));
    file.decisions
        .sort_by(|a, b| (a.decided_at, &a.id).cmp(&(b.decided_at, &b.id)));
    file
}

pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}
