//! Reading the file: what a row supplies or overrides, and each kind of row that is skipped.

use std::path::Path;

use casewatch::config::Config;
use casewatch::directory::{BadRow, StaffDirectory};
use casewatch::model::{Staff, StaffId};
use serde_json::Value;

use super::support::fixtures::{case, child, date, staff, visit};
use super::support::{TestDb, capture_logs};
use super::{HEADER, casewatch, write_config};

fn read(csv: &str) -> StaffDirectory {
    StaffDirectory::from_bytes(Path::new("staff.csv"), csv.as_bytes()).expect("a usable header")
}

fn bad(line: u64, column: Option<&'static str>, problem: &str) -> BadRow {
    BadRow {
        line,
        column,
        problem: problem.to_owned(),
    }
}

#[test]
fn a_row_overrides_the_cells_it_fills_and_adds_people_the_database_lacks() {
    let database = vec![
        Staff {
            display_name: "W1 in the case system".into(),
            email: None,
            manager_id: Some("P1".into()),
            ..staff("W1")
        },
        Staff {
            email: Some("p1-db@council.example".into()),
            absent_from: Some(date("2026-02-01")),
            absent_until: Some(date("2026-02-10")),
            ..staff("P1")
        },
        staff("X9"),
    ];
    let directory = read(&format!(
        "{HEADER}\n\
         W1,Wendy One,w1@council.example,worker,North,P2,,,,\n\
         P2,Pat Two,p2@council.example,practice_manager,North,,W1,01/03/2026,2026-03-31,yes\n\
         P1,Pam One,,practice_manager,,,,2026-04-01,,N\n"
    ));
    assert!(directory.skipped().is_empty(), "{:?}", directory.skipped());

    let merged = directory.merge(database);

    let ids: Vec<&str> = merged.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["P1", "P2", "W1", "X9"]);
    // W1: the file's name, address, team and manager; the database's `active`.
    assert_eq!(
        merged[2],
        Staff {
            id: StaffId::from("W1"),
            display_name: "Wendy One".into(),
            email: Some("w1@council.example".into()),
            role: "worker".into(),
            team: Some("North".into()),
            manager_id: Some("P2".into()),
            cover_id: None,
            absent_from: None,
            absent_until: None,
            active: true,
        }
    );
    // P1: the empty email cell keeps the database's address; the file's absence (open-ended) replaces the
    // database's one whole; N makes them inactive.
    assert_eq!(merged[0].email.as_deref(), Some("p1-db@council.example"));
    assert_eq!(merged[0].team.as_deref(), Some("Team A"));
    assert_eq!(
        (merged[0].absent_from, merged[0].absent_until),
        (Some(date("2026-04-01")), None)
    );
    assert!(!merged[0].active);
    // P2: only in the file, with a UK-format date.
    assert_eq!(merged[1].cover_id, Some("W1".into()));
    assert_eq!(
        (merged[1].absent_from, merged[1].absent_until),
        (Some(date("2026-03-01")), Some(date("2026-03-31")))
    );
    assert!(merged[1].active);
    // X9: only in the database, as it was.
    assert_eq!(merged[3], staff("X9"));
}

#[test]
fn each_kind_of_bad_row_is_skipped_with_its_line_and_column() {
    let directory = read(&format!(
        "{HEADER}\n\
         S1,Sam One,s1@council.example,worker,,,,,,\n\
         ,No Id,x@council.example,worker,,,,,,\n\
         S2,Sam Two,s2@council.example,worker,,,,,\n\
         S3,,s3@council.example,worker,,,,,,\n\
         S4,Sam Four,s4@council.example,,,,,,,\n\
         S5,Sam Five,Sam Five,worker,,,,,,\n\
         S6,Sam Six,s6@council.example,worker,,,,31/02/2026,,\n\
         S7,Sam Seven,s7@council.example,worker,,,,2026-03-10,2026-03-09,\n\
         S8,Sam Eight,s8@council.example,worker,,,,,,maybe\n\
         S1,Sam Again,s1b@council.example,worker,,,,,,\n\
         \n\
         S9,\"Sam, Nine\",s9@council.example,worker,,,,,,TRUE\n"
    ));

    assert_eq!(
        directory.skipped(),
        [
            bad(3, Some("staff_id"), "empty, and every row needs it"),
            bad(4, None, "9 fields, where the header has 10"),
            bad(5, Some("display_name"), "empty, and every row needs it"),
            bad(6, Some("role"), "empty, and every row needs it"),
            bad(7, Some("email"), "not an email address"),
            bad(
                8,
                Some("absent_from"),
                "not a date (YYYY-MM-DD or DD/MM/YYYY)"
            ),
            bad(9, Some("absent_until"), "before absent_from"),
            bad(
                10,
                Some("active"),
                "not one of true/false, yes/no, y/n, 1/0"
            ),
            bad(11, Some("staff_id"), "S1 is already on line 2"),
        ]
    );
    let kept: Vec<(&str, u64, &str)> = directory
        .entries()
        .iter()
        .map(|e| (e.id.as_str(), e.line, e.display_name.as_str()))
        .collect();
    assert_eq!(kept, [("S1", 2, "Sam One"), ("S9", 13, "Sam, Nine")]);
}

#[test]
fn text_that_is_not_utf8_is_a_bad_cell_not_a_bad_file() {
    // "Zoë" as Windows-1252 (0xEB), as an older spreadsheet saves it.
    let mut csv = format!("{HEADER}\nS1,Zo").into_bytes();
    csv.extend_from_slice(
        b"\xeb,s1@council.example,worker,,,,,,\nS2,Sam,s2@council.example,worker,,,,,,\n",
    );
    let directory = StaffDirectory::from_bytes(Path::new("staff.csv"), &csv).unwrap();

    assert_eq!(
        directory.skipped(),
        [bad(
            2,
            Some("display_name"),
            "not UTF-8 text (save the file as CSV UTF-8)"
        )]
    );
    assert_eq!(directory.entries().len(), 1);
}

#[test]
fn a_spreadsheet_header_in_another_order_with_a_byte_order_mark_and_extra_columns_reads() {
    let directory = read(
        "\u{feff}Staff_ID,Active,Role,Display_Name,Email,Team,Manager_ID,Cover_ID,Absent_From,Absent_Until,Payroll\n\
         S1,y,worker,Sam One,s1@council.example,,,,,,12345\n",
    );
    assert!(directory.skipped().is_empty());
    assert_eq!(directory.ignored_columns(), ["payroll"]);
    assert_eq!(directory.entries()[0].id.as_str(), "S1");
    assert_eq!(directory.entries()[0].active, Some(true));
}

#[test]
fn a_header_without_a_column_or_a_missing_file_is_a_configuration_error_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = |csv: &str| {
        let path = write_config(dir.path(), "sqlite://unused.db", csv);
        Config::load(&path).map(drop).unwrap_err().to_string()
    };
    let csv = dir.path().join("staff.csv");

    assert_eq!(
        config("staff_id,display_name,email,role,team,manager,cover_id,absent_from,active\n"),
        format!(
            "configuration key `directory.file`: the header of {} lacks the columns manager_id, absent_until \
             (it needs {})",
            csv.display(),
            HEADER
        )
    );
    assert_eq!(
        config(&format!("{HEADER},email\n")),
        format!(
            "configuration key `directory.file`: the header of {} names email twice",
            csv.display()
        )
    );
    std::fs::remove_file(&csv).unwrap();
    let missing = Config::load(&dir.path().join("casewatch.toml"));
    let message = missing.map(drop).unwrap_err().to_string();
    assert!(
        message.starts_with(&format!(
            "configuration key `directory.file`: cannot read {}: ",
            csv.display()
        )),
        "{message}"
    );
}

#[test]
fn a_skipped_row_is_logged_by_file_line_and_column_without_its_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("staff.csv");
    std::fs::write(
        &path,
        format!("{HEADER}\nS5,Samantha Fivefold,samantha fivefold,worker,,,,,,\n"),
    )
    .unwrap();
    let (logs, _guard) = capture_logs();

    let directory = StaffDirectory::load(&path).unwrap();

    assert_eq!(directory.skipped().len(), 1);
    let text = logs.text();
    assert!(text.contains("skipping a staff directory row"), "{text}");
    assert!(text.contains(&format!("file={}", path.display())), "{text}");
    assert!(text.contains("line=2"), "{text}");
    assert!(text.contains("column=\"email\""), "{text}");
    assert!(
        !text.contains("Samantha") && !text.contains("fivefold"),
        "{text}"
    );
}

/// A case system that holds no email, line manager or absence (like the Standard Safeguarding Dataset): the file
/// supplies them, and `casewatch evaluate` tells the people it names.
#[tokio::test]
async fn evaluate_reaches_the_people_and_covers_the_file_names() {
    let db = TestDb::sqlite().await;
    let source = db.migrated_source().await;
    let bare = |id: &str| Staff {
        email: None,
        team: None,
        ..staff(id)
    };
    let loader = source.loader();
    loader
        .insert(&[
            bare("W1"),
            Staff {
                manager_id: Some("P1".into()),
                ..bare("P2")
            },
            bare("P1"),
        ])
        .await
        .unwrap();
    loader.insert(&[child("K1")]).await.unwrap();
    loader
        .insert(&[casewatch::model::Case {
            allocated_worker_id: Some("W1".into()),
            ..case("C1", "K1")
        }])
        .await
        .unwrap();
    // A failed statutory visit on Monday 2 March 2026: the re-attempt is due by the third working day after,
    // Thursday 5 March, and overdue from the end of that day (London is on GMT).
    loader
        .insert(&[casewatch::model::Visit {
            child_seen: false,
            ..visit("V1", "C1", "2026-03-02T10:00:00Z")
        }])
        .await
        .unwrap();
    source.close().await;
    let dir = tempfile::tempdir().unwrap();
    // The database says W1's manager is nobody; the file says P2, who is away all March and covered by C3.
    let config = write_config(
        dir.path(),
        db.url(),
        &format!(
            "{HEADER}\n\
             W1,Wendy One,w1@council.example,worker,North,P2,,,,\n\
             P2,Pat Two,p2@council.example,practice_manager,North,,C3,2026-03-01,2026-03-31,\n\
             C3,Chris Three,c3@council.example,practice_manager,North,,,,,\n"
        ),
    );

    let (code, stdout, stderr) = casewatch(&[
        "evaluate",
        "--config",
        config.to_str().unwrap(),
        "--at",
        "2026-03-06T12:00:00Z",
        "--format",
        "json",
    ])
    .await;

    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<(&str, &str, &str, &str, &str)> = lines
        .iter()
        .map(|l| {
            (
                l["stage"].as_str().unwrap(),
                l["due_at"].as_str().unwrap(),
                l["role"].as_str().unwrap(),
                l["staff_id"].as_str().unwrap(),
                l["address"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "reattempt-overdue",
                "2026-03-05T23:59:59Z",
                "worker",
                "W1",
                "w1@council.example"
            ),
            (
                "reattempt-overdue",
                "2026-03-05T23:59:59Z",
                "supervisor",
                "C3",
                "c3@council.example"
            ),
        ]
    );
}
