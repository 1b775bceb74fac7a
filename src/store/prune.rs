//! Pruning (`state.retain_days`): the words of old messages go, the record of who was told what stays.

use chrono::{DateTime, SubsecRound, Utc};

use super::{Store, StoreError, WriteTx};
use crate::on_pool;

/// Messages whose bodies one transaction prunes: short transactions, so that readers and other writers wait little.
const PRUNE_BATCH: i64 = 500;

/// What one prune removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Sent messages whose bodies and items were removed.
    pub messages: u64,
    /// Notices whose item was removed (those of pruned messages that still held one, and old cancelled ones).
    pub notices: u64,
}

impl Store {
    /// Removes the bodies and items of messages sent before `before`, and the items of their notices and of
    /// notices cancelled before it. Every audit row stays: the stage episodes, each notice (rule, case, stage,
    /// recipient, role, channel, when it was enqueued, its message, listed or counted), each message's key, kind,
    /// recipient, subject, status and when it was sent, every attempt and its result. Pending and dead messages are
    /// never pruned.
    pub async fn prune(
        &self,
        before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Pruned, StoreError> {
        let (before, now) = (before.trunc_subsecs(0), now.trunc_subsecs(0));
        let messages = "UPDATE messages SET body = NULL, body_text = '', body_html = '', items_json = '', \
                        pruned_at = $1 WHERE id IN (SELECT id FROM messages WHERE status = 'sent' \
                        AND sent_at < $2 AND pruned_at IS NULL ORDER BY id LIMIT $3) RETURNING id";
        let notices = "UPDATE notices SET item_json = '' WHERE item_json <> '' AND message_id IN \
                       (SELECT id FROM messages WHERE pruned_at = $1)";
        let cancelled = "UPDATE notices SET item_json = '' WHERE item_json <> '' AND message_id IS NULL \
                         AND cancelled_at < $1";
        let mut pruned = Pruned::default();
        loop {
            let (ids, items) = on_pool!(self, |pool| {
                let mut tx = pool.begin_write().await?;
                let ids: Vec<i64> = sqlx::query_scalar(messages)
                    .bind(now)
                    .bind(before)
                    .bind(PRUNE_BATCH)
                    .fetch_all(&mut *tx)
                    .await?;
                let items = sqlx::query(notices)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                Ok::<_, sqlx::Error>((ids.len() as u64, items))
            })?;
            pruned.messages += ids;
            pruned.notices += items;
            if ids < PRUNE_BATCH as u64 {
                break;
            }
        }
        pruned.notices += on_pool!(self, |pool| sqlx::query(cancelled)
            .bind(before)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(pruned)
    }
}
