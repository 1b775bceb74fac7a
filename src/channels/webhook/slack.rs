//! Slack incoming webhooks: Block Kit blocks, and a `text` that notifications and screen readers fall back on.
//! Slack reads `&`, `<` and `>` as markup in mrkdwn (`<!channel>` would ping a whole channel), so every text of
//! ours is escaped before it goes in.

use serde_json::{Value, json};

use super::text::{severity, sparkline, truncate, uk_time};
use crate::channels::{Item, Message};
use crate::message::Summary;
use crate::message::words::{count_line, overdue, trend_words};

/// Slack refuses a message of more than 50 blocks: a header, the items, and a closing line must fit.
const MAX_ITEMS: usize = 45;
/// Slack's limit on a header's text.
const MAX_HEADER: usize = 150;

pub(super) fn body(msg: &Message) -> Vec<u8> {
    let mut blocks = vec![json!({
        "type": "header",
        "text": { "type": "plain_text", "text": truncate(&msg.subject, MAX_HEADER) },
    })];
    if let Some(summary) = &msg.summary {
        blocks.extend(summary_blocks(summary));
        let message = json!({ "text": escape(&msg.subject), "blocks": blocks });
        return serde_json::to_vec(&message).expect("a JSON value always serializes");
    }
    // The items the message lists, most urgent first, as many as a message may hold; the rest are counted.
    let listed = msg.listed.min(msg.items.len()).min(MAX_ITEMS);
    blocks.extend(msg.items[..listed].iter().map(item_section));
    if msg.items.len() > listed {
        blocks.push(json!({
            "type": "context",
            "elements": [{
                "type": "mrkdwn",
                "text": format!("And {} more, less urgent, not shown here.", msg.items.len() - listed),
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
        ("Why it came here", item.meant_for.as_slice()),
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
            field("You are told as", &item.role_words()),
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

/// Rows of a summary a message shows.
const SUMMARY_ROWS: usize = 8;

/// A manager's summary: the counts, the trend as a line of bars, by team and by rule, the oldest (each with a
/// button to the case) and timeliness; well inside Slack's 50 blocks.
fn summary_blocks(s: &Summary) -> Vec<Value> {
    let section = |text: String| json!({ "type": "section", "text": { "type": "mrkdwn", "text": truncate(&text, 3000) } });
    let mut blocks = vec![
        json!({
            "type": "section",
            "fields": [
                { "type": "mrkdwn", "text": format!("*Escalations*\n{}", s.escalations) },
                { "type": "mrkdwn", "text": format!("*Breaches*\n{}", s.breaches) },
                { "type": "mrkdwn", "text": format!("*New since the last summary*\n{}", s.new) },
            ],
        }),
        section(format!(
            "*Breaches open, last 4 weeks*\n`{}`\n{}",
            sparkline(&s.trend.iter().map(|p| p.open).collect::<Vec<_>>()),
            escape(&trend_words(s))
        )),
    ];
    for (title, rows) in [("By team", &s.by_team), ("By rule", &s.by_rule)] {
        if !rows.is_empty() {
            let lines: Vec<String> = rows
                .iter()
                .take(SUMMARY_ROWS)
                .map(|c| escape(&count_line(c)))
                .collect();
            blocks.push(section(format!("*{title}*\n{}", lines.join("\n"))));
        }
    }
    for o in s.oldest.iter().take(SUMMARY_ROWS) {
        let mut block = section(format!(
            "*{}*: {} ({}), {} overdue; {}, {}",
            escape(&o.child),
            escape(&o.title),
            escape(&o.stage),
            overdue(s, o),
            escape(&o.worker),
            escape(&o.team)
        ));
        if let Some(link) = &o.link {
            block["accessory"] = json!({
                "type": "button",
                "text": { "type": "plain_text", "text": truncate(&format!("Open case {}", o.case_id), 75) },
                "url": link,
            });
        }
        blocks.push(block);
    }
    if !s.timeliness.is_empty() {
        let lines: Vec<String> = s
            .timeliness
            .iter()
            .take(SUMMARY_ROWS * 2)
            .map(|t| {
                escape(&format!(
                    "{}, {}: {} of {} ({}%)",
                    t.title,
                    t.team,
                    t.on_time,
                    t.ended,
                    t.percent()
                ))
            })
            .collect();
        blocks.push(section(format!(
            "*Done on time, last 30 days*\n{}",
            lines.join("\n")
        )));
    }
    blocks
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
