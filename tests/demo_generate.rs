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

/// `casewatch evaluate --format json` with every pack on, over the database at `url`.
async fn evaluate_with_packs(url: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("casewatch.toml");
    let packs = r#"["lcs", "havering", "luton", "isle-of-wight", "enfield"]"#;
    std::fs::write(
        &config,
        format!(
            "[source]\nurl = \"{url}\"\n[state]\nurl = \"sqlite://{}/state.db\"\n\
             [notify]\nfallback_address = \"ops@council.example\"\n[rules]\npacks = {packs}\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .args([
            "evaluate",
            "--format",
            "json",
            "--at",
            "2026-11-23T09:00:00Z",
            "--config",
        ])
        .arg(&config)
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("skipping"), "{stderr}");
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_packs_find_the_same_obligations_in_a_generated_caseload_on_either_backend() {
    let sqlite = TestDb::sqlite().await;
    let postgres = TestDb::postgres().await;
    for db in [&sqlite, &postgres] {
        assert!(generate(db.url(), &[]).await.status.success());
    }

    let from_sqlite = evaluate_with_packs(sqlite.url()).await;
    let from_postgres = evaluate_with_packs(postgres.url()).await;

    assert_eq!(from_sqlite, from_postgres);
    // Rules of each shape, from the generated events, meetings and records, are in some stage (after a held
    // meeting, before a scheduled one, every T, by an age). The generated authority mostly keeps up with the packs
    // (src/generate/practice.rs), so these are the backlog it leaves.
    let rules: std::collections::BTreeSet<String> = from_sqlite
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap()["rule"].to_string())
        .collect();
    for rule in [
        "core-group-minutes",
        "rcpc-report",
        "chronology-monthly",
        "pathway-plan-by-15y9m",
    ] {
        assert!(
            rules.contains(&format!("\"{rule}\"")),
            "{rule} not among {rules:?}"
        );
    }
}
