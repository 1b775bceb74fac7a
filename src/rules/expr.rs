//! The time expressions of a rule file: `start(D + 3wd)`, `end(date(F2) + 1wd)`, `last_contact + 2m`, `F1 + 24h`.
//!
//! Expressions are parsed once, when the rule pack loads, against the names a rule can see (its subject's anchors
//! and its own), so a typo or a date used where an instant is needed is an error at start-up, not at 3 a.m.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::calendar::{self, WorkingCalendar};

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
    Months,
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

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DateExpr {
    Slot(usize),
    DateOf(usize),
    Shift(Box<DateExpr>, i64, Amount, Unit),
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
            DateExpr::DateOf(slot) => match env[*slot]? {
                Value::Instant(t) => Some(calendar::local_date(t)),
                _ => None,
            },
            DateExpr::Shift(base, sign, amount, unit) => {
                let base = base.eval(env, cal)?;
                let n = sign * amount.eval(env)?;
                if n.abs() > MAX_SHIFT {
                    return None;
                }
                match unit {
                    Unit::WorkingDays => Some(cal.add_working_days(base, n as i32)),
                    Unit::Days => base.checked_add_signed(Duration::days(n)),
                    Unit::Months => Some(calendar::add_months(base, n as i32)),
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
    /// An instant anchor plus a wall-clock number of hours ("within 24 hours").
    Slot(usize, i64),
}

impl InstantExpr {
    pub fn eval(&self, env: &[Option<Value>], cal: &WorkingCalendar) -> Option<DateTime<Utc>> {
        match self {
            InstantExpr::Start(d) => Some(calendar::start_of(d.eval(env, cal)?)),
            InstantExpr::End(d) => Some(calendar::end_of(d.eval(env, cal)?)),
            InstantExpr::Slot(slot, hours) => match env[*slot]? {
                Value::Instant(t) => t.checked_add_signed(Duration::hours(*hours)),
                _ => None,
            },
        }
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

    /// The slots this expression reads, for ordering a rule's anchors.
    pub fn reads(&self) -> Vec<usize> {
        fn date(d: &DateExpr, out: &mut Vec<usize>) {
            match d {
                DateExpr::Slot(s) | DateExpr::DateOf(s) => out.push(*s),
                DateExpr::Shift(base, _, amount, _) => {
                    date(base, out);
                    if let Amount::Slot(s) = amount {
                        out.push(*s);
                    }
                }
            }
        }
        let mut out = Vec::new();
        match self {
            Expr::Date(d) | Expr::Instant(InstantExpr::Start(d) | InstantExpr::End(d)) => {
                date(d, &mut out)
            }
            Expr::Instant(InstantExpr::Slot(s, _)) => out.push(*s),
        }
        out
    }
}

/// A working-day, day or month interval such as `5wd`, used for repeat intervals.
pub fn parse_interval(text: &str) -> Result<(i64, Unit), String> {
    let tokens = tokenize(text)?;
    match tokens.as_slice() {
        [Token::Number(n), Token::Ident(unit)] if *n > 0 => match date_unit(unit) {
            Some(unit) => Ok((*n, unit)),
            None => Err(format!("unknown unit `{unit}` (expected wd, d or m)")),
        },
        _ => Err(format!(
            "`{text}` is not an interval such as 5wd, 14d or 1m"
        )),
    }
}

/// Names with a meaning of their own in expressions.
pub const RESERVED: [&str; 7] = ["start", "end", "date", "wd", "d", "m", "h"];

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Ident(String),
    Number(i64),
    Open,
    Close,
    Plus,
    Minus,
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
        } else {
            tokens.push(match c {
                '(' => Token::Open,
                ')' => Token::Close,
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
        Token::Plus => "`+`".into(),
        Token::Minus => "`-`".into(),
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

    fn name(&mut self) -> Result<(String, usize, Kind), String> {
        match self.next() {
            Some(Token::Ident(name)) => match self.symbols.lookup(&name) {
                Some((slot, kind)) => Ok((name, slot, kind)),
                None => Err(format!("unknown anchor `{name}`")),
            },
            Some(t) => Err(format!("expected an anchor name, found {}", describe(&t))),
            None => Err("expected an anchor name, found the end".into()),
        }
    }

    fn expr(&mut self) -> Result<Expr, String> {
        if let Some(Token::Ident(f)) = self.peek()
            && (f == "start" || f == "end")
        {
            let end = f == "end";
            self.next();
            self.expect(Token::Open)?;
            let date = self.date()?;
            self.expect(Token::Close)?;
            return Ok(Expr::Instant(if end {
                InstantExpr::End(date)
            } else {
                InstantExpr::Start(date)
            }));
        }
        if let Some(Token::Ident(name)) = self.peek()
            && let Some((slot, Kind::Instant)) = self.symbols.lookup(name)
        {
            self.next();
            let hours = self.hours()?;
            return Ok(Expr::Instant(InstantExpr::Slot(slot, hours)));
        }
        Ok(Expr::Date(self.date()?))
    }

    fn hours(&mut self) -> Result<i64, String> {
        let mut total = 0;
        while let Some(sign) = self.sign() {
            let n = match self.next() {
                Some(Token::Number(n)) => n,
                _ => {
                    return Err(
                        "an instant can only be shifted by a number of hours, e.g. `+ 24h`".into(),
                    );
                }
            };
            match self.next() {
                Some(Token::Ident(u)) if u == "h" => total += sign * n,
                _ => return Err("an instant can only be shifted by hours (h); use start(...) or end(...) of a date to shift by days".into()),
            }
        }
        Ok(total)
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

    fn date(&mut self) -> Result<DateExpr, String> {
        let mut date = match self.peek() {
            Some(Token::Ident(f)) if f == "date" => {
                self.next();
                self.expect(Token::Open)?;
                let (name, slot, kind) = self.name()?;
                if kind != Kind::Instant {
                    return Err(format!(
                        "date(...) takes an instant, but `{name}` is {}",
                        kind.name()
                    ));
                }
                self.expect(Token::Close)?;
                DateExpr::DateOf(slot)
            }
            _ => {
                let (name, slot, kind) = self.name()?;
                match kind {
                    Kind::Date => DateExpr::Slot(slot),
                    Kind::Instant => {
                        return Err(format!(
                            "`{name}` is an instant; write date({name}) for its local date"
                        ));
                    }
                    Kind::Number => {
                        return Err(format!("`{name}` is a number, not a date"));
                    }
                }
            }
        };
        while let Some(sign) = self.sign() {
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
                Some(Token::Ident(u)) => date_unit(&u)
                    .ok_or_else(|| format!("unknown unit `{u}` (expected wd, d or m)"))?,
                _ => {
                    return Err(
                        "an amount needs a unit: wd (working days), d (days) or m (months)".into(),
                    );
                }
            };
            date = DateExpr::Shift(Box::new(date), sign, amount, unit);
        }
        Ok(date)
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
