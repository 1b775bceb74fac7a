//! From evaluated lines to notice drafts: one per stage episode, recipient and channel (roles that resolve to the
//! same person are told once), with webhook routes, immediate or digest delivery, and what repeats share.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;

use super::DeliverySettings;
use crate::channels::{EMAIL, Item};
use crate::evaluate::Line;
use crate::recipients::Directory;
use crate::rules::describe::action_for;
use crate::rules::expr::Unit;
use crate::rules::{Role, RulePack, Severity};
use crate::store::NewNotice;

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
    /// Whether this route also carries a manager's daily summary: it names them in `staff`, or their team in
    /// `teams` (its other lists are about notices and are not read).
    pub fn selects_manager(&self, manager: &crate::model::Staff) -> bool {
        let named = self
            .staff
            .as_ref()
            .is_some_and(|s| s.contains(&manager.id.0));
        let team = self
            .teams
            .as_ref()
            .is_some_and(|t| manager.team.as_ref().is_some_and(|team| t.contains(team)));
        named || team
    }

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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
    /// `rule|case|subject|stage|from|occurrence|channel|who`: the case too, since two cases' subjects may share an
    /// id.
    pub key: String,
    /// The key without the occurrence: what one recipient's notices of one stage episode share.
    pub repeat_key: String,
    /// 0 for the first notice, then one more for each repeat.
    pub occurrence: u32,
    /// The stage's `repeat_every`.
    pub repeat_every: Option<(i64, Unit)>,
    pub roles: Vec<Role>,
    pub channel: String,
    pub address: String,
    pub staff_id: Option<String>,
    pub to_name: Option<String>,
    pub delivery: Delivery,
    pub item: Item,
    /// `rule|case|subject|stage|from` and `channel|who`: the parts both keys are made of.
    episode: String,
    target: String,
}

impl Draft {
    /// The row the state database stores for this draft.
    pub fn row(&self) -> NewNotice<'_> {
        let roles: Vec<String> = self.roles.iter().map(|r| r.name().into_owned()).collect();
        NewNotice {
            key: &self.key,
            repeat_key: &self.repeat_key,
            rule: &self.item.rule,
            case_id: &self.item.case_id,
            subject_id: &self.item.subject_id,
            stage: &self.item.stage,
            from: self.item.from,
            due_at: self.item.due_at,
            severity: &self.item.severity,
            occurrence: self.occurrence,
            roles: roles.join(","),
            channel: &self.channel,
            address: &self.address,
            staff_id: self.staff_id.as_deref(),
            to_name: self.to_name.as_deref(),
            delivery: self.delivery.as_str(),
            item_json: serde_json::to_string(&self.item).expect("an item serialises"),
        }
    }

    /// This draft as the `n`th repeat of its stage to its recipient.
    pub fn with_occurrence(mut self, n: u32) -> Draft {
        self.key = notice_key(&self.episode, n, &self.target);
        self.occurrence = n;
        self
    }
}

fn notice_key(episode: &str, occurrence: u32, target: &str) -> String {
    format!("{episode}|{occurrence}|{target}")
}

/// The case's address in the case-management system: `notify.case_url` with the case's id (percent-encoded, so
/// an id with a slash or a space still names one path segment) in place of `{case_id}`.
pub fn case_link(template: &str, case_id: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    let id = percent_encoding::utf8_percent_encode(case_id, SEGMENT).to_string();
    template.replace("{case_id}", &id)
}

/// Drafts for the first notice of every active stage to each recipient (repeats: see [`super::repeat`]).
/// Reminders and warnings wait for a digest, unless they lapse before `next_digest` — when a digest composed
/// from a notice enqueued now would go out (`None`: never) — and so go at once, like breaches and escalations.
pub fn plan<'l>(
    lines: impl IntoIterator<Item = &'l Line>,
    pack: &RulePack,
    directory: &Directory,
    settings: &DeliverySettings,
    routes: &[Route],
    next_digest: Option<DateTime<Utc>>,
) -> Vec<Draft> {
    let mut drafts: BTreeMap<String, Draft> = BTreeMap::new();
    for line in lines {
        let Some(stage) = pack
            .rule(&line.rule)
            .and_then(|r| r.stages.iter().find(|s| s.name == line.stage))
        else {
            continue;
        };
        let rule = pack.rule(&line.rule).expect("the stage was found in it");
        let title = rule.title.clone();
        let facts = crate::rules::facts::facts(rule, &line.facts);
        let person = line
            .staff_id
            .as_ref()
            .and_then(|id| directory.get(&id.as_str().into()));
        let team = person.and_then(|p| p.team.as_deref());
        let matching: Vec<&Route> = routes.iter().filter(|r| r.matches(line, team)).collect();
        let lapses_first =
            line.severity.lapses_at_due() && next_digest.is_none_or(|at| line.due_at < at);
        let delivery = if settings.immediate.contains(&line.severity) || lapses_first {
            Delivery::Immediate
        } else {
            Delivery::Digest
        };
        let episode = format!(
            "{}|{}|{}|{}|{}",
            line.rule,
            line.case_id,
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
            let target = format!("{channel}|{who}");
            let key = notice_key(&episode, 0, &target);
            let webhook = channel != EMAIL;
            let draft = drafts.entry(key.clone()).or_insert_with(|| Draft {
                key,
                repeat_key: format!("{episode}|{target}"),
                episode: episode.clone(),
                target,
                occurrence: 0,
                repeat_every: stage.repeat_every,
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
                    stage_label: stage.label.clone(),
                    facts: facts.clone(),
                    history: Vec::new(),
                    action: Some(stage.action.clone()),
                    link: None,
                    meant_for: Vec::new(),
                },
            });
            if !draft.roles.contains(&line.role) {
                draft.roles.push(line.role);
            }
            if let Some(words) = &line.meant_for
                && !draft.item.meant_for.contains(words)
            {
                draft.item.meant_for.push(words.clone());
            }
        }
    }
    drafts
        .into_values()
        .map(|mut d| {
            d.item.action = d
                .item
                .action
                .as_deref()
                .map(|a| action_for(a, &d.roles).to_owned());
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
