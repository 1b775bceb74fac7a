//! The PostgreSQL case database: connecting, and reading a case read's feeds in one snapshot.

use super::Scope;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::ops::Range;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;
use sqlx::postgres::{PgColumn, PgConnectOptions, PgPool, PgPoolOptions, PgRow, PgValueRef};
use sqlx::{
    AssertSqlSafe, Column, ConnectOptions, Connection, Decode, Executor, PgConnection, Postgres,
    Row, SqlSafeStr, Statement, Transaction, TypeInfo, ValueRef,
};
use tokio::sync::{mpsc, oneshot};
use tokio_util::task::AbortOnDropHandle;

use super::decode::{Cell, RawRow};
use super::feed::{FEEDS, Feed};
use super::merge::FeedReader;
use super::pgcopy::{self, CopyParser, Kind};
use super::rows::FeedRow;
use super::{SourceError, queries};
use crate::model::OptionalTables;

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
        .application_name("casewatch")
        // A case read streams for as long as the caseload takes; that is not a slow statement worth a warning.
        .log_slow_statements(log::LevelFilter::Debug, Duration::from_secs(1));
    // One direct connection first: a pool retries until its timeout and then reports only "timed out",
    // where the operator needs "connection refused" or "database does not exist".
    let first = tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options)).await;
    let no_answer = || std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer within 15 s");
    let first = first
        .map_err(|_| connect_error(sqlx::Error::Io(no_answer())))?
        .map_err(connect_error)?;
    let _ = first.close().await;
    Ok(PgPoolOptions::new()
        // Up to seven for a case read's feeds (four, and the three optional tables when rules need them), and
        // room for `/readyz` and the staff list meanwhile.
        .max_connections(9)
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_lazy_with(options))
}

/// Opens the feeds of a case read (the four of SPEC section 2 and the optional `tables`), all in one
/// repeatable-read snapshot.
///
/// The fast way is one connection per feed, all sharing a snapshot exported by the first (`pg_export_snapshot`, as
/// `pg_dump --jobs` does), each streaming its query while the merge consumes: the server produces rows while
/// casewatch evaluates. Where a snapshot cannot be shared (a transaction-pooling proxy, a server that refuses
/// it), the feeds are read through cursors on one connection instead, in batches of [`FETCH_ROWS`].
pub(super) async fn feeds(
    pool: &PgPool,
    open_on: Scope,
    tables: OptionalTables,
    url: &str,
) -> Result<PgFeeds, SourceError> {
    let date = open_on.params();
    let feeds = Feed::read(tables);
    match streams(pool, &date, &feeds).await {
        Ok(streams) => return Ok(PgFeeds::Streams(streams)),
        Err(cause) => {
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                tracing::warn!(
                    "case database {url}: cannot share a snapshot between connections ({cause}); \
                     reading through cursors on one connection, which is slower"
                );
            });
        }
    }
    cursors(pool, &date, &feeds, url)
        .await
        .map(PgFeeds::Cursors)
}

pub(super) enum PgFeeds {
    Streams(StreamFeeds),
    Cursors(CursorFeeds),
}

impl FeedReader for PgFeeds {
    type Error = sqlx::Error;

    async fn next_row(&mut self, feed: Feed) -> Result<Option<FeedRow>, sqlx::Error> {
        match self {
            PgFeeds::Streams(streams) => streams.next_row(feed).await,
            PgFeeds::Cursors(cursors) => cursors.next_row(feed).await,
        }
    }
}

const SNAPSHOT_READ: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

/// Rows a feed's task hands to the merge at a time, decoded (the tasks decode in parallel with the merge).
const BATCH_ROWS: usize = 512;
/// Batches a feed's task may read ahead of the merge: with [`BATCH_ROWS`], what bounds memory per feed.
const BATCHES_AHEAD: usize = 4;

enum Batch {
    Rows(Vec<FeedRow>),
    Error(sqlx::Error),
    End,
}

/// Streaming queries in one exported snapshot, each read by its own task into a bounded channel.
pub(super) struct StreamFeeds {
    /// `None` for a feed this read does not open.
    batches: [Option<mpsc::Receiver<Batch>>; FEEDS],
    current: [std::vec::IntoIter<FeedRow>; FEEDS],
    ended: [bool; FEEDS],
    /// Dropping the feeds (the read ended early) stops the tasks and rolls their transactions back.
    _tasks: Vec<AbortOnDropHandle<()>>,
}

async fn streams(
    pool: &PgPool,
    date: &(String, String),
    feeds: &[Feed],
) -> Result<StreamFeeds, sqlx::Error> {
    let mut exporter = pool.begin_with(SNAPSHOT_READ).await?;
    let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
        .fetch_one(&mut *exporter)
        .await?;
    // SET TRANSACTION SNAPSHOT takes no parameters; the id is the server's own, and checked to be plain.
    if !snapshot.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(sqlx::Error::Protocol(format!(
            "unexpected snapshot id {snapshot:?}"
        )));
    }
    let mut transactions = vec![exporter];
    for _ in 1..feeds.len() {
        let mut importer = pool.begin_with(SNAPSHOT_READ).await?;
        sqlx::query(AssertSqlSafe(format!(
            "SET TRANSACTION SNAPSHOT '{snapshot}'"
        )))
        .execute(&mut *importer)
        .await?;
        transactions.push(importer);
    }
    let mut tasks = Vec::new();
    let mut batches: [Option<mpsc::Receiver<Batch>>; FEEDS] = Default::default();
    let mut in_turn: Vec<_> = feeds.iter().copied().zip(transactions).collect();
    in_turn.sort_by_key(|(feed, _)| start_order(*feed));
    let mut after: Option<oneshot::Receiver<()>> = None;
    for (feed, transaction) in in_turn {
        let (sender, receiver) = mpsc::channel(BATCHES_AHEAD);
        let (started, next) = oneshot::channel();
        let turn = Turn {
            after: after.replace(next),
            started,
        };
        let date = date.clone();
        let task = tokio::spawn(stream_feed(transaction, feed, date, turn, sender));
        tasks.push(AbortOnDropHandle::new(task));
        batches[feed.index()] = Some(receiver);
    }
    Ok(StreamFeeds {
        batches,
        current: Default::default(),
        ended: [false; FEEDS],
        _tasks: tasks,
    })
}

/// Streams one feed's rows into `sender` in batches, then says it ended (or why it stopped).
async fn stream_feed(
    mut transaction: Transaction<'static, Postgres>,
    feed: Feed,
    (date, closed_after): (String, String),
    turn: Turn,
    sender: mpsc::Sender<Batch>,
) {
    let query = queries::feed_with_dates(&queries::POSTGRES, feed, (&date, &closed_after));
    let end = match copy_feed(&mut transaction, feed, query, turn, &sender).await {
        Ok(Sent::All) => Batch::End,
        Ok(Sent::Stopped) => return, // the merge stopped reading
        Err(cause) => Batch::Error(cause),
    };
    let _ = sender.send(end).await;
}

enum Sent {
    All,
    Stopped,
}

/// When a feed's query may start: after the feed before it in [`start_order`] has started (or failed).
///
/// A feed ordered by `case_id` is usually sorted by the server before its first row, and the merge needs every
/// feed's first row before it can do anything. Started all at once, the queries share out the server's parallel
/// workers first come, first served: measured at a million children, the visits feed — the largest sort — got
/// none and sorted alone on one core for ten seconds while the rest of the machine waited. Started in turn,
/// largest first, each gets the workers while the merge waits anyway.
struct Turn {
    /// `None` for the first; a sender dropped without a word (its feed failed) also lets this one go.
    after: Option<oneshot::Receiver<()>>,
    started: oneshot::Sender<()>,
}

/// The order feeds start in: the tables that are usually the largest sorts first.
fn start_order(feed: Feed) -> u8 {
    match feed {
        Feed::Visits => 0,
        Feed::Records => 1,
        Feed::Meetings => 2,
        Feed::Events => 3,
        Feed::Decisions => 4,
        Feed::Assessments => 5,
        Feed::Cases => 6,
    }
}

/// Reads a feed as binary `COPY` (see [`pgcopy`]), its columns found from the query's own description.
async fn copy_feed(
    connection: &mut PgConnection,
    feed: Feed,
    query: String,
    turn: Turn,
    sender: &mpsc::Sender<Batch>,
) -> Result<Sent, sqlx::Error> {
    let copy = format!("COPY ({query}) TO STDOUT (FORMAT binary)");
    let statement = (&mut *connection)
        .prepare(AssertSqlSafe(query).into_sql_str())
        .await?;
    let columns = Columns::default();
    let malformed = |e: pgcopy::CopyError| sqlx::Error::Protocol(e.to_string());
    let mut parser = CopyParser::default();
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    if let Some(after) = turn.after {
        let _ = after.await;
    }
    // The server answers a COPY once its plan is running (after a sort, with the first rows): the next may start.
    let data = connection.copy_out_raw(&copy).await;
    let _ = turn.started.send(());
    let mut data = data?;
    while let Some(message) = data.try_next().await? {
        let parsed = parser.push(&message, |bytes, fields| {
            let row = CopyRow {
                bytes,
                fields,
                described: statement.columns(),
            };
            batch.push(FeedRow::decode(feed, &columns.row(&row)));
        });
        parsed.map_err(malformed)?;
        if batch.len() >= BATCH_ROWS {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
            if sender.send(Batch::Rows(full)).await.is_err() {
                return Ok(Sent::Stopped);
            }
        }
    }
    parser.finish().map_err(malformed)?;
    if !batch.is_empty() && sender.send(Batch::Rows(batch)).await.is_err() {
        return Ok(Sent::Stopped);
    }
    Ok(Sent::All)
}

/// A row of a binary `COPY`: its fields' bytes, by position.
struct CopyRow<'r> {
    bytes: &'r [u8],
    fields: &'r [Option<Range<usize>>],
    /// The query's columns, as its description gave them.
    described: &'r [PgColumn],
}

impl Positional for CopyRow<'_> {
    fn find(&self, column: &str) -> Option<Found> {
        let mut described = self.described.iter();
        let column = described.find(|c| c.name() == column)?;
        Some((column.ordinal(), Kind::of(column.type_info())))
    }

    fn cell_at(&self, ordinal: usize, kind: Kind) -> Cell<'_> {
        match self.fields.get(ordinal) {
            None => Cell::Other("missing column".to_owned()),
            Some(None) => Cell::Null,
            Some(Some(range)) => {
                let type_name = self.described[ordinal].type_info().name();
                pgcopy::cell(&self.bytes[range.clone()], kind, type_name)
            }
        }
    }
}

impl FeedReader for StreamFeeds {
    type Error = sqlx::Error;

    async fn next_row(&mut self, feed: Feed) -> Result<Option<FeedRow>, sqlx::Error> {
        let i = feed.index();
        loop {
            if let Some(row) = self.current[i].next() {
                return Ok(Some(row));
            }
            let Some(batches) = self.batches[i].as_mut().filter(|_| !self.ended[i]) else {
                return Ok(None);
            };
            match batches.recv().await {
                Some(Batch::Rows(rows)) => self.current[i] = rows.into_iter(),
                Some(Batch::End) => self.ended[i] = true,
                Some(Batch::Error(cause)) => return Err(cause),
                // The task ended without saying the feed ended: never take that for the end of the rows.
                None => return Err(sqlx::Error::WorkerCrashed),
            }
        }
    }
}

/// The fallback: the feeds as cursors of one read-only, repeatable-read transaction on one connection.
async fn cursors(
    pool: &PgPool,
    (date, closed_after): &(String, String),
    feeds: &[Feed],
    url: &str,
) -> Result<CursorFeeds, SourceError> {
    let read_error = |table, cause| SourceError::read(url, table, cause);
    let begin = pool.begin_with(SNAPSHOT_READ).await;
    let mut tx = begin.map_err(|cause| read_error(super::Table::Cases, cause))?;
    // A feed without a cursor reads as already exhausted.
    let mut exhausted = [true; FEEDS];
    for &feed in feeds {
        exhausted[feed.index()] = false;
        let query = queries::feed(&queries::POSTGRES, feed);
        let declare = format!("DECLARE {} NO SCROLL CURSOR FOR {query}", cursor(feed));
        let declared = sqlx::query(AssertSqlSafe(declare))
            .bind(date)
            .bind(closed_after)
            .execute(&mut *tx)
            .await;
        declared.map_err(|cause| read_error(feed.table(), cause))?;
    }
    Ok(CursorFeeds {
        tx,
        buffers: Default::default(),
        exhausted,
        columns: Default::default(),
    })
}

fn cursor(feed: Feed) -> &'static str {
    match feed {
        Feed::Cases => "casewatch_cases",
        Feed::Visits => "casewatch_visits",
        Feed::Assessments => "casewatch_assessments",
        Feed::Decisions => "casewatch_decisions",
        Feed::Events => "casewatch_events",
        Feed::Meetings => "casewatch_meetings",
        Feed::Records => "casewatch_records",
    }
}

pub(super) struct CursorFeeds {
    tx: Transaction<'static, Postgres>,
    buffers: [VecDeque<PgRow>; FEEDS],
    exhausted: [bool; FEEDS],
    columns: Box<[Columns; FEEDS]>,
}

impl FeedReader for CursorFeeds {
    type Error = sqlx::Error;

    async fn next_row(&mut self, feed: Feed) -> Result<Option<FeedRow>, sqlx::Error> {
        let i = feed.index();
        if self.buffers[i].is_empty() && !self.exhausted[i] {
            let fetch = format!("FETCH {FETCH_ROWS} FROM {}", cursor(feed));
            let rows = sqlx::query(AssertSqlSafe(fetch))
                .fetch_all(&mut *self.tx)
                .await?;
            self.exhausted[i] = rows.len() < FETCH_ROWS;
            self.buffers[i].extend(rows);
        }
        let columns = &self.columns[i];
        Ok(self.buffers[i]
            .pop_front()
            .map(|row| FeedRow::decode(feed, &columns.row(&row))))
    }
}

/// Where a feed's columns are in its rows, and how each decodes. Every row of a feed is asked for the same columns
/// in the same order, so after the first row a look-up is one pointer comparison, instead of hashing the column's
/// name and matching its type's name (together a sixth of the PostgreSQL read's time in `perf`).
#[derive(Default)]
struct Columns {
    /// Each column asked for, in the order asked, with its position and type (`None`: no such column).
    order: std::cell::RefCell<Vec<(&'static str, Option<Found>)>>,
    /// Where the next look-up of the current row is expected in `order`.
    next: std::cell::Cell<usize>,
}

impl Columns {
    /// `row` with its columns found through this map, starting a row.
    fn row<'r, R: Positional>(&'r self, row: &'r R) -> Positioned<'r, R> {
        self.next.set(0);
        Positioned { row, columns: self }
    }

    fn position(&self, row: &impl Positional, column: &'static str) -> Option<Found> {
        let mut order = self.order.borrow_mut();
        let expected = self.next.get();
        let found = match order.get(expected) {
            Some(&(name, position)) if std::ptr::eq(name, column) => Some((expected, position)),
            _ => order
                .iter()
                .position(|(name, _)| *name == column)
                .map(|i| (i, order[i].1)),
        };
        let (at, position) = found.unwrap_or_else(|| {
            let position = row.find(column);
            order.push((column, position));
            (order.len() - 1, position)
        });
        self.next.set(at + 1);
        position
    }
}

/// A column's position in the row, and how it decodes.
type Found = (usize, Kind);

/// A row whose cells can be found by position, once a column's position is known.
trait Positional {
    /// Where `column` is and how it decodes (`None`: no such column); asked once per feed and column.
    fn find(&self, column: &str) -> Option<Found>;
    fn cell_at(&self, ordinal: usize, kind: Kind) -> Cell<'_>;
}

impl Positional for PgRow {
    fn find(&self, column: &str) -> Option<Found> {
        let column = self.try_column(column).ok()?;
        Some((column.ordinal(), Kind::of(column.type_info())))
    }

    fn cell_at(&self, ordinal: usize, kind: Kind) -> Cell<'_> {
        cell_at(self, ordinal, kind)
    }
}

/// A row of a feed, its columns found through the feed's [`Columns`].
struct Positioned<'r, R> {
    row: &'r R,
    columns: &'r Columns,
}

impl<R: Positional> RawRow for Positioned<'_, R> {
    fn cell(&self, column: &'static str) -> Cell<'_> {
        match self.columns.position(self.row, column) {
            Some((ordinal, kind)) => self.row.cell_at(ordinal, kind),
            None => Cell::Other("missing column".to_owned()),
        }
    }
}

/// For the staff list, read once a pass: columns found by name.
impl RawRow for PgRow {
    fn cell(&self, column: &'static str) -> Cell<'_> {
        match self.try_column(column) {
            Ok(column) => cell_at(self, column.ordinal(), Kind::of(column.type_info())),
            Err(_) => Cell::Other("missing column".to_owned()),
        }
    }
}

/// A cell, decoded as its column's kind says; the value is borrowed from the row.
fn cell_at(row: &PgRow, ordinal: usize, kind: Kind) -> Cell<'_> {
    let Ok(value) = row.try_get_raw(ordinal) else {
        return Cell::Other("missing column".to_owned());
    };
    if value.is_null() {
        return Cell::Null;
    }
    let type_name = || row.column(ordinal).type_info().name().to_owned();
    let cell = match kind {
        Kind::Text => decode::<&str>(value).map(|text| Cell::Text(Cow::Borrowed(text))),
        Kind::Date => decode::<NaiveDate>(value).map(Cell::Date),
        Kind::Instant => decode::<DateTime<Utc>>(value).map(Cell::Instant),
        Kind::LocalTimestamp => Ok(Cell::LocalTimestamp),
        Kind::Bool => decode::<bool>(value).map(Cell::Bool),
        Kind::Int2 => decode::<i16>(value).map(|n| Cell::Int(n.into())),
        Kind::Int4 => decode::<i32>(value).map(|n| Cell::Int(n.into())),
        Kind::Int8 => decode::<i64>(value).map(Cell::Int),
        Kind::Other => return Cell::Other(type_name()),
    };
    cell.unwrap_or_else(|_| Cell::Other(type_name()))
}

fn decode<'r, T: Decode<'r, Postgres>>(
    value: PgValueRef<'r>,
) -> Result<T, sqlx::error::BoxDynError> {
    T::decode(value)
}
