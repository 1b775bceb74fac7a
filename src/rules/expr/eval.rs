//! Evaluating a parsed expression for one subject: the values of its anchors in, a date or an instant out, or
//! nothing when a value it needs is missing.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};

use super::{Amount, Compare, Cond, DateExpr, Expr, InstantExpr, MAX_SHIFT, Operand, Pick, Value};
use crate::calendar::{self, LONDON, WorkingCalendar};

impl Amount {
    fn eval(self, env: &[Option<Value>]) -> Option<i64> {
        match self {
            Amount::Const(n) => Some(n),
            Amount::Slot(slot) => match env[slot]? {
                Value::Number(n) => Some(n),
                _ => None,
            },
        }
    }
}

impl Pick {
    /// Missing values are passed over; the result is missing only when every value is.
    fn apply<T: Ord>(self, values: impl Iterator<Item = Option<T>>) -> Option<T> {
        let mut present = values.flatten();
        match self {
            Pick::Earliest => present.min(),
            Pick::Latest => present.max(),
            Pick::Coalesce => present.next(),
        }
    }
}

impl Operand {
    fn eval(&self, env: &[Option<Value>], cal: &WorkingCalendar) -> Option<Value> {
        match self {
            Operand::Time(e) => e.eval(env, cal),
            Operand::Number(n) => n.eval(env).map(Value::Number),
        }
    }
}

impl Cond {
    /// Missing when either side is missing: a rule cannot choose on a time it does not know.
    fn eval(&self, env: &[Option<Value>], cal: &WorkingCalendar) -> Option<bool> {
        use std::cmp::Ordering::*;
        let ordering = match (self.left.eval(env, cal)?, self.right.eval(env, cal)?) {
            (Value::Date(a), Value::Date(b)) => a.cmp(&b),
            (Value::Instant(a), Value::Instant(b)) => a.cmp(&b),
            (Value::Number(a), Value::Number(b)) => a.cmp(&b),
            _ => return None,
        };
        Some(match self.op {
            Compare::Less => ordering == Less,
            Compare::LessOrEqual => ordering != Greater,
            Compare::Greater => ordering == Greater,
            Compare::GreaterOrEqual => ordering != Less,
        })
    }
}

impl DateExpr {
    pub fn eval(&self, env: &[Option<Value>], cal: &WorkingCalendar) -> Option<NaiveDate> {
        match self {
            DateExpr::Slot(slot) => match env[*slot]? {
                Value::Date(d) => Some(d),
                _ => None,
            },
            DateExpr::DateOf(instant) => Some(calendar::local_date(instant.eval(env, cal)?)),
            DateExpr::Shift(base, sign, amount, unit) => {
                unit.shift(base.eval(env, cal)?, sign * amount.eval(env)?, cal)
            }
            DateExpr::NextOrSameWorkingDay(date) => {
                let date = date.eval(env, cal)?;
                Some(if cal.is_working_day(date) {
                    date
                } else {
                    cal.add_working_days(date, 1)
                })
            }
            DateExpr::Pick(pick, dates) => pick.apply(dates.iter().map(|d| d.eval(env, cal))),
            DateExpr::If(cond, then, otherwise) => {
                if cond.eval(env, cal)? {
                    then.eval(env, cal)
                } else {
                    otherwise.as_ref()?.eval(env, cal)
                }
            }
        }
    }
}

impl InstantExpr {
    pub fn eval(&self, env: &[Option<Value>], cal: &WorkingCalendar) -> Option<DateTime<Utc>> {
        match self {
            InstantExpr::Start(d) => Some(calendar::start_of(d.eval(env, cal)?)),
            InstantExpr::End(d) => Some(calendar::end_of(d.eval(env, cal)?)),
            InstantExpr::Slot(slot) => match env[*slot]? {
                Value::Instant(t) => Some(t),
                _ => None,
            },
            InstantExpr::Hours(base, hours) => base
                .eval(env, cal)?
                .checked_add_signed(Duration::hours(*hours)),
            InstantExpr::WorkingHours(base, hours) => {
                add_working_hours(base.eval(env, cal)?, *hours, cal)
            }
            InstantExpr::Pick(pick, instants) => {
                pick.apply(instants.iter().map(|t| t.eval(env, cal)))
            }
            InstantExpr::If(cond, then, otherwise) => {
                if cond.eval(env, cal)? {
                    then.eval(env, cal)
                } else {
                    otherwise.as_ref()?.eval(env, cal)
                }
            }
        }
    }
}

/// `at` plus `hours` working hours: the 24 hours of each working day count, other days do not. So 72 working hours
/// is the same local clock time three working days later, and an anchor on a weekend or bank holiday starts
/// counting at 00:00 of the next working day. Counted on the London wall clock, so a clock change does not move
/// the time of day.
pub fn add_working_hours(
    at: DateTime<Utc>,
    hours: i64,
    cal: &WorkingCalendar,
) -> Option<DateTime<Utc>> {
    if !(0..=24 * MAX_SHIFT).contains(&hours) {
        return None;
    }
    let mut local = at.with_timezone(&LONDON).naive_local();
    if !cal.is_working_day(local.date()) {
        local = cal
            .add_working_days(local.date(), 1)
            .and_time(chrono::NaiveTime::MIN);
    }
    let (days, rest) = (hours / 24, hours % 24);
    let mut date = cal.add_working_days(local.date(), days as i32);
    let mut time = local.time();
    let (later, wrapped) = time.overflowing_add_signed(Duration::hours(rest));
    time = later;
    if wrapped != 0 {
        date = cal.add_working_days(date, 1);
    }
    Some(london_instant(date.and_time(time)))
}

/// A London wall-clock time as an instant: the earlier of an ambiguous hour, and a time skipped by the spring
/// change read as just after it.
fn london_instant(local: NaiveDateTime) -> DateTime<Utc> {
    match LONDON.from_local_datetime(&local).earliest() {
        Some(t) => t.to_utc(),
        None => london_instant(local + Duration::hours(1)),
    }
}

impl Expr {
    pub fn eval(&self, env: &[Option<Value>], cal: &WorkingCalendar) -> Option<Value> {
        match self {
            Expr::Date(d) => d.eval(env, cal).map(Value::Date),
            Expr::Instant(i) => i.eval(env, cal).map(Value::Instant),
        }
    }
}
