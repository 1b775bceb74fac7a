//! Who is told: the role chain through `staff.manager_id` and absence cover through `staff.cover_id` (SPEC
//! section 3). A role that cannot be resolved goes to the fallback mailbox: a missing recipient never drops a notice.

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::NaiveDate;

use crate::model::{Staff, StaffId};
use crate::rules::Role;

/// SPEC section 3: a person is replaced by their cover, and that cover by theirs, for at most 3 hops.
const MAX_COVER_HOPS: usize = 3;

/// Why a role went to the fallback mailbox. Carries staff ids only: never names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Unresolved {
    /// The chain has no one at this step (no allocated worker, or a NULL `manager_id`): `after` is the person
    /// whose `manager_id` is NULL, `None` when there is no worker (or owner) to start from.
    NullLink { role: Role, after: Option<StaffId> },
    /// A `manager_id`, `worker_id` or `cover_id` that names no staff row.
    UnknownId { id: StaffId },
    /// The chain or the cover chain comes back to someone already in it.
    Loop { id: StaffId },
    /// Absent or inactive, and no available cover within three hops.
    NoAvailableCover { id: StaffId },
    /// Resolved to someone with no email address and no webhook route.
    Unreachable { id: StaffId },
    /// A `team:NAME` role whose name `notify.teams` does not give an address.
    UnknownTeam { team: String },
}

impl Unresolved {
    /// A short label for metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            Unresolved::NullLink { .. } => "null_link",
            Unresolved::UnknownId { .. } => "unknown_id",
            Unresolved::Loop { .. } => "loop",
            Unresolved::NoAvailableCover { .. } => "no_available_cover",
            Unresolved::Unreachable { .. } => "unreachable",
            Unresolved::UnknownTeam { .. } => "unknown_team",
        }
    }
}

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unresolved::NullLink { role, .. } => write!(f, "no {role} recorded in the chain"),
            Unresolved::UnknownId { id } => write!(f, "staff id {id} is not in the staff table"),
            Unresolved::Loop { id } => write!(f, "the chain loops back to staff id {id}"),
            Unresolved::NoAvailableCover { id } => {
                write!(
                    f,
                    "staff id {id} is absent or inactive with no available cover"
                )
            }
            Unresolved::Unreachable { id } => write!(f, "staff id {id} has no email address"),
            Unresolved::UnknownTeam { team } => {
                write!(f, "team `{team}` has no address in notify.teams")
            }
        }
    }
}

/// Whom a notice in the fallback mailbox was meant for and why it came there, in staff ids (never a child's or
/// a person's name): "Meant for the practice manager of worker S0006. It came here because staff P0003, the
/// practice manager, has no email address." `start` is where the chain began (the worker, or the owner).
pub fn meant_for(start: Option<&StaffId>, role: Role, why: &Unresolved) -> String {
    let label = role.label();
    let whom = match (role, start) {
        (Role::Team(_), _) => format!("the {label}"),
        (Role::Worker | Role::Owner, Some(id)) => format!("the {label}, staff {id}"),
        (Role::Worker, None) => "the case's allocated worker".to_owned(),
        (Role::Owner, None) => "the task's owner".to_owned(),
        (_, Some(id)) => format!("the {label} of worker {id}"),
        (_, None) => format!("the {label} of the case's worker"),
    };
    let because = match why {
        Unresolved::NullLink { after: None, .. } => match role {
            Role::Owner => "the task has no owner recorded".to_owned(),
            _ => "the case has no allocated worker recorded".to_owned(),
        },
        Unresolved::NullLink {
            role: missing,
            after: Some(id),
        } => format!(
            "staff {id} has no manager recorded, so there is no {} in the chain",
            missing.label()
        ),
        Unresolved::UnknownId { id } => {
            format!("the chain names staff {id}, who is not in the staff table")
        }
        Unresolved::Loop { id } => format!(
            "the chain of managers (or of covers) comes back round to staff {id}: it is a loop"
        ),
        Unresolved::NoAvailableCover { id } => {
            format!("staff {id} is away or inactive and has no available cover")
        }
        Unresolved::Unreachable { id } if start == Some(id) => {
            format!("staff {id} has no email address")
        }
        Unresolved::Unreachable { id } => {
            format!("staff {id}, who holds that role, has no email address")
        }
        Unresolved::UnknownTeam { team } => {
            format!("notify.teams gives no address for the `{team}` team")
        }
    };
    format!("Meant for {whom}. It came here because {because}.")
}

/// The staff table, by id.
#[derive(Clone, Debug, Default)]
pub struct Directory {
    staff: HashMap<StaffId, Staff>,
}

impl Directory {
    pub fn new(staff: impl IntoIterator<Item = Staff>) -> Self {
        Self {
            staff: staff.into_iter().map(|s| (s.id.clone(), s)).collect(),
        }
    }

    /// The directory's own copy of `id`, when it has that person.
    pub fn key(&self, id: &StaffId) -> Option<&StaffId> {
        self.staff.get_key_value(id).map(|(key, _)| key)
    }

    pub fn get(&self, id: &StaffId) -> Option<&Staff> {
        self.staff.get(id)
    }

    pub fn len(&self) -> usize {
        self.staff.len()
    }

    pub fn is_empty(&self) -> bool {
        self.staff.is_empty()
    }

    /// The person recorded in `role` for the person the chain starts at (the worker, or an obligation's owner):
    /// the chain over the people recorded, not over their covers.
    fn recorded(&self, start: Option<&StaffId>, role: Role) -> Result<&Staff, Unresolved> {
        let level = role
            .level()
            .ok_or(Unresolved::NullLink { role, after: None })?;
        let first = if role == Role::Owner {
            Role::Owner
        } else {
            Role::Worker
        };
        let mut chain: Vec<&Staff> = Vec::with_capacity(level + 1);
        let mut next = start.ok_or(Unresolved::NullLink {
            role: first,
            after: None,
        })?;
        for step in 0..=level {
            let person = self
                .staff
                .get(next)
                .ok_or_else(|| Unresolved::UnknownId { id: next.clone() })?;
            if chain.iter().any(|p| p.id == person.id) {
                return Err(Unresolved::Loop {
                    id: person.id.clone(),
                });
            }
            chain.push(person);
            if step == level {
                return Ok(person);
            }
            next = person
                .manager_id
                .as_ref()
                .ok_or_else(|| Unresolved::NullLink {
                    role: Role::CHAIN[step + 1],
                    after: Some(person.id.clone()),
                })?;
        }
        unreachable!("the chain stops at the requested role")
    }

    /// The person who takes the notice on `date`: the recorded person, or their cover when they are away.
    pub fn resolve(
        &self,
        worker: Option<&StaffId>,
        role: Role,
        date: NaiveDate,
    ) -> Result<&Staff, Unresolved> {
        let mut person = self.recorded(worker, role)?;
        let mut seen = vec![&person.id];
        for _ in 0..MAX_COVER_HOPS {
            if is_available(person, date) {
                break;
            }
            let cover = person
                .cover_id
                .as_ref()
                .ok_or_else(|| Unresolved::NoAvailableCover {
                    id: person.id.clone(),
                })?;
            if seen.contains(&cover) {
                return Err(Unresolved::Loop { id: cover.clone() });
            }
            person = self
                .staff
                .get(cover)
                .ok_or_else(|| Unresolved::UnknownId { id: cover.clone() })?;
            seen.push(&person.id);
        }
        if !is_available(person, date) {
            return Err(Unresolved::NoAvailableCover {
                id: person.id.clone(),
            });
        }
        Ok(person)
    }
}

/// Active and not absent on `date`: absent when at least one of `absent_from`, `absent_until` is set and `date`
/// lies between them, a NULL end being open.
pub fn is_available(person: &Staff, date: NaiveDate) -> bool {
    let absent = match (person.absent_from, person.absent_until) {
        (None, None) => false,
        (from, until) => from.is_none_or(|f| f <= date) && until.is_none_or(|u| date <= u),
    };
    person.active && !absent
}

/// A resolved recipient of one role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    /// The person after absence cover; `None` when the fallback mailbox is used.
    pub staff_id: Option<StaffId>,
    pub address: String,
    /// Why the fallback mailbox was used.
    pub fallback: Option<Unresolved>,
}

/// Resolves roles for one evaluation date, remembering answers (many cases share a worker) and warning once per
/// distinct failure.
pub struct Resolver<'d> {
    directory: &'d Directory,
    date: NaiveDate,
    fallback_address: String,
    /// `notify.teams`: fixed addresses for `team:NAME` roles.
    teams: HashMap<String, String>,
    /// Where each (worker, role) chain ended, borrowed from the directory and keyed by the directory's own ids, so
    /// an entry holds no copies: owned recipients made this 50 MB at a million children (66,000 staff).
    cache: HashMap<(&'d str, Role), Result<&'d Staff, Unresolved>>,
    fallback_uses: HashMap<&'static str, u64>,
    /// Failures already logged this pass: one staff member without an email address is the practice manager
    /// of dozens of workers, and a national caseload would otherwise log it dozens of times every pass.
    warned: HashSet<String>,
}

impl<'d> Resolver<'d> {
    pub fn new(directory: &'d Directory, date: NaiveDate, fallback_address: &str) -> Self {
        Self {
            directory,
            date,
            fallback_address: fallback_address.to_owned(),
            teams: HashMap::new(),
            cache: HashMap::new(),
            fallback_uses: HashMap::new(),
            warned: HashSet::new(),
        }
    }

    /// Gives `team:NAME` roles their addresses (`notify.teams`).
    pub fn with_teams<'a>(
        mut self,
        teams: impl IntoIterator<Item = (&'a String, &'a String)>,
    ) -> Self {
        self.teams = teams
            .into_iter()
            .map(|(name, address)| (name.clone(), address.clone()))
            .collect();
        self
    }

    /// The recipient of `role`, with the chain starting at `worker` (for [`Role::Owner`], at the owner).
    pub fn resolve(&mut self, worker: Option<&StaffId>, role: Role) -> Recipient {
        let recipient = match role {
            Role::Team(team) => {
                let recipient = self.team(team.as_str());
                self.warn_once(&recipient, None, role);
                recipient
            }
            _ => {
                let directory = self.directory;
                // A worker the directory knows is remembered; no worker, or an unknown one, is quick to answer.
                let key = worker
                    .and_then(|w| directory.key(w))
                    .map(|id| (id.as_str(), role));
                match key.and_then(|key| self.cache.get(&key)) {
                    Some(person) => self.recipient(person.clone()),
                    None => {
                        let person = directory.resolve(worker, role, self.date);
                        if let Some(key) = key {
                            self.cache.insert(key, person.clone());
                        }
                        let recipient = self.recipient(person);
                        self.warn_once(&recipient, worker, role);
                        recipient
                    }
                }
            }
        };
        if let Some(why) = &recipient.fallback {
            *self.fallback_uses.entry(why.reason()).or_default() += 1;
        }
        recipient
    }

    fn warn_once(&mut self, recipient: &Recipient, worker: Option<&StaffId>, role: Role) {
        if let Some(why) = &recipient.fallback
            && self.warned.insert(why.to_string())
        {
            tracing::warn!(
                role = %role,
                worker_id = worker.map(StaffId::as_str),
                reason = why.reason(),
                "recipient not resolved, using the fallback address: {why} \
                 (logged once a pass; casewatch_fallback_recipients_total counts every use)"
            );
        }
    }

    fn team(&self, team: &str) -> Recipient {
        match self.teams.get(team) {
            Some(address) => Recipient {
                staff_id: None,
                address: address.clone(),
                fallback: None,
            },
            None => Recipient {
                staff_id: None,
                address: self.fallback_address.clone(),
                fallback: Some(Unresolved::UnknownTeam {
                    team: team.to_owned(),
                }),
            },
        }
    }

    /// The person a chain ended at, as a recipient: their email, or the fallback mailbox and why.
    fn recipient(&self, person: Result<&Staff, Unresolved>) -> Recipient {
        let resolved = person.and_then(|person| match person.email.as_deref().map(str::trim) {
            Some(email) if !email.is_empty() => Ok((person.id.clone(), email.to_owned())),
            _ => Err(Unresolved::Unreachable {
                id: person.id.clone(),
            }),
        });
        match resolved {
            Ok((id, address)) => Recipient {
                staff_id: Some(id),
                address,
                fallback: None,
            },
            Err(why) => Recipient {
                staff_id: None,
                address: self.fallback_address.clone(),
                fallback: Some(why),
            },
        }
    }

    /// How many recipients went to the fallback mailbox, by reason.
    pub fn fallback_uses(&self) -> &HashMap<&'static str, u64> {
        &self.fallback_uses
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metrics_start_every_fallback_reason_at_zero() {
        let someone = || StaffId::from("");
        let reasons: Vec<&str> = [
            Unresolved::NullLink {
                role: Role::Worker,
                after: None,
            },
            Unresolved::UnknownId { id: someone() },
            Unresolved::Loop { id: someone() },
            Unresolved::NoAvailableCover { id: someone() },
            Unresolved::Unreachable { id: someone() },
            Unresolved::UnknownTeam {
                team: String::new(),
            },
        ]
        .iter()
        .map(Unresolved::reason)
        .collect();
        assert_eq!(reasons, crate::metrics::FALLBACK_REASONS);
    }
}
