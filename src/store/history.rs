//! Stage episodes over a period, for the managers' summary: the trend of breaches open each day and the
//! timeliness of the obligations that ended.

use std::collections::HashSet;

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::{QueryBuilder, Row};

use super::outbox::BATCH;
use super::{Store, StoreError};
use crate::on_pool;

/// One stage episode as `stage_log` keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpisodeSpan {
    pub rule: String,
    pub subject_id: String,
    pub case_id: String,
    pub stage: String,
    pub severity: String,
    /// Whose caseload it was on when it opened (`None` for episodes recorded before that was kept).
    pub worker_id: Option<String>,
    pub from: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<String>,
}

impl Store {
    /// Episodes live at some time in `(since, until]`: begun by `until`, not ended by `since`.
    pub async fn episodes_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<EpisodeSpan>, StoreError> {
        let sql = "SELECT rule, subject_id, case_id, stage, severity, worker_id, from_at, ended_at, end_reason \
                   FROM stage_log WHERE from_at <= $1 AND (ended_at IS NULL OR ended_at > $2) \
                   ORDER BY rule, subject_id, from_at, stage";
        let rows = on_pool!(self, |pool| {
            sqlx::query(sql)
                .bind(until.trunc_subsecs(0))
                .bind(since.trunc_subsecs(0))
                .fetch_all(pool)
                .await?
                .into_iter()
                .map(|r| {
                    Ok(EpisodeSpan {
                        rule: r.try_get("rule")?,
                        subject_id: r.try_get("subject_id")?,
                        case_id: r.try_get("case_id")?,
                        stage: r.try_get("stage")?,
                        severity: r.try_get("severity")?,
                        worker_id: r.try_get("worker_id")?,
                        from: r.try_get("from_at")?,
                        ended_at: r.try_get("ended_at")?,
                        end_reason: r.try_get("end_reason")?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
        })?;
        Ok(rows)
    }

    /// Which of `keys` name messages already stored.
    pub async fn existing_message_keys(
        &self,
        keys: &[String],
    ) -> Result<HashSet<String>, StoreError> {
        self.existing_keys(
            "SELECT message_key AS k FROM messages WHERE message_key IN (",
            keys,
        )
        .await
    }

    /// Which of `keys` name notices already stored (what a pass would add is the rest).
    pub async fn existing_notice_keys(
        &self,
        keys: &[String],
    ) -> Result<HashSet<String>, StoreError> {
        self.existing_keys(
            "SELECT notice_key AS k FROM notices WHERE notice_key IN (",
            keys,
        )
        .await
    }

    async fn existing_keys(
        &self,
        select: &'static str,
        keys: &[String],
    ) -> Result<HashSet<String>, StoreError> {
        let mut found = HashSet::new();
        for chunk in keys.chunks(BATCH) {
            let rows: Vec<String> = on_pool!(self, |pool| {
                let mut q = QueryBuilder::new(select);
                let mut list = q.separated(", ");
                for key in chunk {
                    list.push_bind(key);
                }
                q.push(")");
                q.build()
                    .fetch_all(pool)
                    .await?
                    .into_iter()
                    .map(|r| r.try_get::<String, _>("k"))
                    .collect::<Result<Vec<_>, sqlx::Error>>()
            })?;
            found.extend(rows);
        }
        Ok(found)
    }
}
