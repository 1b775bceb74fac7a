//! What the loader writes comes back unchanged, open cases only, in the promised order.

use casewatch::model::{CareLeaverCategory, CaseFile, StaffId, VisitType};
use casewatch::source::{ReadReport, Table};

use crate::support::fixtures::{assessment, at, case, child, date, decision, staff, visit};
use crate::support::{backend_test, case_files_on};

backend_test!(
    async fn every_column_survives_the_round_trip(db) {
        let source = db.migrated_source().await;
        let manager = staff("S2");
        let worker = casewatch::model::Staff {
            role: "personal_adviser".into(),
            manager_id: Some(StaffId::from("S2")),
            cover_id: Some(StaffId::from("S2")),
            absent_from: Some(date("2026-03-02")),
            absent_until: Some(date("2026-03-13")),
            active: false,
            ..staff("S1")
        };
        let bare_staff = casewatch::model::Staff { email: None, team: None, ..staff("S3") };
        // Staff name their managers in any order within one insert.
        source.loader().insert(&[worker.clone(), manager.clone(), bare_staff.clone()]).await.unwrap();
        let full_child = child("K1");
        let bare_child = casewatch::model::Child { given_name: None, family_name: None, date_of_birth: None, ..child("K2") };
        source.loader().insert(&[full_child.clone(), bare_child.clone()]).await.unwrap();
        let full_case = casewatch::model::Case {
            case_type: "CARE_LEAVER".into(),
            allocated_worker_id: Some(StaffId::from("S1")),
            closed_on: Some(date("2026-06-30")),
            care_leaver_category: Some(CareLeaverCategory::FormerRelevant),
            ..case("C1", "K1")
        };
        source.loader().insert(&[full_case.clone(), case("C2", "K2")]).await.unwrap();
        let full_visit = casewatch::model::Visit {
            visit_type: VisitType::Kit,
            child_seen: false,
            worker_id: Some(StaffId::from("S1")),
            note_created_at: Some(at("2026-03-02T11:00:00Z")),
            note_finalised_at: Some(at("2026-03-09T09:30:00.250Z")),
            manager_comment_at: Some(at("2026-03-04T16:45:10Z")),
            ssda903_recorded: true,
            ..visit("V1", "C1", "2026-03-02T10:00:00Z")
        };
        let bare_visit = casewatch::model::Visit { visit_type: VisitType::Other, ..visit("V2", "C1", "2026-03-03T10:00:00Z") };
        source.loader().insert(&[full_visit.clone(), bare_visit.clone()]).await.unwrap();
        let full_assessment = casewatch::model::Assessment {
            referral_on: Some(date("2026-01-28")),
            priority_working_days: 10,
            priority_set_at: Some(at("2026-02-03T08:15:00Z")),
            completed_on: Some(date("2026-02-13")),
            worker_id: Some(StaffId::from("S1")),
            ..assessment("A1", "C1")
        };
        source.loader().insert(&[full_assessment.clone(), assessment("A2", "C1")]).await.unwrap();
        let full_decision = casewatch::model::Decision {
            manager_id: Some(StaffId::from("S2")),
            kind: "failed_visit_escalation".into(),
            ..decision("D1", "C1", "2026-03-05T12:00:00Z")
        };
        source.loader().insert(&[full_decision.clone(), decision("D2", "C2", "2026-03-06T12:00:00Z")]).await.unwrap();

        let report = ReadReport::new();
        assert_eq!(source.load_staff(&report).await.unwrap(), vec![worker, manager, bare_staff]);
        let (files, report) = case_files_on(&source, "2026-03-10").await;
        let expected = vec![
            CaseFile {
                case: full_case,
                child: full_child,
                visits: vec![full_visit, bare_visit],
                assessments: vec![full_assessment, assessment("A2", "C1")],
                decisions: vec![full_decision],
                events: vec![],
                meetings: vec![],
                records: vec![],
            },
            CaseFile {
                case: case("C2", "K2"),
                child: bare_child,
                visits: vec![],
                assessments: vec![],
                decisions: vec![decision("D2", "C2", "2026-03-06T12:00:00Z")],
                events: vec![],
                meetings: vec![],
                records: vec![],
            },
        ];
        assert_eq!(files, expected);
        assert_eq!(report.total_skipped(), 0, "{report}");
    }
);

backend_test!(
    async fn only_cases_open_on_the_date_are_read(db) {
        let source = db.migrated_source().await;
        let on = |id: &str, opened: &str, closed: Option<&str>| casewatch::model::Case {
            opened_on: date(opened),
            closed_on: closed.map(date),
            ..case(id, "K1")
        };
        source.loader().insert(&[child("K1")]).await.unwrap();
        let cases = [
            on("opened-that-day", "2026-03-02", None),
            on("opened-next-day", "2026-03-03", None),
            on("closed-that-day", "2026-01-05", Some("2026-03-02")),
            on("closed-next-day", "2026-01-05", Some("2026-03-03")),
            on("closed-day-before", "2026-01-05", Some("2026-03-01")),
        ];
        source.loader().insert(&cases).await.unwrap();
        let visits: Vec<_> = cases.iter().map(|c| visit(&format!("V-{}", c.id), c.id.as_str(), "2026-02-27T10:00:00Z")).collect();
        source.loader().insert(&visits).await.unwrap();

        let (files, report) = case_files_on(&source, "2026-03-02").await;

        // SPEC section 2: open when opened_on <= date and (closed_on is NULL or closed_on > date).
        let ids: Vec<&str> = files.iter().map(|f| f.case.id.as_str()).collect();
        assert_eq!(ids, ["closed-next-day", "opened-that-day"]);
        assert_eq!(files[0].visits.len(), 1);
        // Closed cases' history is filtered out by the database, not shipped and dropped.
        assert_eq!(report.rows_read(Table::Cases), 2);
        assert_eq!(report.rows_read(Table::Visits), 2);
        assert_eq!(report.total_skipped(), 0);
    }
);

backend_test!(
    async fn cases_come_in_byte_order_and_their_rows_in_time_order(db) {
        let source = db.migrated_source().await;
        source.loader().insert(&[child("K1")]).await.unwrap();
        source.loader().insert(&[case("c1", "K1"), case("C2", "K1"), case("C10", "K1")]).await.unwrap();
        let visits = [
            visit("V9", "C2", "2026-03-02T10:00:00Z"),
            visit("V3", "C2", "2026-03-01T10:00:00Z"),
            visit("V1", "C2", "2026-03-02T10:00:00Z"),
            visit("V5", "c1", "2026-02-01T09:00:00Z"),
        ];
        source.loader().insert(&visits).await.unwrap();
        source.loader().insert(&[assessment("A2", "C2"), assessment("A10", "C2"), assessment("A1", "C2")]).await.unwrap();
        let decisions = [decision("D2", "C10", "2026-03-01T09:00:00Z"), decision("D1", "C10", "2026-03-01T10:00:00Z")];
        source.loader().insert(&decisions).await.unwrap();

        let (files, _) = case_files_on(&source, "2026-03-10").await;

        let ids = |f: &CaseFile| f.visits.iter().map(|v| v.id.clone()).collect::<Vec<_>>();
        assert_eq!(files.iter().map(|f| f.case.id.as_str()).collect::<Vec<_>>(), ["C10", "C2", "c1"]);
        assert_eq!(ids(&files[1]), ["V3", "V1", "V9"]); // by visit_at, then id
        assert_eq!(ids(&files[2]), ["V5"]);
        let assessments: Vec<_> = files[1].assessments.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(assessments, ["A1", "A10", "A2"]);
        let decisions: Vec<_> = files[0].decisions.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(decisions, ["D2", "D1"]);
    }
);

backend_test!(
    async fn iso_timestamps_with_z_offsets_and_fractions_are_instants(db) {
        let source = db.migrated_source().await;
        source.loader().insert(&[child("K1")]).await.unwrap();
        source.loader().insert(&[case("C1", "K1")]).await.unwrap();
        let bool_true = if db.is_postgres() { "true" } else { "1" };
        db.execute(&format!(
            "INSERT INTO visits (visit_id, case_id, visit_type, visit_at, child_seen, ssda903_recorded) VALUES \
             ('V1', 'C1', 'statutory', '2026-03-02T10:00:00Z', {bool_true}, {bool_true}), \
             ('V2', 'C1', 'statutory', '2026-03-02T10:00:00+01:00', {bool_true}, {bool_true}), \
             ('V3', 'C1', 'statutory', '2026-03-02 10:00:00.5Z', {bool_true}, {bool_true}), \
             ('V4', 'C1', 'statutory', '2026-03-02T10:00:00.123456-05:00', {bool_true}, {bool_true})"
        ))
        .await;

        let (files, report) = case_files_on(&source, "2026-03-10").await;

        let instants: Vec<_> = files[0].visits.iter().map(|v| (v.id.as_str(), v.visit_at)).collect();
        let half_second = chrono::Duration::milliseconds(500);
        let micros = chrono::Duration::microseconds(123_456);
        assert_eq!(
            instants,
            [
                ("V2", at("2026-03-02T09:00:00Z")),
                ("V1", at("2026-03-02T10:00:00Z")),
                ("V3", at("2026-03-02T10:00:00Z") + half_second),
                ("V4", at("2026-03-02T15:00:00Z") + micros),
            ]
        );
        assert_eq!(report.total_skipped(), 0);
    }
);
