//! Connecting: which URLs work, and errors that say which database and why (never its password).

use casewatch::source::{CaseSource, OpenMode, SourceError};

use crate::support::fixtures::{case, child, visit};
use crate::support::{TestDb, case_files_on, postgres};

#[tokio::test]
async fn a_missing_sqlite_file_is_an_error_naming_it_and_is_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lcs.db");
    let url = format!("sqlite://{}", path.display());

    let error = CaseSource::connect(&url).await.expect_err("no such file");

    assert!(matches!(error, SourceError::Missing { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "case database {url} does not exist (casewatch reads a case database, it never creates one)"
        )
    );
    assert!(!path.exists());
}

#[tokio::test]
async fn an_unreachable_postgres_is_an_error_naming_the_url_without_its_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port(); // closed once dropped

    let url = format!("postgres://casewatch:s3cret@127.0.0.1:{port}/lcs");
    let error = CaseSource::connect(&url)
        .await
        .expect_err("nothing listens there");

    let message = error.to_string();
    let redacted =
        format!("cannot connect to case database postgres://casewatch:***@127.0.0.1:{port}/lcs: ");
    assert!(message.starts_with(&redacted), "{message}");
    assert!(message.contains("refused"), "{message}");
    assert!(!message.contains("s3cret"), "{message}");
}

#[tokio::test]
async fn a_missing_postgres_database_is_an_error_naming_it() {
    let url = postgres::server().url("no_such_case_db");

    let message = CaseSource::connect(&url)
        .await
        .expect_err("no such database")
        .to_string();

    assert!(
        message.starts_with(&format!("cannot connect to case database {url}: ")),
        "{message}"
    );
    assert!(
        message.contains("no_such_case_db\" does not exist"),
        "{message}"
    );
}

#[tokio::test]
async fn an_unknown_scheme_is_a_clear_error() {
    let message = CaseSource::connect("mysql://reader:pw@db/lcs")
        .await
        .unwrap_err()
        .to_string();

    assert_eq!(
        message,
        "case database URL mysql://reader:***@db/lcs is not supported: use sqlite://PATH or postgres://…"
    );
}

#[tokio::test]
async fn the_daemons_read_only_connection_cannot_write() {
    let db = TestDb::sqlite().await;
    db.migrated_source().await.close().await;
    let source = CaseSource::connect(db.url()).await.unwrap();

    let error = source
        .loader()
        .insert(&[child("K1")])
        .await
        .expect_err("read-only");

    let message = error.to_string();
    assert!(
        message.starts_with(&format!(
            "cannot write children to case database {}: ",
            db.url()
        )),
        "{message}"
    );
    assert!(message.contains("readonly"), "{message}");
}

#[tokio::test]
async fn an_in_memory_sqlite_database_works_for_demos() {
    let source = CaseSource::open("sqlite::memory:", OpenMode::CreateIfMissing)
        .await
        .unwrap();
    source.migrate_case_schema().await.unwrap();
    source.loader().insert(&[child("K1")]).await.unwrap();
    source.loader().insert(&[case("C1", "K1")]).await.unwrap();
    source
        .loader()
        .insert(&[visit("V1", "C1", "2026-03-02T10:00:00Z")])
        .await
        .unwrap();

    let (files, _) = case_files_on(&source, "2026-03-10").await;

    assert_eq!(files.len(), 1);
    assert_eq!(
        files[0].visits,
        vec![visit("V1", "C1", "2026-03-02T10:00:00Z")]
    );
}
