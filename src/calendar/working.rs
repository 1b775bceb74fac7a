//! Working-day arithmetic (SPEC section 1): "within N working days of D" is the Nth working day strictly after D.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};

use super::holidays::is_weekend;
use super::{Region, bank_holidays};

/// The first and last dates answered from the precomputed table; anything else is counted day by day.
const TABLE_FIRST: (i32, u32, u32) = (1999, 1, 1);
const TABLE_LAST: (i32, u32, u32) = (2102, 12, 31);

/// Which days are working days for one region and one set of extra closure dates.
///
/// Building it precomputes every working day from 1999 to 2102 (a few hundred kilobytes, shared between
/// clones), so that [`WorkingCalendar::add_working_days`] is two array look-ups for the dates the rules meet.
#[derive(Clone, Debug)]
pub struct WorkingCalendar {
    region: Region,
    extra_closures: BTreeSet<NaiveDate>,
    table: Arc<WorkingDayTable>,
}

impl WorkingCalendar {
    /// A calendar of `region`'s bank holidays plus the operator's `extra_closures` (`calendar.extra_closures`).
    pub fn new(region: Region, extra_closures: impl IntoIterator<Item = NaiveDate>) -> Self {
        let extra_closures: BTreeSet<NaiveDate> = extra_closures.into_iter().collect();
        // Each year's holidays are worked out once, not once for every day of the year.
        let mut holidays: (i32, Vec<NaiveDate>) = (i32::MIN, Vec::new());
        let table = Arc::new(WorkingDayTable::build(|date| {
            if holidays.0 != date.year() {
                holidays = (date.year(), bank_holidays(region, date.year()));
            }
            is_open(date, &extra_closures, &holidays.1)
        }));
        Self {
            region,
            extra_closures,
            table,
        }
    }

    pub fn region(&self) -> Region {
        self.region
    }

    /// Monday to Friday, not a bank holiday of the region and not an extra closure.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.table
            .is_working_day(date)
            .unwrap_or_else(|| is_working_day_by_rule(self.region, &self.extra_closures, date))
    }

    /// `n > 0`: the nth working day strictly after `date` (`date` itself never counts, working day or not);
    /// `n < 0`: the |n|th working day strictly before `date`; `n == 0`: `date` itself.
    ///
    /// # Panics
    /// If the answer lies outside the dates chrono can represent (around ±262,000 years).
    pub fn add_working_days(&self, date: NaiveDate, n: i32) -> NaiveDate {
        if n == 0 {
            return date;
        }
        self.table
            .add_working_days(date, n)
            .unwrap_or_else(|| self.add_working_days_day_by_day(date, n))
    }

    /// How many working days lie strictly after `from`, up to and including `to` (0 when `to` is not after
    /// `from`): how many working days overdue something due on `from` is on `to`.
    pub fn working_days_after(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .count() as u32
    }

    /// The weekday bank holidays of the region in `year` plus the extra closures in that year that fall on
    /// weekdays, ascending, without duplicates (what `casewatch calendar holidays YEAR` prints).
    pub fn closures_in_year(&self, year: i32) -> Vec<NaiveDate> {
        let mut closures: BTreeSet<NaiveDate> =
            bank_holidays(self.region, year).into_iter().collect();
        closures.extend(
            self.extra_closures
                .iter()
                .filter(|date| date.year() == year && !is_weekend(**date)),
        );
        closures.into_iter().collect()
    }

    /// The definition itself, one day at a time: the slow path outside the table's years.
    fn add_working_days_day_by_day(&self, date: NaiveDate, n: i32) -> NaiveDate {
        let step = |day: NaiveDate| {
            let next = if n > 0 {
                day.succ_opt()
            } else {
                day.pred_opt()
            };
            next.expect("working-day arithmetic ran past the dates chrono can represent")
        };
        let mut day = date;
        for _ in 0..n.unsigned_abs() {
            day = step(day);
            while !self.is_working_day(day) {
                day = step(day);
            }
        }
        day
    }
}

fn is_working_day_by_rule(
    region: Region,
    extra_closures: &BTreeSet<NaiveDate>,
    date: NaiveDate,
) -> bool {
    is_open(date, extra_closures, &bank_holidays(region, date.year()))
}

/// `holidays` are the bank holidays of `date`'s year.
fn is_open(date: NaiveDate, extra_closures: &BTreeSet<NaiveDate>, holidays: &[NaiveDate]) -> bool {
    !is_weekend(date) && !extra_closures.contains(&date) && !holidays.contains(&date)
}

/// Every working day between [`TABLE_FIRST`] and [`TABLE_LAST`], and for each day of that span how many working
/// days come before it, so that both directions of working-day arithmetic are an index calculation.
struct WorkingDayTable {
    first: NaiveDate,
    /// `working_days_before[i]`: working days in `first .. first + i`; one entry more than the span has days.
    working_days_before: Vec<u32>,
    /// The working days of the span, ascending.
    working_days: Vec<NaiveDate>,
}

impl WorkingDayTable {
    fn build(mut is_working_day: impl FnMut(NaiveDate) -> bool) -> Self {
        let date =
            |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).expect("table bounds are valid dates");
        let (first, last) = (date(TABLE_FIRST), date(TABLE_LAST));
        let mut working_days_before = vec![0];
        let mut working_days = Vec::new();
        for day in first.iter_days().take_while(|day| *day <= last) {
            if is_working_day(day) {
                working_days.push(day);
            }
            working_days_before.push(working_days.len() as u32);
        }
        Self {
            first,
            working_days_before,
            working_days,
        }
    }

    /// The index of `date` in the span, when it lies inside.
    fn offset(&self, date: NaiveDate) -> Option<usize> {
        let offset = usize::try_from((date - self.first).num_days()).ok()?;
        (offset + 1 < self.working_days_before.len()).then_some(offset)
    }

    fn is_working_day(&self, date: NaiveDate) -> Option<bool> {
        let i = self.offset(date)?;
        Some(self.working_days_before[i + 1] > self.working_days_before[i])
    }

    /// `None` when `date` or the answer lies outside the span.
    fn add_working_days(&self, date: NaiveDate, n: i32) -> Option<NaiveDate> {
        let i = self.offset(date)?;
        let index = if n > 0 {
            // Working days up to and including `date`, then n - 1 further on.
            i64::from(self.working_days_before[i + 1]) + i64::from(n) - 1
        } else {
            i64::from(self.working_days_before[i]) + i64::from(n)
        };
        self.working_days.get(usize::try_from(index).ok()?).copied()
    }
}

impl fmt::Debug for WorkingDayTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkingDayTable")
            .field("first", &self.first)
            .field("days", &(self.working_days_before.len() - 1))
            .field("working_days", &self.working_days.len())
            .finish()
    }
}

#[cfg(test)]
mod tests;
