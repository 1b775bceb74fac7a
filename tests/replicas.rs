//! `casewatch run` as several replicas on one real PostgreSQL, with a real SMTP server: they share delivery, one
//! of them evaluates, a SIGKILLed replica's claims and evaluation lock pass to the survivors, and a PostgreSQL
//! outage leaves the service up, unready, and then catching up.

mod support;

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use casewatch::calendar::local_date;
use casewatch::generate::{Generator, load};
use casewatch::source::{CaseSource, OpenMode};
use chrono::Utc;
use sqlx::{Connection, PgConnection};
use support::postgres::Dedicated;
use support::smtp::SmtpServer;
use support::{TestDb, free_port};
use tokio::process::{Child, Command};

/// Every stage goes out at once as its own message, whatever the day and hour, so a caseload gives thousands.
fn config(database: &str, smtp: u16, http: u16, lease_seconds: u64) -> String {
    format!(
        r#"
[source]
url = "{database}"
[state]
url = "{database}"
[notify]
fallback_address = "ops@example.org"
[email]
host = "127.0.0.1"
port = {smtp}
tls = "none"
from = "casewatch <casewatch@example.org>"
[schedule]
evaluate = "0 0 3 * * *"
deliver_every_seconds = 1
shutdown_grace_seconds = 5
[http]
listen = "127.0.0.1:{http}"
[delivery]
immediate = ["reminder", "warning", "breach", "escalation"]
# Everything in the generated history is told (no go-live backlog): thousands of messages to share out.
tell_from = "2000-01-03"
# Each notice its own message: the point here is thousands of messages to share out among replicas.
immediate_together = false
out_of_hours = true
digests_on_non_working_days = true
concurrency = 2
lease_seconds = {lease_seconds}
backoff_initial_seconds = 1
backoff_max_seconds = 2
max_attempts = 1000
"#
    )
}

struct Replica {
    child: Child,
    pid: u32,
    http: u16,
}

async fn start_replica(dir: &Path, n: usize, config_text: &str, http: u16) -> Replica {
    let path = dir.join(format!("replica-{n}.toml"));
    std::fs::write(&path, config_text).unwrap();
    let log = std::fs::File::create(dir.join(format!("replica-{n}.log"))).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .args(["run", "--config", path.to_str().unwrap()])
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let pid = child.id().unwrap();
    Replica { child, pid, http }
}

/// `casewatch check-config`'s report (whatever its exit status: the relay may be down on purpose).
async fn check_config(path: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .arg("check-config")
        .arg(path)
        .output()
        .await
        .unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Fills `url` (case schema and state share the database) with a generated caseload dated today.
async fn generate(url: &str, children: usize) {
    let source = CaseSource::open(url, OpenMode::ReadWrite).await.unwrap();
    source.migrate_case_schema().await.unwrap();
    let generator = Generator::new(7, children, local_date(Utc::now()));
    load(&source, &generator.staff(), generator.case_files())
        .await
        .unwrap();
    source.close().await;
}

/// As [`scalar`], `None` while the query fails (the tables are not made yet, the server is away).
async fn try_scalar(conn: &mut PgConnection, sql: &str) -> Option<i64> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(conn)
        .await
        .ok()
}

async fn scalar(conn: &mut PgConnection, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(conn)
        .await
        .unwrap()
}

/// The pid (from its `application_name`) of the replica holding the evaluation lock in this database.
async fn lock_holder(conn: &mut PgConnection) -> Option<u32> {
    let name: Option<String> = sqlx::query_scalar(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND l.database = \
         (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .fetch_optional(conn)
    .await
    .unwrap();
    name.and_then(|name| name.rsplit(':').next()?.parse().ok())
}

/// Waits (at most `within`) until no message is left unsent.
async fn wait_all_sent(conn: &mut PgConnection, within: Duration) {
    wait_until("every message sent", within, async || {
        scalar(conn, "SELECT count(*) FROM messages WHERE status <> 'sent'").await == 0
    })
    .await;
}

/// Waits (at most `within`) until some session holds the evaluation lock; its replica's pid.
async fn wait_for_lock_holder(conn: &mut PgConnection, within: Duration) -> u32 {
    let mut holder = None;
    wait_until(
        "a replica to hold the evaluation lock",
        within,
        async || {
            holder = lock_holder(conn).await;
            holder.is_some()
        },
    )
    .await;
    holder.expect("waited for")
}

async fn wait_until<F: AsyncFnMut() -> bool>(what: &str, within: Duration, mut ok: F) {
    let deadline = Instant::now() + within;
    while !ok().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn holds_lock(metrics: &str) -> bool {
    metrics
        .lines()
        .any(|line| line == "casewatch_evaluation_lock_held 1")
}

async fn status(http: u16, path: &str) -> Option<(u16, String)> {
    let response = reqwest::get(format!("http://127.0.0.1:{http}{path}"))
        .await
        .ok()?;
    let code = response.status().as_u16();
    Some((code, response.text().await.unwrap_or_default()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_share_delivery_and_survive_a_sigkill() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let db = TestDb::postgres().await;
    let url = db.url().to_owned();
    generate(&url, 15_000).await;
    // A relay that takes 10 ms to accept each message, so delivery lasts long enough to kill a replica in it.
    let smtp = SmtpServer::builder()
        .accept_delay(Duration::from_millis(10))
        .start()
        .await;
    let dir = tempfile::tempdir().unwrap();
    let mut replicas = Vec::new();
    for n in 0..3 {
        let http = free_port();
        let text = config(&url, smtp.port(), http, 10);
        replicas.push(start_replica(dir.path(), n, &text, http).await);
    }
    let mut conn = PgConnection::connect(&url).await.unwrap();

    // One replica takes the evaluation lock and evaluates; all three send.
    let holder = wait_for_lock_holder(&mut conn, Duration::from_secs(60)).await;
    assert!(
        replicas.iter().any(|r| r.pid == holder),
        "the lock holder is one of ours"
    );
    // What an IT team sees when it checks a further host's configuration before starting it.
    let check = check_config(&dir.path().join("replica-0.toml")).await;
    assert!(
        check.contains("a running replica evaluates (casewatch evaluation lock ")
            && check.contains(&format!(":{holder})")),
        "{check}"
    );
    wait_until(
        "a few hundred messages sent",
        Duration::from_secs(120),
        async || smtp.received().len() >= 600,
    )
    .await;
    let senders: i64 = scalar(
        &mut conn,
        "SELECT count(DISTINCT replica) FROM attempts WHERE outcome = 'sent'",
    )
    .await;

    // SIGKILL the evaluator in the middle of delivery.
    let victim = replicas.iter().position(|r| r.pid == holder).unwrap();
    let mut killed = replicas.remove(victim);
    unsafe { libc::kill(killed.pid as i32, libc::SIGKILL) };
    killed.child.wait().await.unwrap();
    let received_at_kill = smtp.received().len();
    let in_flight = scalar(
        &mut conn,
        &format!(
            "SELECT count(*) FROM messages WHERE status = 'pending' AND lease_owner LIKE '%:{}' \
             AND lease_until > now()",
            killed.pid
        ),
    )
    .await;
    let total = scalar(&mut conn, "SELECT count(*) FROM messages").await;
    assert!(
        (received_at_kill as i64) < total,
        "the replica was killed during delivery ({received_at_kill} of {total} sent)"
    );

    // The lock moves to a survivor within the bound (session gone at once; survivors check every 5 s).
    let moved_within = Instant::now();
    let new_holder = wait_for_lock_holder(&mut conn, Duration::from_secs(20)).await;
    let moved_after = moved_within.elapsed();
    assert!(replicas.iter().any(|r| r.pid == new_holder));
    let mut gauges = Vec::new();
    for r in &replicas {
        let (_, metrics) = status(r.http, "/metrics").await.unwrap();
        gauges.push(holds_lock(&metrics));
    }
    // The gauge follows the lock within one check.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let mut evaluators = 0;
    for r in &replicas {
        let (_, metrics) = status(r.http, "/metrics").await.unwrap();
        evaluators += usize::from(holds_lock(&metrics));
    }
    assert_eq!(evaluators, 1, "exactly one survivor evaluates");

    // Every message is sent: the killed replica's claims after their lease, the rest by the survivors.
    wait_all_sent(&mut conn, Duration::from_secs(180)).await;
    let total = scalar(&mut conn, "SELECT count(*) FROM messages").await;
    let unassigned = scalar(
        &mut conn,
        "SELECT count(*) FROM notices WHERE message_id IS NULL AND cancelled_at IS NULL",
    )
    .await;
    assert_eq!(unassigned, 0, "every notice is in a message");
    assert!(total >= 1000, "a few thousand notices ({total})");
    let received = smtp.wait_for(total as usize).await;
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for message in &received {
        let parsed = message.parsed();
        let id = parsed.message_id().expect("a Message-ID").to_owned();
        *by_id.entry(id).or_default() += 1;
    }
    let mut expected: Vec<String> = sqlx::query_scalar("SELECT message_key FROM messages")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    expected.sort();
    for key in &expected {
        let id = casewatch::outbox::message_id(key);
        let id = id.trim_start_matches('<').trim_end_matches('>');
        assert!(by_id.contains_key(id), "message {key} never arrived");
    }
    assert_eq!(
        by_id.len(),
        expected.len(),
        "nothing arrived that was not composed"
    );
    let duplicates = received.len() - by_id.len();
    println!(
        "replicas: {total} messages; {senders} replicas sending before the kill; killed the evaluator with \
         {received_at_kill} delivered and {in_flight} claimed in flight; lock moved after {:.1} s; \
         {duplicates} duplicates (same Message-ID), gauges right after the move: {gauges:?}",
        moved_after.as_secs_f64()
    );
    assert!(senders >= 2, "the replicas share sending ({senders} sent)");
    if duplicates as i64 > in_flight {
        let mut detail = String::new();
        for key in &expected {
            let id = casewatch::outbox::message_id(key);
            if by_id[id.trim_start_matches('<').trim_end_matches('>')] > 1 {
                let rows: Vec<(String, String, chrono::DateTime<Utc>)> = sqlx::query_as(
                    "SELECT a.replica, a.outcome, a.attempted_at FROM attempts a JOIN messages m \
                     ON m.id = a.message_id WHERE m.message_key = $1 ORDER BY a.id",
                )
                .bind(key)
                .fetch_all(&mut conn)
                .await
                .unwrap();
                detail.push_str(&format!("{key}: {rows:?}\n"));
            }
        }
        panic!(
            "duplicates ({duplicates}) are only messages the killed replica (pid {}) had in flight \
             ({in_flight}):\n{detail}",
            killed.pid
        );
    }
    for mut r in replicas {
        unsafe { libc::kill(r.pid as i32, libc::SIGTERM) };
        let status = tokio::time::timeout(Duration::from_secs(20), r.child.wait())
            .await
            .expect("stops within its grace")
            .unwrap();
        assert!(status.success(), "{status}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_outage_leaves_the_service_up_and_unready_then_catching_up() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let outage = Duration::from_secs(
        std::env::var("CASEWATCH_TEST_OUTAGE_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60),
    );
    let mut server = Dedicated::start();
    let admin = server.url("postgres");
    let mut conn = PgConnection::connect(&admin).await.unwrap();
    sqlx::query("CREATE DATABASE outage")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let url = server.url("outage");
    generate(&url, 1_000).await;

    // The relay is down at first: messages wait, pending, for the outage.
    let smtp_port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let http = free_port();
    let mut replica = start_replica(dir.path(), 0, &config(&url, smtp_port, http, 30), http).await;
    let mut conn = PgConnection::connect(&url).await.unwrap();
    wait_until("ready", Duration::from_secs(60), async || {
        status(http, "/readyz")
            .await
            .is_some_and(|(code, _)| code == 200)
    })
    .await;
    wait_until(
        "every notice composed, waiting for the relay",
        Duration::from_secs(60),
        async || {
            let unassigned = try_scalar(
                &mut conn,
                "SELECT count(*) FROM notices WHERE message_id IS NULL AND cancelled_at IS NULL",
            );
            let unassigned = unassigned.await;
            let pending = try_scalar(
                &mut conn,
                "SELECT count(*) FROM messages WHERE status = 'pending'",
            );
            unassigned == Some(0) && pending.await.is_some_and(|n| n > 20)
        },
    )
    .await;
    let pending = scalar(&mut conn, "SELECT count(*) FROM messages").await;
    drop(conn);

    server.stop();
    let down_since = Instant::now();
    wait_until(
        "/readyz to say not ready",
        Duration::from_secs(15),
        async || {
            status(http, "/readyz")
                .await
                .is_some_and(|(code, body)| code == 503 && body.contains("state database"))
        },
    )
    .await;
    let smtp = SmtpServer::builder().start_on(smtp_port).await;
    while down_since.elapsed() < outage {
        assert!(
            replica.child.try_wait().unwrap().is_none(),
            "the service stays up"
        );
        let (code, _) = status(http, "/readyz").await.expect("/readyz answers");
        assert_eq!(code, 503);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let log = std::fs::read_to_string(dir.path().join("replica-0.log")).unwrap_or_default();
    assert!(
        smtp.received().is_empty(),
        "nothing is sent without the state database; log:\n{log}"
    );

    server.restart();
    let mut conn = PgConnection::connect(&url).await.unwrap();
    wait_all_sent(&mut conn, Duration::from_secs(120)).await;
    wait_until("ready again", Duration::from_secs(30), async || {
        status(http, "/readyz")
            .await
            .is_some_and(|(code, _)| code == 200)
    })
    .await;
    wait_until(
        "the evaluation lock taken again",
        Duration::from_secs(30),
        async || lock_holder(&mut conn).await == Some(replica.pid),
    )
    .await;
    let total = scalar(&mut conn, "SELECT count(*) FROM messages").await;
    let received = smtp.wait_for(total as usize).await;
    let mut ids: Vec<String> = received
        .iter()
        .map(|m| m.parsed().message_id().unwrap().to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(total, pending, "the outage composed nothing twice");
    assert_eq!(
        received.len(),
        total as usize,
        "every pending message delivered once"
    );
    assert_eq!(ids.len(), received.len(), "no Message-ID twice");
    unsafe { libc::kill(replica.pid as i32, libc::SIGTERM) };
    let status = replica.child.wait().await.unwrap();
    assert!(status.success(), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_state_refuses_a_second_process() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let source = format!("sqlite://{}", dir.path().join("cases.db").display());
    let created = CaseSource::open(&source, OpenMode::CreateIfMissing)
        .await
        .unwrap();
    created.close().await;
    generate(&source, 50).await;
    let state = dir.path().join("state.db");
    let http = free_port();
    let text = config(&source, free_port(), http, 60).replace(
        &format!("[state]\nurl = \"{source}\""),
        &format!("[state]\nurl = \"sqlite://{}\"", state.display()),
    );
    assert!(text.contains("state.db"));
    let mut first = start_replica(dir.path(), 0, &text, http).await;
    wait_until(
        "the first process up",
        Duration::from_secs(30),
        async || status(http, "/healthz").await.is_some(),
    )
    .await;

    // A second `run` (or a `tick`) on the same SQLite state stops at once, saying why.
    for command in ["run", "tick"] {
        let second = Command::new(env!("CARGO_BIN_EXE_casewatch"))
            .args([command, "--config"])
            .arg(dir.path().join("replica-0.toml"))
            .output()
            .await
            .unwrap();
        let stderr = String::from_utf8_lossy(&second.stderr);
        assert!(!second.status.success(), "{command}: {stderr}");
        assert!(
            stderr.contains("is in use by another casewatch process")
                && stderr.contains(&format!(":{}", first.pid))
                && stderr.contains("use PostgreSQL state"),
            "{command}: {stderr}"
        );
    }
    let check = check_config(&dir.path().join("replica-0.toml")).await;
    assert!(
        check.contains("in use by a running casewatch")
            && check.contains(&format!(":{}", first.pid)),
        "{check}"
    );
    // Reading the queue beside it is fine.
    let list = Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .args(["outbox", "list", "--config"])
        .arg(dir.path().join("replica-0.toml"))
        .output()
        .await
        .unwrap();
    assert!(
        list.status.success(),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );

    unsafe { libc::kill(first.pid as i32, libc::SIGTERM) };
    assert!(first.child.wait().await.unwrap().success());
    // Once it has stopped, another may start.
    let tick = Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .args(["tick", "--config"])
        .arg(dir.path().join("replica-0.toml"))
        .output()
        .await
        .unwrap();
    assert!(
        tick.status.success(),
        "{}",
        String::from_utf8_lossy(&tick.stderr)
    );
}
