//! The working-day calendar (SPEC section 1): bank holidays by region, working-day and calendar-month
//! arithmetic, and London local dates. Pure: no I/O and no clock.

mod holidays;
mod london;
mod region;
mod working;

use chrono::{Months, NaiveDate};

pub use holidays::bank_holidays;
pub use london::{end_of, local_date, start_of};
pub use region::{Region, UnknownRegion};
pub use working::WorkingCalendar;

/// The time zone of every social-care date (SPEC section 1).
pub const LONDON: chrono_tz::Tz = chrono_tz::Europe::London;

/// `date` plus `n` calendar months ("every M months"), clamped to the last day of a shorter month:
/// 2026-12-31 + 2 = 2027-02-28, 2024-02-29 + 12 = 2025-02-28. Negative `n` goes back.
///
/// # Panics
/// If the answer lies outside the dates chrono can represent (around ±262,000 years).
pub fn add_months(date: NaiveDate, n: i32) -> NaiveDate {
    let months = Months::new(n.unsigned_abs());
    let moved = if n >= 0 {
        date.checked_add_months(months)
    } else {
        date.checked_sub_months(months)
    };
    moved.expect("month arithmetic ran past the dates chrono can represent")
}
