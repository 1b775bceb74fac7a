//! Why a row of the case database could not be used, in words that never include the value itself.

use std::fmt;

/// The longest id casewatch takes: ids are keys a system generates, and one of 64 KiB is a data error that would be
/// copied into every key, notice and message that names it.
pub const MAX_ID_CHARS: usize = 256;

/// Why a value could not be used. Says nothing of the value itself: it could be personal data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    Null,
    WrongType {
        found: String,
        expected: &'static str,
    },
    NotDate,
    NoUtcOffset,
    NotTimestamp,
    NotBoolean,
    NotPositive,
    UnknownValue,
    NoSuchChild,
    SkippedChild,
    DuplicateCase,
    SkippedCase,
    NoOpenCase,
    NoSuchCase,
    /// A date or instant outside the working-day calendar's range (1900 to 2100).
    OutOfRange,
    /// An id longer than `MAX_ID_CHARS`.
    TooLong {
        chars: usize,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Null => f.write_str("NULL in a NOT NULL column"),
            Reason::WrongType { found, expected } => {
                write!(f, "found {found} where {expected} was expected")
            }
            Reason::NotDate => f.write_str("not a YYYY-MM-DD date"),
            Reason::NoUtcOffset => f.write_str("timestamp without a UTC offset"),
            Reason::NotTimestamp => f.write_str("not an ISO-8601 timestamp"),
            Reason::NotBoolean => f.write_str("not a boolean (0 or 1)"),
            Reason::NotPositive => f.write_str("not a positive whole number"),
            Reason::UnknownValue => f.write_str("not one of the allowed values"),
            Reason::NoSuchChild => f.write_str("names a child with no children row"),
            Reason::SkippedChild => f.write_str("names a child whose children row was skipped"),
            Reason::DuplicateCase => f.write_str("repeats a case_id already read"),
            Reason::SkippedCase => f.write_str("belongs to a case that was skipped"),
            Reason::NoOpenCase => f.write_str("belongs to no open case that was read"),
            Reason::NoSuchCase => f.write_str("names no case in the cases table"),
            Reason::TooLong { chars } => write!(
                f,
                "an id of {chars} characters; ids are at most {}",
                MAX_ID_CHARS
            ),
            Reason::OutOfRange => {
                f.write_str("a date outside 1900-2100, the range the working-day calendar covers")
            }
        }
    }
}

/// A column and why its value could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub column: &'static str,
    pub reason: Reason,
}

impl Problem {
    pub(super) fn new(column: &'static str, reason: Reason) -> Self {
        Self { column, reason }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.column, self.reason)
    }
}
