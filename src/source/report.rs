//! What one read of the case database saw: rows read and rows skipped, per table.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use super::decode::Problem;
use crate::model::OptionalTables;

/// A table of the canonical case schema: the six of SPEC section 2, then the three optional ones of section 8.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Table {
    Staff,
    Children,
    Cases,
    Visits,
    Assessments,
    ManagementDecisions,
    CaseEvents,
    Meetings,
    Records,
}

impl Table {
    pub const ALL: [Table; 9] = [
        Table::Staff,
        Table::Children,
        Table::Cases,
        Table::Visits,
        Table::Assessments,
        Table::ManagementDecisions,
        Table::CaseEvents,
        Table::Meetings,
        Table::Records,
    ];

    /// The six tables every configuration reads (SPEC section 2): the first of [`Table::ALL`].
    pub const REQUIRED: &[Table] = Table::ALL.as_slice().split_at(6).0;

    /// The optional tables of SPEC section 8.1 in `tables`, in SPEC order.
    pub fn optional(tables: OptionalTables) -> Vec<Table> {
        let all = [
            (tables.events, Table::CaseEvents),
            (tables.meetings, Table::Meetings),
            (tables.records, Table::Records),
        ];
        all.into_iter()
            .filter_map(|(on, table)| on.then_some(table))
            .collect()
    }

    /// Whether this is one of the optional tables, read only when an enabled rule needs it.
    pub fn is_optional(self) -> bool {
        matches!(self, Table::CaseEvents | Table::Meetings | Table::Records)
    }

    /// The table's (or view's) name in the case database.
    pub fn name(self) -> &'static str {
        match self {
            Table::Staff => "staff",
            Table::Children => "children",
            Table::Cases => "cases",
            Table::Visits => "visits",
            Table::Assessments => "assessments",
            Table::ManagementDecisions => "management_decisions",
            Table::CaseEvents => "case_events",
            Table::Meetings => "meetings",
            Table::Records => "records",
        }
    }

    /// The primary-key column, which names a row in warnings (never any other value: it could be personal).
    pub fn id_column(self) -> &'static str {
        match self {
            Table::Staff => "staff_id",
            Table::Children => "child_id",
            Table::Cases => "case_id",
            Table::Visits => "visit_id",
            Table::Assessments => "assessment_id",
            Table::ManagementDecisions => "decision_id",
            Table::CaseEvents => "event_id",
            Table::Meetings => "meeting_id",
            Table::Records => "record_id",
        }
    }

    pub(super) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Default)]
struct Counts {
    read: AtomicU64,
    skipped: AtomicU64,
}

/// Counts of one read of the case database, shared by reference with the reading code (hence atomics).
///
/// "Read" counts rows the database returned (bad ones included); "skipped" counts rows casewatch could not use:
/// an unreadable value, a broken reference, or a row of a case that was itself skipped. A child is read once per
/// open case that names it.
#[derive(Debug, Default)]
pub struct ReadReport {
    counts: [Counts; Table::ALL.len()],
}

impl ReadReport {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn rows_read(&self, table: Table) -> u64 {
        self.counts[table.index()].read.load(Ordering::Relaxed)
    }

    pub fn rows_skipped(&self, table: Table) -> u64 {
        self.counts[table.index()].skipped.load(Ordering::Relaxed)
    }

    /// `(table, rows read, rows skipped)` for every table, as the metrics count them.
    pub fn rows_by_table(&self) -> Vec<(&'static str, u64, u64)> {
        Table::ALL
            .iter()
            .map(|&t| (t.name(), self.rows_read(t), self.rows_skipped(t)))
            .collect()
    }

    /// Skipped rows over all tables: non-zero means the source holds data casewatch could not use.
    pub fn total_skipped(&self) -> u64 {
        Table::ALL.iter().map(|&t| self.rows_skipped(t)).sum()
    }

    pub(super) fn count_read(&self, table: Table) {
        self.add_read(table, 1);
    }

    /// Counts `rows` rows of `table` read at once (a batch handed over by a reading thread).
    pub(super) fn add_read(&self, table: Table, rows: u64) {
        self.counts[table.index()]
            .read
            .fetch_add(rows, Ordering::Relaxed);
    }

    /// Skips a row: a warning that names the table, the row's id and the problem (never a value), and a count.
    pub(super) fn skip(&self, table: Table, row_id: &str, problem: &Problem) {
        let row_id = loggable_id(row_id);
        tracing::warn!(table = table.name(), row_id = &*row_id, %problem, "skipping a case-database row casewatch cannot use");
        self.counts[table.index()]
            .skipped
            .fetch_add(1, Ordering::Relaxed);
    }
}

impl fmt::Display for ReadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, table) in Table::ALL.into_iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            let (read, skipped) = (self.rows_read(table), self.rows_skipped(table));
            // The optional tables only when this read touched them: most configurations never do.
            if table.is_optional() && read == 0 {
                continue;
            }
            write!(f, "{sep}{table}: {read} read, {skipped} skipped")?;
        }
        Ok(())
    }
}

/// The longest row id a log line carries whole: ids are keys, and one of a megabyte is itself a data error.
pub const LOGGED_ID_CHARS: usize = 80;

/// A row id as a log line carries it: whole when short, else its first [`LOGGED_ID_CHARS`] characters and how
/// long it was, so that a megabyte id does not make a megabyte log line.
pub fn loggable_id(id: &str) -> std::borrow::Cow<'_, str> {
    match id.char_indices().nth(LOGGED_ID_CHARS) {
        None => id.into(),
        Some((end, _)) => format!(
            "{}… (cut: {} characters in all)",
            &id[..end],
            id.chars().count()
        )
        .into(),
    }
}

/// Where a case read counts the rows it reads and reports the rows it skips: a [`ReadReport`], or a reading
/// thread's buffer that travels to one.
pub(super) trait Tally {
    fn count_read(&self, table: Table);
    fn skip(&self, table: Table, row_id: &str, problem: &Problem);
}

impl Tally for ReadReport {
    fn count_read(&self, table: Table) {
        ReadReport::count_read(self, table);
    }

    fn skip(&self, table: Table, row_id: &str, problem: &Problem) {
        ReadReport::skip(self, table, row_id, problem);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metrics_start_every_table_at_zero() {
        let names: Vec<&str> = Table::ALL.iter().map(|t| t.name()).collect();
        assert_eq!(names, crate::metrics::TABLES);
    }

    #[test]
    fn a_long_id_is_cut_and_says_so() {
        assert_eq!(loggable_id("V1"), "V1");
        let exact = "x".repeat(LOGGED_ID_CHARS);
        assert_eq!(loggable_id(&exact), exact.as_str());
        let long = "é".repeat(1_000_000);
        let logged = loggable_id(&long);
        assert_eq!(
            logged,
            format!(
                "{}… (cut: 1000000 characters in all)",
                "é".repeat(LOGGED_ID_CHARS)
            )
        );
    }
}
