//! Writing rows of the canonical case schema, for the demo, the data generator and tests (the daemon never
//! writes the case database).
//!
//! Built for volume: one transaction per call; on SQLite, multi-row `INSERT`s; on PostgreSQL, one
//! `COPY … FROM STDIN`, streamed in blocks.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sqlx::{PgPool, QueryBuilder, Sqlite, SqlitePool};

use crate::model::{Assessment, Case, CaseEvent, Child, Decision, Meeting, Record, Staff, Visit};

use super::{Backend, CaseSource, SourceError, Table, queries};

/// SQLite's default limit on bound parameters per statement (`SQLITE_MAX_VARIABLE_NUMBER`, 32766 since 3.32).
const SQLITE_MAX_PARAMETERS: usize = 32766;
/// Rows per `INSERT`: past a few hundred, longer statements stop paying for themselves.
const SQLITE_ROWS_PER_INSERT: usize = 500;
/// Bytes of `COPY` data sent to PostgreSQL at a time.
const COPY_BLOCK_BYTES: usize = 1 << 20;

/// Writes rows into a [`CaseSource`] opened with a writable [`super::OpenMode`].
pub struct CaseLoader<'a> {
    source: &'a CaseSource,
}

/// A value of one column, as the loader writes it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    Null,
    Text(&'a str),
    Int(i64),
    Bool(bool),
    Date(NaiveDate),
    Instant(DateTime<Utc>),
}

/// A row of a table of the canonical schema: its values in the order of the table's columns. (Not to be confused
/// with [`crate::model::Record`], a row of the `records` table.)
pub trait TableRow: Sync {
    const TABLE: Table;
    fn values(&self) -> Vec<Value<'_>>;
}

impl<'a> CaseLoader<'a> {
    pub(super) fn new(source: &'a CaseSource) -> Self {
        Self { source }
    }

    /// Inserts `rows` in one transaction. Rows may refer to each other in any order within one call (staff to
    /// their managers); rows of other tables they refer to must be loaded first.
    pub async fn insert<R: TableRow>(&self, rows: &[R]) -> Result<(), SourceError> {
        if rows.is_empty() {
            return Ok(());
        }
        let written = match &self.source.backend {
            Backend::Sqlite(pool) => insert_sqlite(pool, rows).await,
            Backend::Postgres(pool) => copy_postgres(pool, rows).await,
        };
        written.map_err(|cause| SourceError::Write {
            url: self.source.url.clone(),
            table: R::TABLE,
            cause,
        })
    }
}

async fn insert_sqlite<R: TableRow>(pool: &SqlitePool, rows: &[R]) -> Result<(), sqlx::Error> {
    let columns = queries::columns(R::TABLE);
    let per_insert = SQLITE_ROWS_PER_INSERT.min(SQLITE_MAX_PARAMETERS / columns.len());
    let mut tx = pool.begin().await?;
    // Checked at commit instead of per statement, so a chunk may name rows of a later chunk.
    sqlx::query("PRAGMA defer_foreign_keys = ON")
        .execute(&mut *tx)
        .await?;
    let insert = format!("INSERT INTO {} ({}) ", R::TABLE, columns.join(", "));
    for chunk in rows.chunks(per_insert) {
        let mut builder = QueryBuilder::<Sqlite>::new(&insert);
        builder.push_values(chunk, |mut tuple, row| {
            for value in row.values() {
                match value {
                    Value::Null => tuple.push_bind(None::<String>),
                    Value::Text(text) => tuple.push_bind(text),
                    Value::Int(number) => tuple.push_bind(number),
                    Value::Bool(flag) => tuple.push_bind(i64::from(flag)),
                    Value::Date(date) => tuple.push_bind(date.format("%Y-%m-%d").to_string()),
                    Value::Instant(instant) => tuple.push_bind(rfc3339_z(instant)),
                };
            }
        });
        builder.build().execute(&mut *tx).await?;
    }
    tx.commit().await
}

async fn copy_postgres<R: TableRow>(pool: &PgPool, rows: &[R]) -> Result<(), sqlx::Error> {
    let columns = queries::columns(R::TABLE).join(", ");
    let mut tx = pool.begin().await?;
    let mut copy = tx
        .copy_in_raw(&format!("COPY {} ({columns}) FROM STDIN", R::TABLE))
        .await?;
    let mut block = Vec::with_capacity(COPY_BLOCK_BYTES + 4096);
    for row in rows {
        push_copy_line(&mut block, &row.values());
        if block.len() >= COPY_BLOCK_BYTES
            && let Err(error) = copy.send(std::mem::take(&mut block)).await
        {
            // Ends COPY mode, or the connection would go back to the pool unusable.
            let _ = copy.abort("casewatch loader failed").await;
            return Err(error);
        }
    }
    copy.send(block).await?;
    copy.finish().await?;
    tx.commit().await
}

/// One line of `COPY` text format: tab-separated, `\N` for NULL, backslash escapes.
fn push_copy_line(out: &mut Vec<u8>, values: &[Value<'_>]) {
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        match value {
            Value::Null => out.extend_from_slice(b"\\N"),
            Value::Text(text) => {
                for byte in text.bytes() {
                    match byte {
                        b'\\' => out.extend_from_slice(b"\\\\"),
                        b'\t' => out.extend_from_slice(b"\\t"),
                        b'\n' => out.extend_from_slice(b"\\n"),
                        b'\r' => out.extend_from_slice(b"\\r"),
                        other => out.push(other),
                    }
                }
            }
            Value::Int(number) => out.extend_from_slice(number.to_string().as_bytes()),
            Value::Bool(flag) => out.push(if *flag { b't' } else { b'f' }),
            Value::Date(date) => {
                out.extend_from_slice(date.format("%Y-%m-%d").to_string().as_bytes())
            }
            Value::Instant(instant) => out.extend_from_slice(rfc3339_z(*instant).as_bytes()),
        }
    }
    out.push(b'\n');
}

/// SPEC section 2: SQLite timestamps are ISO-8601 text with `Z`.
fn rfc3339_z(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn text(value: &str) -> Value<'_> {
    Value::Text(value)
}

fn opt_text<T: AsRef<str>>(value: &Option<T>) -> Value<'_> {
    value
        .as_ref()
        .map_or(Value::Null, |v| Value::Text(v.as_ref()))
}

fn opt_date(value: Option<NaiveDate>) -> Value<'static> {
    value.map_or(Value::Null, Value::Date)
}

fn opt_instant(value: Option<DateTime<Utc>>) -> Value<'static> {
    value.map_or(Value::Null, Value::Instant)
}

impl TableRow for Staff {
    const TABLE: Table = Table::Staff;
    fn values(&self) -> Vec<Value<'_>> {
        vec![
            text(self.id.as_str()),
            text(&self.display_name),
            opt_text(&self.email),
            text(&self.role),
            opt_text(&self.team),
            opt_text(&self.manager_id),
            opt_text(&self.cover_id),
            opt_date(self.absent_from),
            opt_date(self.absent_until),
            Value::Bool(self.active),
        ]
    }
}

impl TableRow for Child {
    const TABLE: Table = Table::Children;
    fn values(&self) -> Vec<Value<'_>> {
        let (given, family) = (opt_text(&self.given_name), opt_text(&self.family_name));
        vec![
            text(self.id.as_str()),
            text(&self.display_ref),
            given,
            family,
            opt_date(self.date_of_birth),
        ]
    }
}

impl TableRow for Case {
    const TABLE: Table = Table::Cases;
    fn values(&self) -> Vec<Value<'_>> {
        vec![
            text(self.id.as_str()),
            text(self.child_id.as_str()),
            text(&self.case_type),
            opt_text(&self.allocated_worker_id),
            Value::Date(self.opened_on),
            opt_date(self.closed_on),
            self.care_leaver_category
                .map_or(Value::Null, |category| Value::Text(category.as_str())),
        ]
    }
}

impl TableRow for Visit {
    const TABLE: Table = Table::Visits;
    fn values(&self) -> Vec<Value<'_>> {
        vec![
            text(&self.id),
            text(self.case_id.as_str()),
            text(self.visit_type.as_str()),
            Value::Instant(self.visit_at),
            Value::Bool(self.child_seen),
            opt_text(&self.worker_id),
            opt_instant(self.note_created_at),
            opt_instant(self.note_finalised_at),
            opt_instant(self.manager_comment_at),
            Value::Bool(self.ssda903_recorded),
        ]
    }
}

impl TableRow for Assessment {
    const TABLE: Table = Table::Assessments;
    fn values(&self) -> Vec<Value<'_>> {
        vec![
            text(&self.id),
            text(self.case_id.as_str()),
            Value::Date(self.started_on),
            opt_date(self.referral_on),
            Value::Int(self.priority_working_days.into()),
            opt_instant(self.priority_set_at),
            opt_date(self.completed_on),
            opt_text(&self.worker_id),
        ]
    }
}

impl TableRow for Decision {
    const TABLE: Table = Table::ManagementDecisions;
    fn values(&self) -> Vec<Value<'_>> {
        let manager = opt_text(&self.manager_id);
        vec![
            text(&self.id),
            text(self.case_id.as_str()),
            Value::Instant(self.decided_at),
            manager,
            text(&self.kind),
        ]
    }
}

impl TableRow for CaseEvent {
    const TABLE: Table = Table::CaseEvents;
    fn values(&self) -> Vec<Value<'_>> {
        vec![
            text(&self.id),
            text(self.case_id.as_str()),
            text(&self.kind),
            Value::Instant(self.occurred_at),
            opt_text(&self.staff_id),
            opt_text(&self.detail),
        ]
    }
}

impl TableRow for Meeting {
    const TABLE: Table = Table::Meetings;
    fn values(&self) -> Vec<Value<'_>> {
        vec![
            text(&self.id),
            text(self.case_id.as_str()),
            text(&self.kind),
            opt_instant(self.scheduled_at),
            opt_instant(self.held_at),
            Value::Bool(self.cancelled),
            opt_text(&self.chair_id),
        ]
    }
}

impl TableRow for Record {
    const TABLE: Table = Table::Records;
    fn values(&self) -> Vec<Value<'_>> {
        vec![
            text(&self.id),
            text(self.case_id.as_str()),
            text(&self.kind),
            opt_instant(self.about_at),
            opt_instant(self.completed_at),
            opt_instant(self.authorised_at),
            opt_text(&self.staff_id),
            opt_text(&self.meeting_id),
            opt_text(&self.event_id),
        ]
    }
}
