//! Rules in words, for `casewatch rules list` and `rules show`: what a rule watches, when it is due, what ends it
//! and who is told at each stage. Everything here is read from the compiled [`Rule`] (its selector, its parsed time
//! expressions, its stages), never from a second description, so the words cannot disagree with what the rule does.

use std::io::{self, Write};

use serde::Serialize;

use super::expr::{Amount, Compare, Cond, DateExpr, Expr, InstantExpr, Operand, Pick, Unit};
use super::phrases::{
    age, amount, anchor_words, evidence_bare, evidence_plural, evidence_words, filter_words, kinds,
    or_list, ordinal, roles, settings_words, shape_subject, unit_words, visit_type_list,
};
use super::shape::{ShapeKind, Source};
use super::subject::Selector;
use super::vocabulary::{Table, label};
use super::{Rule, Severity};

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

/// The parts of a rule an expression's names refer to.
struct Words<'r> {
    rule: &'r Rule,
}

impl Words<'_> {
    /// A rule's own anchor (`due`, `X`, or one from `[rule.anchors]`), by name.
    fn own_anchor(&self, name: &str) -> Option<(usize, &Expr)> {
        let (slot, _) = self.rule.symbols.lookup(name)?;
        self.rule
            .anchors
            .iter()
            .find(|(s, _)| *s == slot)
            .map(|(s, e)| (*s, e))
    }

    fn expr(&self, e: &Expr) -> String {
        match e {
            Expr::Date(d) => self.date(d),
            Expr::Instant(i) => self.instant(i),
        }
    }

    fn shape_kind(&self) -> Option<&ShapeKind> {
        match &self.rule.selector {
            Selector::Shape(shape) => Some(&shape.kind),
            _ => None,
        }
    }

    fn slot(&self, slot: usize) -> String {
        let name = self.rule.symbols.name(slot);
        match name {
            "due" if self.rule.due.is_some() => return "the due time".into(),
            "X" if self.rule.due.is_some() => return "the due date".into(),
            _ => {}
        }
        if let Some((_, e)) = self.rule.anchors.iter().find(|(s, _)| *s == slot) {
            return self.expr(e);
        }
        if let Some(setting) = self.setting(slot) {
            return setting.value.to_string();
        }
        anchor_words(&self.rule.selector, name)
    }

    /// The rule setting held in `slot`, if it is one.
    fn setting(&self, slot: usize) -> Option<&super::Setting> {
        self.rule.settings.iter().find(|s| s.slot == slot)
    }

    /// The local date of an instant anchor.
    fn day_of(&self, slot: usize) -> String {
        let name = self.rule.symbols.name(slot);
        match (name, self.shape_kind()) {
            ("due", _) if self.rule.due.is_some() => "the due date".into(),
            ("note_created", _) => "the day the visit's case note was started".into(),
            (
                "A",
                Some(ShapeKind::AfterEvent(Source::Records)) | Some(ShapeKind::BeforeMeeting),
            )
            | ("S", Some(ShapeKind::BeforeMeeting)) => anchor_words(&self.rule.selector, "d"),
            _ => format!("the day of {}", self.slot(slot)),
        }
    }

    /// A date as the base of a shift: "the ICPC" rather than "the day of the ICPC" ("the 15th working day after
    /// the ICPC"); the child's date of birth plus months as the day of that age.
    fn base(&self, d: &DateExpr) -> String {
        let words = self.date(d);
        match words.strip_prefix("the day of ") {
            Some(rest) => rest.to_owned(),
            None => words,
        }
    }

    fn date(&self, d: &DateExpr) -> String {
        match d {
            DateExpr::Slot(slot) => self.slot(*slot),
            DateExpr::DateOf(i) => match i.as_ref() {
                InstantExpr::Slot(slot) => self.day_of(*slot),
                other => format!("the day of {}", self.instant(other)),
            },
            DateExpr::Shift(base, 1, Amount::Const(n), Unit::Months) if matches!(base.as_ref(), DateExpr::Slot(s) if self.rule.symbols.name(*s) == "birth") =>
            {
                format!("the day the child is {}", age(*n as u32))
            }
            DateExpr::Shift(base, sign, n, unit) => {
                let base = self.base(base);
                let direction = if *sign < 0 { "before" } else { "after" };
                let n = match n {
                    Amount::Const(n) => Some(*n),
                    Amount::Slot(slot) => self.setting(*slot).map(|s| s.value),
                };
                match (n, unit) {
                    (Some(n), Unit::WorkingDays) => {
                        format!("the {} working day {direction} {base}", ordinal(n))
                    }
                    (Some(n), unit) => format!("{} {direction} {base}", amount(n, *unit)),
                    (None, unit) => {
                        let Amount::Slot(slot) = n_slot(d) else {
                            unreachable!("a missing amount is a slot")
                        };
                        format!(
                            "{base} {} {} in {}",
                            if *sign < 0 { "less" } else { "plus" },
                            self.slot(slot),
                            unit_words(*unit, 2)
                        )
                    }
                }
            }
            DateExpr::NextOrSameWorkingDay(d) => format!(
                "{}, or the next working day when that is not one",
                self.date(d)
            ),
            DateExpr::Pick(pick, dates) => {
                pick_words(*pick, dates.iter().map(|d| self.date(d)).collect())
            }
            DateExpr::If(cond, then, otherwise) => {
                let base = match then.as_ref() {
                    DateExpr::Shift(base, ..) => Some(self.base(base)),
                    _ => None,
                };
                self.choice(
                    cond,
                    self.date(then),
                    otherwise.as_ref().map(|o| self.date(o)),
                    base,
                )
            }
        }
    }

    /// `if(cond, then, else)` as a person says it, naming the thing compared once: "6 weeks after the last visit
    /// when that is before …, and otherwise 3 months after it".
    fn choice(
        &self,
        cond: &Cond,
        then: String,
        otherwise: Option<String>,
        base: Option<String>,
    ) -> String {
        let mut cond = self.cond(cond);
        let mut otherwise = otherwise;
        if let Some(base) = base.filter(|b| b.len() > 12) {
            for prefix in ["the day of ", ""] {
                let long = format!("{prefix}{base}");
                if cond.starts_with(&long) {
                    cond = format!("that{}", &cond[long.len()..]);
                    break;
                }
            }
            otherwise = otherwise.map(|o| match o.strip_suffix(&base) {
                Some(rest) => format!("{rest}it"),
                None => o,
            });
        }
        match otherwise {
            Some(otherwise) => format!("{then} when {cond}, and otherwise {otherwise}"),
            None => format!("{then}, only when {cond}"),
        }
    }

    /// `a < b` in words: "the last visit is before 12 months after the placement started".
    fn cond(&self, cond: &Cond) -> String {
        let operand = |o: &Operand| match o {
            Operand::Time(e) => self.expr(e),
            Operand::Number(Amount::Const(n)) => n.to_string(),
            Operand::Number(Amount::Slot(slot)) => self.slot(*slot),
        };
        if let Some(words) = self.count_cond(cond) {
            return words;
        }
        let numbers = matches!(cond.left, Operand::Number(_));
        let op = match (cond.op, numbers) {
            (Compare::Less, false) => "is before",
            (Compare::LessOrEqual, false) => "is on or before",
            (Compare::Greater, false) => "is after",
            (Compare::GreaterOrEqual, false) => "is on or after",
            (Compare::Less, true) => "is less than",
            (Compare::LessOrEqual, true) => "is at most",
            (Compare::Greater, true) => "is more than",
            (Compare::GreaterOrEqual, true) => "is at least",
        };
        format!("{} {op} {}", operand(&cond.left), operand(&cond.right))
    }

    /// A count against a number, as a person says it: `count < 1` "no review child protection conference held
    /// since then", `count < 2` "fewer than 2 looked-after reviews held since then", `held_before >= 1` "a
    /// looked-after review has been held before it".
    fn count_cond(&self, cond: &Cond) -> Option<String> {
        let (Operand::Number(Amount::Slot(slot)), op, Operand::Number(Amount::Const(n))) =
            (&cond.left, cond.op, &cond.right)
        else {
            return None;
        };
        let Selector::Shape(shape) = &self.rule.selector else {
            return None;
        };
        let meetings = || {
            or_list(
                shape
                    .kinds
                    .iter()
                    .map(|k| label(Table::Meeting, k).a())
                    .collect(),
            )
        };
        match (self.rule.symbols.name(*slot), op, n) {
            ("count", Compare::Less, 1) => Some(format!(
                "there is no {} since then",
                evidence_bare(&shape.evidence)
            )),
            ("count", Compare::Less, n) => Some(format!(
                "there are fewer than {n} {} since then",
                evidence_plural(&shape.evidence)
            )),
            ("held_before", Compare::Less, 1) => {
                Some(format!("no {} has been held before it", kinds(shape)))
            }
            ("held_before", Compare::GreaterOrEqual, 1) => {
                Some(format!("{} has been held before it", meetings()))
            }
            _ => None,
        }
    }

    fn instant(&self, i: &InstantExpr) -> String {
        match i {
            InstantExpr::Start(d) => format!("the start of {}", self.date(d)),
            InstantExpr::End(d) => format!("the end of {}", self.date(d)),
            InstantExpr::Slot(slot) => self.slot(*slot),
            InstantExpr::Hours(base, h) => {
                let direction = if *h < 0 { "before" } else { "after" };
                let n = h.abs();
                let s = if n == 1 { "" } else { "s" };
                format!("{n} hour{s} {direction} {}", self.instant(base))
            }
            InstantExpr::WorkingHours(base, h) => {
                format!("{h} working hours after {}", self.instant(base))
            }
            InstantExpr::Pick(pick, instants) => {
                pick_words(*pick, instants.iter().map(|i| self.instant(i)).collect())
            }
            InstantExpr::If(cond, then, otherwise) => self.choice(
                cond,
                self.instant(then),
                otherwise.as_ref().map(|o| self.instant(o)),
                None,
            ),
        }
    }

    fn subject(&self) -> String {
        let (types, categories) = filter_words(&self.rule.filter);
        let categories = categories.map_or(String::new(), |c| format!(" {c}"));
        // "each open looked-after case", "each ICPC held on a child protection case".
        let case = format!(
            "{}case{categories}",
            types.as_ref().map_or(String::new(), |t| format!("{t} "))
        );
        let on_case = if types.is_some() || !categories.is_empty() {
            format!(" on {} {case}", super::vocabulary::article(&case))
        } else {
            String::new()
        };
        let watched = match &self.rule.selector {
            Selector::Shape(shape) => return shape_subject(shape, &case, &on_case),
            Selector::VisitNote { visit_types } => {
                format!(
                    "each {} visit whose case note has been started",
                    visit_type_list(visit_types)
                )
            }
            Selector::Assessment => "each C&F assessment that has started".into(),
            Selector::FailedVisitLadder { visit_types, .. } => format!(
                "each case with a failed {} visit since the child was last seen",
                visit_type_list(visit_types)
            ),
            Selector::KeepInTouch { visit_types } => {
                return format!(
                    "each {case}, from its last {} visit with the young person seen (else the day it opened)",
                    visit_type_list(visit_types)
                );
            }
            Selector::BirthdayWindow {
                ages,
                months_either_side,
                ..
            } => format!(
                "each birthday at ages {}, with a window of {months_either_side} months either side",
                or_list(ages.iter().map(u32::to_string).collect())
            ),
        };
        format!("{watched}{on_case}")
    }

    fn done(&self) -> String {
        let Selector::Shape(shape) = &self.rule.selector else {
            let all = self
                .rule
                .stages
                .iter()
                .fold(u32::MAX, |mask, stage| mask & stage.done_when);
            return if all == 0 {
                "nothing ends it early: each stage ends on its own terms".into()
            } else {
                self.facts(all, " or ")
            };
        };
        let evidence = evidence_words(&shape.evidence);
        let anchor = anchor_words(&self.rule.selector, "A");
        match shape.kind {
            ShapeKind::AfterEvent(Source::Records) if shape.evidence.records.is_empty() => {
                format!("{evidence} at or after {anchor}")
            }
            ShapeKind::AfterEvent(Source::Records) => format!(
                "the {} is completed{}",
                kinds(shape),
                if shape.evidence.authorised {
                    " and signed off"
                } else {
                    ""
                }
            ),
            ShapeKind::AfterEvent(source) => {
                let mut text = format!("{evidence} at or after {anchor}");
                if let Some((n, unit)) = shape.evidence.window {
                    text += &format!(", or in the {} before its day", amount(n, unit));
                }
                let linkable = matches!(source, Source::Events | Source::Meetings);
                if linkable && !shape.evidence.records.is_empty() {
                    text += "; a record linked to it counts whenever it was completed";
                }
                text
            }
            ShapeKind::BeforeMeeting => format!(
                "{evidence}, linked to the meeting or since the previous {} was held; the obligation ends when \
                 the meeting is held or cancelled",
                kinds(shape)
            ),
            ShapeKind::Every => format!(
                "nothing ends it: each new {} moves the due date on",
                evidence_bare(&shape.evidence)
            ),
            ShapeKind::ByAge(_) => format!("{evidence}, at any time"),
        }
    }

    fn facts(&self, mask: u32, joiner: &str) -> String {
        let names: Vec<&str> = self
            .rule
            .selector
            .facts()
            .iter()
            .enumerate()
            .filter(|(bit, _)| mask & (1 << bit) != 0)
            .map(|(_, name)| *name)
            .collect();
        names.join(joiner).replace('_', " ")
    }
}

/// The amount of a shift, for the one case a setting is missing (never, once loaded).
fn n_slot(d: &DateExpr) -> Amount {
    match d {
        DateExpr::Shift(_, _, n, _) => *n,
        _ => Amount::Const(0),
    }
}

fn pick_words(pick: Pick, parts: Vec<String>) -> String {
    match pick {
        Pick::Earliest => format!("the earliest of {}", super::phrases::and_list(parts)),
        Pick::Latest => format!("the latest of {}", super::phrases::and_list(parts)),
        // The first that has a value.
        Pick::Coalesce => parts.join("; or, when there is none, "),
    }
}
