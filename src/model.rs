//! The canonical case schema (SPEC section 2) as Rust types, parsed once at the edge by `source`.
//!
//! Everything here is read-only input to the rules: casewatch never writes the case database.

use std::borrow::Borrow;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }
    };
}

id_type!(
    /// `staff.staff_id`.
    StaffId
);
id_type!(
    /// `cases.case_id`.
    CaseId
);
id_type!(
    /// `children.child_id`.
    ChildId
);

/// A row of `staff`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Staff {
    pub id: StaffId,
    pub display_name: String,
    pub email: Option<String>,
    /// `worker`, `personal_adviser`, `practice_manager`, `team_manager`, `senior_manager`, or a local role.
    pub role: String,
    pub team: Option<String>,
    pub manager_id: Option<StaffId>,
    pub cover_id: Option<StaffId>,
    pub absent_from: Option<NaiveDate>,
    pub absent_until: Option<NaiveDate>,
    pub active: bool,
}

/// A row of `children`. Names are personal data: they never reach a log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Child {
    pub id: ChildId,
    pub display_ref: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
}

/// `cases.care_leaver_category`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CareLeaverCategory {
    Eligible,
    Relevant,
    FormerRelevant,
    Qualifying,
}

impl CareLeaverCategory {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "eligible" => Self::Eligible,
            "relevant" => Self::Relevant,
            "former_relevant" => Self::FormerRelevant,
            "qualifying" => Self::Qualifying,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eligible => "eligible",
            Self::Relevant => "relevant",
            Self::FormerRelevant => "former_relevant",
            Self::Qualifying => "qualifying",
        }
    }
}

/// A row of `cases`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    pub id: CaseId,
    pub child_id: ChildId,
    /// `CIN`, `CP`, `CLA`, `CARE_LEAVER`, or a local type (ignored by rules that do not name it).
    pub case_type: String,
    pub allocated_worker_id: Option<StaffId>,
    pub opened_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub care_leaver_category: Option<CareLeaverCategory>,
}

impl Case {
    /// SPEC section 2: open on `date` when `opened_on <= date` and it is not closed on or before `date`.
    pub fn is_open_on(&self, date: NaiveDate) -> bool {
        self.opened_on <= date && self.closed_on.is_none_or(|closed| closed > date)
    }
}

/// `visits.visit_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitType {
    /// A CIN, CP or CLA statutory visit.
    Statutory,
    /// A care leaver's keep-in-touch visit.
    Kit,
    Other,
}

impl VisitType {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "statutory" => Self::Statutory,
            "kit" => Self::Kit,
            "other" => Self::Other,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Statutory => "statutory",
            Self::Kit => "kit",
            Self::Other => "other",
        }
    }
}

/// A row of `visits`. `child_seen == false` is a failed visit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Visit {
    pub id: String,
    pub case_id: CaseId,
    pub visit_type: VisitType,
    pub visit_at: DateTime<Utc>,
    pub child_seen: bool,
    pub worker_id: Option<StaffId>,
    pub note_created_at: Option<DateTime<Utc>>,
    pub note_finalised_at: Option<DateTime<Utc>>,
    pub manager_comment_at: Option<DateTime<Utc>>,
    pub ssda903_recorded: bool,
}

/// A row of `assessments` (a C&F assessment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    pub id: String,
    pub case_id: CaseId,
    pub started_on: NaiveDate,
    pub referral_on: Option<NaiveDate>,
    /// 10, 30 or 45 in LCS; any positive number is accepted.
    pub priority_working_days: u32,
    pub priority_set_at: Option<DateTime<Utc>>,
    pub completed_on: Option<NaiveDate>,
    pub worker_id: Option<StaffId>,
}

/// A row of `management_decisions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub id: String,
    pub case_id: CaseId,
    pub decided_at: DateTime<Utc>,
    pub manager_id: Option<StaffId>,
    /// `failed_visit_escalation`, `case_direction`, or a local kind.
    pub kind: String,
}

/// A row of `case_events` (SPEC section 8.1): something that happened to a case and starts a clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseEvent {
    pub id: String,
    pub case_id: CaseId,
    /// `strategy_needed`, `became_looked_after`, `returned_from_missing`, … (free text named by rule files).
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub staff_id: Option<StaffId>,
    pub detail: Option<String>,
}

/// A row of `meetings` (SPEC section 8.1): planned (`scheduled_at`) and held (`held_at`) meetings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meeting {
    pub id: String,
    pub case_id: CaseId,
    /// `strategy`, `icpc`, `rcpc`, `core_group`, `cla_review`, … (free text named by rule files).
    pub kind: String,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub held_at: Option<DateTime<Utc>>,
    /// A cancelled meeting is never held, whatever `held_at` says.
    pub cancelled: bool,
    pub chair_id: Option<StaffId>,
}

/// A row of `records` (SPEC section 8.1): a document or note that is the evidence something was done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub id: String,
    pub case_id: CaseId,
    /// `care_plan`, `conference_record`, `case_summary`, … (free text named by rule files).
    pub kind: String,
    /// When the recorded thing happened.
    pub about_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub authorised_at: Option<DateTime<Utc>>,
    pub staff_id: Option<StaffId>,
    pub meeting_id: Option<String>,
    pub event_id: Option<String>,
}

/// The optional tables of SPEC section 8.1 that a rule pack reads: a source reads only these.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct OptionalTables {
    pub events: bool,
    pub meetings: bool,
    pub records: bool,
}

impl OptionalTables {
    pub const ALL: OptionalTables = OptionalTables {
        events: true,
        meetings: true,
        records: true,
    };

    pub fn union(self, other: OptionalTables) -> OptionalTables {
        OptionalTables {
            events: self.events || other.events,
            meetings: self.meetings || other.meetings,
            records: self.records || other.records,
        }
    }

    pub fn is_empty(self) -> bool {
        !(self.events || self.meetings || self.records)
    }

    /// The tables' names in the case database, in SPEC order.
    pub fn names(self) -> Vec<&'static str> {
        [
            (self.events, "case_events"),
            (self.meetings, "meetings"),
            (self.records, "records"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }
}

/// One case with everything the rules read about it: the unit of streaming evaluation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseFile {
    pub case: Case,
    pub child: Child,
    /// Ordered by `(visit_at, id)`.
    pub visits: Vec<Visit>,
    /// Ordered by `id`.
    pub assessments: Vec<Assessment>,
    /// Ordered by `(decided_at, id)`.
    pub decisions: Vec<Decision>,
    /// Ordered by `(occurred_at, id)`; empty unless an enabled rule reads `case_events`.
    pub events: Vec<CaseEvent>,
    /// Ordered by `id`; empty unless an enabled rule reads `meetings`.
    pub meetings: Vec<Meeting>,
    /// Ordered by `id`; empty unless an enabled rule reads `records`.
    pub records: Vec<Record>,
}

impl CaseFile {
    /// A case and its child, with no rows yet.
    pub fn new(case: Case, child: Child) -> Self {
        Self {
            case,
            child,
            visits: Vec::new(),
            assessments: Vec::new(),
            decisions: Vec::new(),
            events: Vec::new(),
            meetings: Vec::new(),
            records: Vec::new(),
        }
    }
}

/// One `@` with something either side, a dot in the domain, no spaces: enough to catch a name or a phone number
/// in the wrong place. The relay decides the rest.
pub fn is_email_address(s: &str) -> bool {
    s.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !s.chars().any(char::is_whitespace)
    })
}
