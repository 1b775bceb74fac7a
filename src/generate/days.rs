//! Date helpers for placing generated rows: working days, working-hours instants, months and birthdays.
//!
//! Working days are the real calendar's (England and Wales bank holidays), plus any closures the caller names
//! through `Generator::with_closures`, so generated deadlines land where the rules will put them.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Europe::London;

use crate::calendar::{Region, WorkingCalendar, add_months};

/// The working-day calendar the generator places rows on.
#[derive(Clone, Debug)]
pub(super) struct WorkingDays {
    calendar: WorkingCalendar,
}

impl Default for WorkingDays {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl WorkingDays {
    pub(super) fn new(closed: Vec<NaiveDate>) -> Self {
        Self {
            calendar: WorkingCalendar::new(Region::EnglandAndWales, closed),
        }
    }

    pub(super) fn is_working(&self, date: NaiveDate) -> bool {
        self.calendar.is_working_day(date)
    }

    /// SPEC section 1: the nth working day strictly after `date` (`n > 0`) or strictly before it (`n < 0`).
    pub(super) fn add(&self, date: NaiveDate, n: i64) -> NaiveDate {
        self.calendar.add_working_days(date, n as i32)
    }

    /// `date` when it is a working day, else the next one: visits happen on working days.
    pub(super) fn on_or_after(&self, date: NaiveDate) -> NaiveDate {
        if self.is_working(date) {
            date
        } else {
            self.add(date, 1)
        }
    }

    /// `date` when it is a working day, else the previous one.
    pub(super) fn on_or_before(&self, date: NaiveDate) -> NaiveDate {
        if self.is_working(date) {
            date
        } else {
            self.add(date, -1)
        }
    }
}

/// `date` moved by `n` calendar days (negative: back).
pub(super) fn days(date: NaiveDate, n: i64) -> NaiveDate {
    date + TimeDelta::days(n)
}

/// `date` moved by `n` calendar months, clamped to the month's last day as in SPEC section 1.
pub(super) fn months(date: NaiveDate, n: i32) -> NaiveDate {
    add_months(date, n)
}

/// The birthday at `age`: adding whole years clamps 29 February to 28 February, as SPEC R6 asks.
pub(super) fn birthday(date_of_birth: NaiveDate, age: u32) -> NaiveDate {
    months(date_of_birth, (age * 12) as i32)
}

/// The date of birth of someone who turns `age` on `birthday`.
pub(super) fn born(birthday: NaiveDate, age: u32) -> NaiveDate {
    months(birthday, -((age * 12) as i32))
}

/// Whole years from `date_of_birth` to `on`.
pub(super) fn age_on(date_of_birth: NaiveDate, on: NaiveDate) -> u32 {
    on.years_since(date_of_birth).unwrap_or(0)
}

/// seed 001: a KIT "within 2 months of the care leaver's 17th, 18th, 19th, 20th or 21st birthday" counts for
/// the SSDA903 return.
pub(super) fn in_ssda903_window(date_of_birth: NaiveDate, on: NaiveDate) -> bool {
    (17..=21).any(|age| {
        let birthday = birthday(date_of_birth, age);
        months(birthday, -2) <= on && on <= months(birthday, 2)
    })
}

/// The instant `minute` minutes after local midnight on `date` in Europe/London.
pub(super) fn at_local(date: NaiveDate, minute: u32) -> DateTime<Utc> {
    let naive = date.and_time(NaiveTime::MIN) + TimeDelta::minutes(minute.into());
    // Working hours never fall in the spring-forward gap (01:00–02:00 local), so `earliest` has a value for every
    // time the generator asks for; reading the wall clock as UTC keeps the function total all the same.
    London
        .from_local_datetime(&naive)
        .earliest()
        .map_or_else(|| naive.and_utc(), |local| local.with_timezone(&Utc))
}

/// Minutes after midnight for `hour:minute`.
pub(super) const fn clock(hour: u32, minute: u32) -> u32 {
    hour * 60 + minute
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn working_days_skip_weekends_and_named_closures() {
        let days = WorkingDays::new(vec![date("2026-12-25"), date("2026-12-28")]);
        // SPEC section 1 (with Christmas and the Boxing Day substitute named as closures).
        assert_eq!(days.add(date("2026-12-26"), 1), date("2026-12-29"));
        assert_eq!(days.add(date("2026-12-22"), 5), date("2026-12-31"));
        assert_eq!(days.add(date("2026-12-29"), -1), date("2026-12-24"));
        assert_eq!(days.on_or_after(date("2026-12-25")), date("2026-12-29"));
    }

    #[test]
    fn months_clamp_and_leap_day_birthdays_fall_on_28_february() {
        assert_eq!(months(date("2026-12-31"), 2), date("2027-02-28"));
        assert_eq!(months(date("2026-04-30"), -2), date("2026-02-28"));
        assert_eq!(birthday(date("2008-02-29"), 18), date("2026-02-28"));
    }

    #[test]
    fn summer_visits_are_an_hour_behind_in_utc() {
        assert_eq!(
            at_local(date("2026-07-01"), clock(10, 0)).to_rfc3339(),
            "2026-07-01T09:00:00+00:00"
        );
        assert_eq!(
            at_local(date("2026-01-05"), clock(10, 0)).to_rfc3339(),
            "2026-01-05T10:00:00+00:00"
        );
    }
}
