//! Every obligation of one case as of an instant, whatever its state: for `casewatch explain`, which answers "why
//! did (or didn't) this alert fire?". The same walk as [`RulePack::evaluate_case`], keeping what it would skip.

use chrono::{DateTime, Utc};

use super::expr::Value;
use super::reading::AsOf;
use super::{RulePack, Stage};
use crate::calendar::WorkingCalendar;
use crate::model::CaseFile;

/// One subject of one rule: its anchors, its facts and the state of each stage.
#[derive(Clone, Debug)]
pub struct Obligation {
    /// Index into [`RulePack::rules`].
    pub rule: usize,
    pub subject_id: String,
    /// Every anchor the rule can name, in slot order, with its value (`None`: not recorded, or not yet).
    pub anchors: Vec<(String, Option<Value>)>,
    /// The subject's facts by name: whether each holds.
    pub facts: Vec<(&'static str, bool)>,
    pub stages: Vec<StageState>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageState {
    /// Index into the rule's stages.
    pub stage: usize,
    pub from: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub status: Status,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Active,
    /// `from` is after the instant.
    NotYet,
    /// A reminder or warning past its due time.
    Lapsed,
    /// Ended by these facts (the evidence is there).
    Done(Vec<&'static str>),
    /// The stage's `when` facts do not all hold: these are missing.
    NotApplicable(Vec<&'static str>),
    /// Its times read an anchor this subject does not have.
    NoTime,
    /// The case is closed (and past any `after_close` period).
    CaseClosed,
}

fn named(facts: &[&'static str], mask: u32) -> Vec<&'static str> {
    facts
        .iter()
        .enumerate()
        .filter(|(bit, _)| mask & (1 << bit) != 0)
        .map(|(_, f)| *f)
        .collect()
}

fn status(
    stage: &Stage,
    facts: &[&'static str],
    held: u32,
    times: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    watched: bool,
    asof: &AsOf,
) -> Status {
    if held & stage.when != stage.when {
        return Status::NotApplicable(named(facts, stage.when & !held));
    }
    if held & stage.done_when != 0 {
        return Status::Done(named(facts, held & stage.done_when));
    }
    let (Some(from), Some(due_at)) = times else {
        return Status::NoTime;
    };
    if !watched {
        Status::CaseClosed
    } else if from > asof.now {
        Status::NotYet
    } else if stage.severity.lapses_at_due() && asof.now > due_at {
        Status::Lapsed
    } else {
        Status::Active
    }
}

impl RulePack {
    /// Every obligation of every rule that applies to the case's type, in rule order.
    pub fn explain_case(
        &self,
        file: &CaseFile,
        cal: &WorkingCalendar,
        asof: &AsOf,
    ) -> Vec<Obligation> {
        let open = file.case.is_open_on(asof.today);
        let mut out = Vec::new();
        let mut env = Vec::new();
        for (rule_index, rule) in self.rules.iter().enumerate() {
            if !rule.filter.admits(file) {
                continue;
            }
            let watched = open || rule.in_grace(file, asof.today, cal);
            env.clear();
            env.resize(rule.symbols.len(), None);
            for setting in &rule.settings {
                env[setting.slot] = Some(Value::Number(setting.value));
            }
            let facts = rule.selector.facts();
            rule.selector
                .for_each(file, asof, &mut env, |subject, env| {
                    for (slot, e) in &rule.anchors {
                        env[*slot] = e.eval(env, cal);
                    }
                    let instant = |e: &super::expr::Expr| match e.eval(env, cal) {
                        Some(Value::Instant(t)) => Some(t),
                        _ => None,
                    };
                    let stages = rule
                        .stages
                        .iter()
                        .enumerate()
                        .map(|(i, stage)| {
                            let times = (instant(&stage.from), instant(&stage.due_at));
                            StageState {
                                stage: i,
                                from: times.0,
                                due_at: times.1,
                                status: status(stage, facts, subject.facts, times, watched, asof),
                            }
                        })
                        .collect();
                    out.push(Obligation {
                        rule: rule_index,
                        subject_id: subject.id.to_string(),
                        anchors: (0..rule.symbols.len())
                            .map(|slot| (rule.symbols.name(slot).to_owned(), env[slot]))
                            .collect(),
                        facts: facts
                            .iter()
                            .enumerate()
                            .map(|(bit, name)| (*name, subject.facts & (1 << bit) != 0))
                            .collect(),
                        stages,
                    });
                });
        }
        out
    }
}
