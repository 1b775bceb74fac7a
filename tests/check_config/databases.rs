//! The case database's schema and the state database's migrations, on SQLite and PostgreSQL.

use std::path::Path;

use casewatch::store::Store;

use super::support::TestDb;
use super::{Run, check_config, file_email, new_state, write_config};

/// Runs `check-config` on a configuration in `dir` that reads `source_url`, keeps its state at `state_url` (by
/// default a file in `dir` that does not exist yet) and writes email into `dir`.
async fn check_databases(dir: &Path, source_url: &str, state_url: Option<&str>) -> Run {
    let state = state_url.map_or_else(|| new_state(dir), str::to_owned);
    let config = write_config(dir, source_url, &state, &file_email(dir));
    check_config(&[config.as_os_str()], &[]).await
}

#[tokio::test]
async fn a_sqlite_case_database_made_by_the_migrations_passes_every_check() {
    let db = TestDb::sqlite().await;
    db.migrated_source().await.close().await;
    let dir = tempfile::tempdir().unwrap();
    let run = check_databases(dir.path(), db.url(), None).await;

    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.has("ok   case database: ", &[db.url(), "read-only"]),
        "{run}"
    );
    assert!(run.has("ok   case schema: ", &["all six tables"]), "{run}");
    assert!(run.warnings().is_empty(), "{run}");
    assert!(
        run.has(
            "ok   state database: ",
            &[
                "does not exist yet",
                format!("{} migrations", state_migrations().len()).as_str()
            ]
        ),
        "{run}"
    );
    assert!(
        !dir.path().join("state.db").exists(),
        "check-config creates nothing"
    );
}

#[tokio::test]
async fn a_migrated_sqlite_state_database_has_nothing_pending() {
    let db = TestDb::sqlite().await;
    db.migrated_source().await.close().await;
    let dir = tempfile::tempdir().unwrap();
    let state = new_state(dir.path());
    let store = Store::connect(&state).await.unwrap();
    store.migrate().await.unwrap();
    if let Store::Sqlite(pool) = store {
        pool.close().await;
    }
    let run = check_databases(dir.path(), db.url(), Some(&state)).await;

    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.has(
            "ok   state database: ",
            &[format!(
                "{} migrations applied, none pending",
                state_migrations().len()
            )
            .as_str()]
        ),
        "{run}"
    );
}

#[tokio::test]
async fn a_sqlite_view_without_a_column_names_the_column() {
    let db = TestDb::sqlite().await;
    db.migrated_source().await.close().await;
    db.execute(
        "ALTER TABLE visits RENAME TO lcs_visits;
         CREATE VIEW visits AS SELECT visit_id, case_id, visit_type, visit_at, child_seen, worker_id,
             note_created_at, note_finalised_at, manager_comment_at FROM lcs_visits;",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let run = check_databases(dir.path(), db.url(), None).await;

    assert_eq!(run.code, 1, "{run}");
    assert_eq!(
        run.failures(),
        [
            "FAIL case schema: visits.ssda903_recorded: missing (expected a boolean: boolean, or an integer 0/1)"
        ],
        "{run}"
    );
}

#[tokio::test]
async fn a_postgres_timestamp_without_time_zone_is_named_with_the_cast_that_fixes_it() {
    let db = TestDb::postgres().await;
    db.migrated_source().await.close().await;
    db.execute("ALTER TABLE visits ALTER COLUMN visit_at TYPE timestamp")
        .await;
    let dir = tempfile::tempdir().unwrap();
    // The state database may share the case database (their tables do not clash); nothing migrated it yet.
    let run = check_databases(dir.path(), db.url(), Some(db.url())).await;

    assert_eq!(run.code, 1, "{run}");
    let failures = run.failures();
    assert_eq!(failures.len(), 1, "{run}");
    assert!(
        failures[0].starts_with(
            "FAIL case schema: visits.visit_at: is timestamp without time zone, which casewatch refuses"
        ),
        "{run}"
    );
    assert!(
        failures[0].contains("`… AT TIME ZONE 'Europe/London' AS visit_at`"),
        "{run}"
    );
    assert!(
        run.has(
            "ok   state database: ",
            &[format!(
                "0 migrations applied, {} pending ({})",
                state_migrations().len(),
                state_migrations().join(", ")
            )
            .as_str()]
        ),
        "{run}"
    );
}

#[tokio::test]
async fn a_postgres_table_whose_case_id_has_no_index_is_a_warning_only() {
    let db = TestDb::postgres().await;
    db.migrated_source().await.close().await;
    db.execute("DROP INDEX assessments_case").await;
    let dir = tempfile::tempdir().unwrap();
    let run = check_databases(dir.path(), db.url(), None).await;

    assert_eq!(run.code, 0, "{run}");
    assert_eq!(run.warnings().len(), 1, "{run}");
    assert!(
        run.has(
            "warn case schema: assessments: ",
            &["ORDER BY case_id COLLATE \"C\"", "docs/case-schema.md"]
        ),
        "{run}"
    );
    assert!(
        run.stdout.lines().last().unwrap().contains("1 warning"),
        "{run}"
    );
}

#[tokio::test]
async fn a_case_database_that_cannot_be_reached_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let missing = format!("sqlite://{}", dir.path().join("cases.db").display());
    let run = check_databases(dir.path(), &missing, None).await;

    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.has("FAIL case database: ", &["does not exist"]),
        "{run}"
    );
    assert!(run.has("ok   state database: ", &[]), "{run}");
}

/// `write_config` (state in `dir`, email into files) with `rules.packs = [packs]` switched on.
fn config_with_packs(dir: &Path, source_url: &str, packs: &str) -> std::path::PathBuf {
    let config = write_config(dir, source_url, &new_state(dir), &file_email(dir));
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!("\n[rules]\npacks = [{packs}]\n"));
    std::fs::write(&config, text).unwrap();
    config
}

#[tokio::test]
async fn packs_reading_tables_the_database_lacks_fail_naming_rule_and_table_and_evaluate_refuses_to_start()
 {
    let db = TestDb::sqlite().await;
    db.migrated_source().await.close().await;
    // A case database made before SPEC 8.1: the six tables only.
    db.execute("DROP TABLE records; DROP TABLE meetings; DROP TABLE case_events;")
        .await;
    let dir = tempfile::tempdir().unwrap();
    let config = config_with_packs(dir.path(), db.url(), "\"havering\"");

    let run = check_config(&[config.as_os_str()], &[]).await;
    let evaluate = tokio::process::Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .args(["evaluate", "--at", "2026-03-10T09:00:00Z", "--config"])
        .arg(&config)
        .output()
        .await
        .unwrap();

    assert_eq!(run.code, 2, "{run}");
    let lacks = [
        db.url(),
        "has no table or view `case_events`",
        "icpc-record",
        "`meetings`",
        "`records`",
    ];
    assert!(run.has("FAIL case schema: ", &lacks), "{run}");
    assert!(run.has("FAIL case schema: ", &["cla-care-plan"]), "{run}");
    assert_eq!(evaluate.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&evaluate.stderr);
    assert!(
        stderr.contains("has no table or view `case_events`, which rules"),
        "{stderr}"
    );
    assert!(stderr.contains("strategy-record"), "{stderr}");
}

#[tokio::test]
async fn with_packs_the_optional_tables_are_checked_like_the_six() {
    let db = TestDb::postgres().await;
    db.migrated_source().await.close().await;
    db.execute("DROP INDEX records_case; ALTER TABLE meetings DROP COLUMN chair_id;")
        .await;
    let dir = tempfile::tempdir().unwrap();
    let config = config_with_packs(dir.path(), db.url(), "\"havering\", \"lcs\"");

    let run = check_config(&[config.as_os_str()], &[]).await;

    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.has(
            "FAIL case schema: meetings.chair_id: missing",
            &["expected text"]
        ),
        "{run}"
    );
    let unindexed = run
        .warnings()
        .into_iter()
        .any(|w| w.contains("records: no index serves"));
    assert!(unindexed, "{run}");
}

/// The state database's migrations as the files name them (`0002_send_windows_and_repeats.sql` is
/// "2 send windows and repeats"), in order.
fn state_migrations() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/state/postgres");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|name| {
            let (number, rest) = name.strip_suffix(".sql")?.split_once('_')?;
            Some(format!(
                "{} {}",
                number.parse::<u32>().ok()?,
                rest.replace('_', " ")
            ))
        })
        .collect();
    names.sort_by_key(|n| n.split(' ').next().and_then(|n| n.parse::<u32>().ok()));
    names
}
