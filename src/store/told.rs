//! Who was told of a case's obligations before: the notices that went out in messages sent, for the "who was
//! told before" lines of a breach or escalation.

use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Row};

use super::outbox::BATCH;
use super::{Store, StoreError};
use crate::on_pool;

/// One notice delivered by email: who, as what, of which stage, when it was sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Told {
    pub case_id: String,
    pub rule: String,
    pub subject_id: String,
    pub severity: String,
    /// Role names as rule files write them, comma-separated.
    pub roles: String,
    pub staff_id: Option<String>,
    pub to_name: Option<String>,
    pub sent_at: DateTime<Utc>,
}

impl Store {
    /// Email notices of these cases in messages that were sent, earliest first. Webhooks are left out: a channel
    /// post says nothing about who read it.
    pub async fn told_before(&self, case_ids: &[&str]) -> Result<Vec<Told>, StoreError> {
        let mut told = Vec::new();
        for chunk in case_ids.chunks(BATCH) {
            let rows = on_pool!(self, |pool| {
                let mut q = QueryBuilder::new(
                    "SELECT n.case_id, n.rule, n.subject_id, n.severity, n.roles, n.staff_id, n.to_name, \
                     m.sent_at FROM notices n JOIN messages m ON m.id = n.message_id \
                     WHERE m.status = 'sent' AND n.channel = 'email' AND n.case_id IN (",
                );
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                q.push(") ORDER BY m.sent_at, n.id");
                q.build()
                    .fetch_all(pool)
                    .await?
                    .into_iter()
                    .map(|r| {
                        Ok(Told {
                            case_id: r.try_get("case_id")?,
                            rule: r.try_get("rule")?,
                            subject_id: r.try_get("subject_id")?,
                            severity: r.try_get("severity")?,
                            roles: r.try_get("roles")?,
                            staff_id: r.try_get("staff_id")?,
                            to_name: r.try_get("to_name")?,
                            sent_at: r.try_get("sent_at")?,
                        })
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()
            })?;
            told.extend(rows);
        }
        told.sort_by_key(|t| t.sent_at);
        Ok(told)
    }
}
