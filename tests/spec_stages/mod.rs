//! SPEC section 4's stages worked out from its tables, independently of the generator's own date arithmetic:
//! the oracle the demo tests check the scenario cases against.

use std::collections::BTreeSet;

use casewatch::model::{CareLeaverCategory, CaseFile, VisitType};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc, Weekday};
use chrono_tz::Europe::London;

pub type Stage = (&'static str, &'static str);

pub fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn local(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&London).date_naive()
}

/// England and Wales bank holidays 2025–2027 (gov.uk), as `Generator::with_closures` would be given them.
pub const BANK_HOLIDAYS: [&str; 24] = [
    "2025-01-01",
    "2025-04-18",
    "2025-04-21",
    "2025-05-05",
    "2025-05-26",
    "2025-08-25",
    "2025-12-25",
    "2025-12-26",
    "2026-01-01",
    "2026-04-03",
    "2026-04-06",
    "2026-05-04",
    "2026-05-25",
    "2026-08-31",
    "2026-12-25",
    "2026-12-28",
    "2027-01-01",
    "2027-03-26",
    "2027-03-29",
    "2027-05-03",
    "2027-05-31",
    "2027-08-30",
    "2027-12-27",
    "2027-12-28",
];

/// Weekdays, less the bank holidays when the test counts them.
#[derive(Clone, Copy)]
pub struct Calendar {
    pub holidays: bool,
}

impl Calendar {
    pub fn working(self, d: NaiveDate) -> bool {
        let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
        let holiday = self.holidays && BANK_HOLIDAYS.contains(&d.to_string().as_str());
        !(weekend || holiday)
    }

    /// SPEC section 1: the nth working day strictly after (n > 0) or before (n < 0) `d`.
    pub fn wd(self, d: NaiveDate, n: i64) -> NaiveDate {
        let step = |day: NaiveDate| {
            if n > 0 {
                day.succ_opt().unwrap()
            } else {
                day.pred_opt().unwrap()
            }
        };
        let mut day = d;
        for _ in 0..n.abs() {
            day = step(day);
            while !self.working(day) {
                day = step(day);
            }
        }
        day
    }
}

pub fn plus_months(d: NaiveDate, n: i32) -> NaiveDate {
    if n < 0 {
        d - Months::new(n.unsigned_abs())
    } else {
        d + Months::new(n as u32)
    }
}

/// The stages of SPEC section 4 active at some time on day `t` for an open case.
pub fn active_stages(file: &CaseFile, t: NaiveDate, calendar: Calendar) -> BTreeSet<Stage> {
    let wd = |d, n| calendar.wd(d, n);
    let mut stages = BTreeSet::new();
    let mut stage = |on: bool, s: Stage| {
        if on {
            stages.insert(s);
        }
    };
    for v in file
        .visits
        .iter()
        .filter(|v| v.visit_type == VisitType::Statutory)
    {
        if let (Some(created), None, None) =
            (v.note_created_at, v.manager_comment_at, v.note_finalised_at)
        {
            let (d, x) = (local(created), wd(local(created), 5));
            stage(
                wd(d, 3) <= t && t <= x,
                ("statutory-visit-oversight", "upcoming"),
            );
            stage(x == t, ("statutory-visit-oversight", "due-today"));
            stage(x < t, ("statutory-visit-oversight", "auto-finalised"));
        }
    }
    for a in file.assessments.iter().filter(|a| a.completed_on.is_none()) {
        let d = a.started_on;
        stage(
            a.priority_set_at.is_none() && wd(d, 5) <= t && t <= wd(d, 10),
            ("cf-set-priority", "set-priority"),
        );
        let x = wd(d, a.priority_working_days.into());
        stage(wd(x, -3) <= t && t <= x, ("cf-assessment-due", "upcoming"));
        stage(x < t, ("cf-assessment-due", "overdue"));
        stage(wd(x, 5) <= t, ("cf-assessment-due", "overdue-escalated"));
        stage(
            a.referral_on.is_some_and(|r| wd(r, 45) < t),
            ("cf-assessment-due", "statutory-limit"),
        );
    }
    let statutory: Vec<_> = file
        .visits
        .iter()
        .filter(|v| v.visit_type == VisitType::Statutory)
        .collect();
    let after_seen = statutory
        .iter()
        .rposition(|v| v.child_seen)
        .map_or(0, |s| s + 1);
    let failed: Vec<_> = statutory[after_seen..]
        .iter()
        .filter(|v| !v.child_seen)
        .collect();
    if let Some(f1) = failed.first() {
        let d1 = local(f1.visit_at);
        let later = statutory.iter().any(|v| v.visit_at > f1.visit_at);
        stage(
            !later && t <= wd(d1, 3),
            ("failed-visit-ladder", "reattempt-due"),
        );
        stage(
            !later && wd(d1, 3) < t,
            ("failed-visit-ladder", "reattempt-overdue"),
        );
        let decided = |f2: DateTime<Utc>| {
            file.decisions
                .iter()
                .any(|d| d.kind == "failed_visit_escalation" && d.decided_at > f2)
        };
        stage(
            failed.get(1).is_some_and(|f2| !decided(f2.visit_at)),
            ("failed-visit-ladder", "escalate-to-practice-manager"),
        );
        stage(
            d1 + chrono::Days::new(10) <= t,
            ("failed-visit-ladder", "escalate-to-team-manager"),
        );
        stage(
            d1 + chrono::Days::new(14) <= t,
            ("failed-visit-ladder", "escalate-to-senior-manager"),
        );
    }
    let owed = [
        CareLeaverCategory::Eligible,
        CareLeaverCategory::Relevant,
        CareLeaverCategory::FormerRelevant,
    ];
    if file.case.case_type == "CARE_LEAVER"
        && file
            .case
            .care_leaver_category
            .is_some_and(|c| owed.contains(&c))
    {
        let seen_kits: Vec<_> = file
            .visits
            .iter()
            .filter(|v| v.visit_type == VisitType::Kit && v.child_seen)
            .collect();
        let x = plus_months(
            seen_kits
                .last()
                .map_or(file.case.opened_on, |v| local(v.visit_at)),
            2,
        );
        stage(wd(x, -10) <= t && t <= x, ("kit-visit-due", "upcoming"));
        stage(x < t, ("kit-visit-due", "overdue"));
        let dob = file.child.date_of_birth.unwrap();
        for age in 17..=21 {
            let birthday = plus_months(dob, 12 * age);
            let (start, end) = (plus_months(birthday, -2), plus_months(birthday, 2));
            let inside: Vec<_> = seen_kits
                .iter()
                .filter(|v| (start..=end).contains(&local(v.visit_at)))
                .collect();
            stage(
                t <= end && inside.iter().any(|v| !v.ssda903_recorded),
                ("kit-ssda903-window", "tick-ssda903"),
            );
            stage(
                inside.is_empty() && wd(end, -10) <= t && t <= end,
                ("kit-ssda903-window", "window-closing"),
            );
        }
    }
    stages
}

/// Stages a scenario brings along by the SPEC's design (a breach stays active under its escalation).
pub fn companions(intended: Stage) -> &'static [&'static str] {
    match intended.1 {
        // `upcoming` runs to the end of the due day.
        "due-today" => &["upcoming"],
        "overdue-escalated" | "statutory-limit" => {
            &["overdue", "overdue-escalated", "statutory-limit"]
        }
        "escalate-to-senior-manager" => &["escalate-to-team-manager"],
        _ => &[],
    }
}
