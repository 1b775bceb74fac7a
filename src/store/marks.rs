//! What the service's pass last made of each case (`case_marks`): its fingerprint and when to look again. The
//! pass passes over a case whose fingerprint is unchanged (`crate::app`'s steady cases); these are the reads and
//! writes that lets it, and the read of the open episodes of the cases it does compare.

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::{QueryBuilder, Row};

use super::outbox::{BATCH, OPEN_EPISODES, case_range, episode};
use super::{StageEpisode, Store, StoreError};
use crate::on_pool;

/// A case's mark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseMark {
    pub case_id: String,
    /// `None`: not known yet; the case is compared in full.
    pub fingerprint: Option<i64>,
    /// The earliest time a repeat of one of its stages could fall due (`None`: none can).
    pub recheck_at: Option<DateTime<Utc>>,
}

impl Store {
    /// The marks of the cases after `after` and up to `upto` (`None`: from the first, to the last), in byte order of
    /// their ids.
    pub async fn case_marks_between(
        &self,
        after: Option<&str>,
        upto: Option<&str>,
    ) -> Result<Vec<CaseMark>, StoreError> {
        let marks = on_pool!(self, |pool| {
            let mut q = QueryBuilder::new(
                "SELECT case_id, fingerprint, recheck_at FROM case_marks WHERE 1 = 1",
            );
            // `case_marks.case_id` is in byte order on both backends (`COLLATE "C"` on PostgreSQL).
            case_range(&mut q, "case_id", after, upto);
            q.build()
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    Ok(CaseMark {
                        case_id: r.try_get("case_id")?,
                        fingerprint: r.try_get("fingerprint")?,
                        recheck_at: r.try_get("recheck_at")?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
        })?;
        Ok(marks)
    }

    /// The open stage episodes of these cases.
    pub async fn open_stages_of(&self, cases: &[&str]) -> Result<Vec<StageEpisode>, StoreError> {
        let mut open = Vec::new();
        for chunk in cases.chunks(BATCH) {
            let rows = on_pool!(self, |pool| {
                let mut q = QueryBuilder::new(OPEN_EPISODES);
                q.push(" AND case_id IN (");
                let mut list = q.separated(", ");
                for case in chunk {
                    list.push_bind(*case);
                }
                q.push(")");
                q.build()
                    .fetch_all(pool)
                    .await?
                    .iter()
                    .map(episode)
                    .collect::<Result<Vec<_>, sqlx::Error>>()
            })?;
            open.extend(rows);
        }
        Ok(open)
    }

    /// Gives these cases a mark with no fingerprint, unless they have one: called before a case's first episodes
    /// are opened, so that every case with an open episode has a mark even if the pass stops before its end.
    pub async fn mark_cases(&self, cases: &[&str]) -> Result<(), StoreError> {
        for chunk in cases.chunks(BATCH) {
            on_pool!(self, |pool| {
                let mut q = QueryBuilder::new("INSERT INTO case_marks (case_id) ");
                q.push_values(chunk, |mut b, case| {
                    b.push_bind(*case);
                });
                q.push(" ON CONFLICT (case_id) DO NOTHING");
                q.build().execute(pool).await.map(|_| ())
            })?;
        }
        Ok(())
    }

    /// Records what a pass made of these cases, after their episodes and notices are stored.
    pub async fn set_case_marks(&self, marks: &[CaseMark]) -> Result<(), StoreError> {
        for chunk in marks.chunks(BATCH) {
            on_pool!(self, |pool| {
                let mut q =
                    QueryBuilder::new("INSERT INTO case_marks (case_id, fingerprint, recheck_at) ");
                q.push_values(chunk, |mut b, mark| {
                    b.push_bind(&mark.case_id)
                        .push_bind(mark.fingerprint)
                        .push_bind(mark.recheck_at.map(|t| t.trunc_subsecs(0)));
                });
                q.push(
                    " ON CONFLICT (case_id) DO UPDATE SET fingerprint = excluded.fingerprint, \
                     recheck_at = excluded.recheck_at",
                );
                q.build().execute(pool).await.map(|_| ())
            })?;
        }
        Ok(())
    }

    /// Forgets the marks of cases read no more, once their episodes have ended.
    pub async fn forget_cases(&self, cases: &[&str]) -> Result<(), StoreError> {
        for chunk in cases.chunks(BATCH) {
            on_pool!(self, |pool| {
                let mut q = QueryBuilder::new("DELETE FROM case_marks WHERE case_id IN (");
                let mut list = q.separated(", ");
                for case in chunk {
                    list.push_bind(*case);
                }
                q.push(")");
                q.build().execute(pool).await.map(|_| ())
            })?;
        }
        Ok(())
    }
}
