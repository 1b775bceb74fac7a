//! The scheduled summaries: at each of `delivery.summary_times` on the days digests go out, the first evaluation
//! while the time is open composes one summary per manager (see [`super::recipients`]) by email, and to the
//! webhooks of any `[[routes]]` that name them or their team. Each is a message with a fixed key (channel,
//! address, manager and the summary time), so later evaluations, and other replicas, compose it only once.

use chrono::{DateTime, SecondsFormat, Utc};

use super::fold::{Fold, Setting};
use super::{Scope, recipients, trend_time};
use crate::calendar::WorkingCalendar;
use crate::config::Config;
use crate::model::Staff;
use crate::outbox::{ComposeError, EMAIL, Renderer, current_slot, previous_slot};
use crate::store::{NewMessage, Silence, Store};

/// One summary to send: to whom, through which channel.
struct Target<'s> {
    manager: &'s Staff,
    channel: String,
    address: String,
    key: String,
}

/// When a summary time is open at `now`: the fold a pass hands its lines to. A message lists the oldest
/// `delivery.max_items_per_message` obligations (at least as many as an email shows) and counts the rest.
pub fn fold(
    config: &Config,
    calendar: &WorkingCalendar,
    silences: &[Silence],
    tell_from: Option<chrono::NaiveDate>,
    now: DateTime<Utc>,
) -> Option<Fold> {
    let delivery = &config.settings.delivery;
    let slot = current_slot(now, &delivery.summary_times(), delivery, calendar)?;
    let keep = delivery.max_items_per_message.max(super::render::OLDEST);
    Some(fold_at(
        config,
        calendar,
        slot,
        (silences.to_vec(), tell_from),
        now,
        keep,
    ))
}

/// The fold of a summary as of `now` for the summary time `slot` ("new" since the summary time before it),
/// listing the oldest `keep` obligations.
pub fn fold_at(
    config: &Config,
    calendar: &WorkingCalendar,
    slot: DateTime<Utc>,
    (silences, tell_from): (Vec<Silence>, Option<chrono::NaiveDate>),
    now: DateTime<Utc>,
    keep: usize,
) -> Fold {
    let delivery = &config.settings.delivery;
    let setting = Setting {
        at: now,
        since: previous_slot(slot, &delivery.summary_times(), delivery, calendar),
        trend_time: trend_time(delivery),
        case_url: config.settings.notify.case_url.clone(),
        silences,
        tell_from,
        keep,
    };
    Fold::new(setting, calendar)
}

/// Composes the summaries due at `now` from the pass's `fold` (made by [`fold`]), reading the stage history into
/// it first; returns how many messages were stored.
pub async fn compose(
    store: &Store,
    renderer: &Renderer,
    config: &Config,
    calendar: &WorkingCalendar,
    fold: &mut Fold,
    staff: &[Staff],
    now: DateTime<Utc>,
) -> Result<u64, ComposeError> {
    let delivery = &config.settings.delivery;
    let Some(slot) = current_slot(now, &delivery.summary_times(), delivery, calendar) else {
        return Ok(0);
    };
    let at = slot.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut targets: Vec<Target> = Vec::new();
    for manager in recipients(staff) {
        let routes: Vec<_> = config
            .settings
            .routes
            .iter()
            .filter(|r| r.selects_manager(manager))
            .collect();
        let mut channels: Vec<(String, String)> = Vec::new();
        if let (true, Some(email)) = (routes.iter().all(|r| r.email), &manager.email) {
            channels.push((EMAIL.to_owned(), email.clone()));
        }
        for hook in routes.iter().flat_map(|r| &r.webhooks) {
            if !channels.iter().any(|(c, _)| c == hook) {
                channels.push((hook.clone(), hook.clone()));
            }
        }
        for (channel, address) in channels {
            // The manager too: several teams' summaries may go to one shared channel or mailbox, and each is
            // a message of its own.
            let key = format!("summary|{channel}|{address}|{}|{at}", manager.id.0);
            targets.push(Target {
                manager,
                channel,
                address,
                key,
            });
        }
    }
    let keys: Vec<String> = targets.iter().map(|t| t.key.clone()).collect();
    let done = store.existing_message_keys(&keys).await?;
    targets.retain(|t| !done.contains(&t.key));
    if targets.is_empty() {
        return Ok(0);
    }
    fold.add_history_from(store, calendar).await?;
    let mut stored = 0;
    let mut last: Option<(&str, super::Summary, crate::outbox::Rendered)> = None;
    for target in &targets {
        let id = target.manager.id.0.as_str();
        if last.as_ref().is_none_or(|(m, ..)| *m != id) {
            let scope = Scope::Manager(id.to_owned());
            let summary = fold.summary(&config.rules, calendar, staff, &scope);
            let body = super::render::email(renderer, &summary)?;
            last = Some((id, summary, body));
        }
        let (_, summary, body) = last.as_ref().expect("just set");
        let json = serde_json::to_string(summary).expect("a summary serialises");
        let webhook = target.channel != EMAIL;
        let message = NewMessage {
            key: &target.key,
            kind: "summary",
            channel: &target.channel,
            address: &target.address,
            staff_id: (!webhook).then_some(id),
            to_name: (!webhook).then_some(target.manager.display_name.as_str()),
            subject: &body.subject,
            text: &body.text,
            html: &body.html,
            items_json: &json,
        };
        stored += u64::from(store.create_message(&message, &[], now).await?.is_some());
    }
    Ok(stored)
}
