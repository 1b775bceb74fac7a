//! Parsing an expression against the names a rule can see, so a name it cannot see, or a date where an instant is
//! needed, is an error when the rule pack loads.

use super::lex::{Token, date_unit, describe, tokenize};
use super::{
    Amount, Compare, Cond, DateExpr, Expr, InstantExpr, Kind, Operand, Pick, Symbols, Unit,
};

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
