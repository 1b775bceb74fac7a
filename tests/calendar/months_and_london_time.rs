use casewatch::calendar::{add_months, end_of, local_date, start_of};
use chrono::{DateTime, Utc};

use super::day;

fn instant(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
}

/// `(from, n, expected)` for [`add_months`].
fn assert_months(cases: &[(&str, i32, &str)]) {
    for &(from, n, expected) in cases {
        assert_eq!(add_months(day(from), n), day(expected), "{from} {n:+}");
    }
}

#[test]
fn months_clamp_to_the_last_day_of_a_shorter_month() {
    assert_months(&[
        ("2026-12-31", 2, "2027-02-28"), // SPEC's example
        ("2024-01-31", 1, "2024-02-29"), // leap year
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-02-29", 48, "2028-02-29"),
        ("2026-08-31", 1, "2026-09-30"),
        ("2026-06-15", 0, "2026-06-15"),
    ]);
}

#[test]
fn negative_months_go_back_and_clamp_the_same_way() {
    assert_months(&[
        ("2026-03-31", -1, "2026-02-28"),
        ("2024-03-31", -1, "2024-02-29"),
        ("2026-01-31", -2, "2025-11-30"),
        ("2025-02-28", -12, "2024-02-28"),
        ("2026-05-15", -17, "2024-12-15"),
    ]);
}

/// `(local date, start_of, end_of)`.
fn assert_day_bounds(cases: &[(&str, &str, &str)]) {
    for &(date, start, end) in cases {
        assert_eq!(start_of(day(date)), instant(start), "start of {date}");
        assert_eq!(end_of(day(date)), instant(end), "end of {date}");
    }
}

/// `(instant, local date)`.
fn assert_local_dates(cases: &[(&str, &str)]) {
    for &(at, date) in cases {
        assert_eq!(local_date(instant(at)), day(date), "{at}");
    }
}

#[test]
fn day_bounds_on_the_days_the_clocks_change() {
    assert_day_bounds(&[
        // Sunday 29 March 2026: GMT until 01:00 UTC, then BST; a 23-hour local day.
        ("2026-03-29", "2026-03-29T00:00:00Z", "2026-03-29T22:59:59Z"),
        // Sunday 25 October 2026: BST until 01:00 UTC, then GMT; a 25-hour local day.
        ("2026-10-25", "2026-10-24T23:00:00Z", "2026-10-25T23:59:59Z"),
    ]);
}

#[test]
fn day_bounds_in_summer_and_winter() {
    assert_day_bounds(&[
        ("2026-06-30", "2026-06-29T23:00:00Z", "2026-06-30T22:59:59Z"),
        ("2026-01-15", "2026-01-15T00:00:00Z", "2026-01-15T23:59:59Z"),
        ("2026-12-31", "2026-12-31T00:00:00Z", "2026-12-31T23:59:59Z"),
    ]);
}

#[test]
fn local_dates_around_midnight_in_both_seasons() {
    assert_local_dates(&[
        ("2026-06-30T23:30:00Z", "2026-07-01"), // 00:30 BST
        ("2026-06-30T22:59:59Z", "2026-06-30"),
        ("2026-03-28T23:30:00Z", "2026-03-28"), // still GMT
        ("2026-03-29T23:30:00Z", "2026-03-30"), // BST from the 29th
        ("2026-10-24T23:30:00Z", "2026-10-25"), // still BST
        ("2026-10-25T23:30:00Z", "2026-10-25"), // GMT again
        ("2026-12-31T23:59:59Z", "2026-12-31"),
    ]);
}
