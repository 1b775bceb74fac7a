//! The optional tables of SPEC section 8.1 (`case_events`, `meetings`, `records`): read only when asked for,
//! in the same case-ordered read; bad rows skipped and named; a database without them is usable by a
//! configuration that needs none, and an error naming rule and table for one that does.

use casewatch::model::{CaseFile, OptionalTables, StaffId};
use casewatch::source::{CaseSource, SourceError, Table};

use crate::support::fixtures::{case, child, event, meeting, record, staff, visit};
use crate::support::{TestDb, backend_test, capture_logs, case_files_on, case_files_with};

const EVENTS_ONLY: OptionalTables = OptionalTables {
    events: true,
    meetings: false,
    records: false,
};

/// Two open cases and a closed one, with rows of all three tables in an order the database must put right.
async fn load_caseload(source: &CaseSource) {
    let loader = source.loader();
    loader.insert(&[staff("S1")]).await.unwrap();
    loader.insert(&[child("K1")]).await.unwrap();
    let closed = casewatch::model::Case {
        closed_on: Some(crate::support::fixtures::date("2026-02-01")),
        ..case("C3", "K1")
    };
    loader
        .insert(&[case("C2", "K1"), case("C1", "K1"), closed])
        .await
        .unwrap();
    loader
        .insert(&[visit("V1", "C1", "2026-03-02T10:00:00Z")])
        .await
        .unwrap();
    let events = [
        event("E2", "C1", "icpc_required", "2026-03-02T09:00:00Z"),
        event("E1", "C1", "strategy_needed", "2026-03-02T09:00:00Z"),
        casewatch::model::CaseEvent {
            staff_id: Some(StaffId::from("S1")),
            detail: Some("police referral".into()),
            ..event("E0", "C2", "became_looked_after", "2026-01-30T00:00:00Z")
        },
        event("E9", "C3", "strategy_needed", "2026-01-10T09:00:00Z"),
    ];
    loader.insert(&events).await.unwrap();
    let meetings = [
        casewatch::model::Meeting {
            held_at: Some(crate::support::fixtures::at("2026-03-02T14:30:00+00:00")),
            chair_id: Some(StaffId::from("S1")),
            ..meeting("M2", "C1", "strategy", "2026-03-02T14:00:00Z")
        },
        casewatch::model::Meeting {
            scheduled_at: None,
            cancelled: true,
            ..meeting("M1", "C1", "icpc", "2026-03-20T10:00:00Z")
        },
    ];
    loader.insert(&meetings).await.unwrap();
    let records = [
        casewatch::model::Record {
            about_at: Some(crate::support::fixtures::at("2026-03-02T14:30:00Z")),
            authorised_at: Some(crate::support::fixtures::at("2026-03-04T08:00:00.5Z")),
            staff_id: Some(StaffId::from("S1")),
            meeting_id: Some("M2".into()),
            event_id: Some("E1".into()),
            ..record("R2", "C1", "strategy_record", "2026-03-03T11:00:00Z")
        },
        casewatch::model::Record {
            completed_at: None,
            ..record("R1", "C1", "conference_record", "2026-03-03T11:00:00Z")
        },
        record("R3", "C2", "care_plan", "2026-02-10T16:00:00Z"),
    ];
    loader.insert(&records).await.unwrap();
}

/// A case file's event, meeting and record ids, in the order read.
fn ids(f: &CaseFile) -> (Vec<&str>, Vec<&str>, Vec<&str>) {
    let events = f.events.iter().map(|e| e.id.as_str()).collect();
    let meetings = f.meetings.iter().map(|m| m.id.as_str()).collect();
    let records = f.records.iter().map(|r| r.id.as_str()).collect();
    (events, meetings, records)
}

backend_test!(
    async fn every_column_of_the_optional_tables_survives_the_round_trip(db) {
        let source = db.migrated_source().await;
        load_caseload(&source).await;

        let (files, report) = case_files_with(&source, "2026-03-10", OptionalTables::ALL).await;

        assert_eq!(files.iter().map(|f| f.case.id.as_str()).collect::<Vec<_>>(), ["C1", "C2"]);
        // Events by (occurred_at, id); meetings and records by id (model.rs).
        assert_eq!(ids(&files[0]), (vec!["E1", "E2"], vec!["M1", "M2"], vec!["R1", "R2"]));
        assert_eq!(ids(&files[1]), (vec!["E0"], vec![], vec!["R3"]));
        assert_eq!(files[1].events[0].detail.as_deref(), Some("police referral"));
        assert_eq!(files[1].events[0].staff_id, Some(StaffId::from("S1")));
        let strategy = &files[0].meetings[1];
        assert_eq!(strategy.held_at, Some(crate::support::fixtures::at("2026-03-02T14:30:00Z")));
        assert_eq!((strategy.cancelled, strategy.chair_id.clone()), (false, Some(StaffId::from("S1"))));
        assert_eq!((files[0].meetings[0].scheduled_at, files[0].meetings[0].cancelled), (None, true));
        let linked = &files[0].records[1];
        assert_eq!((linked.meeting_id.as_deref(), linked.event_id.as_deref()), (Some("M2"), Some("E1")));
        let half_second = chrono::Duration::milliseconds(500);
        assert_eq!(linked.authorised_at, Some(crate::support::fixtures::at("2026-03-04T08:00:00Z") + half_second));
        assert_eq!(files[0].records[0].completed_at, None);
        // The closed case's rows are filtered out by the database.
        assert_eq!(report.rows_read(Table::CaseEvents), 3);
        assert_eq!((report.rows_read(Table::Meetings), report.rows_read(Table::Records)), (2, 3));
        assert_eq!(report.total_skipped(), 0, "{report}");
    }
);

backend_test!(
    async fn a_read_without_optional_tables_never_touches_them_and_one_reads_only_those_asked_for(db) {
        let source = db.migrated_source().await;
        load_caseload(&source).await;

        let (without, report) = case_files_on(&source, "2026-03-10").await;
        assert!(without.iter().all(|f| f.events.is_empty() && f.meetings.is_empty() && f.records.is_empty()));
        assert_eq!(without[0].visits.len(), 1);
        for table in [Table::CaseEvents, Table::Meetings, Table::Records] {
            assert_eq!(report.rows_read(table), 0, "{table}");
        }
        assert!(!report.to_string().contains("meetings"), "{report}");

        let (events_only, report) = case_files_with(&source, "2026-03-10", EVENTS_ONLY).await;
        assert_eq!(events_only[0].events.len(), 2);
        assert!(events_only.iter().all(|f| f.meetings.is_empty() && f.records.is_empty()));
        assert_eq!((report.rows_read(Table::Meetings), report.rows_read(Table::Records)), (0, 0));
    }
);

/// The three tables with every column TEXT and no constraints, so bad values get into PostgreSQL too.
const LOOSE_OPTIONAL: &str = "
    CREATE TABLE case_events (event_id TEXT, case_id TEXT, kind TEXT, occurred_at TEXT, staff_id TEXT, detail TEXT);
    CREATE TABLE meetings (meeting_id TEXT, case_id TEXT, kind TEXT, scheduled_at TEXT, held_at TEXT,
        cancelled TEXT, chair_id TEXT);
    CREATE TABLE records (record_id TEXT, case_id TEXT, kind TEXT, about_at TEXT, completed_at TEXT,
        authorised_at TEXT, staff_id TEXT, meeting_id TEXT, event_id TEXT);
    INSERT INTO case_events VALUES
        ('E1', 'C1', 'strategy_needed', '2026-03-02T09:00:00Z', NULL, 'Secretname said'),
        ('E2', 'C1', 'strategy_needed', '2026-03-02 09:00:00', NULL, NULL),
        ('E3', 'C1', NULL, '2026-03-02T09:00:00Z', NULL, NULL),
        ('E4', 'C404', 'strategy_needed', '2026-03-02T09:00:00Z', NULL, NULL);
    INSERT INTO meetings VALUES
        ('M1', 'C1', 'icpc', '2026-03-20T10:00:00Z', NULL, '0', NULL),
        ('M2', 'C1', 'icpc', '2026-03-20T10:00:00Z', NULL, 'yes', NULL),
        ('M3', 'C1', 'icpc', 'next Tuesday', NULL, '0', NULL);
    INSERT INTO records VALUES
        ('R1', 'C1', 'care_plan', NULL, '2026-03-03T11:00:00Z', NULL, NULL, NULL, NULL),
        ('R2', 'C1', 'care_plan', NULL, '2026-03-03', NULL, NULL, NULL, NULL),
        (NULL, 'C1', 'care_plan', NULL, NULL, 'soon', NULL, NULL, NULL);
";

backend_test!(
    async fn bad_rows_of_the_optional_tables_are_skipped_named_and_counted(db) {
        let source = db.migrated_source().await;
        source.loader().insert(&[child("K1")]).await.unwrap();
        source.loader().insert(&[case("C1", "K1")]).await.unwrap();
        let drop = "DROP TABLE records; DROP TABLE meetings; DROP TABLE case_events;";
        db.execute(&format!("{drop}{LOOSE_OPTIONAL}")).await;
        let (logs, _guard) = capture_logs();

        let (files, report) = case_files_with(&source, "2026-03-10", OptionalTables::ALL).await;

        let [file] = &files[..] else { panic!("{files:?}") };
        assert_eq!(file.events.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["E1"]);
        assert_eq!(file.meetings.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["M1"]);
        assert_eq!(file.records.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["R1"]);
        let counts = |table| (report.rows_read(table), report.rows_skipped(table));
        // E4 names a case that does not exist: a bad row, named and counted like the others (issue 20).
        assert_eq!(counts(Table::CaseEvents), (4, 3), "E2 E3 E4");
        assert_eq!(counts(Table::Meetings), (3, 2), "M2 M3");
        assert_eq!(counts(Table::Records), (3, 2), "R2 and the one without an id");
        let logs = logs.text();
        for expected in [
            "table=\"case_events\" row_id=\"E2\"",
            "occurred_at: timestamp without a UTC offset",
            "kind: NULL in a NOT NULL column",
            "table=\"meetings\" row_id=\"M2\"",
            "cancelled: not a boolean (0 or 1)",
            "scheduled_at: not an ISO-8601 timestamp",
            "table=\"records\" row_id=\"R2\"",
            "completed_at: not an ISO-8601 timestamp",
            "row_id=\"(NULL)\"",
        ] {
            assert!(logs.contains(expected), "{expected:?} not in:\n{logs}");
        }
        assert!(!logs.contains("Secretname"), "{logs}");
    }
);

/// The six tables of SPEC section 2 only, as a database made before section 8.1 has them.
async fn without_optional_tables(db: &TestDb) -> CaseSource {
    let source = db.migrated_source().await;
    db.execute("DROP TABLE records; DROP TABLE meetings; DROP TABLE case_events;")
        .await;
    source.loader().insert(&[child("K1")]).await.unwrap();
    source.loader().insert(&[case("C1", "K1")]).await.unwrap();
    source
        .loader()
        .insert(&[visit("V1", "C1", "2026-03-02T10:00:00Z")])
        .await
        .unwrap();
    source
}

backend_test!(
    async fn a_database_without_the_optional_tables_serves_a_configuration_that_needs_none(db) {
        let source = without_optional_tables(&db).await;

        assert_eq!(source.missing_tables(OptionalTables::default()).await.unwrap(), []);
        source.require_tables([("statutory-visit-oversight", OptionalTables::default())]).await.unwrap();
        let (files, report) = case_files_on(&source, "2026-03-10").await;

        assert_eq!(files.len(), 1);
        assert_eq!(files[0].visits, vec![visit("V1", "C1", "2026-03-02T10:00:00Z")]);
        assert_eq!(report.total_skipped(), 0);
    }
);

backend_test!(
    async fn rules_reading_a_table_the_database_lacks_are_a_configuration_error_naming_rule_and_table(db) {
        let source = without_optional_tables(&db).await;
        db.execute("CREATE TABLE case_events (event_id TEXT, case_id TEXT, kind TEXT, occurred_at TEXT,
            staff_id TEXT, detail TEXT)")
            .await;
        let meetings_and_records = OptionalTables { events: false, meetings: true, records: true };
        let records_only = OptionalTables { events: false, meetings: false, records: true };

        let missing = source.missing_tables(OptionalTables::ALL).await.unwrap();
        let error = source
            .require_tables([
                ("statutory-visit-oversight", OptionalTables::default()),
                ("strategy-discussion-held", OptionalTables { events: true, meetings: true, records: false }),
                ("icpc-record", meetings_and_records),
                ("case-summary-3-monthly", records_only),
            ])
            .await
            .expect_err("meetings and records are missing");

        assert_eq!(missing, [Table::Meetings, Table::Records]);
        assert!(error.is_configuration());
        assert!(matches!(error, SourceError::MissingTables { .. }));
        assert_eq!(
            error.to_string(),
            format!(
                "case database {} has no table or view `meetings`, which rules strategy-discussion-held, \
                 icpc-record read, nor `records`, which rules icpc-record, case-summary-3-monthly read: switch off \
                 the rules (or their pack) or provide the table, or a view with its columns (docs/case-schema.md)",
                db.url()
            )
        );
    }
);

backend_test!(
    async fn views_serve_as_the_optional_tables(db) {
        let source = without_optional_tables(&db).await;
        let (timestamp, boolean) = if db.is_postgres() { ("timestamptz", "boolean") } else { ("TEXT", "INTEGER") };
        db.execute(&format!(
            "CREATE TABLE lcs_meeting (ref TEXT, episode TEXT, meeting_type TEXT, planned {timestamp},
                 took_place {timestamp}, called_off {boolean});
             CREATE VIEW meetings AS SELECT ref AS meeting_id, episode AS case_id,
                 CASE meeting_type WHEN 'ICPC' THEN 'icpc' ELSE 'other' END AS kind, planned AS scheduled_at,
                 took_place AS held_at, called_off AS cancelled, NULL AS chair_id FROM lcs_meeting;
             INSERT INTO lcs_meeting VALUES ('M1', 'C1', 'ICPC', '2026-03-20T10:00:00Z', NULL, {});",
            if db.is_postgres() { "false" } else { "0" }
        ))
        .await;
        let meetings_only = OptionalTables { events: false, meetings: true, records: false };

        let missing = source.missing_tables(OptionalTables::ALL).await.unwrap();
        let (files, report) = case_files_with(&source, "2026-03-10", meetings_only).await;

        assert_eq!(missing, [Table::CaseEvents, Table::Records]);
        assert_eq!(files[0].meetings, vec![meeting("M1", "C1", "icpc", "2026-03-20T10:00:00Z")]);
        assert_eq!(report.total_skipped(), 0, "{report}");
    }
);
