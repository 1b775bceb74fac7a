//! The words a summary's parts are shown with, by the email templates and the Teams and Slack cards alike: UK
//! dates, how long an obligation is overdue, the trend in one sentence, a count as a short line.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::summary::{Count, Overdue, Summary};
use crate::calendar;

/// A day of the trend, for people ("Mon 7 Dec").
pub fn day(d: chrono::NaiveDate) -> String {
    d.format("%a %-d %b").to_string()
}

/// "950 working days overdue (about 3 years 8 months)": the count the rules run on, and the time a manager
/// pictures once it is more than a month. `today` is the summary's day; the calendar time runs from the day due.
pub fn overdue_words(
    working_days: u32,
    due: chrono::NaiveDate,
    today: chrono::NaiveDate,
) -> String {
    let count = format!(
        "{working_days} working day{} overdue",
        if working_days == 1 { "" } else { "s" }
    );
    let whole = chrono::Months::new;
    let mut months = (today.year() - due.year()) * 12 + today.month() as i32 - due.month() as i32;
    if today.day() < due.day() {
        months -= 1;
    }
    if months < 1 {
        return count;
    }
    // To the nearest month: half a month or more past the whole months counts as one more.
    let past = due + whole(months as u32);
    if (today - past).num_days() >= 15 {
        months += 1;
    }
    let plural = |n: i32, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    let (years, months) = (months / 12, months % 12);
    let about = match (years, months) {
        (0, m) => plural(m, "month"),
        (y, 0) => plural(y, "year"),
        (y, m) => format!("{} {}", plural(y, "year"), plural(m, "month")),
    };
    format!("{count} (about {about})")
}

/// An obligation's [`overdue_words`] on the summary's day.
pub fn overdue(s: &Summary, o: &Overdue) -> String {
    overdue_words(
        o.working_days_overdue,
        crate::calendar::local_date(o.due_at),
        crate::calendar::local_date(s.at),
    )
}

pub fn trend_words(s: &Summary) -> String {
    let (Some(first), Some(last)) = (s.trend.first(), s.trend.last()) else {
        return String::new();
    };
    let high = s
        .trend
        .iter()
        .fold(first, |best, p| if p.open > best.open { p } else { best });
    format!(
        "Breaches open each working day for 4 weeks: {} on {}, {} on {}; the most, {}, on {}.",
        first.open,
        day(first.day),
        last.open,
        day(last.day),
        high.open,
        day(high.day)
    )
}

/// A summary's rows as short lines for a card: "Team 3: 2 escalations, 5 breaches".
pub fn count_line(count: &Count) -> String {
    let plural = |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{}: {}, {}",
        count.name,
        plural(count.escalations, "escalation", "escalations"),
        plural(count.breaches, "breach", "breaches")
    )
}

/// The last UK date a silence covers, for people ("Fri 18 Dec 2026").
pub fn until_words(until: NaiveDate) -> String {
    until.format("%a %-d %b %Y").to_string()
}

/// The instant a backlog row's oldest obligation was due, as a UK date.
pub fn due_words(due: DateTime<Utc>) -> String {
    calendar::local_date(due).format("%-d %b %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn overdue_in_working_days_and_in_months_and_years() {
        let cases = [
            // Due Monday 2 March 2026, read Friday 6 March: four working days, under a month.
            (4, "2026-03-02", "2026-03-06", "4 working days overdue"),
            (1, "2026-03-05", "2026-03-06", "1 working day overdue"),
            // 2 March 2023 to 7 December 2026: 3 years 9 months and 5 days.
            (
                950,
                "2023-03-02",
                "2026-12-07",
                "950 working days overdue (about 3 years 9 months)",
            ),
            // 10 October to 7 December: 1 month and 27 days, nearer two months.
            (
                40,
                "2026-10-10",
                "2026-12-07",
                "40 working days overdue (about 2 months)",
            ),
            // Exactly a year.
            (
                253,
                "2025-12-07",
                "2026-12-07",
                "253 working days overdue (about 1 year)",
            ),
        ];
        for (working_days, due, today, words) in cases {
            assert_eq!(
                overdue_words(working_days, d(due), d(today)),
                words,
                "due {due}, read {today}"
            );
        }
    }
}
