//! The staff directory (`[directory]`): a CSV file exported from HR or Active Directory that supplies what many
//! case databases do not hold about staff — email, line manager, absence and cover — or overrides what they do.
//!
//! The file has one row per person, under a header naming the ten columns of `staff` (SPEC section 2) in any
//! order; further columns are ignored, so an export can carry its own. It is read when the configuration loads,
//! which means at start, on SIGHUP and by `check-config`. A row that cannot be used is skipped with a warning that
//! names the file, the line and the column (never a value: names and emails are personal data), and counted.
//! Each pass then lays the file over the staff rows of the case database ([`StaffDirectory::merge`]).

mod findings;
mod row;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::model::{Staff, StaffId};

pub use findings::{Findings, findings};
pub use row::Entry;

/// `[directory]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectorySettings {
    /// The CSV file, relative to the configuration file.
    pub file: PathBuf,
}

/// The columns the header must name: those of `staff`.
pub fn columns() -> &'static [&'static str] {
    crate::source::columns(crate::source::Table::Staff)
}

/// A row that was skipped, and why. `column` is `None` when the row as a whole is at fault (its length).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRow {
    pub line: u64,
    pub column: Option<&'static str>,
    pub problem: String,
}

impl fmt::Display for BadRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(column) => write!(f, "line {}, column {column}: {}", self.line, self.problem),
            None => write!(f, "line {}: {}", self.line, self.problem),
        }
    }
}

/// Why the file cannot be used at all (as opposed to a row of it).
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("configuration key `directory.file`: cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "configuration key `directory.file`: the header of {path} lacks the column{plural} {missing} \
         (it needs {all})",
        plural = if missing.contains(',') { "s" } else { "" },
        all = columns().join(",")
    )]
    MissingColumns { path: PathBuf, missing: String },
    #[error("configuration key `directory.file`: the header of {path} names {column} twice")]
    RepeatedColumn { path: PathBuf, column: String },
}

/// The file as read: the rows that can be used, in file order, and the ones that were skipped.
#[derive(Clone)]
pub struct StaffDirectory {
    path: PathBuf,
    entries: Vec<Entry>,
    skipped: Vec<BadRow>,
    ignored_columns: Vec<String>,
}

impl StaffDirectory {
    /// Reads the file, logging a warning for each skipped row.
    pub fn load(path: &Path) -> Result<Self, DirectoryError> {
        let read_error = |source| DirectoryError::Read {
            path: path.to_owned(),
            source,
        };
        let text = std::fs::read(path).map_err(read_error)?;
        let directory = Self::from_bytes(path, &text)?;
        for bad in &directory.skipped {
            tracing::warn!(
                file = %path.display(),
                line = bad.line,
                column = bad.column,
                problem = %bad.problem,
                "skipping a staff directory row casewatch cannot use"
            );
        }
        Ok(directory)
    }

    /// Reads CSV text; `path` only names it in messages.
    pub fn from_bytes(path: &Path, text: &[u8]) -> Result<Self, DirectoryError> {
        // The csv crate does not count the blank lines it passes over, so lines are counted here from each
        // record's byte offset.
        let newlines: Vec<usize> = line_ends(text);
        let line_at = |byte: u64| {
            // A record's offset is where the reader started on it, before any blank lines it passed over.
            let start = (byte as usize).min(text.len());
            let skipped = text[start..]
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
            1 + newlines.partition_point(|&at| at < start + skipped) as u64
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(true)
            .from_reader(text);
        let header = reader
            .headers()
            .map_err(|e| DirectoryError::Read {
                path: path.to_owned(),
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
            })?
            .clone();
        let layout = row::Layout::of(&header, path)?;
        let mut directory = StaffDirectory {
            path: path.to_owned(),
            entries: Vec::new(),
            skipped: Vec::new(),
            ignored_columns: layout.ignored.clone(),
        };
        let mut first_line: HashMap<StaffId, u64> = HashMap::new();
        let mut record = csv::ByteRecord::new();
        loop {
            let line = line_at(reader.position().byte());
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    // Only the reader itself fails here (an I/O error mid-file): the rest cannot be read.
                    directory.skipped.push(BadRow {
                        line,
                        column: None,
                        problem: format!("cannot read on from here: {e}"),
                    });
                    break;
                }
            }
            let line = record.position().map_or(line, |p| line_at(p.byte()));
            if record.iter().all(<[u8]>::is_empty) {
                continue;
            }
            match layout.entry(&record, header.len(), line) {
                Ok(entry) => match first_line.get(&entry.id) {
                    Some(&first) => directory.skipped.push(BadRow {
                        line,
                        column: Some("staff_id"),
                        problem: format!("{} is already on line {first}", entry.id),
                    }),
                    None => {
                        first_line.insert(entry.id.clone(), line);
                        directory.entries.push(entry);
                    }
                },
                Err(bad) => directory.skipped.push(bad),
            }
        }
        Ok(directory)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The usable rows, in file order (the first row of a repeated id; the later ones are skipped).
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn skipped(&self) -> &[BadRow] {
        &self.skipped
    }

    /// Header columns casewatch does not read.
    pub fn ignored_columns(&self) -> &[String] {
        &self.ignored_columns
    }

    /// The case database's staff with the file laid over them: a person in both takes every non-empty cell of
    /// the file's row; a person only in the file is added; a person only in the database is kept as they are.
    pub fn merge(&self, staff: Vec<Staff>) -> Vec<Staff> {
        let mut by_id: HashMap<StaffId, Staff> =
            staff.into_iter().map(|s| (s.id.clone(), s)).collect();
        for entry in &self.entries {
            match by_id.get_mut(&entry.id) {
                Some(person) => entry.apply(person),
                None => {
                    by_id.insert(entry.id.clone(), entry.to_staff());
                }
            }
        }
        let mut merged: Vec<Staff> = by_id.into_values().collect();
        merged.sort_by(|a, b| a.id.cmp(&b.id));
        merged
    }
}

/// The byte offsets of the line ends in `text`.
fn line_ends(text: &[u8]) -> Vec<usize> {
    text.iter()
        .enumerate()
        .filter_map(|(i, &b)| (b == b'\n').then_some(i))
        .collect()
}

/// Counts only: the rows hold names and email addresses.
impl fmt::Debug for StaffDirectory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaffDirectory")
            .field("path", &self.path)
            .field("entries", &self.entries.len())
            .field("skipped", &self.skipped.len())
            .finish()
    }
}
