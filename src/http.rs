//! The local HTTP endpoint (`http.listen`): `/healthz`, `/readyz` and Prometheus `/metrics`.
//!
//! - `/healthz`: 200 `ok` while the process answers at all.
//! - `/readyz`: 200 `ready` when both databases answer now and the last successful tick is recent enough
//!   (`schedule.max_tick_age_minutes`); otherwise 503 with the reason in one line of plain text.
//! - `/metrics`: the Prometheus text format.
//!
//! The run loop owns a [`Readiness`] and tells it what happened (databases open, a tick succeeded, shutting down);
//! `/readyz` combines that with a live ping of each database. Everything is bounded: request headers must arrive
//! within [`HEADER_READ_TIMEOUT`], a handler has [`REQUEST_TIMEOUT`], no request body is read, at most
//! [`MAX_CONNECTIONS`] connections are served at once, and shutdown waits at most [`SHUTDOWN_GRACE`].

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;

use serde::Deserialize;

use crate::schedule::ScheduleSettings;

/// A client must send its request headers within this time of connecting (or of its previous request).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// A request that takes longer is answered 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Each database must answer `/readyz`'s ping within this time.
pub const PING_TIMEOUT: Duration = Duration::from_secs(2);
/// Connections served at once; more wait to be accepted.
pub const MAX_CONNECTIONS: usize = 32;
/// After the shutdown future resolves, how long requests in progress may take before their connections are dropped.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The Prometheus text exposition format.
const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The databases `/readyz` pings.
pub trait Databases: Send + Sync {
    /// `Ok` when every database answers; the error says which did not, naming it by its redacted URL.
    fn ping(&self) -> BoxFuture<'_, Result<(), String>>;
}

/// Why `/readyz` says 503.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotReady {
    /// SIGTERM received: load balancers should stop sending work.
    Stopping,
    /// The run loop has not opened the databases yet.
    NotOpen,
    /// A database did not answer.
    Database(String),
    /// No tick has succeeded since the process started.
    NoTick,
    /// The last successful tick is older than `schedule.max_tick_age_minutes`.
    StaleTick {
        at: DateTime<Utc>,
        max_age_minutes: u64,
    },
}

impl fmt::Display for NotReady {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotReady::Stopping => f.write_str("shutting down"),
            NotReady::NotOpen => f.write_str("databases not open yet"),
            NotReady::Database(reason) => f.write_str(reason),
            NotReady::NoTick => f.write_str("no successful tick yet"),
            NotReady::StaleTick {
                at,
                max_age_minutes,
            } => write!(
                f,
                "last successful tick at {} is older than {max_age_minutes} minutes",
                at.format("%Y-%m-%dT%H:%M:%SZ")
            ),
        }
    }
}

/// What the run loop knows about readiness. Cheap to clone; every clone shares the same state.
#[derive(Clone)]
pub struct Readiness {
    inner: Arc<Mutex<Known>>,
}

struct Known {
    databases: Option<Arc<dyn Databases>>,
    last_tick: Option<DateTime<Utc>>,
    max_tick_age_minutes: u64,
    stopping: bool,
}

impl Readiness {
    /// Not ready until databases are set and a tick has succeeded.
    pub fn new(schedule: &ScheduleSettings) -> Self {
        let known = Known {
            databases: None,
            last_tick: None,
            max_tick_age_minutes: schedule.max_tick_age_minutes,
            stopping: false,
        };
        Self {
            inner: Arc::new(Mutex::new(known)),
        }
    }

    fn known(&self) -> std::sync::MutexGuard<'_, Known> {
        // The state is a few plain values, each written whole: a panic elsewhere cannot leave it half-changed.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The databases to ping: the running [`App`] (again after a reload replaces it).
    pub fn set_databases(&self, databases: Arc<dyn Databases>) {
        self.known().databases = Some(databases);
    }

    /// After a reload: the new `schedule.max_tick_age_minutes`.
    pub fn set_schedule(&self, schedule: &ScheduleSettings) {
        self.known().max_tick_age_minutes = schedule.max_tick_age_minutes;
    }

    /// A tick finished successfully at `at`.
    pub fn tick_succeeded(&self, at: DateTime<Utc>) {
        self.known().last_tick = Some(at);
    }

    /// Shutdown has begun: not ready from now on.
    pub fn stopping(&self) {
        self.known().stopping = true;
    }

    /// Ready as of `now`: not stopping, both databases answer now, and the last successful tick is recent enough.
    pub async fn check(&self, now: DateTime<Utc>) -> Result<(), NotReady> {
        let (databases, last_tick, max_age_minutes) = {
            let known = self.known();
            if known.stopping {
                return Err(NotReady::Stopping);
            }
            let databases = known.databases.clone().ok_or(NotReady::NotOpen)?;
            (databases, known.last_tick, known.max_tick_age_minutes)
        };
        databases.ping().await.map_err(NotReady::Database)?;
        let at = last_tick.ok_or(NotReady::NoTick)?;
        let max_age = chrono::Duration::minutes(i64::try_from(max_age_minutes).unwrap_or(i64::MAX));
        if now.signed_duration_since(at) > max_age {
            return Err(NotReady::StaleTick {
                at,
                max_age_minutes,
            });
        }
        Ok(())
    }
}

/// What the endpoints answer from.
#[derive(Clone)]
pub struct HttpState {
    pub metrics: PrometheusHandle,
    pub readiness: Readiness,
}

impl HttpState {
    /// Installs the metrics recorder (see [`crate::metrics::install`]) if it is not yet.
    pub fn new(readiness: Readiness) -> Self {
        Self {
            metrics: crate::metrics::install(),
            readiness,
        }
    }
}

/// The routes, for [`serve`] (and for tests that call them without a socket).
pub fn router(state: HttpState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .layer(middleware::from_fn(bounded))
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<HttpState>) -> Response {
    match state.readiness.check(Utc::now()).await {
        Ok(()) => "ready".into_response(),
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {reason}"),
        )
            .into_response(),
    }
}

async fn metrics(State(state): State<HttpState>) -> Response {
    let text = state.metrics.render();
    ([(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)], text).into_response()
}

async fn not_found() -> (StatusCode, &'static str) {
    (StatusCode::NOT_FOUND, "not found")
}

async fn bounded(request: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "timed out").into_response(),
    }
}

/// Serves the endpoints on `listener` until `shutdown` resolves; then stops accepting, lets requests in progress
/// finish for up to [`SHUTDOWN_GRACE`], and returns.
pub async fn serve(
    listener: TcpListener,
    state: HttpState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = router(state);
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let (closing, closing_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
        };
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
        };
        connections.spawn(connection(stream, router.clone(), closing_rx.clone(), slot));
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    closing.send_replace(true);
    let drained = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, drained).await.is_err() {
        tracing::debug!("HTTP connections still open after the shutdown grace; dropping them");
        connections.shutdown().await;
    }
    Ok(())
}

/// A connection reset before it was accepted concerns that client only; anything else (too many open files) is
/// the process's, so wait a moment rather than spin.
async fn accept_failed(error: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if !matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        tracing::warn!(%error, "cannot accept an HTTP connection");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn connection(
    stream: TcpStream,
    router: Router,
    mut closing: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let served = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(router));
    let mut served = pin!(served);
    let closing = async move {
        // Also when the sender is gone: either way the server is closing.
        let _ = closing.wait_for(|closing| *closing).await;
    };
    let result = tokio::select! {
        result = served.as_mut() => result,
        () = closing => {
            served.as_mut().graceful_shutdown();
            served.await
        }
    };
    if let Err(error) = result {
        tracing::debug!(%error, "HTTP connection ended with an error");
    }
}

/// The local HTTP endpoint for `/healthz`, `/readyz` and `/metrics`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    /// Address and port to listen on. Keep it on loopback or a management network: it has no authentication.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
}

fn default_listen() -> SocketAddr {
    ([127, 0, 0, 1], 9187).into()
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            listen: default_listen(),
        }
    }
}
