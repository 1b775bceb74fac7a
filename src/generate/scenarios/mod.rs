//! The demo's hand-shaped cases: each puts one stage of SPEC section 4 into effect today, over a quiet history
//! that sets off nothing else.
//!
//! Dates are counted back from today in working days (weekends and any closures given to the generator). Where a
//! bank holiday not given as a closure could shift a due date, the dates sit a day or two inside the stage; only
//! `due-today` needs the exact calendar, and on a non-working day no note is due today at all.

mod build;

use super::{DEMO_MAX_CHILDREN, Generator};
use crate::model::CaseId;

/// A demo case and the stage it is meant to show when evaluated today.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoScenario {
    pub case_id: CaseId,
    pub rule: &'static str,
    pub stage: &'static str,
    /// The case's shape, dates relative to today (`wd` = working days).
    pub shape: &'static str,
}

/// Declares the scenarios once, as the enum and the list in demo order.
macro_rules! scenarios {
    ($($scenario:ident),* $(,)?) => {
        #[derive(Clone, Copy, Debug)]
        pub(super) enum Scenario {
            $($scenario),*
        }

        const ALL: &[Scenario] = &[$(Scenario::$scenario),*];
    };
}

scenarios!(
    NoteUpcoming,
    NoteDueToday,
    NoteAutoFinalised,
    SetPriority,
    AssessmentUpcoming,
    AssessmentOverdue,
    AssessmentEscalated,
    StatutoryLimit,
    ReattemptDue,
    ReattemptOverdue,
    SecondFailedVisit,
    FailedForTenDays,
    FailedForTwoWeeks,
    KitUpcoming,
    KitOverdue,
    TickSsda903,
    WindowClosing,
);

use Scenario::*;

/// The scenario for a child, when the caseload is small enough to be a demo.
pub(super) fn for_child(g: &Generator, child: usize) -> Option<Scenario> {
    ALL.get(child)
        .copied()
        .filter(|_| g.children <= DEMO_MAX_CHILDREN)
}

/// The scenarios present, with their case ids: the first children have one case each, so child n has case n.
pub(super) fn listed(g: &Generator) -> Vec<DemoScenario> {
    (0..g.children.min(ALL.len()))
        .filter_map(|child| for_child(g, child).map(|s| (child, s)))
        .map(|(child, scenario)| {
            let (rule, stage, shape) = scenario.intent();
            DemoScenario {
                case_id: g.case_id(child + 1),
                rule,
                stage,
                shape,
            }
        })
        .collect()
}

impl Scenario {
    fn intent(self) -> (&'static str, &'static str, &'static str) {
        const R1: &str = "statutory-visit-oversight";
        const R3: &str = "cf-assessment-due";
        const R4: &str = "failed-visit-ladder";
        match self {
            NoteUpcoming => (
                R1,
                "upcoming",
                "CP visit note started 4 wd ago, no comment; worker absent, covered by a buddy",
            ),
            NoteDueToday => (
                R1,
                "due-today",
                "CLA visit note started 5 wd ago, no comment; practice manager has no email",
            ),
            NoteAutoFinalised => (
                R1,
                "auto-finalised",
                "CIN visit note started 8 wd ago, never commented or finalised",
            ),
            SetPriority => (
                "cf-set-priority",
                "set-priority",
                "C&F started 6 wd ago, no priority; case not allocated",
            ),
            AssessmentUpcoming => (
                R3,
                "upcoming",
                "C&F priority 10 started 9 wd ago: due in 1 wd",
            ),
            AssessmentOverdue => (
                R3,
                "overdue",
                "C&F priority 10 started 13 wd ago: 3 wd overdue; worker has left",
            ),
            AssessmentEscalated => (
                R3,
                "overdue-escalated",
                "C&F priority 30 started 40 wd ago: 10 wd overdue",
            ),
            StatutoryLimit => (
                R3,
                "statutory-limit",
                "referral 55 wd ago, C&F priority 45 started 53 wd ago",
            ),
            ReattemptDue => (R4, "reattempt-due", "CP visit failed 1 wd ago"),
            ReattemptOverdue => (
                R4,
                "reattempt-overdue",
                "CP visit failed 7-9 days ago, no visit since",
            ),
            SecondFailedVisit => (
                R4,
                "escalate-to-practice-manager",
                "CP visits failed 3 wd and 1 wd ago, no decision",
            ),
            FailedForTenDays => (
                R4,
                "escalate-to-team-manager",
                "CP visits failing since 11-13 days ago, PM decision made",
            ),
            FailedForTwoWeeks => (
                R4,
                "escalate-to-senior-manager",
                "CP visits failing since 15-18 days ago, PM decision made",
            ),
            KitUpcoming => (
                "kit-visit-due",
                "upcoming",
                "care leaver (19) last seen at a KIT 2 months before 5 wd from now",
            ),
            KitOverdue => (
                "kit-visit-due",
                "overdue",
                "care leaver (17) last seen at a KIT 2 months and 10 days ago",
            ),
            TickSsda903 => (
                "kit-ssda903-window",
                "tick-ssda903",
                "18th birthday 20 days ago, KIT a week ago not ticked",
            ),
            WindowClosing => (
                "kit-ssda903-window",
                "window-closing",
                "new care leaver case; 18th birthday window closes in 5 wd, no KIT",
            ),
        }
    }
}
