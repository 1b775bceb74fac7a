//! The time expressions of a rule file: `start(D + 3wd)`, `end(date(F2) + 1wd)`, `last_contact + 2m`, `F1 + 24h`,
//! `A + 72wh`, `earliest(d + 15wd, referral + 28d)`.
//!
//! Expressions are parsed once, when the rule pack loads, against the names a rule can see (its subject's anchors
//! and its own), so a typo or a date used where an instant is needed is an error at start-up, not at 3 a.m.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};

use crate::calendar::{self, LONDON, WorkingCalendar};

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

    pub fn eval(&self, env: &[Option<Value>], cal: &WorkingCalendar) -> Option<Value> {
        match self {
            Expr::Date(d) => d.eval(env, cal).map(Value::Date),
            Expr::Instant(i) => i.eval(env, cal).map(Value::Instant),
        }
    }
}

/// A working-day, day, week or month interval such as `5wd`, used for repeat intervals and ladder settings.
pub fn parse_interval(text: &str) -> Result<(i64, Unit), String> {
    let tokens = tokenize(text)?;
    match tokens.as_slice() {
        [Token::Number(n), Token::Ident(unit)] if *n > 0 => match date_unit(unit) {
            Some(unit) => Ok((*n, unit)),
            None => Err(format!("unknown unit `{unit}` (expected wd, d, w or m)")),
        },
        _ => Err(format!(
            "`{text}` is not an interval such as 5wd, 14d, 2w or 1m"
        )),
    }
}

/// Names with a meaning of their own in expressions.
pub const RESERVED: [&str; 14] = [
    "if",
    "start",
    "end",
    "date",
    "next_or_same_wd",
    "earliest",
    "latest",
    "coalesce",
    "wd",
    "d",
    "w",
    "m",
    "h",
    "wh",
];

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Ident(String),
    Number(i64),
    Open,
    Close,
    Comma,
    Plus,
    Minus,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c.is_ascii_digit() {
            let mut end = i;
            while let Some(&(j, d)) = chars.peek().filter(|(_, d)| d.is_ascii_digit()) {
                end = j + d.len_utf8();
                chars.next();
            }
            let n = text[i..end]
                .parse()
                .map_err(|_| format!("number `{}` is too large", &text[i..end]))?;
            tokens.push(Token::Number(n));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let mut end = i;
            while let Some(&(j, d)) = chars
                .peek()
                .filter(|(_, d)| d.is_ascii_alphanumeric() || *d == '_')
            {
                end = j + d.len_utf8();
                chars.next();
            }
            tokens.push(Token::Ident(text[i..end].to_owned()));
        } else if c == '<' || c == '>' {
            chars.next();
            let or_equal = chars.next_if(|&(_, d)| d == '=').is_some();
            tokens.push(match (c, or_equal) {
                ('<', false) => Token::Less,
                ('<', true) => Token::LessOrEqual,
                ('>', false) => Token::Greater,
                _ => Token::GreaterOrEqual,
            });
        } else {
            tokens.push(match c {
                '(' => Token::Open,
                ')' => Token::Close,
                ',' => Token::Comma,
                '+' => Token::Plus,
                '-' => Token::Minus,
                _ => return Err(format!("unexpected character `{c}`")),
            });
            chars.next();
        }
    }
    Ok(tokens)
}

fn date_unit(unit: &str) -> Option<Unit> {
    match unit {
        "wd" => Some(Unit::WorkingDays),
        "d" => Some(Unit::Days),
        "w" => Some(Unit::Weeks),
        "m" => Some(Unit::Months),
        _ => None,
    }
}

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    symbols: &'a Symbols,
}

/// Parses a time expression, resolving names against `symbols`.
pub fn parse(text: &str, symbols: &Symbols) -> Result<Expr, String> {
    let mut p = Parser {
        tokens: tokenize(text)?,
        at: 0,
        symbols,
    };
    let expr = p.expr()?;
    match p.tokens.get(p.at) {
        None => Ok(expr),
        Some(t) => Err(format!(
            "unexpected {} after a complete expression",
            describe(t)
        )),
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Ident(s) => format!("`{s}`"),
        Token::Number(n) => format!("`{n}`"),
        Token::Open => "`(`".into(),
        Token::Close => "`)`".into(),
        Token::Comma => "`,`".into(),
        Token::Plus => "`+`".into(),
        Token::Minus => "`-`".into(),
        Token::Less => "`<`".into(),
        Token::LessOrEqual => "`<=`".into(),
        Token::Greater => "`>`".into(),
        Token::GreaterOrEqual => "`>=`".into(),
    }
}

impl Parser<'_> {
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn expect(&mut self, want: Token) -> Result<(), String> {
        match self.next() {
            Some(t) if t == want => Ok(()),
            Some(t) => Err(format!(
                "expected {}, found {}",
                describe(&want),
                describe(&t)
            )),
            None => Err(format!("expected {}, found the end", describe(&want))),
        }
    }

    /// A primary followed by any number of `± N unit` shifts.
    fn expr(&mut self) -> Result<Expr, String> {
        let mut expr = self.primary()?;
        while let Some(sign) = self.sign() {
            expr = match expr {
                Expr::Date(date) => {
                    let (amount, unit) = self.date_amount()?;
                    Expr::Date(DateExpr::Shift(Box::new(date), sign, amount, unit))
                }
                Expr::Instant(instant) => Expr::Instant(self.instant_shift(instant, sign)?),
            };
        }
        Ok(expr)
    }

    fn primary(&mut self) -> Result<Expr, String> {
        let name = match self.next() {
            Some(Token::Ident(name)) => name,
            Some(Token::Open) => {
                let inner = self.expr()?;
                self.expect(Token::Close)?;
                return Ok(inner);
            }
            Some(t) => return Err(format!("expected an anchor name, found {}", describe(&t))),
            None => return Err("expected an anchor name, found the end".into()),
        };
        let is_call = self.peek() == Some(&Token::Open);
        match name.as_str() {
            "start" | "end" if is_call => {
                let date = self.date_argument(&name)?;
                Ok(Expr::Instant(if name == "end" {
                    InstantExpr::End(date)
                } else {
                    InstantExpr::Start(date)
                }))
            }
            "date" if is_call => {
                self.expect(Token::Open)?;
                let instant = match self.expr()? {
                    Expr::Instant(i) => i,
                    Expr::Date(_) => return Err("date(...) takes an instant, not a date".into()),
                };
                self.expect(Token::Close)?;
                Ok(Expr::Date(DateExpr::DateOf(Box::new(instant))))
            }
            "next_or_same_wd" if is_call => {
                let date = self.date_argument(&name)?;
                Ok(Expr::Date(DateExpr::NextOrSameWorkingDay(Box::new(date))))
            }
            "if" if is_call => self.conditional(),
            _ if is_call && Pick::from_name(&name).is_some() => {
                let pick = Pick::from_name(&name).expect("checked above");
                self.pick(pick)
            }
            _ => match self.symbols.lookup(&name) {
                Some((slot, Kind::Date)) => Ok(Expr::Date(DateExpr::Slot(slot))),
                Some((slot, Kind::Instant)) => Ok(Expr::Instant(InstantExpr::Slot(slot))),
                Some((_, Kind::Number)) => Err(format!(
                    "`{name}` is a number; use it as an amount, e.g. `D + {name} wd`"
                )),
                None => Err(format!("unknown anchor `{name}`")),
            },
        }
    }

    fn date_argument(&mut self, function: &str) -> Result<DateExpr, String> {
        self.expect(Token::Open)?;
        if let (Some(Token::Ident(name)), Some(Token::Close)) =
            (self.tokens.get(self.at), self.tokens.get(self.at + 1))
            && let Some((_, Kind::Instant)) = self.symbols.lookup(name)
        {
            return Err(format!(
                "`{name}` is an instant; write date({name}) for its local date"
            ));
        }
        let date = match self.expr()? {
            Expr::Date(d) => d,
            Expr::Instant(_) => {
                return Err(format!(
                    "{function}(...) takes a date; write date(...) for an instant's local date"
                ));
            }
        };
        self.expect(Token::Close)?;
        Ok(date)
    }

    fn pick(&mut self, pick: Pick) -> Result<Expr, String> {
        self.expect(Token::Open)?;
        let mut items = vec![self.expr()?];
        while self.peek() == Some(&Token::Comma) {
            self.next();
            items.push(self.expr()?);
        }
        self.expect(Token::Close)?;
        if items.len() < 2 {
            return Err(format!("{}(...) takes two or more times", pick.name()));
        }
        let kind = items[0].kind();
        if items.iter().any(|e| e.kind() != kind) {
            return Err(format!(
                "{}(...) takes times of one kind: all dates or all instants",
                pick.name()
            ));
        }
        Ok(match kind {
            Kind::Date => Expr::Date(DateExpr::Pick(
                pick,
                items
                    .into_iter()
                    .map(|e| match e {
                        Expr::Date(d) => d,
                        Expr::Instant(_) => unreachable!("kinds checked above"),
                    })
                    .collect(),
            )),
            _ => Expr::Instant(InstantExpr::Pick(
                pick,
                items
                    .into_iter()
                    .map(|e| match e {
                        Expr::Instant(i) => i,
                        Expr::Date(_) => unreachable!("kinds checked above"),
                    })
                    .collect(),
            )),
        })
    }

    /// `if(a < b, then, else)`: `then` and `else` are times of one kind; `a` and `b` are dates, instants or
    /// numbers (a number anchor or a literal). Without `else`, nothing when the comparison fails.
    fn conditional(&mut self) -> Result<Expr, String> {
        self.expect(Token::Open)?;
        let left = self.operand()?;
        let op = match self.next() {
            Some(Token::Less) => Compare::Less,
            Some(Token::LessOrEqual) => Compare::LessOrEqual,
            Some(Token::Greater) => Compare::Greater,
            Some(Token::GreaterOrEqual) => Compare::GreaterOrEqual,
            _ => {
                return Err(
                    "if(...) starts with a comparison such as `date(last) < date(P) + 12m`".into(),
                );
            }
        };
        let right = self.operand()?;
        if left.kind() != right.kind() {
            return Err(format!(
                "if(...) compares {} with {}; compare like with like",
                left.kind().name(),
                right.kind().name()
            ));
        }
        let cond = Box::new(Cond { left, op, right });
        self.expect(Token::Comma)?;
        let then = self.expr()?;
        let otherwise = if self.peek() == Some(&Token::Comma) {
            self.next();
            Some(self.expr()?)
        } else {
            None
        };
        self.expect(Token::Close)?;
        match (then, otherwise) {
            (Expr::Date(a), None) => Ok(Expr::Date(DateExpr::If(cond, Box::new(a), None))),
            (Expr::Instant(a), None) => Ok(Expr::Instant(InstantExpr::If(cond, Box::new(a), None))),
            (Expr::Date(a), Some(Expr::Date(b))) => Ok(Expr::Date(DateExpr::If(
                cond,
                Box::new(a),
                Some(Box::new(b)),
            ))),
            (Expr::Instant(a), Some(Expr::Instant(b))) => Ok(Expr::Instant(InstantExpr::If(
                cond,
                Box::new(a),
                Some(Box::new(b)),
            ))),
            _ => Err("if(...) gives two times of one kind: both dates or both instants".into()),
        }
    }

    fn operand(&mut self) -> Result<Operand, String> {
        match self.peek() {
            Some(Token::Number(n)) => {
                let n = *n;
                self.next();
                Ok(Operand::Number(Amount::Const(n)))
            }
            Some(Token::Ident(name)) => match self.symbols.lookup(name) {
                Some((slot, Kind::Number)) => {
                    self.next();
                    Ok(Operand::Number(Amount::Slot(slot)))
                }
                _ => Ok(Operand::Time(self.expr()?)),
            },
            _ => Ok(Operand::Time(self.expr()?)),
        }
    }

    fn instant_shift(&mut self, base: InstantExpr, sign: i64) -> Result<InstantExpr, String> {
        let n = match self.next() {
            Some(Token::Number(n)) => n,
            _ => {
                return Err(
                    "an instant can only be shifted by a number of hours, e.g. `+ 24h` or `+ 72wh`"
                        .into(),
                );
            }
        };
        match self.next() {
            Some(Token::Ident(u)) if u == "h" => Ok(InstantExpr::Hours(Box::new(base), sign * n)),
            Some(Token::Ident(u)) if u == "wh" => {
                if sign < 0 {
                    return Err("working hours (wh) can only be added, not taken away".into());
                }
                Ok(InstantExpr::WorkingHours(Box::new(base), n))
            }
            _ => Err("an instant can only be shifted by hours (h) or working hours (wh); use start(...) or end(...) of a date to shift by days".into()),
        }
    }

    fn sign(&mut self) -> Option<i64> {
        let sign = match self.peek()? {
            Token::Plus => 1,
            Token::Minus => -1,
            _ => return None,
        };
        self.next();
        Some(sign)
    }

    fn date_amount(&mut self) -> Result<(Amount, Unit), String> {
        let amount = match self.next() {
            Some(Token::Number(n)) => Amount::Const(n),
            Some(Token::Ident(name)) => match self.symbols.lookup(&name) {
                Some((slot, Kind::Number)) => Amount::Slot(slot),
                Some((_, kind)) => {
                    return Err(format!("`{name}` is {}, not a number of days", kind.name()));
                }
                None => return Err(format!("unknown anchor `{name}`")),
            },
            Some(t) => {
                return Err(format!(
                    "expected an amount such as 5wd, found {}",
                    describe(&t)
                ));
            }
            None => return Err("expected an amount such as 5wd, found the end".into()),
        };
        let unit = match self.next() {
            Some(Token::Ident(u)) if u == "h" || u == "wh" => {
                return Err(format!(
                    "a date cannot be shifted by hours; write start(...) or end(...) for an instant, \
                     then `+ N{u}`"
                ));
            }
            Some(Token::Ident(u)) => date_unit(&u)
                .ok_or_else(|| format!("unknown unit `{u}` (expected wd, d, w or m)"))?,
            _ => {
                return Err(
                    "an amount needs a unit: wd (working days), d (days), w (weeks) or m (months)"
                        .into(),
                );
            }
        };
        Ok((amount, unit))
    }
}

/// The anchor names an expression mentions, so a rule's anchors can be parsed in dependency order.
pub fn names(text: &str) -> Result<Vec<String>, String> {
    Ok(tokenize(text)?
        .into_iter()
        .filter_map(|t| match t {
            Token::Ident(s) if !RESERVED.contains(&s.as_str()) => Some(s),
            _ => None,
        })
        .collect())
}
