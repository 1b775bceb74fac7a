//! The PostgreSQL case database: connecting, and reading the four feeds through cursors in one snapshot.

use std::collections::VecDeque;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow, PgTypeKind, PgValueRef};
use sqlx::{
    AssertSqlSafe, Connection, Decode, PgConnection, Postgres, Row, Transaction, TypeInfo, ValueRef,
};

use super::decode::{Cell, RawRow};
use super::merge::{Feed, FeedReader};
use super::{SourceError, queries};

/// Rows fetched per round trip and feed: with one case's rows, all a case read holds in memory, whatever the
/// caseload.
const FETCH_ROWS: usize = 1000;

/// How long to wait for the server to answer before saying it cannot be reached.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

pub(super) async fn connect(url: &str, redacted: &str) -> Result<PgPool, SourceError> {
    let connect_error = |cause| SourceError::Connect {
        url: redacted.to_owned(),
        cause,
    };
    let options = PgConnectOptions::from_str(url)
        .map_err(connect_error)?
        .application_name("casewatch");
    // One direct connection first: a pool retries until its timeout and then reports only "timed out",
    // where the operator needs "connection refused" or "database does not exist".
    let first = tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options)).await;
    let no_answer = || std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer within 15 s");
    let first = first
        .map_err(|_| connect_error(sqlx::Error::Io(no_answer())))?
        .map_err(connect_error)?;
    let _ = first.close().await;
    Ok(PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_lazy_with(options))
}

/// Opens the four feeds of a case read as cursors of one read-only, repeatable-read transaction: all four see
/// the same snapshot, share one connection, and are fetched in batches of [`FETCH_ROWS`].
pub(super) async fn feeds(
    pool: &PgPool,
    open_on: NaiveDate,
    url: &str,
) -> Result<PgFeeds, SourceError> {
    let read_error = |table, cause| SourceError::read(url, table, cause);
    let begin = pool
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await;
    let mut tx = begin.map_err(|cause| read_error(super::Table::Cases, cause))?;
    let date = open_on.format("%Y-%m-%d").to_string();
    for feed in Feed::ALL {
        let query = queries::feed(&queries::POSTGRES, feed);
        let declare = format!("DECLARE {} NO SCROLL CURSOR FOR {query}", cursor(feed));
        let declared = sqlx::query(AssertSqlSafe(declare))
            .bind(&date)
            .execute(&mut *tx)
            .await;
        declared.map_err(|cause| read_error(feed.table(), cause))?;
    }
    Ok(PgFeeds {
        tx,
        buffers: Default::default(),
        exhausted: [false; 4],
    })
}

fn cursor(feed: Feed) -> &'static str {
    match feed {
        Feed::Cases => "casewatch_cases",
        Feed::Visits => "casewatch_visits",
        Feed::Assessments => "casewatch_assessments",
        Feed::Decisions => "casewatch_decisions",
    }
}

pub(super) struct PgFeeds {
    tx: Transaction<'static, Postgres>,
    buffers: [VecDeque<PgRow>; 4],
    exhausted: [bool; 4],
}

impl FeedReader for PgFeeds {
    type Row = PgRow;

    async fn next_row(&mut self, feed: Feed) -> Result<Option<PgRow>, sqlx::Error> {
        let i = feed.index();
        if self.buffers[i].is_empty() && !self.exhausted[i] {
            let fetch = format!("FETCH {FETCH_ROWS} FROM {}", cursor(feed));
            let rows = sqlx::query(AssertSqlSafe(fetch))
                .fetch_all(&mut *self.tx)
                .await?;
            self.exhausted[i] = rows.len() < FETCH_ROWS;
            self.buffers[i].extend(rows);
        }
        Ok(self.buffers[i].pop_front())
    }
}

impl RawRow for PgRow {
    /// By the column's type: the canonical types decode natively, and text (a hand-made table or a view
    /// casting to text) goes through the same parsing as SQLite's.
    fn cell(&self, column: &'static str) -> Cell {
        let Ok(value) = self.try_get_raw(column) else {
            return Cell::Other("missing column".to_owned());
        };
        if value.is_null() {
            return Cell::Null;
        }
        let type_info = value.type_info().into_owned();
        let is_enum = matches!(type_info.kind(), PgTypeKind::Enum(_));
        let cell = match type_info.name() {
            "TEXT" | "VARCHAR" | "CHAR" | "NAME" | "UNKNOWN" => {
                decode::<String>(value).map(Cell::Text)
            }
            _ if is_enum => decode::<String>(value).map(Cell::Text),
            "DATE" => decode::<NaiveDate>(value).map(Cell::Date),
            "TIMESTAMPTZ" => decode::<DateTime<Utc>>(value).map(Cell::Instant),
            "TIMESTAMP" => Ok(Cell::LocalTimestamp),
            "BOOL" => decode::<bool>(value).map(Cell::Bool),
            "INT2" => decode::<i16>(value).map(|n| Cell::Int(n.into())),
            "INT4" => decode::<i32>(value).map(|n| Cell::Int(n.into())),
            "INT8" => decode::<i64>(value).map(Cell::Int),
            other => Ok(Cell::Other(other.to_owned())),
        };
        cell.unwrap_or_else(|_| Cell::Other(type_info.name().to_owned()))
    }
}

fn decode<'r, T: Decode<'r, Postgres>>(
    value: PgValueRef<'r>,
) -> Result<T, sqlx::error::BoxDynError> {
    T::decode(value)
}
