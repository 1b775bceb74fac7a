//! A running service reads the staff directory again on SIGHUP: new notices go to the addresses the new file
//! gives, and its skipped rows are counted in /metrics.

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use casewatch::model::{Case, Staff, Visit};
use casewatch::source::CaseSource;
use chrono::{Duration as Days, Utc};

use super::HEADER;
use super::support::fixtures::{case, child, staff, visit};
use super::support::smtp::SmtpServer;
use super::support::{TestDb, free_port};

/// A case whose statutory visit failed 20 days ago: a breach to the worker and the supervisor, escalations to the
/// team manager and the senior manager, all sent at once.
async fn failed_visit(source: &CaseSource, case_id: &str) {
    let loader = source.loader();
    let child_id = format!("K-{case_id}");
    loader.insert(&[child(&child_id)]).await.unwrap();
    loader
        .insert(&[Case {
            allocated_worker_id: Some("W1".into()),
            ..case(case_id, &child_id)
        }])
        .await
        .unwrap();
    let failed = (Utc::now() - Days::days(20)).to_rfc3339();
    loader
        .insert(&[Visit {
            child_seen: false,
            ..visit(&format!("V-{case_id}"), case_id, &failed)
        }])
        .await
        .unwrap();
}

/// The file: W1's address as given, and their managers'.
fn staff_file(w1_email: &str, extra: &str) -> String {
    format!(
        "{HEADER}\n\
         W1,Wendy One,{w1_email},worker,,,,,,\n\
         P1,Pam One,p1@council.example,practice_manager,,,,,,\n\
         T1,Tom One,t1@council.example,team_manager,,,,,,\n\
         S1,Sue One,s1@council.example,senior_manager,,,,,,\n{extra}"
    )
}

fn config(dir: &Path, source: &str, smtp: u16, http: u16) -> String {
    format!(
        r#"
[source]
url = "{source}"
[state]
url = "sqlite://{state}"
[notify]
fallback_address = "ops@council.example"
[email]
host = "127.0.0.1"
port = {smtp}
tls = "none"
from = "casewatch@council.example"
[schedule]
evaluate = "* * * * * *"
deliver_every_seconds = 1
shutdown_grace_seconds = 5
[http]
listen = "127.0.0.1:{http}"
# Whatever the day and hour the test runs: immediate notices at any time, and no managers' summaries (T1 and S1
# manage someone, and would get one at 08:30 on a working day).
[delivery]
out_of_hours = true
summary_times = []
[directory]
file = "staff.csv"
"#,
        state = dir.join("state.db").display()
    )
}

async fn wait_until<F: Fn() -> bool>(what: &str, within: Duration, ok: F) {
    let deadline = Instant::now() + within;
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits for systemd's notification `wanted` on `socket`.
fn wait_for_notification(socket: &UnixDatagram, wanted: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut buf = [0u8; 4096];
    loop {
        assert!(
            Instant::now() < deadline,
            "no `{wanted}` from systemd notify"
        );
        if let Ok(n) = socket.recv(&mut buf)
            && String::from_utf8_lossy(&buf[..n]).contains(wanted)
        {
            return;
        }
    }
}

/// Recipients of the messages received, in order of arrival, from message `from` on.
fn recipients(smtp: &SmtpServer, from: usize) -> Vec<String> {
    let mut to: Vec<String> = smtp.received()[from..]
        .iter()
        .flat_map(|m| m.to.clone())
        .collect();
    to.sort();
    to
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reads_the_staff_directory_again() {
    let db = TestDb::sqlite().await;
    let source = db.migrated_source().await;
    let chain = |id: &str, manager: Option<&str>| Staff {
        email: None,
        manager_id: manager.map(Into::into),
        ..staff(id)
    };
    source
        .loader()
        .insert(&[
            chain("W1", Some("P1")),
            chain("P1", Some("T1")),
            chain("T1", Some("S1")),
            chain("S1", None),
        ])
        .await
        .unwrap();
    failed_visit(&source, "C1").await;
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start().await;
    let http = free_port();
    let csv = dir.path().join("staff.csv");
    std::fs::write(&csv, staff_file("w1-before@council.example", "")).unwrap();
    let path = dir.path().join("casewatch.toml");
    std::fs::write(&path, config(dir.path(), db.url(), smtp.port(), http)).unwrap();
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut service = tokio::process::Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .args(["run", "--config", path.to_str().unwrap()])
        .env("NOTIFY_SOCKET", &socket_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let pid = service.id().unwrap() as i32;
    wait_for_notification(&socket, "READY=1");

    wait_until("four emails", Duration::from_secs(30), || {
        smtp.received().len() >= 4
    })
    .await;
    assert_eq!(
        recipients(&smtp, 0),
        [
            "p1@council.example",
            "s1@council.example",
            "t1@council.example",
            "w1-before@council.example"
        ]
    );

    // W1's address changes in HR's export, which also brings a row casewatch cannot use.
    let bad = "X1,Xan One,xan at council,worker,,,,,,\n";
    std::fs::write(&csv, staff_file("w1-after@council.example", bad)).unwrap();
    unsafe { libc::kill(pid, libc::SIGHUP) };
    wait_for_notification(&socket, "STATUS=configuration reloaded");
    failed_visit(&source, "C2").await;

    wait_until("eight emails", Duration::from_secs(30), || {
        smtp.received().len() >= 8
    })
    .await;
    assert_eq!(
        recipients(&smtp, 4),
        [
            "p1@council.example",
            "s1@council.example",
            "t1@council.example",
            "w1-after@council.example"
        ]
    );
    // Read twice: 4 rows, then 5 of which 1 skipped.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let metrics = reqwest::get(format!("http://127.0.0.1:{http}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("casewatch_rows_read_total{table=\"staff_directory\"} 9"),
        "{metrics}"
    );
    assert!(
        metrics.contains("casewatch_rows_skipped_total{table=\"staff_directory\"} 1"),
        "{metrics}"
    );

    unsafe { libc::kill(pid, libc::SIGTERM) };
    let status = tokio::time::timeout(Duration::from_secs(20), service.wait())
        .await
        .expect("stopped")
        .unwrap();
    assert!(status.success(), "{status:?}");
}
