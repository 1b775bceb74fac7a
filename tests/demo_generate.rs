//! `casewatch demo generate`: the same seed, size and date give the same rows on either backend, exactly the
//! generator's own case files; and it refuses a database that already holds cases.

mod support;

use casewatch::generate::Generator;
use casewatch::model::OptionalTables;
use casewatch::source::{CaseSource, ReadReport};
use chrono::NaiveDate;
use futures_util::TryStreamExt;
use support::TestDb;

async fn generate(url: &str, extra: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .args(["demo", "generate", "--children", "400", "--seed", "11"])
        .args(["--today", "2026-11-23", "--source", url])
        .args(extra)
        .output()
        .await
        .unwrap()
}

async fn every_case_file(url: &str) -> Vec<casewatch::model::CaseFile> {
    let source = CaseSource::connect(url).await.unwrap();
    let report = ReadReport::new();
    // The cases open on the generated "today", as casewatch reads them.
    let on = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let files: Vec<_> = source
        .case_files(on, OptionalTables::ALL, &report)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(report.total_skipped(), 0);
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_is_deterministic_across_backends_and_refuses_a_filled_database() {
    let sqlite = TestDb::sqlite().await;
    let postgres = TestDb::postgres().await;
    for db in [&sqlite, &postgres] {
        let output = generate(db.url(), &[]).await;
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.contains("400 children"), "{stdout}");
    }
    let from_sqlite = every_case_file(sqlite.url()).await;
    let from_postgres = every_case_file(postgres.url()).await;
    assert!(from_sqlite.len() > 300, "most children have an open case");
    assert_eq!(from_sqlite, from_postgres);

    // Exactly what the generator makes (with England and Wales's bank holidays, as the command uses).
    let calendar = casewatch::calendar::WorkingCalendar::new(Default::default(), []);
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let closures = (2011..=2027).flat_map(|y| calendar.closures_in_year(y));
    let generator = Generator::new(11, 400, today).with_closures(closures);
    let open: Vec<_> = generator
        .case_files()
        .filter(|f| f.case.is_open_on(today))
        .collect();
    assert_eq!(from_sqlite, open);

    let again = generate(sqlite.url(), &[]).await;
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("already holds cases"), "{stderr}");
}
