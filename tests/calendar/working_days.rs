use std::collections::HashSet;

use casewatch::calendar::{Region, WorkingCalendar, bank_holidays};
use chrono::{Datelike, NaiveDate, Weekday};

use super::day;

/// `(from, n, expected)`: each must hold for `calendar`.
fn assert_added(calendar: &WorkingCalendar, cases: &[(&str, i32, &str)]) {
    for &(from, n, expected) in cases {
        let added = calendar.add_working_days(day(from), n);
        assert_eq!(added, day(expected), "{} {from} {n:+}", calendar.region());
    }
}

fn england() -> WorkingCalendar {
    WorkingCalendar::new(Region::EnglandAndWales, [])
}

#[test]
fn spec_examples_across_christmas_2026() {
    // Christmas Friday 25th; Boxing Day Saturday 26th is observed on Monday 28th.
    assert_added(
        &england(),
        &[
            ("2026-12-26", 1, "2026-12-29"),
            ("2026-12-22", 5, "2026-12-31"),
        ],
    );
}

#[test]
fn a_council_closure_on_christmas_eve_pushes_the_due_date_into_january() {
    let calendar = WorkingCalendar::new(Region::EnglandAndWales, [day("2026-12-24")]);
    // 23rd, (24th closed), 29th, 30th, 31st, (1 January a holiday), Monday 4 January.
    assert_added(&calendar, &[("2026-12-22", 5, "2027-01-04")]);
    assert!(!calendar.is_working_day(day("2026-12-24")));
    assert!(england().is_working_day(day("2026-12-24")));
}

#[test]
fn counting_back_skips_the_same_days() {
    assert_added(
        &england(),
        &[
            ("2026-12-29", -1, "2026-12-24"),
            ("2026-12-29", -3, "2026-12-22"),
            // Easter 2026: Good Friday 3 April, Easter Monday 6 April.
            ("2026-04-07", -1, "2026-04-02"),
            ("2026-04-06", -1, "2026-04-02"),
        ],
    );
}

#[test]
fn counting_forward_over_easter() {
    let cases = [
        ("2026-04-02", 1, "2026-04-07"),
        ("2026-04-02", 10, "2026-04-20"),
    ];
    assert_added(&england(), &cases);
    // Scotland has no Easter Monday.
    let scotland = WorkingCalendar::new(Region::Scotland, []);
    assert_added(&scotland, &[("2026-04-02", 1, "2026-04-06")]);
}

#[test]
fn the_anchor_itself_never_counts_even_on_a_weekend_or_holiday() {
    assert_added(
        &england(),
        &[
            ("2026-03-01", 1, "2026-03-02"),  // Sunday
            ("2026-03-07", -1, "2026-03-06"), // Saturday
            ("2026-08-31", 1, "2026-09-01"),  // summer bank holiday
            ("2026-08-31", -1, "2026-08-28"),
            ("2026-03-02", 1, "2026-03-03"), // a working Monday
            ("2026-12-25", 0, "2026-12-25"), // zero days: the date itself
        ],
    );
}

#[test]
fn new_year_differs_by_region() {
    // 2 January 2027 is a Saturday: Scotland takes Monday 4th instead.
    let scotland = WorkingCalendar::new(Region::Scotland, []);
    assert_added(&england(), &[("2026-12-30", 2, "2027-01-04")]);
    assert_added(&scotland, &[("2026-12-30", 2, "2027-01-05")]);
    assert_eq!(scotland.region(), Region::Scotland);
}

#[test]
fn dates_far_outside_the_table_still_follow_the_rules() {
    // 2150: Christmas Friday, Boxing Day Saturday (observed Monday 28th).
    let cases = [
        ("2150-12-24", 1, "2150-12-29"),
        ("2150-12-29", -1, "2150-12-24"),
    ];
    assert_added(&england(), &cases);
    assert!(!england().is_working_day(day("2150-12-28")));
    assert!(england().is_working_day(day("1990-06-01")));
}

#[test]
fn closures_in_year_lists_weekday_closures_with_the_bank_holidays() {
    let closures = ["2026-12-24", "2026-12-26", "2026-12-28", "2027-01-05"].map(day);
    let calendar = WorkingCalendar::new(Region::EnglandAndWales, closures);
    let listed = calendar.closures_in_year(2026);
    // Saturday 26th is dropped (not a weekday); Monday 28th is already Boxing Day's substitute.
    assert_eq!(listed.len(), 9);
    assert_eq!(listed[7..], ["2026-12-25", "2026-12-28"].map(day));
    assert!(listed.contains(&day("2026-12-24")));
    let plain_2025 = bank_holidays(Region::EnglandAndWales, 2025);
    assert_eq!(calendar.closures_in_year(2025), plain_2025);
}

/// The definition, one day at a time, from the public holiday lists: what the fast path must agree with.
fn naive_add(non_working: &HashSet<NaiveDate>, date: NaiveDate, n: i32) -> NaiveDate {
    let weekend = |d: NaiveDate| matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
    let step = |d: NaiveDate| if n > 0 { d.succ_opt() } else { d.pred_opt() }.unwrap();
    let mut current = date;
    for _ in 0..n.unsigned_abs() {
        current = step(current);
        while weekend(current) || non_working.contains(&current) {
            current = step(current);
        }
    }
    current
}

#[test]
fn fast_arithmetic_agrees_with_the_day_by_day_definition() {
    let extra = ["2024-12-24", "2025-12-24", "2026-12-24", "2027-12-31"].map(day);
    let steps = [-45, -30, -10, -5, -3, -2, -1, 0, 1, 2, 3, 5, 10, 30, 45];
    for region in Region::ALL {
        let calendar = WorkingCalendar::new(region, extra);
        let mut non_working: HashSet<NaiveDate> = extra.into_iter().collect();
        non_working.extend((2017..=2032).flat_map(|year| bank_holidays(region, year)));
        // Every anchor: working days, weekends, bank holidays and closures alike.
        let span = day("2018-01-01")
            .iter_days()
            .take_while(|d| *d <= day("2030-12-31"));
        for date in span {
            for n in steps {
                let expected = naive_add(&non_working, date, n);
                assert_eq!(
                    calendar.add_working_days(date, n),
                    expected,
                    "{region} {date} {n:+}"
                );
            }
        }
    }
}
