//! The facts behind a notice: a rule's labelled anchors with their values for one subject, in the reader's words
//! and UK local time ("Visit failed: Mon 9 Nov 2026, 10:00"), earliest first.

use chrono::{NaiveTime, Timelike};

use super::Rule;
use super::expr::Value;
use crate::calendar::LONDON;

/// `values` as [`super::ActiveStage::facts`] holds them; anchors the subject lacks are simply not there.
pub fn facts(rule: &Rule, values: &[(usize, Value)]) -> Vec<String> {
    let mut sorted: Vec<&(usize, Value)> = values.iter().collect();
    // Times in the order they happened; numbers (a priority) after them.
    sorted.sort_by_key(|(_, v)| match v {
        Value::Date(d) => (0, d.and_time(NaiveTime::MIN).and_utc().timestamp()),
        Value::Instant(t) => (0, t.timestamp()),
        Value::Number(_) => (1, 0),
    });
    sorted
        .into_iter()
        .filter_map(|(slot, value)| {
            let (_, label) = rule.labels.iter().find(|(s, _)| s == slot)?;
            Some(format!("{label}: {}", words(*value)))
        })
        .collect()
}

/// A value as notices and `explain` write it, in UK local time.
pub fn words(value: Value) -> String {
    match value {
        Value::Date(d) => d.format("%a %-d %b %Y").to_string(),
        Value::Instant(t) => {
            let local = t.with_timezone(&LONDON);
            // A source that holds only a date gives its start; a due time is the end of its day.
            match (local.hour(), local.minute(), local.second()) {
                (0, 0, 0) => local.format("%a %-d %b %Y").to_string(),
                (23, 59, 59) => local.format("the end of %a %-d %b %Y").to_string(),
                _ => local.format("%a %-d %b %Y, %H:%M").to_string(),
            }
        }
        Value::Number(n) => n.to_string(),
    }
}
