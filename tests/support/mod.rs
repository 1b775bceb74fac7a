//! Test support: a fresh case database per test, on SQLite and on a real PostgreSQL.
//!
//! Write a scenario once and run it on both backends:
//!
//! ```ignore
//! mod support;
//! use support::{backend_test, TestDb};
//!
//! backend_test!(async fn staff_round_trip(db) {
//!     let source = db.migrated_source().await;
//!     source.loader().insert(&[staff("S1")]).await.unwrap();
//!     let report = ReadReport::new();
//!     assert_eq!(source.load_staff(&report).await.unwrap(), vec![staff("S1")]);
//! });
//! ```
//!
//! That makes two tests, `staff_round_trip::sqlite` and `staff_round_trip::postgres`.

#![allow(dead_code, unused_macros, unused_imports)] // each test binary uses its own part of this module

pub mod fixtures;
pub mod graph;
pub mod postgres;
pub mod smtp;
pub mod token_endpoint;

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use casewatch::model::{CaseFile, OptionalTables};
use casewatch::source::{CaseSource, OpenMode, ReadReport};
use futures_util::TryStreamExt;
use sqlx::{AssertSqlSafe, Connection};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A TCP port free on 127.0.0.1 now (for a server the test starts later, or a config written first).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs the casewatch binary with `args`, as an operator would, without any `CASEWATCH__` override from the
/// environment: (exit code, stdout, stderr).
pub async fn casewatch(args: &[&str]) -> (i32, String, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_casewatch"));
    command.args(args);
    for (name, _) in std::env::vars().filter(|(k, _)| k.starts_with("CASEWATCH")) {
        command.env_remove(name);
    }
    let output = command.output().await.expect("run casewatch");
    (
        output.status.code().expect("exited, not killed"),
        String::from_utf8(output.stdout).expect("UTF-8 output"),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// One test's own, empty case database.
pub struct TestDb {
    pub backend: Backend,
    url: String,
    /// Keeps a SQLite database's directory until the test ends.
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// An empty SQLite database in a new temporary directory (the file exists once something connects).
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("case.db").display());
        TestDb {
            backend: Backend::Sqlite,
            url,
            _dir: Some(dir),
        }
    }

    /// A new, empty database on this binary's PostgreSQL server (started on first use).
    pub async fn postgres() -> TestDb {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let server = postgres::server();
        let name = format!(
            "test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = sqlx::PgConnection::connect(&server.url("postgres"))
            .await
            .expect("connect as postgres");
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create database");
        admin.close().await.ok();
        TestDb {
            backend: Backend::Postgres,
            url: server.url(&name),
            _dir: None,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database with the canonical schema created by casewatch's migrations, open for writing.
    pub async fn migrated_source(&self) -> CaseSource {
        let source = self.writable_source().await;
        source
            .migrate_case_schema()
            .await
            .expect("migrate the case schema");
        source
    }

    /// The database as it is, open for writing (creating the SQLite file if needed), without migrating.
    pub async fn writable_source(&self) -> CaseSource {
        CaseSource::open(&self.url, OpenMode::CreateIfMissing)
            .await
            .expect("open the test database")
    }

    /// Runs a script of SQL statements, e.g. to create tables or views by hand. On SQLite foreign keys are
    /// off, so a test can write broken references.
    pub async fn execute(&self, script: &str) {
        let script = sqlx::raw_sql(AssertSqlSafe(script.to_owned()));
        let result = match self.backend {
            Backend::Sqlite => {
                let options = sqlx::sqlite::SqliteConnectOptions::from_str(&self.url).unwrap();
                let options = options.create_if_missing(true).foreign_keys(false);
                let mut connection = sqlx::SqliteConnection::connect_with(&options)
                    .await
                    .expect("open SQLite");
                script.execute(&mut connection).await.map(drop)
            }
            Backend::Postgres => {
                let mut connection = sqlx::PgConnection::connect(&self.url)
                    .await
                    .expect("connect to PostgreSQL");
                script.execute(&mut connection).await.map(drop)
            }
        };
        if let Err(error) = result {
            panic!("{:?} script failed: {error}\n{}", self.backend, self.url);
        }
    }

    /// `sqlite` or `postgres`, to choose backend-specific SQL in a scenario.
    pub fn is_postgres(&self) -> bool {
        self.backend == Backend::Postgres
    }
}

/// Every case file open on `date` (`YYYY-MM-DD`), and the report of that read, as a configuration without rule
/// packs reads them (none of the optional tables).
pub async fn case_files_on(source: &CaseSource, date: &str) -> (Vec<CaseFile>, ReadReport) {
    case_files_with(source, date, OptionalTables::default()).await
}

/// As [`case_files_on`], reading the optional `tables` too.
pub async fn case_files_with(
    source: &CaseSource,
    date: &str,
    tables: OptionalTables,
) -> (Vec<CaseFile>, ReadReport) {
    let report = ReadReport::new();
    let files = source
        .case_files(fixtures::date(date), tables, &report)
        .try_collect()
        .await;
    (
        files.unwrap_or_else(|e| panic!("reading case files: {e}")),
        report,
    )
}

/// Runs `scenario` on a fresh SQLite database, then on a fresh PostgreSQL one.
pub async fn for_each_backend<F, Fut>(scenario: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    scenario(TestDb::sqlite().await).await;
    scenario(TestDb::postgres().await).await;
}

/// `backend_test!(async fn name(db) { … })` makes the tests `name::sqlite` and `name::postgres`, each with its
/// own fresh [`TestDb`] bound to `db`.
macro_rules! backend_test {
    ($(#[$meta:meta])* async fn $name:ident($db:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn scenario($db: $crate::support::TestDb) $body

            #[tokio::test]
            async fn sqlite() {
                scenario($crate::support::TestDb::sqlite().await).await
            }

            #[tokio::test]
            async fn postgres() {
                scenario($crate::support::TestDb::postgres().await).await
            }
        }
    };
}
pub(crate) use backend_test;

/// Log lines written while the returned guard lives on this thread (the reader's warnings are emitted on the
/// thread that polls its stream, which in a `#[tokio::test]` is the test's).
pub fn capture_logs() -> (LogCapture, tracing::subscriber::DefaultGuard) {
    let capture = LogCapture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (capture, tracing::subscriber::set_default(subscriber))
}

#[derive(Clone, Default)]
pub struct LogCapture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl LogCapture {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for LogCapture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
