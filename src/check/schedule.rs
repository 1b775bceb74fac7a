//! When the configured schedules fire next, in UK local time: so an operator sees "08:00 on Tue 29 Dec" rather
//! than working it out from a cron expression and the bank holidays.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use crate::calendar::{LONDON, WorkingCalendar, local_date};
use crate::config::Settings;
use crate::outbox::immediate_allowed;
use crate::schedule::parse_cron;

/// How many upcoming firings to show of each schedule.
const SHOWN: usize = 3;

/// What the schedules will do, a (what, when) line each, and what looks like a mistake.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Schedules {
    pub lines: Vec<(String, String)>,
    pub warnings: Vec<String>,
}

pub fn schedules(settings: &Settings, calendar: &WorkingCalendar, now: DateTime<Utc>) -> Schedules {
    let mut s = Schedules::default();
    let delivery = &settings.delivery;
    let evaluate = &settings.schedule.evaluate;
    match parse_cron(evaluate) {
        Ok(cron) => {
            let next = cron.iter_after(now.with_timezone(&LONDON)).take(SHOWN);
            let next: Vec<String> = next
                .map(|t| t.format("%a %-d %b %Y %H:%M %Z").to_string())
                .collect();
            s.lines.push((
                "evaluation".into(),
                format!("`{evaluate}`, next {}", next.join(", ")),
            ));
        }
        Err(e) => s.warnings.push(format!("schedule.evaluate: {e}")),
    }

    let any_day = delivery.digests_on_non_working_days;
    for time in &delivery.digest_times {
        let days = digest_days(*time, any_day, calendar, now);
        let days: Vec<String> = days
            .iter()
            .map(|d| d.format("%a %-d %b %Y").to_string())
            .collect();
        let which = if any_day { "every day" } else { "working days" };
        s.lines.push((
            format!("digest at {}", time.format("%H:%M")),
            format!("on {which}, next {}", days.join(", ")),
        ));
    }
    if delivery.digest_times.is_empty() {
        s.warnings
            .push("delivery.digest_times is empty: reminders and warnings go one by one, like immediate notices".into());
    }

    let severities: Vec<String> = delivery.immediate.iter().map(|s| s.to_string()).collect();
    let (start, end) = (delivery.working_hours_start, delivery.working_hours_end);
    let hours = if severities.is_empty() {
        "none: every notice waits for a digest".to_owned()
    } else if delivery.out_of_hours {
        format!(
            "{} at any time (delivery.out_of_hours)",
            severities.join(", ")
        )
    } else if start >= end {
        s.warnings.push(format!(
            "delivery.working_hours_start ({}) is not before delivery.working_hours_end ({}): immediate notices \
             are never sent",
            start.format("%H:%M"),
            end.format("%H:%M")
        ));
        format!("{} never (no working hours)", severities.join(", "))
    } else {
        let open = if immediate_allowed(now, delivery, calendar) {
            "open now".to_owned()
        } else {
            let day = next_working_day(start, calendar, now);
            format!("next open {}", day.format("%a %-d %b %Y"))
        };
        format!(
            "{} {}–{} on working days ({open})",
            severities.join(", "),
            start.format("%H:%M"),
            end.format("%H:%M")
        )
    };
    s.lines.push(("immediate notices".into(), hours));
    s
}

/// The next days whose `time` (London) is after `now` and on which digests go out.
fn digest_days(
    time: NaiveTime,
    any_day: bool,
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
) -> Vec<NaiveDate> {
    upcoming(time, now)
        .filter(|d| any_day || calendar.is_working_day(*d))
        .take(SHOWN)
        .collect()
}

fn next_working_day(time: NaiveTime, calendar: &WorkingCalendar, now: DateTime<Utc>) -> NaiveDate {
    upcoming(time, now)
        .find(|d| calendar.is_working_day(*d))
        .unwrap_or(NaiveDate::MAX)
}

/// Days from today (London) on which `time` is still to come; a time the clocks skip that day is passed over.
fn upcoming(time: NaiveTime, now: DateTime<Utc>) -> impl Iterator<Item = NaiveDate> {
    // Bounded: a calendar has working days in any year, but do not trust that to end a loop.
    local_date(now).iter_days().take(3 * 366).filter(move |d| {
        let at = d.and_time(time).and_local_timezone(LONDON).earliest();
        at.is_some_and(|at| at > now)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn settings(extra: &str) -> Settings {
        let text = format!(
            "[source]\nurl = \"sqlite://cases.db\"\n[notify]\nfallback_address = \"ops@council.example\"\n{extra}"
        );
        let path = std::path::Path::new("casewatch.toml");
        Config::from_toml(&text, path, []).unwrap().settings
    }

    fn lines(s: &Schedules) -> Vec<String> {
        s.lines
            .iter()
            .map(|(what, when)| format!("{what}: {when}"))
            .collect()
    }

    fn at(instant: &str) -> DateTime<Utc> {
        instant.parse().unwrap()
    }

    #[test]
    fn christmas_eve_digests_skip_christmas_the_weekend_and_boxing_day_substitute() {
        // 2026: Christmas Friday 25th, Boxing Day Saturday 26th with its substitute on Monday 28th.
        let settings = settings("");
        let calendar = settings.calendar.working_calendar();

        let s = schedules(&settings, &calendar, at("2026-12-24T09:07:00Z"));

        assert_eq!(
            lines(&s),
            [
                "evaluation: `0 */15 * * * *`, next Thu 24 Dec 2026 09:15 GMT, Thu 24 Dec 2026 09:30 GMT, \
                 Thu 24 Dec 2026 09:45 GMT",
                "digest at 08:00: on working days, next Tue 29 Dec 2026, Wed 30 Dec 2026, Thu 31 Dec 2026",
                "immediate notices: breach, escalation 08:00–18:00 on working days (open now)",
            ]
        );
        assert!(s.warnings.is_empty());
    }

    #[test]
    fn times_are_shown_in_british_summer_time_and_closures_are_skipped() {
        let settings = settings(
            "[calendar]\nextra_closures = [\"2026-07-02\"]\n\
             [delivery]\ndigest_times = [\"07:30\", \"13:00\"]\n\
             [schedule]\nevaluate = \"0 0 6 * * *\"",
        );
        let calendar = settings.calendar.working_calendar();

        // Wednesday 1 July 2026, 12:30 BST.
        let s = schedules(&settings, &calendar, at("2026-07-01T11:30:00Z"));

        assert_eq!(
            lines(&s),
            [
                "evaluation: `0 0 6 * * *`, next Thu 2 Jul 2026 06:00 BST, Fri 3 Jul 2026 06:00 BST, \
                 Sat 4 Jul 2026 06:00 BST",
                "digest at 07:30: on working days, next Fri 3 Jul 2026, Mon 6 Jul 2026, Tue 7 Jul 2026",
                "digest at 13:00: on working days, next Wed 1 Jul 2026, Fri 3 Jul 2026, Mon 6 Jul 2026",
                "immediate notices: breach, escalation 08:00–18:00 on working days (open now)",
            ]
        );
    }

    #[test]
    fn a_saturday_shows_when_immediate_notices_next_go_out() {
        let settings = settings("");
        let calendar = settings.calendar.working_calendar();

        let s = schedules(&settings, &calendar, at("2026-03-07T10:00:00Z"));

        assert_eq!(
            lines(&s)[2],
            "immediate notices: breach, escalation 08:00–18:00 on working days (next open Mon 9 Mar 2026)"
        );
    }

    #[test]
    fn settings_that_never_send_are_warned_about() {
        let settings = settings(
            "[delivery]\ndigest_times = []\nworking_hours_start = \"18:00\"\nworking_hours_end = \"08:00\"",
        );
        let calendar = settings.calendar.working_calendar();

        let s = schedules(&settings, &calendar, at("2026-03-09T10:00:00Z"));

        assert_eq!(s.warnings.len(), 2, "{:?}", s.warnings);
        assert!(s.warnings[0].contains("delivery.digest_times"));
        assert!(s.warnings[1].contains("delivery.working_hours_start"));
    }
}
