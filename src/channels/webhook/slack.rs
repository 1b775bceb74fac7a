//! Slack incoming webhooks: Block Kit blocks, and a `text` that notifications and screen readers fall back on.
//! Slack reads `&`, `<` and `>` as markup in mrkdwn (`<!channel>` would ping a whole channel), so every text of
//! ours is escaped before it goes in.

use serde_json::{Value, json};

use super::text::{severity, truncate, uk_time};
use crate::channels::{Item, Message};

/// Slack refuses a message of more than 50 blocks: a header, the items, and a closing line must fit.
const MAX_ITEMS: usize = 45;
/// Slack's limit on a header's text.
const MAX_HEADER: usize = 150;

pub(super) fn body(msg: &Message) -> Vec<u8> {
    let mut blocks = vec![json!({
        "type": "header",
        "text": { "type": "plain_text", "text": truncate(&msg.subject, MAX_HEADER) },
    })];
    blocks.extend(msg.items.iter().take(MAX_ITEMS).map(item_section));
    if msg.items.len() > MAX_ITEMS {
        blocks.push(json!({
            "type": "context",
            "elements": [{
                "type": "mrkdwn",
                "text": format!("…and {} more not shown here.", msg.items.len() - MAX_ITEMS),
            }],
        }));
    }
    let message = json!({ "text": fallback(msg), "blocks": blocks });
    serde_json::to_vec(&message).expect("a JSON value always serializes")
}

/// "Reminders for today: 3 items", for notifications.
fn fallback(msg: &Message) -> String {
    let n = msg.items.len();
    let items = if n == 1 { "item" } else { "items" };
    escape(&format!("{}: {n} {items}", msg.subject))
}

/// One section per item (a message holds at most 50 blocks): the headline with what happened, who was told
/// before and what to do, the facts as fields, and a button to the case when `notify.case_url` is set.
fn item_section(item: &Item) -> Value {
    let field = |label: &str, value: &str| json!({ "type": "mrkdwn", "text": format!("*{label}*\n{}", escape(value)) });
    let stage = if item.stage_label.is_empty() {
        &item.stage
    } else {
        &item.stage_label
    };
    let mut text = format!(
        "*{}*: {}",
        severity(&item.severity),
        escape(&truncate(&item.title, 500))
    );
    for (heading, lines) in [
        ("What happened", item.facts.as_slice()),
        ("Told before", item.history.as_slice()),
        ("To do", item.action.as_slice()),
    ] {
        if !lines.is_empty() {
            text += &format!(
                "\n*{heading}:* {}",
                escape(&truncate(&lines.join("; "), 600))
            );
        }
    }
    let mut section = json!({
        "type": "section",
        "text": { "type": "mrkdwn", "text": text },
        "fields": [
            field("Child", &item.child),
            field("Stage", stage),
            field("Due (UK time)", &uk_time(item.due_at)),
            field("You are told as", &item.role.replace('_', " ")),
        ],
    });
    if let Some(link) = &item.link {
        section["accessory"] = json!({
            "type": "button",
            "text": { "type": "plain_text", "text": truncate(&format!("Open case {}", item.case_id), 75) },
            "url": link,
        });
    }
    section
}

/// Slack's mrkdwn escaping: only these three characters are control characters.
pub(super) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_turns_markup_into_text() {
        assert_eq!(
            escape("C&F <!channel> a>b &amp;"),
            "C&amp;F &lt;!channel&gt; a&gt;b &amp;amp;"
        );
    }
}
