//! The service: an evaluation worker and a delivery worker woken by schedules, reloadable, stopped by a token.
//!
//! ```text
//! cron (evaluate, Europe/London) ─┬─► evaluation worker: evaluate → enqueue ──┐ (wakes)
//! cron (digest windows) ──────────┘                                           ├─► delivery worker: compose → deliver
//! every deliver_every_seconds ────────────────────────────────────────────────┘
//! ```
//!
//! A digest window is opened by the first evaluation at or after it, so each window starts an evaluation: its
//! digests then hold everything active at the window, whatever the evaluation schedule.
//!
//! With PostgreSQL state, any number of replicas run this side by side: all deliver (claims are leased), and
//! only the holder of the evaluation lock evaluates ([`crate::store::lock`]). A lock task checks the lock every
//! [`LOCK_CHECK`]; a replica that takes it over evaluates at once, catching up on whatever the old holder left.
//!
//! Each worker runs one pass at a time (triggers that arrive meanwhile are coalesced into one), so evaluation
//! never overlaps itself, and a slow SMTP server holds up only delivery. Evaluation is state-based: the pass at
//! start-up catches up on everything that fell due while the service was down, once.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Offset, TimeZone, Utc};
use tokio::sync::{Notify, mpsc};
use tokio_cron_scheduler::{Job, JobScheduler};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::app::{App, TickReport};
use crate::calendar::LONDON;
use crate::channels::Channels;
use crate::config::Config;
use crate::store::{EvaluationLock, Role};

/// How often a replica checks (or tries to take) the evaluation lock.
pub const LOCK_CHECK: Duration = Duration::from_secs(5);

/// What the workers share: the running configuration (swapped on reload), wake-ups, and the last results.
pub struct Shared {
    app: RwLock<Arc<App<Channels>>>,
    evaluation_lock: tokio::sync::Mutex<EvaluationLock>,
    /// True while this replica holds the evaluation lock.
    role: std::sync::atomic::AtomicBool,
    pub readiness: crate::http::Readiness,
    pub evaluate_now: Notify,
    pub deliver_now: Notify,
    last: Mutex<LastPass>,
    /// The UK date of the last prune (`state.retain_days`): once a day, after an evaluation.
    pruned_on: Mutex<Option<chrono::NaiveDate>>,
}

/// The outcome of the latest passes, for `/readyz`, metrics and systemd's status line.
#[derive(Clone, Debug, Default)]
pub struct LastPass {
    pub evaluated_at: Option<DateTime<Utc>>,
    pub evaluation_error: Option<String>,
    pub report: Option<TickReport>,
    pub sent_today: u64,
}

impl Shared {
    pub fn new(app: App<Channels>) -> Arc<Shared> {
        let app = Arc::new(app);
        let readiness = crate::http::Readiness::new(&app.config.settings.schedule);
        readiness.set_databases(app.clone());
        let lock = EvaluationLock::for_state(&app.config.settings.state.url, &app.replica);
        Arc::new(Shared {
            evaluation_lock: tokio::sync::Mutex::new(lock),
            role: std::sync::atomic::AtomicBool::new(false),
            app: RwLock::new(app),
            readiness,
            evaluate_now: Notify::new(),
            deliver_now: Notify::new(),
            last: Mutex::new(LastPass::default()),
            pruned_on: Mutex::new(None),
        })
    }

    /// The running configuration and connections; a pass keeps the one it started with across a reload.
    pub fn app(&self) -> Arc<App<Channels>> {
        self.app
            .read()
            .expect("the app lock is never poisoned")
            .clone()
    }

    fn replace(&self, app: App<Channels>) {
        let app = Arc::new(app);
        self.readiness.set_schedule(&app.config.settings.schedule);
        self.readiness.set_databases(app.clone());
        register_configuration(&app);
        *self.app.write().expect("the app lock is never poisoned") = app;
    }

    pub fn last(&self) -> LastPass {
        self.last.lock().expect("never poisoned").clone()
    }
}

/// Runs until `stop` is cancelled; each message on `reload` re-reads the configuration.
pub async fn run(
    config_path: PathBuf,
    stop: CancellationToken,
    mut reload: mpsc::Receiver<()>,
) -> anyhow::Result<()> {
    // Before anything counts: a count made before the recorder exists is lost.
    crate::metrics::install();
    let app = App::open(Config::load(&config_path)?).await?;
    let grace = Duration::from_secs(app.config.settings.schedule.shutdown_grace_seconds);
    let listen = app.config.settings.http.listen;
    register_configuration(&app);
    let shared = Shared::new(app);
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
        anyhow::anyhow!("configuration key `http.listen`: cannot listen on {listen}: {e}")
    })?;
    let http = tokio::spawn(crate::http::serve(
        listener,
        crate::http::HttpState::new(shared.readiness.clone()),
        stop.clone().cancelled_owned(),
    ));
    let mut scheduler = Schedules::start(&shared).await?;

    let mut workers = [
        tokio::spawn(evaluation_worker(shared.clone(), stop.clone())),
        tokio::spawn(delivery_worker(shared.clone(), stop.clone())),
    ];
    let watchdog = tokio::spawn(watchdog(stop.clone()));
    let lock_task = tokio::spawn(evaluation_lock_task(shared.clone(), stop.clone()));
    super::systemd::ready();
    tracing::info!(config = %config_path.display(), "casewatch is running");
    // Catch up at once: whatever fell due while we were stopped is sent now, once.
    shared.evaluate_now.notify_one();

    let mut failed = None;
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            // A worker ends only when told to stop. One that ended otherwise (a panic) would leave a service that
            // answers its health checks but no longer evaluates or delivers: stop, and let systemd restart us.
            (ended, which, _) = futures_util::future::select_all(workers.iter_mut()) => {
                if stop.is_cancelled() && !matches!(&ended, Err(e) if e.is_panic()) {
                    break;
                }
                let name = ["evaluation", "delivery"][which];
                let why = match ended {
                    Err(e) if e.is_panic() => "panicked",
                    _ => "ended",
                };
                tracing::error!(worker = name, "the {name} worker {why}: stopping so that the service is restarted");
                failed = Some(anyhow::anyhow!("the {name} worker {why}"));
                stop.cancel();
                break;
            }
            Some(()) = reload.recv() => {
                if reload_config(&shared, &config_path).await {
                    scheduler.stop().await;
                    scheduler = Schedules::start(&shared).await?;
                    shared.evaluate_now.notify_one();
                }
            }
            _ = scheduler.refresh_due() => {
                scheduler.stop().await;
                scheduler = Schedules::start(&shared).await?;
            }
        }
    }

    super::systemd::stopping();
    shared.readiness.stopping();
    tracing::info!("stopping: finishing the sends in flight");
    scheduler.stop().await;
    let finished = tokio::time::timeout(
        grace,
        futures_util::future::join_all(
            // A worker that already ended (and was seen to) must not be awaited again.
            workers.into_iter().filter(|w| !w.is_finished()),
        ),
    )
    .await;
    if finished.is_err() {
        tracing::warn!(
            grace_seconds = grace.as_secs(),
            "stopped before the sends in flight finished; they will be retried"
        );
    }
    watchdog.abort();
    lock_task.abort();
    // Handing the lock over now spares a standby the wait for its next check.
    shared.evaluation_lock.lock().await.release().await;
    let _ = tokio::time::timeout(Duration::from_secs(6), http).await;
    shared.app().sender.close().await;
    tracing::info!("stopped");
    failed.map_or(Ok(()), Err)
}

/// Starts the per-channel counters at zero, so alerts on their increase see the first failure; and counts the
/// staff directory's rows, read with this configuration.
fn register_configuration(app: &App<Channels>) {
    if let Some(directory) = &app.config.staff_directory {
        let skipped = directory.skipped().len() as u64;
        crate::metrics::record_directory(directory.entries().len() as u64 + skipped, skipped);
    }
    crate::metrics::register_channel(crate::outbox::EMAIL);
    for webhook in &app.config.settings.webhooks {
        crate::metrics::register_channel(&webhook.name);
    }
}

/// Pings systemd's watchdog at half its interval while the runtime is responsive.
async fn watchdog(stop: CancellationToken) {
    let Some(every) = super::systemd::watchdog_interval() else {
        return;
    };
    let mut interval = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = interval.tick() => super::systemd::watchdog_ping(),
        }
    }
}

/// Validates and swaps in a new configuration; the old one keeps running when the new one is broken.
async fn reload_config(shared: &Shared, path: &std::path::Path) -> bool {
    super::systemd::reloading();
    super::systemd::status("reloading configuration");
    let loaded = match Config::load(path) {
        Ok(config) => App::open(config).await.map_err(anyhow::Error::from),
        Err(e) => Err(e.into()),
    };
    match loaded {
        Ok(app) => {
            let state_url = app.config.settings.state.url.clone();
            if state_url != shared.app().config.settings.state.url {
                let mut lock = shared.evaluation_lock.lock().await;
                lock.release().await;
                *lock = EvaluationLock::for_state(&state_url, &app.replica);
            }
            shared.replace(app);
            tracing::info!(config = %path.display(), "configuration reloaded");
            super::systemd::ready();
            super::systemd::status("configuration reloaded");
            true
        }
        Err(e) => {
            tracing::error!("reload failed; still running the previous configuration: {e:#}");
            super::systemd::ready();
            super::systemd::status("reload failed; running the previous configuration");
            false
        }
    }
}

async fn evaluation_worker(shared: Arc<Shared>, stop: CancellationToken) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = shared.evaluate_now.notified() => {}
        }
        match shared.check_evaluation_lock().await {
            Ok(Role::Evaluator) => {}
            Ok(Role::Standby) => {
                tracing::debug!("another replica holds the evaluation lock: not evaluating");
                continue;
            }
            Err(e) => {
                tracing::error!(
                    "cannot check the evaluation lock; not evaluating until the state database answers: {e}"
                );
                continue;
            }
        }
        let app = shared.app();
        let now = Utc::now();
        let started = Instant::now();
        // Instrumented, never entered across an await: a task moves between threads, and a span entered on
        // one and left on another panics in the subscriber.
        let span = tracing::info_span!("evaluation", at = %now);
        let result = tokio::select! {
            _ = stop.cancelled() => {
                tracing::info!("evaluation interrupted by shutdown; the next start evaluates again");
                return;
            }
            r = app.evaluate_and_enqueue(now).instrument(span.clone()) => r,
        };
        if result.is_ok() {
            shared.prune_daily(&app, now).await;
        }
        // From here to the end of the pass nothing awaits.
        let _enter = span.enter();
        let elapsed = started.elapsed();
        let mut last = shared.last.lock().expect("never poisoned");
        match result {
            Ok((report, pass)) => {
                crate::metrics::record_evaluation(&pass);
                crate::metrics::record_tick(&report, elapsed, true);
                shared.readiness.tick_succeeded(now);
                tracing::info!(
                    cases = report.cases,
                    active_stages = report.active_stages,
                    notices_enqueued = report.notices_enqueued,
                    rows_skipped = report.rows_skipped,
                    backlog_stages = report.backlog_stages,
                    silenced_stages = report.silenced_stages,
                    seconds = elapsed.as_secs_f64(),
                    "evaluated"
                );
                if last.report.is_none()
                    && let Some(tell_from) = report.tell_from
                {
                    tracing::info!(
                        %tell_from,
                        "go-live backlog: obligations due before {tell_from} are not told one by one \
                         (delivery.tell_from); they are in evaluate, explain and the managers' summaries"
                    );
                }
                last.evaluated_at = Some(now);
                last.evaluation_error = None;
                last.report = Some(report);
                shared.deliver_now.notify_one();
            }
            Err(e) => {
                crate::metrics::record_tick(&TickReport::default(), elapsed, false);
                tracing::error!(
                    "evaluation failed; will try again at the next scheduled time: {e:#}"
                );
                last.evaluation_error = Some(format!("{e:#}"));
            }
        }
    }
}

impl Shared {
    /// Prunes old messages' bodies (`state.retain_days`) on the first evaluation of each UK day.
    async fn prune_daily(&self, app: &App<Channels>, now: DateTime<Utc>) {
        let today = crate::calendar::local_date(now);
        if *self.pruned_on.lock().expect("never poisoned") == Some(today) {
            return;
        }
        let state = &app.config.settings.state;
        match app.store.prune(state.prune_before(now), now).await {
            Ok(pruned) => {
                tracing::info!(
                    messages = pruned.messages,
                    notices = pruned.notices,
                    retain_days = state.retain_days,
                    "pruned the bodies of old messages; the audit rows are kept"
                );
                *self.pruned_on.lock().expect("never poisoned") = Some(today);
            }
            Err(e) => tracing::error!(
                "cannot prune old messages' bodies; trying again after the next evaluation: {e}"
            ),
        }
    }
}

/// Checks the evaluation lock every [`LOCK_CHECK`]: takes it when it is free, and says when it changes hands.
async fn evaluation_lock_task(shared: Arc<Shared>, stop: CancellationToken) {
    let mut interval = tokio::time::interval(LOCK_CHECK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = interval.tick() => {}
        }
        match shared.check_evaluation_lock().await {
            // A standby that can reach the state database is as ready as it needs to be to deliver.
            Ok(Role::Standby) => shared.readiness.tick_succeeded(Utc::now()),
            Ok(Role::Evaluator) => {}
            Err(e) => tracing::warn!("cannot check the evaluation lock: {e}"),
        }
    }
}

impl Shared {
    /// Checks (or takes) the evaluation lock; when this replica has just become the evaluator, it evaluates
    /// at once (the previous holder may have died before or during its pass).
    async fn check_evaluation_lock(&self) -> Result<Role, sqlx::Error> {
        let mut lock = self.evaluation_lock.lock().await;
        let sole = matches!(*lock, EvaluationLock::Sole);
        let result = lock.check().await;
        drop(lock);
        let is = matches!(result, Ok(Role::Evaluator));
        let was = self.role.swap(is, std::sync::atomic::Ordering::Relaxed);
        crate::metrics::record_evaluation_lock(is);
        if is && !was {
            if !sole {
                tracing::info!("this replica now holds the evaluation lock: it evaluates");
            }
            self.evaluate_now.notify_one();
        } else if was && !is {
            tracing::warn!(
                "this replica no longer holds the evaluation lock; another one will evaluate"
            );
        }
        result
    }
}

async fn delivery_worker(shared: Arc<Shared>, stop: CancellationToken) {
    let every = Duration::from_secs(shared.app().config.settings.schedule.deliver_every_seconds);
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = interval.tick() => {}
            _ = shared.deliver_now.notified() => {}
        }
        let app = shared.app();
        let now = Utc::now();
        let composed = match app.compose(now).await {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("composing messages failed: {e:#}");
                continue;
            }
        };
        // Composing thousands of messages takes a while: leases run from when sending starts.
        match app.deliver_until(Utc::now(), &stop).await {
            Ok(delivered) => {
                if delivered.attempts() > 0 || composed.digests + composed.immediate > 0 {
                    tracing::info!(
                        digests = composed.digests,
                        immediate = composed.immediate,
                        sent = delivered.sent,
                        retried = delivered.retried,
                        dead = delivered.dead,
                        "delivered"
                    );
                }
                let mut last = shared.last.lock().expect("never poisoned");
                last.sent_today += delivered.sent;
                let status = format!(
                    "last evaluation {}, {} notices sent since start",
                    last.evaluated_at
                        .map(|t| t.with_timezone(&LONDON).format("%H:%M:%S").to_string())
                        .unwrap_or_else(|| "pending".into()),
                    last.sent_today
                );
                drop(last);
                super::systemd::status(&status);
            }
            Err(e) => tracing::error!("delivery failed; pending messages stay queued: {e:#}"),
        }
        if let Ok((depth, oldest)) = app.store.queue_depth(Utc::now()).await {
            crate::metrics::record_queue(depth, oldest);
        }
    }
}

/// The cron jobs, in Europe/London time.
///
/// tokio-cron-scheduler turns a job's time zone into a fixed UTC offset when the job is created, so a London job
/// made in winter would fire an hour late in summer. The jobs are therefore made again whenever London's offset
/// changes ([`Schedules::refresh_due`]). Nothing depends on a job firing on the dot: a window is opened by
/// whichever evaluation comes first at or after it, and the delivery worker also wakes every
/// `deliver_every_seconds`.
pub struct Schedules {
    scheduler: JobScheduler,
    offset: i32,
}

fn london_offset(at: DateTime<Utc>) -> i32 {
    LONDON
        .offset_from_utc_datetime(&at.naive_utc())
        .fix()
        .local_minus_utc()
}

/// The cron expression of a digest window at a local time.
pub fn digest_cron(time: chrono::NaiveTime) -> String {
    use chrono::Timelike;
    format!("{} {} {} * * *", time.second(), time.minute(), time.hour())
}

impl Schedules {
    pub async fn start(shared: &Arc<Shared>) -> anyhow::Result<Schedules> {
        let settings = shared.app().config.settings.clone();
        let scheduler = JobScheduler::new().await?;
        // Every job starts an evaluation (which wakes delivery when it is done).
        let evaluate = |shared: Arc<Shared>| {
            move |_id, _lock| {
                let shared = shared.clone();
                Box::pin(async move { shared.evaluate_now.notify_one() })
                    as std::pin::Pin<Box<dyn Future<Output = ()> + Send>>
            }
        };
        let mut crons = vec![settings.schedule.evaluate.clone()];
        // Digest windows and summary times each start an evaluation, which opens the window or composes the
        // summaries.
        crons.extend(
            settings
                .delivery
                .digest_times
                .iter()
                .chain(&settings.delivery.summary_times())
                .map(|t| digest_cron(*t)),
        );
        for cron in crons {
            scheduler
                .add(Job::new_async_tz(
                    cron.as_str(),
                    LONDON,
                    evaluate(shared.clone()),
                )?)
                .await?;
        }
        scheduler.start().await?;
        Ok(Schedules {
            scheduler,
            offset: london_offset(Utc::now()),
        })
    }

    /// Resolves when London's UTC offset differs from the one the jobs were made with (checked every minute).
    pub async fn refresh_due(&self) {
        loop {
            tokio::time::sleep(Duration::from_secs(60)).await;
            if london_offset(Utc::now()) != self.offset {
                tracing::info!("the clocks changed in London: rescheduling");
                return;
            }
        }
    }

    pub async fn stop(&mut self) {
        if let Err(e) = self.scheduler.shutdown().await {
            tracing::warn!("stopping the scheduler: {e}");
        }
    }
}
