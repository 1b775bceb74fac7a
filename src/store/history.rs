//! Stage episodes over a period, for the managers' summary: the trend of breaches open each day and the
//! timeliness of the obligations that ended.

use std::collections::HashSet;

use chrono::{DateTime, SubsecRound, Utc};
use futures_util::TryStreamExt;
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
    /// Episodes live at some time in `(since, until]` (begun by `until`, not ended by `since`), handed to `each`
    /// one obligation (rule, case, subject) at a time, each obligation's in the order they began: streamed, so
    /// that a six-year history is never held whole.
    pub async fn episodes_by_obligation(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        mut each: impl FnMut(&[EpisodeSpan]),
    ) -> Result<(), StoreError> {
        let sql = "SELECT rule, subject_id, case_id, stage, severity, worker_id, from_at, ended_at, end_reason \
                   FROM stage_log WHERE from_at <= $1 AND (ended_at IS NULL OR ended_at > $2) \
                   ORDER BY rule, subject_id, case_id, from_at, stage";
        let mut group: Vec<EpisodeSpan> = Vec::new();
        on_pool!(self, |pool| {
            let mut rows = sqlx::query(sql)
                .bind(until.trunc_subsecs(0))
                .bind(since.trunc_subsecs(0))
                .fetch(pool);
            while let Some(row) = rows.try_next().await? {
                let episode = EpisodeSpan {
                    rule: row.try_get("rule")?,
                    subject_id: row.try_get("subject_id")?,
                    case_id: row.try_get("case_id")?,
                    stage: row.try_get("stage")?,
                    severity: row.try_get("severity")?,
                    worker_id: row.try_get("worker_id")?,
                    from: row.try_get("from_at")?,
                    ended_at: row.try_get("ended_at")?,
                    end_reason: row.try_get("end_reason")?,
                };
                let same = group.first().is_some_and(|g| {
                    (&g.rule, &g.subject_id, &g.case_id)
                        == (&episode.rule, &episode.subject_id, &episode.case_id)
                });
                if !same && !group.is_empty() {
                    each(&group);
                    group.clear();
                }
                group.push(episode);
            }
        });
        if !group.is_empty() {
            each(&group);
        }
        Ok(())
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
