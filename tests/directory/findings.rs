//! `check-config` on a staff directory: skipped rows (offline too), then, laid over the case database's staff,
//! ids that name no one, loops, and people without an address.

use casewatch::model::Staff;

use super::support::fixtures::staff;
use super::{HEADER, case_database_with, casewatch, write_config};

#[tokio::test]
async fn check_config_reports_bad_rows_unknown_ids_loops_and_missing_emails() {
    let bare = |id: &str| Staff {
        email: None,
        ..staff(id)
    };
    let db = case_database_with(&[
        Staff {
            manager_id: Some("P1".into()),
            ..bare("W1")
        },
        bare("P1"),
        bare("X9"),
        Staff {
            active: false,
            ..bare("O1")
        },
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        db.url(),
        &format!(
            "{HEADER}\n\
             W1,Wendy One,w1@council.example,worker,,P1,,,,\n\
             P1,Pam One,p1@council.example,practice_manager,,T1,,,,\n\
             T1,Tom One,t1@council.example,team_manager,,P1,,,,\n\
             W2,Will Two,w2@council.example,worker,,M404,Q1,,,\n\
             A1,Ann One,a1@council.example,worker,,,A2,,,\n\
             A2,Al Two,,worker,,,A1,,,\n\
             W1,Wendy Again,w1b@council.example,worker,,,,,,\n\
             B1,Bea One,not-an-address,worker,,,,,,\n"
        ),
    );
    let csv = dir.path().join("staff.csv");
    let csv = csv.display();
    let config = config.to_str().unwrap();

    let (code, stdout, stderr) = casewatch(&["check-config", config]).await;

    assert_eq!(code, 0, "warnings only\n{stdout}{stderr}");
    let directory: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains(" staff directory: "))
        .collect();
    assert_eq!(
        directory,
        [
            format!("warn staff directory: {csv}: 6 people, 2 rows skipped"),
            format!("warn staff directory: {csv} line 8, column staff_id: W1 is already on line 2"),
            format!("warn staff directory: {csv} line 9, column email: not an email address"),
            "ok   staff directory: 6 people in the file: 2 also in the case database's staff, 4 only in \
             the file; 2 in the case database only"
                .to_owned(),
            "warn staff directory: staff W2: manager_id M404 is in neither the file nor the case database"
                .to_owned(),
            "warn staff directory: staff W2: cover_id Q1 is in neither the file nor the case database"
                .to_owned(),
            "warn staff directory: management chain loops: P1 → T1 → P1".to_owned(),
            "warn staff directory: cover chain loops: A1 → A2 → A1".to_owned(),
            "warn staff directory: 2 active people have no email address (their notices go to the fallback \
             mailbox): A2, X9"
                .to_owned(),
        ],
        "{stdout}"
    );

    // Offline, the file is read on its own: its skipped rows, nothing about the case database.
    let (code, stdout, _) = casewatch(&["check-config", config, "--offline"]).await;
    assert_eq!(code, 0, "{stdout}");
    let directory: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains(" staff directory: "))
        .collect();
    assert_eq!(directory.len(), 3, "{stdout}");
    assert_eq!(
        directory[0],
        format!("warn staff directory: {csv}: 6 people, 2 rows skipped")
    );
}

#[tokio::test]
async fn a_clean_file_passes_check_config_with_its_counts() {
    let db = case_database_with(&[Staff {
        email: None,
        ..staff("W1")
    }])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        db.url(),
        &format!("{HEADER}\nW1,Wendy One,w1@council.example,worker,,,,,,\n"),
    );

    let (code, stdout, stderr) = casewatch(&["check-config", config.to_str().unwrap()]).await;

    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!stdout.contains("warn "), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "ok   staff directory: {}: 1 person\n",
            dir.path().join("staff.csv").display()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "ok   staff directory: 1 person in the file: 1 also in the case database's staff, 0 only in \
             the file; 0 in the case database only"
        ),
        "{stdout}"
    );
}
