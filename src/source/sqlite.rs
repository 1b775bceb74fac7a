//! The SQLite case database: connecting, and reading values by the type they are stored with.

use std::str::FromStr;

use chrono::NaiveDate;
use futures_util::TryStreamExt;
use futures_util::stream::BoxStream;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteRow};
use sqlx::{AssertSqlSafe, ConnectOptions, Decode, Row, Sqlite, TypeInfo, ValueRef};

use super::decode::{Cell, RawRow};
use super::merge::{FEEDS, Feed, FeedReader};
use super::{OpenMode, SourceError, queries};
use crate::model::OptionalTables;

/// The merge reads up to seven feeds at once, each on its own connection; one more for anything else.
const MAX_CONNECTIONS: u32 = 8;

pub(super) async fn connect(
    url: &str,
    redacted: &str,
    mode: OpenMode,
) -> Result<SqlitePool, SourceError> {
    let connect_error = |cause| SourceError::Connect {
        url: redacted.to_owned(),
        cause,
    };
    let options = SqliteConnectOptions::from_str(url).map_err(connect_error)?;
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    if !in_memory && mode != OpenMode::CreateIfMissing && !options.get_filename().exists() {
        // SQLite's own message ("unable to open database file") does not say which file or why.
        return Err(SourceError::Missing {
            url: redacted.to_owned(),
        });
    }
    let options = options
        .read_only(mode == OpenMode::ReadOnly && !in_memory)
        .create_if_missing(mode == OpenMode::CreateIfMissing)
        // Rows a query's worker thread may run ahead by (sqlx's default, 50, hands over far more often).
        .row_buffer_size(1000)
        // A case read streams for as long as the caseload takes; that is not a slow statement worth a warning.
        .log_slow_statements(log::LevelFilter::Debug, std::time::Duration::from_secs(1));
    // An in-memory database lives only while a connection holds it, so keep one open for the pool's life.
    let keep = if in_memory { 1 } else { 0 };
    let pool = SqlitePoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .min_connections(keep)
        .idle_timeout((!in_memory).then_some(std::time::Duration::from_secs(600)))
        .max_lifetime(None)
        .connect_with(options)
        .await;
    pool.map_err(connect_error)
}

/// The feeds of a case read (the four of SPEC section 2 and the optional `tables`), one streaming query each.
///
/// They run on separate connections, so a writer committing between their first steps could make them
/// disagree; the merge then reports the odd rows as skipped rather than mis-assigning them.
pub(super) fn feeds(
    pool: &SqlitePool,
    open_on: NaiveDate,
    tables: OptionalTables,
) -> SqliteFeeds<'_> {
    let date = open_on.format("%Y-%m-%d").to_string();
    let mut streams: [Option<BoxStream<'_, _>>; FEEDS] = Default::default();
    for feed in Feed::read(tables) {
        let query = sqlx::query(AssertSqlSafe(queries::feed(&queries::SQLITE, feed)));
        streams[feed.index()] = Some(query.bind(date.clone()).fetch(pool));
    }
    SqliteFeeds { streams }
}

pub(super) struct SqliteFeeds<'a> {
    streams: [Option<BoxStream<'a, Result<SqliteRow, sqlx::Error>>>; FEEDS],
}

impl FeedReader for SqliteFeeds<'_> {
    type Row = SqliteRow;

    async fn next_row(&mut self, feed: Feed) -> Result<Option<SqliteRow>, sqlx::Error> {
        match &mut self.streams[feed.index()] {
            Some(stream) => stream.try_next().await,
            None => Ok(None),
        }
    }
}

impl RawRow for SqliteRow {
    /// By the value's storage class, not the column's declared type: views and other people's tables declare
    /// anything (or nothing), and SQLite stores what it was given.
    fn cell(&self, column: &'static str) -> Cell {
        let Ok(value) = self.try_get_raw(column) else {
            return Cell::Other("missing column".to_owned());
        };
        if value.is_null() {
            return Cell::Null;
        }
        let storage_class = value.type_info().name().to_owned();
        let cell = match storage_class.as_str() {
            "INTEGER" => <i64 as Decode<Sqlite>>::decode(value).map(Cell::Int),
            "TEXT" => <String as Decode<Sqlite>>::decode(value).map(Cell::Text),
            _ => Ok(Cell::Other(storage_class.clone())),
        };
        cell.unwrap_or(Cell::Other(storage_class))
    }
}
