//! Rules as data: a rule file (`config/rules/*.toml`) names a subject selector, anchors and stages; this module
//! loads and checks it, and [`RulePack::evaluate_case`] turns one case into its active stages. Pure: rows, a
//! calendar and `now` in, stages out.

pub mod describe;
mod eval;
pub mod evidence;
pub mod explain;
pub mod expr;
pub mod facts;
pub mod guidance;
mod labels;
mod load;
mod phrases;
mod reading;
pub mod shape;
pub mod subject;
pub mod vocabulary;

pub use labels::RoleLabels;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use eval::ActiveStage;
pub use load::RuleError;
pub use reading::AsOf;

use chrono::NaiveDate;

use crate::calendar::WorkingCalendar;
use crate::model::{CaseFile, OptionalTables};
use expr::{Expr, Symbols, Unit};
use subject::{CaseFilter, Selector};

/// The rule pack built into the binary (SPEC section 4).
pub const DEFAULT_RULES: &str = include_str!("../../config/rules/default.toml");

/// The built-in packs that `rules.packs` switches on (SPEC section 8.2), each named after its seed, and `national`:
/// the statutory visits and reviews of national law and guidance.
pub const PACKS: [(&str, &str); 6] = [
    ("lcs", include_str!("../../config/rules/packs/lcs.toml")),
    (
        "havering",
        include_str!("../../config/rules/packs/havering.toml"),
    ),
    ("luton", include_str!("../../config/rules/packs/luton.toml")),
    (
        "isle-of-wight",
        include_str!("../../config/rules/packs/isle-of-wight.toml"),
    ),
    (
        "enfield",
        include_str!("../../config/rules/packs/enfield.toml"),
    ),
    (
        "national",
        include_str!("../../config/rules/packs/national.toml"),
    ),
];

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

/// Who is told (SPEC section 3): the management chain from the worker, the obligation's own owner, or a fixed team
/// address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Worker,
    Supervisor,
    TeamManager,
    SeniorManager,
    /// The subject row's own person: an event's or record's `staff_id`, a meeting's chair (SPEC 8.3 leaves the
    /// rest of the chain to the worker). For duties outside the worker's management chain: IROs, chairs, duty.
    Owner,
    /// A fixed address from `notify.teams` (the placements team, the duty manager): `team:NAME`.
    Team(TeamName),
}

/// A team's name as rule files write it after `team:`, interned once so roles stay `Copy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TeamName(&'static str);

impl TeamName {
    /// Interns `name`: the same name always gives the same `&'static str`, so a reload does not leak again.
    pub fn new(name: &str) -> TeamName {
        static NAMES: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
        let mut names = NAMES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(&known) = names.iter().find(|n| **n == name) {
            return TeamName(known);
        }
        let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
        names.push(leaked);
        TeamName(leaked)
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl Role {
    /// The management chain, in order from the worker.
    pub const CHAIN: [Role; 4] = [
        Role::Worker,
        Role::Supervisor,
        Role::TeamManager,
        Role::SeniorManager,
    ];

    pub fn parse(text: &str) -> Result<Role, String> {
        Ok(match text {
            "worker" => Role::Worker,
            "supervisor" => Role::Supervisor,
            "team_manager" => Role::TeamManager,
            "senior_manager" => Role::SeniorManager,
            "owner" => Role::Owner,
            _ => match text.strip_prefix("team:") {
                Some(name)
                    if !name.is_empty()
                        && name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') =>
                {
                    Role::Team(TeamName::new(name))
                }
                _ => {
                    return Err(format!(
                        "unknown role `{text}` (expected worker, supervisor, team_manager, senior_manager, \
                         owner or team:NAME)"
                    ));
                }
            },
        })
    }

    /// The role as rule files and `evaluate` write it.
    pub fn name(self) -> std::borrow::Cow<'static, str> {
        match self {
            Role::Worker => "worker".into(),
            Role::Supervisor => "supervisor".into(),
            Role::TeamManager => "team_manager".into(),
            Role::SeniorManager => "senior_manager".into(),
            Role::Owner => "owner".into(),
            Role::Team(team) => format!("team:{}", team.as_str()).into(),
        }
    }

    /// Steps up the management chain from the person the chain starts at (the worker, or the owner).
    pub fn level(self) -> Option<usize> {
        match self {
            Role::Worker | Role::Owner => Some(0),
            Role::Supervisor => Some(1),
            Role::TeamManager => Some(2),
            Role::SeniorManager => Some(3),
            Role::Team(_) => None,
        }
    }

    /// How a person reads the role in a notice: the authority's word (`notify.role_labels`).
    pub fn label(self) -> std::borrow::Cow<'static, str> {
        match self {
            Role::Worker => RoleLabels::current(|l| &l.worker, "worker"),
            Role::Supervisor => RoleLabels::current(|l| &l.supervisor, "practice manager"),
            Role::TeamManager => RoleLabels::current(|l| &l.team_manager, "team manager"),
            Role::SeniorManager => RoleLabels::current(|l| &l.senior_manager, "senior manager"),
            Role::Owner => "owner".into(),
            Role::Team(team) => format!("{} team", team.as_str()).into(),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl Serialize for Role {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Role::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A stage of an obligation: when it starts, when it is due, how serious it is and who is told.
#[derive(Clone, Debug)]
pub struct Stage {
    pub name: String,
    /// The stage's name for people, in notices.
    pub label: String,
    /// What to do, in plain words, in notices.
    pub action: String,
    pub from: Expr,
    pub due_at: Expr,
    /// `from` and `due_at` as written (or as the common ladder wrote them), for people.
    pub from_text: String,
    pub due_text: String,
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
    /// The pack it came from: `default`, a built-in pack's name, or a local file's `pack` (else `local`).
    pub pack: String,
    /// The row of seed-timescales.md it implements, e.g. `hv-icpc-record`.
    pub row: Option<String>,
    /// The `due` expression as written, for rules with one.
    pub due: Option<String>,
    pub title: String,
    pub guidance: Option<String>,
    pub selector: Selector,
    pub filter: CaseFilter,
    pub symbols: Symbols,
    /// The rule's own anchors in evaluation order: (slot, expression).
    pub anchors: Vec<(usize, Expr)>,
    pub stages: Vec<Stage>,
    /// How long after a case closes the rule still watches it ("a closing summary within 3 working days once
    /// closure is agreed"): SPEC rules look only at open cases, so a duty that falls after closure needs this.
    pub after_close: Option<(i64, Unit)>,
    /// Numbers the rule's expressions name, changeable with `rules.settings` (local policy intervals).
    pub settings: Vec<Setting>,
    /// The anchors notices show as facts, with their words for people: (slot, label).
    pub labels: Vec<(usize, String)>,
}

/// A number a rule names in its expressions, with its value after `rules.settings`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    pub name: String,
    pub slot: usize,
    pub value: i64,
}

/// The enabled rules, in the order they were loaded.
#[derive(Clone, Debug, Default)]
pub struct RulePack {
    pub rules: Vec<Rule>,
}

impl Rule {
    /// Whether a closed case is still within this rule's `after_close` period on `today`: from its `closed_on` up
    /// to and including `closed_on` plus the period.
    pub fn in_grace(&self, file: &CaseFile, today: NaiveDate, cal: &WorkingCalendar) -> bool {
        let (Some((n, unit)), Some(closed)) = (self.after_close, file.case.closed_on) else {
            return false;
        };
        file.case.opened_on <= today
            && closed <= today
            && unit.shift(closed, n, cal).is_some_and(|last| today <= last)
    }

    /// The optional tables (SPEC section 8.1) this rule reads.
    pub fn tables(&self) -> OptionalTables {
        self.selector.tables()
    }
}

impl RulePack {
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The earliest `closed_on` a case may have and still be watched on `today` by a rule with `after_close`: a
    /// source reads cases closed after this date as well as open ones. `None` when no rule has `after_close`.
    pub fn closed_since(&self, today: NaiveDate, cal: &WorkingCalendar) -> Option<NaiveDate> {
        self.rules
            .iter()
            .filter_map(|r| r.after_close)
            .filter_map(|(n, unit)| unit.shift(today, -n, cal))
            .min()
            .map(|d| d.pred_opt().unwrap_or(d))
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
