//! The managers' daily picture (SPEC, Users): for a manager's part of the service — the caseloads of everyone
//! reporting to them, at any depth — the breaches and escalations active now by team and by rule, the oldest
//! ones, what is new since the last summary, a four-week trend of breaches open each working day and the
//! timeliness of the obligations that ended in the last 30 days. Pure: the evaluation's lines and the stage
//! episodes of the state database are folded in as they come ([`fold`]), then the staff, the calendar and a scope
//! give a [`Summary`]. [`render`] writes it for people, [`send`] composes the scheduled ones.

pub mod fold;
pub mod quiet;
pub mod render;
pub mod send;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

use crate::calendar::{self, WorkingCalendar};
use crate::model::Staff;

pub use crate::message::summary::{Count, Overdue, Summary, Timeliness, TrendPoint};

/// Working days in the trend: four weeks.
pub const TREND_DAYS: usize = 20;
/// The period of the timeliness figures.
pub const TIMELINESS_DAYS: i64 = 30;
/// Team name for caseloads whose worker has none recorded (or is not in the staff table).
pub const NO_TEAM: &str = "(no team)";

/// Whose part of the service a summary covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Everyone reporting to this member of staff, at any depth, and their own caseload.
    Manager(String),
    /// The caseloads of one team's members.
    Team(String),
    /// Every caseload.
    All,
}

/// Who gets the scheduled summary: active team and senior managers (by `staff.role`) with an email address and
/// anyone reporting to them.
pub fn recipients(staff: &[Staff]) -> Vec<&Staff> {
    let managers: HashSet<&str> = staff
        .iter()
        .filter_map(|s| s.manager_id.as_ref().map(|m| m.0.as_str()))
        .collect();
    let mut out: Vec<&Staff> = staff
        .iter()
        .filter(|s| {
            let role = s.role.trim().to_lowercase().replace([' ', '-'], "_");
            s.active
                && s.email.is_some()
                && matches!(role.as_str(), "team_manager" | "senior_manager")
                && managers.contains(s.id.0.as_str())
        })
        .collect();
    out.sort_by(|a, b| a.id.0.cmp(&b.id.0));
    out
}

/// The staff whose caseloads a scope covers.
pub fn members(staff: &[Staff], scope: &Scope) -> HashSet<String> {
    match scope {
        Scope::All => staff.iter().map(|s| s.id.0.clone()).collect(),
        Scope::Team(team) => staff
            .iter()
            .filter(|s| s.team.as_deref() == Some(team.as_str()))
            .map(|s| s.id.0.clone())
            .collect(),
        Scope::Manager(id) => {
            let mut reports: HashMap<&str, Vec<&str>> = HashMap::new();
            for s in staff {
                if let Some(m) = &s.manager_id {
                    reports
                        .entry(m.0.as_str())
                        .or_default()
                        .push(s.id.0.as_str());
                }
            }
            let mut seen: HashSet<String> = HashSet::from([id.clone()]);
            let mut todo = vec![id.as_str()];
            while let Some(next) = todo.pop() {
                for r in reports.get(next).into_iter().flatten() {
                    if seen.insert((*r).to_owned()) {
                        todo.push(r);
                    }
                }
            }
            seen
        }
    }
}

/// The time of day the trend counts at: the first summary time (08:30 when there are none).
pub fn trend_time(delivery: &crate::outbox::DeliverySettings) -> NaiveTime {
    delivery
        .summary_times()
        .into_iter()
        .min()
        .unwrap_or_else(|| NaiveTime::from_hms_opt(8, 30, 0).expect("08:30 is a time"))
}

/// The working days of the trend, oldest first: the last [`TREND_DAYS`] up to and including `at`'s day.
pub fn trend_days(at: DateTime<Utc>, cal: &WorkingCalendar) -> Vec<NaiveDate> {
    let mut days: Vec<NaiveDate> = calendar::local_date(at)
        .iter_days()
        .rev()
        .filter(|d| cal.is_working_day(*d))
        .take(TREND_DAYS)
        .collect();
    days.reverse();
    days
}

/// The earliest instant the history must reach back to for a summary at `at`.
pub fn history_since(at: DateTime<Utc>, cal: &WorkingCalendar) -> DateTime<Utc> {
    let trend = trend_days(at, cal)
        .first()
        .map_or(at, |d| calendar::start_of(*d));
    trend.min(at - Duration::days(TIMELINESS_DAYS))
}

/// "Team 3 and Team 4": the teams of a scope's members other than its reader; "the whole service" for all.
fn title(
    scope: &Scope,
    members: &HashSet<String>,
    team_of: &dyn Fn(Option<&str>) -> String,
) -> String {
    if *scope == Scope::All {
        return "the whole service".to_owned();
    }
    let reader = match scope {
        Scope::Manager(id) => Some(id.as_str()),
        _ => None,
    };
    let mut names: Vec<String> = members
        .iter()
        .filter(|m| Some(m.as_str()) != reader)
        .map(|m| team_of(Some(m)))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    names.retain(|n| n != NO_TEAM);
    names.sort();
    and_list(&names)
}

fn and_list(names: &[String]) -> String {
    match names {
        [] => "no team".into(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
