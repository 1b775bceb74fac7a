//! The demo caseload puts every stage of SPEC section 4 in effect today, one hand-shaped case each.

mod spec_stages;

use std::collections::{BTreeSet, HashMap};

use casewatch::generate::Generator;
use casewatch::model::Staff;
use chrono::{Datelike, NaiveDate};
use spec_stages::{BANK_HOLIDAYS, Calendar, Stage, active_stages, companions, date};

/// Generates the demo on each day and checks each scenario case shows its stage and nothing it should not.
fn check_demo(
    days: impl Iterator<Item = NaiveDate>,
    generator_knows_holidays: bool,
    calendar: Calendar,
) {
    for today in days {
        let mut generator = Generator::new(3, 50, today);
        if generator_knows_holidays {
            generator = generator.with_closures(BANK_HOLIDAYS.map(date));
        }
        let files: HashMap<_, _> = generator
            .case_files()
            .map(|f| (f.case.id.clone(), f))
            .collect();
        let scenarios = generator.demo_scenarios();
        assert_eq!(scenarios.len(), 17);
        for scenario in scenarios {
            let intended = (scenario.rule, scenario.stage);
            // A due date is a working day, so nothing is due on a weekend; and only the real calendar can put a
            // due date exactly on today.
            if intended.1 == "due-today"
                && !(calendar.working(today) && generator_knows_holidays == calendar.holidays)
            {
                continue;
            }
            let file = &files[&scenario.case_id];
            assert!(file.case.is_open_on(today));
            let active = active_stages(file, today, calendar);
            assert!(
                active.contains(&intended),
                "{today}: {} shows {active:?}, not {intended:?}",
                scenario.case_id
            );
            let extra: Vec<_> = active
                .iter()
                .filter(|s| {
                    **s != intended && !(s.0 == intended.0 && companions(intended).contains(&s.1))
                })
                .collect();
            assert!(
                extra.is_empty(),
                "{today}: {} also shows {extra:?}",
                scenario.case_id
            );
        }
    }
}

#[test]
fn each_demo_case_is_in_its_stage_and_no_other_on_every_day_of_a_week() {
    check_demo(
        date("2026-03-16").iter_days().take(7),
        false,
        Calendar { holidays: false },
    );
}

#[test]
fn given_the_bank_holidays_each_demo_case_is_in_its_stage_every_day_of_a_year() {
    check_demo(
        date("2026-01-01").iter_days().take(365),
        true,
        Calendar { holidays: true },
    );
}

#[test]
fn without_the_bank_holidays_the_demo_keeps_its_stages_across_a_single_one() {
    let weeks_after = |monday: &str| {
        date(monday)
            .iter_days()
            .take(12)
            .filter(|d| d.weekday().number_from_monday() <= 5)
    };
    check_demo(
        weeks_after("2026-05-04").chain(weeks_after("2026-08-31")),
        false,
        Calendar { holidays: true },
    );
}

#[test]
fn the_demo_covers_every_stage_of_the_six_rules() {
    let covered: BTreeSet<Stage> = Generator::new(3, 50, date("2026-03-18"))
        .demo_scenarios()
        .iter()
        .map(|s| (s.rule, s.stage))
        .collect();
    assert_eq!(covered.len(), 17);
    assert_eq!(
        covered.iter().map(|s| s.0).collect::<BTreeSet<_>>().len(),
        6
    );
}

#[test]
fn demo_recipients_include_an_absent_worker_a_manager_without_email_a_leaver_and_no_worker() {
    let today = date("2026-03-18");
    let generator = Generator::new(3, 50, today);
    let staff: HashMap<String, Staff> = generator
        .staff()
        .into_iter()
        .map(|s| (s.id.to_string(), s))
        .collect();
    let files: Vec<_> = generator.case_files().take(17).collect();
    let worker = |case: usize| {
        &staff[files[case]
            .case
            .allocated_worker_id
            .as_ref()
            .unwrap()
            .as_str()]
    };
    let away = |s: &Staff| {
        s.absent_from.is_some_and(|f| f <= today) && s.absent_until.is_none_or(|u| today <= u)
    };
    let absent = worker(0);
    assert!(
        away(absent)
            && absent
                .cover_id
                .as_ref()
                .is_some_and(|c| !away(&staff[c.as_str()]))
    );
    assert!(
        staff[worker(1).manager_id.as_ref().unwrap().as_str()]
            .email
            .is_none()
    );
    assert!(files[3].case.allocated_worker_id.is_none());
    let leaver = worker(5);
    assert!(!leaver.active && leaver.cover_id.is_some());
}

#[test]
fn caseloads_too_big_for_a_demo_have_no_scenarios() {
    assert!(
        Generator::new(3, 201, date("2026-03-18"))
            .demo_scenarios()
            .is_empty()
    );
    assert_eq!(
        Generator::new(3, 5, date("2026-03-18"))
            .demo_scenarios()
            .len(),
        5
    );
}
