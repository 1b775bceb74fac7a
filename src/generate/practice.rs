//! An authority that mostly keeps up with the guidance: after a random case is generated, the obligations of every
//! built-in rule pack that it leaves long overdue are mostly done — on time, a few late, a few never — so that the
//! demo and the benchmarks show a realistic backlog (this week's work and some stale breaches), not years of every
//! timescale missed. `timescales` already writes the evidence of SPEC 8.5's pinned rules with its own rates of
//! lateness; this covers the other pack rules, whatever evidence they name, without knowing them one by one.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::calendar::{Region, WorkingCalendar, end_of};
use crate::model::{CaseFile, Decision, Meeting, Record, Visit};
use crate::rules::shape::{Shape, ShapeKind};
use crate::rules::subject::Selector;
use crate::rules::{ActiveStage, AsOf, PACKS, RulePack};

/// How many passes over a case: new evidence (a held meeting) can start obligations of its own.
const ROUNDS: usize = 4;
/// Obligations that fell due within this many days are left as the current backlog.
const RECENT_DAYS: i64 = 8;
/// Of the older ones, this many in a hundred are done (the rest stay breached).
const DONE_PERCENT: u32 = 96;
/// Of those done, this many in a hundred were done late.
const LATE_PERCENT: u32 = 12;

/// The rule packs and calendar the generated authority works to.
#[derive(Clone, Debug)]
pub(super) struct Practice {
    pack: RulePack,
    calendar: WorkingCalendar,
    /// The rules `timescales` already writes evidence for, which keep their own rates.
    pinned: Vec<&'static str>,
}

impl Practice {
    pub(super) fn new() -> Self {
        let names: Vec<String> = PACKS.iter().map(|(name, _)| (*name).to_owned()).collect();
        let pack = RulePack::load_with_packs(false, &names, &[] as &[&str], &[])
            .expect("the built-in packs load");
        Self {
            pack,
            calendar: WorkingCalendar::new(Region::EnglandAndWales, []),
            pinned: PINNED.to_vec(),
        }
    }

    /// Does most of what `file` leaves overdue by the end of the day before `today`. With `visits` false, no
    /// visit is added (a demo scenario's visits are placed to show one stage of SPEC section 4).
    pub(super) fn keep_up(
        &self,
        file: &mut CaseFile,
        today: NaiveDate,
        visits: bool,
        rng: &mut ChaCha8Rng,
    ) {
        let now = end_of(today - Duration::days(1));
        let asof = AsOf::new(now);
        let mut decided: Vec<(usize, String)> = Vec::new();
        let mut stages: Vec<ActiveStage> = Vec::new();
        for round in 0..ROUNDS {
            stages.clear();
            self.pack
                .evaluate_case(file, &self.calendar, &asof, &mut stages);
            let mut added = false;
            for stage in &stages {
                let rule = stage.rule(&self.pack);
                if stage.stage(&self.pack).name != "overdue"
                    || self.pinned.contains(&rule.id.as_str())
                    || stage.due_at > now - Duration::days(RECENT_DAYS)
                {
                    continue;
                }
                let key = (stage.rule, stage.subject_id.clone());
                if decided.contains(&key) {
                    continue;
                }
                decided.push(key);
                if rng.random_range(0..100) >= DONE_PERCENT {
                    continue;
                }
                let Selector::Shape(shape) = &rule.selector else {
                    continue;
                };
                if !visits && !shape.evidence.visits.is_empty() {
                    continue;
                }
                let done_at = self.done_at(shape, stage, now, rng);
                added |= evidence(file, shape, &stage.subject_id, done_at, round);
            }
            if !added {
                break;
            }
        }
    }

    /// When the evidence was done: an `every` series brought up to date recently, anything else by its due time
    /// (or a few days after it).
    fn done_at(
        &self,
        shape: &Shape,
        stage: &ActiveStage,
        now: DateTime<Utc>,
        rng: &mut ChaCha8Rng,
    ) -> DateTime<Utc> {
        let at = if shape.kind == ShapeKind::Every {
            // Brought up to date within the last week: the next due date is ahead, for short intervals too.
            now - Duration::hours(rng.random_range(12..=7 * 24))
        } else if rng.random_range(0..100) < LATE_PERCENT {
            stage.due_at + Duration::hours(rng.random_range(2..=120))
        } else {
            stage.due_at - Duration::minutes(rng.random_range(30..=600))
        };
        at.min(now)
    }
}

/// Adds the first kind of evidence `shape` names, done at `at`, linked to the subject where it can be.
fn evidence(
    file: &mut CaseFile,
    shape: &Shape,
    subject: &str,
    at: DateTime<Utc>,
    round: usize,
) -> bool {
    let e = &shape.evidence;
    let n = file.records.len() + file.meetings.len() + file.decisions.len() + file.visits.len();
    let id = format!("{}-K{round}{n:03}", file.case.id);
    let case_id = file.case.id.clone();
    if let Some(kind) = e.records.first() {
        let linked_event = file.events.iter().any(|ev| ev.id == subject);
        let linked_meeting = file.meetings.iter().any(|m| m.id == subject);
        file.records.push(Record {
            id,
            case_id,
            kind: kind.clone(),
            about_at: None,
            completed_at: Some(at),
            authorised_at: e.authorised.then_some(at),
            staff_id: None,
            meeting_id: linked_meeting.then(|| subject.to_owned()),
            event_id: linked_event.then(|| subject.to_owned()),
        });
        file.records.sort_by(|a, b| a.id.cmp(&b.id));
    } else if let Some(kind) = e.meetings.first() {
        file.meetings.push(Meeting {
            id,
            case_id,
            kind: kind.clone(),
            scheduled_at: Some(at),
            held_at: Some(at),
            cancelled: false,
            chair_id: None,
        });
        file.meetings.sort_by(|a, b| a.id.cmp(&b.id));
    } else if let Some(kind) = e.decisions.first() {
        file.decisions.push(Decision {
            id,
            case_id,
            decided_at: at,
            manager_id: None,
            kind: kind.clone(),
        });
        file.decisions
            .sort_by(|a, b| (a.decided_at, &a.id).cmp(&(b.decided_at, &b.id)));
    } else if let Some(&visit_type) = e.visits.first() {
        file.visits.push(Visit {
            id,
            case_id,
            visit_type,
            visit_at: at,
            child_seen: true,
            worker_id: None,
            note_created_at: Some(at),
            note_finalised_at: Some(at + Duration::hours(20)),
            manager_comment_at: Some(at + Duration::hours(20)),
            ssda903_recorded: true,
        });
        file.visits
            .sort_by(|a, b| (a.visit_at, &a.id).cmp(&(b.visit_at, &b.id)));
    } else {
        return false;
    }
    true
}

/// SPEC 8.5's rules, whose evidence `timescales` writes with its own rates.
const PINNED: [&str; 21] = [
    "strategy-discussion-held",
    "case-summary-3-monthly",
    "chronology-monthly",
    "strategy-record",
    "icpc-decisions",
    "icpc-record",
    "icpc-report",
    "core-group-minutes",
    "rcpc-report",
    "cla-care-plan",
    "cla-iha-request",
    "cla-pep",
    "cla-review-record",
    "pathway-plan-by-15y9m",
    "pathway-plan-6-monthly",
    "rhi-offer",
    "icpc-within-15wd-of-strategy",
    "core-group-within-10wd",
    "contact-decision-24h",
    "workbook-decision",
    "new-information-review",
];
