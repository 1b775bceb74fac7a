//! `evaluate` through each backend.

use casewatch::app;
use casewatch::model::{Assessment, CareLeaverCategory, Case, VisitType};
use casewatch::source::{CaseSource, Table};
use chrono::{DateTime, Utc};

use crate::county::*;
use crate::support::fixtures::{at, date};
use crate::support::{TestDb, backend_test};

async fn json_lines(db: &TestDb, source: &CaseSource, now: &str) -> Vec<String> {
    let config = config_for(db);
    let calendar = config.settings.calendar.working_calendar();
    let evaluation = app::evaluate(&config, &calendar, source, at(now))
        .await
        .unwrap();
    evaluation
        .lines
        .iter()
        .map(|l| serde_json::to_string(l).unwrap())
        .collect()
}

backend_test!(async fn spec_section_5_example_to_the_character(db) {
    let source = db.migrated_source().await;
    load_spec_example(&source).await;
    let lines = json_lines(&db, &source, "2026-03-12T09:00:00Z").await;
    assert_eq!(lines, [
        r#"{"rule":"failed-visit-ladder","stage":"reattempt-overdue","case_id":"C42","subject_id":"C42","child_ref":"LL-100042","due_at":"2026-03-05T23:59:59Z","from":"2026-03-05T23:59:59Z","role":"worker","staff_id":"W42","address":"w42@example.org","severity":"breach"}"#,
        r#"{"rule":"failed-visit-ladder","stage":"reattempt-overdue","case_id":"C42","subject_id":"C42","child_ref":"LL-100042","due_at":"2026-03-05T23:59:59Z","from":"2026-03-05T23:59:59Z","role":"supervisor","staff_id":"P4","address":"pm4@example.org","severity":"breach"}"#,
        r#"{"rule":"failed-visit-ladder","stage":"escalate-to-team-manager","case_id":"C42","subject_id":"C42","child_ref":"LL-100042","due_at":"2026-03-13T23:59:59Z","from":"2026-03-12T00:00:00Z","role":"team_manager","staff_id":"S7","address":"tm7@example.org","severity":"escalation"}"#,
    ]);
});

backend_test!(async fn senior_manager_without_email_goes_to_the_fallback_mailbox(db) {
    let source = db.migrated_source().await;
    load_spec_example(&source).await;
    let lines = json_lines(&db, &source, "2026-03-16T09:00:00Z").await;
    assert_eq!(lines.last().unwrap(), r#"{"rule":"failed-visit-ladder","stage":"escalate-to-senior-manager","case_id":"C42","subject_id":"C42","child_ref":"LL-100042","due_at":"2026-03-17T23:59:59Z","from":"2026-03-16T00:00:00Z","role":"senior_manager","staff_id":null,"address":"ops@example.org","severity":"escalation"}"#);
});

/// (rule, stage, subject, role, staff) of every line, for scenarios where the times are tested elsewhere.
async fn who(
    db: &TestDb,
    source: &CaseSource,
    now: &str,
) -> Vec<(String, String, String, String, Option<String>)> {
    let config = config_for(db);
    let calendar = config.settings.calendar.working_calendar();
    let e = app::evaluate(&config, &calendar, source, at(now))
        .await
        .unwrap();
    e.lines
        .into_iter()
        .map(|l| {
            (
                l.rule,
                l.stage,
                l.subject_id,
                l.role.to_string(),
                l.staff_id,
            )
        })
        .collect()
}

fn w(
    rule: &str,
    stage: &str,
    subject: &str,
    role: &str,
    staff: Option<&str>,
) -> (String, String, String, String, Option<String>) {
    (
        rule.into(),
        stage.into(),
        subject.into(),
        role.into(),
        staff.map(Into::into),
    )
}

backend_test!(async fn every_rule_through_the_database_with_absence_cover(db) {
    let source = db.migrated_source().await;
    let loader = source.loader();
    loader.insert(&staff()).await.unwrap();
    let mut leaver_child = child("K3", "LL-3");
    leaver_child.date_of_birth = Some(date("2008-04-20"));
    loader.insert(&[child("K1", "LL-1"), child("K2", "LL-2"), leaver_child]).await.unwrap();
    let leaver = Case {
        care_leaver_category: Some(CareLeaverCategory::Relevant),
        ..case("C3", "K3", "W9", "CARE_LEAVER")
    };
    loader.insert(&[case("C1", "K1", "W9", "CIN"), case("C2", "K2", "W9", "CP"), leaver]).await.unwrap();
    // R1: note started Mon 2 March (X = Mon 9 March), by W42 although W9 holds the case.
    let mut note = visit("V1", "C1", "2026-03-02T10:00:00Z", true);
    note.note_created_at = Some(at("2026-03-02T15:00:00+00:00"));
    note.worker_id = Some("W42".into());
    // R5: last KIT Thu 15 Jan: due Sun 15 March. R6: 18th birthday 20 April; window ends 20 June.
    let mut kit = visit("K1", "C3", "2026-01-15T10:00:00Z", true);
    kit.visit_type = VisitType::Kit;
    loader.insert(&[note, kit]).await.unwrap();
    // R2 and R3: started Mon 2 March, priority 10 (X = Mon 16 March).
    loader.insert(&[Assessment {
        id: "A1".into(),
        case_id: "C2".into(),
        started_on: date("2026-03-02"),
        referral_on: None,
        priority_working_days: 10,
        priority_set_at: None,
        completed_on: None,
        worker_id: None,
    }]).await.unwrap();
    // Thursday 12 March: P9 is away, so P4 (the buddy) is W9's supervisor. By due time: the note's breach
    // (9 March), the KIT reminder (15 March), then the assessment (16 March; by rule name).
    assert_eq!(who(&db, &source, "2026-03-12T09:00:00Z").await, [
        w("statutory-visit-oversight", "auto-finalised", "V1", "supervisor", Some("P4")),
        w("statutory-visit-oversight", "auto-finalised", "V1", "team_manager", Some("S7")),
        w("kit-visit-due", "upcoming", "C3", "worker", Some("W9")),
        w("cf-assessment-due", "upcoming", "A1", "worker", Some("W9")),
        w("cf-set-priority", "set-priority", "A1", "supervisor", Some("P4")),
    ]);
    // On Monday 8 June the SSDA903 window of the 18th birthday (20 April) starts closing.
    assert!(who(&db, &source, "2026-06-07T22:59:59Z").await.iter().all(|x| x.0 != "kit-ssda903-window"));
    assert!(who(&db, &source, "2026-06-07T23:00:00Z").await.contains(&w("kit-ssda903-window", "window-closing", "C3:18", "worker", Some("W9"))));
});

backend_test!(async fn bad_rows_are_skipped_counted_and_the_rest_evaluated(db) {
    let source = db.migrated_source().await;
    load_spec_example(&source).await;
    // A visit with an unknown type and a case whose child does not exist, written around the schema's checks.
    let bad = if db.is_postgres() {
        "ALTER TABLE cases DROP CONSTRAINT IF EXISTS cases_child_id_fkey;
         INSERT INTO cases (case_id, child_id, case_type, allocated_worker_id, opened_on) VALUES ('C99', 'NOBODY', 'CP', 'W42', '2025-01-01');
         INSERT INTO visits (visit_id, case_id, visit_type, visit_at, child_seen, ssda903_recorded) VALUES ('VX', 'C42', 'phone', '2026-03-03T10:00:00Z', false, false);"
    } else {
        "INSERT INTO cases (case_id, child_id, case_type, allocated_worker_id, opened_on) VALUES ('C99', 'NOBODY', 'CP', 'W42', '2025-01-01');
         INSERT INTO visits (visit_id, case_id, visit_type, visit_at, child_seen, ssda903_recorded) VALUES ('VX', 'C42', 'phone', '2026-03-03T10:00:00Z', 0, 0);"
    };
    db.execute(bad).await;
    let config = config_for(&db);
    let calendar = config.settings.calendar.working_calendar();
    let e = app::evaluate(&config, &calendar, &source, at("2026-03-12T09:00:00Z")).await.unwrap();
    assert_eq!(e.read.report.rows_skipped(Table::Visits), 1);
    assert_eq!(e.read.report.rows_skipped(Table::Cases), 1);
    // C42's ladder is untouched: the bad visit (a failed "phone" visit on 3 March) was not counted as a re-attempt.
    let stages: Vec<_> = e.lines.iter().map(|l| l.stage.as_str()).collect();
    assert_eq!(stages, ["reattempt-overdue", "reattempt-overdue", "escalate-to-team-manager"]);
});
backend_test!(async fn the_database_path_agrees_with_the_in_memory_engine(db) {
    // A generated caseload, loaded and read back, gives the same lines as evaluating the same files in memory.
    let source = db.migrated_source().await;
    let today = date("2026-11-23");
    let generator = casewatch::generate::Generator::new(7, 300, today);
    let staff = generator.staff();
    let files: Vec<_> = generator.case_files().collect();
    casewatch::generate::load(&source, &staff, files.clone()).await.unwrap();
    let config = config_for(&db);
    let calendar = config.settings.calendar.working_calendar();
    let directory = casewatch::recipients::Directory::new(staff);
    for now in ["2026-11-23T09:00:00Z", "2026-12-24T23:59:59Z", "2026-10-25T00:30:00Z"] {
        let now: DateTime<Utc> = at(now);
        let mut memory = casewatch::evaluate::Evaluator::new(&config.rules, &calendar, &directory, "ops@example.org", now);
        for file in &files {
            memory.add_case(file);
        }
        let expected = memory.finish();
        let got = app::evaluate(&config, &calendar, &source, now).await.unwrap();
        assert_eq!(got.read.report.total_skipped(), 0);
        assert!(!expected.is_empty());
        assert_eq!(got.lines, expected, "at {now}");
    }
});
