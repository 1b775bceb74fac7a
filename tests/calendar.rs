//! The working-day calendar against the published bank-holiday lists (GOV.UK, Royal Proclamations) and the
//! worked examples of SPEC section 1. Expected dates are written out from those sources, not from the code.

#[path = "calendar/bank_holidays_england_and_wales.rs"]
mod bank_holidays_england_and_wales;
#[path = "calendar/bank_holidays_scotland_and_northern_ireland.rs"]
mod bank_holidays_scotland_and_northern_ireland;
#[path = "calendar/months_and_london_time.rs"]
mod months_and_london_time;
#[path = "calendar/region_names.rs"]
mod region_names;
#[path = "calendar/working_days.rs"]
mod working_days;

use chrono::NaiveDate;

/// `"2026-12-29"` as a date.
fn day(iso: &str) -> NaiveDate {
    iso.parse()
        .unwrap_or_else(|e| panic!("bad date literal {iso}: {e}"))
}

fn days(isos: &[&str]) -> Vec<NaiveDate> {
    isos.iter().map(|iso| day(iso)).collect()
}

/// A published year's list, written as in a table: `days_of(2026, "01-01 04-03 …")`.
fn days_of(year: i32, month_days: &str) -> Vec<NaiveDate> {
    month_days
        .split_whitespace()
        .map(|month_day| day(&format!("{year}-{month_day}")))
        .collect()
}

/// Every year of a published table, compared with what the calendar computes for `region`.
fn assert_matches_published(region: casewatch::calendar::Region, published: &[(i32, &str)]) {
    for &(year, month_days) in published {
        assert_eq!(
            casewatch::calendar::bank_holidays(region, year),
            days_of(year, month_days),
            "{region} {year}"
        );
    }
}
