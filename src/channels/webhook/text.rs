//! Wording shared by the Teams and Slack cards: how a severity, a due time and an overlong text are shown.

use chrono::{DateTime, Utc};

use crate::calendar::LONDON;

/// "Breach" for `breach`: the severity as a word for people.
pub(super) fn severity(severity: &str) -> String {
    let mut chars = severity.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The due time on the UK wall clock, e.g. "Tue 3 Mar 2026 23:59"; readers are in England, whatever the
/// server's time zone.
pub(super) fn uk_time(instant: DateTime<Utc>) -> String {
    instant
        .with_timezone(&LONDON)
        .format("%a %-d %b %Y %H:%M")
        .to_string()
}

/// The trend as one line of block characters, tallest for the most: "▂▃▅▇█▆".
pub(super) fn sparkline(values: &[u32]) -> String {
    const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    values
        .iter()
        .map(|v| BLOCKS[(v * 7 / max) as usize])
        .collect()
}

/// `text` cut to at most `max` characters, the last one an ellipsis when anything was cut.
pub(super) fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_times_read_in_uk_local_time_across_the_clock_change() {
        // 2026-03-29 01:00 UTC the clocks go forward: GMT before, BST after.
        assert_eq!(
            uk_time("2026-03-28T23:59:59Z".parse().unwrap()),
            "Sat 28 Mar 2026 23:59"
        );
        assert_eq!(
            uk_time("2026-03-30T22:59:59Z".parse().unwrap()),
            "Mon 30 Mar 2026 23:59"
        );
    }

    #[test]
    fn truncation_counts_characters_not_bytes() {
        assert_eq!(truncate("Zoë Ñ", 5), "Zoë Ñ");
        assert_eq!(truncate("Zoë Ñandú", 5), "Zoë …");
        assert_eq!(severity("escalation"), "Escalation");
    }
}
