//! Plain rows of the canonical schema for tests to start from and change with struct-update syntax.

use casewatch::model::{
    Assessment, Case, CaseEvent, CaseId, Child, ChildId, Decision, Meeting, Record, Staff, StaffId,
    Visit, VisitType,
};
use chrono::{DateTime, NaiveDate, Utc};

/// `"2026-03-02"` as a date.
pub fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

/// `"2026-03-02T10:00:00Z"` as an instant.
pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text:?}: {e}"))
        .to_utc()
}

/// An active worker with an email address and no manager.
pub fn staff(id: &str) -> Staff {
    Staff {
        id: StaffId::from(id),
        display_name: format!("Worker {id}"),
        email: Some(format!("{}@example.org", id.to_lowercase())),
        role: "worker".into(),
        team: Some("Team A".into()),
        manager_id: None,
        cover_id: None,
        absent_from: None,
        absent_until: None,
        active: true,
    }
}

pub fn child(id: &str) -> Child {
    Child {
        id: ChildId::from(id),
        display_ref: format!("LL-{id}"),
        given_name: Some("Alex".into()),
        family_name: Some("Example".into()),
        date_of_birth: Some(date("2010-05-01")),
    }
}

/// A CIN case opened on 2026-01-05, still open.
pub fn case(id: &str, child_id: &str) -> Case {
    Case {
        id: CaseId::from(id),
        child_id: ChildId::from(child_id),
        case_type: "CIN".into(),
        allocated_worker_id: None,
        opened_on: date("2026-01-05"),
        closed_on: None,
        care_leaver_category: None,
    }
}

/// A successful statutory visit with no note.
pub fn visit(id: &str, case_id: &str, visit_at: &str) -> Visit {
    Visit {
        id: id.into(),
        case_id: CaseId::from(case_id),
        visit_type: VisitType::Statutory,
        visit_at: at(visit_at),
        child_seen: true,
        worker_id: None,
        note_created_at: None,
        note_finalised_at: None,
        manager_comment_at: None,
        ssda903_recorded: false,
    }
}

/// An open 45-working-day assessment started on 2026-02-02.
pub fn assessment(id: &str, case_id: &str) -> Assessment {
    Assessment {
        id: id.into(),
        case_id: CaseId::from(case_id),
        started_on: date("2026-02-02"),
        referral_on: None,
        priority_working_days: 45,
        priority_set_at: None,
        completed_on: None,
        worker_id: None,
    }
}

pub fn decision(id: &str, case_id: &str, decided_at: &str) -> Decision {
    Decision {
        id: id.into(),
        case_id: CaseId::from(case_id),
        decided_at: at(decided_at),
        manager_id: None,
        kind: "case_direction".into(),
    }
}

/// A `case_events` row of `kind` with no worker and no detail.
pub fn event(id: &str, case_id: &str, kind: &str, occurred_at: &str) -> CaseEvent {
    CaseEvent {
        id: id.into(),
        case_id: CaseId::from(case_id),
        kind: kind.into(),
        occurred_at: at(occurred_at),
        staff_id: None,
        detail: None,
    }
}

/// A meeting of `kind` planned for `scheduled_at`, not yet held, no chair.
pub fn meeting(id: &str, case_id: &str, kind: &str, scheduled_at: &str) -> Meeting {
    Meeting {
        id: id.into(),
        case_id: CaseId::from(case_id),
        kind: kind.into(),
        scheduled_at: Some(at(scheduled_at)),
        held_at: None,
        cancelled: false,
        chair_id: None,
    }
}

/// A record of `kind` completed at `completed_at`, linked to nothing.
pub fn record(id: &str, case_id: &str, kind: &str, completed_at: &str) -> Record {
    Record {
        id: id.into(),
        case_id: CaseId::from(case_id),
        kind: kind.into(),
        about_at: None,
        completed_at: Some(at(completed_at)),
        authorised_at: None,
        staff_id: None,
        meeting_id: None,
        event_id: None,
    }
}

/// A configuration over the case database at `source`, with its state database in `dir` and every email written
/// into `dir/outbox` as an `.eml` file, the fallback mailbox `ops@example.org`; `extra` is TOML appended (tables).
pub fn file_outbox_config(source: &str, dir: &std::path::Path, extra: &str) -> String {
    format!(
        r#"
[source]
url = "{source}"
[state]
url = "sqlite://{dir}/state.db"
[notify]
fallback_address = "ops@example.org"
[email]
transport = "file"
file_dir = "{dir}/outbox"
from = "casewatch <casewatch@council.example>"
{extra}
"#,
        dir = dir.display()
    )
}

/// Every `.eml` file under `dir` (as the file transport writes them), with quoted-printable soft line breaks
/// joined and `=3D` read as `=`, so that a test can search the words a person reads.
pub fn eml_texts(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(eml_texts(&path));
        } else if path.extension().is_some_and(|e| e == "eml") {
            let raw = std::fs::read_to_string(&path)
                .unwrap()
                .replace("\r\n", "\n");
            out.push(raw.replace("=\n", "").replace("=3D", "="));
        }
    }
    out
}
