//! The SQLite case read's own edges: it runs on a thread of its own with its own connection, in one read
//! transaction, so it waits for a writer's lock, sees one snapshot whatever commits meanwhile, lets go of the
//! database when dropped, and names a value stored as a BLOB by its storage class.

use casewatch::model::OptionalTables;
use casewatch::source::{CaseSource, ReadReport, Table};
use futures_util::{StreamExt, TryStreamExt};
use sqlx::{Connection, Executor};

use crate::support::fixtures::{case, child, date, visit};
use crate::support::{TestDb, capture_logs, case_files_on};

/// Cases C0000..C(n-1), each with a visit.
async fn caseload(source: &CaseSource, n: usize) {
    let cases: Vec<_> = (0..n).map(|i| case(&format!("C{i:04}"), "K1")).collect();
    let visits: Vec<_> = (0..n)
        .map(|i| {
            visit(
                &format!("V{i:04}"),
                &format!("C{i:04}"),
                "2026-03-02T10:00:00Z",
            )
        })
        .collect();
    source.loader().insert(&[child("K1")]).await.unwrap();
    source.loader().insert(&cases).await.unwrap();
    source.loader().insert(&visits).await.unwrap();
}

async fn writer(db: &TestDb) -> sqlx::SqliteConnection {
    sqlx::SqliteConnection::connect(db.url()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_waits_for_a_writer_holding_the_database() {
    let db = TestDb::sqlite().await;
    let source = db.migrated_source().await;
    caseload(&source, 3).await;
    let mut writer = writer(&db).await;
    // An exclusive lock (rollback journal) keeps every reader out until it ends.
    writer.execute("BEGIN EXCLUSIVE").await.unwrap();
    writer
        .execute("INSERT INTO cases VALUES ('C9999', 'K1', 'CIN', NULL, '2026-01-05', NULL, NULL)")
        .await
        .unwrap();

    let reading = tokio::spawn(async move {
        let reader = CaseSource::connect(db.url()).await.unwrap();
        case_files_on(&reader, "2026-03-10").await
    });
    // Not a measurement: time for the read to start and meet the lock (it passes either way).
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    writer.execute("COMMIT").await.unwrap();
    let (files, report) = reading.await.unwrap();

    // Whether the read began before or after the commit, it waited for the lock and then read a whole snapshot.
    let ids: Vec<_> = files.iter().map(|f| f.case.id.as_str()).collect();
    assert!(
        ids == ["C0000", "C0001", "C0002", "C9999"] || ids == ["C0000", "C0001", "C0002"],
        "{ids:?}"
    );
    assert_eq!(report.total_skipped(), 0, "{report}");
}

#[tokio::test]
async fn a_read_sees_one_snapshot_whatever_commits_while_it_runs() {
    let db = TestDb::sqlite().await;
    let source = db.migrated_source().await;
    db.execute("PRAGMA journal_mode = WAL").await;
    // More cases than the reading thread may run ahead by, so most are read after the commit below.
    caseload(&source, 3_000).await;
    let report = ReadReport::new();
    let mut files = source.case_files(date("2026-03-10"), OptionalTables::default(), &report);
    let first = files.try_next().await.unwrap().unwrap();

    // A writer (WAL lets it commit beside a reader) adds a visit to the last case and a case after it.
    let mut writer = writer(&db).await;
    writer
        .execute(
            "INSERT INTO cases VALUES ('C9999', 'K1', 'CIN', NULL, '2026-01-05', NULL, NULL);
             INSERT INTO visits (visit_id, case_id, visit_type, visit_at, child_seen, ssda903_recorded)
                 VALUES ('V9999', 'C2999', 'statutory', '2026-03-03T10:00:00Z', 1, 0)",
        )
        .await
        .unwrap();
    let rest: Vec<_> = files.try_collect().await.unwrap();

    assert_eq!(first.case.id.as_str(), "C0000");
    assert_eq!(rest.len(), 2_999);
    let last = rest.last().unwrap();
    assert_eq!((last.case.id.as_str(), last.visits.len()), ("C2999", 1));
    assert_eq!(report.rows_read(Table::Visits), 3_000);
}

#[tokio::test]
async fn dropping_a_read_lets_go_of_the_database() {
    let db = TestDb::sqlite().await;
    let source = db.migrated_source().await;
    caseload(&source, 3_000).await;
    let report = ReadReport::new();
    let mut files = source.case_files(date("2026-03-10"), OptionalTables::default(), &report);
    assert!(files.next().await.is_some());

    drop(files);

    // The reading thread stops at its next batch and ends its transaction, so an exclusive lock (which waits
    // up to sqlx's busy timeout for readers to go) can be had.
    let mut writer = writer(&db).await;
    writer.execute("BEGIN EXCLUSIVE").await.unwrap();
    writer.execute("ROLLBACK").await.unwrap();
}

#[tokio::test]
async fn a_blob_is_a_bad_row_named_by_its_storage_class_and_a_number_in_a_text_column_is_text() {
    let db = TestDb::sqlite().await;
    let source = db.migrated_source().await;
    source.loader().insert(&[child("K1")]).await.unwrap();
    source.loader().insert(&[case("C1", "K1")]).await.unwrap();
    db.execute(
        "INSERT INTO visits (visit_id, case_id, visit_type, visit_at, child_seen, ssda903_recorded) VALUES
             ('V1', 'C1', 'statutory', X'323032362D30332D3032', 1, 0),
             ('V2', 'C1', 'statutory', 1772445600.5, 1, 0),
             ('V3', 'C1', 'statutory', '2026-03-02T10:00:00Z', 1, 0);",
    )
    .await;
    let (logs, _guard) = capture_logs();

    let (files, report) = case_files_on(&source, "2026-03-10").await;

    assert_eq!(
        files[0].visits,
        vec![visit("V3", "C1", "2026-03-02T10:00:00Z")]
    );
    assert_eq!(report.rows_skipped(Table::Visits), 2);
    let logs = logs.text();
    assert!(
        logs.contains("visit_at: found BLOB where a timestamp was expected"),
        "{logs}"
    );
    // TEXT affinity stores the number as its text, which is then no timestamp.
    let real = "row_id=\"V2\" problem=visit_at: not an ISO-8601 timestamp";
    assert!(logs.contains(real), "{logs}");
}
