//! The time expressions of a rule file: `start(D + 3wd)`, `end(date(F2) + 1wd)`, `last_contact + 2m`, `F1 + 24h`,
//! `A + 72wh`, `earliest(d + 15wd, referral + 28d)`.
//!
//! Expressions are parsed once, when the rule pack loads, against the names a rule can see (its subject's anchors
//! and its own), so a typo or a date used where an instant is needed is an error at start-up, not at 3 a.m.

mod eval;
mod lex;
mod parse;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::calendar::{self, WorkingCalendar};

pub use eval::add_working_hours;
pub use parse::{RESERVED, names, parse, parse_interval};

/// What an anchor holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Date,
    Instant,
    Number,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Date => "a date",
            Kind::Instant => "an instant",
            Kind::Number => "a number",
        }
    }
}

/// The value of an anchor for one subject. A missing value (`None` in the environment) is a NULL column or an
/// event that has not happened; every expression that reads it is missing too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    Date(NaiveDate),
    Instant(DateTime<Utc>),
    Number(i64),
}

/// The anchors a rule can name, each with its slot in the evaluation environment.
#[derive(Clone, Debug, Default)]
pub struct Symbols {
    names: Vec<(String, Kind)>,
}

impl Symbols {
    pub fn push(&mut self, name: &str, kind: Kind) -> usize {
        self.names.push((name.to_owned(), kind));
        self.names.len() - 1
    }

    pub fn lookup(&self, name: &str) -> Option<(usize, Kind)> {
        self.names
            .iter()
            .position(|(n, _)| n == name)
            .map(|slot| (slot, self.names[slot].1))
    }

    /// The name of the anchor in `slot`, as the rule file writes it.
    pub fn name(&self, slot: usize) -> &str {
        &self.names[slot].0
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    WorkingDays,
    Days,
    /// Seven calendar days ("within 1 week", "12 weekly"); not a working week, which is `5wd`.
    Weeks,
    Months,
}

impl Unit {
    /// Shifts `date` by `n` of this unit.
    pub fn shift(self, date: NaiveDate, n: i64, cal: &WorkingCalendar) -> Option<NaiveDate> {
        if n.abs() > MAX_SHIFT {
            return None;
        }
        match self {
            Unit::WorkingDays => Some(cal.add_working_days(date, n as i32)),
            Unit::Days => date.checked_add_signed(Duration::days(n)),
            Unit::Weeks => date.checked_add_signed(Duration::days(7 * n)),
            Unit::Months => Some(calendar::add_months(date, n as i32)),
        }
    }

    pub fn suffix(self) -> &'static str {
        match self {
            Unit::WorkingDays => "wd",
            Unit::Days => "d",
            Unit::Weeks => "w",
            Unit::Months => "m",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Amount {
    Const(i64),
    Slot(usize),
}

/// How a function of several times picks one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pick {
    /// The earliest of those present ("within 15 working days … and within 28 days …": the first limit wins).
    Earliest,
    /// The latest of those present ("or the date when notification was received, if later").
    Latest,
    /// The first present, in the order written.
    Coalesce,
}

impl Pick {
    fn name(self) -> &'static str {
        match self {
            Pick::Earliest => "earliest",
            Pick::Latest => "latest",
            Pick::Coalesce => "coalesce",
        }
    }

    fn from_name(name: &str) -> Option<Pick> {
        match name {
            "earliest" => Some(Pick::Earliest),
            "latest" => Some(Pick::Latest),
            "coalesce" => Some(Pick::Coalesce),
            _ => None,
        }
    }
}

/// A comparison in `if(a < b, then, else)`: of two dates, two instants or two numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cond {
    pub left: Operand,
    pub op: Compare,
    pub right: Operand,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compare {
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operand {
    Time(Expr),
    Number(Amount),
}

impl Operand {
    fn kind(&self) -> Kind {
        match self {
            Operand::Time(e) => e.kind(),
            Operand::Number(_) => Kind::Number,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DateExpr {
    Slot(usize),
    /// The Europe/London date of an instant.
    DateOf(Box<InstantExpr>),
    Shift(Box<DateExpr>, i64, Amount, Unit),
    /// The date itself when it is a working day, else the next working day ("the same working day").
    NextOrSameWorkingDay(Box<DateExpr>),
    Pick(Pick, Vec<DateExpr>),
    /// `if(cond, then, else)`; without `else`, nothing (no obligation) when the comparison fails.
    If(Box<Cond>, Box<DateExpr>, Option<Box<DateExpr>>),
}

/// Working-day and month shifts beyond this are a data error (a priority of a million working days), not a
/// deadline: refusing them keeps one bad row from stalling a pass.
const MAX_SHIFT: i64 = 10_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InstantExpr {
    /// 00:00:00 Europe/London.
    Start(DateExpr),
    /// 23:59:59 Europe/London: SPEC section 1, a due date is breached at the end of that local day.
    End(DateExpr),
    Slot(usize),
    /// Plus a wall-clock number of hours ("within 24 hours"): an absolute duration, so 23 or 25 local hours
    /// across a clock change.
    Hours(Box<InstantExpr>, i64),
    /// Plus working hours ("within 72 working hours"): see [`add_working_hours`].
    WorkingHours(Box<InstantExpr>, i64),
    Pick(Pick, Vec<InstantExpr>),
    If(Box<Cond>, Box<InstantExpr>, Option<Box<InstantExpr>>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    Date(DateExpr),
    Instant(InstantExpr),
}

impl Expr {
    pub fn kind(&self) -> Kind {
        match self {
            Expr::Date(_) => Kind::Date,
            Expr::Instant(_) => Kind::Instant,
        }
    }
}
