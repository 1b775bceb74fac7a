//! Building the scenario cases: a quiet history, then the few rows that put the case in its stage.

use chrono::NaiveDate;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::Scenario::{self, *};
use crate::generate::Generator;
use crate::generate::builder::{CaseBuilder, child_row};
use crate::generate::days::{
    age_on, at_local, birthday, born, clock, days, in_ssda903_window, months,
};
use crate::generate::hierarchy::{Post, Service};
use crate::generate::history::{self, Cadence, FAILED_VISIT_ESCALATION};
use crate::generate::staff::ABSENT_WORKER;
use crate::model::{CareLeaverCategory, CaseFile, VisitType};

impl Scenario {
    pub(in crate::generate) fn build(
        self,
        g: &Generator,
        child: usize,
        case_number: usize,
        rng: &mut ChaCha8Rng,
    ) -> CaseFile {
        let (t, wd) = (g.today, &g.working_days);
        let before = |n: i64| wd.add(t, -n);
        let safeguarding = |j| Some(Post::Worker(Service::Safeguarding, j));
        let young_child = days(t, -rng.random_range(2 * 365..=14 * 365));
        let start = |case_type, post, opened_on, date_of_birth, rng: &mut ChaCha8Rng| {
            let mut b = CaseBuilder::new(
                g,
                case_number,
                child_row(g, child, Some(date_of_birth), rng),
                case_type,
                post,
            );
            b.case.opened_on = opened_on;
            b
        };
        let b = match self {
            NoteUpcoming | NoteDueToday | NoteAutoFinalised => {
                let (case_type, post, opened, back) = match self {
                    NoteUpcoming => ("CP", Some(ABSENT_WORKER), 150, 4),
                    NoteDueToday => (
                        "CLA",
                        Some(Post::Worker(Service::ChildrenInCare, 0)),
                        400,
                        5,
                    ),
                    _ => ("CIN", safeguarding(1), 200, 8),
                };
                let mut b = start(case_type, post, days(t, -opened), young_child, rng);
                let noted_on = before(back);
                quiet_history(&mut b, g, days(noted_on, -10), rng);
                anchor(&mut b, VisitType::Statutory, noted_on, true, false);
                b
            }
            SetPriority | AssessmentUpcoming | AssessmentOverdue | AssessmentEscalated
            | StatutoryLimit => {
                // (worker, priority, started wd ago, priority set wd after start, referral wd before start)
                let (post, priority, back, set_after, referral) = match self {
                    SetPriority => (None, 10, 6, None, Some(2)),
                    AssessmentUpcoming => (safeguarding(2), 10, 9, Some(1), Some(0)),
                    AssessmentOverdue => (Some(Post::Leaver(0)), 10, 13, Some(1), None),
                    AssessmentEscalated => (safeguarding(3), 30, 40, Some(3), None),
                    _ => (safeguarding(1), 45, 53, Some(5), Some(2)),
                };
                let started_on = before(back);
                let mut b = start("CIN", post, started_on, young_child, rng);
                quiet_history(&mut b, g, t, rng);
                let worker = b.people.worker.clone();
                let assessment = b.assessment(started_on, priority, worker);
                assessment.priority_set_at =
                    set_after.map(|n| at_local(wd.add(started_on, n), clock(10, 15)));
                assessment.referral_on = referral.map(|n| wd.add(started_on, -n));
                b
            }
            ReattemptDue | ReattemptOverdue | SecondFailedVisit | FailedForTenDays
            | FailedForTwoWeeks => {
                let (first_failed, worker) = match self {
                    ReattemptDue => (before(1), 1),
                    // The later stages count calendar days (SPEC R4: d1 + 10 days, d1 + 14 days), so these
                    // first failures are placed in calendar days clear of the next stage.
                    ReattemptOverdue => {
                        let overdue = |d| wd.add(d, 3) < t;
                        (calendar_back(g, &[9, 8, 7, 6, 5], overdue), 2)
                    }
                    SecondFailedVisit => (before(3), 3),
                    FailedForTenDays => (calendar_back(g, &[12, 11, 13, 10], |_| true), 1),
                    _ => (calendar_back(g, &[16, 15, 17, 18], |_| true), 2),
                };
                let post = safeguarding(worker);
                let mut b = start("CP", post, days(t, -120), young_child, rng);
                quiet_history(&mut b, g, wd.add(first_failed, -2), rng);
                let failed_on: Vec<NaiveDate> = match self {
                    ReattemptDue | ReattemptOverdue => vec![first_failed],
                    SecondFailedVisit => vec![first_failed, before(1)],
                    // The worker keeps trying during the escalation (seed 001).
                    _ => [0, 2, 6, 10]
                        .map(|n| wd.add(first_failed, n))
                        .into_iter()
                        .filter(|d| *d < t)
                        .collect(),
                };
                for on in &failed_on {
                    anchor(&mut b, VisitType::Statutory, *on, false, false);
                }
                if let (FailedForTenDays | FailedForTwoWeeks, Some(second)) =
                    (self, failed_on.get(1))
                {
                    let manager = b.people.practice_manager.clone();
                    b.decision(
                        at_local(wd.add(*second, 1), clock(9, 30)),
                        manager,
                        FAILED_VISIT_ESCALATION,
                    );
                }
                b
            }
            KitUpcoming | KitOverdue | TickSsda903 | WindowClosing => {
                let (dob, opened_on, last_kit) = leaving_care_dates(self, g);
                // Personal adviser 0's absence is over: the SSDA903 reminder reaches them.
                let adviser = usize::from(!matches!(self, TickSsda903));
                let post = Some(Post::Worker(Service::LeavingCare, adviser));
                let mut b = start("CARE_LEAVER", post, opened_on, dob, rng);
                b.case.care_leaver_category = Some(if age_on(dob, t) < 18 {
                    CareLeaverCategory::Relevant
                } else {
                    CareLeaverCategory::FormerRelevant
                });
                if let Some(last_kit) = last_kit.map(|d| wd.on_or_before(d)) {
                    quiet_history(&mut b, g, days(last_kit, -25), rng);
                    let tick = !matches!(self, TickSsda903) && in_ssda903_window(dob, last_kit);
                    anchor(&mut b, VisitType::Kit, last_kit, true, tick);
                }
                b
            }
        };
        b.finish()
    }
}

/// R5 and R6 (seed 001: KIT every 2 months, the SSDA903 birthday windows): the care leaver's date of birth, when
/// the case opened and the latest KIT with the young person seen.
fn leaving_care_dates(
    scenario: Scenario,
    g: &Generator,
) -> (NaiveDate, NaiveDate, Option<NaiveDate>) {
    let (t, wd) = (g.today, &g.working_days);
    match scenario {
        KitUpcoming => {
            // Birthdays half a year away either side, so no SSDA903 window is open.
            let dob = born(days(t, -182), 19);
            (dob, birthday(dob, 17), Some(months(wd.add(t, 5), -2)))
        }
        KitOverdue => {
            let dob = born(days(t, -110), 17);
            (
                dob,
                days(birthday(dob, 16), 20),
                Some(months(days(t, -10), -2)),
            )
        }
        TickSsda903 => {
            let dob = born(days(t, -20), 18);
            (dob, days(birthday(dob, 16), 60), Some(days(t, -7)))
        }
        // Moved to the leaving care team three weeks ago: no KIT yet, the first due in about six weeks.
        _ => (born(months(wd.add(t, 5), -2), 18), days(t, -21), None),
    }
}

/// The first of `back` (calendar days before today) that is a working day and `fits`; when none is (around
/// Christmas), the first: an out-of-hours visit.
fn calendar_back(g: &Generator, back: &[i64], fits: impl Fn(NaiveDate) -> bool) -> NaiveDate {
    let mut candidates = back.iter().map(|n| days(g.today, -n));
    let first = days(g.today, -back[0]);
    candidates
        .find(|d| g.working_days.is_working(*d) && fits(*d))
        .unwrap_or(first)
}

fn quiet_history(b: &mut CaseBuilder, g: &Generator, until: NaiveDate, rng: &mut ChaCha8Rng) {
    let cadence = Cadence::for_case(&b.case.case_type, b.case.opened_on);
    history::record(b, g, cadence, until, &history::QUIET, rng);
}

/// The visit a scenario turns on, at 10:30. A seen statutory visit's note is left open (created, no comment, not
/// finalised); every other note is commented or finalised so it sets off nothing.
fn anchor(
    b: &mut CaseBuilder,
    visit_type: VisitType,
    on: NaiveDate,
    seen: bool,
    ssda903_recorded: bool,
) {
    let at = at_local(on, clock(10, 30));
    let worker = b.people.worker.clone();
    let visit = b.visit(visit_type, at, seen, worker);
    visit.ssda903_recorded = ssda903_recorded;
    visit.note_created_at = Some(at_local(on, clock(14, 0)));
    if visit_type == VisitType::Kit {
        visit.note_finalised_at = Some(at_local(on, clock(15, 0)));
    } else if !seen {
        visit.manager_comment_at = Some(at_local(on, clock(16, 0)));
        visit.note_finalised_at = Some(at_local(on, clock(16, 5)));
    }
}
