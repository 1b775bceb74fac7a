//! Notices into messages: immediate ones on their own within working hours, the rest gathered per person into one
//! digest per send window: the notices enqueued by the time the window was opened.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::window::{current_window, immediate_allowed};
use super::{DeliverySettings, Renderer, TemplateError};
use crate::calendar::WorkingCalendar;
use crate::channels::{Item, MessageKind};
use crate::rules::RulePack;
use crate::store::{NewMessage, PendingNotice, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("notice {0} holds an unreadable item: {1}")]
    Item(i64, serde_json::Error),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Composed {
    pub digests: u64,
    pub immediate: u64,
}

/// The RFC 5322 Message-ID for a message key: the same on every retry and from every replica.
pub fn message_id(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    format!("<{}@casewatch>", hex::encode(&digest[..16]))
}

fn items(notices: &[&PendingNotice]) -> Result<Vec<Item>, ComposeError> {
    notices
        .iter()
        .map(|n| serde_json::from_str(&n.item_json).map_err(|e| ComposeError::Item(n.id, e)))
        .collect()
}

pub async fn compose(
    store: &Store,
    renderer: &Renderer,
    pack: &RulePack,
    settings: &DeliverySettings,
    cal: &WorkingCalendar,
    now: DateTime<Utc>,
) -> Result<Composed, ComposeError> {
    let mut composed = Composed::default();
    if immediate_allowed(now, settings, cal) {
        for notice in store.pending_notices("immediate", None).await? {
            let item = items(&[&notice])?.remove(0);
            let guidance = pack.rule(&item.rule).and_then(|r| r.guidance.as_deref());
            let body = renderer.immediate(notice.to_name.as_deref(), &item, guidance, now)?;
            let key = format!("immediate|{}", notice.notice_key);
            let json = to_json(std::slice::from_ref(&item), notice.id)?;
            let message = store_message(&key, MessageKind::Immediate, &notice, &body, &json);
            let stored = store.create_message(&message, &[notice.id], now).await?;
            composed.immediate += u64::from(stored.is_some());
        }
    }
    let Some(window) = current_window(now, settings, cal) else {
        return Ok(composed);
    };
    // Until an evaluation at or after the window has opened it, what the window holds is not known yet.
    let Some(opened_at) = store.window_opened_at(window).await? else {
        return Ok(composed);
    };
    let pending = store.pending_notices("digest", Some(opened_at)).await?;
    for group in pending.chunk_by(|a, b| (a.channel == b.channel) && (a.address == b.address)) {
        let first = &group[0];
        let notices: Vec<&PendingNotice> = group.iter().collect();
        let mut items = items(&notices)?;
        items.sort_by_key(super::urgency);
        let body = renderer.digest(first.to_name.as_deref(), &items, now)?;
        let key = format!(
            "digest|{}|{}|{}",
            first.channel,
            first.address,
            window.to_rfc3339()
        );
        let ids: Vec<i64> = group.iter().map(|n| n.id).collect();
        let json = to_json(&items, first.id)?;
        let message = store_message(&key, MessageKind::Digest, first, &body, &json);
        let stored = store.create_message(&message, &ids, now).await?;
        composed.digests += u64::from(stored.is_some());
    }
    Ok(composed)
}

fn store_message<'a>(
    key: &'a str,
    kind: MessageKind,
    first: &'a PendingNotice,
    body: &'a super::Rendered,
    items_json: &'a str,
) -> NewMessage<'a> {
    NewMessage {
        key,
        kind: match kind {
            MessageKind::Digest => "digest",
            MessageKind::Immediate => "immediate",
        },
        channel: &first.channel,
        address: &first.address,
        staff_id: first.staff_id.as_deref(),
        to_name: first.to_name.as_deref(),
        subject: &body.subject,
        text: &body.text,
        html: &body.html,
        items_json,
    }
}

fn to_json(items: &[Item], notice: i64) -> Result<String, ComposeError> {
    serde_json::to_string(items).map_err(|e| ComposeError::Item(notice, e))
}
