//! Claiming messages for delivery, recording attempts, retries, dead letters and re-queueing.

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::Row;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use super::{Store, StoreError, WriteTx};
use crate::on_pool;

/// A stored message, as delivery and `casewatch outbox` see it.
#[derive(Clone, Debug)]
pub struct StoredMessage {
    pub id: i64,
    pub key: String,
    pub kind: String,
    pub channel: String,
    pub address: String,
    pub staff_id: Option<String>,
    pub to_name: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub items_json: String,
    /// How many of the items the body lists (the most urgent); `None`: all of them.
    pub listed: Option<i64>,
    pub status: String,
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

const COLUMNS: &str = "id, message_key, kind, channel, address, staff_id, to_name, subject, body_text, body_html, \
                       items_json, body, listed, status, attempts, created_at, next_attempt_at, sent_at, last_error";

macro_rules! message_from_row {
    ($row:ty) => {
        impl TryFrom<$row> for StoredMessage {
            type Error = sqlx::Error;
            fn try_from(r: $row) -> Result<Self, sqlx::Error> {
                // Deflated since migration 0006 (none once pruned); in three columns before it.
                let body: Option<Vec<u8>> = r.try_get("body")?;
                let (text, html, items_json) = match body {
                    Some(body) => super::body::unpack(&body)?,
                    None => (
                        r.try_get("body_text")?,
                        r.try_get("body_html")?,
                        r.try_get("items_json")?,
                    ),
                };
                Ok(StoredMessage {
                    id: r.try_get("id")?,
                    key: r.try_get("message_key")?,
                    kind: r.try_get("kind")?,
                    channel: r.try_get("channel")?,
                    address: r.try_get("address")?,
                    staff_id: r.try_get("staff_id")?,
                    to_name: r.try_get("to_name")?,
                    subject: r.try_get("subject")?,
                    text,
                    html,
                    items_json,
                    listed: r.try_get::<Option<i32>, _>("listed")?.map(i64::from),
                    status: r.try_get("status")?,
                    attempts: r.try_get::<i32, _>("attempts").map(i64::from)?,
                    created_at: r.try_get("created_at")?,
                    next_attempt_at: r.try_get("next_attempt_at")?,
                    sent_at: r.try_get("sent_at")?,
                    last_error: r.try_get("last_error")?,
                })
            }
        }
    };
}
message_from_row!(SqliteRow);
message_from_row!(PgRow);

/// How one attempt ended.
#[derive(Clone, Debug)]
pub enum AttemptOutcome {
    Sent,
    /// Retry at this instant.
    Retry(DateTime<Utc>),
    /// Dead-lettered: permanent, or out of attempts.
    Dead,
}

/// One attempt, for the audit log.
pub struct Attempt<'a> {
    pub message_id: i64,
    pub at: DateTime<Utc>,
    pub channel: &'a str,
    pub address: &'a str,
    /// `sent`, `transient` or `permanent`.
    pub result: &'a str,
    pub detail: &'a str,
    pub duration_ms: i64,
    pub replica: &'a str,
}

impl Store {
    /// Reserves up to `limit` messages that are due for `owner` until `lease_until`. On PostgreSQL several
    /// replicas claim at once without blocking each other or taking the same message (`FOR UPDATE SKIP LOCKED`).
    pub async fn claim(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        owner: &str,
        limit: i64,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let lock = match self {
            Store::Postgres(_) => "FOR UPDATE SKIP LOCKED",
            Store::Sqlite(_) => "",
        };
        let sql = format!(
            "UPDATE messages SET lease_owner = $1, lease_until = $2 WHERE id IN (\
               SELECT id FROM messages WHERE status = 'pending' AND next_attempt_at <= $3 \
               AND (lease_until IS NULL OR lease_until < $3) ORDER BY next_attempt_at, id LIMIT $4 {lock}) \
             RETURNING {COLUMNS}"
        );
        let (now, lease_until) = (now.trunc_subsecs(0), lease_until.trunc_subsecs(0));
        let mut claimed = on_pool!(self, |pool| {
            // Only constant fragments are formatted into this statement; values are bound.
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(owner)
                .bind(lease_until)
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await?
                .into_iter()
                .map(StoredMessage::try_from)
                .collect::<Result<Vec<_>, sqlx::Error>>()
        })?;
        claimed.sort_by_key(|m| (m.next_attempt_at, m.id));
        Ok(claimed)
    }

    /// Records an attempt and its consequence in one transaction.
    pub async fn finish_attempt(
        &self,
        attempt: &Attempt<'_>,
        outcome: &AttemptOutcome,
    ) -> Result<(), StoreError> {
        let at = attempt.at.trunc_subsecs(0);
        let record = "INSERT INTO attempts (message_id, attempted_at, channel, address, outcome, detail, \
                      duration_ms, replica) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        let (update, next): (&str, Option<DateTime<Utc>>) = match outcome {
            AttemptOutcome::Sent => (
                "UPDATE messages SET status = 'sent', sent_at = $2, attempts = attempts + 1, lease_owner = NULL, \
                 lease_until = NULL, last_error = NULL WHERE id = $1",
                None,
            ),
            AttemptOutcome::Retry(next) => (
                "UPDATE messages SET next_attempt_at = $3, attempts = attempts + 1, last_error = $4, \
                 lease_owner = NULL, lease_until = NULL WHERE id = $1 AND $2 IS NOT NULL",
                Some(next.trunc_subsecs(0)),
            ),
            AttemptOutcome::Dead => (
                "UPDATE messages SET status = 'dead', attempts = attempts + 1, last_error = $4, lease_owner = NULL, \
                 lease_until = NULL WHERE id = $1 AND $2 IS NOT NULL",
                None,
            ),
        };
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(record)
                .bind(attempt.message_id)
                .bind(at)
                .bind(attempt.channel)
                .bind(attempt.address)
                .bind(attempt.result)
                .bind(attempt.detail)
                .bind(attempt.duration_ms)
                .bind(attempt.replica)
                .execute(&mut *tx)
                .await?;
            let mut q = sqlx::query(update).bind(attempt.message_id).bind(at);
            if !matches!(outcome, AttemptOutcome::Sent) {
                q = q.bind(next.unwrap_or(at)).bind(attempt.detail);
            }
            q.execute(&mut *tx).await?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// Messages by status (`pending`, `sent`, `dead`), newest first.
    pub async fn messages(
        &self,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM messages WHERE ($1 IS NULL OR status = $1) ORDER BY id DESC LIMIT $2"
        );
        let rows = on_pool!(self, |pool| {
            // Only constant fragments are formatted into this statement; values are bound.
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(status)
                .bind(limit)
                .fetch_all(pool)
                .await?
                .into_iter()
                .map(StoredMessage::try_from)
                .collect::<Result<Vec<_>, sqlx::Error>>()
        })?;
        Ok(rows)
    }

    /// Puts dead letters back in the queue (one by id, or all), due now, with their attempt count reset; each
    /// re-queue is recorded as an event. Returns the ids re-queued.
    pub async fn requeue(
        &self,
        id: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>, StoreError> {
        let now = now.trunc_subsecs(0);
        let sql = "UPDATE messages SET status = 'pending', attempts = 0, next_attempt_at = $1, lease_owner = NULL, \
                   lease_until = NULL WHERE status = 'dead' AND ($2 IS NULL OR id = $2) RETURNING id";
        let event =
            "INSERT INTO events (at, kind, message_id, detail) VALUES ($1, 'requeued', $2, $3)";
        let ids = on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let ids: Vec<i64> = sqlx::query_scalar(sql)
                .bind(now)
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
            for id in &ids {
                sqlx::query(event)
                    .bind(now)
                    .bind(*id)
                    .bind("dead letter re-queued by an operator")
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(ids)
        })?;
        Ok(ids)
    }

    /// Releases every lease: for a single-process (SQLite) store at start-up, where no one else can hold one.
    pub async fn release_leases(&self) -> Result<u64, StoreError> {
        let sql = "UPDATE messages SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL";
        let n = on_pool!(self, |pool| sqlx::query(sql)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n)
    }

    /// Pending messages and the age of the oldest, for metrics.
    pub async fn queue_depth(&self, now: DateTime<Utc>) -> Result<(i64, Option<i64>), StoreError> {
        let sql = "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM messages WHERE status = 'pending'";
        let (n, oldest) = on_pool!(self, |pool| {
            let r = sqlx::query(sql).fetch_one(pool).await?;
            Ok::<_, sqlx::Error>((
                r.try_get::<i64, _>("n")?,
                r.try_get::<Option<DateTime<Utc>>, _>("oldest")?,
            ))
        })?;
        Ok((n, oldest.map(|o| (now - o).num_seconds().max(0))))
    }
}
