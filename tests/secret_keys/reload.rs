//! SIGHUP to a real `casewatch run`: each broken configuration is logged as a failed reload that names the key,
//! and no log line holds the value.

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::ChildStderr;

use super::support::TestDb;
use super::{GOOD_PASSWORD, assert_refused, config, mistakes};

/// The service's log (JSON, one event a line), read as it is written.
struct Log {
    lines: Lines<BufReader<ChildStderr>>,
    seen: Vec<String>,
}

impl Log {
    /// Reads until a line contains `wanted`, and returns that line.
    async fn wait_for(&mut self, wanted: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = tokio::time::timeout(left, self.lines.next_line())
                .await
                .unwrap_or_else(|_| panic!("no `{wanted}` in the log:\n{}", self.seen.join("\n")))
                .unwrap()
                .unwrap_or_else(|| {
                    panic!("the log ended before `{wanted}`:\n{}", self.seen.join("\n"))
                });
            self.seen.push(line.clone());
            if line.contains(wanted) {
                return line;
            }
        }
    }
}

#[tokio::test]
async fn a_reload_logs_the_key_at_fault_but_never_the_secret() {
    let db = TestDb::sqlite().await;
    db.migrated_source().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("casewatch.toml");
    std::fs::write(&path, config(dir.path(), db.url(), GOOD_PASSWORD, "")).unwrap();
    let mut service = tokio::process::Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .arg("run")
        .arg("--config")
        .arg(&path)
        .args(["--log-format", "json"])
        .env("RUST_LOG", "debug")
        .env("CASEWATCH_TEST_SMTP_PASSWORD", "unused")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let pid = service.id().unwrap() as i32;
    let mut log = Log {
        lines: BufReader::new(service.stderr.take().unwrap()).lines(),
        seen: Vec::new(),
    };
    // Its SIGHUP handler is in place before this line is written.
    log.wait_for("casewatch is running").await;

    // The environment of a running service cannot change, so only the mistakes made in the file apply here.
    let in_file = mistakes(dir.path(), db.url())
        .into_iter()
        .filter(|m| m.env.is_empty());
    for mistake in in_file {
        std::fs::write(&path, &mistake.file).unwrap();

        unsafe { libc::kill(pid, libc::SIGHUP) };

        let line = log.wait_for("reload failed").await;
        let event: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_refused(event["message"].as_str().unwrap(), &mistake);
        assert!(
            log.seen.iter().all(|l| !l.contains(mistake.value)),
            "{}",
            log.seen.join("\n")
        );
    }

    unsafe { libc::kill(pid, libc::SIGTERM) };
    log.wait_for("stopped").await;
    let status = service.wait().await.unwrap();
    assert!(status.success(), "{status:?}");
}
