//! The words for the parts of one rule: its time expressions, its subject, what ends it and its facts.

use crate::rules::Rule;
use crate::rules::expr::{Amount, Compare, Cond, DateExpr, Expr, InstantExpr, Operand, Pick, Unit};
use crate::rules::phrases::{
    age, amount, anchor_words, evidence_bare, evidence_plural, evidence_words, filter_words, kinds,
    or_list, ordinal, shape_subject, unit_words, visit_type_list,
};
use crate::rules::shape::{ShapeKind, Source};
use crate::rules::subject::Selector;
use crate::rules::vocabulary::{Table, label};

/// The parts of a rule an expression's names refer to.
pub(super) struct Words<'r> {
    pub(super) rule: &'r Rule,
}

impl Words<'_> {
    /// A rule's own anchor (`due`, `X`, or one from `[rule.anchors]`), by name.
    pub(super) fn own_anchor(&self, name: &str) -> Option<(usize, &Expr)> {
        let (slot, _) = self.rule.symbols.lookup(name)?;
        self.rule
            .anchors
            .iter()
            .find(|(s, _)| *s == slot)
            .map(|(s, e)| (*s, e))
    }

    pub(super) fn expr(&self, e: &Expr) -> String {
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

    pub(super) fn slot(&self, slot: usize) -> String {
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
    pub(super) fn setting(&self, slot: usize) -> Option<&crate::rules::Setting> {
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

    pub(super) fn subject(&self) -> String {
        let (types, categories) = filter_words(&self.rule.filter);
        let categories = categories.map_or(String::new(), |c| format!(" {c}"));
        // "each open looked-after case", "each ICPC held on a child protection case".
        let case = format!(
            "{}case{categories}",
            types.as_ref().map_or(String::new(), |t| format!("{t} "))
        );
        let on_case = if types.is_some() || !categories.is_empty() {
            format!(" on {} {case}", crate::rules::vocabulary::article(&case))
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

    pub(super) fn done(&self) -> String {
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

    pub(super) fn facts(&self, mask: u32, joiner: &str) -> String {
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
        Pick::Earliest => format!("the earliest of {}", crate::rules::phrases::and_list(parts)),
        Pick::Latest => format!("the latest of {}", crate::rules::phrases::and_list(parts)),
        // The first that has a value.
        Pick::Coalesce => parts.join("; or, when there is none, "),
    }
}
