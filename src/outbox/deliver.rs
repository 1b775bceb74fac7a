//! Delivery: claim due messages, send them through their channel (a few at once per channel), record every
//! attempt, and retry transient failures with exponential backoff and jitter until they are sent or dead-lettered.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use rand::RngExt;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::DeliverySettings;
use crate::channels::{ChannelError, Item, Message, MessageKind, Sender};
use crate::store::{Attempt, AttemptOutcome, Store, StoreError, StoredMessage};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: u64,
    pub retried: u64,
    pub dead: u64,
}

impl Delivered {
    pub fn attempts(&self) -> u64 {
        self.sent + self.retried + self.dead
    }
}

/// When to try again after `attempts` failed attempts: `initial × 2^(attempts-1)`, capped, times a jitter of
/// 0.5–1.5 so that a recovering server is not hit by every retry at once; never sooner than the server asked.
pub fn backoff(
    settings: &DeliverySettings,
    attempts: u32,
    retry_after: Option<std::time::Duration>,
) -> Duration {
    let exp = settings
        .backoff_initial_seconds
        .saturating_mul(1u64 << attempts.saturating_sub(1).min(30))
        .min(settings.backoff_max_seconds);
    let jittered = (exp as f64 * rand::rng().random_range(0.5..1.5)).round() as i64;
    let asked = retry_after.map_or(0, |d| d.as_secs() as i64);
    Duration::seconds(jittered.max(asked).max(1))
}

fn to_message(stored: &StoredMessage) -> Result<Message, serde_json::Error> {
    // A summary keeps the summary itself where other messages keep their items.
    let (kind, items, summary) = match stored.kind.as_str() {
        "summary" => (
            MessageKind::Summary,
            Vec::new(),
            Some(Box::new(serde_json::from_str(&stored.items_json)?)),
        ),
        "immediate" => (
            MessageKind::Immediate,
            serde_json::from_str::<Vec<Item>>(&stored.items_json)?,
            None,
        ),
        _ => (
            MessageKind::Digest,
            serde_json::from_str::<Vec<Item>>(&stored.items_json)?,
            None,
        ),
    };
    // Stored before messages were bounded (or a summary): the body lists every item.
    let listed = stored
        .listed
        .and_then(|n| usize::try_from(n).ok())
        .map_or(items.len(), |n| n.min(items.len()));
    Ok(Message {
        key: stored.key.clone(),
        message_id: super::message_id(&stored.key),
        kind,
        to: stored.address.clone(),
        to_name: stored.to_name.clone(),
        subject: stored.subject.clone(),
        text: stored.text.clone(),
        html: stored.html.clone(),
        items,
        listed,
        summary,
    })
}

/// Sends every message due at `now`, until none is left that may be tried now. When `stop` is cancelled, the
/// sends in flight finish and no further batch is claimed (graceful shutdown).
pub async fn deliver(
    store: &Store,
    sender: &impl Sender,
    settings: &DeliverySettings,
    now: DateTime<Utc>,
    replica: &str,
    stop: &CancellationToken,
) -> Result<Delivered, StoreError> {
    let mut total = Delivered::default();
    let per_channel = settings.concurrency.max(1);
    let mut limits: HashMap<String, Arc<Semaphore>> = HashMap::new();
    let started = Instant::now();
    loop {
        if stop.is_cancelled() {
            return Ok(total);
        }
        // Each batch's lease runs from when it is claimed: a pass working through a backlog for longer than
        // a lease must not hand its later batches out already expired (another replica would send them too).
        let claimed_at = now + Duration::from_std(started.elapsed()).unwrap_or_default();
        let lease_until = claimed_at + Duration::seconds(settings.lease_seconds as i64);
        let batch = store
            .claim(now, lease_until, replica, (per_channel * 8) as i64)
            .await?;
        if batch.is_empty() {
            return Ok(total);
        }
        for m in &batch {
            limits
                .entry(m.channel.clone())
                .or_insert_with(|| Arc::new(Semaphore::new(per_channel)));
        }
        // Every message of the batch at once, each channel held to its limit by its semaphore. Boxed, so the
        // futures are concrete and `Send` (the service runs this inside a spawned task). Once an attempt cannot
        // be recorded, the state database is away: the sends not yet begun are left to their leases, since a
        // message sent now could not be recorded either and would be sent again.
        let store_away = AtomicBool::new(false);
        let recording = Recording {
            lease_until,
            stop,
            store_away: &store_away,
            pass_now: now,
            pass_started: started,
        };
        let sends: Vec<BoxFuture<'_, Result<Option<AttemptOutcome>, StoreError>>> = batch
            .iter()
            .map(|m| {
                let limit = limits[&m.channel].clone();
                async move {
                    let _permit = limit
                        .acquire_owned()
                        .await
                        .expect("the semaphore is never closed");
                    if recording.store_away.load(Ordering::Relaxed) {
                        return Ok(None);
                    }
                    attempt(store, sender, settings, m, now, replica, recording)
                        .await
                        .map(Some)
                }
                .boxed()
            })
            .collect();
        let results = futures_util::future::join_all(sends).await;
        let mut failure = None;
        for r in results {
            match r {
                Ok(Some(AttemptOutcome::Sent)) => total.sent += 1,
                Ok(Some(AttemptOutcome::Retry(_))) => total.retried += 1,
                Ok(Some(AttemptOutcome::Dead)) => total.dead += 1,
                Ok(None) => {}
                Err(e) => failure = Some(e),
            }
        }
        if let Some(e) = failure {
            return Err(e);
        }
    }
}

/// How an attempt's outcome is recorded when the state database does not answer.
#[derive(Clone, Copy)]
struct Recording<'a> {
    /// Until then the claim is this process's: a sent message's record may still be written.
    lease_until: DateTime<Utc>,
    stop: &'a CancellationToken,
    store_away: &'a AtomicBool,
    /// The pass's `now`, and when it began: a reply's own time is `now` plus the time since.
    pass_now: DateTime<Utc>,
    pass_started: Instant,
}

impl Recording<'_> {
    /// The time now on the pass's clock: its `now` (the instant it runs as of, which `tick --at` pins) plus the
    /// time since it began. Leases are counted on this clock, not the wall clock's.
    fn now(&self) -> DateTime<Utc> {
        self.pass_now + Duration::from_std(self.pass_started.elapsed()).unwrap_or_default()
    }

    /// Writes the attempt; a *sent* message's record is retried while its lease lasts (a message recorded as
    /// sent is never sent again; one that is not would be, once its lease ends).
    async fn write(
        &self,
        store: &Store,
        record: &Attempt<'_>,
        outcome: &AttemptOutcome,
    ) -> Result<(), StoreError> {
        let mut wait = std::time::Duration::from_secs(1);
        loop {
            let Err(e) = store.finish_attempt(record, outcome).await else {
                return Ok(());
            };
            self.store_away.store(true, Ordering::Relaxed);
            let until_lease_ends = (self.lease_until - self.now()).to_std().unwrap_or_default();
            let sent = matches!(outcome, AttemptOutcome::Sent);
            if !sent || until_lease_ends <= wait * 2 || self.stop.is_cancelled() {
                tracing::error!(
                    message = record.message_id,
                    "cannot record the attempt; the message is tried again when its lease ends: {e}"
                );
                return Err(e);
            }
            tracing::warn!(
                message = record.message_id,
                "cannot record a sent message yet; trying again in {wait:?}: {e}"
            );
            tokio::select! {
                _ = self.stop.cancelled() => {}
                _ = tokio::time::sleep(wait) => {}
            }
            wait = (wait * 2).min(std::time::Duration::from_secs(10));
        }
    }
}

async fn attempt(
    store: &Store,
    sender: &impl Sender,
    settings: &DeliverySettings,
    stored: &StoredMessage,
    now: DateTime<Utc>,
    replica: &str,
    recording: Recording<'_>,
) -> Result<AttemptOutcome, StoreError> {
    let started = Instant::now();
    let result = match to_message(stored) {
        Ok(message) => sender.send(&stored.channel, &message).await,
        Err(e) => Err(ChannelError::permanent(format!(
            "stored message is unreadable: {e}"
        ))),
    };
    let attempts = stored.attempts as u32 + 1;
    let (result_name, detail, outcome) = match &result {
        Ok(receipt) => ("sent", receipt.detail.clone(), AttemptOutcome::Sent),
        Err(ChannelError::Permanent { reason }) => {
            ("permanent", reason.clone(), AttemptOutcome::Dead)
        }
        Err(ChannelError::Transient {
            reason,
            retry_after,
        }) => {
            let outcome = if attempts >= settings.max_attempts {
                AttemptOutcome::Dead
            } else {
                // A server's Retry-After counts from when its reply arrived, which may be well into the pass.
                let arrived = recording.now();
                let asked = retry_after
                    .and_then(|d| Duration::from_std(d).ok())
                    .map(|d| arrived + d);
                let at = now + backoff(settings, attempts, *retry_after);
                AttemptOutcome::Retry(asked.map_or(at, |asked| at.max(asked)))
            };
            ("transient", reason.clone(), outcome)
        }
    };
    // Logged, and counted as the metrics name it: `sent`, `retry` or `dead`.
    let counted = match &outcome {
        AttemptOutcome::Sent => {
            tracing::debug!(message = stored.id, channel = %stored.channel, "sent");
            "sent"
        }
        AttemptOutcome::Retry(at) => {
            tracing::warn!(
                message = stored.id, channel = %stored.channel, attempts, retry_at = %at, "send failed, will retry: {detail}"
            );
            "retry"
        }
        AttemptOutcome::Dead => {
            tracing::error!(
                message = stored.id, channel = %stored.channel, attempts,
                "send failed, dead-lettered (see `casewatch outbox list --dead`): {detail}"
            );
            "dead"
        }
    };
    crate::metrics::record_delivery(&stored.channel, result_name, counted);
    let record = Attempt {
        message_id: stored.id,
        at: now,
        channel: &stored.channel,
        address: &stored.address,
        result: result_name,
        detail: &detail,
        duration_ms: started.elapsed().as_millis() as i64,
        replica,
    };
    recording.write(store, &record, &outcome).await?;
    Ok(outcome)
}
