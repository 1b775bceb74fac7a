//! Who may do what when several processes share a state database.
//!
//! - **SQLite state is single-process.** [`ProcessLock`] takes an exclusive `flock` on `STATE.db.lock` for as long
//!   as a `run` or `tick` lives; a second one fails at start with a message that says so. (`outbox list` and
//!   `audit` only read, beside it; `outbox retry` and `silence` write one short `BEGIN IMMEDIATE` transaction,
//!   through SQLite's own locking; see `store/mod.rs`.) Bringing the schema up to date takes [`migration_lock`].
//! - **PostgreSQL state is shared by any number of replicas.** Deliveries need no leader: messages are claimed
//!   with `FOR UPDATE SKIP LOCKED` and a lease (`delivery.rs`). Evaluation runs on one replica at a time: the one
//!   holding [`EvaluationLock`], a session-level PostgreSQL advisory lock on a connection of its own. PostgreSQL
//!   releases it when that session ends — at once when the process dies, and when the host or network dies,
//!   after the server-side TCP keepalive gives up ([`KEEPALIVE`]: about 25 s). The others try again every few
//!   seconds, so one of them takes over within that bound. Two evaluations overlapping in a partition would
//!   still be harmless: every write of a pass is idempotent (unique keys, `ON CONFLICT`).

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};

/// The advisory lock's key: "casewatc" in ASCII. Advisory locks are per database, so only replicas sharing a
/// state database contend for it.
pub const EVALUATION_LOCK_KEY: i64 = 0x6361_7365_7761_7463;

/// Server-side keepalive of the lock's session (`tcp_keepalives_idle`, `_interval`, `_count`): a dead peer is
/// noticed after idle + interval × count seconds.
pub const KEEPALIVE: (u32, u32, u32) = (10, 5, 3);

/// How long a check of the lock may take before it counts as lost.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "state database {path} is in use by another casewatch process ({holder}). SQLite state is for one \
         process: stop the other one, or use PostgreSQL state (state.url = \"postgres://…\") to run replicas"
    )]
    Busy { path: String, holder: String },
    #[error("cannot lock the state database {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// An exclusive lock on a SQLite state database, held while any clone lives.
///
/// Within one process the lock is shared (a configuration reload opens the same database again); across
/// processes it is exclusive.
#[derive(Debug)]
pub struct ProcessLock {
    _file: File,
}

static HELD: Mutex<Option<HashMap<PathBuf, Weak<ProcessLock>>>> = Mutex::new(None);

impl ProcessLock {
    /// Locks `sqlite://PATH`'s database; `None` for an in-memory database (nothing else can open it).
    pub fn for_url(url: &str) -> Result<Option<Arc<ProcessLock>>, LockError> {
        // A URL that does not parse is Store::connect's to report.
        lock_file(url).map(|path| Self::acquire(&path)).transpose()
    }

    fn acquire(path: &Path) -> Result<Arc<ProcessLock>, LockError> {
        let key = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        let mut held = HELD.lock().expect("never poisoned");
        let held = held.get_or_insert_with(HashMap::new);
        if let Some(lock) = held.get(&key).and_then(Weak::upgrade) {
            return Ok(lock);
        }
        let io = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(LockError::Busy {
                    path: path.with_extension("").display().to_string(),
                    holder: recorded_holder(path),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        // Who holds it, for the message a second process prints.
        file.set_len(0).map_err(io)?;
        writeln!(file, "{}", replica_name()).map_err(io)?;
        let lock = Arc::new(ProcessLock { _file: file });
        held.insert(key, Arc::downgrade(&lock));
        Ok(lock)
    }

    /// Who holds `sqlite://PATH`'s lock now (as its lock file says), without taking it for longer than the look.
    pub fn holder(url: &str) -> Option<String> {
        let path = lock_file(url)?;
        let file = File::open(&path).ok()?;
        match file.try_lock_shared() {
            Ok(()) => None, // free (dropping the file releases the look)
            Err(_) => Some(recorded_holder(&path)),
        }
    }
}

/// An exclusive lock on `PATH.migrate` beside a SQLite state database, held while its schema is brought up to date
/// (waiting for another process that is doing so); `None` for an in-memory database.
pub fn migration_lock(db: &Path) -> Result<Option<File>, super::StoreError> {
    let name = db.as_os_str();
    if name.is_empty() || name.to_string_lossy().contains(":memory:") {
        return Ok(None);
    }
    let mut path = name.to_owned();
    path.push(".migrate");
    let fail = |source| super::StoreError::MigrationLock {
        path: db.display().to_string(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(fail)?;
    file.lock().map_err(fail)?;
    Ok(Some(file))
}

/// `PATH.lock` beside a `sqlite://PATH` database; `None` for an in-memory database or a URL that does not parse.
fn lock_file(url: &str) -> Option<PathBuf> {
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url).ok()?;
    let db = options.get_filename();
    if url.contains(":memory:") || url.contains("mode=memory") || db.as_os_str().is_empty() {
        return None;
    }
    let mut path = db.as_os_str().to_owned();
    path.push(".lock");
    Some(path.into())
}

/// The `host:pid` the holder wrote into its lock file.
fn recorded_holder(path: &Path) -> String {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "holder unknown".to_owned())
}

/// The `application_name` of the session holding the evaluation lock in the database `conn` is connected to.
pub async fn evaluation_lock_holder(
    conn: &mut PgConnection,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
         AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid \
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .bind(EVALUATION_LOCK_KEY >> 32)
    .bind(EVALUATION_LOCK_KEY & 0xffff_ffff)
    .fetch_optional(conn)
    .await
}

/// Whether this replica may evaluate now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Holds the evaluation lock (or is the only process, on SQLite).
    Evaluator,
    /// Another replica evaluates; this one delivers.
    Standby,
}

/// The evaluation lock of one replica (see the module documentation).
#[allow(clippy::large_enum_variant)] // one per process
pub enum EvaluationLock {
    /// SQLite state: the [`ProcessLock`] already makes this process the only one.
    Sole,
    Postgres {
        options: Option<PgConnectOptions>,
        /// The lock's own session; `Some` with `held` once the lock is taken.
        session: Option<PgConnection>,
        held: bool,
    },
}

impl EvaluationLock {
    /// For the state database at `url`, naming this replica in `pg_stat_activity.application_name`.
    pub fn for_state(url: &str, replica: &str) -> EvaluationLock {
        if !(url.starts_with("postgres:") || url.starts_with("postgresql:")) {
            return EvaluationLock::Sole;
        }
        // Store::connect has already accepted this URL; should it not parse here, `check` fails every time and
        // this replica never evaluates (rather than locking some other database).
        let options = PgConnectOptions::from_str(url).ok().map(|options| {
            options
                .application_name(&format!("casewatch evaluation lock {replica}"))
                .disable_statement_logging()
        });
        EvaluationLock::Postgres {
            options,
            session: None,
            held: false,
        }
    }

    /// Checks the lock, taking it if it is free: `Evaluator` while this replica holds it. An error means the
    /// state database could not be asked; the lock then counts as lost (its session is dropped).
    pub async fn check(&mut self) -> Result<Role, sqlx::Error> {
        let EvaluationLock::Postgres {
            options,
            session,
            held,
        } = self
        else {
            return Ok(Role::Evaluator);
        };
        let Some(options) = options else {
            return Err(sqlx::Error::Configuration(
                "state.url is not a PostgreSQL URL that can be parsed".into(),
            ));
        };
        let result = tokio::time::timeout(CHECK_TIMEOUT, check(options, session, *held)).await;
        let result = result.unwrap_or_else(|_| {
            Err(sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the state database did not answer within 5 s",
            )))
        });
        match result {
            Ok(now_held) => {
                *held = now_held;
                Ok(if now_held {
                    Role::Evaluator
                } else {
                    Role::Standby
                })
            }
            Err(e) => {
                // A session in doubt is closed: if it still held the lock, PostgreSQL releases it.
                *session = None;
                *held = false;
                Err(e)
            }
        }
    }

    /// Gives the lock up (at shutdown, so a standby takes over without waiting).
    pub async fn release(&mut self) {
        if let EvaluationLock::Postgres { session, held, .. } = self
            && let Some(conn) = session.take()
        {
            let _ = tokio::time::timeout(CHECK_TIMEOUT, conn.close()).await;
            *held = false;
        }
    }
}

async fn check(
    options: &PgConnectOptions,
    session: &mut Option<PgConnection>,
    held: bool,
) -> Result<bool, sqlx::Error> {
    if session.is_none() {
        let mut conn = PgConnection::connect_with(options).await?;
        let (idle, interval, count) = KEEPALIVE;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "SET tcp_keepalives_idle = {idle}; SET tcp_keepalives_interval = {interval}; \
             SET tcp_keepalives_count = {count}"
        )))
        .execute(&mut conn)
        .await?;
        *session = Some(conn);
    }
    let conn = session.as_mut().expect("set above");
    if held {
        // Still ours while the session lives; a round trip proves it does.
        sqlx::query("SELECT 1").execute(&mut *conn).await?;
        return Ok(true);
    }
    sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(EVALUATION_LOCK_KEY)
        .fetch_one(&mut *conn)
        .await
}

/// This process's name in attempts and leases: host and process id.
pub fn replica_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most `buf.len()` bytes into the buffer we own.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    let host = match std::str::from_utf8(&buf[..end]) {
        Ok(h) if ok && !h.is_empty() => h.to_owned(),
        _ => "casewatch".to_owned(),
    };
    format!("{host}:{}", std::process::id())
}
