//! `casewatch run` as a real child process, on SQLite, with a real SMTP server and systemd's notification socket:
//! it becomes ready, answers /readyz and /metrics, sends what is due, reloads on SIGHUP (keeping the old
//! configuration when the new one is broken), and exits 0 on SIGTERM within its bound.

mod support;

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use casewatch::calendar::{WorkingCalendar, local_date};
use casewatch::model::{Assessment, Staff};
use casewatch::source::CaseSource;
use chrono::{Duration as Days, Utc};
use support::fixtures::{case, child, staff, visit};
use support::smtp::SmtpServer;
use support::{TestDb, free_port};

fn person(id: &str, email: Option<&str>, manager: Option<&str>) -> Staff {
    Staff {
        email: email.map(Into::into),
        manager_id: manager.map(Into::into),
        ..staff(id)
    }
}

/// A case whose statutory visit failed 20 days ago (breach to W42 and P4, escalations to S7 and, as SM1 has no
/// email, to the fallback mailbox), and a C&F due in two working days (a reminder to W42, a warning to P4).
async fn load(source: &CaseSource, case_id: &str) {
    let loader = source.loader();
    let today = local_date(Utc::now());
    let calendar = WorkingCalendar::new(Default::default(), []);
    let child_id = format!("K-{case_id}");
    loader.insert(&[child(&child_id)]).await.unwrap();
    let mut c = case(case_id, &child_id);
    c.allocated_worker_id = Some("W42".into());
    loader.insert(&[c]).await.unwrap();
    let failed = (Utc::now() - Days::days(20)).to_rfc3339();
    let mut v = visit(&format!("V-{case_id}"), case_id, &failed);
    v.child_seen = false;
    loader.insert(&[v]).await.unwrap();
    loader
        .insert(&[Assessment {
            id: format!("A-{case_id}"),
            case_id: case_id.into(),
            started_on: calendar.add_working_days(today, -8),
            referral_on: None,
            priority_working_days: 10,
            priority_set_at: None,
            completed_on: None,
            worker_id: None,
        }])
        .await
        .unwrap();
}

fn config(dir: &Path, source: &str, smtp: u16, http: u16, from: &str) -> String {
    format!(
        r#"
[source]
url = "{source}"
[state]
url = "sqlite://{state}"
[notify]
fallback_address = "ops@example.org"
[email]
host = "127.0.0.1"
port = {smtp}
tls = "none"
from = "{from}"
[schedule]
evaluate = "* * * * * *"
deliver_every_seconds = 1
shutdown_grace_seconds = 5
[http]
listen = "127.0.0.1:{http}"
# Whatever the day and hour the test runs.
[delivery]
digest_times = ["00:00"]
summary_times = ["00:00"]
digests_on_non_working_days = true
out_of_hours = true
"#,
        state = dir.join("state.db").display()
    )
}

/// What systemd would read from the notification socket.
struct Notifications(UnixDatagram, Vec<String>);

impl Notifications {
    fn wait_for(&mut self, wanted: &str, within: Duration) {
        let deadline = Instant::now() + within;
        let mut buf = [0u8; 4096];
        while !self.1.iter().any(|m| m.contains(wanted)) {
            assert!(
                Instant::now() < deadline,
                "no `{wanted}` from systemd notify; got {:?}",
                self.1
            );
            if let Ok(n) = self.0.recv(&mut buf) {
                self.1.push(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
        }
    }
}

/// Waits for `ok`; on timeout the panic carries the service's log, which says what it was doing.
async fn wait_until<F: Fn() -> bool>(what: &str, log: &Path, within: Duration, ok: F) {
    let deadline = Instant::now() + within;
    while !ok() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; the service's log:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The text of a page the service serves.
async fn scrape(client: &reqwest::Client, url: &str) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

/// The value of one series (name and labels exactly as Prometheus prints them) in a `/metrics` page.
fn sample(page: &str, series: &str) -> Option<f64> {
    page.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

fn senders(smtp: &SmtpServer) -> Vec<String> {
    smtp.received().iter().map(|m| m.from.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_runs_reloads_and_stops_cleanly() {
    let db = TestDb::sqlite().await;
    let source = db.migrated_source().await;
    source
        .loader()
        .insert(&[
            person("W42", Some("w42@example.org"), Some("P4")),
            person("P4", Some("pm4@example.org"), Some("S7")),
            // A team manager with someone reporting to them: a daily summary (at 00:00, so whatever the hour).
            Staff {
                role: "team_manager".into(),
                ..person("S7", Some("tm7@example.org"), Some("SM1"))
            },
            person("SM1", None, None),
        ])
        .await
        .unwrap();
    load(&source, "C1").await;

    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start().await;
    let http = free_port();
    let path: PathBuf = dir.path().join("casewatch.toml");
    std::fs::write(
        &path,
        config(
            dir.path(),
            db.url(),
            smtp.port(),
            http,
            "casewatch <casewatch@council.example>",
        ),
    )
    .unwrap();
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut notify = Notifications(socket, Vec::new());

    let log = dir.path().join("service.log");
    let mut service = tokio::process::Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .args([
            "run",
            "--config",
            path.to_str().unwrap(),
            "--log-format",
            "json",
        ])
        .env("NOTIFY_SOCKET", &socket_path)
        .env("RUST_LOG", "info,casewatch=debug")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let pid = service.id().unwrap() as i32;
    notify.wait_for("READY=1", Duration::from_secs(30));

    // Ready once the first evaluation has run; metrics and health answer.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let url = |p: &str| format!("http://127.0.0.1:{http}{p}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = client
            .get(url("/readyz"))
            .send()
            .await
            .ok()
            .map(|r| r.status().as_u16());
        if ready == Some(200) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "/readyz never became ready: {ready:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        client.get(url("/healthz")).send().await.unwrap().status(),
        200
    );
    let metrics = scrape(&client, &url("/metrics")).await;
    assert!(metrics.contains("casewatch_ticks_total"), "{metrics}");

    // Two digests, four immediate notices and S7's summary, once each however many evaluations run.
    wait_until("seven emails", &log, Duration::from_secs(30), || {
        smtp.received().len() >= 7
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut to: Vec<String> = smtp.received().iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(
        to,
        [
            "ops@example.org",
            "pm4@example.org",
            "pm4@example.org",
            "tm7@example.org",
            "tm7@example.org",
            "w42@example.org",
            "w42@example.org"
        ]
    );
    // What the delivery worker composed and sent moves the counters as a `tick` does.
    let metrics = scrape(&client, &url("/metrics")).await;
    for (series, expected) in [
        (r#"casewatch_messages_composed_total{kind="digest"}"#, 2.0),
        (
            r#"casewatch_messages_composed_total{kind="immediate"}"#,
            4.0,
        ),
        (r#"casewatch_messages_composed_total{kind="summary"}"#, 1.0),
        (r#"casewatch_deliveries_total{outcome="sent"}"#, 7.0),
        (r#"casewatch_deliveries_total{outcome="dead"}"#, 0.0),
    ] {
        assert_eq!(
            sample(&metrics, series),
            Some(expected),
            "{series} in\n{metrics}"
        );
    }
    let subjects: Vec<String> = smtp
        .received()
        .iter()
        .map(|m| m.parsed().subject().unwrap_or_default().to_owned())
        .collect();
    assert!(
        subjects.contains(&"1 reminder — casewatch".to_owned()),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&"1 warning — casewatch".to_owned()),
        "{subjects:?}"
    );

    // SIGHUP with a changed sender: new notices go out from the new address. (The new case's reminder and warning
    // wait for tomorrow's digest window: one digest per person per window. Its four immediate notices go now.)
    let reloaded = "casewatch <reloaded@council.example>";
    std::fs::write(
        &path,
        config(dir.path(), db.url(), smtp.port(), http, reloaded),
    )
    .unwrap();
    unsafe { libc::kill(pid, libc::SIGHUP) };
    notify.wait_for("STATUS=configuration reloaded", Duration::from_secs(20));
    load(&source, "C2").await;
    wait_until("eleven emails", &log, Duration::from_secs(30), || {
        smtp.received().len() >= 11
    })
    .await;
    assert!(
        senders(&smtp)[7..]
            .iter()
            .all(|f| f == "reloaded@council.example"),
        "{:?}",
        senders(&smtp)
    );

    // SIGHUP with a broken configuration: reported, and the previous one keeps running.
    std::fs::write(&path, "[source]\nurl = 42\n").unwrap();
    unsafe { libc::kill(pid, libc::SIGHUP) };
    notify.wait_for("STATUS=reload failed", Duration::from_secs(20));
    load(&source, "C3").await;
    wait_until("fifteen emails", &log, Duration::from_secs(30), || {
        smtp.received().len() >= 15
    })
    .await;
    assert!(
        senders(&smtp)[11..]
            .iter()
            .all(|f| f == "reloaded@council.example")
    );

    // SIGTERM: stops within the bound, exit code 0, STOPPING=1.
    let asked = Instant::now();
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let status = tokio::time::timeout(Duration::from_secs(10), service.wait())
        .await
        .expect("stopped within 10 s")
        .unwrap();
    assert!(
        status.success(),
        "{status:?}; the service's log:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    assert!(asked.elapsed() < Duration::from_secs(10));
    notify.wait_for("STOPPING=1", Duration::from_secs(2));
    assert_eq!(smtp.received().len(), 15, "nothing sent twice");
}
