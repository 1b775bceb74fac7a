//! Notices into messages: immediate ones within working hours, one message per recipient per pass (or each on its
//! own, with `immediate_together = false`), the rest gathered per person into one digest per send window: the
//! notices enqueued by the time the window was opened. Every message, a team manager's escalations, a worker's
//! overdue items and the fallback mailbox's alike, lists at most `delivery.max_items_per_message` items, the most
//! urgent, and counts the rest (SPEC 6a); it keeps them all, for `items.csv`.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::history::{history, wants_history};
use super::render::most_urgent_first;
use super::window::{current_window, immediate_allowed};
use super::{DeliverySettings, Renderer, TemplateError};
use crate::calendar::WorkingCalendar;
use crate::channels::{Item, MessageKind};
use crate::rules::RulePack;
use crate::rules::describe::stage_label;
use crate::store::{NewMessage, PendingNotice, Store, StoreError, Told};

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

/// One recipient's notices as a message holds them: every item, most urgent first (section 6's order), and the
/// notice ids in the same order, of which the body lists the first `listed`.
struct Bounded {
    items: Vec<Item>,
    ids: Vec<i64>,
    listed: usize,
}

/// The notices' items, each with who was told of it before (breaches and escalations) and a stage label even when
/// stored by a release without one; ordered most urgent first and bounded by `delivery.max_items_per_message`.
/// Each notice's item JSON is let go once read: a fallback mailbox may hold tens of thousands.
fn bounded(
    notices: &mut [PendingNotice],
    told: &[Told],
    settings: &DeliverySettings,
) -> Result<Bounded, ComposeError> {
    let mut pairs = notices
        .iter_mut()
        .map(|n| {
            let json = std::mem::take(&mut n.item_json);
            let mut item: Item =
                serde_json::from_str(&json).map_err(|e| ComposeError::Item(n.id, e))?;
            if item.stage_label.is_empty() {
                item.stage_label = stage_label(&item.stage);
            }
            if wants_history(&item) {
                item.history = history(&item, told, n.staff_id.as_deref());
            }
            Ok((n.id, item))
        })
        .collect::<Result<Vec<_>, ComposeError>>()?;
    pairs.sort_by(|(_, a), (_, b)| most_urgent_first(a, b));
    let listed = pairs.len().min(settings.max_items_per_message);
    let (ids, items) = pairs.into_iter().unzip();
    Ok(Bounded { items, ids, listed })
}

/// Who was told before of the obligations these notices are about (one query for the pass).
async fn told(store: &Store, notices: &[PendingNotice]) -> Result<Vec<Told>, ComposeError> {
    let mut cases: Vec<&str> = notices
        .iter()
        .filter(|n| matches!(n.severity.as_str(), "breach" | "escalation"))
        .map(|n| n.case_id.as_str())
        .collect();
    cases.sort_unstable();
    cases.dedup();
    Ok(store.told_before(&cases).await?)
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
        for recipient in store.pending_recipients("immediate", None).await? {
            let (channel, address) = (recipient.0.as_str(), recipient.1.as_str());
            let mut pending = store
                .pending_notices("immediate", None, (channel, address))
                .await?;
            let told = told(store, &pending).await?;
            let size = if settings.immediate_together {
                pending.len()
            } else {
                1
            };
            for group in pending.chunks_mut(size.max(1)) {
                composed.immediate +=
                    u64::from(immediate(store, renderer, pack, settings, group, &told, now).await?);
            }
        }
    }
    let Some(window) = current_window(now, settings, cal) else {
        return Ok(composed);
    };
    // Until an evaluation at or after the window has opened it, what the window holds is not known yet.
    let Some(opened_at) = store.window_opened_at(window).await? else {
        return Ok(composed);
    };
    for recipient in store.pending_recipients("digest", Some(opened_at)).await? {
        let (channel, address) = (recipient.0.as_str(), recipient.1.as_str());
        let mut group = store
            .pending_notices("digest", Some(opened_at), (channel, address))
            .await?;
        if group.is_empty() {
            continue;
        }
        let told = told(store, &group).await?;
        let message = bounded(&mut group, &told, settings)?;
        let first = &group[0];
        let to = first.to_name.as_deref();
        let body = renderer.digest(to, &message.items, message.listed, now)?;
        let key = format!("digest|{channel}|{address}|{}", window.to_rfc3339());
        let stored = store_message(
            store,
            &key,
            MessageKind::Digest,
            first,
            &body,
            &message,
            now,
        );
        composed.digests += u64::from(stored.await?.is_some());
    }
    Ok(composed)
}

/// Composes one immediate message of `group` (one recipient's notices); whether it was stored.
async fn immediate(
    store: &Store,
    renderer: &Renderer,
    pack: &RulePack,
    settings: &DeliverySettings,
    group: &mut [PendingNotice],
    told: &[Told],
    now: DateTime<Utc>,
) -> Result<bool, ComposeError> {
    let message = bounded(group, told, settings)?;
    let first = &group[0];
    let (key, body) = if let [item] = message.items.as_slice() {
        let guidance = pack.rule(&item.rule).and_then(|r| r.guidance.as_deref());
        let guidance = guidance.map(crate::rules::guidance::for_people);
        let body = renderer.immediate(first.to_name.as_deref(), item, guidance, now)?;
        (format!("immediate|{}", first.notice_key), body)
    } else {
        let to = first.to_name.as_deref();
        let body = renderer.immediate_together(to, &message.items, message.listed, now)?;
        // Named by its first notice in key order: a notice is in at most one message, so no later group
        // shares it, and two replicas composing the same pass make one message. Not by row id: the
        // order a pass writes notices in (a batch of cases at a time) is not part of what it means.
        let named = group.iter().map(|n| &n.notice_key).min().expect("a group");
        let key = format!("immediate|{}|{}|{named}", first.channel, first.address);
        (key, body)
    };
    let stored = store_message(
        store,
        &key,
        MessageKind::Immediate,
        first,
        &body,
        &message,
        now,
    );
    Ok(stored.await?.is_some())
}

/// Stores the message with which of its notices the body lists; `None` when it was composed before.
async fn store_message(
    store: &Store,
    key: &str,
    kind: MessageKind,
    first: &PendingNotice,
    body: &super::Rendered,
    message: &Bounded,
    now: DateTime<Utc>,
) -> Result<Option<i64>, ComposeError> {
    let items_json =
        serde_json::to_string(&message.items).map_err(|e| ComposeError::Item(first.id, e))?;
    let new = NewMessage {
        key,
        kind: match kind {
            MessageKind::Digest => "digest",
            MessageKind::Immediate => "immediate",
            MessageKind::Summary => "summary",
        },
        channel: &first.channel,
        address: &first.address,
        staff_id: first.staff_id.as_deref(),
        to_name: first.to_name.as_deref(),
        subject: &body.subject,
        text: &body.text,
        html: &body.html,
        items_json: &items_json,
    };
    let (listed, counted) = message.ids.split_at(message.listed);
    Ok(store
        .create_bounded_message(&new, listed, counted, now)
        .await?)
}
