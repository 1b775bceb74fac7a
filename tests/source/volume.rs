//! Reading more rows than one fetch holds, and (ignored by default) how fast the loader writes.

use std::time::Instant;

use casewatch::model::{Case, Child, Visit};
use casewatch::source::Table;

use crate::support::fixtures::{case, child, visit};
use crate::support::{TestDb, backend_test, case_files_on};

fn caseload(cases: usize, visits_per_case: usize) -> (Vec<Child>, Vec<Case>, Vec<Visit>) {
    let children: Vec<_> = (0..cases).map(|i| child(&format!("K{i:07}"))).collect();
    let case_rows: Vec<_> = (0..cases)
        .map(|i| case(&format!("C{i:07}"), &format!("K{i:07}")))
        .collect();
    let visits = (0..cases * visits_per_case).map(|i| {
        let (case_no, n) = (i / visits_per_case, i % visits_per_case);
        visit(
            &format!("V{i:08}"),
            &format!("C{case_no:07}"),
            &format!("2026-02-{:02}T10:00:00Z", n + 1),
        )
    });
    (children, case_rows, visits.collect())
}

backend_test!(
    async fn a_caseload_larger_than_one_fetch_streams_case_by_case(db) {
        let source = db.migrated_source().await;
        let (children, cases, visits) = caseload(2_500, 3);
        source.loader().insert(&children).await.unwrap();
        source.loader().insert(&cases).await.unwrap();
        source.loader().insert(&visits).await.unwrap();

        let (files, report) = case_files_on(&source, "2026-03-10").await;

        assert_eq!(files.len(), 2_500);
        for (i, file) in files.iter().enumerate() {
            assert_eq!(file.case.id.as_str(), format!("C{i:07}"));
            let ids: Vec<_> = file.visits.iter().map(|v| v.id.clone()).collect();
            assert_eq!(ids, [0, 1, 2].map(|n| format!("V{:08}", i * 3 + n)));
        }
        assert_eq!(report.rows_read(Table::Visits), 7_500);
        assert_eq!(report.total_skipped(), 0);
    }
);

/// `cargo test --release --test source loader_throughput -- --ignored --nocapture`
#[tokio::test]
#[ignore = "a measurement, not a check"]
async fn loader_throughput() {
    let (children, cases, visits) = caseload(20_000, 5);
    for db in [TestDb::sqlite().await, TestDb::postgres().await] {
        let source = db.migrated_source().await;
        let started = Instant::now();
        source.loader().insert(&children).await.unwrap();
        source.loader().insert(&cases).await.unwrap();
        source.loader().insert(&visits).await.unwrap();
        let rows = children.len() + cases.len() + visits.len();
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{:?}: loaded {rows} rows in {seconds:.2} s = {:.0} rows/s",
            db.backend,
            rows as f64 / seconds
        );
        let started = Instant::now();
        let (files, _) = case_files_on(&source, "2026-03-10").await;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{:?}: read {} case files in {seconds:.2} s",
            db.backend,
            files.len()
        );
    }
}
