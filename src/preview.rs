//! `casewatch preview` (SPEC 6a): what the next pass would send, writing and sending nothing — to run before the
//! first start, and before switching on a pack. It plans the pass as `tick` would (the go-live backlog and
//! silences kept out, repeats counted from the state database when there is one), then groups what would be told
//! into messages as they would be composed. It names recipients by staff id and role, never a child.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use chrono::{DateTime, NaiveDate, Utc};

use crate::app;
use crate::calendar::{self, LONDON, WorkingCalendar};
use crate::config::Config;
use crate::outbox::{self, Delivery, Draft, quiet};
use crate::store::Silence;

/// One message the pass would compose.
struct Planned<'d> {
    delivery: Delivery,
    channel: &'d str,
    staff_id: Option<&'d str>,
    roles: Vec<String>,
    items: usize,
}

pub async fn run(config: &Config, now: DateTime<Utc>, out: &mut impl Write) -> anyhow::Result<()> {
    let calendar = config.settings.calendar.working_calendar();
    let source = app::connect_source(config).await?;
    let tell_from = app::tell_from_for_reading(config, &calendar, now).await;
    let evaluation = app::evaluate_told_from(config, &calendar, &source, now, tell_from).await?;
    source.close().await;
    let store = app::existing_store(config).await?;
    let silences: Vec<Silence> = match &store {
        Some(store) => store.silences(Some(quiet::recent_since(now))).await?,
        None => Vec::new(),
    };
    let delivery = &config.settings.delivery;
    let lines = evaluation
        .lines
        .iter()
        .filter(|l| quiet::tellable(l, &silences, now));
    let next_digest = outbox::current_window(now, delivery, &calendar)
        .map(|_| now)
        .or_else(|| outbox::next_window(now, delivery, &calendar));
    let drafts = outbox::plan(
        lines,
        &config.rules,
        &evaluation.read.directory,
        delivery,
        &config.settings.routes,
        next_digest,
    );
    let ended = |d: &Draft| quiet::silence_ended(&silences, &d.item.case_id, &d.item.rule, now);
    let drafts = match &store {
        Some(store) => {
            let keys: Vec<&str> = drafts.iter().map(|d| d.repeat_key.as_str()).collect();
            let last = store.last_notices(&keys).await?;
            let drafts = outbox::due_now(drafts, &last, now, &calendar, ended);
            let keys: Vec<String> = drafts.iter().map(|d| d.key.clone()).collect();
            let stored = store.existing_notice_keys(&keys).await?;
            drafts
                .into_iter()
                .filter(|d| !stored.contains(&d.key))
                .collect()
        }
        None => drafts,
    };

    let backlog: Vec<_> = evaluation.lines.iter().filter(|l| l.backlog).collect();
    let silenced = evaluation
        .lines
        .iter()
        .filter(|l| !l.backlog && quiet::silencing(&silences, l, now).is_some())
        .count();
    writeln!(
        out,
        "What a pass at {} would send (nothing is written or sent)",
        now.with_timezone(&LONDON).format("%a %-d %b %Y %H:%M %Z")
    )?;
    let oldest = backlog.iter().map(|l| l.due_at).min();
    writeln!(
        out,
        "go-live backlog: {} line(s) of obligations due before {} (delivery.tell_from), never told one by one{}",
        backlog.len(),
        tell_from.format("%a %-d %b %Y"),
        oldest.map_or(String::new(), |t| format!(
            "; the oldest was due {}",
            calendar::local_date(t).format("%-d %b %Y")
        ))
    )?;
    writeln!(
        out,
        "silenced: {silenced} line(s) held back by {} active silence(s)",
        silences.iter().filter(|s| s.is_active(now)).count()
    )?;

    let messages = group(&drafts, delivery.immediate_together);
    let max = delivery.max_items_per_message;
    let items: usize = messages.iter().map(|m| m.items).sum();
    let listed: usize = messages.iter().map(|m| m.items.min(max)).sum();
    let immediate = messages
        .iter()
        .filter(|m| m.delivery == Delivery::Immediate)
        .count();
    writeln!(
        out,
        "messages: {} ({immediate} immediate, {} digest); items: {items} ({listed} listed, {} counted in \"and N \
         more\" with at most {max} a message)",
        messages.len(),
        messages.len() - immediate,
        items - listed
    )?;
    if let Some(largest) = messages.iter().max_by_key(|m| m.items) {
        writeln!(
            out,
            "largest message: {} items ({} listed) to {}, {}",
            largest.items,
            largest.items.min(max),
            who(largest),
            largest.delivery.as_str()
        )?;
    }
    writeln!(
        out,
        "items by how long overdue (working days after the due date):"
    )?;
    for (bucket, n) in overdue_buckets(&drafts, calendar::local_date(now), &calendar) {
        writeln!(out, "  {bucket:<28} {n}")?;
    }
    writeln!(out, "per recipient:")?;
    writeln!(
        out,
        "  {:<28} {:<26} {:<10} {:>8} {:>6} {:>7}",
        "RECIPIENT", "ROLE", "CHANNEL", "MESSAGES", "ITEMS", "LISTED"
    )?;
    let mut by_recipient: BTreeMap<(String, &str), (String, usize, usize, usize)> = BTreeMap::new();
    for m in &messages {
        let row = by_recipient
            .entry((who(m), m.channel))
            .or_insert_with(|| (m.roles.join(", "), 0, 0, 0));
        row.1 += 1;
        row.2 += m.items;
        row.3 += m.items.min(max);
    }
    let mut rows: Vec<_> = by_recipient.into_iter().collect();
    rows.sort_by(|a, b| (b.1.2, &a.0).cmp(&(a.1.2, &b.0)));
    for ((recipient, channel), (roles, messages, items, listed)) in rows {
        writeln!(
            out,
            "  {recipient:<28} {roles:<26} {channel:<10} {messages:>8} {items:>6} {listed:>7}"
        )?;
    }
    Ok(())
}

/// Staff id, or where a webhook or the fallback mailbox receives it: never an address of a person, never a child.
fn who(m: &Planned) -> String {
    match (m.staff_id, m.channel) {
        (Some(id), _) => format!("staff {id}"),
        (None, outbox::EMAIL) => "the fallback mailbox".to_owned(),
        (None, hook) => format!("webhook {hook}"),
    }
}

/// The messages the drafts would become: immediate ones per recipient (or each alone), digests per recipient.
fn group(drafts: &[Draft], together: bool) -> Vec<Planned<'_>> {
    let mut messages: Vec<Planned> = Vec::new();
    let mut index: HashMap<(Delivery, &str, &str), usize> = HashMap::new();
    for d in drafts {
        let key = (d.delivery, d.channel.as_str(), d.address.as_str());
        let alone = d.delivery == Delivery::Immediate && !together;
        match index.get(&key) {
            Some(&i) if !alone => {
                let m = &mut messages[i];
                m.items += 1;
                for role in &d.roles {
                    let name = role.name().into_owned();
                    if !m.roles.contains(&name) {
                        m.roles.push(name);
                    }
                }
            }
            _ => {
                index.insert(key, messages.len());
                messages.push(Planned {
                    delivery: d.delivery,
                    channel: &d.channel,
                    staff_id: d.staff_id.as_deref(),
                    roles: d.roles.iter().map(|r| r.name().into_owned()).collect(),
                    items: 1,
                });
            }
        }
    }
    messages
}

/// Items by how long after their due date they are told: not yet due, then bands of working days overdue.
fn overdue_buckets(
    drafts: &[Draft],
    today: NaiveDate,
    cal: &WorkingCalendar,
) -> Vec<(&'static str, usize)> {
    let mut buckets = vec![
        ("not yet due", 0),
        ("due today or 1-5 overdue", 0),
        ("6-20 overdue", 0),
        ("21-60 overdue", 0),
        ("more than 60 overdue", 0),
    ];
    for d in drafts {
        let due = calendar::local_date(d.item.due_at);
        let index = if due > today {
            0
        } else {
            match cal.working_days_after(due, today) {
                0..=5 => 1,
                6..=20 => 2,
                21..=60 => 3,
                _ => 4,
            }
        };
        buckets[index].1 += 1;
    }
    buckets
}
