//! Stage episodes, notices and composing messages.

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::{QueryBuilder, Row};

use super::{Store, StoreError, WriteTx};
use crate::on_pool;

/// A notice to store: one stage for one recipient, once (`notice_key`); the outbox plans it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNotice<'a> {
    pub key: &'a str,
    pub repeat_key: &'a str,
    pub rule: &'a str,
    pub case_id: &'a str,
    pub subject_id: &'a str,
    pub stage: &'a str,
    pub from: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub severity: &'a str,
    pub occurrence: u32,
    /// The roles joined with commas: `worker,supervisor`.
    pub roles: String,
    pub channel: &'a str,
    pub address: &'a str,
    pub staff_id: Option<&'a str>,
    pub to_name: Option<&'a str>,
    /// `digest` or `immediate`.
    pub delivery: &'a str,
    /// The item the message will list, as JSON.
    pub item_json: String,
}

/// One active stage episode, as `stage_log` keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StageKey {
    pub rule: String,
    /// Part of the key: two cases' subjects may share an id (views that union two source tables).
    pub case_id: String,
    pub subject_id: String,
    pub stage: String,
    pub from: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct StageEpisode {
    pub key: StageKey,
    pub child_ref: String,
    pub severity: String,
    pub due_at: DateTime<Utc>,
    /// Whose caseload it is on (recorded when the episode opens; not read back by a pass).
    pub worker_id: Option<String>,
}

/// A notice waiting for a message.
#[derive(Clone, Debug)]
pub struct PendingNotice {
    pub id: i64,
    pub channel: String,
    pub address: String,
    pub staff_id: Option<String>,
    pub to_name: Option<String>,
    pub item_json: String,
    pub notice_key: String,
    pub case_id: String,
    pub severity: String,
}

/// A composed message to store.
pub struct NewMessage<'a> {
    pub key: &'a str,
    pub kind: &'a str,
    pub channel: &'a str,
    pub address: &'a str,
    pub staff_id: Option<&'a str>,
    pub to_name: Option<&'a str>,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
    pub items_json: &'a str,
}

/// A `stage_log` row as a pass reads it back.
pub(super) fn episode<R: Row>(r: &R) -> Result<StageEpisode, sqlx::Error>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'q> String: sqlx::Decode<'q, R::Database> + sqlx::Type<R::Database>,
    for<'q> DateTime<Utc>: sqlx::Decode<'q, R::Database> + sqlx::Type<R::Database>,
{
    Ok(StageEpisode {
        key: StageKey {
            rule: r.try_get("rule")?,
            case_id: r.try_get("case_id")?,
            subject_id: r.try_get("subject_id")?,
            stage: r.try_get("stage")?,
            from: r.try_get("from_at")?,
        },
        child_ref: r.try_get("child_ref")?,
        severity: r.try_get("severity")?,
        due_at: r.try_get("due_at")?,
        worker_id: None,
    })
}

/// The open stage episodes, as [`episode`] reads them; a `WHERE` to add to.
pub(super) const OPEN_EPISODES: &str = "SELECT rule, subject_id, stage, from_at, case_id, child_ref, severity, \
                                        due_at FROM stage_log WHERE ended_at IS NULL";

/// Narrows `q` (whose `WHERE` is begun) to the case ids after `after` and not after `upto` (`None`: unbounded),
/// `column` compared in byte order.
pub(super) fn case_range<'a, DB>(
    q: &mut QueryBuilder<DB>,
    column: &str,
    after: Option<&'a str>,
    upto: Option<&'a str>,
) where
    DB: sqlx::Database,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    if let Some(after) = after {
        q.push(format!(" AND {column} > ")).push_bind(after);
    }
    if let Some(upto) = upto {
        q.push(format!(" AND {column} <= ")).push_bind(upto);
    }
}

/// Rows per multi-row INSERT: well under SQLite's 32,766 bound parameters.
pub(super) const BATCH: usize = 500;

impl Store {
    /// Episodes still open whose case id is after `after` and not after `upto` (in byte order, the order the
    /// case database hands cases over; `None`: unbounded): the open episodes of one batch of a pass, and of the
    /// cases between them that no longer appear.
    pub async fn open_stages_between(
        &self,
        after: Option<&str>,
        upto: Option<&str>,
    ) -> Result<Vec<StageEpisode>, StoreError> {
        let case_id = match self {
            Store::Sqlite(_) => "case_id",
            Store::Postgres(_) => "(case_id COLLATE \"C\")",
        };
        let rows = on_pool!(self, |pool| {
            let mut q = QueryBuilder::new(OPEN_EPISODES);
            case_range(&mut q, case_id, after, upto);
            q.build()
                .fetch_all(pool)
                .await?
                .iter()
                .map(episode)
                .collect::<Result<Vec<_>, sqlx::Error>>()
        })?;
        Ok(rows)
    }

    /// Opens episodes seen for the first time (or reopens one that had ended and is active again).
    pub async fn open_episodes(
        &self,
        new: &[StageEpisode],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let now = now.trunc_subsecs(0);
        for chunk in new.chunks(BATCH) {
            on_pool!(self, |pool| {
                let mut q = QueryBuilder::new(
                    "INSERT INTO stage_log (rule, subject_id, stage, from_at, case_id, child_ref, severity, \
                     due_at, first_seen_at, worker_id) ",
                );
                q.push_values(chunk, |mut b, e| {
                    b.push_bind(&e.key.rule)
                        .push_bind(&e.key.subject_id)
                        .push_bind(&e.key.stage)
                        .push_bind(e.key.from)
                        .push_bind(&e.key.case_id)
                        .push_bind(&e.child_ref)
                        .push_bind(&e.severity)
                        .push_bind(e.due_at)
                        .push_bind(now)
                        .push_bind(&e.worker_id);
                });
                q.push(
                    " ON CONFLICT (rule, case_id, subject_id, stage, from_at) DO UPDATE \
                     SET ended_at = NULL, end_reason = NULL, due_at = excluded.due_at, \
                     worker_id = excluded.worker_id",
                );
                q.build().execute(pool).await.map(|_| ())
            })?;
        }
        Ok(())
    }

    /// Closes episodes that are no longer active, with why.
    pub async fn close_episodes(
        &self,
        ended: &[(StageKey, String)],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let now = now.trunc_subsecs(0);
        let sql = "UPDATE stage_log SET ended_at = $1, end_reason = $2 \
                   WHERE rule = $3 AND case_id = $4 AND subject_id = $5 AND stage = $6 AND from_at = $7 \
                   AND ended_at IS NULL";
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            for (key, reason) in ended {
                sqlx::query(sql)
                    .bind(now)
                    .bind(reason)
                    .bind(&key.rule)
                    .bind(&key.case_id)
                    .bind(&key.subject_id)
                    .bind(&key.stage)
                    .bind(key.from)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        })?;
        Ok(())
    }

    /// Stores new notices; a notice whose key is already stored is left alone. Returns how many were new.
    pub async fn enqueue(
        &self,
        notices: &[NewNotice<'_>],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let now = now.trunc_subsecs(0);
        let mut inserted = 0;
        for chunk in notices.chunks(BATCH) {
            inserted += on_pool!(self, |pool| {
                let mut q = QueryBuilder::new(
                    "INSERT INTO notices (notice_key, repeat_key, rule, subject_id, stage, from_at, due_at, case_id, \
                     severity, occurrence, roles, channel, address, staff_id, to_name, delivery, item_json, \
                     enqueued_at) ",
                );
                q.push_values(chunk, |mut b, n| {
                    b.push_bind(n.key)
                        .push_bind(n.repeat_key)
                        .push_bind(n.rule)
                        .push_bind(n.subject_id)
                        .push_bind(n.stage)
                        .push_bind(n.from)
                        .push_bind(n.due_at)
                        .push_bind(n.case_id)
                        .push_bind(n.severity)
                        .push_bind(n.occurrence as i64)
                        .push_bind(&n.roles)
                        .push_bind(n.channel)
                        .push_bind(n.address)
                        .push_bind(n.staff_id)
                        .push_bind(n.to_name)
                        .push_bind(n.delivery)
                        .push_bind(&n.item_json)
                        .push_bind(now);
                });
                q.push(" ON CONFLICT (notice_key) DO NOTHING");
                q.build().execute(pool).await.map(|r| r.rows_affected())
            })?;
        }
        Ok(inserted)
    }

    /// Notices not yet in a message whose stage episode has ended are not sent: a reminder for something already
    /// done is noise. Returns how many were cancelled.
    pub async fn cancel_ended(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let sql = "UPDATE notices SET cancelled_at = $1, cancel_reason = \
                   (SELECT s.end_reason FROM stage_log s WHERE s.rule = notices.rule AND s.case_id = notices.case_id \
                    AND s.subject_id = notices.subject_id AND s.stage = notices.stage AND s.from_at = notices.from_at) \
                   WHERE message_id IS NULL AND cancelled_at IS NULL AND EXISTS \
                   (SELECT 1 FROM stage_log s WHERE s.rule = notices.rule AND s.case_id = notices.case_id \
                    AND s.subject_id = notices.subject_id AND s.stage = notices.stage AND s.from_at = notices.from_at \
                    AND s.ended_at IS NOT NULL)";
        let n = on_pool!(self, |pool| sqlx::query(sql)
            .bind(now.trunc_subsecs(0))
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n)
    }

    /// Who has notices of one delivery kind waiting for a message (those enqueued by `enqueued_by`, when given):
    /// channel and address, in that order. Composing goes through them one at a time, so that only one
    /// recipient's notices are held.
    pub async fn pending_recipients(
        &self,
        delivery: &str,
        enqueued_by: Option<DateTime<Utc>>,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let sql = "SELECT DISTINCT channel, address FROM notices \
                   WHERE message_id IS NULL AND cancelled_at IS NULL AND delivery = $1 \
                   AND ($2 IS NULL OR enqueued_at <= $2) ORDER BY channel, address";
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, (String, String)>(sql)
                .bind(delivery)
                .bind(enqueued_by.map(|t| t.trunc_subsecs(0)))
                .fetch_all(pool)
                .await
        })?;
        Ok(rows)
    }

    /// One recipient's notices of one delivery kind waiting for a message (those enqueued by `enqueued_by`,
    /// when given), oldest first.
    pub async fn pending_notices(
        &self,
        delivery: &str,
        enqueued_by: Option<DateTime<Utc>>,
        (channel, address): (&str, &str),
    ) -> Result<Vec<PendingNotice>, StoreError> {
        let sql = "SELECT id, channel, address, staff_id, to_name, item_json, notice_key, case_id, severity \
                   FROM notices \
                   WHERE message_id IS NULL AND cancelled_at IS NULL AND channel = $3 AND address = $4 \
                   AND delivery = $1 AND ($2 IS NULL OR enqueued_at <= $2) ORDER BY id";
        let rows = on_pool!(self, |pool| {
            sqlx::query(sql)
                .bind(delivery)
                .bind(enqueued_by.map(|t| t.trunc_subsecs(0)))
                .bind(channel)
                .bind(address)
                .fetch_all(pool)
                .await?
                .into_iter()
                .map(|r| {
                    Ok(PendingNotice {
                        id: r.try_get("id")?,
                        channel: r.try_get("channel")?,
                        address: r.try_get("address")?,
                        staff_id: r.try_get("staff_id")?,
                        to_name: r.try_get("to_name")?,
                        item_json: r.try_get("item_json")?,
                        notice_key: r.try_get("notice_key")?,
                        case_id: r.try_get("case_id")?,
                        severity: r.try_get("severity")?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
        })?;
        Ok(rows)
    }

    /// Stores a message and assigns its notices, in one transaction. `None` when a message with this key exists
    /// already (this recipient's digest for this window was composed before): the notices wait.
    pub async fn create_message(
        &self,
        m: &NewMessage<'_>,
        notice_ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        self.insert_message(m, None, &[(notice_ids, None)], now)
            .await
    }

    /// As [`Store::create_message`], for a message whose body lists the notices `listed` and only counts the
    /// notices `counted` ("and 12 more"): each notice records which, for the audit.
    pub async fn create_bounded_message(
        &self,
        m: &NewMessage<'_>,
        listed: &[i64],
        counted: &[i64],
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        let parts = [(listed, Some(true)), (counted, Some(false))];
        self.insert_message(m, Some(listed.len()), &parts, now)
            .await
    }

    async fn insert_message(
        &self,
        m: &NewMessage<'_>,
        listed: Option<usize>,
        notices: &[(&[i64], Option<bool>)],
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        let now = now.trunc_subsecs(0);
        // An INTEGER in both databases; a message lists at most `delivery.max_items_per_message` (1000).
        let listed = listed.map(|n| i32::try_from(n).unwrap_or(i32::MAX));
        // The bodies and items go deflated into `body`; the columns from before migration 0006 stay empty.
        let insert = "INSERT INTO messages (message_key, kind, channel, address, staff_id, to_name, subject, \
                      body_text, body_html, items_json, body, status, attempts, created_at, next_attempt_at, listed) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, '', '', '', $8, 'pending', 0, $9, $9, $10) \
                      ON CONFLICT (message_key) DO NOTHING RETURNING id";
        let body = super::body::pack(m.text, m.html, m.items_json);
        let id = on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: Option<i64> = sqlx::query_scalar(insert)
                .bind(m.key)
                .bind(m.kind)
                .bind(m.channel)
                .bind(m.address)
                .bind(m.staff_id)
                .bind(m.to_name)
                .bind(m.subject)
                .bind(&body)
                .bind(now)
                .bind(listed)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(id) = id {
                for (ids, listed) in notices {
                    for chunk in ids.chunks(BATCH) {
                        let mut q = QueryBuilder::new("UPDATE notices SET message_id = ");
                        // The message holds the notice's item from now on: one copy, not one per notice.
                        q.push_bind(id).push(", listed = ").push_bind(*listed);
                        q.push(", item_json = ''");
                        q.push(" WHERE message_id IS NULL AND id IN (");
                        let mut list = q.separated(", ");
                        for n in chunk {
                            list.push_bind(*n);
                        }
                        q.push(")");
                        q.build().execute(&mut *tx).await?;
                    }
                }
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(id)
        })?;
        Ok(id)
    }
}
