//! `[schedule]`: when the service evaluates and delivers, and how long `/readyz` and a shutdown wait. All schedules
//! are cron expressions in Europe/London time (`casewatch run` keeps them; `check-config` and `/readyz` read them).

use serde::Deserialize;

/// All schedules run in Europe/London time.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSettings {
    /// When to evaluate the rules and enqueue notices: a cron expression with seconds
    /// (`sec min hour day-of-month month day-of-week`), UK local time. Default: every 15 minutes.
    #[serde(default = "default_evaluate")]
    pub evaluate: String,
    /// How often the delivery worker looks for messages that are due (retries, immediate notices), in seconds.
    /// It is also woken after every evaluation; every digest window (`delivery.digest_times`) starts one.
    #[serde(default = "default_deliver_every")]
    pub deliver_every_seconds: u64,
    /// `/readyz` reports not ready when the last successful evaluation is older than this, in minutes.
    #[serde(default = "default_max_tick_age")]
    pub max_tick_age_minutes: u64,
    /// How long SIGTERM waits for in-flight sends before the process exits anyway, in seconds.
    #[serde(default = "default_shutdown_grace")]
    pub shutdown_grace_seconds: u64,
}

fn default_evaluate() -> String {
    "0 */15 * * * *".into()
}

fn default_deliver_every() -> u64 {
    30
}

fn default_max_tick_age() -> u64 {
    45
}

fn default_shutdown_grace() -> u64 {
    20
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        Self {
            evaluate: default_evaluate(),
            deliver_every_seconds: default_deliver_every(),
            max_tick_age_minutes: default_max_tick_age(),
            shutdown_grace_seconds: default_shutdown_grace(),
        }
    }
}

impl ScheduleSettings {
    /// Checks the cron expression; the error names the key.
    pub fn validate(&self) -> Result<(), String> {
        parse_cron(&self.evaluate).map(drop).map_err(|e| {
            format!(
                "configuration key `schedule.evaluate`: `{}` is not a cron expression: {e}",
                self.evaluate
            )
        })?;
        if self.deliver_every_seconds == 0 {
            return Err(
                "configuration key `schedule.deliver_every_seconds`: must be at least 1".into(),
            );
        }
        Ok(())
    }
}

/// Parses a cron expression with seconds, exactly as tokio-cron-scheduler does.
pub fn parse_cron(expression: &str) -> Result<croner::Cron, croner::errors::CronError> {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(expression)
}

/// The next `n` times a schedule fires after `after`, in Europe/London time.
pub fn next_fire_times(
    expression: &str,
    after: chrono::DateTime<chrono::Utc>,
    n: usize,
) -> Result<Vec<chrono::DateTime<chrono::Utc>>, croner::errors::CronError> {
    let cron = parse_cron(expression)?;
    let mut at = after.with_timezone(&crate::calendar::LONDON);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        at = cron.find_next_occurrence(&at, false)?;
        out.push(at.to_utc());
    }
    Ok(out)
}
