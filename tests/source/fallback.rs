//! Where a snapshot cannot be shared between connections (a proxy pooling by transaction, a database that does
//! not let the reader export one), the PostgreSQL read falls back to cursors on one connection, says so, and reads
//! the same case files.

use casewatch::source::{CaseSource, OpenMode, Table};

use crate::support::fixtures::{assessment, case, child, decision, staff, visit};
use crate::support::{TestDb, capture_logs, case_files_on};

#[tokio::test]
async fn a_reader_that_cannot_export_a_snapshot_reads_the_same_case_files_through_cursors() {
    let db = TestDb::postgres().await;
    let source = db.migrated_source().await;
    let loader = source.loader();
    loader.insert(&[staff("S1")]).await.unwrap();
    loader.insert(&[child("K1"), child("K2")]).await.unwrap();
    loader
        .insert(&[case("C1", "K1"), case("C2", "K2"), case("C3", "K1")])
        .await
        .unwrap();
    let visits = [
        visit("V1", "C1", "2026-03-02T10:00:00Z"),
        visit("V2", "C3", "2026-03-03T10:00:00Z"),
        visit("V3", "C1", "2026-03-01T10:00:00Z"),
    ];
    loader.insert(&visits).await.unwrap();
    loader
        .insert(&[assessment("A1", "C2"), assessment("A2", "C3")])
        .await
        .unwrap();
    loader
        .insert(&[decision("D1", "C3", "2026-03-04T09:00:00Z")])
        .await
        .unwrap();
    let (expected, _) = case_files_on(&source, "2026-03-10").await;
    assert_eq!(expected.len(), 3);

    // A reader that may select but not call pg_export_snapshot() in this database.
    let role = format!("no_snapshots_{}", std::process::id());
    db.execute(&format!(
        "CREATE ROLE {role} LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}; \
         REVOKE EXECUTE ON FUNCTION pg_export_snapshot() FROM PUBLIC;"
    ))
    .await;
    let url = db
        .url()
        .replacen("postgres://postgres@", &format!("postgres://{role}@"), 1);
    let reader = CaseSource::open(&url, OpenMode::ReadOnly).await.unwrap();

    let (logs, _guard) = capture_logs();
    let (files, report) = case_files_on(&reader, "2026-03-10").await;

    assert_eq!(files, expected);
    assert_eq!(report.rows_read(Table::Visits), 3);
    assert_eq!(report.total_skipped(), 0);
    assert!(
        logs.text()
            .contains("cannot share a snapshot between connections"),
        "{}",
        logs.text()
    );
}
