//! An authority that mostly keeps up with the guidance: after a random case is generated, the obligations of every
//! built-in rule pack that it leaves long overdue are mostly done — on time, a few late, a few never — so that the
//! demo and the benchmarks show a realistic backlog (this week's work and some stale breaches), not years of every
//! timescale missed. `timescales` already writes the evidence of SPEC 8.5's pinned rules with its own rates of
//! lateness, and the rest of the generator models visits and the main meetings: this covers the other evidence the
//! pack rules name, whatever it is, without knowing the rules one by one, and leaves the modelled kinds' rates alone.
//! Evidence is dated in working hours on a working day, after the case opened and before today.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::days::{WorkingDays, at_local, clock};
use crate::calendar::{Region, WorkingCalendar, end_of, local_date};
use crate::model::{CaseFile, Decision, Meeting, Record};
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
}

impl Practice {
    pub(super) fn new() -> Self {
        let names: Vec<String> = PACKS.iter().map(|(name, _)| (*name).to_owned()).collect();
        let pack = RulePack::load_with_packs(false, &names, &[] as &[&str], &[])
            .expect("the built-in packs load");
        Self {
            pack,
            calendar: WorkingCalendar::new(Region::EnglandAndWales, []),
        }
    }

    /// Does most of what `file` leaves overdue by the end of the day before `today`.
    pub(super) fn keep_up(
        &self,
        file: &mut CaseFile,
        today: NaiveDate,
        days: &WorkingDays,
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
                let after_meeting = file.meetings.iter().any(|m| m.id == stage.subject_id);
                let Some(kind) = unmodelled(shape, after_meeting) else {
                    continue;
                };
                let done_at = self.done_at(shape, stage, now, rng);
                let Some(done_at) = in_working_hours(done_at, file.case.opened_on, now, days)
                else {
                    continue;
                };
                added |= evidence(file, kind, &stage.subject_id, done_at, round);
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

/// Evidence the rest of the generator does not already write, with its own rates: the first record, meeting or
/// decision kind `shape` names that is not modelled — or, for an obligation after a meeting, a record linked to that
/// meeting whatever its kind (a care plan after a review: `timescales` writes the one after becoming looked after).
/// Visits never: `history` places them.
fn unmodelled(shape: &Shape, after_meeting: bool) -> Option<Evidence<'_>> {
    let e = &shape.evidence;
    let fresh = |kind: &&String| !MODELLED.contains(&kind.as_str());
    e.records
        .iter()
        .find(|kind| after_meeting || fresh(kind))
        .map(|k| Evidence::Record(k, e.authorised))
        .or_else(|| e.meetings.iter().find(fresh).map(|k| Evidence::Meeting(k)))
        .or_else(|| {
            e.decisions
                .iter()
                .find(fresh)
                .map(|k| Evidence::Decision(k))
        })
}

enum Evidence<'r> {
    /// A record kind, and whether it must be authorised.
    Record(&'r str, bool),
    Meeting(&'r str),
    Decision(&'r str),
}

/// `at` moved into working hours (09:00-17:00 London) on a working day on or after the case opened and not after
/// `now`; `None` when there is no such day.
fn in_working_hours(
    at: DateTime<Utc>,
    opened_on: NaiveDate,
    now: DateTime<Utc>,
    days: &WorkingDays,
) -> Option<DateTime<Utc>> {
    let date = days
        .on_or_before(local_date(at))
        .max(days.on_or_after(opened_on));
    let minute = local_minute(at).clamp(clock(9, 0), clock(17, 0));
    Some(at_local(date, minute)).filter(|placed| *placed <= now)
}

fn local_minute(at: DateTime<Utc>) -> u32 {
    use chrono::Timelike;
    let local = at.with_timezone(&crate::calendar::LONDON);
    local.hour() * 60 + local.minute()
}

/// Adds one piece of evidence, done at `at`, linked to the subject where it can be.
fn evidence(
    file: &mut CaseFile,
    kind: Evidence<'_>,
    subject: &str,
    at: DateTime<Utc>,
    round: usize,
) -> bool {
    let n = file.records.len() + file.meetings.len() + file.decisions.len();
    let id = format!("{}-K{round}{n:03}", file.case.id);
    let case_id = file.case.id.clone();
    match kind {
        Evidence::Record(kind, authorised) => {
            let linked_event = file.events.iter().any(|ev| ev.id == subject);
            let linked_meeting = file.meetings.iter().any(|m| m.id == subject);
            file.records.push(Record {
                id,
                case_id,
                kind: kind.to_owned(),
                about_at: None,
                completed_at: Some(at),
                authorised_at: authorised.then_some(at),
                staff_id: None,
                meeting_id: linked_meeting.then(|| subject.to_owned()),
                event_id: linked_event.then(|| subject.to_owned()),
            });
            file.records.sort_by(|a, b| a.id.cmp(&b.id));
        }
        Evidence::Meeting(kind) => {
            file.meetings.push(Meeting {
                id,
                case_id,
                kind: kind.to_owned(),
                scheduled_at: Some(at),
                held_at: Some(at),
                cancelled: false,
                chair_id: None,
            });
            file.meetings.sort_by(|a, b| a.id.cmp(&b.id));
        }
        Evidence::Decision(kind) => {
            file.decisions.push(Decision {
                id,
                case_id,
                decided_at: at,
                manager_id: None,
                kind: kind.to_owned(),
            });
            file.decisions
                .sort_by(|a, b| (a.decided_at, &a.id).cmp(&(b.decided_at, &b.id)));
        }
    }
    true
}

/// The evidence kinds `timescales` and `history` write themselves, with their own rates of lateness and absence.
const MODELLED: [&str; 21] = [
    "strategy_record",
    "conference_decisions",
    "conference_record",
    "core_group_minutes",
    "sw_report",
    "care_plan",
    "iha_request",
    "pep",
    "review_record",
    "case_summary",
    "chronology",
    "pathway_plan",
    "rhi_offer",
    "strategy",
    "icpc",
    "rcpc",
    "core_group",
    "cla_review",
    "contact_decision",
    "workbook_decision",
    "case_direction",
];
