//! "Who was told before" for a breach or escalation: each earlier email about the same obligation, in the
//! reader's words ("Staff W42 (worker) was reminded on Wed 25 Nov 2026").

use chrono::{DateTime, Utc};

use crate::calendar::LONDON;
use crate::channels::Item;
use crate::rules::Role;
use crate::store::Told;

/// Only breaches and escalations carry a history: a reminder has none worth telling.
pub fn wants_history(item: &Item) -> bool {
    matches!(item.severity.as_str(), "breach" | "escalation")
}

/// One line per person and severity, earliest first; `reader` is the staff id of whoever will read it, told of
/// their own earlier notices as "You". `told` may hold other obligations and cases: they are skipped.
pub fn history(item: &Item, told: &[Told], reader: Option<&str>) -> Vec<String> {
    // (staff id, name, roles, severity) → the days they were told.
    type Who<'t> = (Option<&'t str>, Option<&'t str>, &'t str, &'t str);
    let mut lines: Vec<(Who, Vec<String>)> = Vec::new();
    let same = |t: &&Told| {
        t.case_id == item.case_id && t.rule == item.rule && t.subject_id == item.subject_id
    };
    for t in told.iter().filter(same) {
        let key = (
            t.staff_id.as_deref(),
            t.to_name.as_deref(),
            t.roles.as_str(),
            t.severity.as_str(),
        );
        let day = day(t.sent_at);
        match lines.iter_mut().find(|(k, _)| *k == key) {
            Some((_, days)) if days.contains(&day) => {}
            Some((_, days)) => days.push(day),
            None => lines.push((key, vec![day])),
        }
    }
    if lines.is_empty() {
        return vec!["No one had been told of this before.".into()];
    }
    lines
        .into_iter()
        .map(|((staff, name, roles, severity), days)| {
            let you = staff.is_some() && staff == reader;
            let who = match (you, staff, name) {
                (true, ..) => "You".to_owned(),
                (_, None, _) => "The operations mailbox".to_owned(),
                (_, Some(id), name) => name.unwrap_or(id).to_owned(),
            };
            let was = if you { "were" } else { "was" };
            let what = match severity {
                "reminder" => "reminded",
                "warning" => "warned",
                "breach" => "told it was overdue",
                _ => "told of the escalation",
            };
            let roles: Vec<String> = roles
                .split(',')
                .filter_map(|r| Role::parse(r).ok())
                .map(|r| r.label().into_owned())
                .collect();
            let roles = if roles.is_empty() || staff.is_none() {
                String::new()
            } else {
                format!(" ({})", roles.join(" and "))
            };
            format!("{who}{roles} {was} {what} on {}", and_list(&days))
        })
        .collect()
}

fn day(t: DateTime<Utc>) -> String {
    t.with_timezone(&LONDON).format("%a %-d %b %Y").to_string()
}

fn and_list(days: &[String]) -> String {
    match days {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn told(staff: Option<&str>, roles: &str, severity: &str, sent_at: &str) -> Told {
        Told {
            case_id: "C1".into(),
            rule: "r".into(),
            subject_id: "S1".into(),
            severity: severity.into(),
            roles: roles.into(),
            staff_id: staff.map(Into::into),
            to_name: staff.map(|s| format!("Staff {s}")),
            sent_at: sent_at.parse().unwrap(),
        }
    }

    fn item() -> Item {
        Item {
            rule: "r".into(),
            title: "T".into(),
            stage: "overdue".into(),
            severity: "breach".into(),
            case_id: "C1".into(),
            subject_id: "S1".into(),
            child: "REF".into(),
            due_at: DateTime::UNIX_EPOCH,
            from: DateTime::UNIX_EPOCH,
            role: "supervisor".into(),
            stage_label: String::new(),
            facts: Vec::new(),
            history: Vec::new(),
            action: None,
            link: None,
            meant_for: Vec::new(),
        }
    }

    #[test]
    fn each_person_once_with_every_day_they_were_told() {
        // 25 and 26 November 2026 are a Wednesday and a Thursday; a 23:30 UTC send in summer is the next UK day.
        let told = [
            told(None, "team_manager", "escalation", "2026-07-01T23:30:00Z"),
            told(Some("W1"), "worker", "reminder", "2026-11-25T08:00:00Z"),
            told(Some("W1"), "worker", "reminder", "2026-11-25T15:00:00Z"),
            told(Some("P1"), "supervisor", "breach", "2026-11-26T08:00:00Z"),
            told(
                Some("W1"),
                "worker,supervisor",
                "breach",
                "2026-11-26T08:00:00Z",
            ),
            told(Some("P1"), "supervisor", "breach", "2026-12-03T08:00:00Z"),
        ];
        assert_eq!(
            history(&item(), &told, Some("P1")),
            [
                "The operations mailbox was told of the escalation on Thu 2 Jul 2026",
                "Staff W1 (worker) was reminded on Wed 25 Nov 2026",
                "You (practice manager) were told it was overdue on Thu 26 Nov 2026 and Thu 3 Dec 2026",
                "Staff W1 (worker and practice manager) was told it was overdue on Thu 26 Nov 2026",
            ]
        );
    }

    #[test]
    fn another_obligation_is_not_this_ones_history() {
        let mut other = told(Some("W1"), "worker", "reminder", "2026-11-25T08:00:00Z");
        other.subject_id = "S2".into();
        assert_eq!(
            history(&item(), &[other], None),
            ["No one had been told of this before."]
        );
    }
}
