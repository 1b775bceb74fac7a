//! casewatch's own state database at scale (issue 21).
//!
//! - A large first pass on a SQLite state database, with many sends at once, while operators read the same file
//!   from other processes (`outbox list`, `audit`), ends without "database is locked" and sends everything. The
//!   pass once contended with itself for its own file's lock and failed part way; readers opening the database
//!   migrated it beside the pass.
//! - `state.retain_days`: the bodies of messages sent longer ago than that are pruned; every audit row stays.
//!
//! Instants pinned: the pass at Monday 7 December 2026 09:00 UTC (within the digest's send window), the prunes
//! 30 days on, either side.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use casewatch::store::Store;

const AT: &str = "2026-12-07T09:00:00Z";

fn casewatch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("casewatch runs")
}

/// What succeeded `out` printed.
fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Fills a case database in `dir` with `children` generated children.
fn generate(dir: &Path, children: &str) {
    let cases = format!("sqlite://{}/cases.db", dir.display());
    stdout(&casewatch(&[
        "demo",
        "generate",
        "--seed",
        "2026",
        "--today",
        "2026-11-23",
        "--children",
        children,
        "--source",
        &cases,
    ]));
}

/// A configuration for `dir`'s databases that tells everything in the history (as after a long outage: the pass's
/// shape at scale) by the file transport, with further `[state]` lines and lines after `[delivery]`.
fn write_config(dir: &Path, state: &str, extra: &str) -> String {
    let config = dir.join("casewatch.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[source]
url = "sqlite://{dir}/cases.db"
[state]
url = "sqlite://{dir}/state.db"
{state}
[notify]
fallback_address = "ops@council.example"
[email]
transport = "file"
file_dir = "{dir}/mail"
from = "casewatch <casewatch@council.example>"
[delivery]
tell_from = "2000-01-01"
{extra}
"#,
            dir = dir.display()
        ),
    )
    .unwrap();
    config.to_str().unwrap().to_owned()
}

/// `outbox prune` at `at`: what it printed.
fn prune(config: &str, at: &str) -> String {
    stdout(&casewatch(&[
        "outbox", "prune", "--config", config, "--at", at,
    ]))
}

/// Runs one reader command over and over until `stop`; returns what each failed run printed, and how many ran.
fn reader(args: Vec<String>, stop: Arc<AtomicBool>) -> (Vec<String>, usize) {
    let mut failures = Vec::new();
    let mut runs = 0;
    while !stop.load(Ordering::Relaxed) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = casewatch(&args);
        runs += 1;
        if !out.status.success() || String::from_utf8_lossy(&out.stderr).contains("locked") {
            failures.push(String::from_utf8_lossy(&out.stderr).into_owned());
        }
    }
    (failures, runs)
}

#[test]
fn a_large_pass_beside_readers_has_no_lock_error() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), "800");
    let config = write_config(
        dir.path(),
        "",
        "concurrency = 32\n[rules]\npacks = [\"lcs\", \"havering\", \"luton\", \"isle-of-wight\", \"enfield\"]",
    );

    // The readers start first, on a state database that does not exist yet, and keep reading until the pass ends.
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = [
        vec!["outbox", "list", "--config", &config],
        vec!["audit", "--config", &config, "--case", "C0001"],
        vec!["outbox", "list", "--pending", "--config", &config],
    ]
    .into_iter()
    .map(|args| {
        let args = args.into_iter().map(str::to_owned).collect();
        let stop = stop.clone();
        std::thread::spawn(move || reader(args, stop))
    })
    .collect();
    let tick = casewatch(&["tick", "--config", &config, "--at", AT]);
    stop.store(true, Ordering::Relaxed);
    let tick_err = String::from_utf8_lossy(&tick.stderr);
    assert!(tick.status.success(), "the pass failed: {tick_err}");
    assert!(!tick_err.contains("locked"), "{tick_err}");
    assert!(!tick_err.contains("cannot record"), "{tick_err}");
    for reader in readers {
        let (failures, runs) = reader.join().unwrap();
        assert!(runs > 0);
        assert!(
            failures.is_empty(),
            "{} of {runs} reads failed: {}",
            failures.len(),
            failures[0]
        );
    }

    // Every message composed was sent, each once: as many .eml files as messages, none pending or dead.
    let mail = std::fs::read_dir(dir.path().join("mail")).unwrap().count();
    let list = casewatch(&["outbox", "list", "--config", &config, "--limit", "100000"]);
    let list = String::from_utf8_lossy(&list.stdout).into_owned();
    let rows: Vec<&str> = list
        .lines()
        .skip(1)
        .filter(|l| !l.ends_with("message(s)"))
        .collect();
    assert!(
        rows.len() > 100,
        "a pass of this shape sends many messages: {}",
        rows.len()
    );
    assert_eq!(rows.len(), mail, "{list}");
    assert!(
        rows.iter()
            .all(|r| r.split_whitespace().nth(1) == Some("sent")),
        "{list}"
    );
}

#[tokio::test]
async fn bodies_older_than_retain_days_are_pruned_and_the_audit_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), "60");
    let config = &write_config(dir.path(), "retain_days = 30", "");
    stdout(&casewatch(&["tick", "--config", config, "--at", AT]));
    let sent = std::fs::read_dir(dir.path().join("mail")).unwrap().count();
    assert!(sent > 0, "the pass sends something");

    let store = Store::connect(&format!("sqlite://{}/state.db", dir.path().display()))
        .await
        .unwrap();
    let Store::Sqlite(pool) = &store else {
        unreachable!()
    };
    let messages = store.messages(Some("sent"), 100_000).await.unwrap();
    assert_eq!(messages.len(), sent);
    // Stored deflated, read back whole: what a retry would send.
    for m in &messages {
        assert!(
            !m.text.is_empty() && !m.html.is_empty(),
            "message {} {}",
            m.id,
            m.kind
        );
        serde_json::from_str::<serde_json::Value>(&m.items_json).unwrap();
    }
    let case: String =
        sqlx::query_scalar("SELECT case_id FROM notices WHERE message_id IS NOT NULL LIMIT 1")
            .fetch_one(pool)
            .await
            .unwrap();
    let audit_before = stdout(&casewatch(&["audit", "--config", config, "--case", &case]));
    let counts = "SELECT (SELECT count(*) FROM notices) || ' ' || (SELECT count(*) FROM messages) || ' ' || \
                  (SELECT count(*) FROM attempts) || ' ' || (SELECT count(*) FROM stage_log)";
    let rows_before: String = sqlx::query_scalar(counts).fetch_one(pool).await.unwrap();

    // Sent at 09:00:00 on 7 December: 30 days later to the second is not yet longer ago than 30 days.
    let out = prune(config, "2027-01-06T09:00:00Z");
    assert!(
        out.starts_with("pruned the bodies of 0 message(s) sent more than 30 days ago"),
        "{out}"
    );
    let out = prune(config, "2027-01-06T09:00:01Z");
    assert!(
        out.starts_with(&format!(
            "pruned the bodies of {sent} message(s) sent more than 30 days ago"
        )),
        "{out}"
    );

    let pruned = store.messages(Some("sent"), 100_000).await.unwrap();
    assert_eq!(pruned.len(), sent, "the messages themselves are kept");
    assert!(
        pruned
            .iter()
            .all(|m| m.text.is_empty() && m.html.is_empty() && m.items_json.is_empty())
    );
    assert!(
        pruned
            .iter()
            .all(|m| m.sent_at.is_some() && !m.subject.is_empty())
    );
    let left: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM messages WHERE body IS NOT NULL OR pruned_at IS NULL",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(left, 0);
    let items: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notices WHERE item_json <> '' AND message_id IS NOT NULL",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(items, 0);
    let rows_after: String = sqlx::query_scalar(counts).fetch_one(pool).await.unwrap();
    assert_eq!(rows_after, rows_before, "no audit row is deleted");
    let audit_after = stdout(&casewatch(&["audit", "--config", config, "--case", &case]));
    assert_eq!(audit_after, audit_before);

    // A second prune finds nothing more.
    let out = prune(config, "2027-06-01T09:00:00Z");
    assert!(
        out.starts_with("pruned the bodies of 0 message(s)"),
        "{out}"
    );
}

#[test]
fn retain_days_below_thirty_is_refused_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "retain_days = 7", "");
    let out = casewatch(&["outbox", "prune", "--config", &config, "--at", AT]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`state.retain_days`") && err.contains("found 7"),
        "{err}"
    );
}
