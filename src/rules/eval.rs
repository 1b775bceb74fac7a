//! One case in, its active stages out (SPEC section 4: a stage is active while `from <= now`, the obligation is not
//! done and its case is open; a reminder or warning only until its `due_at`).

use chrono::{DateTime, Utc};

use super::expr::{Expr, Value};
use super::reading::AsOf;
use super::{Rule, RulePack, Severity, Stage};
use crate::calendar::WorkingCalendar;
use crate::model::{CaseFile, CaseId, StaffId};

/// A stage that is active at the evaluation instant, before its roles are resolved to people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveStage {
    /// Index into [`RulePack::rules`].
    pub rule: usize,
    /// Index into that rule's stages.
    pub stage: usize,
    pub severity: Severity,
    pub case_id: CaseId,
    pub child_ref: String,
    pub subject_id: String,
    /// The subject row's own worker, else the case's allocated worker (SPEC section 3).
    pub worker_id: Option<StaffId>,
    /// The subject row's own person, for the `owner` role (an event's or record's staff, a meeting's chair).
    pub owner_id: Option<StaffId>,
    pub from: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    /// The values of the rule's labelled anchors that this subject has: the facts a notice shows.
    pub facts: Vec<(usize, Value)>,
}

impl ActiveStage {
    pub fn rule<'p>(&self, pack: &'p RulePack) -> &'p Rule {
        &pack.rules[self.rule]
    }

    pub fn stage<'p>(&self, pack: &'p RulePack) -> &'p Stage {
        &pack.rules[self.rule].stages[self.stage]
    }
}

fn instant(e: &Expr, env: &[Option<Value>], cal: &WorkingCalendar) -> Option<DateTime<Utc>> {
    match e.eval(env, cal)? {
        Value::Instant(t) => Some(t),
        _ => None,
    }
}

impl RulePack {
    /// Appends the active stages of every rule for one case to `out`.
    pub fn evaluate_case(
        &self,
        file: &CaseFile,
        cal: &WorkingCalendar,
        asof: &AsOf,
        out: &mut Vec<ActiveStage>,
    ) {
        let mut env = Vec::new();
        for (rule_index, rule) in self.watching(file, cal, asof) {
            rule.fresh_env(&mut env);
            rule.selector
                .for_each(file, asof, &mut env, |subject, env| {
                    for (slot, e) in &rule.anchors {
                        let value = e.eval(env, cal);
                        env[*slot] = value;
                    }
                    for (stage_index, stage) in rule.stages.iter().enumerate() {
                        if subject.facts & stage.when != stage.when
                            || subject.facts & stage.done_when != 0
                        {
                            continue;
                        }
                        // A stage that reads a missing anchor (no referral date, no second failure) does not exist.
                        let (Some(from), Some(due_at)) = (
                            instant(&stage.from, env, cal),
                            instant(&stage.due_at, env, cal),
                        ) else {
                            continue;
                        };
                        if from > asof.now || (stage.severity.lapses_at_due() && asof.now > due_at)
                        {
                            continue;
                        }
                        out.push(ActiveStage {
                            rule: rule_index,
                            stage: stage_index,
                            severity: stage.severity,
                            case_id: file.case.id.clone(),
                            child_ref: file.child.display_ref.clone(),
                            subject_id: subject.id.to_string(),
                            worker_id: subject
                                .worker_id
                                .or(file.case.allocated_worker_id.as_ref())
                                .cloned(),
                            owner_id: subject.owner_id.cloned(),
                            from,
                            due_at,
                            facts: rule
                                .labels
                                .iter()
                                .filter_map(|(slot, _)| env[*slot].map(|v| (*slot, v)))
                                .collect(),
                        });
                    }
                });
        }
    }
}

impl RulePack {
    /// Calls `seen(rule index, subject id)` for every subject each rule watches on this case now, done or not:
    /// what `check-config`'s readiness report counts (SPEC 6a).
    pub fn for_each_subject(
        &self,
        file: &CaseFile,
        cal: &WorkingCalendar,
        asof: &AsOf,
        mut seen: impl FnMut(usize, &str),
    ) {
        let mut env = Vec::new();
        for (rule_index, rule) in self.watching(file, cal, asof) {
            rule.fresh_env(&mut env);
            rule.selector.for_each(file, asof, &mut env, |subject, _| {
                seen(rule_index, &subject.id)
            });
        }
    }
}

impl RulePack {
    /// The rules that look at this case now: those whose case filter admits it, while it is open or, for a rule
    /// with `after_close`, in its grace after closing.
    fn watching<'p>(
        &'p self,
        file: &'p CaseFile,
        cal: &'p WorkingCalendar,
        asof: &'p AsOf,
    ) -> impl Iterator<Item = (usize, &'p Rule)> + 'p {
        let open = file.case.is_open_on(asof.today);
        let any_after_close = open || self.rules.iter().any(|r| r.after_close.is_some());
        self.rules.iter().enumerate().filter(move |(_, rule)| {
            any_after_close
                && rule.filter.admits(file)
                && (open || rule.in_grace(file, asof.today, cal))
        })
    }
}

impl Rule {
    /// `env` made ready for one subject of this rule: a slot per symbol, the settings written in.
    fn fresh_env(&self, env: &mut Vec<Option<Value>>) {
        env.clear();
        env.resize(self.symbols.len(), None);
        for setting in &self.settings {
            env[setting.slot] = Some(Value::Number(setting.value));
        }
    }
}
