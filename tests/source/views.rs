//! casewatch reads tables somebody else created, and views that map a warehouse onto the canonical names.

use casewatch::model::{CaseFile, StaffId, VisitType};
use casewatch::source::{CaseSource, ReadReport};

use crate::support::fixtures::{assessment, case, child, date, decision, staff, visit};
use crate::support::{TestDb, case_files_on};

#[tokio::test]
async fn sqlite_views_over_differently_named_tables() {
    let db = TestDb::sqlite().await;
    db.execute(
        "CREATE TABLE lcs_worker (worker_ref TEXT PRIMARY KEY, full_name TEXT, mail TEXT, job TEXT, line_manager TEXT,
             is_active TEXT);
         CREATE TABLE lcs_person (person_ref TEXT PRIMARY KEY, ref_no TEXT, born TEXT);
         -- A case-insensitive key: the reader must still get its rows in byte order.
         CREATE TABLE lcs_episode (episode_ref TEXT COLLATE NOCASE PRIMARY KEY, person_ref TEXT, kind TEXT,
             worker_ref TEXT, start_date TEXT, end_date TEXT);
         CREATE TABLE lcs_contact (contact_ref TEXT, episode_ref TEXT COLLATE NOCASE, kind TEXT, on_day TEXT,
             at_clock TEXT, seen TEXT);
         CREATE VIEW staff AS SELECT worker_ref AS staff_id, full_name AS display_name, mail AS email, job AS role,
             NULL AS team, line_manager AS manager_id, NULL AS cover_id, NULL AS absent_from, NULL AS absent_until,
             CASE is_active WHEN 'Y' THEN 1 ELSE 0 END AS active FROM lcs_worker;
         CREATE VIEW children AS SELECT person_ref AS child_id, ref_no AS display_ref, NULL AS given_name,
             NULL AS family_name, born AS date_of_birth FROM lcs_person;
         CREATE VIEW cases AS SELECT episode_ref AS case_id, person_ref AS child_id,
             CASE kind WHEN 'Child in Need' THEN 'CIN' WHEN 'Child Protection' THEN 'CP' ELSE kind END AS case_type,
             worker_ref AS allocated_worker_id, start_date AS opened_on, end_date AS closed_on,
             NULL AS care_leaver_category FROM lcs_episode;
         CREATE VIEW visits AS SELECT contact_ref AS visit_id, episode_ref AS case_id,
             CASE kind WHEN 'SV' THEN 'statutory' WHEN 'KIT' THEN 'kit' ELSE 'other' END AS visit_type,
             on_day || 'T' || at_clock || ':00Z' AS visit_at, seen = 'Y' AS child_seen, NULL AS worker_id,
             NULL AS note_created_at, NULL AS note_finalised_at, NULL AS manager_comment_at, 0 AS ssda903_recorded
             FROM lcs_contact;
         CREATE VIEW assessments AS SELECT NULL AS assessment_id, NULL AS case_id, NULL AS started_on,
             NULL AS referral_on, NULL AS priority_working_days, NULL AS priority_set_at, NULL AS completed_on,
             NULL AS worker_id WHERE 0;
         CREATE VIEW management_decisions AS SELECT NULL AS decision_id, NULL AS case_id, NULL AS decided_at,
             NULL AS manager_id, NULL AS kind WHERE 0;
         INSERT INTO lcs_worker VALUES ('S1', 'Pat Jones', 's1@example.org', 'worker', 'S2', 'Y'),
             ('S2', 'Morgan Lee', NULL, 'practice_manager', NULL, 'N');
         INSERT INTO lcs_person VALUES ('K1', 'LL-K1', '2011-07-09'), ('K2', 'LL-K2', NULL);
         INSERT INTO lcs_episode VALUES ('c1', 'K1', 'Child in Need', 'S1', '2026-01-05', NULL),
             ('C2', 'K2', 'Child Protection', NULL, '2026-02-01', NULL),
             ('C3', 'K2', 'Child in Need', NULL, '2025-01-01', '2025-06-30');
         INSERT INTO lcs_contact VALUES ('V2', 'c1', 'SV', '2026-03-03', '09:15', 'N'),
             ('V1', 'c1', 'KIT', '2026-03-02', '14:00', 'Y'), ('V3', 'C2', 'SV', '2026-03-04', '11:00', 'Y'),
             ('V4', 'C3', 'SV', '2025-03-04', '11:00', 'Y');",
    )
    .await;
    // The daemon's way in: read-only, and it never creates anything.
    let source = CaseSource::connect(db.url()).await.unwrap();

    let staff_rows = source.load_staff(&ReadReport::new()).await.unwrap();
    let (files, report) = case_files_on(&source, "2026-03-10").await;

    let pat = casewatch::model::Staff {
        display_name: "Pat Jones".into(),
        team: None,
        manager_id: Some(StaffId::from("S2")),
        ..staff("S1")
    };
    let morgan = casewatch::model::Staff {
        display_name: "Morgan Lee".into(),
        email: None,
        role: "practice_manager".into(),
        team: None,
        active: false,
        ..staff("S2")
    };
    assert_eq!(staff_rows, vec![pat, morgan]);
    let k2 = casewatch::model::Child {
        given_name: None,
        family_name: None,
        date_of_birth: None,
        ..child("K2")
    };
    let k1 = casewatch::model::Child {
        given_name: None,
        family_name: None,
        date_of_birth: Some(date("2011-07-09")),
        ..child("K1")
    };
    let expected = vec![
        CaseFile {
            case: casewatch::model::Case {
                case_type: "CP".into(),
                opened_on: date("2026-02-01"),
                ..case("C2", "K2")
            },
            child: k2,
            visits: vec![visit("V3", "C2", "2026-03-04T11:00:00Z")],
            assessments: vec![],
            decisions: vec![],
            events: vec![],
            meetings: vec![],
            records: vec![],
        },
        CaseFile {
            case: casewatch::model::Case {
                allocated_worker_id: Some(StaffId::from("S1")),
                ..case("c1", "K1")
            },
            child: k1,
            visits: vec![
                casewatch::model::Visit {
                    visit_type: VisitType::Kit,
                    ..visit("V1", "c1", "2026-03-02T14:00:00Z")
                },
                casewatch::model::Visit {
                    child_seen: false,
                    ..visit("V2", "c1", "2026-03-03T09:15:00Z")
                },
            ],
            assessments: vec![],
            decisions: vec![],
            events: vec![],
            meetings: vec![],
            records: vec![],
        },
    ];
    assert_eq!(files, expected);
    assert_eq!(report.total_skipped(), 0, "{report}");
}

#[tokio::test]
async fn postgres_tables_in_a_locale_collation_and_a_view() {
    let db = TestDb::postgres().await;
    // Ids in an ICU collation, where "c-3" < "c1" < "C10" < "C2"; casewatch needs byte order and asks for it.
    db.execute(
        r#"CREATE TABLE staff (staff_id TEXT, display_name TEXT, email TEXT, role TEXT, team TEXT, manager_id TEXT,
               cover_id TEXT, absent_from DATE, absent_until DATE, active BOOLEAN);
           CREATE TABLE children (child_id TEXT COLLATE "en-US-x-icu", display_ref TEXT, given_name TEXT,
               family_name TEXT, date_of_birth DATE);
           CREATE TABLE cases (case_id TEXT COLLATE "en-US-x-icu" PRIMARY KEY, child_id TEXT COLLATE "en-US-x-icu",
               case_type TEXT, allocated_worker_id TEXT, opened_on DATE, closed_on DATE, care_leaver_category TEXT);
           CREATE TABLE contact_log (ref TEXT, episode TEXT COLLATE "en-US-x-icu", happened timestamptz, seen_flag CHAR(1));
           CREATE VIEW visits AS SELECT ref AS visit_id, episode AS case_id, 'statutory'::text AS visit_type,
               happened AS visit_at, seen_flag = 'Y' AS child_seen, NULL::text AS worker_id,
               NULL::timestamptz AS note_created_at, NULL::timestamptz AS note_finalised_at,
               NULL::timestamptz AS manager_comment_at, false AS ssda903_recorded FROM contact_log;
           CREATE TABLE assessments (assessment_id TEXT, case_id TEXT COLLATE "en-US-x-icu", started_on DATE,
               referral_on DATE, priority_working_days SMALLINT, priority_set_at timestamptz, completed_on DATE,
               worker_id TEXT);
           CREATE TABLE management_decisions (decision_id TEXT, case_id TEXT COLLATE "en-US-x-icu",
               decided_at timestamptz, manager_id TEXT, kind TEXT);
           INSERT INTO children VALUES ('K1', 'LL-K1', 'Alex', 'Example', '2010-05-01');
           INSERT INTO cases VALUES ('C2', 'K1', 'CIN', NULL, '2026-01-05', NULL, NULL),
               ('c-3', 'K1', 'CIN', NULL, '2026-01-05', NULL, NULL), ('C10', 'K1', 'CIN', NULL, '2026-01-05', NULL, NULL),
               ('c1', 'K1', 'CIN', NULL, '2026-01-05', NULL, NULL);
           INSERT INTO contact_log VALUES ('V-c1', 'c1', '2026-03-02 10:00:00+00', 'Y'),
               ('V-C2', 'C2', '2026-03-02 11:00:00+01', 'N'), ('V-c-3', 'c-3', '2026-03-02 12:00:00+00', 'Y');
           INSERT INTO assessments VALUES ('A-C10', 'C10', '2026-02-02', NULL, 45, NULL, NULL, NULL);
           INSERT INTO management_decisions VALUES ('D-c-3', 'c-3', '2026-03-05 12:00:00+00', NULL, 'case_direction');"#,
    )
    .await;
    let source = CaseSource::connect(db.url()).await.unwrap();

    let (files, report) = case_files_on(&source, "2026-03-10").await;

    let expected = vec![
        CaseFile {
            assessments: vec![assessment("A-C10", "C10")],
            ..empty_file("C10")
        },
        CaseFile {
            visits: vec![casewatch::model::Visit {
                child_seen: false,
                ..visit("V-C2", "C2", "2026-03-02T10:00:00Z")
            }],
            ..empty_file("C2")
        },
        CaseFile {
            visits: vec![visit("V-c-3", "c-3", "2026-03-02T12:00:00Z")],
            decisions: vec![decision("D-c-3", "c-3", "2026-03-05T12:00:00Z")],
            ..empty_file("c-3")
        },
        CaseFile {
            visits: vec![visit("V-c1", "c1", "2026-03-02T10:00:00Z")],
            ..empty_file("c1")
        },
    ];
    assert_eq!(files, expected);
    assert_eq!(report.total_skipped(), 0, "{report}");
}

fn empty_file(case_id: &str) -> CaseFile {
    CaseFile {
        case: case(case_id, "K1"),
        child: child("K1"),
        visits: vec![],
        assessments: vec![],
        decisions: vec![],
        events: vec![],
        meetings: vec![],
        records: vec![],
    }
}
