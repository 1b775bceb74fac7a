//! Turning the values of a case-database row into typed values, with one set of rules for both backends.
//!
//! Each backend hands over a [`Cell`] per column (SQLite: whatever type the value is stored with, whatever the
//! column's declared type; PostgreSQL: the column's type), and the same parsing applies to tables casewatch created,
//! tables somebody else created, and views. A value that cannot be read is a [`Problem`]: the row is skipped and
//! counted, never guessed at.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

pub use super::problem::{MAX_ID_CHARS, Problem, Reason};

/// One column of one row, as the backend stored it. Text is borrowed from the backend's row where it can be, so
/// a date or an instant is parsed without a copy.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Cell<'a> {
    Null,
    Text(Cow<'a, str>),
    Int(i64),
    Bool(bool),
    Date(NaiveDate),
    Instant(DateTime<Utc>),
    /// A PostgreSQL `timestamp without time zone`: an instant whose zone we would have to guess.
    LocalTimestamp,
    /// A value of a type casewatch does not read; holds the type's name (never the value).
    Other(String),
}

/// A row of the case database, column by column.
pub(super) trait RawRow {
    fn cell(&self, column: &'static str) -> Cell<'_>;
}

/// A NOT NULL column converted with `convert`.
pub(super) fn required<T>(
    row: &impl RawRow,
    column: &'static str,
    convert: impl FnOnce(Cell<'_>) -> Result<T, Reason>,
) -> Result<T, Problem> {
    optional(row, column, convert)?.ok_or(Problem::new(column, Reason::Null))
}

/// A nullable column converted with `convert`.
pub(super) fn optional<T>(
    row: &impl RawRow,
    column: &'static str,
    convert: impl FnOnce(Cell<'_>) -> Result<T, Reason>,
) -> Result<Option<T>, Problem> {
    match row.cell(column) {
        Cell::Null => Ok(None),
        cell => convert(cell)
            .map(Some)
            .map_err(|reason| Problem::new(column, reason)),
    }
}

/// How a row is named in a warning: its id as text, whatever its type, since ids are not personal.
pub(super) fn row_id(row: &impl RawRow, column: &'static str) -> String {
    match row.cell(column) {
        Cell::Text(id) => id.into_owned(),
        Cell::Int(id) => id.to_string(),
        Cell::Null => "(NULL)".to_owned(),
        _ => "(unreadable)".to_owned(),
    }
}

pub(super) fn as_text(cell: Cell<'_>) -> Result<String, Reason> {
    match cell {
        Cell::Text(text) => Ok(text.into_owned()),
        other => Err(wrong_type(&other, "text")),
    }
}

/// An id: text of at most [`MAX_ID_CHARS`] characters.
pub(super) fn as_id(cell: Cell<'_>) -> Result<String, Reason> {
    let id = as_text(cell)?;
    let chars = id.chars().count();
    if chars > MAX_ID_CHARS {
        return Err(Reason::TooLong { chars });
    }
    Ok(id)
}

pub(super) fn as_date(cell: Cell<'_>) -> Result<NaiveDate, Reason> {
    let date = match cell {
        Cell::Date(date) => date,
        Cell::Text(text) => parse_date(&text).ok_or(Reason::NotDate)?,
        other => return Err(wrong_type(&other, "a date")),
    };
    in_range(date)
}

pub(super) fn as_instant(cell: Cell<'_>) -> Result<DateTime<Utc>, Reason> {
    let instant = match cell {
        Cell::Instant(instant) => instant,
        Cell::Text(text) => parse_instant(&text)?,
        Cell::LocalTimestamp => return Err(Reason::NoUtcOffset),
        other => return Err(wrong_type(&other, "a timestamp")),
    };
    in_range(instant.date_naive()).map(|_| instant)
}

/// The years a case-database date may fall in: the working-day calendar's range, with room for the dates of
/// birth of the oldest care leavers. A meeting in year 1 or 9999 is a typing error, and would be told as a
/// breach due two thousand years ago.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

fn in_range(date: NaiveDate) -> Result<NaiveDate, Reason> {
    use chrono::Datelike;
    if YEARS.contains(&date.year()) {
        Ok(date)
    } else {
        Err(Reason::OutOfRange)
    }
}

/// SPEC section 2: booleans are SQLite integers 0/1 (PostgreSQL: `boolean`).
pub(super) fn as_bool(cell: Cell<'_>) -> Result<bool, Reason> {
    match cell {
        Cell::Bool(value) => Ok(value),
        Cell::Int(0) => Ok(false),
        Cell::Int(1) => Ok(true),
        Cell::Text(text) if text == "0" => Ok(false),
        Cell::Text(text) if text == "1" => Ok(true),
        _ => Err(Reason::NotBoolean),
    }
}

/// A count of working days: a timescale of zero or fewer days is a data-entry error, not a deadline.
pub(super) fn as_positive(cell: Cell<'_>) -> Result<u32, Reason> {
    let number = match cell {
        Cell::Int(number) => u32::try_from(number).ok(),
        Cell::Text(text) => text.parse::<u32>().ok(),
        _ => None,
    };
    number.filter(|&n| n > 0).ok_or(Reason::NotPositive)
}

fn wrong_type(cell: &Cell<'_>, expected: &'static str) -> Reason {
    let found = match cell {
        Cell::Null => "NULL",
        Cell::Text(_) => "text",
        Cell::Int(_) => "integer",
        Cell::Bool(_) => "boolean",
        Cell::Date(_) => "date",
        Cell::Instant(_) => "timestamptz",
        Cell::LocalTimestamp => "timestamp",
        Cell::Other(name) => name,
    };
    Reason::WrongType {
        found: found.to_owned(),
        expected,
    }
}

/// `YYYY-MM-DD` exactly: chrono alone would also take `2026-3-2`, which no system we read from writes.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    shape_ok.then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())?
}

/// An ISO-8601 instant with an offset or `Z` (`T` or a space between date and time, optional fractional seconds).
/// Text without an offset is rejected rather than read as UTC or London time: we do not guess.
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, Reason> {
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Ok(instant.with_timezone(&Utc));
    }
    let local = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .any(|format| NaiveDateTime::parse_from_str(text, format).is_ok());
    Err(if local {
        Reason::NoUtcOffset
    } else {
        Reason::NotTimestamp
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    #[test]
    fn instants_with_z_offset_space_and_fractions() {
        assert_eq!(
            parse_instant("2026-03-02T10:00:00Z"),
            Ok(utc(2026, 3, 2, 10, 0, 0))
        );
        assert_eq!(
            parse_instant("2026-03-02T10:00:00+01:00"),
            Ok(utc(2026, 3, 2, 9, 0, 0))
        );
        assert_eq!(
            parse_instant("2026-03-02 10:00:00-05:30"),
            Ok(utc(2026, 3, 2, 15, 30, 0))
        );
        let fractional = utc(2026, 3, 2, 10, 0, 0) + chrono::Duration::milliseconds(250);
        assert_eq!(parse_instant("2026-03-02T10:00:00.250Z"), Ok(fractional));
        assert_eq!(
            parse_instant("2026-03-02 10:00:00.25+00:00"),
            Ok(fractional)
        );
    }

    #[test]
    fn instants_without_offset_are_not_guessed() {
        assert_eq!(
            parse_instant("2026-03-02T10:00:00"),
            Err(Reason::NoUtcOffset)
        );
        assert_eq!(
            parse_instant("2026-03-02 10:00:00.5"),
            Err(Reason::NoUtcOffset)
        );
        assert_eq!(
            Reason::NoUtcOffset.to_string(),
            "timestamp without a UTC offset"
        );
    }

    #[test]
    fn non_instants_are_rejected() {
        for text in [
            "",
            "2026-03-02",
            "yesterday",
            "2026-02-30T10:00:00Z",
            "02/03/2026 10:00Z",
        ] {
            assert_eq!(parse_instant(text), Err(Reason::NotTimestamp), "{text:?}");
        }
    }

    #[test]
    fn dates_are_exactly_year_month_day() {
        assert_eq!(
            parse_date("2028-02-29"),
            NaiveDate::from_ymd_opt(2028, 2, 29)
        );
        for text in [
            "2026-02-29",
            "2026-3-2",
            "02/03/2026",
            "2026-03-02T00:00:00Z",
            " 2026-03-02",
            "+026-03-02",
        ] {
            assert_eq!(parse_date(text), None, "{text:?}");
        }
    }

    #[test]
    fn booleans_are_zero_or_one() {
        assert_eq!(as_bool(Cell::Int(0)), Ok(false));
        assert_eq!(as_bool(Cell::Int(1)), Ok(true));
        assert_eq!(as_bool(Cell::Bool(true)), Ok(true));
        assert_eq!(as_bool(Cell::Text("1".into())), Ok(true));
        for cell in [
            Cell::Int(2),
            Cell::Int(-1),
            Cell::Text("true".into()),
            Cell::Text("yes".into()),
        ] {
            assert_eq!(as_bool(cell.clone()), Err(Reason::NotBoolean), "{cell:?}");
        }
    }

    #[test]
    fn working_day_counts_are_positive() {
        assert_eq!(as_positive(Cell::Int(45)), Ok(45));
        assert_eq!(as_positive(Cell::Text("10".into())), Ok(10));
        for cell in [
            Cell::Int(0),
            Cell::Int(-10),
            Cell::Int(i64::MAX),
            Cell::Text("ten".into()),
        ] {
            assert_eq!(
                as_positive(cell.clone()),
                Err(Reason::NotPositive),
                "{cell:?}"
            );
        }
    }

    #[test]
    fn wrong_types_name_the_type_not_the_value() {
        let reason = as_date(Cell::Int(20260302)).unwrap_err();
        assert_eq!(
            reason.to_string(),
            "found integer where a date was expected"
        );
        assert_eq!(
            as_text(Cell::Other("FLOAT8".into()))
                .unwrap_err()
                .to_string(),
            "found FLOAT8 where text was expected"
        );
    }
}
