//! Microsoft Teams through a Workflows "When a Teams webhook request is received" trigger. Workflows accept only
//! Adaptive Cards (the Office 365 connector MessageCard is not rendered) wrapped as a Bot Framework message with
//! one attachment; the card version stays at 1.4 because Workflows' "post card" action does not render 1.5.

use serde_json::{Value, json};

use super::text::{severity, sparkline, truncate, uk_time};
use crate::channels::{Item, Message};
use crate::message::Summary;
use crate::message::words::{count_line, overdue, trend_words};

/// Teams refuses a message of more than about 28 KB: a card's items stop where the next would take the whole
/// request past this, and the card says how many more there are.
const MAX_BYTES: usize = 27 * 1024;
/// The most items a card lists, whatever `delivery.max_items_per_message` allows: 25 items of the usual size
/// (facts, who was told before, what to do, a link) fit in [`MAX_BYTES`].
const MAX_ITEMS: usize = 25;
/// The most characters of facts, history or action an item shows.
const MAX_TEXT: usize = 300;

pub(super) fn body(msg: &Message) -> Vec<u8> {
    match &msg.summary {
        Some(summary) => card(&summary_blocks(&msg.subject, summary)),
        None => card(&item_blocks(msg)),
    }
}

fn card(blocks: &[Value]) -> Vec<u8> {
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

/// The heading, the items the message lists (most urgent first) while they fit, and "And N more" for the rest.
fn item_blocks(msg: &Message) -> Vec<Value> {
    let mut blocks = vec![json!({
        "type": "TextBlock",
        "text": msg.subject,
        "size": "Large",
        "weight": "Bolder",
        "wrap": true,
    })];
    let more = |n: usize| {
        json!({
            "type": "TextBlock",
            "text": format!("And {n} more, less urgent, not shown here."),
            "isSubtle": true,
            "wrap": true,
        })
    };
    // The card so far and the closing line at its longest; each item adds its block and a comma.
    let mut size = card(&[blocks[0].clone(), more(usize::MAX)]).len();
    let listed = msg.listed.min(msg.items.len()).min(MAX_ITEMS);
    for item in &msg.items[..listed] {
        let block = item_block(item);
        size += serde_json::to_vec(&block).map_or(usize::MAX, |b| b.len()) + 1;
        if size > MAX_BYTES {
            break;
        }
        blocks.push(block);
    }
    let shown = blocks.len() - 1;
    if msg.items.len() > shown {
        blocks.push(more(msg.items.len() - shown));
    }
    blocks
}

/// Rows of a summary a card shows (the email has them all, up to its own limits).
const SUMMARY_ROWS: usize = 8;

/// A manager's summary: the counts, the trend as a line of bars, by team and by rule, the oldest with a button
/// to each case, and timeliness.
fn summary_blocks(subject: &str, s: &Summary) -> Vec<Value> {
    let text = |text: String| json!({ "type": "TextBlock", "text": text, "wrap": true });
    let heading = |text: &str| json!({ "type": "TextBlock", "text": text, "weight": "Bolder", "wrap": true, "spacing": "Medium" });
    let facts = |facts: Vec<(String, String)>| {
        json!({
            "type": "FactSet",
            "facts": facts.into_iter().map(|(t, v)| json!({ "title": t, "value": v })).collect::<Vec<_>>(),
        })
    };
    let mut blocks = vec![
        json!({ "type": "TextBlock", "text": subject, "size": "Large", "weight": "Bolder", "wrap": true }),
        facts(vec![
            ("Escalations".into(), s.escalations.to_string()),
            ("Breaches".into(), s.breaches.to_string()),
            ("New since the last summary".into(), s.new.to_string()),
        ]),
        heading("Breaches open, last 4 weeks"),
        json!({
            "type": "TextBlock",
            "text": sparkline(&s.trend.iter().map(|p| p.open).collect::<Vec<_>>()),
            "fontType": "Monospace",
            "size": "Large",
            "color": "Accent",
        }),
        text(trend_words(s)),
    ];
    for (title, rows) in [("By team", &s.by_team), ("By rule", &s.by_rule)] {
        if !rows.is_empty() {
            blocks.push(heading(title));
            blocks.extend(
                rows.iter()
                    .take(SUMMARY_ROWS)
                    .map(|c| text(truncate(&count_line(c), 200))),
            );
        }
    }
    if !s.oldest.is_empty() {
        blocks.push(heading("The oldest"));
    }
    for o in s.oldest.iter().take(SUMMARY_ROWS) {
        let line = format!(
            "{}: {} ({}), {}; {}, {}",
            o.child,
            o.title,
            o.stage,
            overdue(s, o),
            o.worker,
            o.team
        );
        blocks.push(text(truncate(&line, 300)));
        if let Some(link) = &o.link {
            blocks.push(json!({
                "type": "ActionSet",
                "actions": [{ "type": "Action.OpenUrl", "title": format!("Open case {}", o.case_id), "url": link }],
            }));
        }
    }
    if !s.timeliness.is_empty() {
        blocks.push(heading("Done on time, last 30 days"));
        blocks.push(facts(
            s.timeliness
                .iter()
                .take(SUMMARY_ROWS * 2)
                .map(|t| {
                    (
                        truncate(&format!("{}, {}", t.title, t.team), 120),
                        format!("{} of {} ({}%)", t.on_time, t.ended, t.percent()),
                    )
                })
                .collect(),
        ));
    }
    blocks
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
                { "title": "You are told as", "value": item.role_words() },
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
    text("Why it came here", &item.meant_for);
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
