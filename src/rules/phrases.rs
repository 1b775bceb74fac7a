//! The pieces of [`super::describe`]'s sentences: what a shape watches, what its anchors are and what ends it, in
//! the words of [`super::vocabulary`]; roles, amounts, ordinals and lists.

use super::evidence::EvidenceSpec;
use super::expr::Unit;
use super::shape::{Nth, Shape, ShapeKind, Source};
use super::subject::{CaseFilter, Selector};
use super::vocabulary::{Label, Table, label};
use super::{Role, Setting};

/// The table a shape's subject kinds come from.
fn subject_table(shape: &Shape) -> Table {
    match shape.kind {
        ShapeKind::AfterEvent(Source::Events) => Table::Event,
        ShapeKind::AfterEvent(Source::Records) => Table::Record,
        ShapeKind::AfterEvent(Source::Decisions) => Table::Decision,
        _ => Table::Meeting,
    }
}

/// The subject kinds as nouns without articles: "looked-after review, review child protection conference or CIN
/// meeting".
pub fn kinds(shape: &Shape) -> String {
    let table = subject_table(shape);
    or_list(
        shape
            .kinds
            .iter()
            .map(|k| label(table, k).noun.into_owned())
            .collect(),
    )
}

/// One piece of evidence: its label and what must have happened to it ("held", "completed").
struct Item {
    label: Label,
    qualifier: &'static str,
}

impl Item {
    fn a(&self) -> String {
        format!("{} {}", self.label.a(), self.qualifier)
    }

    fn bare(&self) -> String {
        format!("{} {}", self.label.noun, self.qualifier)
    }

    fn plural(&self) -> String {
        format!("{}s {}", self.label.noun, self.qualifier)
    }
}

fn items(spec: &EvidenceSpec) -> Vec<Item> {
    let record = if spec.authorised {
        "completed and signed off"
    } else if spec.started {
        "begun"
    } else {
        "completed"
    };
    let of = |table, kinds: &[String], qualifier: &'static str| -> Vec<Item> {
        kinds
            .iter()
            .map(|k| Item {
                label: label(table, k),
                qualifier,
            })
            .collect()
    };
    let mut all = of(Table::Record, &spec.records, record);
    all.extend(of(Table::Meeting, &spec.meetings, "held"));
    all.extend(of(Table::Decision, &spec.decisions, "recorded"));
    all.extend(of(Table::Event, &spec.events, "recorded"));
    all.extend(spec.visits.iter().map(|v| Item {
        label: {
            let noun = format!("{} visit", visit_words(*v));
            Label {
                article: super::vocabulary::article(&noun),
                noun: noun.into(),
            }
        },
        qualifier: "with the child seen",
    }));
    all
}

/// "a conference record completed or a case direction recorded".
pub fn evidence_words(spec: &EvidenceSpec) -> String {
    or_list(items(spec).iter().map(Item::a).collect())
}

/// "case summary completed", "TAF meeting held or TAF review held": after "the last".
pub fn evidence_bare(spec: &EvidenceSpec) -> String {
    or_list(items(spec).iter().map(Item::bare).collect())
}

/// "looked-after reviews held": after "fewer than 2".
pub fn evidence_plural(spec: &EvidenceSpec) -> String {
    or_list(items(spec).iter().map(Item::plural).collect())
}

/// What a shape watches, for `rules show`'s "Watches:" line.
/// What a shape watches, for `rules show`'s "Watches:" line: `case` is "looked-after case" (or "case"), `on_case`
/// " on a looked-after case" (or nothing).
pub fn shape_subject(shape: &Shape, case: &str, on_case: &str) -> String {
    let kinds = kinds(shape);
    let details = shape
        .detail
        .as_ref()
        .map_or(String::new(), |d| format!(" marked {}", or_list(d.clone())));
    let mut text = match shape.kind {
        ShapeKind::AfterEvent(Source::Events) => format!("each {kinds}{details}{on_case}"),
        ShapeKind::AfterEvent(Source::Meetings) => format!("each {kinds} held{on_case}"),
        ShapeKind::AfterEvent(Source::Decisions) => format!("each {kinds}{on_case}"),
        ShapeKind::AfterEvent(Source::Records) => {
            format!("each {kinds}{on_case}, from the time it is about")
        }
        ShapeKind::BeforeMeeting => {
            format!("each {kinds} scheduled{on_case} and not yet held or cancelled")
        }
        ShapeKind::Every => format!("each open {case}"),
        ShapeKind::ByAge(months) => format!(
            "each open {case} whose child's date of birth is recorded, when the child is {}",
            age(months)
        ),
    };
    if let Some(since) = &shape.since {
        let which = match since.nth {
            Some(Nth::First) => "first",
            _ => "latest",
        };
        text += &format!(", counted from the {which} {}", since_words(shape));
        text += if since.required {
            " (none is watched before there is one)"
        } else {
            " (from the case's opening when there is none)"
        };
        if let Some(details) = &since.detail {
            text += &format!(", while that is marked {}", or_list(details.clone()));
        }
        if let Some(details) = &since.detail_not {
            text += &format!(", unless that is marked {}", or_list(details.clone()));
        }
    }
    match shape.nth {
        Some(Nth::First) => text += " (only the first on the case)",
        Some(Nth::Latest) => text += " (only the latest on the case)",
        None => {}
    }
    text
}

/// An `every` rule's series start, without an article: "placement's start", "TYS plan completed".
fn since_words(shape: &Shape) -> String {
    let Some(since) = &shape.since else {
        return String::new();
    };
    let events = since
        .events
        .iter()
        .map(|k| label(Table::Event, k).noun.into_owned());
    let meetings = since
        .meetings
        .iter()
        .map(|k| format!("{} held", label(Table::Meeting, k).noun));
    let records = since
        .records
        .iter()
        .map(|k| format!("{} completed", label(Table::Record, k).noun));
    or_list(events.chain(meetings).chain(records).collect())
}

/// The case types a rule watches, in words that go before "case" ("child in need or child protection"), and the
/// care-leaver categories, when the rule names any.
pub fn filter_words(filter: &CaseFilter) -> (Option<String>, Option<String>) {
    let types = filter
        .case_types
        .as_ref()
        .map(|types| or_list(types.iter().map(|t| case_type_words(t)).collect()));
    let categories = filter.categories.as_ref().map(|categories| {
        let names = categories
            .iter()
            .map(|c| c.as_str().replace('_', " "))
            .collect();
        format!("({})", or_list(names))
    });
    (types, categories)
}

/// A `case_type` as a practice lead says it before "case"; a type of the authority's own, as it is written.
fn case_type_words(case_type: &str) -> String {
    match case_type {
        "CIN" => "child in need".into(),
        "CP" => "child protection".into(),
        "CLA" => "looked-after".into(),
        "CARE_LEAVER" => "care leaver".into(),
        "EARLY_HELP" => "early help".into(),
        "YOUTH_JUSTICE" => "youth justice".into(),
        "TYS" => "targeted youth support".into(),
        "PRIVATE_FOSTERING" => "private fostering".into(),
        "CONTACT" => "contact".into(),
        other => other.into(),
    }
}

const OPENED: &str = "(or the day the case opened, when there is none)";

/// What a selector's anchor is, for people.
pub fn anchor_words(selector: &Selector, name: &str) -> String {
    match (selector, name) {
        (Selector::Shape(s), "A" | "S") => match s.kind {
            ShapeKind::AfterEvent(Source::Records) => {
                format!("the time the {} is about", kinds(s))
            }
            ShapeKind::AfterEvent(_) => format!("the {}", kinds(s)),
            ShapeKind::BeforeMeeting => format!("the scheduled time of the {}", kinds(s)),
            ShapeKind::Every if s.since.is_some() => format!(
                "the last {} (or, when there is none, {})",
                evidence_bare(&s.evidence),
                anchor_words(selector, "P")
            ),
            ShapeKind::Every => format!("the last {} {OPENED}", evidence_bare(&s.evidence)),
            ShapeKind::ByAge(months) => {
                format!("the start of the day the child is {}", age(months))
            }
        },
        (Selector::Shape(s), "d") => match s.kind {
            ShapeKind::ByAge(months) => format!("the day the child is {}", age(months)),
            ShapeKind::AfterEvent(Source::Records) => {
                format!("the day the {} is about", kinds(s))
            }
            ShapeKind::BeforeMeeting => format!("the day the {} is scheduled for", kinds(s)),
            _ => format!("the day of {}", anchor_words(selector, "A")),
        },
        (Selector::Shape(s), "L") => anchor_words(&Selector::Shape(s.clone()), "A"),
        (Selector::Shape(s), "B") => match s.kind {
            ShapeKind::ByAge(months) => format!("the day the child is {}", age(months)),
            _ => "B".into(),
        },
        (Selector::Shape(s), "P") => match &s.since {
            Some(since) if since.nth == Some(Nth::First) => {
                format!("the first {}", since_words(s))
            }
            Some(_) => format!("the latest {}", since_words(s)),
            None => "the start of the day the case opened".into(),
        },
        (Selector::Shape(s), "last") => {
            format!("the last {} since then", evidence_bare(&s.evidence))
        }
        (Selector::Shape(s), "count") => {
            format!("the number of {} since then", evidence_plural(&s.evidence))
        }
        (Selector::Shape(s), "last_held") => format!("the previous {} held", kinds(s)),
        (Selector::Shape(s), "held_before") => format!(
            "the number of {} held before it",
            or_list(
                s.kinds
                    .iter()
                    .map(|k| format!("{}s", label(Table::Meeting, k).noun))
                    .collect()
            )
        ),
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

/// The rule's settings, for `rules show`: "6 weeks between visits is the setting `interval_weeks`".
pub fn settings_words(settings: &[Setting]) -> String {
    and_list(
        settings
            .iter()
            .map(|s| format!("`{}` = {}", s.name, s.value))
            .collect(),
    )
}

pub fn age(months: u32) -> String {
    match (months / 12, months % 12) {
        (y, 0) => format!("{y} years old"),
        (y, m) => format!("{y} years and {m} months old"),
    }
}

pub fn visit_type_list(visit_types: &[crate::model::VisitType]) -> String {
    or_list(visit_types.iter().map(|v| visit_words(*v)).collect())
}

/// A visit type as people say it: "statutory", "KIT".
pub fn visit_words(visit_type: crate::model::VisitType) -> String {
    match visit_type.as_str() {
        "kit" => "KIT".into(),
        other => other.into(),
    }
}

pub fn roles(notify: &[Role], selector: &Selector) -> String {
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
pub fn amount(n: i64, unit: Unit) -> String {
    format!("{n} {}", unit_words(unit, n))
}

pub fn unit_words(unit: Unit, n: i64) -> &'static str {
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

pub fn ordinal(n: i64) -> String {
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

pub fn and_list(parts: Vec<String>) -> String {
    joined(parts, "and")
}

pub fn or_list(parts: Vec<String>) -> String {
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
