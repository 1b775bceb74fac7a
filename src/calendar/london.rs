//! Local dates in `Europe/London` (SPEC section 1): GMT in winter, BST in summer, from the timezone database.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Europe::London;

/// The London calendar date of an instant.
pub fn local_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&London).date_naive()
}

/// 00:00:00 London time on `date`, the instant from which a stage dated that day is active.
pub fn start_of(date: NaiveDate) -> DateTime<Utc> {
    let local = date.and_time(NaiveTime::MIN);
    London
        .from_local_datetime(&local)
        .earliest()
        .map_or_else(|| across_gap(local), |instant| instant.to_utc())
}

/// 23:59:59 London time on `date`: a due date is breached at the end of that local day (SPEC section 1).
pub fn end_of(date: NaiveDate) -> DateTime<Utc> {
    let local = date.and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("23:59:59 is a time"));
    London
        .from_local_datetime(&local)
        .latest()
        .map_or_else(|| across_gap(local), |instant| instant.to_utc())
}

/// A wall-clock time skipped when the clocks went forward, read with the offset in force just before the jump
/// (so it lands just after the jump). London's clocks change at 01:00 UTC, so today this never happens at
/// midnight or 23:59:59; historical zone rules are kept honest all the same.
fn across_gap(local: NaiveDateTime) -> DateTime<Utc> {
    let before_jump = London
        .offset_from_utc_datetime(&(local - TimeDelta::days(1)))
        .fix();
    (local - TimeDelta::seconds(i64::from(before_jump.local_minus_utc()))).and_utc()
}
