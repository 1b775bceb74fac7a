//! `casewatch evaluate`: every enabled rule against the case database as of an instant, resolved to people, in the
//! order and shape of SPEC section 5. Reads only; sends and writes nothing.

mod active;
pub mod sorted;

use std::io::{self, Write};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize, Serializer};

pub use active::active_stage_counts;
pub use sorted::{Keeper, SortedLines};

use crate::calendar::{self, WorkingCalendar};
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
    /// SPEC 6a: the obligation was due before `delivery.tell_from` (the go-live backlog): shown, never told one by
    /// one. Printed only when true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub backlog: bool,
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
    /// In the fallback mailbox: whom the line was meant for and why it came there (staff ids only).
    #[serde(skip)]
    pub meant_for: Option<String>,
}

/// How notices name a child (`notify.child_identifier`): the case reference unless configured otherwise.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChildIdentifier {
    #[default]
    Reference,
    Initials,
    FullName,
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
    /// The start of `delivery.tell_from`: obligations due before it are the backlog.
    backlog_before: Option<DateTime<Utc>>,
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
            backlog_before: None,
        }
    }

    /// Marks as backlog the lines of obligations due before `before` (SPEC 6a, `delivery.tell_from`).
    pub fn with_backlog_before(mut self, before: DateTime<Utc>) -> Self {
        self.backlog_before = Some(before);
        self
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

    /// Evaluates a case, keeping its lines for [`Evaluator::finish`].
    pub fn add_case(&mut self, file: &CaseFile) {
        let mut lines = std::mem::take(&mut self.lines);
        self.add_case_to(file, &mut |line| lines.push(line));
        self.lines = lines;
    }

    /// Evaluates a case, handing each line to `out` (in case order, not SPEC order).
    pub fn add_case_to(&mut self, file: &CaseFile, out: &mut impl FnMut(Line)) {
        self.cases += 1;
        self.stages.clear();
        self.pack
            .evaluate_case(file, self.calendar, &self.asof, &mut self.stages);
        let label =
            (!self.stages.is_empty()).then(|| child_label(&file.child, self.child_identifier));
        // An obligation is due at its earliest active stage's due time (the common ladder's stages share one;
        // SPEC section 4's ladders count later stages from the first).
        let mut due: std::collections::HashMap<(usize, &str), DateTime<Utc>> =
            std::collections::HashMap::new();
        if self.backlog_before.is_some() {
            for active in &self.stages {
                let at = due
                    .entry((active.rule, active.subject_id.as_str()))
                    .or_insert(active.due_at);
                *at = (*at).min(active.due_at);
            }
        }
        for active in &self.stages {
            let backlog = self.backlog_before.is_some_and(|before| {
                due.get(&(active.rule, active.subject_id.as_str()))
                    .is_some_and(|due| *due < before)
            });
            let rule = active.rule(self.pack);
            let stage = active.stage(self.pack);
            for (role_order, &role) in stage.notify.iter().enumerate() {
                let start = match role {
                    Role::Owner => active.owner_id.as_ref(),
                    _ => active.worker_id.as_ref(),
                };
                let recipient = self.resolver.resolve(start, role);
                let meant_for = recipient
                    .fallback
                    .as_ref()
                    .map(|why| crate::recipients::meant_for(start, role, why));
                out(Line {
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
                    backlog,
                    role_order,
                    child_label: label.clone().unwrap_or_default(),
                    facts: active.facts.clone(),
                    worker_id: active.worker_id.as_ref().map(|w| w.0.clone()),
                    meant_for,
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

    /// The lines kept by [`Evaluator::add_case`], in SPEC order.
    pub fn finish(self) -> Vec<Line> {
        let mut lines = self.lines;
        sort(&mut lines);
        lines
    }
}

/// SPEC section 5's order: `due_at`, then rule, subject, stage, then the roles in the rule's order (and the case,
/// which only two cases sharing a subject id would need).
pub fn sort(lines: &mut [Line]) {
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
}

/// How `evaluate` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per line (SPEC section 5).
    Json,
    /// Aligned columns for a person, times in UK local time.
    Table,
}

/// Prints lines already in SPEC order (the demo's first few).
pub fn write(lines: &[Line], format: Format, out: &mut impl Write) -> io::Result<()> {
    let mut sorted = SortedLines::default();
    for line in lines {
        sorted.push(line)?;
    }
    write_sorted(&mut sorted, format, out)
}

/// Prints the lines in SPEC order: JSON as they were kept, or a table.
pub fn write_sorted(
    lines: &mut SortedLines,
    format: Format,
    out: &mut impl Write,
) -> io::Result<()> {
    match format {
        Format::Json => lines.for_each_json(|json| {
            out.write_all(json)?;
            out.write_all(b"\n")
        })?,
        Format::Table => write_table(lines, out)?,
    }
    out.flush()
}

/// A line as the table shows it, read back from its JSON.
#[derive(Deserialize)]
struct Printed {
    due_at: DateTime<Utc>,
    severity: String,
    rule: String,
    stage: String,
    case_id: String,
    child_ref: String,
    subject_id: String,
    role: String,
    staff_id: Option<String>,
    address: String,
}

const HEADER: [&str; 10] = [
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

fn table_row(json: &[u8]) -> io::Result<[String; 10]> {
    let l: Printed = serde_json::from_slice(json)?;
    Ok([
        l.due_at
            .with_timezone(&calendar::LONDON)
            .format("%a %d %b %Y %H:%M")
            .to_string(),
        l.severity,
        l.rule,
        l.stage,
        l.case_id,
        l.child_ref,
        l.subject_id,
        l.role,
        l.staff_id.unwrap_or_else(|| "-".into()),
        l.address,
    ])
}

/// Aligned columns: one pass over the lines for the widths, a second to print.
fn write_table(lines: &mut SortedLines, out: &mut impl Write) -> io::Result<()> {
    let mut widths = HEADER.map(str::len);
    lines.for_each_json(|json| {
        for (w, cell) in widths.iter_mut().zip(table_row(json)?) {
            *w = (*w).max(cell.chars().count());
        }
        Ok(())
    })?;
    let mut print = |cells: &[&str]| -> io::Result<()> {
        let text: Vec<String> = cells
            .iter()
            .zip(widths)
            // Padded by hand: a `{:<w$}` width above u16::MAX panics, and a cell may be that long.
            .map(|(c, w)| format!("{c}{}", " ".repeat(w.saturating_sub(c.chars().count()))))
            .collect();
        writeln!(out, "{}", text.join("  ").trim_end())
    };
    print(&HEADER)?;
    lines.for_each_json(|json| print(&table_row(json)?.each_ref().map(String::as_str)))?;
    writeln!(out, "{} line(s)", lines.len())
}
