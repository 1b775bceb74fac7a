//! The words of an expression: names, numbers, brackets and operators.

use super::Unit;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Token {
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

pub(super) fn tokenize(text: &str) -> Result<Vec<Token>, String> {
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

pub(super) fn date_unit(unit: &str) -> Option<Unit> {
    match unit {
        "wd" => Some(Unit::WorkingDays),
        "d" => Some(Unit::Days),
        "w" => Some(Unit::Weeks),
        "m" => Some(Unit::Months),
        _ => None,
    }
}

pub(super) fn describe(token: &Token) -> String {
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
