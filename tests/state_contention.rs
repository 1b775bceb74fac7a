//! Issue 21: a large first pass on a SQLite state database, with many sends at once, while operators read the
//! same file from other processes (`outbox list`, `audit`), ends without "database is locked" and sends everything.
//! The pass once contended with itself for its own file's lock and failed part way; readers opening the database
//! migrated it beside the pass.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The instant of the pass, pinned: a Monday at 09:00 UK time, within the digest's send window.
const AT: &str = "2026-12-07T09:00:00Z";

fn casewatch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("casewatch runs")
}

fn config_text(dir: &Path) -> String {
    format!(
        r#"
[source]
url = "sqlite://{dir}/cases.db"
[state]
url = "sqlite://{dir}/state.db"
[notify]
fallback_address = "ops@council.example"
[rules]
packs = ["lcs", "havering", "luton", "isle-of-wight", "enfield"]
[delivery]
# Everything the history holds is told, as after a long outage: the pass's shape at scale.
tell_from = "2000-01-01"
concurrency = 32
[email]
transport = "file"
file_dir = "{dir}/mail"
from = "casewatch <casewatch@council.example>"
"#,
        dir = dir.display()
    )
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
    let cases = format!("sqlite://{}/cases.db", dir.path().display());
    let out = casewatch(&[
        "demo",
        "generate",
        "--seed",
        "2026",
        "--today",
        "2026-11-23",
        "--children",
        "800",
        "--source",
        &cases,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = dir.path().join("casewatch.toml");
    std::fs::write(&config, config_text(dir.path())).unwrap();
    let config = config.to_str().unwrap().to_owned();

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
