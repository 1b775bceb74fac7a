//! SPEC 6a in the state database: silences ("in hand"), and the day of the service's first pass, from which the
//! go-live backlog is counted.

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use sqlx::Row;

use super::{Store, StoreError, WriteTx};
use crate::on_pool;

/// A silence as stored: while active, the matching stages of its case are told to no one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Silence {
    pub id: i64,
    pub case_id: String,
    /// `None`: every rule.
    pub rule: Option<String>,
    pub reason: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// The last UK date it covers.
    pub until: NaiveDate,
    /// The start of the day after `until`.
    pub ends_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub ended_by: Option<String>,
    /// The case's allocated worker when it was added.
    pub worker_id: Option<String>,
}

impl Silence {
    /// When it stops silencing: at the end of `until`, or when it was ended, whichever came first.
    pub fn end(&self) -> DateTime<Utc> {
        self.ended_at.map_or(self.ends_at, |e| e.min(self.ends_at))
    }

    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.created_at <= now && now < self.end()
    }

    /// Whether it covers `rule` on `case_id`.
    pub fn covers(&self, case_id: &str, rule: &str) -> bool {
        self.case_id == case_id && self.rule.as_deref().is_none_or(|r| r == rule)
    }
}

/// A silence to add.
pub struct NewSilence<'a> {
    pub case_id: &'a str,
    pub rule: Option<&'a str>,
    pub reason: &'a str,
    pub created_by: &'a str,
    pub until: NaiveDate,
    pub ends_at: DateTime<Utc>,
    pub worker_id: Option<&'a str>,
}

const COLUMNS: &str = "id, case_id, rule, reason, created_by, created_at, until_on, ends_at, ended_at, ended_by, \
                       worker_id";

impl Store {
    /// Records the UK date of the first pass, unless one is recorded; returns the recorded one.
    pub async fn first_pass_on(&self, today: NaiveDate) -> Result<NaiveDate, StoreError> {
        let insert = "INSERT INTO service_facts (name, value) VALUES ('first_pass_on', $1) \
                      ON CONFLICT (name) DO NOTHING";
        let select = "SELECT value FROM service_facts WHERE name = 'first_pass_on'";
        let value: String = on_pool!(self, |pool| {
            sqlx::query(insert)
                .bind(today.to_string())
                .execute(pool)
                .await?;
            sqlx::query_scalar(select).fetch_one(pool).await
        })?;
        Ok(value.parse().unwrap_or(today))
    }

    /// The recorded first pass, if there has been one (reads only).
    pub async fn recorded_first_pass(&self) -> Result<Option<NaiveDate>, StoreError> {
        let select = "SELECT value FROM service_facts WHERE name = 'first_pass_on'";
        let value: Option<String> = on_pool!(self, |pool| sqlx::query_scalar(select)
            .fetch_optional(pool)
            .await)?;
        Ok(value.and_then(|v| v.parse().ok()))
    }

    pub async fn add_silence(
        &self,
        new: &NewSilence<'_>,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let sql = "INSERT INTO silences (case_id, rule, reason, created_by, created_at, until_on, ends_at, \
                   worker_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
        let id: i64 = on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(new.case_id)
            .bind(new.rule)
            .bind(new.reason)
            .bind(new.created_by)
            .bind(now.trunc_subsecs(0))
            .bind(new.until)
            .bind(new.ends_at)
            .bind(new.worker_id)
            .fetch_one(pool)
            .await)?;
        Ok(id)
    }

    /// Ends a silence now; `false` when there is no such silence or it had already ended.
    pub async fn end_silence(
        &self,
        id: i64,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let now = now.trunc_subsecs(0);
        let sql = "UPDATE silences SET ended_at = $1, ended_by = $2 \
                   WHERE id = $3 AND ended_at IS NULL AND ends_at > $1";
        let n = on_pool!(self, |pool| sqlx::query(sql)
            .bind(now)
            .bind(by)
            .bind(id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Silences that end after `after` (every one with `None`), oldest first.
    pub async fn silences(&self, after: Option<DateTime<Utc>>) -> Result<Vec<Silence>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM silences WHERE $1 OR (ends_at > $2 AND (ended_at IS NULL OR ended_at > $2)) \
             ORDER BY id"
        );
        let all = after.is_none();
        let after = after.unwrap_or(DateTime::UNIX_EPOCH);
        let rows = on_pool!(self, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(all)
                .bind(after.trunc_subsecs(0))
                .fetch_all(pool)
                .await?
                .into_iter()
                .map(|r| {
                    Ok(Silence {
                        id: r.try_get("id")?,
                        case_id: r.try_get("case_id")?,
                        rule: r.try_get("rule")?,
                        reason: r.try_get("reason")?,
                        created_by: r.try_get("created_by")?,
                        created_at: r.try_get("created_at")?,
                        until: r.try_get("until_on")?,
                        ends_at: r.try_get("ends_at")?,
                        ended_at: r.try_get("ended_at")?,
                        ended_by: r.try_get("ended_by")?,
                        worker_id: r.try_get("worker_id")?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
        })?;
        Ok(rows)
    }

    /// Pending notices (not yet in a message) that are no longer to be told: those of silenced cases and rules,
    /// and those due before `backlog_before` (the go-live backlog, after `delivery.tell_from` moved later).
    /// Returns how many were cancelled.
    pub async fn cancel_untold(
        &self,
        silenced: &[&Silence],
        backlog_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let now = now.trunc_subsecs(0);
        let backlog = "UPDATE notices SET cancelled_at = $1, cancel_reason = 'go-live backlog: not told one by one' \
                       WHERE message_id IS NULL AND cancelled_at IS NULL AND due_at < $2";
        let silence = "UPDATE notices SET cancelled_at = $1, cancel_reason = $2 \
                       WHERE message_id IS NULL AND cancelled_at IS NULL AND case_id = $3 \
                       AND COALESCE($4, rule) = rule";
        let n = on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let mut n = sqlx::query(backlog)
                .bind(now)
                .bind(backlog_before.trunc_subsecs(0))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            for s in silenced {
                n += sqlx::query(silence)
                    .bind(now)
                    .bind(format!("silenced (silence {})", s.id))
                    .bind(&s.case_id)
                    .bind(s.rule.as_deref())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            tx.commit().await.map(|_| n)
        })?;
        Ok(n)
    }
}
