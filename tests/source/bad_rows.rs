//! Rows casewatch cannot read are skipped, counted and logged by id only; everything else is still read.

use casewatch::model::{CareLeaverCategory, CaseFile, StaffId, VisitType};
use casewatch::source::{ReadReport, Table};

use crate::support::fixtures::{assessment, case, child, date, decision, staff, visit};
use crate::support::{TestDb, backend_test, capture_logs, case_files_on};

/// The canonical tables with every column TEXT and no constraints: how bad values get into PostgreSQL too.
const LOOSE_SCHEMA: &str = "
    CREATE TABLE staff (staff_id TEXT, display_name TEXT, email TEXT, role TEXT, team TEXT, manager_id TEXT,
        cover_id TEXT, absent_from TEXT, absent_until TEXT, active TEXT);
    CREATE TABLE children (child_id TEXT, display_ref TEXT, given_name TEXT, family_name TEXT, date_of_birth TEXT);
    CREATE TABLE cases (case_id TEXT, child_id TEXT, case_type TEXT, allocated_worker_id TEXT, opened_on TEXT,
        closed_on TEXT, care_leaver_category TEXT);
    CREATE TABLE visits (visit_id TEXT, case_id TEXT, visit_type TEXT, visit_at TEXT, child_seen TEXT,
        worker_id TEXT, note_created_at TEXT, note_finalised_at TEXT, manager_comment_at TEXT, ssda903_recorded TEXT);
    CREATE TABLE assessments (assessment_id TEXT, case_id TEXT, started_on TEXT, referral_on TEXT,
        priority_working_days TEXT, priority_set_at TEXT, completed_on TEXT, worker_id TEXT);
    CREATE TABLE management_decisions (decision_id TEXT, case_id TEXT, decided_at TEXT, manager_id TEXT, kind TEXT);
";

const ROWS: &str = "
    INSERT INTO staff VALUES
        ('S1', 'Pat Jones', 's1@example.org', 'worker', NULL, NULL, NULL, NULL, NULL, '1'),
        ('S2', 'Sam Brown', NULL, 'worker', NULL, NULL, NULL, NULL, NULL, '2'),
        ('S3', 'Jo Green', NULL, 'worker', NULL, NULL, NULL, 'next week', NULL, '0'),
        ('S4', NULL, NULL, 'worker', NULL, NULL, NULL, NULL, NULL, '1'),
        ('S5', 'Lee White', NULL, 'worker', NULL, 'S99', NULL, NULL, NULL, '1');
    INSERT INTO children VALUES
        ('K1', 'LL-1', 'Alexandra', 'Secretname', '2010-05-01'),
        ('K2', 'LL-2', 'Bobby', 'Hiddenname', '2010-02-30'),
        ('K3', NULL, 'Charlie', 'Privatename', NULL);
    INSERT INTO cases VALUES
        ('C1', 'K1', 'CIN', 'S1', '2026-01-05', NULL, NULL),
        ('C2', 'K2', 'CIN', NULL, '2026-01-05', NULL, NULL),
        ('C3', 'K404', 'CIN', NULL, '2026-01-05', NULL, NULL),
        ('C4', 'K1', 'CIN', NULL, 'garbage', NULL, NULL),
        ('C5', 'K1', 'CARE_LEAVER', NULL, '2026-01-05', NULL, 'unknown'),
        ('C6', 'K1', NULL, NULL, '2026-01-05', NULL, NULL),
        ('C7', 'K1', 'CLA', NULL, '2026-01-05', '2026-02-01', NULL),
        ('C8', 'K1', 'CARE_LEAVER', NULL, '2026-01-05', '2027-01-01', 'eligible'),
        ('C9', 'K3', 'CIN', NULL, '2026-01-05', NULL, NULL);
    INSERT INTO visits VALUES
        ('V1', 'C1', 'statutory', '2026-03-02T10:00:00Z', '1', NULL, NULL, NULL, NULL, '0'),
        ('V2', 'C1', 'home', '2026-03-02T10:00:00Z', '1', NULL, NULL, NULL, NULL, '0'),
        ('V3', 'C1', 'statutory', '2026-03-02 10:00:00', '1', NULL, NULL, NULL, NULL, '0'),
        ('V4', 'C1', 'statutory', '2026-03-02T10:00:00Z', '2', NULL, NULL, NULL, NULL, '0'),
        ('V5', 'C1', 'statutory', NULL, '1', NULL, NULL, NULL, NULL, '0'),
        ('V6', 'C2', 'statutory', '2026-03-02T10:00:00Z', '1', NULL, NULL, NULL, NULL, '0'),
        ('V7', 'C7', 'statutory', '2026-01-10T10:00:00Z', '1', NULL, NULL, NULL, NULL, '0'),
        ('V8', 'C8', 'kit', '2026-03-03T10:00:00+00:00', '1', 'S5', NULL, NULL, NULL, '1'),
        ('V9', 'C1', 'statutory', '2026-03-02T10:00:00Z', '1', NULL, 'not a time', NULL, NULL, '0');
    INSERT INTO assessments VALUES
        ('A1', 'C1', '2026-02-02', NULL, '45', NULL, NULL, NULL),
        ('A2', 'C1', '2026-02-02', NULL, '0', NULL, NULL, NULL),
        ('A3', 'C1', '2026-02-02', NULL, '-5', NULL, NULL, NULL),
        ('A4', 'C1', '02/02/2026', NULL, '10', NULL, NULL, NULL),
        ('A5', 'C4', '2026-02-02', NULL, '10', NULL, NULL, NULL);
    INSERT INTO management_decisions VALUES
        ('D1', 'C1', '2026-03-05T12:00:00Z', NULL, 'case_direction'),
        ('D2', 'C1', 'yesterday', NULL, 'case_direction'),
        ('D3', 'C3', '2026-03-05T12:00:00Z', NULL, 'case_direction'),
        ('D4', 'C1', '2026-03-05T12:00:00Z', NULL, NULL);
";

backend_test!(
    async fn bad_rows_are_skipped_and_counted_and_the_rest_is_read(db) {
        db.execute(LOOSE_SCHEMA).await;
        db.execute(ROWS).await;
        let source = db.writable_source().await;
        let (logs, _guard) = capture_logs();

        let report = ReadReport::new();
        let staff_rows = source.load_staff(&report).await.unwrap();
        let (files, cases_report) = case_files_on(&source, "2026-03-10").await;

        // An unknown manager is not this layer's business: recipient resolution sends it to the fallback.
        let lee = casewatch::model::Staff {
            display_name: "Lee White".into(),
            email: None,
            team: None,
            manager_id: Some(StaffId::from("S99")),
            ..staff("S5")
        };
        let pat = casewatch::model::Staff { display_name: "Pat Jones".into(), team: None, ..staff("S1") };
        assert_eq!(staff_rows, vec![pat, lee]);
        assert_eq!((report.rows_read(Table::Staff), report.rows_skipped(Table::Staff)), (5, 3));

        let k1 = casewatch::model::Child {
            display_ref: "LL-1".into(),
            given_name: Some("Alexandra".into()),
            family_name: Some("Secretname".into()),
            ..child("K1")
        };
        let c1 = CaseFile {
            case: casewatch::model::Case { allocated_worker_id: Some(StaffId::from("S1")), ..case("C1", "K1") },
            child: k1.clone(),
            visits: vec![visit("V1", "C1", "2026-03-02T10:00:00Z")],
            assessments: vec![assessment("A1", "C1")],
            decisions: vec![decision("D1", "C1", "2026-03-05T12:00:00Z")],
            events: vec![],
            meetings: vec![],
            records: vec![],
        };
        let c8 = CaseFile {
            case: casewatch::model::Case {
                case_type: "CARE_LEAVER".into(),
                closed_on: Some(date("2027-01-01")),
                care_leaver_category: Some(CareLeaverCategory::Eligible),
                ..case("C8", "K1")
            },
            child: k1,
            visits: vec![casewatch::model::Visit {
                visit_type: VisitType::Kit,
                worker_id: Some(StaffId::from("S5")),
                ssda903_recorded: true,
                ..visit("V8", "C8", "2026-03-03T10:00:00Z")
            }],
            assessments: vec![],
            decisions: vec![],
            events: vec![],
            meetings: vec![],
            records: vec![],
        };
        assert_eq!(files, vec![c1, c8]);

        // (read, skipped) per table; C7 is closed, so neither it nor V7 is read at all.
        let counts = |table| (cases_report.rows_read(table), cases_report.rows_skipped(table));
        assert_eq!(counts(Table::Cases), (8, 6), "C2 C3 C4 C5 C6 C9");
        assert_eq!(counts(Table::Children), (7, 2), "K2 K3, once per case naming them");
        assert_eq!(counts(Table::Visits), (8, 6), "V2 V3 V4 V5 V9, and V6 with C2");
        assert_eq!(counts(Table::Assessments), (5, 4), "A2 A3 A4, and A5 with C4");
        assert_eq!(counts(Table::ManagementDecisions), (4, 3), "D2 D4, and D3 with C3");

        let logs = logs.text();
        for expected in [
            "visit_at: timestamp without a UTC offset",
            "row_id=\"V3\"",
            "table=\"visits\"",
            "visit_type: not one of the allowed values",
            "priority_working_days: not a positive whole number",
            "opened_on: not a YYYY-MM-DD date",
            "child_id: names a child with no children row",
            "display_name: NULL in a NOT NULL column",
        ] {
            assert!(logs.contains(expected), "{expected:?} not in:\n{logs}");
        }
        for personal in ["Alexandra", "Secretname", "Hiddenname", "Privatename", "Pat Jones", "Sam Brown", "Jo Green"] {
            assert!(!logs.contains(personal), "{personal:?} logged:\n{logs}");
        }
    }
);

#[tokio::test]
async fn sqlite_values_stored_as_the_wrong_kind_are_bad_rows() {
    let db = TestDb::sqlite().await;
    let source = db.migrated_source().await;
    source.loader().insert(&[child("K1")]).await.unwrap();
    db.execute(
        "INSERT INTO cases VALUES ('C1', 'K1', 'CIN', NULL, '2026-01-05', NULL, NULL),
                                  ('C2', 'K1', 'CIN', NULL, 20260105, NULL, NULL);
         INSERT INTO visits (visit_id, case_id, visit_type, visit_at, child_seen, ssda903_recorded) VALUES
             ('V1', 'C1', 'statutory', '2026-03-02T10:00:00Z', 1, 0),
             ('V2', 'C1', 'statutory', '2026-03-02T10:00:00Z', 2, 0),
             ('V3', 'C1', 'statutory', '2026-03-02T10:00:00Z', 1, -1),
             ('V4', 'C1', 'statutory', 1772445600, 1, 0),
             ('V5', 'C1', 'statutory', '2026-03-02T10:00:00Z', 1.5, 0);
         INSERT INTO assessments (assessment_id, case_id, started_on, priority_working_days) VALUES
             ('A1', 'C1', '2026-02-02', 0), ('A2', 'C1', '2026-02-02', 10.5), ('A3', 'C1', '2026-02-02', 30);",
    )
    .await;

    let (files, report) = case_files_on(&source, "2026-03-10").await;

    assert_eq!(files.len(), 1);
    assert_eq!(
        files[0].visits,
        vec![visit("V1", "C1", "2026-03-02T10:00:00Z")]
    );
    let kept: Vec<_> = files[0]
        .assessments
        .iter()
        .map(|a| (a.id.as_str(), a.priority_working_days))
        .collect();
    assert_eq!(kept, [("A3", 30)]);
    assert_eq!(
        (
            report.rows_read(Table::Cases),
            report.rows_skipped(Table::Cases)
        ),
        (2, 1)
    );
    assert_eq!(report.rows_skipped(Table::Visits), 4);
    assert_eq!(report.rows_skipped(Table::Assessments), 2);
}

#[tokio::test]
async fn postgres_timestamps_without_time_zone_are_not_guessed() {
    let db = TestDb::postgres().await;
    db.execute(LOOSE_SCHEMA).await;
    db.execute(
        "ALTER TABLE visits ALTER COLUMN visit_at TYPE timestamp USING visit_at::timestamp;
         INSERT INTO children VALUES ('K1', 'LL-K1', NULL, NULL, NULL);
         INSERT INTO cases VALUES ('C1', 'K1', 'CIN', NULL, '2026-01-05', NULL, NULL);
         INSERT INTO visits (visit_id, case_id, visit_type, visit_at, child_seen, ssda903_recorded)
             VALUES ('V1', 'C1', 'statutory', '2026-03-02 10:00:00', '1', '0');",
    )
    .await;
    let source = casewatch::source::CaseSource::connect(db.url())
        .await
        .unwrap();
    let (logs, _guard) = capture_logs();

    let (files, report) = case_files_on(&source, "2026-03-10").await;

    assert_eq!(files.len(), 1);
    assert_eq!(files[0].visits, vec![]);
    assert_eq!(report.rows_skipped(Table::Visits), 1);
    assert!(
        logs.text()
            .contains("visit_at: timestamp without a UTC offset"),
        "{}",
        logs.text()
    );
}

/// A staff name stored as bytes that are not UTF-8 (a mis-encoded export): the row is skipped, and the warning
/// says what is wrong with the text rather than that text was found where text was expected.
#[tokio::test]
async fn staff_text_that_is_not_utf8_is_named_as_such() {
    let db = TestDb::sqlite().await;
    let source = db.migrated_source().await;
    db.execute(
        "INSERT INTO staff (staff_id, display_name, email, role, active) VALUES
             ('S1', 'Pat Jones', NULL, 'worker', 1),
             ('S2', CAST(X'4A6FE9' AS TEXT), NULL, 'worker', 1);",
    )
    .await;
    let (logs, _guard) = capture_logs();
    let report = ReadReport::new();
    let staff_rows = source.load_staff(&report).await.unwrap();
    assert_eq!(staff_rows.len(), 1);
    assert_eq!(report.rows_skipped(Table::Staff), 1);
    let logs = logs.text();
    assert!(
        logs.contains("display_name: found text that is not UTF-8 where text was expected"),
        "{logs}"
    );
    assert!(logs.contains("row_id=\"S2\""), "{logs}");
}
