//! Rules in words, for `casewatch rules list` and `rules show`: what a rule watches, when it is due, what ends it
//! and who is told at each stage. Everything here is read from the compiled [`Rule`] (its selector, its parsed time
//! expressions, its stages), never from a second description, so the words cannot disagree with what the rule does.

mod words;

use std::io::{self, Write};

use serde::Serialize;

use super::phrases::{amount, anchor_words, roles, settings_words};
use super::shape::ShapeKind;
use super::subject::Selector;
use super::{Rule, Severity};
use words::Words;

/// One line of `rules list`.
#[derive(Debug, Serialize)]
pub struct Summary<'r> {
    pub id: &'r str,
    pub pack: &'r str,
    pub row: Option<&'r str>,
    pub title: &'r str,
    pub shape: &'static str,
    /// When the obligation is due, in words.
    pub timescale: String,
    pub guidance: Option<&'r str>,
}

pub fn summary(rule: &Rule) -> Summary<'_> {
    Summary {
        id: &rule.id,
        pack: &rule.pack,
        row: rule.row.as_deref(),
        title: &rule.title,
        shape: rule.selector.kind_name(),
        timescale: timescale(rule),
        guidance: rule.guidance.as_deref(),
    }
}

/// Every rule as a Markdown table (readable in a terminal, and the tables of docs/packs.md).
pub fn write_table(rules: &[&Rule], out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "| id | row | title | shape | due | guidance |")?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for rule in rules {
        let s = summary(rule);
        let cell = |text: &str| text.replace('|', "\\|");
        writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            s.id,
            s.row.unwrap_or(""),
            cell(s.title),
            s.shape,
            cell(&s.timescale),
            cell(s.guidance.unwrap_or(""))
        )?;
    }
    Ok(())
}

/// When the rule is due, in words: its `due`, or the due time of its first breach stage.
pub fn timescale(rule: &Rule) -> String {
    let words = Words { rule };
    if let Some((_, due)) = rule.due.as_ref().and_then(|_| words.own_anchor("due")) {
        return words.expr(due);
    }
    let stage = rule
        .stages
        .iter()
        .find(|s| s.severity == Severity::Breach)
        .or(rule.stages.last());
    stage.map_or_else(String::new, |s| words.expr(&s.due_at))
}

/// `rules show`: the whole rule in plain English, stage by stage.
pub fn explain(rule: &Rule) -> String {
    let words = Words { rule };
    let mut text = format!("{} ({}): {}\n", rule.id, rule.pack, rule.title);
    if let Some(row) = &rule.row {
        text += &format!("Seed row: {row}\n");
    }
    if let Some(guidance) = &rule.guidance {
        text += &format!("Guidance: {guidance}\n");
    }
    let grace = match rule.after_close {
        Some((n, unit)) => format!(", and for {} after the case closes", amount(n, unit)),
        None => String::new(),
    };
    text += &format!("Watches: {}{grace}.\n", words.subject());
    text += &format!("Due: {}.\n", timescale(rule));
    if !rule.settings.is_empty() {
        text += &format!(
            "Settings (the figures above that an authority may change, with `rules.settings.{}`): {}.\n",
            rule.id,
            settings_words(&rule.settings)
        );
    }
    text += &format!("Done when: {}.\n", words.done());
    text += "Stages:\n";
    for stage in &rule.stages {
        let until = if stage.severity.lapses_at_due() {
            format!("until {}", words.expr(&stage.due_at))
        } else {
            "until it is done".to_owned()
        };
        let mut line = format!(
            "- {} ({}): from {}, {until}; tells {}",
            stage.name,
            stage.severity,
            words.expr(&stage.from),
            roles(&stage.notify, &rule.selector)
        );
        if stage.when != 0 {
            line += &format!("; only while {}", words.facts(stage.when, " and "));
        }
        if let Some((n, unit)) = stage.repeat_every {
            line += &format!("; told again every {} while it stands", amount(n, unit));
        }
        text += &line;
        text += ".\n";
    }
    text
}

/// What ends a rule's obligation, in words (as `rules show` prints it after "Done when:").
pub fn done_words(rule: &Rule) -> String {
    Words { rule }.done()
}

/// What an anchor of `rule` is, in words, for `explain`'s "A (the ICPC) = …": the shape's anchors as `rules show`
/// words them, the rule's own anchors by their expressions, settings as settings.
pub fn anchor_meaning(rule: &Rule, name: &str) -> String {
    let words = Words { rule };
    let Some((slot, _)) = rule.symbols.lookup(name) else {
        return format!("`{name}`");
    };
    if words.setting(slot).is_some() {
        return format!("the setting `{name}`");
    }
    words.slot(slot)
}

/// A stage's name for people when its rule gives none: `due-soon` reads "Due soon".
pub fn stage_label(name: &str) -> String {
    capitalise(&name.replace(['-', '_'], " "))
}

/// What a manager is asked to do at a breach whose rule gives no action of its own: the worker's default asks
/// them to agree a date "with your manager", which a manager reading it cannot do.
pub const MANAGER_BREACH_ACTION: &str = "Check with the worker why it is late and when it will be done; record the \
     date agreed as your management decision on the case.";

/// A stage's action for one message's readers: a breach with the worker's default action, told only to managers,
/// asks them what a manager does instead.
pub fn action_for<'a>(action: &'a str, roles: &[super::Role]) -> &'a str {
    use super::Role;
    let managers_only = roles
        .iter()
        .all(|r| !matches!(r, Role::Worker | Role::Owner | Role::Team(_)));
    if managers_only && action == default_action(Severity::Breach) {
        MANAGER_BREACH_ACTION
    } else {
        action
    }
}

/// What to do at a stage whose rule says nothing, by severity: the common ladder's stages read well with these.
pub fn default_action(severity: Severity) -> &'static str {
    match severity {
        Severity::Reminder => "Do it and record it on the case before it is due.",
        Severity::Warning => "Do it today and record it on the case, or it will be late.",
        Severity::Breach => {
            "Do it now and record it on the case; if it cannot be done, record why and the date agreed with \
             your manager."
        }
        Severity::Escalation => {
            "Find out from the worker why it is late, agree when it will be done and record your management \
             decision on the case."
        }
    }
}

/// The subject's anchors a notice shows as facts when its rule gives no `labels`, in these words: the event,
/// meeting or record that started the clock, the visit and its note, the failed visits.
pub fn default_labels(selector: &Selector) -> Vec<(&'static str, String)> {
    let names: &[&'static str] = match selector {
        // The note's start with what it still lacks: it is not finalised while the obligation stands.
        Selector::VisitNote { .. } => {
            return vec![
                ("visit", "Visit".to_owned()),
                (
                    "note_created",
                    "Case note started, not yet finalised".to_owned(),
                ),
            ];
        }
        Selector::Assessment => &["referral", "started", "priority_working_days"],
        Selector::FailedVisitLadder { .. } => &["F1", "F2"],
        Selector::KeepInTouch { .. } => &["last_contact"],
        Selector::BirthdayWindow { .. } => &["birthday", "window_end", "visit"],
        Selector::Shape(shape) => match shape.kind {
            ShapeKind::BeforeMeeting => &["S", "last_held"],
            ShapeKind::ByAge(_) => &["birth"],
            ShapeKind::AfterEvent(_) | ShapeKind::Every => &["A"],
        },
    };
    names
        .iter()
        .map(|name| (*name, capitalise(&anchor_words(selector, name))))
        .collect()
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
