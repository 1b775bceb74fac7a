//! Rows of the canonical case schema (SPEC sections 2 and 8.1) decoded into the domain types of [`crate::model`].
//!
//! Column names here are the contract with the case database; the SQL that selects them lives in `queries.rs`.

use crate::model::{
    Assessment, CareLeaverCategory, Case, CaseEvent, CaseId, Child, ChildId, Decision, Meeting,
    Record, Staff, StaffId, Visit, VisitType,
};

use super::decode::{
    Cell, Problem, RawRow, Reason, as_bool, as_date, as_id, as_instant, as_positive, as_text,
    optional, required, row_id,
};
use super::feed::Feed;

/// The cases query renames the joined `children.child_id`, so a missing children row shows as NULL here.
pub(super) const JOINED_CHILD_ID: &str = "joined_child_id";

pub(super) fn staff(row: &impl RawRow) -> Result<Staff, Problem> {
    Ok(Staff {
        id: StaffId(required(row, "staff_id", as_id)?),
        display_name: required(row, "display_name", as_text)?,
        email: optional(row, "email", as_text)?,
        role: required(row, "role", as_text)?,
        team: optional(row, "team", as_text)?,
        manager_id: optional(row, "manager_id", as_id)?.map(StaffId),
        cover_id: optional(row, "cover_id", as_id)?.map(StaffId),
        absent_from: optional(row, "absent_from", as_date)?,
        absent_until: optional(row, "absent_until", as_date)?,
        active: required(row, "active", as_bool)?,
    })
}

/// The child joined onto a case row; `Ok(None)` when the case names a child that has no row.
pub(super) fn joined_child(row: &impl RawRow) -> Result<Option<Child>, Problem> {
    let Some(id) = optional(row, JOINED_CHILD_ID, as_text)? else {
        return Ok(None);
    };
    Ok(Some(Child {
        id: ChildId(id),
        display_ref: required(row, "display_ref", as_text)?,
        given_name: optional(row, "given_name", as_text)?,
        family_name: optional(row, "family_name", as_text)?,
        date_of_birth: optional(row, "date_of_birth", as_date)?,
    }))
}

pub(super) fn case(row: &impl RawRow) -> Result<Case, Problem> {
    Ok(Case {
        id: CaseId(required(row, "case_id", as_id)?),
        child_id: ChildId(required(row, "child_id", as_id)?),
        case_type: required(row, "case_type", as_text)?,
        allocated_worker_id: optional(row, "allocated_worker_id", as_id)?.map(StaffId),
        opened_on: required(row, "opened_on", as_date)?,
        closed_on: optional(row, "closed_on", as_date)?,
        care_leaver_category: optional(row, "care_leaver_category", |cell| {
            one_of(cell, CareLeaverCategory::parse)
        })?,
    })
}

pub(super) fn visit(row: &impl RawRow) -> Result<Visit, Problem> {
    Ok(Visit {
        id: required(row, "visit_id", as_id)?,
        case_id: CaseId(required(row, "case_id", as_id)?),
        visit_type: required(row, "visit_type", |cell| one_of(cell, VisitType::parse))?,
        visit_at: required(row, "visit_at", as_instant)?,
        child_seen: required(row, "child_seen", as_bool)?,
        worker_id: optional(row, "worker_id", as_id)?.map(StaffId),
        note_created_at: optional(row, "note_created_at", as_instant)?,
        note_finalised_at: optional(row, "note_finalised_at", as_instant)?,
        manager_comment_at: optional(row, "manager_comment_at", as_instant)?,
        ssda903_recorded: required(row, "ssda903_recorded", as_bool)?,
    })
}

pub(super) fn assessment(row: &impl RawRow) -> Result<Assessment, Problem> {
    Ok(Assessment {
        id: required(row, "assessment_id", as_id)?,
        case_id: CaseId(required(row, "case_id", as_id)?),
        started_on: required(row, "started_on", as_date)?,
        referral_on: optional(row, "referral_on", as_date)?,
        priority_working_days: required(row, "priority_working_days", as_positive)?,
        priority_set_at: optional(row, "priority_set_at", as_instant)?,
        completed_on: optional(row, "completed_on", as_date)?,
        worker_id: optional(row, "worker_id", as_id)?.map(StaffId),
    })
}

pub(super) fn decision(row: &impl RawRow) -> Result<Decision, Problem> {
    Ok(Decision {
        id: required(row, "decision_id", as_id)?,
        case_id: CaseId(required(row, "case_id", as_id)?),
        decided_at: required(row, "decided_at", as_instant)?,
        manager_id: optional(row, "manager_id", as_id)?.map(StaffId),
        kind: required(row, "kind", as_text)?,
    })
}

pub(super) fn case_event(row: &impl RawRow) -> Result<CaseEvent, Problem> {
    Ok(CaseEvent {
        id: required(row, "event_id", as_id)?,
        case_id: CaseId(required(row, "case_id", as_id)?),
        kind: required(row, "kind", as_text)?,
        occurred_at: required(row, "occurred_at", as_instant)?,
        staff_id: optional(row, "staff_id", as_id)?.map(StaffId),
        detail: optional(row, "detail", as_text)?,
    })
}

pub(super) fn meeting(row: &impl RawRow) -> Result<Meeting, Problem> {
    Ok(Meeting {
        id: required(row, "meeting_id", as_id)?,
        case_id: CaseId(required(row, "case_id", as_id)?),
        kind: required(row, "kind", as_text)?,
        scheduled_at: optional(row, "scheduled_at", as_instant)?,
        held_at: optional(row, "held_at", as_instant)?,
        cancelled: required(row, "cancelled", as_bool)?,
        chair_id: optional(row, "chair_id", as_id)?.map(StaffId),
    })
}

pub(super) fn record(row: &impl RawRow) -> Result<Record, Problem> {
    Ok(Record {
        id: required(row, "record_id", as_id)?,
        case_id: CaseId(required(row, "case_id", as_id)?),
        kind: required(row, "kind", as_text)?,
        about_at: optional(row, "about_at", as_instant)?,
        completed_at: optional(row, "completed_at", as_instant)?,
        authorised_at: optional(row, "authorised_at", as_instant)?,
        staff_id: optional(row, "staff_id", as_id)?.map(StaffId),
        meeting_id: optional(row, "meeting_id", as_id)?,
        event_id: optional(row, "event_id", as_id)?,
    })
}

/// A row of one feed of a case read, decoded as it arrives, so a backend can let go of its raw row at once.
///
/// Tens of millions of these are moved from batch to merge to case file: the rare parts (a bad row, the child
/// joined onto a case row) are boxed to keep the common one small (200 bytes rather than 320).
pub(super) struct FeedRow {
    row: Result<Decoded, Box<BadRow>>,
    /// The child joined onto a case row (the cases feed only).
    child: Option<Box<JoinedChild>>,
}

/// A row that decoded.
pub(super) enum Decoded {
    Case(Case),
    Visit(Visit),
    Assessment(Assessment),
    Decision(Decision),
    Event(CaseEvent),
    Meeting(Meeting),
    Record(Record),
}

/// A row that did not decode: what names it in a warning, and why it is skipped.
pub(super) struct BadRow {
    case_id: Result<String, Problem>,
    pub(super) id: String,
    pub(super) problem: Problem,
}

/// The child a case row names, as the cases query's LEFT JOIN found it.
pub(super) struct JoinedChild {
    /// Whether there was a children row.
    pub(super) found: bool,
    /// Its id, as a warning names it (only when it could not be read).
    pub(super) id: String,
    pub(super) child: Result<Option<Child>, Problem>,
}

impl FeedRow {
    pub(super) fn decode(feed: Feed, row: &impl RawRow) -> FeedRow {
        let decoded = match feed {
            Feed::Cases => case(row).map(Decoded::Case),
            Feed::Visits => visit(row).map(Decoded::Visit),
            Feed::Assessments => assessment(row).map(Decoded::Assessment),
            Feed::Decisions => decision(row).map(Decoded::Decision),
            Feed::Events => case_event(row).map(Decoded::Event),
            Feed::Meetings => meeting(row).map(Decoded::Meeting),
            Feed::Records => record(row).map(Decoded::Record),
        };
        let child = (feed == Feed::Cases).then(|| {
            let child = joined_child(row);
            Box::new(JoinedChild {
                found: row.cell(JOINED_CHILD_ID) != Cell::Null,
                id: match child {
                    Err(_) => row_id(row, JOINED_CHILD_ID),
                    Ok(_) => String::new(),
                },
                child,
            })
        });
        let row = decoded.map_err(|problem| {
            Box::new(BadRow {
                case_id: required(row, "case_id", as_id),
                id: row_id(row, feed.table().id_column()),
                problem,
            })
        });
        FeedRow { row, child }
    }

    /// The row's `case_id`, or why it cannot be read.
    pub(super) fn case_id(&self) -> Result<&str, &Problem> {
        match &self.row {
            Ok(decoded) => Ok(decoded.case_id()),
            Err(bad) => bad.case_id.as_deref(),
        }
    }

    /// How a warning names the row: its id, as text.
    pub(super) fn id(&self) -> &str {
        match &self.row {
            Ok(decoded) => decoded.id(),
            Err(bad) => &bad.id,
        }
    }

    pub(super) fn into_parts(self) -> (Result<Decoded, Box<BadRow>>, Option<Box<JoinedChild>>) {
        (self.row, self.child)
    }
}

impl Decoded {
    fn case_id(&self) -> &str {
        match self {
            Decoded::Case(c) => c.id.as_str(),
            Decoded::Visit(v) => v.case_id.as_str(),
            Decoded::Assessment(a) => a.case_id.as_str(),
            Decoded::Decision(d) => d.case_id.as_str(),
            Decoded::Event(e) => e.case_id.as_str(),
            Decoded::Meeting(m) => m.case_id.as_str(),
            Decoded::Record(r) => r.case_id.as_str(),
        }
    }

    fn id(&self) -> &str {
        match self {
            Decoded::Case(c) => c.id.as_str(),
            Decoded::Visit(v) => &v.id,
            Decoded::Assessment(a) => &a.id,
            Decoded::Decision(d) => &d.id,
            Decoded::Event(e) => &e.id,
            Decoded::Meeting(m) => &m.id,
            Decoded::Record(r) => &r.id,
        }
    }
}

fn one_of<T>(cell: Cell<'_>, parse: fn(&str) -> Option<T>) -> Result<T, Reason> {
    parse(&as_text(cell)?).ok_or(Reason::UnknownValue)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    struct FakeRow(HashMap<&'static str, Cell<'static>>);

    impl RawRow for FakeRow {
        fn cell(&self, column: &'static str) -> Cell<'_> {
            self.0.get(column).cloned().unwrap_or(Cell::Null)
        }
    }

    fn visit_row(changes: &[(&'static str, Cell<'static>)]) -> FakeRow {
        let mut cells = HashMap::from([
            ("visit_id", Cell::Text("V1".into())),
            ("case_id", Cell::Text("C1".into())),
            ("visit_type", Cell::Text("kit".into())),
            ("visit_at", Cell::Text("2026-03-02T10:00:00Z".into())),
            ("child_seen", Cell::Int(1)),
            ("ssda903_recorded", Cell::Int(0)),
        ]);
        cells.extend(changes.iter().cloned());
        FakeRow(cells)
    }

    #[test]
    fn a_visit_with_only_its_required_columns_decodes() {
        let visit = visit(&visit_row(&[])).unwrap();
        assert_eq!(visit.visit_type, VisitType::Kit);
        assert!(visit.child_seen && !visit.ssda903_recorded);
        assert_eq!((visit.worker_id, visit.note_created_at), (None, None));
    }

    #[test]
    fn each_bad_visit_value_names_its_column() {
        let cases = [
            (
                "visit_type",
                Cell::Text("home".into()),
                Reason::UnknownValue,
            ),
            (
                "visit_at",
                Cell::Text("2026-03-02 10:00:00".into()),
                Reason::NoUtcOffset,
            ),
            ("visit_at", Cell::Null, Reason::Null),
            ("child_seen", Cell::Int(2), Reason::NotBoolean),
            (
                "note_created_at",
                Cell::Text("soon".into()),
                Reason::NotTimestamp,
            ),
        ];
        for (column, cell, reason) in cases {
            let problem = visit(&visit_row(&[(column, cell)])).unwrap_err();
            assert_eq!(problem, Problem::new(column, reason));
        }
    }

    #[test]
    fn care_leaver_category_is_one_of_four_or_null() {
        let mut row = HashMap::from([
            ("case_id", Cell::Text("C1".into())),
            ("child_id", Cell::Text("K1".into())),
            ("case_type", Cell::Text("CARE_LEAVER".into())),
            ("opened_on", Cell::Text("2026-01-05".into())),
        ]);
        assert_eq!(
            case(&FakeRow(row.clone())).unwrap().care_leaver_category,
            None
        );
        row.insert("care_leaver_category", Cell::Text("former_relevant".into()));
        let category = case(&FakeRow(row.clone())).unwrap().care_leaver_category;
        assert_eq!(category, Some(CareLeaverCategory::FormerRelevant));
        row.insert("care_leaver_category", Cell::Text("Former Relevant".into()));
        let problem = case(&FakeRow(row)).unwrap_err();
        assert_eq!(
            problem,
            Problem::new("care_leaver_category", Reason::UnknownValue)
        );
    }
}
