//! What decides when notices go: the send windows opened so far, and each recipient's latest notice of a stage
//! (the start of their repeat interval).

use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::{QueryBuilder, Row};

use super::outbox::BATCH;
use super::{Store, StoreError};
use crate::on_pool;

/// A recipient's latest notice of a stage episode, as the outbox holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastNotice {
    pub occurrence: u32,
    /// When it was settled: sent (or dead-lettered, or dropped because its stage ended). `None` while it waits
    /// to be sent: no repeat is due before it goes.
    pub settled_at: Option<DateTime<Utc>>,
    /// While it waits: when its message was composed (`None` before it is in one). It settles no earlier.
    pub composed_at: Option<DateTime<Utc>>,
}

impl Store {
    /// When the evaluation that opened `window` ran, if one has.
    pub async fn window_opened_at(
        &self,
        window: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let sql = "SELECT opened_at FROM digest_windows WHERE window_at = $1";
        let at = on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(window.trunc_subsecs(0))
            .fetch_optional(pool)
            .await)?;
        Ok(at)
    }

    /// Opens `window` as of `now`, unless it is open already: its digests hold the notices enqueued until then.
    /// Call it after the evaluation's notices are stored, so that a replica composing the window at once finds
    /// them all.
    pub async fn open_window(
        &self,
        window: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO digest_windows (window_at, opened_at) VALUES ($1, $2) \
                   ON CONFLICT (window_at) DO NOTHING";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(window.trunc_subsecs(0))
            .bind(now.trunc_subsecs(0))
            .execute(pool)
            .await
            .map(drop))?;
        Ok(())
    }

    /// The latest notice stored under each of `repeat_keys` (absent: none yet).
    pub async fn last_notices(
        &self,
        repeat_keys: &[&str],
    ) -> Result<HashMap<String, LastNotice>, StoreError> {
        let mut last: HashMap<String, LastNotice> = HashMap::new();
        for chunk in repeat_keys.chunks(BATCH) {
            let rows = on_pool!(self, |pool| {
                let mut q = QueryBuilder::new(
                    "SELECT n.repeat_key, n.occurrence, n.cancelled_at, m.status, m.sent_at, m.created_at \
                     FROM notices n LEFT JOIN messages m ON m.id = n.message_id WHERE n.repeat_key IN (",
                );
                let mut list = q.separated(", ");
                for key in chunk {
                    list.push_bind(*key);
                }
                q.push(")");
                q.build()
                    .fetch_all(pool)
                    .await?
                    .into_iter()
                    .map(|r| {
                        let status: Option<String> = r.try_get("status")?;
                        let settled_at = match status.as_deref() {
                            Some("sent") => r.try_get("sent_at")?,
                            Some("dead") => r.try_get("created_at")?,
                            Some(_) => None,
                            None => r.try_get("cancelled_at")?,
                        };
                        let composed_at = match settled_at {
                            Some(_) => None,
                            None => r.try_get("created_at")?,
                        };
                        let notice = LastNotice {
                            occurrence: r.try_get::<i32, _>("occurrence")? as u32,
                            settled_at,
                            composed_at,
                        };
                        Ok((r.try_get::<String, _>("repeat_key")?, notice))
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()
            })?;
            for (key, notice) in rows {
                let later = last
                    .get(&key)
                    .is_none_or(|l| l.occurrence < notice.occurrence);
                if later {
                    last.insert(key, notice);
                }
            }
        }
        Ok(last)
    }
}
