//! Microsoft Teams through a Workflows "When a Teams webhook request is received" trigger. Workflows accept only
//! Adaptive Cards (the Office 365 connector MessageCard is not rendered) wrapped as a Bot Framework message with
//! one attachment; the card version stays at 1.4 because Workflows' "post card" action does not render 1.5.

use serde_json::{Value, json};

use super::text::{severity, truncate, uk_time};
use crate::channels::{Item, Message};

/// Cards above about 28 KB are refused by Teams; this many items keeps a digest well inside that.
const MAX_ITEMS: usize = 30;

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

/// One container per item, coloured by severity: the headline, then the facts a reader acts on.
fn item_block(item: &Item) -> Value {
    let (style, colour) = match item.severity.as_str() {
        "breach" | "escalation" => ("attention", "Attention"),
        "warning" => ("warning", "Warning"),
        _ => ("emphasis", "Default"),
    };
    json!({
        "type": "Container",
        "style": style,
        "separator": true,
        "items": [
            {
                "type": "TextBlock",
                "text": format!("{}: {}", severity(&item.severity), truncate(&item.title, 200)),
                "weight": "Bolder",
                "color": colour,
                "wrap": true,
            },
            {
                "type": "FactSet",
                "facts": [
                    { "title": "Child", "value": item.child },
                    { "title": "Stage", "value": item.stage },
                    { "title": "Due (UK time)", "value": uk_time(item.due_at) },
                    { "title": "You are told as", "value": item.role.replace('_', " ") },
                ],
            },
        ],
    })
}
