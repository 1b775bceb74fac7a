//! Reading the audit trail of one case: its stage episodes, the notices they raised, and every delivery attempt.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Store, StoreError};
use crate::on_pool;

#[derive(Clone, Debug)]
pub struct EpisodeRecord {
    pub rule: String,
    pub subject_id: String,
    pub stage: String,
    pub from: DateTime<Utc>,
    pub severity: String,
    pub due_at: DateTime<Utc>,
    pub first_seen_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NoticeRecord {
    pub rule: String,
    pub subject_id: String,
    pub stage: String,
    pub from: DateTime<Utc>,
    pub occurrence: i64,
    pub roles: String,
    pub channel: String,
    pub address: String,
    pub staff_id: Option<String>,
    pub enqueued_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub message_id: Option<i64>,
    pub message_kind: Option<String>,
    pub message_status: Option<String>,
    /// In a bounded message: listed in its body (`true`) or only counted in "and N more" (`false`).
    pub listed: Option<bool>,
}

#[derive(Clone, Debug)]
pub struct AttemptRecord {
    pub message_id: i64,
    pub at: DateTime<Utc>,
    pub channel: String,
    pub address: String,
    pub outcome: String,
    pub detail: String,
    pub replica: String,
}

/// Everything recorded about one case.
#[derive(Clone, Debug, Default)]
pub struct CaseAudit {
    pub episodes: Vec<EpisodeRecord>,
    pub notices: Vec<NoticeRecord>,
    pub attempts: Vec<AttemptRecord>,
}

impl Store {
    pub async fn case_audit(&self, case_id: &str) -> Result<CaseAudit, StoreError> {
        let episodes = "SELECT rule, subject_id, stage, from_at, severity, due_at, first_seen_at, ended_at, end_reason \
                        FROM stage_log WHERE case_id = $1 ORDER BY first_seen_at, rule, subject_id, stage";
        let notices = "SELECT n.rule, n.subject_id, n.stage, n.from_at, n.occurrence, n.roles, n.channel, n.address, \
                       n.staff_id, n.enqueued_at, n.cancelled_at, n.cancel_reason, n.message_id, m.kind, m.status, n.listed \
                       FROM notices n LEFT JOIN messages m ON m.id = n.message_id \
                       WHERE n.case_id = $1 ORDER BY n.enqueued_at, n.id";
        let attempts = "SELECT a.message_id, a.attempted_at, a.channel, a.address, a.outcome, a.detail, a.replica \
                        FROM attempts a WHERE a.message_id IN \
                        (SELECT message_id FROM notices WHERE case_id = $1 AND message_id IS NOT NULL) \
                        ORDER BY a.attempted_at, a.id";
        let audit = on_pool!(self, |pool| {
            let episodes = sqlx::query(episodes)
                .bind(case_id)
                .fetch_all(pool)
                .await?
                .into_iter()
                .map(|r| {
                    Ok(EpisodeRecord {
                        rule: r.try_get("rule")?,
                        subject_id: r.try_get("subject_id")?,
                        stage: r.try_get("stage")?,
                        from: r.try_get("from_at")?,
                        severity: r.try_get("severity")?,
                        due_at: r.try_get("due_at")?,
                        first_seen_at: r.try_get("first_seen_at")?,
                        ended_at: r.try_get("ended_at")?,
                        end_reason: r.try_get("end_reason")?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
            let notices = sqlx::query(notices)
                .bind(case_id)
                .fetch_all(pool)
                .await?
                .into_iter()
                .map(|r| {
                    Ok(NoticeRecord {
                        rule: r.try_get("rule")?,
                        subject_id: r.try_get("subject_id")?,
                        stage: r.try_get("stage")?,
                        from: r.try_get("from_at")?,
                        occurrence: r.try_get::<i32, _>("occurrence").map(i64::from)?,
                        roles: r.try_get("roles")?,
                        channel: r.try_get("channel")?,
                        address: r.try_get("address")?,
                        staff_id: r.try_get("staff_id")?,
                        enqueued_at: r.try_get("enqueued_at")?,
                        cancelled_at: r.try_get("cancelled_at")?,
                        cancel_reason: r.try_get("cancel_reason")?,
                        message_id: r.try_get("message_id")?,
                        message_kind: r.try_get("kind")?,
                        message_status: r.try_get("status")?,
                        listed: r.try_get("listed")?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
            let attempts = sqlx::query(attempts)
                .bind(case_id)
                .fetch_all(pool)
                .await?
                .into_iter()
                .map(|r| {
                    Ok(AttemptRecord {
                        message_id: r.try_get("message_id")?,
                        at: r.try_get("attempted_at")?,
                        channel: r.try_get("channel")?,
                        address: r.try_get("address")?,
                        outcome: r.try_get("outcome")?,
                        detail: r.try_get("detail")?,
                        replica: r.try_get("replica")?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
            Ok::<_, sqlx::Error>(CaseAudit {
                episodes,
                notices,
                attempts,
            })
        })?;
        Ok(audit)
    }
}
