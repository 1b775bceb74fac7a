//! A manager's daily summary as data: the counts, the oldest breaches, the trend, the timeliness and the SPEC 6a
//! sections (backlog and silences), as `summary` makes them and the channels lay them out.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// "Team 3 and Team 4", "Team 3" or "the whole service".
    pub title: String,
    /// The manager it is for, by display name.
    pub reader: Option<String>,
    pub at: DateTime<Utc>,
    /// The previous summary time ("new since"); `None` when there was none in the last month.
    pub since: Option<DateTime<Utc>>,
    pub breaches: u32,
    pub escalations: u32,
    /// Of those, how many became breaches or escalations since the previous summary.
    pub new: u32,
    pub by_team: Vec<Count>,
    pub by_rule: Vec<Count>,
    /// Every active breach and escalation, most overdue first (messages show the first [`crate::summary::render::OLDEST`]).
    pub oldest: Vec<Overdue>,
    /// Obligations in breach at the summary time of each of the last four weeks' working days, oldest first.
    pub trend: Vec<TrendPoint>,
    /// Obligations that ended (were done) in the last 30 days, by rule and team.
    pub timeliness: Vec<Timeliness>,
    /// SPEC 6a: obligations due before `delivery.tell_from`, never told one by one; not in the counts above.
    #[serde(default)]
    pub backlog: Backlog,
    /// SPEC 6a: every active silence in this part of the service.
    #[serde(default)]
    pub silences: Vec<SilenceRow>,
}

/// Active breaches and escalations of one team or rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    /// The team, or the rule's title.
    pub name: String,
    /// The rule's id (rows by rule only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    pub breaches: u32,
    pub escalations: u32,
}

/// One obligation in breach.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overdue {
    /// As `notify.child_identifier` names the child.
    pub child: String,
    pub case_id: String,
    pub rule: String,
    pub title: String,
    /// The most serious active stage's label.
    pub stage: String,
    /// `breach` or `escalation`: the most serious active stage.
    pub severity: String,
    pub due_at: DateTime<Utc>,
    /// Working days after the due date, up to and including the summary's day.
    pub working_days_overdue: u32,
    pub worker: String,
    pub team: String,
    /// A breach or escalation since the previous summary.
    pub new: bool,
    /// Held back by a silence until the end of this day (SPEC 6a): still shown, told to no one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silenced_until: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendPoint {
    pub day: NaiveDate,
    pub open: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeliness {
    pub rule: String,
    pub title: String,
    pub team: String,
    /// Obligations done in the period.
    pub ended: u32,
    /// Of those, how many were done before they were due (never reached a breach or escalation).
    pub on_time: u32,
}

impl Summary {
    /// A summary with one of everything, for checking templates at start-up.
    pub fn sample() -> Summary {
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).expect("a date");
        Summary {
            title: "Team 1".into(),
            reader: Some("Sample".into()),
            at: DateTime::UNIX_EPOCH,
            since: Some(DateTime::UNIX_EPOCH),
            breaches: 1,
            escalations: 0,
            new: 1,
            by_team: vec![Count {
                name: "Team 1".into(),
                rule: None,
                breaches: 1,
                escalations: 0,
            }],
            by_rule: vec![Count {
                name: "Rule".into(),
                rule: Some("r".into()),
                breaches: 1,
                escalations: 0,
            }],
            oldest: vec![Overdue {
                child: "REF-1".into(),
                case_id: "C1".into(),
                rule: "r".into(),
                title: "Rule".into(),
                stage: "Overdue".into(),
                severity: "breach".into(),
                due_at: DateTime::UNIX_EPOCH,
                working_days_overdue: 1,
                worker: "Worker".into(),
                team: "Team 1".into(),
                new: true,
                silenced_until: None,
                link: Some("https://lcs.example/case/C1".into()),
            }],
            trend: vec![TrendPoint { day, open: 1 }],
            timeliness: vec![Timeliness {
                rule: "r".into(),
                title: "Rule".into(),
                team: "Team 1".into(),
                ended: 1,
                on_time: 1,
            }],
            backlog: Backlog::default(),
            silences: Vec::new(),
        }
    }
}

impl Timeliness {
    /// Whole percent, rounded half up.
    pub fn percent(&self) -> u32 {
        (self.on_time * 200 + self.ended)
            .checked_div(self.ended * 2)
            .unwrap_or(0)
    }
}

/// Obligations due before `delivery.tell_from`, still not done.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backlog {
    /// The first day told one by one; `None` when the summary was made without it.
    pub tell_from: Option<NaiveDate>,
    /// Every backlog obligation, oldest first (messages show counts; `summary --format csv` lists them).
    pub obligations: Vec<Overdue>,
    /// By team, the oldest first.
    pub by_team: Vec<BacklogCount>,
    /// By rule, the oldest first.
    pub by_rule: Vec<BacklogCount>,
    /// By worker, most first: whose caseload the catch-up falls on.
    pub by_worker: Vec<BacklogCount>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BacklogCount {
    /// The team, the rule's title or the worker's name.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    pub obligations: u32,
    pub oldest_due: DateTime<Utc>,
}

/// An active silence, as a manager reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SilenceRow {
    pub id: i64,
    pub child: String,
    pub case_id: String,
    /// The rule's title, or "every rule".
    pub covers: String,
    pub by: String,
    pub reason: String,
    /// The last day it covers.
    pub until: NaiveDate,
    pub worker: String,
    /// Obligations it is holding back now, and the most serious stage among them.
    pub holding: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worst: Option<String>,
}
