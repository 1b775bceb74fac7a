//! A small county: a management chain, an absent practice manager with a buddy, and cases for the SPEC's example.

use casewatch::config::Config;
use casewatch::model::*;
use casewatch::source::CaseSource;

use crate::support::TestDb;
use crate::support::fixtures::{at, date};

pub fn person(id: &str, email: Option<&str>, manager: Option<&str>, cover: Option<&str>) -> Staff {
    Staff {
        id: id.into(),
        display_name: format!("Staff {id}"),
        email: email.map(Into::into),
        role: "worker".into(),
        team: Some("Team 3".into()),
        manager_id: manager.map(Into::into),
        cover_id: cover.map(Into::into),
        absent_from: None,
        absent_until: None,
        active: true,
    }
}

/// W42 -> P4 -> S7 -> SM1. P9 is away with P4 as cover; W9 reports to P9.
pub fn staff() -> Vec<Staff> {
    let mut p9 = person("P9", Some("pm9@example.org"), Some("S7"), Some("P4"));
    p9.absent_from = Some(date("2026-03-01"));
    vec![
        person("W42", Some("w42@example.org"), Some("P4"), None),
        person("W9", Some("w9@example.org"), Some("P9"), None),
        person("P4", Some("pm4@example.org"), Some("S7"), None),
        p9,
        person("S7", Some("tm7@example.org"), Some("SM1"), None),
        person("SM1", None, None, None),
    ]
}

pub fn child(id: &str, display_ref: &str) -> Child {
    Child {
        id: id.into(),
        display_ref: display_ref.into(),
        given_name: Some("Fictional".into()),
        family_name: Some("Child".into()),
        date_of_birth: None,
    }
}

pub fn case(id: &str, child_id: &str, worker: &str, case_type: &str) -> Case {
    Case {
        id: id.into(),
        child_id: child_id.into(),
        case_type: case_type.into(),
        allocated_worker_id: Some(worker.into()),
        opened_on: date("2025-06-02"),
        closed_on: None,
        care_leaver_category: None,
    }
}

pub fn visit(id: &str, case_id: &str, when: &str, seen: bool) -> Visit {
    Visit {
        id: id.into(),
        case_id: case_id.into(),
        visit_type: VisitType::Statutory,
        visit_at: at(when),
        child_seen: seen,
        worker_id: None,
        note_created_at: None,
        note_finalised_at: None,
        manager_comment_at: None,
        ssda903_recorded: false,
    }
}

/// The SPEC section 5 example: C42 (LL-100042), last seen 20 February, failed visit on Monday 2 March 2026.
pub async fn load_spec_example(source: &CaseSource) {
    let loader = source.loader();
    loader.insert(&staff()).await.unwrap();
    loader.insert(&[child("K42", "LL-100042")]).await.unwrap();
    loader
        .insert(&[case("C42", "K42", "W42", "CP")])
        .await
        .unwrap();
    loader
        .insert(&[
            visit("V1", "C42", "2026-02-20T10:00:00Z", true),
            visit("V2", "C42", "2026-03-02T10:00:00Z", false),
        ])
        .await
        .unwrap();
}

pub fn config_for(db: &TestDb) -> Config {
    let text = format!(
        "[source]\nurl = \"{}\"\n[notify]\nfallback_address = \"ops@example.org\"\n",
        db.url()
    );
    Config::from_toml(&text, std::path::Path::new("casewatch.toml"), []).unwrap()
}

/// The SPEC's C42 (a failed visit on Monday 2 March) plus, for W42 and P4, a statutory-visit note on C43
/// (LL-100043) started on Monday 9 March (R1 `upcoming` from Thursday 12th) and a C&F on C42 started on Friday 27 February with priority 10
/// (X = Friday 13 March: R3 `upcoming` since Tuesday 10th; R2 `set-priority` since Friday 6th).
///
/// At Thursday 12 March 2026, 09:00: W42 gets a digest of 2 reminders and the `reattempt-overdue` breach; P4 a digest of
/// 1 warning and 1 reminder and the same breach; S7 the `escalate-to-team-manager` escalation. Five emails.
#[allow(dead_code)] // for tests/delivery and tests/explain, not the scenarios
pub async fn load_county(source: &CaseSource) {
    load_spec_example(source).await;
    // On another case: a successful visit on C42 would end its failed-visit ladder.
    source
        .loader()
        .insert(&[child("K43", "LL-100043")])
        .await
        .unwrap();
    source
        .loader()
        .insert(&[case("C43", "K43", "W42", "CIN")])
        .await
        .unwrap();
    let mut note = visit("V9", "C43", "2026-03-09T10:00:00Z", true);
    note.note_created_at = Some(at("2026-03-09T14:00:00Z"));
    source.loader().insert(&[note]).await.unwrap();
    source
        .loader()
        .insert(&[Assessment {
            id: "A1".into(),
            case_id: "C42".into(),
            started_on: date("2026-02-27"),
            referral_on: None,
            priority_working_days: 10,
            priority_set_at: None,
            completed_on: None,
            worker_id: None,
        }])
        .await
        .unwrap();
}
