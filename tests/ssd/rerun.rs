//! Running the scripts again, as README says an authority may at any time (after an SSD upgrade, say), keeps
//! casewatch's login reading and keeps the authority's own views built on ours.

use super::*;

/// The authority adds a visit the SSD lacks with a view of its own in a schema first on the reader's search_path
/// (README, "Adding rows of your own"), then runs every script a second time.
#[tokio::test]
async fn running_every_script_again_keeps_the_readers_grants_and_the_authoritys_own_view() {
    let db = TestDb::postgres().await;
    let reader_url = ssd_database(&db).await;
    let (reader, database) = (reader(&db), database(&db));
    let mut admin = PgConnection::connect(db.url()).await.unwrap();
    // A successful visit to P1 on Tue 2 June, 10:00 BST, after the failed one of 1 June 00:30.
    run(
        &mut admin,
        &format!(
            "CREATE SCHEMA council;
             CREATE VIEW council.visits AS
             SELECT * FROM casewatch_ssd.visits
             UNION ALL
             SELECT 'COUNCIL:1', 'CP:CPP1', 'statutory', timestamptz '2026-06-02 09:00:00Z', true, NULL, NULL,
                    NULL, NULL, false;
             GRANT USAGE ON SCHEMA council TO {reader};
             GRANT SELECT ON council.visits TO {reader};
             ALTER ROLE {reader} IN DATABASE {database} SET search_path = council, casewatch_ssd;
             -- As a release that made a view again would have left it.
             REVOKE SELECT ON casewatch_ssd.staff FROM {reader};"
        ),
    )
    .await;

    install(&mut admin, &scripts()).await;

    let own = rows(
        db.url(),
        "SELECT viewname::text FROM pg_views WHERE schemaname = 'council'",
    )
    .await;
    assert_eq!(own, [row("visits")]);
    let dir = tempfile::tempdir().unwrap();
    let config = builtin_config(dir.path(), &reader_url);
    // The reader reads staff again, and visits through the council's view: the visit of 2 June ends the ladder
    // P1's failed CP visit started (R4: a visit after F1), so no line names CP:CPP1; P5's ladder is still there.
    let lines = evaluate(&config, "2026-06-03T12:00:00Z").await;
    let ladders: Vec<&str> = lines
        .iter()
        .filter(|l| l.0 == "failed-visit-ladder")
        .map(|l| l.2.as_str())
        .collect();
    assert_eq!(ladders, ["CIN:CINP5", "CLA:CLA2"]);

    // A reader role that does not exist is named, and the way out given, rather than skipped.
    run(
        &mut admin,
        "INSERT INTO casewatch_ssd.reader_roles VALUES ('casewatch_nobody')",
    )
    .await;
    let grants = std::fs::read_to_string(scripts().last().unwrap()).unwrap();
    let error = sqlx::raw_sql(AssertSqlSafe(grants))
        .execute(&mut admin)
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("names the role \"casewatch_nobody\", which does not exist"),
        "{error}"
    );
    admin.close().await.unwrap();
}
