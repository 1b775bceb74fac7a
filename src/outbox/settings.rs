//! `[delivery]`: when and how notices go out.

use std::path::PathBuf;

use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;

use crate::rules::Severity;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliverySettings {
    /// UK local times of the digest send windows, on working days: each person gets at most one digest per window.
    /// A window missed while the service was down is caught up until `working_hours_end` that day.
    #[serde(default = "default_digest_times")]
    pub digest_times: Vec<NaiveTime>,
    /// Send digests on weekends and bank holidays too (default: working days only).
    #[serde(default)]
    pub digests_on_non_working_days: bool,
    /// UK local times, on the days digests go out, of the managers' daily summary: each team and senior manager
    /// with anyone reporting to them gets one per time. Empty: no summaries. Unset: 08:30 (see
    /// [`DeliverySettings::summary_times`]), which is not checked against the working day as a time given is.
    #[serde(default, rename = "summary_times")]
    pub summary_times_set: Option<Vec<NaiveTime>>,
    /// Severities sent at once, on their own, instead of waiting for the next digest.
    #[serde(default = "default_immediate")]
    pub immediate: Vec<Severity>,
    /// Working hours (UK local time, working days) for immediate notices.
    #[serde(default = "default_start")]
    pub working_hours_start: NaiveTime,
    #[serde(default = "default_end")]
    pub working_hours_end: NaiveTime,
    /// Send immediate notices outside working hours and on non-working days too (out-of-hours duty teams).
    #[serde(default)]
    pub out_of_hours: bool,
    /// Immediate notices due to one recipient in one pass go as one message, each item as in a digest; `false`
    /// sends each on its own.
    #[serde(default = "yes")]
    pub immediate_together: bool,
    /// Attempts before a message is dead-lettered.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Backoff after the first failure; doubles each time (with jitter) up to `backoff_max_seconds`.
    #[serde(default = "default_backoff_initial")]
    pub backoff_initial_seconds: u64,
    #[serde(default = "default_backoff_max")]
    pub backoff_max_seconds: u64,
    /// Messages sent at once, per channel.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// How long a claimed message is reserved for the process sending it; after that another may retry it.
    #[serde(default = "default_lease")]
    pub lease_seconds: u64,
    /// SPEC 6a: obligations due before the start of this UK date are the go-live backlog: never told one by one,
    /// shown in `evaluate`, `explain` and the managers' summaries until done. Unset: 20 working days before the
    /// day of the service's first pass (recorded in the state database).
    #[serde(default)]
    pub tell_from: Option<NaiveDate>,
    /// SPEC 6a: the most items a digest, immediate message, card or webhook payload lists; the rest are counted
    /// ("and N more") and, in email, all are in the attached `items.csv`.
    #[serde(default = "default_max_items")]
    pub max_items_per_message: usize,
    /// SPEC 6a: how far ahead a silence may end (`casewatch silence add --until`), in days.
    #[serde(default = "default_max_silence_days")]
    pub max_silence_days: u32,
    /// A folder whose templates (digest.txt, digest.html, immediate.txt, immediate.html) replace the built-in ones.
    #[serde(default)]
    pub templates_dir: Option<PathBuf>,
}

impl DeliverySettings {
    /// `delivery.summary_times`, or 08:30 when it is not set.
    pub fn summary_times(&self) -> Vec<NaiveTime> {
        self.summary_times_set
            .clone()
            .unwrap_or_else(|| vec![NaiveTime::from_hms_opt(8, 30, 0).expect("08:30 is a time")])
    }

    /// A window must open before the day's digests close (`working_hours_end`, unless `out_of_hours`); the
    /// error names the key.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=1000).contains(&self.max_items_per_message) {
            return Err(format!(
                "configuration key `delivery.max_items_per_message`: {} is out of range: from 1 to 1000",
                self.max_items_per_message
            ));
        }
        if !(1..=366).contains(&self.max_silence_days) {
            return Err(format!(
                "configuration key `delivery.max_silence_days`: {} is out of range: from 1 to 366",
                self.max_silence_days
            ));
        }
        if self.out_of_hours {
            return Ok(());
        }
        let end = self.working_hours_end;
        let summary = self.summary_times_set.clone().unwrap_or_default();
        for (key, times) in [
            ("digest_times", &self.digest_times),
            ("summary_times", &summary),
        ] {
            if let Some(t) = times.iter().find(|t| **t >= end) {
                return Err(format!(
                    "configuration key `delivery.{key}`: {} is not before `delivery.working_hours_end` ({}), \
                     so it would never send; move it, or set `delivery.out_of_hours = true`",
                    t.format("%H:%M"),
                    end.format("%H:%M")
                ));
            }
        }
        Ok(())
    }
}

/// SPEC 6a's default: a message is read in a minute.
pub const DEFAULT_MAX_ITEMS: usize = 25;

fn default_max_items() -> usize {
    DEFAULT_MAX_ITEMS
}

fn default_max_silence_days() -> u32 {
    92
}

fn default_digest_times() -> Vec<NaiveTime> {
    vec![NaiveTime::from_hms_opt(8, 0, 0).expect("08:00 is a time")]
}

fn default_immediate() -> Vec<Severity> {
    vec![Severity::Breach, Severity::Escalation]
}

fn default_start() -> NaiveTime {
    NaiveTime::from_hms_opt(8, 0, 0).expect("08:00 is a time")
}

fn default_end() -> NaiveTime {
    NaiveTime::from_hms_opt(18, 0, 0).expect("18:00 is a time")
}

fn yes() -> bool {
    true
}

fn default_max_attempts() -> u32 {
    8
}

fn default_backoff_initial() -> u64 {
    60
}

fn default_backoff_max() -> u64 {
    3600
}

fn default_concurrency() -> usize {
    4
}

fn default_lease() -> u64 {
    300
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            digest_times: default_digest_times(),
            digests_on_non_working_days: false,
            summary_times_set: None,
            immediate: default_immediate(),
            working_hours_start: default_start(),
            working_hours_end: default_end(),
            out_of_hours: false,
            immediate_together: true,
            max_attempts: default_max_attempts(),
            backoff_initial_seconds: default_backoff_initial(),
            backoff_max_seconds: default_backoff_max(),
            concurrency: default_concurrency(),
            lease_seconds: default_lease(),
            tell_from: None,
            max_items_per_message: DEFAULT_MAX_ITEMS,
            max_silence_days: default_max_silence_days(),
            templates_dir: None,
        }
    }
}
