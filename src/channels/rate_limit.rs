//! A client-side rate limit shared by every concurrent send through one channel: requests are spaced evenly, at
//! most `per_second` in any second, so a digest run of a hundred messages does not trip the receiver's own limit
//! (Slack allows about one message a second per webhook) and come back as 429s.

use std::num::NonZeroU32;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// Hands out send slots `1 / per_second` apart. Built on tokio's clock, so tests can run it with time paused.
#[derive(Debug)]
pub struct RateLimit {
    spacing: Duration,
    next_free: Mutex<Option<Instant>>,
}

impl RateLimit {
    pub fn per_second(per_second: NonZeroU32) -> Self {
        RateLimit {
            spacing: Duration::from_secs(1) / per_second.get(),
            next_free: Mutex::new(None),
        }
    }

    /// Waits for this caller's slot. Slots are taken in the order callers arrive; a caller dropped while waiting
    /// leaves its slot unused, which only errs on the side of sending less.
    pub async fn wait(&self) {
        let slot = {
            // The lock is never held across an await, and the guarded value is valid whatever a panicking holder
            // did, so a poisoned lock is used as it is.
            let mut next_free = self
                .next_free
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            let slot = next_free.map_or(now, |free| free.max(now));
            *next_free = Some(slot + self.spacing);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(per_second: u32) -> std::sync::Arc<RateLimit> {
        std::sync::Arc::new(RateLimit::per_second(
            NonZeroU32::new(per_second).expect("nonzero"),
        ))
    }

    #[tokio::test(start_paused = true)]
    async fn five_concurrent_callers_at_two_a_second_finish_two_seconds_after_the_first() {
        let limit = limit(2);
        let start = Instant::now();
        let tasks: Vec<_> = (0..5)
            .map(|_| {
                let limit = limit.clone();
                tokio::spawn(async move {
                    limit.wait().await;
                    start.elapsed()
                })
            })
            .collect();
        let mut passed = Vec::new();
        for task in tasks {
            passed.push(task.await.expect("task"));
        }
        passed.sort();
        let ms: Vec<u128> = passed.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [0, 500, 1000, 1500, 2000]);
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_limit_lets_the_next_caller_through_at_once() {
        let limit = limit(1);
        limit.wait().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        let start = Instant::now();
        limit.wait().await;
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
