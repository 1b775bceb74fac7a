//! Reading the case database (SPEC sections 2 and 8.1): the only code that knows its SQL.
//!
//! [`CaseSource`] connects to SQLite or PostgreSQL, loads the staff list, and streams one [`CaseFile`] per open
//! case, merging four case-ordered queries, and one more for each optional table (events, meetings, records)
//! that the enabled rules read (`merge.rs`), so memory does not grow with the caseload. Every value is
//! parsed by the same rules on both backends (`decode.rs`, `rows.rs`); a row that cannot be read is skipped with a
//! warning that names only its id, and counted in a [`ReadReport`]. The daemon only ever reads: writing (the
//! migrations and [`CaseLoader`]) is for the demo, the data generator and tests. [`inspect`] checks the tables'
//! shape from the catalogue, for `casewatch check-config`.

mod decode;
mod feed;
mod loader;
mod merge;
mod pgcopy;
mod postgres;
mod problem;
mod queries;
mod report;
mod rows;
pub mod schema;
mod sqlite;

use chrono::NaiveDate;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use sqlx::AssertSqlSafe;

use crate::model::{CaseFile, OptionalTables, Staff};
use crate::secret::redact_url;

pub use decode::{parse_date, parse_instant};
pub use loader::{CaseLoader, TableRow, Value};
pub use problem::{Problem, Reason};
pub use report::{ReadReport, Table, loggable_id};
pub use schema::{SchemaProblem, inspect};

/// How [`CaseSource::open`] treats the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// The daemon's mode: never writes, and a missing SQLite file is an error.
    ReadOnly,
    /// For loading rows into an existing database.
    ReadWrite,
    /// For the demo and tests: creates a missing SQLite file (PostgreSQL databases are never created).
    CreateIfMissing,
}

/// A connection pool to the case database.
pub struct CaseSource {
    /// The URL with any password replaced, for messages.
    url: String,
    backend: Backend,
    /// SQLite: where the case read opens its own connection (`sqlite.rs`).
    sqlite_read: Option<sqlite::ReadTarget>,
}

/// The cause of a failed read, from sqlx or (the SQLite case read) rusqlite.
pub(super) type BoxError = Box<dyn std::error::Error + Send + Sync>;

enum Backend {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl CaseSource {
    /// Connects read-only to `sqlite://PATH` (or `sqlite::memory:`) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self, SourceError> {
        Self::open(url, OpenMode::ReadOnly).await
    }

    pub async fn open(url: &str, mode: OpenMode) -> Result<Self, SourceError> {
        let redacted = redact_url(url);
        let (backend, sqlite_read) = match url.split_once(':').map(|(scheme, _)| scheme) {
            Some("sqlite") => {
                let (pool, read) = sqlite::connect(url, &redacted, mode).await?;
                (Backend::Sqlite(pool), Some(read))
            }
            Some("postgres" | "postgresql") => (
                Backend::Postgres(postgres::connect(url, &redacted).await?),
                None,
            ),
            _ => return Err(SourceError::UnsupportedUrl { url: redacted }),
        };
        Ok(Self {
            url: redacted,
            backend,
            sqlite_read,
        })
    }

    /// The database's URL, password redacted.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Creates the canonical tables (demo and tests only: a real case database belongs to its owner).
    pub async fn migrate_case_schema(&self) -> Result<(), SourceError> {
        let mut migrator = match &self.backend {
            Backend::Sqlite(_) => sqlx::migrate!("migrations/source/sqlite"),
            Backend::Postgres(_) => sqlx::migrate!("migrations/source/postgres"),
        };
        // Its own bookkeeping table, so casewatch's state schema can share the database (demo, tests).
        migrator.dangerous_set_table_name("_casewatch_source_migrations");
        let result = match &self.backend {
            Backend::Sqlite(pool) => migrator.run(pool).await,
            Backend::Postgres(pool) => migrator.run(pool).await,
        };
        result.map_err(|cause| SourceError::Migrate {
            url: self.url.clone(),
            cause,
        })
    }

    /// Every readable row of `staff`, ordered by id; unreadable rows are skipped and counted in `report`.
    pub async fn load_staff(&self, report: &ReadReport) -> Result<Vec<Staff>, SourceError> {
        let sql = AssertSqlSafe(queries::staff());
        // Decoded as the rows arrive: a driver's row holds each value with its type, several times the size of
        // the `Staff` it becomes (66,000 people held as rows were 140 MB).
        let rows: BoxStream<'_, Result<Option<Staff>, sqlx::Error>> = match &self.backend {
            Backend::Sqlite(pool) => (sqlx::query(sql).fetch(pool))
                .map_ok(|row| decode_staff(&row, report))
                .boxed(),
            Backend::Postgres(pool) => (sqlx::query(sql).fetch(pool))
                .map_ok(|row| decode_staff(&row, report))
                .boxed(),
        };
        let mut staff: Vec<Staff> = rows
            .try_filter_map(|staff| std::future::ready(Ok(staff)))
            .try_collect()
            .await
            .map_err(|cause| SourceError::read(&self.url, Table::Staff, cause))?;
        // Grown by doubling: give back the spare half before the case read needs it.
        staff.shrink_to_fit();
        Ok(staff)
    }

    /// One [`CaseFile`] per case open on `open_on` (SPEC section 2), ordered by case id, with the case's visits,
    /// assessments and decisions, and its rows of the optional `tables` (SPEC section 8.1; the others are left
    /// empty and never queried). Nothing is queried until the stream is polled; dropping it ends the read.
    pub fn case_files<'a>(
        &'a self,
        open_on: NaiveDate,
        tables: OptionalTables,
        report: &'a ReadReport,
    ) -> BoxStream<'a, Result<CaseFile, SourceError>> {
        self.case_files_in(Scope::open_on(open_on), tables, report)
    }

    /// As [`CaseSource::case_files`], with the cases closed after `scope.closed_after` too: for rules that watch a
    /// case for a while after it closes (`after_close`).
    pub fn case_files_in<'a>(
        &'a self,
        scope: Scope,
        tables: OptionalTables,
        report: &'a ReadReport,
    ) -> BoxStream<'a, Result<CaseFile, SourceError>> {
        let open_on = scope;
        match (&self.backend, &self.sqlite_read) {
            (Backend::Postgres(pool), _) => merge::case_files(
                postgres::feeds(pool, open_on, tables, &self.url),
                open_on,
                report,
                &self.url,
            )
            .boxed(),
            (Backend::Sqlite(_), Some(read)) => {
                sqlite::case_files(read, open_on, tables, report, &self.url)
            }
            (Backend::Sqlite(_), None) => {
                unreachable!("a SQLite source always has its read target")
            }
        }
    }

    /// The SQL of a case read as of `open_on` with the optional `tables`, the date written in as a literal: the
    /// staff query, then each feed. For the benchmark, which times the database handing over the same rows
    /// (`COPY … TO STDOUT`, the `sqlite3` shell) to compare with casewatch's own read.
    pub fn read_queries(&self, open_on: NaiveDate, tables: OptionalTables) -> Vec<(Table, String)> {
        let dialect = match &self.backend {
            Backend::Sqlite(_) => &queries::SQLITE,
            Backend::Postgres(_) => &queries::POSTGRES,
        };
        let date = open_on.format("%Y-%m-%d").to_string();
        let mut read = vec![(Table::Staff, queries::staff())];
        read.extend(feed::Feed::read(tables).into_iter().map(|feed| {
            let query = queries::feed_with_dates(dialect, feed, (&date, &date));
            (feed.table(), query)
        }));
        read
    }

    /// Which of the optional `tables` the database has no table or view for (a catalogue look-up, no rows read).
    pub async fn missing_tables(&self, tables: OptionalTables) -> Result<Vec<Table>, SourceError> {
        let mut missing = Vec::new();
        for table in Table::optional(tables) {
            let exists = schema::exists(self, table).await;
            if !exists.map_err(|cause| SourceError::read(&self.url, table, cause))? {
                missing.push(table);
            }
        }
        Ok(missing)
    }

    /// SPEC section 8.1: a rule that reads an optional table the database lacks is a configuration error naming
    /// the rule and the table. `rules` are `(rule id, the optional tables it reads)`.
    pub async fn require_tables<'r>(
        &self,
        rules: impl IntoIterator<Item = (&'r str, OptionalTables)>,
    ) -> Result<(), SourceError> {
        let rules: Vec<_> = rules.into_iter().collect();
        let needed = rules
            .iter()
            .fold(OptionalTables::default(), |all, (_, t)| all.union(*t));
        let lacks: Vec<MissingTable> = self
            .missing_tables(needed)
            .await?
            .into_iter()
            .map(|table| MissingTable {
                table,
                rules: rules
                    .iter()
                    .filter(|(_, t)| Table::optional(*t).contains(&table))
                    .map(|(id, _)| (*id).to_owned())
                    .collect(),
            })
            .collect();
        if lacks.is_empty() {
            return Ok(());
        }
        Err(SourceError::MissingTables {
            url: self.url.clone(),
            lacks,
        })
    }

    /// Writes rows of the canonical schema (demo, data generator and tests; open with a writable [`OpenMode`]).
    pub fn loader(&self) -> CaseLoader<'_> {
        CaseLoader::new(self)
    }

    /// Whether the `cases` table holds any row (the data generator writes only into an empty schema).
    pub async fn holds_cases(&self) -> Result<bool, SourceError> {
        let sql = "SELECT EXISTS (SELECT 1 FROM cases)";
        let result = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
            Backend::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
        };
        result.map_err(|cause| SourceError::read(&self.url, Table::Cases, cause))
    }

    /// Each case type in `cases` with how many cases it holds and how many of them name an allocated worker, for
    /// `check-config` (role codes that match nobody leave a whole kind of case unallocated).
    pub async fn allocation_by_case_type(&self) -> Result<Vec<(String, i64, i64)>, SourceError> {
        let sql =
            "SELECT case_type, count(*), count(allocated_worker_id) FROM cases GROUP BY case_type";
        let result = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query_as(sql).fetch_all(pool).await,
            Backend::Postgres(pool) => sqlx::query_as(sql).fetch_all(pool).await,
        };
        result.map_err(|cause| SourceError::read(&self.url, Table::Cases, cause))
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), SourceError> {
        let result = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query("SELECT 1").execute(pool).await.map(drop),
            Backend::Postgres(pool) => sqlx::query("SELECT 1").execute(pool).await.map(drop),
        };
        result.map_err(|cause| SourceError::Connect {
            url: self.url.clone(),
            cause,
        })
    }

    /// Closes the pool's connections (an in-memory SQLite database is gone after this).
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite(pool) => pool.close().await,
            Backend::Postgres(pool) => pool.close().await,
        }
    }
}

impl std::fmt::Debug for CaseSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseSource")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// Which cases a read returns: those open on `open_on` (SPEC section 2), and those that closed after
/// `closed_after` (an earlier date when a rule watches cases after they close; else `open_on` itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scope {
    pub open_on: NaiveDate,
    pub closed_after: NaiveDate,
}

impl Scope {
    /// The cases open on `date`.
    pub fn open_on(date: NaiveDate) -> Scope {
        Scope {
            open_on: date,
            closed_after: date,
        }
    }

    /// Opened on or before `open_on`, and not closed on or before `closed_after`.
    pub fn admits(&self, case: &crate::model::Case) -> bool {
        case.opened_on <= self.open_on && case.closed_on.is_none_or(|c| c > self.closed_after)
    }

    /// The two dates as the queries bind them (`$1`, `$2`).
    fn params(&self) -> (String, String) {
        let text = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        (text(self.open_on), text(self.closed_after))
    }
}

/// Why the case database could not be used. Every message names the database by its redacted URL.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("case database URL {url} is not supported: use sqlite://PATH or postgres://…")]
    UnsupportedUrl { url: String },
    #[error(
        "case database {url} does not exist (casewatch reads a case database, it never creates one)"
    )]
    Missing { url: String },
    #[error("cannot connect to case database {url}: {cause}")]
    Connect { url: String, cause: sqlx::Error },
    #[error("cannot read {table} from case database {url}: {cause}")]
    Read {
        url: String,
        table: Table,
        cause: BoxError,
    },
    #[error(
        "rows of {table} in case database {url} are not ordered by case_id in byte order; \
         if {table} is a view, check the type and collation of its case_id (SPEC: TEXT)"
    )]
    Unordered { url: String, table: Table },
    #[error(
        "case database {url} has no table or view {}: switch off the rules (or their pack) or provide the \
         table, or a view with its columns (docs/case-schema.md)",
        lacks.iter().map(ToString::to_string).collect::<Vec<_>>().join(", nor ")
    )]
    MissingTables {
        url: String,
        lacks: Vec<MissingTable>,
    },
    #[error("cannot create the case schema in {url}: {cause}")]
    Migrate {
        url: String,
        cause: sqlx::migrate::MigrateError,
    },
    #[error("cannot write {table} to case database {url}: {cause}")]
    Write {
        url: String,
        table: Table,
        cause: sqlx::Error,
    },
}

impl SourceError {
    /// Whether the configuration is at fault (its rules need what the database lacks), not the database.
    pub fn is_configuration(&self) -> bool {
        matches!(self, SourceError::MissingTables { .. })
    }

    fn read(url: &str, table: Table, cause: impl Into<BoxError>) -> Self {
        Self::Read {
            url: url.to_owned(),
            table,
            cause: cause.into(),
        }
    }
}

/// The columns of a table of SPEC section 2, in order.
pub fn columns(table: Table) -> &'static [&'static str] {
    queries::columns(table)
}

/// An optional table the case database lacks, and the enabled rules that read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingTable {
    pub table: Table,
    pub rules: Vec<String>,
}

impl std::fmt::Display for MissingTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = if self.rules.len() == 1 { "" } else { "s" };
        write!(
            f,
            "`{}`, which rule{s} {} read{}",
            self.table,
            self.rules.join(", "),
            if self.rules.len() == 1 { "s" } else { "" }
        )
    }
}

/// Decodes staff rows, skipping and counting the ones that cannot be read.
/// A staff row, counted, or `None` (skipped with a warning naming it).
fn decode_staff(row: &impl decode::RawRow, report: &ReadReport) -> Option<Staff> {
    report.count_read(Table::Staff);
    rows::staff(row)
        .inspect_err(|problem| {
            report.skip(
                Table::Staff,
                &decode::row_id(row, Table::Staff.id_column()),
                problem,
            );
        })
        .ok()
}
