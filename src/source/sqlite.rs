//! The SQLite case database: connecting, and the case read.
//!
//! The case read does not go through sqlx: sqlx runs each query on a worker thread of its own and hands every
//! row to the async side through a channel, which at a million children cost more than SQLite's own work
//! (docs/performance.md). Instead one blocking thread opens its own connection (rusqlite, linked to the same
//! SQLite library as sqlx), steps every feed's prepared statement in one read transaction (so all feeds see one
//! snapshot), decodes each value straight from SQLite's buffer, runs the merge there, and hands over case files
//! in batches. Warnings and counts travel with each batch and are reported on the reading side. The staff list,
//! the catalogue checks and writes still use sqlx.

use super::Scope;
use std::borrow::Cow;
use std::cell::RefCell;
use std::str::FromStr;
use std::time::Duration;

use futures_util::stream::{self, BoxStream, StreamExt};
use rusqlite::OpenFlags;
use rusqlite::types::ValueRef;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteRow};
use sqlx::{ConnectOptions, Decode, Row, Sqlite, TypeInfo, ValueRef as _};
use tokio::sync::mpsc;

use super::decode::{Cell, Problem, RawRow};
use super::feed::{FEEDS, Feed};
use super::merge::{FeedReader, Merge};
use super::report::{ReadReport, Table, Tally};
use super::rows::FeedRow;
use super::{OpenMode, SourceError, queries};
use crate::model::{CaseFile, OptionalTables};

/// Connections for the staff list, the catalogue, writes and `/readyz` (the case read has its own).
const MAX_CONNECTIONS: u32 = 4;

/// How long a read waits for a writer's lock before giving up (sqlx's default, which the pool uses too).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The case read's page cache, in KiB (what SQLite gives one connection by default: 2,000).
const READ_CACHE_KIB: i64 = 16 * 1024;

/// Case files per batch handed over, and batches the reading thread may run ahead: what bounds its memory.
const BATCH_FILES: usize = 64;
const BATCHES_AHEAD: usize = 2;

/// Where the case read opens its own connection: the file sqlx opened, or its shared in-memory database.
#[derive(Clone, Debug)]
pub(super) struct ReadTarget {
    filename: String,
    in_memory: bool,
}

impl ReadTarget {
    fn open(&self) -> rusqlite::Result<rusqlite::Connection> {
        // As sqlx opens it: a URI filename, no mutex (one thread uses it); an in-memory database is sqlx's
        // shared-cache one, which only a connection of the same SQLite library in this process can see.
        let mut flags = OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        flags |= if self.in_memory {
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_MEMORY
                | OpenFlags::SQLITE_OPEN_SHARED_CACHE
        } else {
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_PRIVATE_CACHE
        };
        let connection = rusqlite::Connection::open_with_flags(&self.filename, flags)?;
        connection.busy_timeout(BUSY_TIMEOUT)?;
        // Seven scans interleaved (and each one's look-ups into cases) thrash SQLite's default 2 MB page cache.
        connection.pragma_update(None, "cache_size", -READ_CACHE_KIB)?;
        Ok(connection)
    }
}

pub(super) async fn connect(
    url: &str,
    redacted: &str,
    mode: OpenMode,
) -> Result<(SqlitePool, ReadTarget), SourceError> {
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
    let target = ReadTarget {
        filename: options.get_filename().to_string_lossy().into_owned(),
        in_memory,
    };
    let options = options
        .read_only(mode == OpenMode::ReadOnly && !in_memory)
        .create_if_missing(mode == OpenMode::CreateIfMissing)
        .log_slow_statements(log::LevelFilter::Debug, Duration::from_secs(1));
    // An in-memory database lives only while a connection holds it, so keep one open for the pool's life.
    let keep = if in_memory { 1 } else { 0 };
    let pool = SqlitePoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .min_connections(keep)
        .idle_timeout((!in_memory).then_some(Duration::from_secs(600)))
        .max_lifetime(None)
        .connect_with(options)
        .await;
    Ok((pool.map_err(connect_error)?, target))
}

/// What the reading thread hands over.
enum Batch {
    Files(Vec<CaseFile>, Notes),
    Failed(SourceError),
    End(Notes),
}

/// Rows read and skipped since the last batch, reported by the receiving side (so warnings are logged where
/// the caller polls, as on PostgreSQL).
#[derive(Default)]
struct Notes {
    read: [u64; Table::ALL.len()],
    skipped: Vec<(Table, String, Problem)>,
}

impl Notes {
    fn report_to(self, report: &ReadReport) {
        for (table, count) in Table::ALL.into_iter().zip(self.read) {
            report.add_read(table, count);
        }
        for (table, row_id, problem) in &self.skipped {
            report.skip(*table, row_id, problem);
        }
    }
}

/// The reading thread's tally, taken into each batch.
#[derive(Default)]
struct Buffered(RefCell<Notes>);

impl Tally for Buffered {
    fn count_read(&self, table: Table) {
        self.0.borrow_mut().read[table.index()] += 1;
    }

    fn skip(&self, table: Table, row_id: &str, problem: &Problem) {
        let skipped = (table, row_id.to_owned(), problem.clone());
        self.0.borrow_mut().skipped.push(skipped);
    }
}

impl Buffered {
    fn take(&self) -> Notes {
        std::mem::take(&mut self.0.borrow_mut())
    }
}

/// The case files open on `open_on`, read on a thread of their own; nothing is read until the stream is polled,
/// and dropping it stops the thread at its next batch.
pub(super) fn case_files<'a>(
    target: &ReadTarget,
    open_on: Scope,
    tables: OptionalTables,
    report: &'a ReadReport,
    url: &'a str,
) -> BoxStream<'a, Result<CaseFile, SourceError>> {
    let reader = Receiving {
        start: Some(target.clone()),
        url,
        batches: None,
        files: Vec::new().into_iter(),
        open_on,
        tables,
        report,
    };
    stream::unfold(reader, |mut reader| async move {
        let next = reader.next().await?;
        Some((next, reader))
    })
    .boxed()
}

struct Receiving<'a> {
    /// Until the first poll: where to read from.
    start: Option<ReadTarget>,
    url: &'a str,
    batches: Option<mpsc::Receiver<Batch>>,
    files: std::vec::IntoIter<CaseFile>,
    open_on: Scope,
    tables: OptionalTables,
    report: &'a ReadReport,
}

impl Receiving<'_> {
    async fn next(&mut self) -> Option<Result<CaseFile, SourceError>> {
        loop {
            if let Some(file) = self.files.next() {
                return Some(Ok(file));
            }
            if let Some(target) = self.start.take() {
                let (sender, receiver) = mpsc::channel(BATCHES_AHEAD);
                let (open_on, tables, url) = (self.open_on, self.tables, self.url.to_owned());
                let runtime = tokio::runtime::Handle::current();
                tokio::task::spawn_blocking(move || {
                    let read = read(&target, open_on, tables, &url, &sender, &runtime);
                    if let Err(error) = read {
                        let _ = sender.blocking_send(Batch::Failed(error));
                    }
                });
                self.batches = Some(receiver);
            }
            match self.batches.as_mut()?.recv().await {
                Some(Batch::Files(files, notes)) => {
                    notes.report_to(self.report);
                    self.files = files.into_iter();
                }
                Some(Batch::End(notes)) => {
                    notes.report_to(self.report);
                    self.batches = None;
                }
                Some(Batch::Failed(error)) => {
                    self.batches = None;
                    return Some(Err(error));
                }
                // The thread ended without saying the read ended: never take that for the end of the rows.
                None => {
                    self.batches = None;
                    let cause = "the case read stopped unexpectedly";
                    return Some(Err(SourceError::read(self.url, Table::Cases, cause)));
                }
            }
        }
    }
}

/// The whole case read, on the reading thread: every feed's statement stepped in one read transaction, merged,
/// and sent in batches. Returns early, without error, when the receiving side has gone.
fn read(
    target: &ReadTarget,
    open_on: Scope,
    tables: OptionalTables,
    url: &str,
    sender: &mpsc::Sender<Batch>,
    runtime: &tokio::runtime::Handle,
) -> Result<(), SourceError> {
    let read_error = |table| move |cause| SourceError::read(url, table, cause);
    let connection = target.open().map_err(read_error(Table::Cases))?;
    // Deferred: the first step takes the read lock, and every later statement reads the same snapshot.
    let begin = connection.execute_batch("BEGIN");
    begin.map_err(read_error(Table::Cases))?;
    let feeds = Feed::read(tables);
    let mut statements = Vec::with_capacity(feeds.len());
    for &feed in &feeds {
        let sql = queries::feed(&queries::SQLITE, feed);
        let statement = connection.prepare(&sql).map_err(read_error(feed.table()))?;
        statements.push((feed, statement));
    }
    let (date, closed_after) = open_on.params();
    let mut rows: [Option<Stepping<'_>>; FEEDS] = Default::default();
    for (feed, statement) in &mut statements {
        let columns = queries::selected(*feed);
        let stepped = statement
            .query([&date, &closed_after])
            .map_err(read_error(feed.table()))?;
        rows[feed.index()] = Some(Stepping {
            feed: *feed,
            rows: stepped,
            columns,
        });
    }
    let tally = Buffered::default();
    let mut merge = Merge::new(SqliteFeeds { rows }, open_on, &tally, url);
    runtime.block_on(async {
        let mut files = Vec::with_capacity(BATCH_FILES);
        while let Some(file) = merge.next_case_file().await? {
            files.push(file);
            if files.len() == BATCH_FILES {
                let batch = Batch::Files(std::mem::take(&mut files), tally.take());
                if sender.send(batch).await.is_err() {
                    return Ok(()); // the caller stopped reading
                }
            }
        }
        let _ = sender.send(Batch::Files(files, tally.take())).await;
        let _ = sender.send(Batch::End(Notes::default())).await;
        Ok(())
    })
}

/// One feed's statement being stepped, with the names of the columns it selects, in order.
struct Stepping<'s> {
    feed: Feed,
    rows: rusqlite::Rows<'s>,
    columns: Vec<&'static str>,
}

struct SqliteFeeds<'s> {
    rows: [Option<Stepping<'s>>; FEEDS],
}

impl FeedReader for SqliteFeeds<'_> {
    type Error = rusqlite::Error;

    async fn next_row(&mut self, feed: Feed) -> Result<Option<FeedRow>, rusqlite::Error> {
        let Some(stepping) = &mut self.rows[feed.index()] else {
            return Ok(None);
        };
        let columns = &stepping.columns;
        let row = stepping.rows.next()?;
        Ok(row.map(|row| {
            let row = Stepped {
                row,
                columns,
                next: std::cell::Cell::new(0),
            };
            FeedRow::decode(stepping.feed, &row)
        }))
    }
}

/// The current row of a statement: values are read in place, by the storage class SQLite holds them in.
struct Stepped<'r, 's> {
    row: &'r rusqlite::Row<'s>,
    columns: &'r [&'static str],
    /// Where the next column asked for probably is: the decoders ask in select-list order.
    next: std::cell::Cell<usize>,
}

impl Stepped<'_, '_> {
    fn index(&self, column: &str) -> Option<usize> {
        let (n, start) = (self.columns.len(), self.next.get());
        let index = (0..n)
            .map(|k| (start + k) % n)
            .find(|&i| self.columns[i] == column)?;
        self.next.set(index + 1);
        Some(index)
    }
}

impl RawRow for Stepped<'_, '_> {
    fn cell(&self, column: &'static str) -> Cell<'_> {
        let Some(index) = self.index(column) else {
            return Cell::Other("missing column".to_owned());
        };
        match self.row.get_ref(index) {
            Ok(ValueRef::Null) => Cell::Null,
            Ok(ValueRef::Integer(n)) => Cell::Int(n),
            Ok(ValueRef::Text(bytes)) => match std::str::from_utf8(bytes) {
                Ok(text) => Cell::Text(Cow::Borrowed(text)),
                Err(_) => Cell::Other("text that is not UTF-8".to_owned()),
            },
            Ok(ValueRef::Real(_)) => Cell::Other("REAL".to_owned()),
            Ok(ValueRef::Blob(_)) => Cell::Other("BLOB".to_owned()),
            Err(_) => Cell::Other("missing column".to_owned()),
        }
    }
}

impl RawRow for SqliteRow {
    /// By the value's storage class, not the column's declared type: views and other people's tables declare
    /// anything (or nothing), and SQLite stores what it was given.
    fn cell(&self, column: &'static str) -> Cell<'_> {
        let Ok(value) = self.try_get_raw(column) else {
            return Cell::Other("missing column".to_owned());
        };
        if value.is_null() {
            return Cell::Null;
        }
        let storage_class = value.type_info().name().to_owned();
        match storage_class.as_str() {
            "INTEGER" => <i64 as Decode<Sqlite>>::decode(value)
                .map_or_else(|_| Cell::Other(storage_class), Cell::Int),
            // The same words as the reading thread's (above): TEXT that fails to decode is not UTF-8.
            "TEXT" => <&str as Decode<Sqlite>>::decode(value).map_or_else(
                |_| Cell::Other("text that is not UTF-8".to_owned()),
                |t| Cell::Text(Cow::Borrowed(t)),
            ),
            _ => Cell::Other(storage_class),
        }
    }
}
