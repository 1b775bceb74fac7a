//! Subject selectors: which rows of a case become obligations, and the anchors and facts each one offers a rule.
//!
//! A selector is the only part of a rule that is code. Each reads one case as of the evaluation instant (SPEC
//! section 3a: anything dated after `now` has not happened yet) and hands each subject to the rule, which turns its
//! anchors into stage times. docs/rules.md lists every selector with its parameters, anchors and facts.

use std::borrow::Cow;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Deserialize;

use super::expr::{Kind, Value};
pub use super::reading::{AsOf, Subject};
use super::shape::{EvidenceSpec, Nth, Shape, ShapeKind, Since, Source};
use crate::calendar::{add_months, local_date};
use crate::model::{CareLeaverCategory, CaseFile, OptionalTables, StaffId, Visit, VisitType};

/// The `subject` table of a rule, as written. Which fields a kind takes is checked by [`Selector::from_spec`].
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectSpec {
    pub kind: String,
    pub case_types: Option<Vec<String>>,
    pub categories: Option<Vec<CareLeaverCategory>>,
    pub visit_types: Option<Vec<VisitType>>,
    pub decision_kind: Option<String>,
    pub ages: Option<Vec<u32>>,
    pub months_either_side: Option<u32>,
    /// after-event: the `case_events` kinds that start the clock.
    pub events: Option<Vec<String>>,
    /// after-event: the held `meetings` kinds that start the clock; before-meeting: the scheduled ones.
    pub meetings: Option<Vec<String>>,
    /// after-event: the `records` kinds whose `about_at` starts the clock.
    pub records: Option<Vec<String>>,
    /// after-event: the `management_decisions` kinds whose `decided_at` starts the clock.
    pub decisions: Option<Vec<String>>,
    /// after-event over events: only events whose `detail` is one of these.
    pub detail: Option<Vec<String>>,
    /// Only the first, or the latest, subject row of the kinds listed on the case.
    pub nth: Option<Nth>,
    /// by-age: the age in months (15 years 9 months is 189).
    pub months: Option<u32>,
    /// every: the series start (a placement, becoming looked after, the initial conference).
    pub since: Option<Since>,
}

/// Which cases a selector looks at.
#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    pub(crate) case_types: Option<Vec<String>>,
    pub(crate) categories: Option<Vec<CareLeaverCategory>>,
}

impl CaseFilter {
    pub(crate) fn admits(&self, file: &CaseFile) -> bool {
        let case = &file.case;
        self.case_types
            .as_ref()
            .is_none_or(|types| types.contains(&case.case_type))
            && self
                .categories
                .as_ref()
                .is_none_or(|cats| case.care_leaver_category.is_some_and(|c| cats.contains(&c)))
    }
}

#[derive(Clone, Debug)]
pub enum Selector {
    /// Each visit with a note started: SPEC R1.
    VisitNote { visit_types: Vec<VisitType> },
    /// Each assessment started: SPEC R2, R3.
    Assessment,
    /// Each case with a failed visit since its last successful one: SPEC R4.
    FailedVisitLadder {
        visit_types: Vec<VisitType>,
        decision_kind: String,
    },
    /// Each case, with the date of its last successful contact: SPEC R5.
    KeepInTouch { visit_types: Vec<VisitType> },
    /// Each birthday window of each case: SPEC R6.
    BirthdayWindow {
        visit_types: Vec<VisitType>,
        ages: Vec<u32>,
        months_either_side: u32,
    },
    /// One of the four shapes of SPEC section 8.3.
    Shape(Box<Shape>),
}

impl Selector {
    /// Parses a `subject` table (and a shape's `evidence`), naming the field that does not fit.
    pub fn from_spec(
        spec: SubjectSpec,
        evidence: Option<EvidenceSpec>,
    ) -> Result<(Selector, CaseFilter), String> {
        let SubjectSpec {
            kind,
            case_types,
            categories,
            visit_types,
            decision_kind,
            ages,
            months_either_side,
            events,
            meetings,
            records,
            decisions,
            detail,
            nth,
            months,
            since,
        } = spec;
        let filter = CaseFilter {
            case_types,
            categories,
        };
        let unused = |field: &str, present: bool| {
            if present {
                Err(format!("subject.{field} does not apply to kind `{kind}`"))
            } else {
                Ok(())
            }
        };
        let visits = |default: VisitType| visit_types.clone().unwrap_or_else(|| vec![default]);
        let shape_fields = [
            ("events", events.is_some()),
            ("meetings", meetings.is_some()),
            ("records", records.is_some()),
            ("decisions", decisions.is_some()),
            ("detail", detail.is_some()),
            ("nth", nth.is_some()),
            ("months", months.is_some()),
            ("since", since.is_some()),
        ];
        if let Some(shape) = shape_kind(&kind) {
            unused("visit_types", visit_types.is_some())?;
            unused("decision_kind", decision_kind.is_some())?;
            unused("ages", ages.is_some())?;
            unused("months_either_side", months_either_side.is_some())?;
            let mut shape = build_shape(
                shape, events, meetings, records, decisions, detail, nth, months, evidence,
            )?;
            if let Some(since) = since {
                if shape.kind != ShapeKind::Every {
                    return Err(format!("subject.since does not apply to kind `{kind}`"));
                }
                since.check()?;
                shape.since = Some(since);
            }
            if matches!(shape.kind, ShapeKind::Every | ShapeKind::ByAge(_))
                && filter.case_types.is_none()
            {
                return Err(format!(
                    "subject.case_types: a `{kind}` rule names the case types it watches, e.g. [\"CIN\", \"CP\", \"CLA\"]"
                ));
            }
            return Ok((Selector::Shape(Box::new(shape)), filter));
        }
        if evidence.is_some() {
            return Err(format!(
                "evidence applies to the shapes after-event, before-meeting, every and by-age, not to `{kind}` \
                 (its facts say what ends it)"
            ));
        }
        for (field, present) in shape_fields {
            unused(field, present)?;
        }
        let selector = match kind.as_str() {
            "visit-note" => Selector::VisitNote {
                visit_types: visits(VisitType::Statutory),
            },
            "assessment" => {
                unused("visit_types", visit_types.is_some())?;
                Selector::Assessment
            }
            "failed-visit-ladder" => Selector::FailedVisitLadder {
                visit_types: visits(VisitType::Statutory),
                decision_kind: decision_kind
                    .clone()
                    .unwrap_or_else(|| "failed_visit_escalation".into()),
            },
            "keep-in-touch" => Selector::KeepInTouch {
                visit_types: visits(VisitType::Kit),
            },
            "birthday-window" => Selector::BirthdayWindow {
                visit_types: visits(VisitType::Kit),
                ages: ages.clone().unwrap_or_else(|| vec![17, 18, 19, 20, 21]),
                months_either_side: months_either_side.unwrap_or(2),
            },
            other => {
                return Err(format!(
                    "unknown subject kind `{other}` (expected after-event, before-meeting, every, by-age, \
                     visit-note, assessment, failed-visit-ladder, keep-in-touch or birthday-window)"
                ));
            }
        };
        if !matches!(selector, Selector::FailedVisitLadder { .. }) {
            unused("decision_kind", decision_kind.is_some())?;
        }
        if !matches!(selector, Selector::BirthdayWindow { .. }) {
            unused("ages", ages.is_some())?;
            unused("months_either_side", months_either_side.is_some())?;
        }
        Ok((selector, filter))
    }

    /// The `subject.kind` a rule file names.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Selector::VisitNote { .. } => "visit-note",
            Selector::Assessment => "assessment",
            Selector::FailedVisitLadder { .. } => "failed-visit-ladder",
            Selector::KeepInTouch { .. } => "keep-in-touch",
            Selector::BirthdayWindow { .. } => "birthday-window",
            Selector::Shape(shape) => shape.kind.name(),
        }
    }

    /// The optional tables (SPEC section 8.1) this selector reads.
    pub fn tables(&self) -> OptionalTables {
        match self {
            Selector::VisitNote { .. }
            | Selector::Assessment
            | Selector::FailedVisitLadder { .. }
            | Selector::KeepInTouch { .. }
            | Selector::BirthdayWindow { .. } => OptionalTables::default(),
            Selector::Shape(shape) => shape.tables(),
        }
    }

    /// The anchors this selector fills, in slot order.
    pub fn anchors(&self) -> &'static [(&'static str, Kind)] {
        match self {
            Selector::VisitNote { .. } => {
                &[("visit", Kind::Instant), ("note_created", Kind::Instant)]
            }
            Selector::Assessment => &[
                ("started", Kind::Date),
                ("referral", Kind::Date),
                ("priority_working_days", Kind::Number),
            ],
            Selector::FailedVisitLadder { .. } => &[("F1", Kind::Instant), ("F2", Kind::Instant)],
            Selector::KeepInTouch { .. } => &[("last_contact", Kind::Date), ("opened", Kind::Date)],
            Selector::BirthdayWindow { .. } => &[
                ("birthday", Kind::Date),
                ("window_start", Kind::Date),
                ("window_end", Kind::Date),
                ("age", Kind::Number),
                ("visit", Kind::Instant),
            ],
            Selector::Shape(shape) => shape.anchors(),
        }
    }

    /// The facts this selector reports, by bit position.
    pub fn facts(&self) -> &'static [&'static str] {
        match self {
            Selector::VisitNote { .. } => &["manager_commented", "note_finalised"],
            Selector::Assessment => &["completed", "priority_set"],
            Selector::FailedVisitLadder { .. } => &["visited_again", "escalation_recorded"],
            Selector::KeepInTouch { .. } => &["never_visited"],
            Selector::BirthdayWindow { .. } => &["unticked_visit", "no_visit_in_window"],
            Selector::Shape(shape) => shape.facts(),
        }
    }

    /// Calls `emit` for each subject of the case, with the selector's anchors written to `env[..anchors().len()]`.
    pub fn for_each<'f>(
        &self,
        file: &'f CaseFile,
        asof: &AsOf,
        env: &mut [Option<Value>],
        mut emit: impl FnMut(Subject<'f>, &mut [Option<Value>]),
    ) {
        let seen_visits = |types: &[VisitType]| {
            file.visits
                .iter()
                .filter(|v| types.contains(&v.visit_type) && v.visit_at <= asof.now)
                .collect::<Vec<&'f Visit>>()
        };
        match self {
            Selector::Shape(shape) => shape.for_each(file, asof, env, emit),
            Selector::VisitNote { visit_types } => {
                for visit in seen_visits(visit_types) {
                    let Some(created) = asof.instant(visit.note_created_at) else {
                        continue;
                    };
                    env[0] = Some(Value::Instant(visit.visit_at));
                    env[1] = Some(Value::Instant(created));
                    let facts = bits(&[
                        asof.instant(visit.manager_comment_at).is_some(),
                        asof.instant(visit.note_finalised_at).is_some(),
                    ]);
                    emit(subject(&visit.id, visit.worker_id.as_ref(), facts), env);
                }
            }
            Selector::Assessment => {
                for a in file
                    .assessments
                    .iter()
                    .filter(|a| a.started_on <= asof.today)
                {
                    env[0] = Some(Value::Date(a.started_on));
                    env[1] = a.referral_on.map(Value::Date);
                    env[2] = Some(Value::Number(i64::from(a.priority_working_days)));
                    let facts = bits(&[
                        asof.date(a.completed_on).is_some(),
                        asof.instant(a.priority_set_at).is_some(),
                    ]);
                    emit(subject(&a.id, a.worker_id.as_ref(), facts), env);
                }
            }
            Selector::FailedVisitLadder {
                visit_types,
                decision_kind,
            } => {
                let visits = seen_visits(visit_types);
                // seed 001: the ladder starts at the first failed visit since the child was last seen. "After"
                // is strictly later in time, so visits recorded at the same instant never depend on their ids.
                let last_seen = visits
                    .iter()
                    .filter(|v| v.child_seen)
                    .map(|v| v.visit_at)
                    .max();
                let failed_after = |t: Option<DateTime<Utc>>| {
                    visits
                        .iter()
                        .find(|v| !v.child_seen && t.is_none_or(|t| v.visit_at > t))
                };
                let Some(f1) = failed_after(last_seen) else {
                    return;
                };
                let f2_at = failed_after(Some(f1.visit_at)).map(|v| v.visit_at);
                let visited_again = visits.iter().any(|v| v.visit_at > f1.visit_at);
                let escalated = f2_at.is_some_and(|f2_at| {
                    file.decisions.iter().any(|d| {
                        d.kind == *decision_kind && d.decided_at > f2_at && d.decided_at <= asof.now
                    })
                });
                env[0] = Some(Value::Instant(f1.visit_at));
                env[1] = f2_at.map(Value::Instant);
                let facts = bits(&[visited_again, escalated]);
                emit(subject(file.case.id.as_str(), None, facts), env);
            }
            Selector::KeepInTouch { visit_types } => {
                let last_seen = seen_visits(visit_types)
                    .iter()
                    .filter(|v| v.child_seen)
                    .map(|v| local_date(v.visit_at))
                    .max();
                env[0] = Some(Value::Date(last_seen.unwrap_or(file.case.opened_on)));
                env[1] = Some(Value::Date(file.case.opened_on));
                let facts = bits(&[last_seen.is_none()]);
                emit(subject(file.case.id.as_str(), None, facts), env);
            }
            Selector::BirthdayWindow {
                visit_types,
                ages,
                months_either_side,
            } => {
                let Some(dob) = file.child.date_of_birth else {
                    return;
                };
                let seen: Vec<_> = seen_visits(visit_types)
                    .into_iter()
                    .filter(|v| v.child_seen)
                    .collect();
                let months = *months_either_side as i32;
                for &age in ages {
                    let Some(birthday) = birthday(dob, age) else {
                        continue;
                    };
                    let (start, end) =
                        (add_months(birthday, -months), add_months(birthday, months));
                    env[0] = Some(Value::Date(birthday));
                    env[1] = Some(Value::Date(start));
                    env[2] = Some(Value::Date(end));
                    env[3] = Some(Value::Number(i64::from(age)));
                    let inside: Vec<_> = seen
                        .iter()
                        .filter(|v| (start..=end).contains(&local_date(v.visit_at)))
                        .collect();
                    if inside.is_empty() {
                        env[4] = None;
                        let id = format!("{}:{age}", file.case.id);
                        emit(subject_owned(id, None, bits(&[false, true])), env);
                    }
                    for visit in inside.into_iter().filter(|v| !v.ssda903_recorded) {
                        env[4] = Some(Value::Instant(visit.visit_at));
                        emit(
                            subject(&visit.id, visit.worker_id.as_ref(), bits(&[true, false])),
                            env,
                        );
                    }
                }
            }
        }
    }
}

fn subject<'f>(id: &'f str, worker_id: Option<&'f StaffId>, facts: u32) -> Subject<'f> {
    Subject {
        id: Cow::Borrowed(id),
        worker_id,
        owner_id: None,
        facts,
    }
}

fn subject_owned<'f>(id: String, worker_id: Option<&'f StaffId>, facts: u32) -> Subject<'f> {
    Subject {
        id: Cow::Owned(id),
        worker_id,
        owner_id: None,
        facts,
    }
}

fn shape_kind(kind: &str) -> Option<&'static str> {
    ["after-event", "before-meeting", "every", "by-age"]
        .into_iter()
        .find(|k| *k == kind)
}

/// Checks which of the shape fields a shape takes.
#[allow(clippy::too_many_arguments)]
fn build_shape(
    kind: &str,
    events: Option<Vec<String>>,
    meetings: Option<Vec<String>>,
    records: Option<Vec<String>>,
    decisions: Option<Vec<String>>,
    detail: Option<Vec<String>>,
    nth: Option<Nth>,
    months: Option<u32>,
    evidence: Option<EvidenceSpec>,
) -> Result<Shape, String> {
    let not_for = |field: &str, present: bool| {
        if present {
            Err(format!("subject.{field} does not apply to kind `{kind}`"))
        } else {
            Ok(())
        }
    };
    let nonempty = |field: &str, list: Vec<String>| {
        if list.is_empty() {
            Err(format!("subject.{field} names no kinds"))
        } else {
            Ok(list)
        }
    };
    let (shape, kinds) = match kind {
        "after-event" => {
            let sources = [
                (Source::Events, "events", events),
                (Source::Meetings, "meetings", meetings),
                (Source::Records, "records", records),
                (Source::Decisions, "decisions", decisions),
            ];
            let mut given = sources.into_iter().filter(|(_, _, list)| list.is_some());
            let (source, field, list) = match (given.next(), given.next()) {
                (Some(one), None) => one,
                _ => {
                    return Err(
                        "an after-event subject names exactly one of events, meetings, records or decisions"
                            .into(),
                    );
                }
            };
            if source != Source::Events {
                not_for("detail", detail.is_some())?;
            }
            (
                ShapeKind::AfterEvent(source),
                nonempty(field, list.expect("given"))?,
            )
        }
        "before-meeting" => {
            not_for("events", events.is_some())?;
            not_for("records", records.is_some())?;
            not_for("decisions", decisions.is_some())?;
            not_for("detail", detail.is_some())?;
            let Some(list) = meetings else {
                return Err("a before-meeting subject names its meetings, e.g. [\"icpc\"]".into());
            };
            (ShapeKind::BeforeMeeting, nonempty("meetings", list)?)
        }
        _ => {
            for (field, present) in [
                ("events", events.is_some()),
                ("meetings", meetings.is_some()),
                ("records", records.is_some()),
                ("decisions", decisions.is_some()),
                ("detail", detail.is_some()),
                ("nth", nth.is_some()),
            ] {
                not_for(field, present)?;
            }
            if kind == "by-age" {
                let Some(months) = months else {
                    return Err("a by-age subject gives the age in months, e.g. months = 189 for 15 years 9 months".into());
                };
                (ShapeKind::ByAge(months), Vec::new())
            } else {
                (ShapeKind::Every, Vec::new())
            }
        }
    };
    if !matches!(shape, ShapeKind::ByAge(_)) {
        not_for("months", months.is_some())?;
    }
    let mut evidence = evidence.unwrap_or_default();
    if evidence.is_empty() {
        return Err(format!(
            "a `{kind}` rule names its evidence: evidence = {{ records = [...] }} (or meetings, decisions, events, \
             visits)"
        ));
    }
    evidence.check()?;
    if evidence.window.is_some() && !matches!(shape, ShapeKind::AfterEvent(_)) {
        return Err("evidence.look_back applies to after-event rules".into());
    }
    Ok(Shape {
        kind: shape,
        kinds,
        detail,
        nth,
        since: None,
        evidence,
    })
}

fn bits(facts: &[bool]) -> u32 {
    facts
        .iter()
        .enumerate()
        .fold(0, |acc, (i, &on)| if on { acc | 1 << i } else { acc })
}

/// The birthday at `age`; someone born on 29 February has it on 28 February in other years (SPEC R6).
pub fn birthday(dob: NaiveDate, age: u32) -> Option<NaiveDate> {
    let year = dob.year().checked_add(age as i32)?;
    NaiveDate::from_ymd_opt(year, dob.month(), dob.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28))
}
