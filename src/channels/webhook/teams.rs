//! Microsoft Teams through a Workflows "When a Teams webhook request is received" trigger. Workflows accept only
//! Adaptive Cards (the Office 365 connector MessageCard is not rendered) wrapped as a Bot Framework message with
//! one attachment; the card version stays at 1.4 because Workflows' "post card" action does not render 1.5.

use serde_json::{Value, json};

use super::text::{severity, truncate, uk_time};
use crate::channels::{Item, Message};

/// Cards above about 28 KB are refused by Teams; this many items, each with its facts, history and action cut to
/// [`MAX_TEXT`], keeps a digest inside that.
const MAX_ITEMS: usize = 14;
/// The most characters of facts, history or action an item shows.
const MAX_TEXT: usize = 300;

pub(super) fn body(msg: &Message) -> Vec<u8> {
    let mut blocks = vec![json!({
        "type": "TextBlock",
        "text": msg.subject,
        "size": "Large",
        "weight": "Bolder",
        "wrap": true,
    })];
    blocks.extend(msg.items.iter().take(MAX_ITEMS).map(item_block));
    if msg.items.len() > MAX_ITEMS {
        blocks.push(json!({
            "type": "TextBlock",
            "text": format!("…and {} more not shown here.", msg.items.len() - MAX_ITEMS),
            "isSubtle": true,
            "wrap": true,
        }));
    }
    let message = json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "msteams": { "width": "Full" },
                "body": blocks,
            },
        }],
    });
    serde_json::to_vec(&message).expect("a JSON value always serializes")
}

/// One container per item, coloured by severity: the headline, the facts a reader acts on, what happened, who was
/// told before, what to do, and a button to the case when `notify.case_url` is set.
fn item_block(item: &Item) -> Value {
    let (style, colour) = match item.severity.as_str() {
        "breach" | "escalation" => ("attention", "Attention"),
        "warning" => ("warning", "Warning"),
        _ => ("emphasis", "Default"),
    };
    let stage = if item.stage_label.is_empty() {
        &item.stage
    } else {
        &item.stage_label
    };
    let mut items = vec![
        json!({
            "type": "TextBlock",
            "text": format!("{}: {}", severity(&item.severity), truncate(&item.title, 200)),
            "weight": "Bolder",
            "color": colour,
            "wrap": true,
        }),
        json!({
            "type": "FactSet",
            "facts": [
                { "title": "Child", "value": item.child },
                { "title": "Stage", "value": truncate(stage, 200) },
                { "title": "Due (UK time)", "value": uk_time(item.due_at) },
                { "title": "You are told as", "value": item.role.replace('_', " ") },
            ],
        }),
    ];
    let mut text = |heading: &str, lines: &[String]| {
        if !lines.is_empty() {
            items.push(json!({
                "type": "TextBlock",
                "text": format!("**{heading}:** {}", truncate(&lines.join("; "), MAX_TEXT)),
                "wrap": true,
                "spacing": "Small",
            }));
        }
    };
    text("What happened", &item.facts);
    text("Told before", &item.history);
    text("To do", item.action.as_slice());
    if let Some(link) = &item.link {
        items.push(json!({
            "type": "ActionSet",
            "actions": [{ "type": "Action.OpenUrl", "title": format!("Open case {}", item.case_id), "url": link }],
        }));
    }
    json!({
        "type": "Container",
        "style": style,
        "separator": true,
        "items": items,
    })
}
