//! casewatch's own database (`state.url`): the only code that knows its SQL. SQLite for one process,
//! PostgreSQL for production and replicas. Most statements are the same on both; [`on_pool!`] writes them once
//! and type-checks them against each backend.
//!
//! **SQLite state has one writer at a time, by design.** A process's SQLite pool is a single connection: every
//! statement of the process (the pass, the concurrent sends recording their attempts, the service's timers) queues
//! for it in turn, so the process never contends with itself for its own file's lock. A transaction that writes
//! begins with `BEGIN IMMEDIATE` ([`WriteTx`]), taking the write lock before it reads, so that it never has to
//! upgrade a read snapshot into a write (in WAL mode an upgrade fails at once with "database is locked" when another
//! process wrote in between, whatever the busy timeout). Other processes (`outbox list`, `audit`, `explain`)
//! read beside it: WAL lets readers and the one writer run at once, and opening a state database that is up to
//! date writes nothing ([`Store::migrate`]).

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{PgPool, SqlitePool};

use crate::secret::redact_url;

mod audit;
mod body;
mod delivery;
mod history;
pub mod lock;
mod marks;
mod outbox;
mod prune;
mod silences;
mod timing;
mod told;

pub use audit::{AttemptRecord, CaseAudit, EpisodeRecord, NoticeRecord};
pub use delivery::{Attempt, AttemptOutcome, StoredMessage};
pub use history::EpisodeSpan;
pub use lock::{EvaluationLock, LockError, ProcessLock, Role};
pub use marks::CaseMark;
pub use outbox::{NewMessage, NewNotice, PendingNotice, StageEpisode, StageKey};
pub use prune::Pruned;
pub use silences::{NewSilence, Silence};
pub use timing::LastNotice;
pub use told::Told;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/state/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/state/postgres");

/// How long a SQLite statement waits for another process's write lock before it fails with "database is locked".
/// The other writers are operators' commands (`outbox retry`, `silence`, `migrate`), each one short transaction,
/// and a `run` or `tick` whose transactions are bounded ([`outbox::BATCH`] rows); 30 s covers the longest of these
/// on a slow disk with room to spare, and is short enough that a process truly stuck on a lock says so.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a statement waits for the process's one SQLite connection: the statements queued before it must
/// finish first, the longest being a pass's reads of every open episode or pending notice. Generous, so that a
/// large first pass waits rather than fails; a wait this long means something is wrong.
pub const SQLITE_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same code against whichever pool the store has: `on_pool!(store, |pool| sqlx::query(…).execute(pool).await)`.
#[macro_export]
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite($pool) => $body,
            $crate::store::Store::Postgres($pool) => $body,
        }
    };
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("state database {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("state database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("state database: {0}")]
    Query(#[from] sqlx::Error),
    #[error("cannot lock the state database {path} for its migration: {source}")]
    MigrationLock {
        path: String,
        source: std::io::Error,
    },
    #[error("state database url `{0}` is neither sqlite:// nor postgres://")]
    Scheme(String),
}

impl Store {
    /// Connects, creating a SQLite file if it does not exist yet (casewatch owns this database).
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let fail = |source| StoreError::Connect {
            url: redact_url(url),
            source,
        };
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(fail)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true);
            // One connection: one writer at a time (see the module documentation).
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(SQLITE_ACQUIRE_TIMEOUT)
                // Waiting for the connection is how statements take turns, not a sign of trouble.
                .acquire_slow_threshold(SQLITE_ACQUIRE_TIMEOUT)
                .connect_with(options)
                .await
                .map_err(fail)?;
            Ok(Store::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)
                .map_err(fail)?
                .application_name("casewatch");
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(fail)?;
            Ok(Store::Postgres(pool))
        } else {
            Err(StoreError::Scheme(redact_url(url)))
        }
    }

    /// Brings the schema up to date; safe to run on every start and from several replicas or processes at once.
    /// A SQLite database that is up to date is only read (a reader beside `run` takes no write lock); one that is
    /// not is migrated under an exclusive lock on `STATE.db.migrate`, so that two processes opening a new database
    /// at once do not both apply its first migration.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(pool) => {
                if sqlite_schema_is_current(pool).await? {
                    return Ok(());
                }
                let path = pool.connect_options().get_filename().to_owned();
                let _lock = tokio::task::spawn_blocking(move || lock::migration_lock(&path))
                    .await
                    .expect("the migration lock's task does not panic")?;
                SQLITE_MIGRATIONS.run(pool).await?
            }
            Store::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, |pool| sqlx::query("SELECT 1")
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }
}

/// Whether every SQLite migration this release knows is applied already, as it is (read, not written).
async fn sqlite_schema_is_current(pool: &SqlitePool) -> Result<bool, sqlx::Error> {
    let table =
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'";
    let exists: i64 = sqlx::query_scalar(table).fetch_one(pool).await?;
    if exists == 0 {
        return Ok(false);
    }
    let applied: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await?;
    Ok(SQLITE_MIGRATIONS
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .all(|m| {
            applied
                .iter()
                .any(|(v, sum)| *v == m.version && sum.as_slice() == &*m.checksum)
        }))
}

/// Beginning a transaction that writes: `BEGIN IMMEDIATE` on SQLite (the write lock first, see the module
/// documentation), `BEGIN` on PostgreSQL (row locks are taken as rows are written).
pub(crate) trait WriteTx {
    type Db: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>> + Send;
}

impl WriteTx for SqlitePool {
    type Db = sqlx::Sqlite;
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error>> + Send
    {
        self.begin_with("BEGIN IMMEDIATE")
    }
}

impl WriteTx for PgPool {
    type Db = sqlx::Postgres;
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error>> + Send
    {
        self.begin()
    }
}
