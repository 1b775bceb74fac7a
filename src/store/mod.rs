//! casewatch's own database (`state.url`): the only code that knows its SQL. SQLite for one process,
//! PostgreSQL for production and replicas. Most statements are the same on both; [`on_pool!`] writes them once
//! and type-checks them against each backend.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{PgPool, SqlitePool};

use crate::config::secret::redact_url;

mod audit;
mod delivery;
mod history;
pub mod lock;
mod outbox;
mod silences;
mod timing;
mod told;

pub use audit::{AttemptRecord, CaseAudit, EpisodeRecord, NoticeRecord};
pub use delivery::{Attempt, AttemptOutcome, StoredMessage};
pub use history::EpisodeSpan;
pub use lock::{EvaluationLock, LockError, ProcessLock, Role};
pub use outbox::{NewMessage, PendingNotice, StageEpisode, StageKey};
pub use silences::{NewSilence, Silence};
pub use told::Told;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/state/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/state/postgres");

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
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
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

    /// Brings the schema up to date; safe to run on every start and from several replicas at once.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
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
