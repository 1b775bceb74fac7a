//! Rules as data: a rule file (`config/rules/*.toml`) names a subject selector, anchors and stages; this module
//! loads and checks it, and [`RulePack::evaluate_case`] turns one case into its active stages. Pure: rows, a
//! calendar and `now` in, stages out.

mod eval;
pub mod expr;
mod load;
pub mod subject;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use eval::ActiveStage;
pub use load::RuleError;
pub use subject::AsOf;

use crate::model::OptionalTables;
use expr::{Expr, Symbols, Unit};
use subject::{CaseFilter, Selector};

/// The rule pack built into the binary (SPEC section 4).
pub const DEFAULT_RULES: &str = include_str!("../../config/rules/default.toml");

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Reminder,
    Warning,
    Breach,
    Escalation,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Reminder => "reminder",
            Severity::Warning => "warning",
            Severity::Breach => "breach",
            Severity::Escalation => "escalation",
        }
    }

    /// Reminders and warnings look ahead to a due time and lapse at it; breaches and escalations stand until done.
    pub fn lapses_at_due(self) -> bool {
        matches!(self, Severity::Reminder | Severity::Warning)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who is told, resolved through the staff hierarchy (SPEC section 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Worker,
    Supervisor,
    TeamManager,
    SeniorManager,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Worker,
        Role::Supervisor,
        Role::TeamManager,
        Role::SeniorManager,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Worker => "worker",
            Role::Supervisor => "supervisor",
            Role::TeamManager => "team_manager",
            Role::SeniorManager => "senior_manager",
        }
    }

    /// Steps up the management chain from the worker.
    pub fn level(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stage of an obligation: when it starts, when it is due, how serious it is and who is told.
#[derive(Clone, Debug)]
pub struct Stage {
    pub name: String,
    pub from: Expr,
    pub due_at: Expr,
    pub severity: Severity,
    pub notify: Vec<Role>,
    /// Facts that must all hold for the stage to exist (bit mask over the selector's facts).
    pub when: u32,
    /// Facts any of which end the stage (including the rule's own `done_when`).
    pub done_when: u32,
    /// Re-notify while the stage stays active, every so many working days, days or months.
    pub repeat_every: Option<(i64, Unit)>,
}

/// One rule: a selector, its anchors and its stages.
#[derive(Clone, Debug)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub guidance: Option<String>,
    pub selector: Selector,
    pub filter: CaseFilter,
    pub symbols: Symbols,
    /// The rule's own anchors in evaluation order: (slot, expression).
    pub anchors: Vec<(usize, Expr)>,
    pub stages: Vec<Stage>,
}

/// The enabled rules, in the order they were loaded.
#[derive(Clone, Debug, Default)]
pub struct RulePack {
    pub rules: Vec<Rule>,
}

impl Rule {
    /// The optional tables (SPEC section 8.1) this rule reads.
    pub fn tables(&self) -> OptionalTables {
        self.selector.tables()
    }
}

impl RulePack {
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The optional tables any enabled rule reads: a source reads only these (SPEC section 8.1).
    pub fn tables(&self) -> OptionalTables {
        self.rules
            .iter()
            .fold(OptionalTables::default(), |all, rule| {
                all.union(rule.tables())
            })
    }
}
