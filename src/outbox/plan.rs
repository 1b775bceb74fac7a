//! From evaluated lines to notice drafts: one per stage episode, recipient and channel (roles that resolve to the
//! same person are told once), with repeat occurrences and webhook routes.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;

use super::DeliverySettings;
use crate::calendar::{self, WorkingCalendar};
use crate::channels::Item;
use crate::evaluate::Line;
use crate::recipients::Directory;
use crate::rules::expr::Unit;
use crate::rules::{Role, RulePack, Severity};

/// `[[routes]]`: notices matching every given list also go to webhooks (and, unless `email = false`, still to
/// the person's email). An absent list matches anything.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub roles: Option<Vec<Role>>,
    /// The resolved person's `staff.team`.
    pub teams: Option<Vec<String>>,
    /// Staff ids.
    pub staff: Option<Vec<String>>,
    pub severities: Option<Vec<Severity>>,
    pub rules: Option<Vec<String>>,
    /// Webhook names (`[[webhooks]]`) that get these notices.
    #[serde(default)]
    pub webhooks: Vec<String>,
    #[serde(default = "yes")]
    pub email: bool,
}

fn yes() -> bool {
    true
}

impl Route {
    fn matches(&self, line: &Line, team: Option<&str>) -> bool {
        fn any<T: PartialEq>(list: &Option<Vec<T>>, value: &T) -> bool {
            list.as_ref().is_none_or(|l| l.contains(value))
        }
        any(&self.roles, &line.role)
            && any(&self.severities, &line.severity)
            && any(&self.rules, &line.rule)
            && self
                .teams
                .as_ref()
                .is_none_or(|t| team.is_some_and(|team| t.iter().any(|x| x == team)))
            && self
                .staff
                .as_ref()
                .is_none_or(|s| line.staff_id.as_ref().is_some_and(|id| s.contains(id)))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    Digest,
    Immediate,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Digest => "digest",
            Delivery::Immediate => "immediate",
        }
    }
}

/// A notice before it is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    /// Unique per stage episode, occurrence, channel and recipient: enqueueing the same draft twice is a no-op.
    pub key: String,
    pub occurrence: u32,
    pub roles: Vec<Role>,
    pub channel: String,
    pub address: String,
    pub staff_id: Option<String>,
    pub to_name: Option<String>,
    pub delivery: Delivery,
    pub item: Item,
}

/// The email channel's name in notices and messages.
pub const EMAIL: &str = "email";

pub fn plan(
    lines: &[Line],
    pack: &RulePack,
    directory: &Directory,
    settings: &DeliverySettings,
    routes: &[Route],
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
) -> Vec<Draft> {
    let mut drafts: BTreeMap<String, Draft> = BTreeMap::new();
    for line in lines {
        let Some(stage) = pack
            .rule(&line.rule)
            .and_then(|r| r.stages.iter().find(|s| s.name == line.stage))
        else {
            continue;
        };
        let title = pack
            .rule(&line.rule)
            .map_or(line.rule.clone(), |r| r.title.clone());
        let occurrence = occurrence(stage.repeat_every, line.from, now, calendar);
        let person = line
            .staff_id
            .as_ref()
            .and_then(|id| directory.get(&id.as_str().into()));
        let team = person.and_then(|p| p.team.as_deref());
        let matching: Vec<&Route> = routes.iter().filter(|r| r.matches(line, team)).collect();
        let delivery = if settings.immediate.contains(&line.severity) {
            Delivery::Immediate
        } else {
            Delivery::Digest
        };
        let episode = format!(
            "{}|{}|{}|{}|{occurrence}",
            line.rule,
            line.subject_id,
            line.stage,
            line.from.to_rfc3339_opts(SecondsFormat::Secs, true)
        );
        let mut targets: Vec<(String, String, String)> = Vec::new();
        if matching.iter().all(|r| r.email) {
            let who = match &line.staff_id {
                Some(id) => format!("staff:{id}"),
                None => format!("fallback:{}", line.address),
            };
            targets.push((EMAIL.to_owned(), line.address.clone(), who));
        }
        for name in matching.iter().flat_map(|r| &r.webhooks) {
            targets.push((name.clone(), name.clone(), format!("webhook:{name}")));
        }
        for (channel, address, who) in targets {
            let key = format!("{episode}|{channel}|{who}");
            let webhook = channel != EMAIL;
            let draft = drafts.entry(key.clone()).or_insert_with(|| Draft {
                key,
                occurrence,
                roles: Vec::new(),
                channel,
                address,
                staff_id: if webhook { None } else { line.staff_id.clone() },
                to_name: if webhook {
                    None
                } else {
                    person.map(|p| p.display_name.clone())
                },
                delivery,
                item: Item {
                    rule: line.rule.clone(),
                    title: title.clone(),
                    stage: line.stage.clone(),
                    severity: line.severity.to_string(),
                    case_id: line.case_id.clone(),
                    subject_id: line.subject_id.clone(),
                    child: line.child_label.clone(),
                    due_at: line.due_at,
                    from: line.from,
                    role: String::new(),
                },
            });
            if !draft.roles.contains(&line.role) {
                draft.roles.push(line.role);
            }
        }
    }
    drafts
        .into_values()
        .map(|mut d| {
            d.item.role = d
                .roles
                .iter()
                .map(|r| r.name())
                .collect::<Vec<_>>()
                .join(", ");
            d
        })
        .collect()
}

/// Which repeat of a stage is due: 0 at `from`, then one more every interval while it stays active.
pub fn occurrence(
    repeat: Option<(i64, Unit)>,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
    calendar: &WorkingCalendar,
) -> u32 {
    let Some((every, unit)) = repeat else {
        return 0;
    };
    let (start, today) = (calendar::local_date(from), calendar::local_date(now));
    let mut n = 0u32;
    loop {
        let step = every * i64::from(n + 1);
        let next = match unit {
            Unit::WorkingDays => calendar.add_working_days(start, step as i32),
            Unit::Days => start + chrono::Duration::days(step),
            Unit::Weeks => start + chrono::Duration::days(7 * step),
            Unit::Months => calendar::add_months(start, step as i32),
        };
        // A repeat falls due at the start of its day; stop well before any overflow.
        if next > today || n >= 10_000 {
            return n;
        }
        n += 1;
    }
}
