//! Visit histories at statutory frequencies, with their notes, failed-visit runs and management decisions.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::Generator;
use super::builder::CaseBuilder;
use super::days::{WorkingDays, at_local, clock, days, in_ssda903_window};
use crate::model::{Visit, VisitType};

pub(super) const FAILED_VISIT_ESCALATION: &str = "failed_visit_escalation";
pub(super) const CASE_DIRECTION: &str = "case_direction";

/// How untidy a history is. Chances are per visit (or per note) and between 0 and 1.
pub(super) struct Realism {
    /// A visit on the usual cadence finds the child not seen.
    failed_visit: f64,
    /// The reattempt after a failed visit fails too: runs of two or three.
    failed_reattempt: f64,
    /// A visit (or reattempt) comes later than the cadence asks.
    late_visit: f64,
    /// A statutory visit note the manager never comments on.
    uncommented: f64,
    /// ... and that the case database never shows as finalised: a lasting R1 breach.
    never_finalised: f64,
    /// The practice manager records a decision after a second failed visit.
    escalation_recorded: f64,
    /// A KIT in a birthday window whose SSDA903 box is left unticked.
    ssda903_missed: f64,
    /// A non-statutory visit follows a statutory one.
    other_visit: f64,
    /// A case direction decision follows a visit.
    case_direction: f64,
    /// Notes written soon after the visit and commented the same day.
    prompt: bool,
}

/// About 6% of visits fail (4.5% first failures, a third of reattempts fail again).
pub(super) const TYPICAL: Realism = Realism {
    failed_visit: 0.045,
    failed_reattempt: 0.3,
    late_visit: 0.08,
    uncommented: 0.12,
    never_finalised: 0.01,
    escalation_recorded: 0.85,
    ssda903_missed: 0.1,
    other_visit: 0.08,
    case_direction: 0.03,
    prompt: false,
};

/// A history that sets off no rule: the background of the demo scenarios.
pub(super) const QUIET: Realism = Realism {
    failed_visit: 0.0,
    failed_reattempt: 0.0,
    late_visit: 0.0,
    uncommented: 0.0,
    never_finalised: 0.0,
    escalation_recorded: 1.0,
    ssda903_missed: 0.0,
    other_visit: 0.0,
    case_direction: 0.0,
    prompt: true,
};

/// How often a case is visited.
#[derive(Clone, Copy, Debug)]
pub(super) enum Cadence {
    /// CIN statutory visits, about monthly.
    ChildInNeed,
    /// CP statutory visits, at least every 10 working days.
    ChildProtection,
    /// CLA statutory visits: seed 002, "within one week of the placement ... every six weeks in the first year and
    /// at least 3 monthly in subsequent years".
    LookedAfter { since: NaiveDate },
    /// seed 001: KIT visits "for eligible relevant and former relevant ... every 2 months".
    KeepInTouch,
}

impl Cadence {
    pub(super) fn for_case(case_type: &str, opened_on: NaiveDate) -> Self {
        match case_type {
            "CP" => Self::ChildProtection,
            "CLA" => Self::LookedAfter { since: opened_on },
            "CARE_LEAVER" => Self::KeepInTouch,
            _ => Self::ChildInNeed,
        }
    }

    fn visit_type(self) -> VisitType {
        match self {
            Self::KeepInTouch => VisitType::Kit,
            _ => VisitType::Statutory,
        }
    }

    fn first(self, opened_on: NaiveDate, wd: &WorkingDays, rng: &mut ChaCha8Rng) -> NaiveDate {
        match self {
            Self::ChildInNeed => days(opened_on, rng.random_range(3..=15)),
            Self::ChildProtection => wd.add(opened_on, rng.random_range(1..=5)),
            Self::LookedAfter { .. } => days(opened_on, rng.random_range(1..=6)),
            Self::KeepInTouch => days(opened_on, rng.random_range(14..=45)),
        }
    }

    fn next(
        self,
        last: NaiveDate,
        late: bool,
        wd: &WorkingDays,
        rng: &mut ChaCha8Rng,
    ) -> NaiveDate {
        let (on_time, overdue) = match self {
            Self::ChildProtection => {
                return wd.add(
                    last,
                    if late {
                        rng.random_range(11..=14)
                    } else {
                        rng.random_range(7..=10)
                    },
                );
            }
            Self::ChildInNeed => (21..=31, 32..=50),
            Self::LookedAfter { since } if last < days(since, 365) => (35..=42, 43..=56),
            Self::LookedAfter { .. } => (70..=91, 92..=120),
            Self::KeepInTouch => (42..=61, 62..=110),
        };
        days(last, rng.random_range(if late { overdue } else { on_time }))
    }
}

/// Visits on `cadence` from the case's opening until the day before `until` (and never today or later).
pub(super) fn record(
    b: &mut CaseBuilder,
    g: &Generator,
    cadence: Cadence,
    until: NaiveDate,
    realism: &Realism,
    rng: &mut ChaCha8Rng,
) {
    let wd = &g.working_days;
    let until = until.min(g.today);
    let mut date = wd.on_or_after(cadence.first(b.case.opened_on, wd, rng));
    let mut failed_run = 0;
    while date < until {
        let at = at_local(date, rng.random_range(clock(9, 0)..=clock(16, 30)));
        let fail_chance = match failed_run {
            0 => realism.failed_visit,
            1 | 2 => realism.failed_reattempt,
            _ => 0.0,
        };
        let seen = !rng.random_bool(fail_chance);
        let ticked = seen
            && matches!(cadence, Cadence::KeepInTouch)
            && b.child
                .date_of_birth
                .is_some_and(|dob| in_ssda903_window(dob, date))
            && !rng.random_bool(realism.ssda903_missed);
        let worker = b.people.visiting_worker(date, rng);
        let visit = b.visit(cadence.visit_type(), at, seen, worker);
        visit.ssda903_recorded = ticked;
        write_note(visit, date, g, realism, rng);
        if !seen {
            failed_run += 1;
            if failed_run == 2
                && cadence.visit_type() == VisitType::Statutory
                && rng.random_bool(realism.escalation_recorded)
            {
                escalate(b, g, at, date, until, rng);
            }
            // seed 001: "After one failed visit the worker should attempt to visit again within 3 working days".
            let gap = if rng.random_bool(realism.late_visit) {
                rng.random_range(4..=6)
            } else {
                rng.random_range(1..=3)
            };
            date = wd.add(date, gap);
            continue;
        }
        failed_run = 0;
        if rng.random_bool(realism.other_visit) {
            let on = wd.on_or_after(days(date, rng.random_range(2..=7)));
            if on < until {
                let at = at_local(on, rng.random_range(clock(9, 0)..=clock(16, 30)));
                let worker = b.people.visiting_worker(on, rng);
                write_note(
                    b.visit(VisitType::Other, at, true, worker),
                    on,
                    g,
                    realism,
                    rng,
                );
            }
        }
        if rng.random_bool(realism.case_direction) {
            let on = wd.add(date, rng.random_range(1..=5));
            if on < until {
                let manager = b.people.deciding_manager(rng);
                b.decision(
                    at_local(on, rng.random_range(clock(9, 0)..=clock(17, 0))),
                    manager,
                    CASE_DIRECTION,
                );
            }
        }
        date = wd.on_or_after(cadence.next(date, rng.random_bool(realism.late_visit), wd, rng));
    }
}

/// seed 001: a second failed visit "should be escalated to PM within 1 working day", and "the manager records a
/// case management decision to evidence management oversight".
fn escalate(
    b: &mut CaseBuilder,
    g: &Generator,
    failed_at: DateTime<Utc>,
    failed_on: NaiveDate,
    until: NaiveDate,
    rng: &mut ChaCha8Rng,
) {
    let on = g.working_days.add(failed_on, rng.random_range(0..=1));
    let at = at_local(on, rng.random_range(clock(9, 30)..=clock(17, 0)))
        .max(failed_at + TimeDelta::hours(1));
    if on < until {
        let manager = b.people.practice_manager.clone();
        b.decision(at, manager, FAILED_VISIT_ESCALATION);
    }
}

/// The visit's case note: written the same day or the next working day; nothing is dated today or later.
fn write_note(
    visit: &mut Visit,
    visit_on: NaiveDate,
    g: &Generator,
    realism: &Realism,
    rng: &mut ChaCha8Rng,
) {
    let wd = &g.working_days;
    let minutes = |n: i64| TimeDelta::minutes(n);
    let (created_on, created) = if realism.prompt || rng.random_range(0..100) < 70 {
        (
            visit_on,
            visit.visit_at + minutes(rng.random_range(45..=240)),
        )
    } else {
        let on = wd.add(visit_on, 1);
        (
            on,
            at_local(on, rng.random_range(clock(9, 0)..=clock(12, 0))),
        )
    };
    if created_on >= g.today {
        return;
    }
    visit.note_created_at = Some(created);
    if visit.visit_type != VisitType::Statutory {
        // KIT and other visit notes need no manager's comment; the worker finalises them.
        visit.note_finalised_at = Some(created + minutes(rng.random_range(10..=90)));
        return;
    }
    // seed 001: the PM adds comments "within 5 working days or LCS will finalise the case note automatically".
    let auto_finalised_on = days(wd.add(created_on, 5), 1);
    let comment = if realism.prompt {
        Some(created + minutes(60))
    } else if rng.random_bool(realism.uncommented) {
        None
    } else {
        let on = wd.add(
            created_on,
            [0, 1, 1, 1, 2, 2, 3, 3, 4, 5][rng.random_range(0..10)],
        );
        let at =
            at_local(on, rng.random_range(clock(9, 0)..=clock(17, 0))).max(created + minutes(30));
        (on < g.today).then_some(at)
    };
    visit.manager_comment_at = comment;
    visit.note_finalised_at = match comment {
        Some(at) if rng.random_range(0..100) < 60 => Some(at + minutes(rng.random_range(5..=120))),
        // LCS's overnight run finalises what is left; the reporting copy shows it the next morning.
        _ if auto_finalised_on < g.today && !rng.random_bool(realism.never_finalised) => {
            Some(at_local(auto_finalised_on, clock(2, 0)))
        }
        _ => None,
    };
}
