//! Rules in words, for `casewatch rules list` and `rules show`: what a rule watches, when it is due, what ends it
//! and who is told at each stage. Everything here is read from the compiled [`Rule`] (its selector, its parsed time
//! expressions, its stages), never from a second description, so the words cannot disagree with what the rule does.

use std::io::{self, Write};

use serde::Serialize;

use super::expr::{Amount, Compare, Cond, DateExpr, Expr, InstantExpr, Operand, Pick, Unit};
use super::shape::{EvidenceSpec, Nth, Shape, ShapeKind, Source};
use super::subject::Selector;
use super::{Role, Rule, Severity};

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

/// A stage's name for people when its rule gives none: `due-soon` reads "Due soon".
pub fn stage_label(name: &str) -> String {
    capitalise(&name.replace(['-', '_'], " "))
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
        Selector::VisitNote { .. } => &["visit", "note_created"],
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
            return format!("{} (setting `{}`)", setting.value, setting.name);
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
        let shape = match &self.rule.selector {
            Selector::Shape(shape) => Some(shape),
            _ => None,
        };
        match (name, shape.map(|s| &s.kind)) {
            ("due", _) if self.rule.due.is_some() => "the due date".into(),
            ("note_created", _) => "the day the visit's case note was started".into(),
            ("A", Some(ShapeKind::AfterEvent(Source::Records))) => format!(
                "the day the {} record is about",
                kinds(shape.expect("a shape"))
            ),
            _ => format!("the day of {}", self.slot(slot)),
        }
    }

    fn date(&self, d: &DateExpr) -> String {
        match d {
            DateExpr::Slot(slot) => self.slot(*slot),
            DateExpr::DateOf(i) => match i.as_ref() {
                InstantExpr::Slot(slot) => self.day_of(*slot),
                other => format!("the day of {}", self.instant(other)),
            },
            DateExpr::Shift(base, sign, n, unit) => {
                let base = self.date(base);
                let direction = if *sign < 0 { "before" } else { "after" };
                match (n, unit) {
                    (Amount::Const(n), Unit::WorkingDays) => {
                        format!("the {} working day {direction} {base}", ordinal(*n))
                    }
                    (Amount::Const(n), unit) => format!("{} {direction} {base}", amount(*n, *unit)),
                    (Amount::Slot(slot), unit) => match self.setting(*slot) {
                        // "6 weeks (setting `interval_weeks`) after …": the figure an authority may change.
                        Some(setting) => {
                            let n = setting.value;
                            let name = &setting.name;
                            match unit {
                                Unit::WorkingDays => format!(
                                    "the {} working day (setting `{name}`) {direction} {base}",
                                    ordinal(n)
                                ),
                                _ => format!(
                                    "{} (setting `{name}`) {direction} {base}",
                                    amount(n, *unit)
                                ),
                            }
                        }
                        None => format!(
                            "{base} {} {} in {}",
                            if *sign < 0 { "less" } else { "plus" },
                            self.slot(*slot),
                            unit_words(*unit, 2)
                        ),
                    },
                }
            }
            DateExpr::NextOrSameWorkingDay(d) => format!(
                "{}, or the next working day when that is not one",
                self.date(d)
            ),
            DateExpr::Pick(pick, dates) => {
                pick_words(*pick, dates.iter().map(|d| self.date(d)).collect())
            }
            DateExpr::If(cond, then, otherwise) => match otherwise {
                Some(otherwise) => format!(
                    "{} when {}, and otherwise {}",
                    self.date(then),
                    self.cond(cond),
                    self.date(otherwise)
                ),
                None => format!("{}, only when {}", self.date(then), self.cond(cond)),
            },
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

    /// `count < N` (the `every` shape's evidence since its series began), as a person says it: "there is no rcpc
    /// meeting held since then", "there are fewer than 2 of cla_review meeting held since then".
    fn count_cond(&self, cond: &Cond) -> Option<String> {
        let (Operand::Number(Amount::Slot(slot)), Compare::Less, Operand::Number(Amount::Const(n))) =
            (&cond.left, cond.op, &cond.right)
        else {
            return None;
        };
        let Selector::Shape(shape) = &self.rule.selector else {
            return None;
        };
        if self.rule.symbols.name(*slot) != "count" {
            return None;
        }
        let evidence = evidence_words(&shape.evidence);
        let evidence = evidence.trim_start_matches("a ");
        Some(match n {
            1 => format!("there is no {evidence} since then"),
            n => format!("there are fewer than {n} of {evidence} since then"),
        })
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
            InstantExpr::If(cond, then, otherwise) => match otherwise {
                Some(otherwise) => format!(
                    "{} when {}, and otherwise {}",
                    self.instant(then),
                    self.cond(cond),
                    self.instant(otherwise)
                ),
                None => format!("{}, only when {}", self.instant(then), self.cond(cond)),
            },
        }
    }

    fn subject(&self) -> String {
        let types = self.rule.filter.describe();
        let of_type = |each_case: bool| match (&types, each_case) {
            (None, _) => String::new(),
            (Some(types), true) => format!(" of type {types}"),
            (Some(types), false) => format!(" on a case of type {types}"),
        };
        let watched = match &self.rule.selector {
            Selector::Shape(shape) => {
                let each_case = matches!(shape.kind, ShapeKind::Every | ShapeKind::ByAge(_));
                return shape_subject(shape, &of_type(each_case));
            }
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
            Selector::KeepInTouch { visit_types } => format!(
                "each case, from its last {} visit with the young person seen (else the day it opened)",
                visit_type_list(visit_types)
            ),
            Selector::BirthdayWindow {
                ages,
                months_either_side,
                ..
            } => format!(
                "each birthday at ages {}, with a window of {months_either_side} months either side",
                or_list(ages.iter().map(u32::to_string).collect())
            ),
        };
        format!("{watched}{}", of_type(false))
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
        let linked = match shape.evidence.window {
            Some((n, unit)) => format!(
                "dated at or after it or in the {} before its day (or linked to it)",
                amount(n, unit)
            ),
            None => "dated at or after it (or linked to it)".to_owned(),
        };
        match shape.kind {
            ShapeKind::AfterEvent(Source::Records) if shape.evidence.records.is_empty() => {
                format!("{evidence} at or after the time the record is about")
            }
            ShapeKind::AfterEvent(Source::Records) => {
                format!(
                    "the record itself is completed{}",
                    if shape.evidence.authorised {
                        " and authorised"
                    } else {
                        ""
                    }
                )
            }
            ShapeKind::AfterEvent(_) => format!("{evidence}, {linked}"),
            ShapeKind::BeforeMeeting => format!(
                "{evidence}, linked to the meeting or completed since the previous one; the obligation ends \
                 when the meeting is held or cancelled"
            ),
            ShapeKind::Every => {
                let evidence = evidence.trim_start_matches("a ");
                format!("nothing ends it: each new {evidence} moves the due date on")
            }
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

/// In words, for `rules show` and notices: "a conference_record record or a case_direction decision".
fn evidence_words(spec: &EvidenceSpec) -> String {
    let authorised = if spec.authorised { " (authorised)" } else { "" };
    let started = if spec.started { " (started)" } else { "" };
    let mut parts: Vec<String> = Vec::new();
    parts.extend(
        spec.records
            .iter()
            .map(|k| format!("a {k} record{authorised}{started}")),
    );
    parts.extend(spec.meetings.iter().map(|k| format!("a {k} meeting held")));
    parts.extend(spec.decisions.iter().map(|k| format!("a {k} decision")));
    parts.extend(spec.events.iter().map(|k| format!("a {k} event")));
    parts.extend(
        spec.visits
            .iter()
            .map(|v| format!("a {} visit with the child seen", v.as_str())),
    );
    match parts.len() {
        0 => "nothing (the due date moves with each new record)".into(),
        _ => or_list(parts),
    }
}

fn kinds(shape: &Shape) -> String {
    or_list(shape.kinds.iter().map(|k| k.replace('_', " ")).collect())
}

fn shape_subject(shape: &Shape, of_type: &str) -> String {
    let kinds = kinds(shape);
    let mut text = match shape.kind {
        ShapeKind::AfterEvent(Source::Events) => format!("each {kinds} event"),
        ShapeKind::AfterEvent(Source::Meetings) => format!("each {kinds} meeting held"),
        ShapeKind::AfterEvent(Source::Decisions) => format!("each {kinds} decision"),
        ShapeKind::AfterEvent(Source::Records) => {
            format!("each {kinds} record, timed from what it records")
        }
        ShapeKind::BeforeMeeting => {
            format!("each {kinds} meeting scheduled, not yet held or cancelled")
        }
        ShapeKind::Every => format!("each open case{of_type}"),
        ShapeKind::ByAge(months) => format!(
            "each open case{of_type} whose child's date of birth is recorded, when the child is {}",
            age(months)
        ),
    };
    if !matches!(shape.kind, ShapeKind::Every | ShapeKind::ByAge(_)) {
        text += of_type;
    }
    if let Some(details) = &shape.detail {
        text += &format!(" whose detail is {}", or_list(details.clone()));
    }
    if let Some(since) = &shape.since {
        let from: Vec<String> = since
            .events
            .iter()
            .map(|k| format!("{} event", k.replace('_', " ")))
            .chain(
                since
                    .meetings
                    .iter()
                    .map(|k| format!("{} meeting held", k.replace('_', " "))),
            )
            .collect();
        text += &format!(", counted from its latest {}", or_list(from));
        if let Some(details) = &since.detail {
            text += &format!(
                ", while that event's detail is {}",
                or_list(details.clone())
            );
        }
        if let Some(details) = &since.detail_not {
            text += &format!(
                ", unless that event's detail is {}",
                or_list(details.clone())
            );
        }
    }
    match shape.nth {
        Some(Nth::First) => text += " (only the first on the case)",
        Some(Nth::Latest) => text += " (only the latest on the case)",
        None => {}
    }
    text
}

/// What a selector's anchor is, for people.
fn anchor_words(selector: &Selector, name: &str) -> String {
    match (selector, name) {
        (Selector::Shape(s), "A" | "S") => match s.kind {
            ShapeKind::AfterEvent(Source::Events) => format!("the {} event", kinds(s)),
            ShapeKind::AfterEvent(Source::Meetings) => format!("the {} meeting", kinds(s)),
            ShapeKind::AfterEvent(Source::Decisions) => format!("the {} decision", kinds(s)),
            ShapeKind::AfterEvent(Source::Records) => {
                format!("the time the {} record is about", kinds(s))
            }
            ShapeKind::BeforeMeeting => format!("the scheduled time of the {} meeting", kinds(s)),
            ShapeKind::Every => format!(
                "the latest {} (else the start of the day the case opened)",
                evidence_words(&s.evidence).trim_start_matches("a ")
            ),
            ShapeKind::ByAge(months) => {
                format!("the start of the day the child is {}", age(months))
            }
        },
        (Selector::Shape(s), "d") => match s.kind {
            ShapeKind::ByAge(months) => format!("the day the child is {}", age(months)),
            _ => format!("the day of {}", anchor_words(selector, "A")),
        },
        (Selector::Shape(s), "L") => anchor_words(&Selector::Shape(s.clone()), "A"),
        (Selector::Shape(s), "B") => match s.kind {
            ShapeKind::ByAge(months) => format!("the day the child is {}", age(months)),
            _ => "B".into(),
        },
        (Selector::Shape(s), "P") => match &s.since {
            Some(since) => format!(
                "the latest {} (else the start of the day the case opened)",
                or_list(
                    since
                        .events
                        .iter()
                        .chain(&since.meetings)
                        .map(|k| k.replace('_', " "))
                        .collect()
                )
            ),
            None => "the start of the day the case opened".into(),
        },
        (Selector::Shape(s), "last") => format!(
            "the latest {} since then",
            evidence_words(&s.evidence).trim_start_matches("a ")
        ),
        (Selector::Shape(s), "count") => format!(
            "the number of times {} since then",
            evidence_words(&s.evidence).trim_start_matches("a ")
        ),
        (Selector::Shape(s), "last_held") => {
            format!("the previous {} meeting held", kinds(s))
        }
        (_, "opened") => "the day the case opened".into(),
        (_, "birth") => "the child's date of birth".into(),
        (_, "visit") => "the visit".into(),
        (_, "note_created") => "the time the visit's case note was started".into(),
        (_, "started") => "the day the assessment started".into(),
        (_, "referral") => "the referral date".into(),
        (_, "priority_working_days") => "the assessment's priority".into(),
        (_, "F1") => "the first failed visit".into(),
        (_, "F2") => "the second failed visit".into(),
        (_, "last_contact") => "the day of the last contact".into(),
        (_, "birthday") => "the birthday".into(),
        (_, "window_start") => "the day the birthday window opens".into(),
        (_, "window_end") => "the day the birthday window closes".into(),
        (_, "age") => "the age".into(),
        (_, other) => format!("`{other}`"),
    }
}

fn age(months: u32) -> String {
    match (months / 12, months % 12) {
        (y, 0) => format!("{y} years old"),
        (y, m) => format!("{y} years and {m} months old"),
    }
}

fn visit_type_list(visit_types: &[crate::model::VisitType]) -> String {
    or_list(visit_types.iter().map(|v| v.as_str().to_owned()).collect())
}

fn pick_words(pick: Pick, parts: Vec<String>) -> String {
    match pick {
        Pick::Earliest => format!("the earliest of {}", and_list(parts)),
        Pick::Latest => format!("the latest of {}", and_list(parts)),
        // The first that has a value.
        Pick::Coalesce => parts.join("; or, where that is not recorded, "),
    }
}

fn roles(notify: &[Role], selector: &Selector) -> String {
    let owner = match selector {
        Selector::Shape(shape) => match shape.kind {
            ShapeKind::AfterEvent(Source::Meetings) | ShapeKind::BeforeMeeting => {
                "the meeting's chair"
            }
            ShapeKind::AfterEvent(Source::Records) => "the record's author",
            ShapeKind::AfterEvent(Source::Events) => "the person who recorded the event",
            ShapeKind::AfterEvent(Source::Decisions) => "the manager who made the decision",
            ShapeKind::Every | ShapeKind::ByAge(_) => "the owner",
        },
        _ => "the owner",
    };
    and_list(
        notify
            .iter()
            .map(|role| match role {
                Role::Owner => owner.to_owned(),
                other => format!("the {}", other.label()),
            })
            .collect(),
    )
}

/// "5 working days", "1 month".
fn amount(n: i64, unit: Unit) -> String {
    format!("{n} {}", unit_words(unit, n))
}

fn unit_words(unit: Unit, n: i64) -> &'static str {
    match (unit, n == 1) {
        (Unit::WorkingDays, true) => "working day",
        (Unit::WorkingDays, false) => "working days",
        (Unit::Days, true) => "day",
        (Unit::Days, false) => "days",
        (Unit::Weeks, true) => "week",
        (Unit::Weeks, false) => "weeks",
        (Unit::Months, true) => "month",
        (Unit::Months, false) => "months",
    }
}

fn ordinal(n: i64) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn joined(mut parts: Vec<String>, word: &str) -> String {
    match parts.len() {
        0 => String::new(),
        1 => parts.remove(0),
        _ => {
            let last = parts.pop().expect("two or more");
            format!("{} {word} {last}", parts.join(", "))
        }
    }
}

fn and_list(parts: Vec<String>) -> String {
    joined(parts, "and")
}

fn or_list(parts: Vec<String>) -> String {
    joined(parts, "or")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 35, 111, 112]
            .into_iter()
            .map(ordinal)
            .collect();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "35th",
                "111th", "112th"
            ]
        );
    }

    #[test]
    fn ages_in_years_and_months() {
        assert_eq!(age(189), "15 years and 9 months old");
        assert_eq!(age(216), "18 years old");
    }

    #[test]
    fn lists() {
        assert_eq!(and_list(vec!["a".into()]), "a");
        assert_eq!(
            and_list(vec!["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
        assert_eq!(or_list(vec!["a".into(), "b".into()]), "a or b");
    }
}
