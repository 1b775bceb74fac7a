//! Prometheus metrics: what the daemon did (ticks, notices, deliveries) and what it is waiting on (the queue).
//!
//! [`install`] sets up the process-wide recorder once and describes every metric; the `record_*` functions are
//! what the run loop (and delivery) call. `/metrics` renders the [`PrometheusHandle`] (see [`crate::http`]).
//!
//! A sink: it names no other module of casewatch. What happened is passed down as plain counts ([`Tick`],
//! [`Evaluated`]); the pass converts its own reports into them.
//!
//! Labels carry only names from configuration and code — rule, stage, severity, channel, table, reason — never an
//! address, a staff id, a case id or anything else about a person.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use ::metrics::{
    Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

const BUILD_INFO: &str = "casewatch_build_info";
const UP: &str = "casewatch_up";
const TICKS: &str = "casewatch_ticks_total";
const TICK_DURATION: &str = "casewatch_tick_duration_seconds";
const LAST_TICK: &str = "casewatch_last_tick_timestamp_seconds";
const CASES: &str = "casewatch_cases_evaluated";
const UNCHANGED: &str = "casewatch_cases_unchanged";
const ACTIVE_STAGES: &str = "casewatch_active_stages";
const ACTIVE_BY_STAGE: &str = "casewatch_active_stages_by_stage";
const STAGES_OPENED: &str = "casewatch_stages_opened_total";
const STAGES_ENDED: &str = "casewatch_stages_ended_total";
const ENQUEUED: &str = "casewatch_notices_enqueued_total";
const CANCELLED: &str = "casewatch_notices_cancelled_total";
const COMPOSED: &str = "casewatch_messages_composed_total";
const DELIVERIES: &str = "casewatch_deliveries_total";
const ROWS_READ: &str = "casewatch_rows_read_total";
const ROWS_SKIPPED: &str = "casewatch_rows_skipped_total";
const FALLBACKS: &str = "casewatch_fallback_recipients_total";
const ATTEMPTS: &str = "casewatch_delivery_attempts_total";
const DEAD_LETTERS: &str = "casewatch_dead_letters_total";
const RETRIES: &str = "casewatch_retries_total";
const QUEUE_DEPTH: &str = "casewatch_queue_depth";
const QUEUE_OLDEST: &str = "casewatch_queue_oldest_pending_seconds";
const EVALUATOR: &str = "casewatch_evaluation_lock_held";

/// Upper bounds of the tick-duration buckets, in seconds: a tick takes about a second on a small authority's
/// caseload and is in trouble when it nears the 15-minute schedule; 30 minutes is the last bound.
const TICK_BUCKETS: [f64; 14] = [
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0,
];

/// Installs the process-wide Prometheus recorder (no listener: `/metrics` is served by [`crate::http`]), describes
/// every metric and sets `casewatch_build_info` and `casewatch_up`. Idempotent: later calls return the same handle.
///
/// Histogram samples are folded into their buckets whenever the handle renders, so a scraped process needs no
/// separate upkeep task (and an unscraped one keeps only one sample per tick).
pub fn install() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(TICK_DURATION.into()), &TICK_BUCKETS)
                .expect("the tick buckets are not empty");
            let handle = match builder.install_recorder() {
                Ok(handle) => handle,
                Err(error) => {
                    // Only another library's recorder can be there first; ours would then see nothing.
                    tracing::warn!(%error, "metrics recorder not installed: /metrics will be empty");
                    PrometheusBuilder::new().build_recorder().handle()
                }
            };
            describe();
            register_known_labels();
            gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            gauge!(UP).set(1.0);
            handle
        })
        .clone()
}

fn describe() {
    describe_gauge!(
        BUILD_INFO,
        "Always 1; the label carries casewatch's version."
    );
    describe_gauge!(UP, "1 while the casewatch process runs.");
    describe_gauge!(
        EVALUATOR,
        "1 while this replica holds the evaluation lock (always, with SQLite state); 0 on a standby."
    );
    describe_counter!(
        TICKS,
        Unit::Count,
        "Evaluate-enqueue-compose-deliver passes, by result (ok or error)."
    );
    describe_histogram!(TICK_DURATION, Unit::Seconds, "How long each pass took.");
    describe_gauge!(
        LAST_TICK,
        Unit::Seconds,
        "Unix time at which the last successful pass finished."
    );
    describe_gauge!(
        CASES,
        Unit::Count,
        "Open cases evaluated by the last successful pass."
    );
    describe_gauge!(
        UNCHANGED,
        Unit::Count,
        "Cases the last successful pass found as the pass before left them, and passed over."
    );
    describe_gauge!(
        ACTIVE_STAGES,
        Unit::Count,
        "Active rule stages (one per obligation and stage) after the last successful pass."
    );
    describe_gauge!(
        ACTIVE_BY_STAGE,
        Unit::Count,
        "Active rule stages after the last evaluation, by rule, stage and severity."
    );
    describe_counter!(
        STAGES_OPENED,
        Unit::Count,
        "Stage episodes that began (a stage became active)."
    );
    describe_counter!(
        STAGES_ENDED,
        Unit::Count,
        "Stage episodes that ended (done, case closed, or lapsed)."
    );
    describe_counter!(
        ENQUEUED,
        Unit::Count,
        "Notices added to the outbox (one per stage, person and channel)."
    );
    describe_counter!(
        CANCELLED,
        Unit::Count,
        "Pending notices cancelled because their stage ended before they were sent."
    );
    describe_counter!(
        COMPOSED,
        Unit::Count,
        "Messages composed, by kind: digest, immediate, or a manager's daily summary."
    );
    describe_counter!(
        DELIVERIES,
        Unit::Count,
        "Delivery attempts, by outcome: sent, retry (transient failure) or dead (dead-lettered)."
    );
    describe_counter!(
        ROWS_READ,
        Unit::Count,
        "Rows read from the case database, by table (and from the staff directory file, as table staff_directory, each time it is read)."
    );
    describe_counter!(
        ROWS_SKIPPED,
        Unit::Count,
        "Case-database rows casewatch could not use and skipped (see the warnings in the log), by table; table staff_directory counts the staff directory file's skipped rows each time it is read."
    );
    describe_counter!(
        FALLBACKS,
        Unit::Count,
        "Recipients sent to notify.fallback_address instead of a person, by reason."
    );
    describe_counter!(
        ATTEMPTS,
        Unit::Count,
        "Send attempts, by channel and result: sent, transient or permanent."
    );
    describe_counter!(
        DEAD_LETTERS,
        Unit::Count,
        "Messages dead-lettered, by channel: see `casewatch outbox list --dead`."
    );
    describe_counter!(
        RETRIES,
        Unit::Count,
        "Transient failures scheduled for another attempt, by channel."
    );
    describe_gauge!(
        QUEUE_DEPTH,
        Unit::Count,
        "Messages waiting to be sent (pending, including retries)."
    );
    describe_gauge!(
        QUEUE_OLDEST,
        Unit::Seconds,
        "Age of the oldest pending message (0 when none is pending)."
    );
}

/// The `table` label of each table of the case database (`crate::source::Table::name`, which checks it agrees).
pub const TABLES: [&str; 9] = [
    "staff",
    "children",
    "cases",
    "visits",
    "assessments",
    "management_decisions",
    "case_events",
    "meetings",
    "records",
];

/// The `reason` label of a recipient sent to the fallback mailbox (`crate::recipients::Unresolved::reason`, which
/// checks it agrees).
pub const FALLBACK_REASONS: [&str; 6] = [
    "null_link",
    "unknown_id",
    "loop",
    "no_available_cover",
    "unreachable",
    "unknown_team",
];

/// Counters with a known set of labels start at 0, so that the first increase is visible to `increase()`.
fn register_known_labels() {
    for result in ["ok", "error"] {
        counter!(TICKS, "result" => result).absolute(0);
    }
    for outcome in ["sent", "retry", "dead"] {
        counter!(DELIVERIES, "outcome" => outcome).absolute(0);
    }
    for kind in ["digest", "immediate", "summary"] {
        counter!(COMPOSED, "kind" => kind).absolute(0);
    }
    for table in TABLES.iter().chain([&DIRECTORY_TABLE]) {
        counter!(ROWS_READ, "table" => *table).absolute(0);
        counter!(ROWS_SKIPPED, "table" => *table).absolute(0);
    }
    for reason in FALLBACK_REASONS {
        counter!(FALLBACKS, "reason" => reason).absolute(0);
    }
}

/// Starts a channel's counters at 0 (`email` and each webhook's name), so a first dead letter shows as an increase.
pub fn register_channel(channel: &str) {
    for result in ["sent", "transient", "permanent"] {
        counter!(ATTEMPTS, "channel" => channel.to_owned(), "outcome" => result).absolute(0);
    }
    counter!(DEAD_LETTERS, "channel" => channel.to_owned()).absolute(0);
    counter!(RETRIES, "channel" => channel.to_owned()).absolute(0);
}

/// What one pass counted ([`record_tick`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tick {
    pub cases: u64,
    /// Cases passed over, found as the pass before left them.
    pub cases_unchanged: u64,
    pub active_stages: u64,
    pub stages_opened: u64,
    pub stages_ended: u64,
    pub notices_enqueued: u64,
    pub notices_cancelled: u64,
    /// Managers' summaries composed.
    pub summaries: u64,
}

/// What one read and evaluation of the case database found ([`record_evaluation`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evaluated<'a> {
    /// `(table, rows read, rows skipped)`, for every table of [`TABLES`].
    pub rows: Vec<(&'a str, u64, u64)>,
    /// Active stages by `(rule, stage, severity)`: one per obligation, however many people are told. Sorted.
    pub active: Vec<(&'a str, &'a str, &'a str, u64)>,
    /// Recipients sent to the fallback mailbox, by reason (one of [`FALLBACK_REASONS`]).
    pub fallbacks: &'a [(&'static str, u64)],
}

/// One pass, successful (`ok`) or not. A failed pass counts and times; the gauges keep the last successful values,
/// and `casewatch_last_tick_timestamp_seconds` is the time of the last successful pass.
pub fn record_tick(tick: impl Into<Tick>, duration: Duration, ok: bool) {
    let report = tick.into();
    counter!(TICKS, "result" => if ok { "ok" } else { "error" }).increment(1);
    histogram!(TICK_DURATION).record(duration.as_secs_f64());
    counter!(STAGES_OPENED).increment(report.stages_opened);
    counter!(STAGES_ENDED).increment(report.stages_ended);
    counter!(ENQUEUED).increment(report.notices_enqueued);
    counter!(CANCELLED).increment(report.notices_cancelled);
    // Digests, immediate messages and deliveries are counted where they happen ([`record_composed`],
    // [`record_delivered`]): under `run` they happen in the delivery worker, not in this pass.
    counter!(COMPOSED, "kind" => "summary").increment(report.summaries);
    if ok {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        gauge!(LAST_TICK).set(now.as_secs_f64());
        gauge!(CASES).set(report.cases as f64);
        gauge!(UNCHANGED).set(report.cases_unchanged as f64);
        gauge!(ACTIVE_STAGES).set(report.active_stages as f64);
    }
}

/// Messages composed by one compose step (the delivery worker's, or a `tick`'s).
pub fn record_composed(digests: u64, immediate: u64) {
    counter!(COMPOSED, "kind" => "digest").increment(digests);
    counter!(COMPOSED, "kind" => "immediate").increment(immediate);
}

/// The outcomes of one delivery step: messages sent, to be retried, and dead-lettered.
pub fn record_delivered(sent: u64, retried: u64, dead: u64) {
    counter!(DELIVERIES, "outcome" => "sent").increment(sent);
    counter!(DELIVERIES, "outcome" => "retry").increment(retried);
    counter!(DELIVERIES, "outcome" => "dead").increment(dead);
}

/// Everything an evaluation can tell: rows read and skipped, active stages by stage, fallback recipients.
pub fn record_evaluation<'a>(evaluated: impl Into<Evaluated<'a>>) {
    let evaluated = evaluated.into();
    for &(table, read, skipped) in &evaluated.rows {
        counter!(ROWS_READ, "table" => table.to_owned()).increment(read);
        counter!(ROWS_SKIPPED, "table" => table.to_owned()).increment(skipped);
    }
    record_active_stages(&evaluated.active);
    record_fallbacks(evaluated.fallbacks);
}

/// The `table` label of the staff directory file's rows.
const DIRECTORY_TABLE: &str = "staff_directory";

/// Rows of the staff directory file, counted each time the file is read (at start and on reload).
pub fn record_directory(read: u64, skipped: u64) {
    counter!(ROWS_READ, "table" => DIRECTORY_TABLE).increment(read);
    counter!(ROWS_SKIPPED, "table" => DIRECTORY_TABLE).increment(skipped);
}

/// Sets `casewatch_active_stages_by_stage` to these counts `(rule, stage, severity, count)`; a label set seen in an
/// earlier call and absent now is set to 0, so a stage that ended does not linger at its last count.
pub fn record_active_stages(counts: &[(&str, &str, &str, u64)]) {
    static SEEN: Mutex<Vec<(String, String, String)>> = Mutex::new(Vec::new());
    let mut seen = SEEN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let now: Vec<(String, String, String)> = counts
        .iter()
        .map(|&(r, s, v, _)| (r.to_owned(), s.to_owned(), v.to_owned()))
        .collect();
    for (rule, stage, severity) in seen.iter().filter(|key| !now.contains(key)) {
        stage_gauge(rule, stage, severity).set(0.0);
    }
    for &(rule, stage, severity, count) in counts {
        stage_gauge(rule, stage, severity).set(count as f64);
    }
    *seen = now;
}

fn stage_gauge(rule: &str, stage: &str, severity: &str) -> ::metrics::Gauge {
    gauge!(
        ACTIVE_BY_STAGE,
        "rule" => rule.to_owned(),
        "stage" => stage.to_owned(),
        "severity" => severity.to_owned()
    )
}

/// Recipients that went to the fallback mailbox, by reason (`Unresolved::reason`).
pub fn record_fallbacks(uses: &[(&str, u64)]) {
    for &(reason, n) in uses {
        counter!(FALLBACKS, "reason" => reason.to_owned()).increment(n);
    }
}

/// One finished send attempt: `result` is `sent`, `transient` or `permanent` (as in the attempts table), and
/// `outcome` what the outbox made of it: `sent`, `retry` (a transient failure tried again later), or `dead` (a
/// dead letter, once out of attempts or on a permanent failure).
pub fn record_delivery(channel: &str, result: &str, outcome: &str) {
    counter!(ATTEMPTS, "channel" => channel.to_owned(), "outcome" => result.to_owned())
        .increment(1);
    match outcome {
        "retry" => counter!(RETRIES, "channel" => channel.to_owned()).increment(1),
        "dead" => counter!(DEAD_LETTERS, "channel" => channel.to_owned()).increment(1),
        _ => {}
    }
}

/// The outbox queue, from [`crate::store::Store::queue_depth`].
/// Whether this replica is the one that evaluates.
pub fn record_evaluation_lock(held: bool) {
    gauge!(EVALUATOR).set(if held { 1.0 } else { 0.0 });
}

pub fn record_queue(depth: i64, oldest_pending_age_seconds: Option<i64>) {
    gauge!(QUEUE_DEPTH).set(depth as f64);
    gauge!(QUEUE_OLDEST).set(oldest_pending_age_seconds.unwrap_or(0) as f64);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stage_no_longer_active_drops_to_zero() {
        let handle = install();
        let series = r#"casewatch_active_stages_by_stage{rule="metrics-unit-test",stage="gone",severity="warning"}"#;
        let value = || {
            let text = handle.render();
            let line = text
                .lines()
                .find(|l| l.starts_with(series))
                .map(str::to_owned);
            line.and_then(|l| l.rsplit(' ').next().map(str::to_owned))
        };

        record_active_stages(&[("metrics-unit-test", "gone", "warning", 3)]);
        assert_eq!(value().as_deref(), Some("3"));
        record_active_stages(&[("metrics-unit-test", "other", "warning", 1)]);
        assert_eq!(value().as_deref(), Some("0"));
    }
}
