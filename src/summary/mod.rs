//! The managers' daily picture (SPEC, Users): for a manager's part of the service — the caseloads of everyone
//! reporting to them, at any depth — the breaches and escalations active now by team and by rule, the oldest
//! ones, what is new since the last summary, a four-week trend of breaches open each working day and the
//! timeliness of the obligations that ended in the last 30 days. Pure: the evaluation's lines, the staff, the
//! stage episodes of the state database, the calendar and an instant in; a [`Summary`] out. [`render`] writes it
//! for people, [`send`] composes the scheduled ones.

pub mod quiet;
pub mod render;
pub mod send;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

use crate::calendar::{self, LONDON, WorkingCalendar};
use crate::evaluate::Line;
use crate::model::Staff;
use crate::rules::{RulePack, Severity};
use crate::store::EpisodeSpan;

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

/// What a summary is made from.
pub struct Inputs<'a> {
    pub pack: &'a RulePack,
    pub calendar: &'a WorkingCalendar,
    pub staff: &'a [Staff],
    /// The evaluation at `at`.
    pub lines: &'a [Line],
    /// Stage episodes live since [`history_since`].
    pub episodes: &'a [EpisodeSpan],
    pub at: DateTime<Utc>,
    /// The previous summary time.
    pub since: Option<DateTime<Utc>>,
    /// The time of day each trend point is counted at (the first summary time).
    pub trend_time: NaiveTime,
    pub case_url: Option<&'a str>,
    /// SPEC 6a: silences active or recently ended (those active at `at` are shown).
    pub silences: &'a [crate::store::Silence],
    /// The `delivery.tell_from` the lines' backlog marks were made by.
    pub tell_from: Option<NaiveDate>,
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

fn rank(severity: &str) -> u8 {
    match severity {
        "escalation" => 2,
        "breach" => 1,
        _ => 0,
    }
}

pub fn summarise(inputs: &Inputs, scope: &Scope) -> Summary {
    let Inputs {
        pack,
        calendar: cal,
        staff,
        at,
        ..
    } = *inputs;
    let members = members(staff, scope);
    let by_id: HashMap<&str, &Staff> = staff.iter().map(|s| (s.id.0.as_str(), s)).collect();
    let in_scope = |worker: Option<&str>| match scope {
        Scope::All => true,
        _ => worker.is_some_and(|w| members.contains(w)),
    };
    let team_of = |worker: Option<&str>| {
        worker
            .and_then(|w| by_id.get(w))
            .and_then(|s| s.team.clone())
            .unwrap_or_else(|| NO_TEAM.to_owned())
    };
    let title_of = |rule: &str| pack.rule(rule).map_or(rule.to_owned(), |r| r.title.clone());
    let today = calendar::local_date(at);

    // Active obligations in breach, one per (rule, case, subject): its most serious stage, its earliest due time.
    let mut active: BTreeMap<(&str, &str, &str), Overdue> = BTreeMap::new();
    let mut backlog: BTreeMap<(&str, &str, &str), Overdue> = BTreeMap::new();
    let mut began: HashMap<(&str, &str, &str), DateTime<Utc>> = HashMap::new();
    for line in inputs.lines {
        if !matches!(line.severity, Severity::Breach | Severity::Escalation)
            || !in_scope(line.worker_id.as_deref())
        {
            continue;
        }
        let key = (
            line.rule.as_str(),
            line.case_id.as_str(),
            line.subject_id.as_str(),
        );
        let stage_label = pack
            .rule(&line.rule)
            .and_then(|r| r.stages.iter().find(|s| s.name == line.stage))
            .map_or(line.stage.clone(), |s| s.label.clone());
        let start = began.entry(key).or_insert(line.from);
        *start = (*start).min(line.from);
        let silenced_until = inputs
            .silences
            .iter()
            .filter(|s| s.is_active(at) && s.covers(&line.case_id, &line.rule))
            .map(|s| s.until)
            .max();
        let target = if line.backlog {
            &mut backlog
        } else {
            &mut active
        };
        let entry = target.entry(key).or_insert_with(|| Overdue {
            child: line.child_label.clone(),
            case_id: line.case_id.clone(),
            rule: line.rule.clone(),
            title: title_of(&line.rule),
            stage: stage_label.clone(),
            severity: line.severity.to_string(),
            due_at: line.due_at,
            working_days_overdue: 0,
            worker: line
                .worker_id
                .as_deref()
                .and_then(|w| by_id.get(w))
                .map_or_else(|| "(unallocated)".to_owned(), |s| s.display_name.clone()),
            team: team_of(line.worker_id.as_deref()),
            new: false,
            silenced_until,
            link: inputs
                .case_url
                .map(|u| crate::outbox::case_link(u, &line.case_id)),
        });
        if rank(line.severity.as_str()) > rank(&entry.severity) {
            entry.severity = line.severity.to_string();
            entry.stage = stage_label;
        }
        entry.due_at = entry.due_at.min(line.due_at);
    }
    let mut oldest: Vec<Overdue> = active
        .into_iter()
        .map(|(key, mut o)| {
            o.working_days_overdue = cal.working_days_after(calendar::local_date(o.due_at), today);
            o.new = inputs.since.is_none_or(|since| began[&key] > since);
            o
        })
        .collect();
    oldest.sort_by(|a, b| {
        (
            a.due_at,
            std::cmp::Reverse(rank(&a.severity)),
            &a.child,
            &a.rule,
        )
            .cmp(&(
                b.due_at,
                std::cmp::Reverse(rank(&b.severity)),
                &b.child,
                &b.rule,
            ))
    });

    let backlog = quiet::backlog(
        backlog
            .into_values()
            .map(|mut o| {
                o.working_days_overdue =
                    cal.working_days_after(calendar::local_date(o.due_at), today);
                o
            })
            .collect(),
        inputs.tell_from,
    );
    let name_of = |id: Option<&str>| {
        id.map_or_else(
            || "(unallocated)".to_owned(),
            |id| {
                by_id
                    .get(id)
                    .map_or_else(|| id.to_owned(), |s| s.display_name.clone())
            },
        )
    };
    let silences = quiet::silences(inputs, &in_scope, &name_of);
    let count =
        |rows: &mut BTreeMap<String, Count>, name: String, rule: Option<&str>, severity: &str| {
            let row = rows.entry(name.clone()).or_insert(Count {
                name,
                rule: rule.map(str::to_owned),
                breaches: 0,
                escalations: 0,
            });
            if severity == "escalation" {
                row.escalations += 1;
            } else {
                row.breaches += 1;
            }
        };
    let mut teams = BTreeMap::new();
    let mut rules = BTreeMap::new();
    for o in &oldest {
        count(&mut teams, o.team.clone(), None, &o.severity);
        count(&mut rules, o.title.clone(), Some(&o.rule), &o.severity);
    }
    let most_first = |rows: BTreeMap<String, Count>| {
        let mut rows: Vec<Count> = rows.into_values().collect();
        rows.sort_by(|a, b| {
            (b.breaches + b.escalations)
                .cmp(&(a.breaches + a.escalations))
                .then(a.name.cmp(&b.name))
        });
        rows
    };

    let episodes: Vec<&EpisodeSpan> = inputs
        .episodes
        .iter()
        .filter(|e| in_scope(e.worker_id.as_deref()))
        .collect();
    let trend = trend_days(at, cal)
        .into_iter()
        .map(|day| {
            let t = day
                .and_time(inputs.trend_time)
                .and_local_timezone(LONDON)
                .earliest()
                .map_or(at, |t| t.to_utc())
                .min(at);
            let open: HashSet<(&str, &str, &str)> = episodes
                .iter()
                .filter(|e| {
                    rank(&e.severity) > 0 && e.from <= t && e.ended_at.is_none_or(|end| end > t)
                })
                .map(|e| (e.rule.as_str(), e.case_id.as_str(), e.subject_id.as_str()))
                .collect();
            TrendPoint {
                day,
                open: open.len() as u32,
            }
        })
        .collect();

    let summary_title = match scope {
        Scope::All => "the whole service".to_owned(),
        _ => {
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
    };
    Summary {
        title: summary_title,
        reader: match scope {
            Scope::Manager(id) => by_id.get(id.as_str()).map(|s| s.display_name.clone()),
            _ => None,
        },
        at,
        since: inputs.since,
        breaches: oldest.iter().filter(|o| o.severity == "breach").count() as u32,
        escalations: oldest.iter().filter(|o| o.severity == "escalation").count() as u32,
        new: oldest.iter().filter(|o| o.new).count() as u32,
        by_team: most_first(teams),
        by_rule: most_first(rules),
        oldest,
        trend,
        timeliness: timeliness(&episodes, at, &team_of, &title_of),
        backlog,
        silences,
    }
}

/// Obligations (rule, subject) whose episodes in the period have all ended by `at`, the last within the last 30
/// days and because it was done (not lapsed); on time when none of those episodes was a breach or escalation.
fn timeliness(
    episodes: &[&EpisodeSpan],
    at: DateTime<Utc>,
    team_of: &dyn Fn(Option<&str>) -> String,
    title_of: &dyn Fn(&str) -> String,
) -> Vec<Timeliness> {
    let since = at - Duration::days(TIMELINESS_DAYS);
    let mut obligations: BTreeMap<(&str, &str, &str), Vec<&EpisodeSpan>> = BTreeMap::new();
    for e in episodes
        .iter()
        .filter(|e| e.from <= at && e.ended_at.is_none_or(|end| end > since))
    {
        obligations
            .entry((e.rule.as_str(), e.case_id.as_str(), e.subject_id.as_str()))
            .or_default()
            .push(e);
    }
    let mut rows: BTreeMap<(String, String), Timeliness> = BTreeMap::new();
    for ((rule, ..), spans) in obligations {
        let Some(ends) = spans
            .iter()
            .map(|e| e.ended_at.filter(|end| *end <= at))
            .collect::<Option<Vec<_>>>()
        else {
            continue; // still open at `at`
        };
        let last = ends
            .into_iter()
            .max()
            .expect("an obligation has an episode");
        let done = spans.iter().filter(|e| e.ended_at == Some(last)).any(|e| {
            e.end_reason
                .as_deref()
                .is_some_and(|r| r.starts_with("done"))
        });
        if !done {
            continue;
        }
        let latest = spans
            .iter()
            .max_by_key(|e| e.from)
            .expect("an obligation has an episode");
        let team = team_of(latest.worker_id.as_deref());
        let title = title_of(rule);
        let row = rows
            .entry((title.clone(), team.clone()))
            .or_insert(Timeliness {
                rule: rule.to_owned(),
                title,
                team,
                ended: 0,
                on_time: 0,
            });
        row.ended += 1;
        row.on_time += u32::from(spans.iter().all(|e| rank(&e.severity) == 0));
    }
    rows.into_values().collect()
}

fn and_list(names: &[String]) -> String {
    match names {
        [] => "no team".into(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
