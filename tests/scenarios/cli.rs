//! The real binary: `casewatch evaluate` and `casewatch calendar`, exit codes and what goes where.

use std::process::{Command, Output};

use crate::county::load_spec_example;
use crate::support::{TestDb, backend_test};

fn casewatch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run casewatch")
}

fn write_config(dir: &std::path::Path, source_url: &str) -> String {
    let path = dir.join("casewatch.toml");
    std::fs::write(
        &path,
        format!(
            "[source]\nurl = \"{source_url}\"\n[notify]\nfallback_address = \"ops@example.org\"\n"
        ),
    )
    .unwrap();
    path.display().to_string()
}

backend_test!(async fn evaluate_prints_json_lines_and_exits_zero(db) {
    let source = db.migrated_source().await;
    load_spec_example(&source).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), db.url());
    let out = casewatch(&["evaluate", "--config", &config, "--at", "2026-03-12T09:00:00Z", "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 3);
    assert!(stdout.lines().last().unwrap().contains(r#""stage":"escalate-to-team-manager""#));
    let table = casewatch(&["evaluate", "--config", &config, "--at", "2026-03-12T09:00:00Z"]);
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.contains("Fri 13 Mar 2026 23:59") && table.contains("escalate-to-team-manager"), "{table}");
});

#[test]
fn a_bad_config_names_the_key_and_prints_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("casewatch.toml");
    std::fs::write(
        &path,
        "[source]\nurl = \"sqlite://x.db\"\n[notify]\nfallback_adress = \"ops@example.org\"\n",
    )
    .unwrap();
    let out = casewatch(&[
        "evaluate",
        "--config",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`notify.fallback_adress`"), "{stderr}");
}

#[test]
fn an_unreachable_database_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = format!("sqlite://{}", dir.path().join("nope.db").display());
    let config = write_config(dir.path(), &missing);
    let out = casewatch(&["evaluate", "--config", &config, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.db"));
    let config = write_config(dir.path(), "postgres://casewatch:secret@127.0.0.1:1/cases");
    let out = casewatch(&["evaluate", "--config", &config, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("127.0.0.1:1") && !stderr.contains("secret"),
        "{stderr}"
    );
}

#[test]
fn calendar_commands_follow_the_spec_examples() {
    let add = |date: &str, n: &str| {
        String::from_utf8(casewatch(&["calendar", "add", date, n]).stdout).unwrap()
    };
    assert_eq!(add("2026-12-26", "1"), "2026-12-29\n");
    assert_eq!(add("2026-12-22", "5"), "2026-12-31\n");
    assert_eq!(add("2026-12-29", "-1"), "2026-12-24\n");
    let holidays = casewatch(&["calendar", "holidays", "2026", "--region", "scotland"]);
    assert_eq!(
        String::from_utf8(holidays.stdout).unwrap(),
        "2026-01-01\n2026-01-02\n2026-04-03\n2026-05-04\n2026-05-25\n2026-06-15\n2026-08-03\n2026-11-30\n2026-12-25\n2026-12-28\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(&config, "[source]\nurl = \"sqlite://x.db\"\n[calendar]\nextra_closures = [\"2026-12-24\"]\n[notify]\nfallback_address = \"ops@example.org\"\n").unwrap();
    let c = config.to_str().unwrap();
    let out =
        String::from_utf8(casewatch(&["calendar", "add", "2026-12-23", "1", "--config", c]).stdout)
            .unwrap();
    assert_eq!(out, "2026-12-29\n");
    let out = String::from_utf8(casewatch(&["calendar", "holidays", "2026", "--config", c]).stdout)
        .unwrap();
    assert!(
        out.ends_with("2026-12-24\n2026-12-25\n2026-12-28\n"),
        "{out}"
    );
}

#[allow(dead_code)]
fn keep(_: TestDb) {}

/// A case id of 70,000 characters is a bad row, named (its id cut in the log) and skipped; an address of 70,000
/// characters is printed whole (Rust's format widths stop at 65,535, so the table pads by hand): no panic.
#[tokio::test]
async fn evaluate_names_a_70000_character_id_and_prints_a_table_whatever_the_length_of_a_cell() {
    use crate::support::fixtures::{case, child, staff, visit};
    let db = TestDb::sqlite().await;
    let source = db.migrated_source().await;
    let long_id = format!("C{}", "x".repeat(70_000));
    let long_address = format!("{}@council.example", "w".repeat(70_000));
    let loader = source.loader();
    loader
        .insert(&[casewatch::model::Staff {
            email: Some(long_address.clone()),
            ..staff("W1")
        }])
        .await
        .unwrap();
    loader.insert(&[child("K1")]).await.unwrap();
    for id in [long_id.as_str(), "C1"] {
        loader
            .insert(&[casewatch::model::Case {
                allocated_worker_id: Some("W1".into()),
                ..case(id, "K1")
            }])
            .await
            .unwrap();
        let failed = casewatch::model::Visit {
            child_seen: false,
            ..visit(&format!("V-{}", &id[..2]), id, "2026-03-02T10:00:00Z")
        };
        loader.insert(&[failed]).await.unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), db.url());
    let out = casewatch(&[
        "evaluate",
        "--config",
        &config,
        "--at",
        "2026-03-12T09:00:00Z",
        "--format",
        "table",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        !table.contains(&long_id),
        "the case with the long id is skipped"
    );
    let rows: Vec<&str> = table.lines().filter(|l| l.contains(" C1 ")).collect();
    assert!(!rows.is_empty(), "{}", &table[..table.len().min(2000)]);
    assert!(
        rows.iter().any(|l| l.contains(&long_address)),
        "the long address is printed whole"
    );
    // The address is the last column: it starts where the header's last name does.
    let header = table.lines().next().unwrap();
    let last_column = header.rfind(' ').unwrap() + 1;
    let row = rows.iter().find(|l| l.contains(&long_address)).unwrap();
    assert_eq!(row.find(&long_address), Some(last_column));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("case_id: an id of 70001 characters; ids are at most 256"),
        "{}",
        &stderr[..stderr.len().min(3000)]
    );
    assert!(
        stderr.contains("(cut: 70001 characters in all)"),
        "the log line cuts the id"
    );
    assert!(stderr.len() < 10_000, "no 70,000-character log line");
}
