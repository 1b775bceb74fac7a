//! Rows whose case_id is NULL or names no case, and dates outside the calendar's years: each is named by table and
//! row id, counted, and every other row is still read, in the same pass (issue 20).

use casewatch::model::OptionalTables;
use casewatch::source::Table;

use crate::support::{backend_test, capture_logs, case_files_with};

/// The six case-keyed tables (and the two they hang from), every column TEXT and no constraints.
const SCHEMA: &str = "
    CREATE TABLE children (child_id TEXT, display_ref TEXT, given_name TEXT, family_name TEXT, date_of_birth TEXT);
    CREATE TABLE cases (case_id TEXT, child_id TEXT, case_type TEXT, allocated_worker_id TEXT, opened_on TEXT,
        closed_on TEXT, care_leaver_category TEXT);
    CREATE TABLE visits (visit_id TEXT, case_id TEXT, visit_type TEXT, visit_at TEXT, child_seen TEXT,
        worker_id TEXT, note_created_at TEXT, note_finalised_at TEXT, manager_comment_at TEXT, ssda903_recorded TEXT);
    CREATE TABLE assessments (assessment_id TEXT, case_id TEXT, started_on TEXT, referral_on TEXT,
        priority_working_days TEXT, priority_set_at TEXT, completed_on TEXT, worker_id TEXT);
    CREATE TABLE management_decisions (decision_id TEXT, case_id TEXT, decided_at TEXT, manager_id TEXT, kind TEXT);
    CREATE TABLE case_events (event_id TEXT, case_id TEXT, kind TEXT, occurred_at TEXT, staff_id TEXT, detail TEXT);
    CREATE TABLE meetings (meeting_id TEXT, case_id TEXT, kind TEXT, scheduled_at TEXT, held_at TEXT,
        cancelled TEXT, chair_id TEXT);
    CREATE TABLE records (record_id TEXT, case_id TEXT, kind TEXT, about_at TEXT, completed_at TEXT,
        authorised_at TEXT, staff_id TEXT, meeting_id TEXT, event_id TEXT);
";

/// In each table: a good row on C1 (open) and on C0 (closed, passed over unread), one whose case_id is NULL, one
/// naming C404 (no such case), and one naming C9 (sorting after every case read, so it is found at the end).
/// `X9` rows are dated in year 1 or 9999.
const ROWS: &str = "
    INSERT INTO children VALUES ('K1', 'LL-1', NULL, NULL, '2010-05-01');
    INSERT INTO cases VALUES
        ('C0', 'K1', 'CIN', NULL, '2025-01-05', '2025-06-01', NULL),
        ('C1', 'K1', 'CIN', NULL, '2026-01-05', NULL, NULL);
    INSERT INTO visits VALUES
        ('V0', 'C0', 'statutory', '2025-03-02T10:00:00Z', '1', NULL, NULL, NULL, NULL, '0'),
        ('V1', 'C1', 'statutory', '2026-03-02T10:00:00Z', '1', NULL, NULL, NULL, NULL, '0'),
        ('VN', NULL, 'statutory', '2026-03-02T10:00:00Z', '1', NULL, NULL, NULL, NULL, '0'),
        ('VD', 'C404', 'statutory', '2026-03-02T10:00:00Z', '1', NULL, NULL, NULL, NULL, '0'),
        ('VZ', 'C9', 'statutory', '2026-03-02T10:00:00Z', '1', NULL, NULL, NULL, NULL, '0'),
        ('X9', 'C1', 'statutory', '9999-03-02T10:00:00Z', '1', NULL, NULL, NULL, NULL, '0');
    INSERT INTO assessments VALUES
        ('A0', 'C0', '2025-02-02', NULL, '45', NULL, NULL, NULL),
        ('A1', 'C1', '2026-02-02', NULL, '45', NULL, NULL, NULL),
        ('AN', NULL, '2026-02-02', NULL, '45', NULL, NULL, NULL),
        ('AD', 'C404', '2026-02-02', NULL, '45', NULL, NULL, NULL),
        ('AZ', 'C9', '2026-02-02', NULL, '45', NULL, NULL, NULL),
        ('X9', 'C1', '0001-02-02', NULL, '45', NULL, NULL, NULL);
    INSERT INTO management_decisions VALUES
        ('D0', 'C0', '2025-03-05T12:00:00Z', NULL, 'case_direction'),
        ('D1', 'C1', '2026-03-05T12:00:00Z', NULL, 'case_direction'),
        ('DN', NULL, '2026-03-05T12:00:00Z', NULL, 'case_direction'),
        ('DD', 'C404', '2026-03-05T12:00:00Z', NULL, 'case_direction'),
        ('DZ', 'C9', '2026-03-05T12:00:00Z', NULL, 'case_direction'),
        ('X9', 'C1', '0001-01-01T00:01:14Z', NULL, 'case_direction');
    INSERT INTO case_events VALUES
        ('E0', 'C0', 'strategy_needed', '2025-03-05T12:00:00Z', NULL, NULL),
        ('E1', 'C1', 'strategy_needed', '2026-03-05T12:00:00Z', NULL, NULL),
        ('EN', NULL, 'strategy_needed', '2026-03-05T12:00:00Z', NULL, NULL),
        ('ED', 'C404', 'strategy_needed', '2026-03-05T12:00:00Z', NULL, NULL),
        ('EZ', 'C9', 'strategy_needed', '2026-03-05T12:00:00Z', NULL, NULL),
        ('X9', 'C1', 'strategy_needed', '9999-12-31T23:59:59Z', NULL, NULL);
    INSERT INTO meetings VALUES
        ('M0', 'C0', 'icpc', '2025-03-05T12:00:00Z', NULL, '0', NULL),
        ('M1', 'C1', 'icpc', '2026-03-05T12:00:00Z', NULL, '0', NULL),
        ('MN', NULL, 'icpc', '2026-03-05T12:00:00Z', NULL, '0', NULL),
        ('MD', 'C404', 'icpc', '2026-03-05T12:00:00Z', NULL, '0', NULL),
        ('MZ', 'C9', 'icpc', '2026-03-05T12:00:00Z', NULL, '0', NULL),
        ('X9', 'C1', 'icpc', '2026-03-05T12:00:00Z', '0001-01-10T00:01:14Z', '0', NULL);
    INSERT INTO records VALUES
        ('R0', 'C0', 'chronology', NULL, '2025-03-05T12:00:00Z', NULL, NULL, NULL, NULL),
        ('R1', 'C1', 'chronology', NULL, '2026-03-05T12:00:00Z', NULL, NULL, NULL, NULL),
        ('RN', NULL, 'chronology', NULL, '2026-03-05T12:00:00Z', NULL, NULL, NULL, NULL),
        ('RD', 'C404', 'chronology', NULL, '2026-03-05T12:00:00Z', NULL, NULL, NULL, NULL),
        ('RZ', 'C9', 'chronology', NULL, '2026-03-05T12:00:00Z', NULL, NULL, NULL, NULL),
        ('X9', 'C1', 'chronology', NULL, '1899-12-31T23:59:59Z', NULL, NULL, NULL, NULL);
";

backend_test!(
    async fn rows_without_a_case_and_dates_outside_the_calendar_are_named_and_counted(db) {
        db.execute(SCHEMA).await;
        db.execute(ROWS).await;
        let source = db.writable_source().await;
        let (logs, _guard) = capture_logs();
        let (files, report) = case_files_with(&source, "2026-03-10", OptionalTables::ALL).await;

        // C1 is read with its one good row of each table; C0 (closed) is passed over with its rows.
        assert_eq!(files.len(), 1);
        let c1 = &files[0];
        assert_eq!(c1.case.id.0, "C1");
        let ids = |ids: Vec<&str>| ids.join(",");
        assert_eq!(ids(c1.visits.iter().map(|v| v.id.as_str()).collect()), "V1");
        assert_eq!(ids(c1.assessments.iter().map(|a| a.id.as_str()).collect()), "A1");
        assert_eq!(ids(c1.decisions.iter().map(|d| d.id.as_str()).collect()), "D1");
        assert_eq!(ids(c1.events.iter().map(|e| e.id.as_str()).collect()), "E1");
        assert_eq!(ids(c1.meetings.iter().map(|m| m.id.as_str()).collect()), "M1");
        assert_eq!(ids(c1.records.iter().map(|r| r.id.as_str()).collect()), "R1");

        // Each table: the NULL, the C404, the C9 and the out-of-range row skipped; the closed case's row unread.
        for table in [
            Table::Visits,
            Table::Assessments,
            Table::ManagementDecisions,
            Table::CaseEvents,
            Table::Meetings,
            Table::Records,
        ] {
            assert_eq!(
                (report.rows_read(table), report.rows_skipped(table)),
                (5, 4),
                "{table}"
            );
        }
        let logs = logs.text();
        for (table, prefix) in [
            ("visits", 'V'),
            ("assessments", 'A'),
            ("management_decisions", 'D'),
            ("case_events", 'E'),
            ("meetings", 'M'),
            ("records", 'R'),
        ] {
            let line = |id: String, why: &str| {
                logs.lines().any(|l| {
                    l.contains(&format!("table=\"{table}\""))
                        && l.contains(&format!("row_id=\"{id}\""))
                        && l.contains(why)
                })
            };
            assert!(line(format!("{prefix}N"), "case_id: NULL in a NOT NULL column"), "{table} NULL:\n{logs}");
            for dangling in [format!("{prefix}D"), format!("{prefix}Z")] {
                assert!(line(dangling.clone(), "case_id: names no case in the cases table"), "{dangling}:\n{logs}");
            }
            assert!(line("X9".into(), "outside 1900-2100"), "{table} X9:\n{logs}");
        }
    }
);
