//! One pass, as a straight line: read the case database, evaluate the rules, resolve recipients (`evaluate`
//! stops here), then record stage episodes, enqueue notices, compose messages and deliver them (`tick`).
//! Every step takes the instant it runs for, so tests drive it with a chosen `now`.

pub mod pass;
mod steady;
pub mod summary;

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;

use crate::calendar::{WorkingCalendar, local_date};
use crate::config::Config;
use crate::evaluate::{Evaluator, Line};
use crate::outbox::{self, Composed, Delivered, Renderer, Sender};
use crate::recipients::Directory;
use crate::source::{CaseSource, ReadReport, SourceError};
use crate::store::lock::replica_name;
use crate::store::{Store, StoreError};
use pass::Pass;

#[derive(Debug, thiserror::Error)]
pub enum PassError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Compose(#[from] outbox::ComposeError),
}

/// What an evaluation found.
pub struct Evaluation {
    /// In SPEC section 5 order.
    pub lines: Vec<Line>,
    pub read: Read,
    /// The `delivery.tell_from` its lines were classified by (none: no line is backlog).
    pub tell_from: Option<NaiveDate>,
}

/// Connects read-only to the configured case database and checks that it has every optional table an enabled
/// rule reads (SPEC section 8.1: a missing one is a configuration error naming the rule and the table).
pub async fn connect_source(config: &Config) -> Result<CaseSource, SourceError> {
    let source = CaseSource::connect(&config.settings.source.url).await?;
    let rules = config
        .rules
        .rules
        .iter()
        .map(|r| (r.id.as_str(), r.tables()));
    if let Err(missing) = source.require_tables(rules).await {
        source.close().await;
        return Err(missing);
    }
    Ok(source)
}

/// Reads the case database as of `now` and evaluates every enabled rule. Reads only. No line is marked as
/// backlog: see [`evaluate_told_from`].
pub async fn evaluate(
    config: &Config,
    calendar: &WorkingCalendar,
    source: &CaseSource,
    now: DateTime<Utc>,
) -> Result<Evaluation, SourceError> {
    evaluate_with(config, calendar, source, now, None).await
}

/// As [`evaluate`], marking the lines of obligations due before `tell_from` as the go-live backlog (SPEC 6a).
pub async fn evaluate_told_from(
    config: &Config,
    calendar: &WorkingCalendar,
    source: &CaseSource,
    now: DateTime<Utc>,
    tell_from: NaiveDate,
) -> Result<Evaluation, SourceError> {
    evaluate_with(config, calendar, source, now, Some(tell_from)).await
}

async fn evaluate_with(
    config: &Config,
    calendar: &WorkingCalendar,
    source: &CaseSource,
    now: DateTime<Utc>,
    tell_from: Option<NaiveDate>,
) -> Result<Evaluation, SourceError> {
    let mut lines = Vec::new();
    let read = evaluate_into(config, calendar, source, now, tell_from, |line| {
        lines.push(line)
    })
    .await?;
    crate::evaluate::sort(&mut lines);
    Ok(Evaluation {
        lines,
        read,
        tell_from,
    })
}

/// SPEC 6a's `delivery.tell_from` for a command that only reads (`evaluate`, `explain`, `summary`, `preview`):
/// the configured date; else 20 working days before the first pass the state database records; else (no pass
/// yet, or no state database to ask) before today, as if this were the first pass.
pub async fn tell_from_for_reading(
    config: &Config,
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
) -> NaiveDate {
    let delivery = &config.settings.delivery;
    if let Some(date) = delivery.tell_from {
        return date;
    }
    let recorded = match existing_store(config).await {
        Ok(Some(store)) => {
            store.recorded_first_pass().await.unwrap_or_else(|e| {
                tracing::warn!("cannot read the first pass from the state database ({e}); counting the go-live backlog from today");
                None
            })
        }
        Ok(None) => None,
        Err(e) => {
            tracing::warn!("cannot open the state database ({e}); counting the go-live backlog from today");
            None
        }
    };
    outbox::quiet::tell_from(delivery, recorded.unwrap_or(local_date(now)), calendar)
}

/// What an evaluation read, apart from its lines.
pub struct Read {
    pub directory: Directory,
    pub report: ReadReport,
    pub cases: u64,
    /// Recipients sent to the fallback mailbox, by reason.
    pub fallback_uses: Vec<(&'static str, u64)>,
}

/// As [`evaluate`], handing each line to `out` as its case is evaluated (case by case, not in SPEC order):
/// for a caller that keeps the lines its own way (`casewatch evaluate` sorts them within a memory budget).
pub async fn evaluate_into(
    config: &Config,
    calendar: &WorkingCalendar,
    source: &CaseSource,
    now: DateTime<Utc>,
    tell_from: Option<NaiveDate>,
    mut out: impl FnMut(Line),
) -> Result<Read, SourceError> {
    let report = ReadReport::new();
    let directory = Directory::new(config.staff(source.load_staff(&report).await?));
    let mut evaluator = evaluator(config, calendar, &directory, now, tell_from);
    let mut files =
        source.case_files_in(scope(config, calendar, now), config.rules.tables(), &report);
    while let Some(file) = files.try_next().await? {
        evaluator.add_case_to(&file, &mut out);
    }
    drop(files);
    let cases = evaluator.cases();
    let fallback_uses = fallback_uses(&evaluator);
    drop(evaluator);
    Ok(Read {
        directory,
        report,
        cases,
        fallback_uses,
    })
}

/// The evaluator of a read as of `now`, with the configured identifiers, teams and backlog.
pub(crate) fn evaluator<'a>(
    config: &'a Config,
    calendar: &'a WorkingCalendar,
    directory: &'a Directory,
    now: DateTime<Utc>,
    tell_from: Option<NaiveDate>,
) -> Evaluator<'a> {
    let settings = &config.settings;
    let mut evaluator = Evaluator::new(
        &config.rules,
        calendar,
        directory,
        &settings.notify.fallback_address,
        now,
    )
    .with_child_identifier(settings.notify.child_identifier)
    .with_teams(&settings.notify.teams);
    if let Some(date) = tell_from {
        evaluator = evaluator.with_backlog_before(outbox::quiet::backlog_before(date));
    }
    evaluator
}

/// The cases a read as of `now` takes: the open ones, and (rules with `after_close` watch cases for a while
/// after they close) those closed recently enough.
pub(crate) fn scope(
    config: &Config,
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
) -> crate::source::Scope {
    let today = local_date(now);
    crate::source::Scope {
        open_on: today,
        closed_after: config.rules.closed_since(today, calendar).unwrap_or(today),
    }
}

/// Recipients sent to the fallback mailbox so far, by reason, sorted.
pub(crate) fn fallback_uses(evaluator: &Evaluator) -> Vec<(&'static str, u64)> {
    let mut uses: Vec<_> = evaluator
        .resolver()
        .fallback_uses()
        .iter()
        .map(|(k, v)| (*k, *v))
        .collect();
    uses.sort();
    uses
}

/// What a tick did, for logs, metrics and `systemd` status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TickReport {
    pub cases: u64,
    /// Cases found as the last pass left them, and passed over (`steady`).
    pub cases_unchanged: u64,
    pub active_stages: u64,
    pub rows_skipped: u64,
    pub stages_opened: u64,
    pub stages_ended: u64,
    pub notices_enqueued: u64,
    pub notices_cancelled: u64,
    /// SPEC 6a: `delivery.tell_from` for this pass, and the active stages not told one by one.
    pub tell_from: Option<NaiveDate>,
    pub backlog_stages: u64,
    pub silenced_stages: u64,
    /// Managers' daily summaries composed (messages: one per manager and channel at each summary time).
    pub summaries: u64,
    pub composed: Composed,
    pub delivered: Delivered,
}

impl From<&TickReport> for crate::metrics::Tick {
    fn from(report: &TickReport) -> Self {
        Self {
            cases: report.cases,
            cases_unchanged: report.cases_unchanged,
            active_stages: report.active_stages,
            stages_opened: report.stages_opened,
            stages_ended: report.stages_ended,
            notices_enqueued: report.notices_enqueued,
            notices_cancelled: report.notices_cancelled,
            summaries: report.summaries,
        }
    }
}

impl<'a> From<&'a Evaluation> for crate::metrics::Evaluated<'a> {
    fn from(evaluation: &'a Evaluation) -> Self {
        Self {
            rows: evaluation.read.report.rows_by_table(),
            active: crate::evaluate::active_stage_counts(&evaluation.lines),
            fallbacks: &evaluation.read.fallback_uses,
        }
    }
}

/// The long-lived parts of a running casewatch: configuration, both databases, templates and channels.
pub struct App<S> {
    pub config: Config,
    pub calendar: WorkingCalendar,
    pub source: CaseSource,
    pub store: Store,
    pub renderer: Renderer,
    pub sender: S,
    /// Names this process in attempts and leases.
    pub replica: String,
    /// With SQLite state: this process's exclusive hold on it.
    pub state_lock: Option<std::sync::Arc<crate::store::ProcessLock>>,
    /// Lines a pass holds before it compares and enqueues them ([`pass`]).
    pub pass_budget: usize,
    /// Whether a pass passes over the cases it finds as the last pass left them (`steady`); `false` compares every
    /// case in full, as tests do to show that the two store the same.
    pub skip_unchanged: bool,
}

impl<S: Sender> App<S> {
    /// One evaluate → enqueue → compose → deliver pass as of `now`.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<TickReport, PassError> {
        let (mut report, pass) = self.evaluate_and_enqueue(now).await?;
        crate::metrics::record_evaluation(&pass);
        report.composed = self.compose(now).await?;
        report.delivered = self.deliver(now).await?;
        Ok(report)
    }

    /// The evaluation half of a pass: read, evaluate, record stage episodes, enqueue notices, a batch of cases at
    /// a time ([`pass`]). What was read is handed back for metrics.
    pub async fn evaluate_and_enqueue(
        &self,
        now: DateTime<Utc>,
    ) -> Result<(TickReport, Pass), PassError> {
        // The first pass records its day: the default `tell_from` counts back from it, on every replica.
        let first_pass = self.store.first_pass_on(local_date(now)).await?;
        let tell_from =
            outbox::quiet::tell_from(&self.config.settings.delivery, first_pass, &self.calendar);
        let mut report = TickReport {
            tell_from: Some(tell_from),
            ..TickReport::default()
        };
        let mut pass = pass::evaluate_and_enqueue(self, now, tell_from, &mut report).await?;
        if let Some(fold) = &mut pass.summary {
            report.summaries = self.compose_summaries(fold, now).await?;
        }
        Ok((report, pass))
    }

    /// The managers' summaries, when a summary time is open (folded from this evaluation's lines and the stage
    /// history it has just recorded). The staff table is read again only then.
    async fn compose_summaries(
        &self,
        fold: &mut crate::summary::fold::Fold,
        now: DateTime<Utc>,
    ) -> Result<u64, PassError> {
        let staff = self.config.staff(
            self.source
                .load_staff(&crate::source::ReadReport::new())
                .await?,
        );
        Ok(crate::summary::send::compose(
            &self.store,
            &self.renderer,
            &self.config,
            &self.calendar,
            fold,
            &staff,
            now,
        )
        .await?)
    }

    pub async fn compose(&self, now: DateTime<Utc>) -> Result<Composed, outbox::ComposeError> {
        let settings = &self.config.settings;
        let composed = outbox::compose(
            &self.store,
            &self.renderer,
            &self.config.rules,
            &settings.delivery,
            &self.calendar,
            now,
        )
        .await?;
        crate::metrics::record_composed(composed.digests, composed.immediate);
        Ok(composed)
    }

    pub async fn deliver(&self, now: DateTime<Utc>) -> Result<Delivered, StoreError> {
        self.deliver_until(now, &tokio_util::sync::CancellationToken::new())
            .await
    }

    /// As [`App::deliver`], stopping between batches once `stop` is cancelled.
    pub async fn deliver_until(
        &self,
        now: DateTime<Utc>,
        stop: &tokio_util::sync::CancellationToken,
    ) -> Result<Delivered, StoreError> {
        let delivered = outbox::deliver(
            &self.store,
            &self.sender,
            &self.config.settings.delivery,
            now,
            &self.replica,
            stop,
        )
        .await?;
        crate::metrics::record_delivered(delivered.sent, delivered.retried, delivered.dead);
        Ok(delivered)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Templates(#[from] outbox::TemplateError),
    #[error(transparent)]
    Channels(#[from] crate::channels::SetupError),
    #[error(transparent)]
    Lock(#[from] crate::store::LockError),
}

impl OpenError {
    /// Whether the configuration is at fault rather than a database, a file or the network.
    pub fn is_configuration(&self) -> bool {
        matches!(self, OpenError::Source(source) if source.is_configuration())
    }
}

/// Opens the state database and brings its schema up to date (it is casewatch's own). For commands that may
/// run beside `casewatch run` (`migrate`, `outbox`, `audit`): it takes no process lock and touches no lease.
pub async fn open_store(config: &Config) -> Result<Store, StoreError> {
    let store = Store::connect(&config.settings.state.url).await?;
    store.migrate().await?;
    Ok(store)
}

/// The state database for a command that only reads it (`explain`, `summary`): not created, not upgraded.
/// `None` when it is a SQLite file that does not exist yet (nothing has been recorded).
pub async fn existing_store(config: &Config) -> Result<Option<Store>, StoreError> {
    let url = &config.settings.state.url;
    let sqlite = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"));
    if let Some(path) = sqlite
        && !std::path::Path::new(path.split('?').next().unwrap_or(path)).exists()
    {
        return Ok(None);
    }
    Store::connect(url).await.map(Some)
}

/// As [`open_store`], for a process that claims and sends (`run`, `tick`). SQLite state is locked to this
/// process first; leases left in it can then only be a killed run's, and are released.
pub async fn open_store_for_delivery(
    config: &Config,
) -> Result<(Store, Option<std::sync::Arc<crate::store::ProcessLock>>), OpenError> {
    let url = &config.settings.state.url;
    let lock = if url.starts_with("sqlite:") {
        crate::store::ProcessLock::for_url(url)?
    } else {
        None
    };
    let store = open_store(config).await?;
    // Only when this open took the lock: a configuration reload reuses it, and its own claims are in flight.
    let first_hold = lock
        .as_ref()
        .is_some_and(|lock| std::sync::Arc::strong_count(lock) == 1);
    if first_hold {
        let released = store.release_leases().await?;
        if released > 0 {
            tracing::info!(released, "released leases left by an earlier run");
        }
    }
    Ok((store, lock))
}

impl App<crate::channels::Channels> {
    /// Connects to both databases, loads templates and builds the channels: everything a pass needs, checked
    /// before anything is sent.
    pub async fn open(config: Config) -> Result<Self, OpenError> {
        let calendar = config.settings.calendar.working_calendar();
        let source = connect_source(&config).await?;
        let (store, state_lock) = open_store_for_delivery(&config).await?;
        let renderer = crate::summary::render::load(config.templates_dir().as_deref())?;
        let settings = &config.settings;
        let sender = crate::channels::Channels::new(settings.email.as_ref(), &settings.webhooks)?;
        Ok(App {
            config,
            calendar,
            source,
            store,
            renderer,
            sender,
            replica: replica_name(),
            state_lock,
            pass_budget: pass::DEFAULT_BUDGET,
            skip_unchanged: true,
        })
    }
}
