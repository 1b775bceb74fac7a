//! The test's own clock and calendar, written from gov.uk's bank holidays and the default delivery settings
//! (digests at 08:00 on working days, immediate notices 08:00–18:00 on working days), not from casewatch's.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Europe::London;

/// England and Wales bank holidays around the run: Good Friday and Easter Monday 2026.
const BANK_HOLIDAYS: [&str; 2] = ["2026-04-03", "2026-04-06"];

pub fn local(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&London).date_naive()
}

fn local_time(t: DateTime<Utc>) -> NaiveTime {
    t.with_timezone(&London).time()
}

pub fn working_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
        && !BANK_HOLIDAYS.contains(&d.to_string().as_str())
}

/// The `n`th working day strictly after `d` (SPEC section 1).
pub fn add_working_days(mut d: NaiveDate, n: u32) -> NaiveDate {
    let mut left = n;
    while left > 0 {
        d += Duration::days(1);
        if working_day(d) {
            left -= 1;
        }
    }
    d
}

/// 00:00 London on `d`.
pub fn start_of(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0)
        .unwrap()
        .and_local_timezone(London)
        .earliest()
        .unwrap()
        .to_utc()
}

/// The send window on `d`: 08:00 London, on working days.
pub fn window(d: NaiveDate) -> Option<DateTime<Utc>> {
    working_day(d).then(|| {
        d.and_hms_opt(8, 0, 0)
            .unwrap()
            .and_local_timezone(London)
            .single()
            .unwrap()
            .to_utc()
    })
}

/// Within working hours: 08:00 to 18:00 London on a working day.
pub fn working_hours(t: DateTime<Utc>) -> bool {
    let time = local_time(t);
    working_day(local(t))
        && time >= NaiveTime::from_hms_opt(8, 0, 0).unwrap()
        && time < NaiveTime::from_hms_opt(18, 0, 0).unwrap()
}

/// The first window at or after `t`.
pub fn next_window(t: DateTime<Utc>) -> DateTime<Utc> {
    local(t)
        .iter_days()
        .filter_map(window)
        .find(|w| *w >= t)
        .expect("a working day comes")
}
