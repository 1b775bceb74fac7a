//! `/healthz`, `/readyz` and `/metrics` over a real socket, with the databases of a real (SQLite) casewatch.

#[path = "support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use casewatch::app::{self, App};
use casewatch::calendar::local_date;
use casewatch::channels::Channels;
use casewatch::config::Config;
use casewatch::daemon::ScheduleSettings;
use casewatch::generate::{Generator, load};
use casewatch::http::{HttpState, Readiness, serve};
use casewatch::metrics;
use chrono::Utc;
use support::TestDb;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A casewatch over a fresh SQLite case database holding a small generated caseload, emailing to files.
struct Casewatch {
    app: Arc<App<Channels>>,
    staff_ids: Vec<String>,
    _case_db: TestDb,
    _dir: tempfile::TempDir,
}

async fn casewatch() -> Casewatch {
    let case_db = TestDb::sqlite().await;
    let source = case_db.migrated_source().await;
    let generator = Generator::new(7, 25, local_date(Utc::now()));
    let staff = generator.staff();
    load(&source, &staff, generator.case_files()).await.unwrap();
    source.close().await;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("casewatch.toml");
    let toml = format!(
        r#"
        [source]
        url = "{source}"
        [state]
        url = "sqlite://{dir}/state.db"
        [notify]
        fallback_address = "casewatch-ops@council.example"
        [email]
        transport = "file"
        file_dir = "{dir}/outbox"
        from = "casewatch@council.example"
        [delivery]
        out_of_hours = true
        "#,
        source = case_db.url(),
        dir = dir.path().display()
    );
    let config = Config::from_toml(&toml, &path, []).unwrap();
    Casewatch {
        app: Arc::new(App::open(config).await.unwrap()),
        staff_ids: staff.iter().map(|s| s.id.to_string()).collect(),
        _case_db: case_db,
        _dir: dir,
    }
}

/// `serve` on a free loopback port; send on the returned sender to shut it down.
struct Server {
    base: String,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

async fn start(readiness: &Readiness) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let state = HttpState::new(readiness.clone());
    let task = tokio::spawn(serve(listener, state, async {
        let _ = stopped.await;
    }));
    Server { base, stop, task }
}

async fn get(base: &str, path: &str) -> (u16, String, String) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let response = reqwest::get(format!("{base}{path}")).await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

fn schedule() -> ScheduleSettings {
    ScheduleSettings {
        max_tick_age_minutes: 45,
        ..ScheduleSettings::default()
    }
}

#[tokio::test]
async fn healthz_answers_ok_and_unknown_paths_are_not_found() {
    let server = start(&Readiness::new(&schedule())).await;

    assert_eq!(get(&server.base, "/healthz").await.0, 200);
    assert_eq!(get(&server.base, "/healthz").await.2, "ok");
    for path in [
        "/",
        "/health",
        "/metrics/extra",
        "/readyz/",
        "/../etc/passwd",
    ] {
        assert_eq!(get(&server.base, path).await.0, 404, "{path}");
    }
}

#[tokio::test]
async fn readyz_follows_the_databases_and_the_last_successful_tick() {
    let casewatch = casewatch().await;
    let readiness = Readiness::new(&schedule());
    let server = start(&readiness).await;

    let (status, _, body) = get(&server.base, "/readyz").await;
    assert_eq!(
        (status, body.as_str()),
        (503, "not ready: databases not open yet")
    );

    readiness.set_databases(casewatch.app.clone());
    let (status, _, body) = get(&server.base, "/readyz").await;
    assert_eq!(
        (status, body.as_str()),
        (503, "not ready: no successful tick yet")
    );

    let now = Utc::now();
    casewatch.app.tick(now).await.unwrap();
    readiness.tick_succeeded(now);
    let (status, _, body) = get(&server.base, "/readyz").await;
    assert_eq!((status, body.as_str()), (200, "ready"));

    // 46 minutes ago, with 45 allowed.
    let earlier = now - chrono::Duration::minutes(46);
    readiness.tick_succeeded(earlier);
    let (status, _, body) = get(&server.base, "/readyz").await;
    assert_eq!(status, 503);
    let expected = format!(
        "not ready: last successful tick at {} is older than 45 minutes",
        earlier.format("%Y-%m-%dT%H:%M:%SZ")
    );
    assert_eq!(body, expected);

    readiness.tick_succeeded(now);
    readiness.stopping();
    let (status, _, body) = get(&server.base, "/readyz").await;
    assert_eq!((status, body.as_str()), (503, "not ready: shutting down"));
}

#[tokio::test]
async fn readyz_pings_the_databases_on_every_request() {
    let casewatch = casewatch().await;
    let readiness = Readiness::new(&schedule());
    readiness.set_databases(casewatch.app.clone());
    readiness.tick_succeeded(Utc::now());
    let server = start(&readiness).await;
    assert_eq!(get(&server.base, "/readyz").await.0, 200);

    casewatch.app.source.close().await;

    let (status, _, body) = get(&server.base, "/readyz").await;
    assert_eq!(status, 503);
    assert!(
        body.starts_with("not ready: cannot connect to case database sqlite://"),
        "{body}"
    );
}

#[tokio::test]
async fn metrics_name_every_metric_after_a_tick_and_no_person() {
    let casewatch = casewatch().await;
    let app = &casewatch.app;
    let server = start(&Readiness::new(&schedule())).await;
    let now = Utc::now();
    metrics::register_channel("email");

    let started = Instant::now();
    let report = app.tick(now).await.unwrap();
    metrics::record_tick(&report, started.elapsed(), true);
    let evaluation = app::evaluate(&app.config, &app.calendar, &app.source, now)
        .await
        .unwrap();
    metrics::record_evaluation(&evaluation);
    let (depth, oldest) = app.store.queue_depth(now).await.unwrap();
    metrics::record_queue(depth, oldest);

    let (status, content_type, body) = get(&server.base, "/metrics").await;
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    for name in [
        "casewatch_build_info{version=\"",
        "casewatch_up 1",
        "casewatch_ticks_total{result=\"ok\"}",
        "casewatch_tick_duration_seconds_bucket{le=\"1800\"}",
        "casewatch_last_tick_timestamp_seconds",
        "casewatch_cases_evaluated",
        "casewatch_cases_unchanged",
        "casewatch_active_stages ",
        "casewatch_active_stages_by_stage{",
        "casewatch_notices_enqueued_total",
        "casewatch_notices_cancelled_total",
        "casewatch_messages_composed_total{kind=\"immediate\"}",
        "casewatch_deliveries_total{outcome=\"dead\"}",
        "casewatch_rows_read_total{table=\"visits\"}",
        "casewatch_rows_skipped_total{table=\"cases\"}",
        "casewatch_fallback_recipients_total{reason=\"null_link\"}",
        "casewatch_delivery_attempts_total{",
        "casewatch_dead_letters_total{channel=\"email\"}",
        "casewatch_retries_total{channel=\"email\"}",
        "casewatch_queue_depth",
        "casewatch_queue_oldest_pending_seconds",
        "# HELP casewatch_dead_letters_total ",
    ] {
        assert!(body.contains(name), "{name} missing from\n{body}");
    }
    assert!(
        report.notices_enqueued > 0 && report.delivered.sent > 0,
        "{report:?}"
    );
    let sent = r#"casewatch_delivery_attempts_total{channel="email",outcome="sent"} "#;
    let sent: f64 = body
        .lines()
        .find_map(|l| l.strip_prefix(sent))
        .unwrap_or_else(|| panic!("no email sends in\n{body}"))
        .parse()
        .unwrap();
    assert!(sent >= report.delivered.sent as f64, "{sent}");

    // Labels hold names from configuration and code only: no address, staff id, case id or child.
    let values = label_values(&body);
    assert!(!values.is_empty());
    for value in values {
        assert!(!value.contains('@'), "{value}");
        assert!(!casewatch.staff_ids.contains(&value), "{value}");
        assert!(
            !evaluation
                .lines
                .iter()
                .any(|l| l.case_id == value || l.child_ref == value),
            "{value}"
        );
    }
}

/// Every label value in a Prometheus text exposition.
fn label_values(text: &str) -> Vec<String> {
    let labels = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| Some(&l[l.find('{')? + 1..l.rfind('}')?]));
    labels
        .flat_map(|set| set.split("\",").map(str::to_owned).collect::<Vec<_>>())
        .filter_map(|pair| Some(pair.split_once("=\"")?.1.trim_end_matches('"').to_owned()))
        .collect()
}

#[tokio::test]
async fn serve_returns_when_the_shutdown_future_resolves() {
    let server = start(&Readiness::new(&schedule())).await;
    assert_eq!(get(&server.base, "/healthz").await.0, 200);

    server.stop.send(()).unwrap();
    let result = tokio::time::timeout(Duration::from_secs(10), server.task).await;

    assert!(matches!(result, Ok(Ok(Ok(())))), "{result:?}");
    let address = server.base.trim_start_matches("http://");
    assert!(tokio::net::TcpStream::connect(address).await.is_err());
}
