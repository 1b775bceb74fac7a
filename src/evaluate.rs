//! `casewatch evaluate`: every enabled rule against the case database as of an instant, resolved to people, in the
//! order and shape of SPEC section 5. Reads only; sends and writes nothing.

use std::io::{self, Write};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

use crate::calendar::{self, WorkingCalendar};
use crate::config::ChildIdentifier;
use crate::model::{CaseFile, Child};
use crate::recipients::{Directory, Resolver};
use crate::rules::expr::Value;
use crate::rules::{ActiveStage, AsOf, Role, RulePack, Severity};

/// One (active stage × recipient role): a line of `evaluate`'s output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Line {
    pub rule: String,
    pub stage: String,
    pub case_id: String,
    pub subject_id: String,
    pub child_ref: String,
    #[serde(serialize_with = "utc_seconds")]
    pub due_at: DateTime<Utc>,
    #[serde(serialize_with = "utc_seconds")]
    pub from: DateTime<Utc>,
    pub role: Role,
    /// The person after absence cover; `null` when the fallback mailbox is used.
    pub staff_id: Option<String>,
    pub address: String,
    pub severity: Severity,
    /// The role's position in the rule's `notify` list, for ordering.
    #[serde(skip)]
    pub role_order: usize,
    /// How notices name the child, per `notify.child_identifier`. Never printed by `evaluate`, never logged.
    #[serde(skip)]
    pub child_label: String,
    /// The facts behind the stage: the rule's labelled anchors (slot, value), for notices.
    #[serde(skip)]
    pub facts: Vec<(usize, Value)>,
    /// Whose caseload the obligation is on (the subject's worker, else the case's allocated worker), for the
    /// managers' summary: a manager's part of the service is their reports' caseloads.
    #[serde(skip)]
    pub worker_id: Option<String>,
}

/// The child as a notice names them: the case reference unless names are configured.
pub fn child_label(child: &Child, identifier: ChildIdentifier) -> String {
    let reference = &child.display_ref;
    let names = [child.given_name.as_deref(), child.family_name.as_deref()];
    let names: Vec<&str> = names
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    match identifier {
        _ if names.is_empty() => reference.clone(),
        ChildIdentifier::Reference => reference.clone(),
        ChildIdentifier::Initials => {
            let initials: String = names
                .iter()
                .filter_map(|n| n.chars().next())
                .flat_map(|c| c.to_uppercase().chain(['.']))
                .collect();
            format!("{initials} ({reference})")
        }
        ChildIdentifier::FullName => format!("{} ({reference})", names.join(" ")),
    }
}

fn utc_seconds<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// Turns case files into resolved lines, one case at a time, so the caseload is never held in memory.
pub struct Evaluator<'a> {
    pack: &'a RulePack,
    calendar: &'a WorkingCalendar,
    asof: AsOf,
    resolver: Resolver<'a>,
    stages: Vec<ActiveStage>,
    lines: Vec<Line>,
    cases: u64,
    child_identifier: ChildIdentifier,
}

impl<'a> Evaluator<'a> {
    pub fn new(
        pack: &'a RulePack,
        calendar: &'a WorkingCalendar,
        directory: &'a Directory,
        fallback_address: &str,
        now: DateTime<Utc>,
    ) -> Self {
        let asof = AsOf::new(now);
        Self {
            pack,
            calendar,
            asof,
            resolver: Resolver::new(directory, asof.today, fallback_address),
            stages: Vec::new(),
            lines: Vec::new(),
            cases: 0,
            child_identifier: ChildIdentifier::Reference,
        }
    }

    /// Gives `team:NAME` roles their addresses (`notify.teams`).
    pub fn with_teams(mut self, teams: &std::collections::BTreeMap<String, String>) -> Self {
        self.resolver = self.resolver.with_teams(teams);
        self
    }

    /// Name children in notices by initials or full name instead of the case reference.
    pub fn with_child_identifier(mut self, identifier: ChildIdentifier) -> Self {
        self.child_identifier = identifier;
        self
    }

    pub fn add_case(&mut self, file: &CaseFile) {
        self.cases += 1;
        self.stages.clear();
        self.pack
            .evaluate_case(file, self.calendar, &self.asof, &mut self.stages);
        let label =
            (!self.stages.is_empty()).then(|| child_label(&file.child, self.child_identifier));
        for active in &self.stages {
            let rule = active.rule(self.pack);
            let stage = active.stage(self.pack);
            for (role_order, &role) in stage.notify.iter().enumerate() {
                let start = match role {
                    Role::Owner => active.owner_id.as_ref(),
                    _ => active.worker_id.as_ref(),
                };
                let recipient = self.resolver.resolve(start, role);
                self.lines.push(Line {
                    rule: rule.id.clone(),
                    stage: stage.name.clone(),
                    case_id: active.case_id.to_string(),
                    subject_id: active.subject_id.clone(),
                    child_ref: active.child_ref.clone(),
                    due_at: active.due_at,
                    from: active.from,
                    role,
                    staff_id: recipient.staff_id.map(|id| id.0),
                    address: recipient.address,
                    severity: active.severity,
                    role_order,
                    child_label: label.clone().unwrap_or_default(),
                    facts: active.facts.clone(),
                    worker_id: active.worker_id.as_ref().map(|w| w.0.clone()),
                });
            }
        }
    }

    /// Cases seen so far.
    pub fn cases(&self) -> u64 {
        self.cases
    }

    pub fn resolver(&self) -> &Resolver<'a> {
        &self.resolver
    }

    /// The lines in SPEC order: `due_at`, then rule, subject, stage, then the roles in the rule's order.
    pub fn finish(self) -> Vec<Line> {
        let mut lines = self.lines;
        lines.sort_by(|a, b| {
            (
                a.due_at,
                &a.rule,
                &a.subject_id,
                &a.stage,
                a.role_order,
                &a.case_id,
            )
                .cmp(&(
                    b.due_at,
                    &b.rule,
                    &b.subject_id,
                    &b.stage,
                    b.role_order,
                    &b.case_id,
                ))
        });
        lines
    }
}

/// How `evaluate` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per line (SPEC section 5).
    Json,
    /// Aligned columns for a person, times in UK local time.
    Table,
}

pub fn write(lines: &[Line], format: Format, out: &mut impl Write) -> io::Result<()> {
    match format {
        Format::Json => {
            for line in lines {
                serde_json::to_writer(&mut *out, line)?;
                out.write_all(b"\n")?;
            }
        }
        Format::Table => write_table(lines, out)?,
    }
    out.flush()
}

fn write_table(lines: &[Line], out: &mut impl Write) -> io::Result<()> {
    let local = |t: DateTime<Utc>| {
        t.with_timezone(&calendar::LONDON)
            .format("%a %d %b %Y %H:%M")
            .to_string()
    };
    let header = [
        "DUE (UK TIME)",
        "SEVERITY",
        "RULE",
        "STAGE",
        "CASE",
        "CHILD",
        "SUBJECT",
        "ROLE",
        "STAFF",
        "ADDRESS",
    ];
    let rows: Vec<[String; 10]> = lines
        .iter()
        .map(|l| {
            [
                local(l.due_at),
                l.severity.to_string(),
                l.rule.clone(),
                l.stage.clone(),
                l.case_id.clone(),
                l.child_ref.clone(),
                l.subject_id.clone(),
                l.role.to_string(),
                l.staff_id.clone().unwrap_or_else(|| "-".into()),
                l.address.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut print = |cells: &[&str]| -> io::Result<()> {
        let text: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        writeln!(out, "{}", text.join("  ").trim_end())
    };
    print(&header)?;
    for row in &rows {
        print(&row.each_ref().map(String::as_str))?;
    }
    writeln!(out, "{} line(s)", rows.len())
}
