//! A summary as a fold: the pass hands over its lines a batch of whole cases at a time and the stage history
//! one obligation at a time, and what is kept is per worker — counts by rule, the oldest few obligations, four
//! weeks of trend and 30 days of timeliness — however large the caseload. A manager's summary is then the sum of
//! their reports' parts. Only obligations whose history moved between caseloads (reallocated) and the lines of
//! silenced cases are kept whole: there are few of them, and a scope may hold some of their episodes and not
//! others.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

use super::{Count, NO_TEAM, Overdue, Scope, Summary, Timeliness, TrendPoint, members, quiet};
use crate::calendar::{self, LONDON, WorkingCalendar};
use crate::evaluate::Line;
use crate::model::Staff;
use crate::outbox::quiet::silencing;
use crate::rules::{RulePack, Severity};
use crate::store::{EpisodeSpan, Silence, Store, StoreError};

/// What every part of a summary is counted against.
pub struct Setting {
    pub at: DateTime<Utc>,
    /// The previous summary time ("new since").
    pub since: Option<DateTime<Utc>>,
    /// The time of day each trend point is counted at (the first summary time).
    pub trend_time: NaiveTime,
    pub case_url: Option<String>,
    /// SPEC 6a: silences active or recently ended (those active at `at` are shown).
    pub silences: Vec<Silence>,
    /// The `delivery.tell_from` the lines' backlog marks were made by.
    pub tell_from: Option<NaiveDate>,
    /// How many of the oldest obligations (and of the oldest backlog) a summary lists; the counts are whole.
    /// `usize::MAX` for every one (`summary --format json|csv`).
    pub keep: usize,
}

/// One obligation in breach (or in the backlog): its most serious stage, its earliest due time.
#[derive(Clone, Debug)]
struct Obligation {
    child: String,
    case_id: String,
    subject_id: String,
    rule: String,
    stage: String,
    severity: Severity,
    due_at: DateTime<Utc>,
    began: DateTime<Utc>,
    silenced_until: Option<NaiveDate>,
}

impl Obligation {
    fn order(&self) -> impl Ord + '_ {
        (
            self.due_at,
            Reverse(self.severity),
            &self.child,
            &self.rule,
            &self.case_id,
            &self.subject_id,
        )
    }
}

/// The first `keep` by [`Obligation::order`], and nothing more for long.
#[derive(Default)]
struct Oldest(Vec<Obligation>);

impl Oldest {
    fn push(&mut self, o: Obligation, keep: usize) {
        self.0.push(o);
        if self.0.len() >= keep.saturating_mul(2).max(64) {
            self.trim(keep);
        }
    }

    fn trim(&mut self, keep: usize) {
        self.0.sort_by(|a, b| a.order().cmp(&b.order()));
        self.0.truncate(keep);
    }
}

/// Active obligations of one rule on one caseload.
#[derive(Clone, Copy, Default)]
struct Tally {
    breaches: u32,
    escalations: u32,
    new: u32,
}

/// One caseload's share of every summary (`None`: unallocated).
#[derive(Default)]
struct Part {
    active: BTreeMap<String, Tally>,
    oldest: Oldest,
    /// By rule: backlog obligations and the earliest due time.
    backlog: BTreeMap<String, (u32, DateTime<Utc>)>,
    backlog_oldest: Oldest,
    trend: [u32; super::TREND_DAYS],
    /// By rule: obligations ended (done) in the period, and how many of them on time.
    timeliness: BTreeMap<String, (u32, u32)>,
}

pub struct Fold {
    setting: Setting,
    /// The trend's days and the instant each is counted at.
    trend_at: Vec<(NaiveDate, DateTime<Utc>)>,
    parts: HashMap<Option<String>, Part>,
    /// Obligations whose episodes were on more than one caseload.
    moved: Vec<Vec<EpisodeSpan>>,
    /// Lines of cases under an active silence (not backlog), for the silences section.
    silenced: Vec<Line>,
}

impl Fold {
    pub fn new(setting: Setting, calendar: &WorkingCalendar) -> Self {
        let at = setting.at;
        let trend_at = super::trend_days(at, calendar)
            .into_iter()
            .map(|day| {
                let t = day
                    .and_time(setting.trend_time)
                    .and_local_timezone(LONDON)
                    .earliest()
                    .map_or(at, |t| t.to_utc())
                    .min(at);
                (day, t)
            })
            .collect();
        Fold {
            setting,
            trend_at,
            parts: HashMap::new(),
            moved: Vec::new(),
            silenced: Vec::new(),
        }
    }

    /// Adds lines holding every line of each of their obligations (a batch of whole cases, or a whole evaluation).
    pub fn add_lines(&mut self, lines: &[Line]) {
        let at = self.setting.at;
        // By (rule, case, subject): whose caseload, whether backlog, and the obligation.
        type Found<'l> = (Option<&'l str>, bool, Obligation);
        let mut found: BTreeMap<(&str, &str, &str), Found> = BTreeMap::new();
        for line in lines {
            if !line.backlog && silencing(&self.setting.silences, line, at).is_some() {
                let mut kept = line.clone();
                kept.facts = Vec::new();
                self.silenced.push(kept);
            }
            if !matches!(line.severity, Severity::Breach | Severity::Escalation) {
                continue;
            }
            let key = (
                line.rule.as_str(),
                line.case_id.as_str(),
                line.subject_id.as_str(),
            );
            let (_, _, o) = found.entry(key).or_insert_with(|| {
                let silenced_until = self
                    .setting
                    .silences
                    .iter()
                    .filter(|s| s.is_active(at) && s.covers(&line.case_id, &line.rule))
                    .map(|s| s.until)
                    .max();
                let o = Obligation {
                    child: line.child_label.clone(),
                    case_id: line.case_id.clone(),
                    subject_id: line.subject_id.clone(),
                    rule: line.rule.clone(),
                    stage: line.stage.clone(),
                    severity: line.severity,
                    due_at: line.due_at,
                    began: line.from,
                    silenced_until,
                };
                (line.worker_id.as_deref(), line.backlog, o)
            });
            if line.severity > o.severity {
                o.severity = line.severity;
                o.stage = line.stage.clone();
            }
            o.due_at = o.due_at.min(line.due_at);
            o.began = o.began.min(line.from);
        }
        let keep = self.setting.keep;
        for (_, (worker, backlog, o)) in found {
            let part = self.parts.entry(worker.map(str::to_owned)).or_default();
            if backlog {
                let row = part.backlog.entry(o.rule.clone()).or_insert((0, o.due_at));
                row.0 += 1;
                row.1 = row.1.min(o.due_at);
                part.backlog_oldest.push(o, keep);
            } else {
                let tally = part.active.entry(o.rule.clone()).or_default();
                match o.severity {
                    Severity::Escalation => tally.escalations += 1,
                    _ => tally.breaches += 1,
                }
                tally.new += u32::from(self.setting.since.is_none_or(|since| o.began > since));
                part.oldest.push(o, keep);
            }
        }
    }

    /// Adds the stage episodes of one obligation (rule, case, subject) live in the summary's period.
    pub fn add_history(&mut self, episodes: &[EpisodeSpan]) {
        let Some(first) = episodes.first() else {
            return;
        };
        if episodes.iter().any(|e| e.worker_id != first.worker_id) {
            self.moved.push(episodes.to_vec());
            return;
        }
        let all: Vec<&EpisodeSpan> = episodes.iter().collect();
        let (bits, ended) = history(&all, &self.trend_at, self.setting.at);
        let part = self.parts.entry(first.worker_id.clone()).or_default();
        add_bits(&mut part.trend, bits);
        if let Some((_, on_time)) = ended {
            let row = part.timeliness.entry(first.rule.clone()).or_default();
            row.0 += 1;
            row.1 += u32::from(on_time);
        }
    }

    /// Adds the stage history a summary reads (episodes live since [`super::history_since`]), streamed from the
    /// state database one obligation at a time.
    pub async fn add_history_from(
        &mut self,
        store: &Store,
        calendar: &WorkingCalendar,
    ) -> Result<(), StoreError> {
        let at = self.setting.at;
        store
            .episodes_by_obligation(super::history_since(at, calendar), at, |episodes| {
                self.add_history(episodes)
            })
            .await
    }

    /// The summary of one part of the service.
    pub fn summary(
        &self,
        pack: &RulePack,
        cal: &WorkingCalendar,
        staff: &[Staff],
        scope: &Scope,
    ) -> Summary {
        let Setting { at, keep, .. } = self.setting;
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
        let today = calendar::local_date(at);
        let overdue = |o: &Obligation, worker: Option<&str>| Overdue {
            child: o.child.clone(),
            case_id: o.case_id.clone(),
            rule: o.rule.clone(),
            title: title_of(&o.rule),
            stage: pack
                .rule(&o.rule)
                .and_then(|r| r.stages.iter().find(|s| s.name == o.stage))
                .map_or(o.stage.clone(), |s| s.label.clone()),
            severity: o.severity.to_string(),
            due_at: o.due_at,
            working_days_overdue: cal.working_days_after(calendar::local_date(o.due_at), today),
            worker: worker
                .and_then(|w| by_id.get(w))
                .map_or_else(|| "(unallocated)".to_owned(), |s| s.display_name.clone()),
            team: team_of(worker),
            new: self.setting.since.is_none_or(|since| o.began > since),
            silenced_until: o.silenced_until,
            link: self
                .setting
                .case_url
                .as_deref()
                .map(|u| crate::outbox::case_link(u, &o.case_id)),
        };

        // In order of worker: where two rules share a title, the row names the same rule every time.
        let mut parts: Vec<(Option<&str>, &Part)> = self
            .parts
            .iter()
            .map(|(w, p)| (w.as_deref(), p))
            .filter(|(w, _)| in_scope(*w))
            .collect();
        parts.sort_unstable_by_key(|(w, _)| *w);
        let (mut breaches, mut escalations, mut new) = (0, 0, 0);
        let mut teams: BTreeMap<String, Count> = BTreeMap::new();
        let mut rules: BTreeMap<String, Count> = BTreeMap::new();
        let mut oldest: Vec<(&Obligation, Option<&str>)> = Vec::new();
        let mut backlog: Vec<(&Obligation, Option<&str>)> = Vec::new();
        let mut backlog_rows: [BTreeMap<(String, Option<String>), quiet::BacklogCount>; 3] =
            Default::default();
        let mut trend = [0u32; super::TREND_DAYS];
        let mut timeliness: BTreeMap<(String, String), Timeliness> = BTreeMap::new();
        let mut ended = |rule: &str, team: String, on_time: (u32, u32)| {
            let title = title_of(rule);
            let row = timeliness
                .entry((title.clone(), team.clone()))
                .or_insert(Timeliness {
                    rule: rule.to_owned(),
                    title,
                    team,
                    ended: 0,
                    on_time: 0,
                });
            row.ended += on_time.0;
            row.on_time += on_time.1;
        };
        for &(worker, part) in &parts {
            let team = team_of(worker);
            for (rule, tally) in &part.active {
                breaches += tally.breaches;
                escalations += tally.escalations;
                new += tally.new;
                for (rows, name, rule) in [
                    (&mut teams, team.clone(), None),
                    (&mut rules, title_of(rule), Some(rule.clone())),
                ] {
                    let row = rows.entry(name.clone()).or_insert(Count {
                        name,
                        rule,
                        breaches: 0,
                        escalations: 0,
                    });
                    row.breaches += tally.breaches;
                    row.escalations += tally.escalations;
                }
            }
            oldest.extend(part.oldest.0.iter().map(|o| (o, worker)));
            backlog.extend(part.backlog_oldest.0.iter().map(|o| (o, worker)));
            for (rule, &(n, due)) in &part.backlog {
                let keys = [
                    (team.clone(), None),
                    (title_of(rule), Some(rule.clone())),
                    (name_of(worker), None),
                ];
                for (rows, (name, rule)) in backlog_rows.iter_mut().zip(keys) {
                    let row =
                        rows.entry((name.clone(), rule.clone()))
                            .or_insert(quiet::BacklogCount {
                                name,
                                rule,
                                obligations: 0,
                                oldest_due: due,
                            });
                    row.obligations += n;
                    row.oldest_due = row.oldest_due.min(due);
                }
            }
            for (i, n) in part.trend.iter().enumerate() {
                trend[i] += n;
            }
            for (rule, &counts) in &part.timeliness {
                ended(rule, team.clone(), counts);
            }
        }
        for episodes in &self.moved {
            let kept: Vec<&EpisodeSpan> = episodes
                .iter()
                .filter(|e| in_scope(e.worker_id.as_deref()))
                .collect();
            let (bits, done) = history(&kept, &self.trend_at, at);
            add_bits(&mut trend, bits);
            if let Some((latest, on_time)) = done {
                let team = team_of(latest.worker_id.as_deref());
                ended(&latest.rule, team, (1, u32::from(on_time)));
            }
        }

        oldest.sort_by(|a, b| a.0.order().cmp(&b.0.order()));
        oldest.truncate(keep);
        backlog.sort_by(|a, b| {
            (a.0.due_at, &a.0.child, &a.0.rule).cmp(&(b.0.due_at, &b.0.child, &b.0.rule))
        });
        backlog.truncate(keep);
        let [by_team, by_rule, by_worker] =
            backlog_rows.map(|rows| rows.into_values().collect::<Vec<_>>());
        let oldest_first = |mut rows: Vec<quiet::BacklogCount>| {
            rows.sort_by(|a, b| (a.oldest_due, &a.name).cmp(&(b.oldest_due, &b.name)));
            rows
        };
        let mut by_worker = by_worker;
        by_worker.sort_by(|a, b| (b.obligations, &a.name).cmp(&(a.obligations, &b.name)));
        let most_first = |rows: BTreeMap<String, Count>| {
            let mut rows: Vec<Count> = rows.into_values().collect();
            rows.sort_by(|a, b| {
                (b.breaches + b.escalations)
                    .cmp(&(a.breaches + a.escalations))
                    .then(a.name.cmp(&b.name))
            });
            rows
        };
        let silences = quiet::silences(
            pack,
            &self.setting.silences,
            &self.silenced,
            at,
            &in_scope,
            &name_of,
        );
        Summary {
            title: super::title(scope, &members, &team_of),
            reader: match scope {
                Scope::Manager(id) => by_id.get(id.as_str()).map(|s| s.display_name.clone()),
                _ => None,
            },
            at,
            since: self.setting.since,
            breaches,
            escalations,
            new,
            by_team: most_first(teams),
            by_rule: most_first(rules),
            oldest: oldest.into_iter().map(|(o, w)| overdue(o, w)).collect(),
            trend: self
                .trend_at
                .iter()
                .zip(trend)
                .map(|(&(day, _), open)| TrendPoint { day, open })
                .collect(),
            timeliness: timeliness.into_values().collect(),
            backlog: quiet::Backlog {
                tell_from: self.setting.tell_from,
                obligations: backlog.into_iter().map(|(o, w)| overdue(o, w)).collect(),
                by_team: oldest_first(by_team),
                by_rule: oldest_first(by_rule),
                by_worker,
            },
            silences,
        }
    }
}

fn add_bits(trend: &mut [u32; super::TREND_DAYS], bits: u32) {
    for (i, n) in trend.iter_mut().enumerate() {
        *n += (bits >> i) & 1;
    }
}

/// One obligation's episodes (those in a scope): on which of the trend's days it was open in breach (a bit per
/// day), and, when it ended in the last 30 days because it was done, the episode that began last and whether it
/// was done on time (none of the episodes in the period a breach or escalation).
fn history<'e>(
    episodes: &[&'e EpisodeSpan],
    trend_at: &[(NaiveDate, DateTime<Utc>)],
    at: DateTime<Utc>,
) -> (u32, Option<(&'e EpisodeSpan, bool)>) {
    let mut bits = 0u32;
    for (i, &(_, t)) in trend_at.iter().enumerate() {
        let open = episodes
            .iter()
            .any(|e| in_breach(&e.severity) && e.from <= t && e.ended_at.is_none_or(|end| end > t));
        bits |= u32::from(open) << i;
    }
    let since = at - Duration::days(super::TIMELINESS_DAYS);
    let period: Vec<&EpisodeSpan> = episodes
        .iter()
        .copied()
        .filter(|e| e.from <= at && e.ended_at.is_none_or(|end| end > since))
        .collect();
    let Some(ends) = period
        .iter()
        .map(|e| e.ended_at.filter(|end| *end <= at))
        .collect::<Option<Vec<_>>>()
    else {
        return (bits, None); // still open at `at`
    };
    let Some(last) = ends.into_iter().max() else {
        return (bits, None);
    };
    let done = period.iter().filter(|e| e.ended_at == Some(last)).any(|e| {
        e.end_reason
            .as_deref()
            .is_some_and(|r| r.starts_with("done"))
    });
    let latest = period.iter().copied().max_by_key(|e| e.from);
    let on_time = !period.iter().any(|e| in_breach(&e.severity));
    (bits, latest.filter(|_| done).map(|l| (l, on_time)))
}

/// Whether a stage episode's severity (as `stage_log` keeps it) is a breach or an escalation.
fn in_breach(severity: &str) -> bool {
    matches!(severity, "breach" | "escalation")
}
