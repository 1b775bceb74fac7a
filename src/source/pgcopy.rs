//! PostgreSQL's binary `COPY` format, read row by row: how the streaming case read takes its feeds' rows.
//!
//! `COPY (query) TO STDOUT (FORMAT binary)` hands over the same values as a query's binary result rows, without
//! the driver's per-row message decoding, row objects and type checks — at a million children with every pack, a
//! sixth of casewatch's CPU. The format (PostgreSQL manual, "COPY", "Binary Format"): an 11-byte signature, a
//! flags word and a header extension; then per row a 16-bit field count and, per field, a 32-bit length (-1 for
//! NULL) and that many bytes in the type's binary send format; then a field count of -1.

use std::borrow::Cow;
use std::ops::Range;

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::decode::Cell;

const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// PostgreSQL's epoch for dates and timestamps, 2000-01-01, as Unix microseconds.
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// Reads a binary `COPY` stream, however the server splits it into messages.
#[derive(Default)]
pub(super) struct CopyParser {
    header_read: bool,
    ended: bool,
    /// The start of a row (or the header) whose end has not arrived yet.
    carried: Vec<u8>,
    /// The current row's fields: byte ranges in the buffer being parsed (`None`: NULL). Reused from row to row.
    fields: Vec<Option<Range<usize>>>,
}

/// A malformed stream (never expected from a server; reported rather than guessed at).
#[derive(Debug, thiserror::Error)]
#[error("binary COPY from the case database: {0}")]
pub(super) struct CopyError(&'static str);

impl CopyParser {
    /// Parses one message's `data`, calling `row` with each complete row's bytes and field ranges.
    pub(super) fn push(
        &mut self,
        data: &[u8],
        mut row: impl FnMut(&[u8], &[Option<Range<usize>>]),
    ) -> Result<(), CopyError> {
        if self.ended {
            return match data.is_empty() {
                true => Ok(()),
                false => Err(CopyError("data after the end of the rows")),
            };
        }
        let mut carried = std::mem::take(&mut self.carried);
        let buffer: &[u8] = if carried.is_empty() {
            data
        } else {
            carried.extend_from_slice(data);
            &carried
        };
        let mut at = 0;
        loop {
            match self.next(buffer, at)? {
                Step::Row(end) => {
                    row(buffer, &self.fields);
                    at = end;
                }
                Step::Header(end) => at = end,
                Step::End(end) => {
                    self.ended = true;
                    if end != buffer.len() {
                        return Err(CopyError("data after the end of the rows"));
                    }
                    return Ok(());
                }
                Step::Incomplete => {
                    let rest = buffer[at..].to_vec();
                    self.carried = rest;
                    return Ok(());
                }
            }
        }
    }

    /// After the last message: the stream must have ended with its trailer.
    pub(super) fn finish(&self) -> Result<(), CopyError> {
        match self.ended {
            true => Ok(()),
            false => Err(CopyError("the rows ended without the end marker")),
        }
    }

    /// What starts at `at` in `buffer`.
    fn next(&mut self, buffer: &[u8], at: usize) -> Result<Step, CopyError> {
        let mut cursor = Cursor { buffer, at };
        if !self.header_read {
            let Some(signature) = cursor.take(SIGNATURE.len()) else {
                return Ok(Step::Incomplete);
            };
            if signature != SIGNATURE {
                return Err(CopyError("not a binary COPY stream"));
            }
            let (Some(_flags), Some(extension)) = (cursor.i32(), cursor.i32()) else {
                return Ok(Step::Incomplete);
            };
            let extension = usize::try_from(extension).map_err(|_| CopyError("bad header"))?;
            if cursor.take(extension).is_none() {
                return Ok(Step::Incomplete);
            }
            self.header_read = true;
            return Ok(Step::Header(cursor.at));
        }
        if cursor.at == buffer.len() {
            return Ok(Step::Incomplete);
        }
        let Some(count) = cursor.i16() else {
            return Ok(Step::Incomplete);
        };
        if count == -1 {
            return Ok(Step::End(cursor.at));
        }
        let count = usize::try_from(count).map_err(|_| CopyError("bad field count"))?;
        self.fields.clear();
        for _ in 0..count {
            let Some(length) = cursor.i32() else {
                return Ok(Step::Incomplete);
            };
            if length == -1 {
                self.fields.push(None);
                continue;
            }
            let length = usize::try_from(length).map_err(|_| CopyError("bad field length"))?;
            let start = cursor.at;
            if cursor.take(length).is_none() {
                return Ok(Step::Incomplete);
            }
            self.fields.push(Some(start..cursor.at));
        }
        Ok(Step::Row(cursor.at))
    }
}

enum Step {
    Header(usize),
    Row(usize),
    End(usize),
    Incomplete,
}

struct Cursor<'b> {
    buffer: &'b [u8],
    at: usize,
}

impl<'b> Cursor<'b> {
    fn take(&mut self, n: usize) -> Option<&'b [u8]> {
        let bytes = self.buffer.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(bytes)
    }

    fn i16(&mut self) -> Option<i16> {
        self.take(2).map(|b| i16::from_be_bytes([b[0], b[1]]))
    }

    fn i32(&mut self) -> Option<i32> {
        self.take(4)
            .and_then(|b| b.try_into().ok())
            .map(i32::from_be_bytes)
    }
}

/// How a column's values decode, by its type: the canonical types natively, and text (a hand-made table or a
/// view casting to text, or an enum) through the same parsing as SQLite's.
#[derive(Clone, Copy, Debug)]
pub(super) enum Kind {
    Text,
    Date,
    Instant,
    LocalTimestamp,
    Bool,
    Int2,
    Int4,
    Int8,
    Other,
}

impl Kind {
    pub(super) fn of(type_info: &sqlx::postgres::PgTypeInfo) -> Kind {
        use sqlx::TypeInfo;
        use sqlx::postgres::PgTypeKind;
        if matches!(type_info.kind(), PgTypeKind::Enum(_)) {
            return Kind::Text;
        }
        match type_info.name() {
            "TEXT" | "VARCHAR" | "CHAR" | "NAME" | "UNKNOWN" => Kind::Text,
            "DATE" => Kind::Date,
            "TIMESTAMPTZ" => Kind::Instant,
            "TIMESTAMP" => Kind::LocalTimestamp,
            "BOOL" => Kind::Bool,
            "INT2" => Kind::Int2,
            "INT4" => Kind::Int4,
            "INT8" => Kind::Int8,
            _ => Kind::Other,
        }
    }
}

/// A value in its type's binary send format, decoded as `kind` says; `type_name` names the type when it cannot
/// be (an unsupported type, or a value out of chrono's range such as `infinity`).
pub(super) fn cell<'r>(bytes: &'r [u8], kind: Kind, type_name: &str) -> Cell<'r> {
    let cell = match kind {
        Kind::Text => std::str::from_utf8(bytes)
            .ok()
            .map(|text| Cell::Text(Cow::Borrowed(text))),
        Kind::Date => int(bytes)
            .and_then(|days: i32| {
                let epoch = NaiveDate::from_ymd_opt(2000, 1, 1)?;
                match u64::try_from(days) {
                    Ok(days) => epoch.checked_add_days(Days::new(days)),
                    Err(_) => epoch.checked_sub_days(Days::new(days.unsigned_abs().into())),
                }
            })
            .map(Cell::Date),
        Kind::Instant => int(bytes)
            .and_then(|micros: i64| micros.checked_add(POSTGRES_EPOCH_MICROS))
            .and_then(DateTime::<Utc>::from_timestamp_micros)
            .map(Cell::Instant),
        Kind::LocalTimestamp => Some(Cell::LocalTimestamp),
        Kind::Bool => match bytes {
            [b] => Some(Cell::Bool(*b != 0)),
            _ => None,
        },
        Kind::Int2 => int::<i16>(bytes).map(|n| Cell::Int(n.into())),
        Kind::Int4 => int::<i32>(bytes).map(|n| Cell::Int(n.into())),
        Kind::Int8 => int::<i64>(bytes).map(Cell::Int),
        Kind::Other => None,
    };
    cell.unwrap_or_else(|| Cell::Other(type_name.to_owned()))
}

/// A big-endian integer of exactly its size.
fn int<T: BigEndian>(bytes: &[u8]) -> Option<T> {
    T::from_be(bytes)
}

trait BigEndian: Sized {
    fn from_be(bytes: &[u8]) -> Option<Self>;
}

macro_rules! big_endian {
    ($($t:ty),*) => {$(
        impl BigEndian for $t {
            fn from_be(bytes: &[u8]) -> Option<Self> {
                bytes.try_into().ok().map(<$t>::from_be_bytes)
            }
        }
    )*};
}
big_endian!(i16, i32, i64);

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream as the server would send it: header, rows (`None`: NULL), trailer.
    fn stream(rows: &[&[Option<&[u8]>]]) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend(0i32.to_be_bytes());
        out.extend(4i32.to_be_bytes());
        out.extend(b"ext!");
        for row in rows {
            out.extend((row.len() as i16).to_be_bytes());
            for field in *row {
                match field {
                    None => out.extend((-1i32).to_be_bytes()),
                    Some(bytes) => {
                        out.extend((bytes.len() as i32).to_be_bytes());
                        out.extend(*bytes);
                    }
                }
            }
        }
        out.extend((-1i16).to_be_bytes());
        out
    }

    fn parse_in_pieces(bytes: &[u8], piece: usize) -> Vec<Vec<Option<Vec<u8>>>> {
        let mut parser = CopyParser::default();
        let mut rows = Vec::new();
        for chunk in bytes.chunks(piece) {
            parser
                .push(chunk, |data, fields| {
                    rows.push(
                        fields
                            .iter()
                            .map(|f| f.clone().map(|r| data[r].to_vec()))
                            .collect(),
                    )
                })
                .unwrap();
        }
        parser.finish().unwrap();
        rows
    }

    #[test]
    fn rows_come_out_whole_however_the_stream_is_split() {
        let rows: [&[Option<&[u8]>]; 3] = [
            &[Some(b"C0001"), None, Some(&[1])],
            &[Some(b""), Some(b"\x00\x00\x01\x00"), None],
            &[],
        ];
        let bytes = stream(&rows);
        let expected: Vec<Vec<Option<Vec<u8>>>> = rows
            .iter()
            .map(|r| r.iter().map(|f| f.map(<[u8]>::to_vec)).collect())
            .collect();
        for piece in [1, 2, 3, 5, 7, 19, bytes.len()] {
            assert_eq!(
                parse_in_pieces(&bytes, piece),
                expected,
                "in pieces of {piece}"
            );
        }
    }

    #[test]
    fn a_stream_without_its_end_marker_is_an_error() {
        let bytes = stream(&[&[Some(b"x")]]);
        let mut parser = CopyParser::default();
        parser.push(&bytes[..bytes.len() - 2], |_, _| {}).unwrap();
        assert!(parser.finish().is_err());
        let mut parser = CopyParser::default();
        assert!(parser.push(b"PGCOPY\nnot\0binary", |_, _| {}).is_err());
    }

    /// A value's decoding as text, for comparing (a `Cell` borrows its bytes).
    fn decoded(bytes: &[u8], kind: Kind) -> String {
        match cell(bytes, kind, "THE_TYPE") {
            Cell::Date(d) => d.to_string(),
            Cell::Instant(t) => t.to_rfc3339(),
            Cell::Int(n) => n.to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::Text(t) => format!("{t:?}"),
            Cell::Other(name) => format!("other {name}"),
            Cell::Null | Cell::LocalTimestamp => unreachable!("not made from bytes"),
        }
    }

    #[test]
    fn values_decode_from_postgres_epoch() {
        // 2000-01-01 is day 0; 2024-02-29 is 8825 days later; 1999-12-31 is day -1.
        assert_eq!(decoded(&8825i32.to_be_bytes(), Kind::Date), "2024-02-29");
        assert_eq!(decoded(&(-1i32).to_be_bytes(), Kind::Date), "1999-12-31");
        // 2026-03-29 01:00:00 UTC (the clocks go forward) is 828,061,200 s after the epoch.
        assert_eq!(
            decoded(&828_061_200_000_000i64.to_be_bytes(), Kind::Instant),
            "2026-03-29T01:00:00+00:00"
        );
        // `infinity` is i64::MAX: no instant, so the column's type is named.
        assert_eq!(
            decoded(&i64::MAX.to_be_bytes(), Kind::Instant),
            "other THE_TYPE"
        );
        assert_eq!(decoded(&[0, 7], Kind::Int2), "7");
        assert_eq!(decoded(&[1], Kind::Bool), "true");
        assert_eq!(decoded("C0001".as_bytes(), Kind::Text), "\"C0001\"");
        assert_eq!(decoded(&[0xff], Kind::Text), "other THE_TYPE");
        assert_eq!(decoded(&[0, 1], Kind::Int4), "other THE_TYPE");
    }
}
