//! The Standard Safeguarding Dataset mapping (contrib/ssd/postgres): SSD-shaped tables made here from the column
//! lists of the SSD (not from any published script), rows that spring each trap of the mapping, the shipped views
//! applied over them, and what casewatch makes of the result — `evaluate` lines worked out by hand from the
//! guidance and the calendar, `check-config` passing, and the rows of the three SPEC 8.1 views.

mod support;

#[path = "ssd/data.rs"]
mod data;

use std::path::Path;

use serde_json::Value;
use sqlx::{AssertSqlSafe, Connection, PgConnection};

use support::{TestDb, casewatch};

/// A database holding the SSD tables (in schema `ssd`), the rows of `data.rs`, and the shipped views; and a
/// login that reads only the views, as README's grants give it. Returns that login's URL.
async fn ssd_database(db: &TestDb) -> String {
    let mut admin = PgConnection::connect(db.url()).await.unwrap();
    run(&mut admin, &data::tables()).await;
    run(&mut admin, data::ROWS).await;
    // The views bind to the ssd_* tables found on the search_path when they are made.
    run(&mut admin, "SET search_path = ssd, public").await;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/ssd/postgres");
    let mut scripts: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "sql"))
        .collect();
    scripts.sort();
    assert_eq!(scripts.len(), 5, "{scripts:?}");
    for script in scripts {
        let sql = std::fs::read_to_string(&script).unwrap();
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", script.display()));
    }
    let database = db.url().rsplit('/').next().unwrap().to_owned();
    let reader = format!("reader_{database}");
    run(
        &mut admin,
        &format!(
            "CREATE ROLE {reader} LOGIN;
             GRANT USAGE ON SCHEMA casewatch_ssd TO {reader};
             GRANT SELECT ON ALL TABLES IN SCHEMA casewatch_ssd TO {reader};
             ALTER ROLE {reader} IN DATABASE {database} SET search_path = casewatch_ssd;"
        ),
    )
    .await;
    admin.close().await.unwrap();
    db.url().replacen("postgres@", &format!("{reader}@"), 1)
}

async fn run(connection: &mut PgConnection, sql: &str) {
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(&mut *connection)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{sql}"));
}

/// The three built-in rules the SSD cannot feed (contrib/ssd/README.md).
const NOT_ON_THE_SSD: &str =
    "\"statutory-visit-oversight\", \"cf-set-priority\", \"kit-ssda903-window\"";

/// The configuration README's SSD section recommends: the rules the SSD cannot feed switched off, and the staff
/// directory supplying addresses and managers. `rules` is the `[rules]` table.
fn write_config(dir: &Path, source_url: &str, rules: &str) -> std::path::PathBuf {
    std::fs::write(
        dir.join("staff.csv"),
        "staff_id,display_name,email,role,team,manager_id,cover_id,absent_from,absent_until,active\n\
         PR1,Wendy Okafor,w1@council.example,worker,North,PR2,,,,\n\
         PR2,Pat Singh,pm2@council.example,practice_manager,North,PR3,,,,\n\
         PR3,Tom Reed,tm3@council.example,team_manager,North,,,,,\n",
    )
    .unwrap();
    let text = format!(
        "[source]\nurl = \"{source_url}\"\n[state]\nurl = \"sqlite://{state}\"\n\
         [notify]\nfallback_address = \"ops@council.example\"\n\
         [rules]\n{rules}\n\
         [email]\ntransport = \"file\"\nfile_dir = \"{outbox}\"\nfrom = \"casewatch@council.example\"\n\
         [directory]\nfile = \"staff.csv\"\n",
        state = dir.join("state.db").display(),
        outbox = dir.join("outbox").display(),
    );
    let path = dir.join("casewatch.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// One evaluate line as (rule, stage, subject, from, due, role, staff, address).
type Line = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

fn line(l: &Value) -> Line {
    let text = |key: &str| l[key].as_str().unwrap_or("-").to_owned();
    (
        text("rule"),
        text("stage"),
        text("subject_id"),
        text("from"),
        text("due_at"),
        text("role"),
        text("staff_id"),
        text("address"),
    )
}

fn expect(parts: [&str; 8]) -> Line {
    let [a, b, c, d, e, f, g, h] = parts.map(str::to_owned);
    (a, b, c, d, e, f, g, h)
}

#[tokio::test]
async fn evaluate_over_the_ssd_views_gives_the_hand_worked_lines() {
    let db = TestDb::postgres().await;
    let reader_url = ssd_database(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &reader_url,
        &format!("disabled = [{NOT_ON_THE_SSD}]"),
    );

    // Wednesday 3 June 2026, 13:00 in London (BST).
    let (code, stdout, stderr) = casewatch(&[
        "evaluate",
        "--config",
        config.to_str().unwrap(),
        "--at",
        "2026-06-03T12:00:00Z",
        "--format",
        "json",
    ])
    .await;

    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<Line> = stdout
        .lines()
        .map(|l| line(&serde_json::from_str(l).unwrap()))
        .collect();
    let cf = "cf-assessment-due";
    let ladder = "failed-visit-ladder";
    assert_eq!(
        lines,
        [
            // ASM4 started Tue 3 March, its authorisation date a 1900 placeholder (not completed), priority the
            // default 45 working days, its worker id from another id space (so the referral's allocated worker,
            // PR1, by the CW involvement; not PR2's IRO one). Referral Mon 2 March + 45 working days (Good Friday,
            // Easter Monday and 4 May off) = Thu 7 May: the statutory limit, from the end of that day (BST).
            expect([
                cf,
                "statutory-limit",
                "ASM:ASM4",
                "2026-05-07T22:59:59Z",
                "2026-05-07T22:59:59Z",
                "team_manager",
                "PR3",
                "tm3@council.example"
            ]),
            // PR3 has no manager: the senior manager is the fallback mailbox.
            expect([
                cf,
                "statutory-limit",
                "ASM:ASM4",
                "2026-05-07T22:59:59Z",
                "2026-05-07T22:59:59Z",
                "senior_manager",
                "-",
                "ops@council.example"
            ]),
            // 3 March + 45 working days = Fri 8 May; escalated from 8 May + 5 working days = Fri 15 May.
            expect([
                cf,
                "overdue",
                "ASM:ASM4",
                "2026-05-08T22:59:59Z",
                "2026-05-08T22:59:59Z",
                "worker",
                "PR1",
                "w1@council.example"
            ]),
            expect([
                cf,
                "overdue",
                "ASM:ASM4",
                "2026-05-08T22:59:59Z",
                "2026-05-08T22:59:59Z",
                "supervisor",
                "PR2",
                "pm2@council.example"
            ]),
            expect([
                cf,
                "overdue-escalated",
                "ASM:ASM4",
                "2026-05-14T23:00:00Z",
                "2026-05-08T22:59:59Z",
                "team_manager",
                "PR3",
                "tm3@council.example"
            ]),
            // P1's CIN plan: seen on 2 March, not seen Fri 29 May 15:00 BST; re-attempt due by Wed 3 June. The CP
            // visit's copy in ssd_cin_visits (same case-note id, 1 June) is not a second failed CIN visit.
            expect([
                ladder,
                "reattempt-due",
                "CIN:CINP1",
                "2026-05-29T14:00:00Z",
                "2026-06-03T22:59:59Z",
                "worker",
                "PR1",
                "w1@council.example"
            ]),
            // P1's CP plan: not seen at 00:30 on Mon 1 June, London time (31 May 23:30 UTC): d1 is Monday, so
            // the re-attempt is due by Thu 4 June (with UTC's Sunday it would be Wednesday).
            expect([
                ladder,
                "reattempt-due",
                "CP:CPP1",
                "2026-05-31T23:30:00Z",
                "2026-06-04T22:59:59Z",
                "worker",
                "PR1",
                "w1@council.example"
            ]),
            // P2's period of care goes on past the X1 episode end of 10 March; seen 27 May, not seen Tue 2 June
            // 09:00 BST: due by Fri 5 June. The copies of the CLA visits in ssd_cin_visits (other ids) and the
            // visit with an unknown seen flag do not start a ladder on P2's CIN plan.
            expect([
                ladder,
                "reattempt-due",
                "CLA:CLA2",
                "2026-06-02T08:00:00Z",
                "2026-06-05T22:59:59Z",
                "worker",
                "PR1",
                "w1@council.example"
            ]),
            // Care leaver CL3 (Former Relevant), latest contact Fri 10 April: KIT due 10 June, reminded from 10
            // working days before, Wed 27 May (allocated by the 16PLUS involvement). CL6 has no current
            // eligibility, so no case.
            expect([
                "kit-visit-due",
                "upcoming",
                "CL:CL3",
                "2026-05-26T23:00:00Z",
                "2026-06-10T22:59:59Z",
                "worker",
                "PR1",
                "w1@council.example"
            ]),
        ]
    );
}

#[tokio::test]
async fn check_config_passes_on_the_ssd_views() {
    let db = TestDb::postgres().await;
    let reader_url = ssd_database(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &reader_url,
        &format!("disabled = [{NOT_ON_THE_SSD}]"),
    );

    let (code, stdout, stderr) = casewatch(&["check-config", config.to_str().unwrap()]).await;

    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("ok   case schema: all six tables have every column"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "ok   staff directory: 3 people in the file: 2 also in the case database's staff, 1 only in the \
             file; 0 in the case database only"
        ),
        "{stdout}"
    );
}

/// The rows of a view as text, instants in UTC.
async fn rows(url: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    let mut connection = PgConnection::connect(url).await.unwrap();
    let rows = sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .fetch_all(&mut connection)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{sql}"));
    use sqlx::Row;
    rows.iter()
        .map(|row| {
            (0..row.len())
                .map(|i| row.get::<Option<String>, _>(i))
                .collect()
        })
        .collect()
}

fn utc(column: &str) -> String {
    format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
}

/// A row written as `a|b|-`, `-` for NULL.
fn row(cells: &str) -> Vec<Option<String>> {
    cells
        .split('|')
        .map(|c| (c != "-").then(|| c.to_owned()))
        .collect()
}

#[tokio::test]
async fn the_ssd_supplies_events_meetings_and_records() {
    let db = TestDb::postgres().await;
    let reader_url = ssd_database(&db).await;

    let events = rows(
        &reader_url,
        &format!(
            "SELECT event_id, case_id, kind, {}, staff_id, detail FROM case_events ORDER BY event_id",
            utc("occurred_at")
        ),
    )
    .await;
    assert_eq!(
        events,
        [
            // Entered care Mon 2 February (GMT): the start of that day.
            row("CLA:CLA2|CLA:CLA2|became_looked_after|2026-02-02T00:00:00Z|-|-"),
            // 09:15 BST.
            row("CON:CT7|CON:CT7|contact_received|2026-06-02T08:15:00Z|-|POLICE"),
            // At the ICPC that made the plan, 20 March 10:00 GMT.
            row("CPSTART:IC4|CP:CPP4|cp_plan_started|2026-03-20T10:00:00Z|-|-"),
            // At the strategy discussion that started each enquiry (its S47 start): 4 March 14:00 GMT, 6 May
            // 10:00 BST.
            row("ICPCREQ:IC4|REF:REF4|icpc_required|2026-03-04T14:00:00Z|-|-"),
            row("ICPCREQ:IC5|REF:REF4|icpc_required|2026-05-06T09:00:00Z|-|-"),
            row("REF:REF4|REF:REF4|referral_received|2026-03-02T09:00:00Z|-|-"),
        ]
    );

    let meetings = rows(
        &reader_url,
        &format!(
            "SELECT meeting_id, case_id, kind, {}, {}, cancelled::text FROM meetings ORDER BY meeting_id",
            utc("scheduled_at"),
            utc("held_at")
        ),
    )
    .await;
    assert_eq!(
        meetings,
        [
            // Held 9 April 11:00 BST, a day before it was due.
            row("CLAR:CLAR1|CLA:CLA2|cla_review|2026-04-09T10:00:00Z|2026-04-09T10:00:00Z|false"),
            // Not held yet: scheduled on its due date, 15 June (BST), from the start of that day.
            row("CPR:CPR1|CP:CPP4|rcpc|2026-06-14T23:00:00Z|-|false"),
            row("ICPC:IC4|REF:REF4|icpc|2026-03-20T10:00:00Z|2026-03-20T10:00:00Z|false"),
            // Not held yet: scheduled on its target date, 10 June.
            row("ICPC:IC5|REF:REF4|icpc|2026-06-09T23:00:00Z|-|false"),
            row("S47:S47A|REF:REF4|strategy|2026-03-04T14:00:00Z|2026-03-04T14:00:00Z|false"),
            row("S47:S47B|REF:REF4|strategy|2026-05-06T09:00:00Z|2026-05-06T09:00:00Z|false"),
        ]
    );

    let records = rows(
        &reader_url,
        &format!(
            "SELECT record_id, case_id, kind, {}, {} FROM records ORDER BY record_id",
            utc("about_at"),
            utc("completed_at")
        ),
    )
    .await;
    assert_eq!(
        records,
        [
            row("HEALTH:H1|CLA:CLA2|health_assessment|2026-04-14T23:00:00Z|2026-04-14T23:00:00Z"),
            // Refused: not a completed health assessment.
            row("HEALTH:H2|CLA:CLA2|health_assessment|2026-05-11T23:00:00Z|-"),
            // CL3's review date is a 1900 placeholder: no pathway plan record; CL9's is 1 May (BST).
            row("PATHWAY:CL9|CL:CL9|pathway_plan|2026-04-30T23:00:00Z|2026-04-30T23:00:00Z"),
        ]
    );
}

/// The two pack rules the SSD feeds (contrib/ssd/rules.toml), reading the SPEC 8.1 views through casewatch's own
/// reader.
#[tokio::test]
async fn the_pack_rules_the_ssd_feeds_read_its_events_meetings_and_records() {
    let db = TestDb::postgres().await;
    let reader_url = ssd_database(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let rules_file = Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/ssd/rules.toml");
    let rules = format!(
        "files = [\"{}\"]\ndisabled = [{NOT_ON_THE_SSD}]",
        rules_file.display()
    );
    let config = write_config(dir.path(), &reader_url, &rules);
    let config = config.to_str().unwrap();

    let (code, stdout, stderr) = casewatch(&[
        "evaluate",
        "--config",
        config,
        "--at",
        "2026-06-03T12:00:00Z",
        "--format",
        "json",
    ])
    .await;

    assert_eq!(code, 0, "{stderr}");
    let packs = ["icpc-within-15wd-of-strategy", "pathway-plan-6-monthly"];
    let lines: Vec<Line> = stdout
        .lines()
        .map(|l| line(&serde_json::from_str(l).unwrap()))
        .filter(|l| packs.contains(&l.0.as_str()))
        .collect();
    let (icpc, pathway) = (packs[0], packs[1]);
    assert_eq!(
        lines,
        [
            // CL3's only pathway plan review is a 1900 placeholder: the clock runs from the case's opening, their
            // 18th birthday (15 August 2025), so the plan was due by 15 February 2026 (GMT), escalated from
            // 5 working days later, Fri 20 February.
            expect([
                pathway,
                "escalated",
                "CL:CL3",
                "2026-02-20T00:00:00Z",
                "2026-02-15T23:59:59Z",
                "team_manager",
                "PR3",
                "tm3@council.example"
            ]),
            expect([
                pathway,
                "overdue",
                "CL:CL3",
                "2026-02-15T23:59:59Z",
                "2026-02-15T23:59:59Z",
                "worker",
                "PR1",
                "w1@council.example"
            ]),
            expect([
                pathway,
                "overdue",
                "CL:CL3",
                "2026-02-15T23:59:59Z",
                "2026-02-15T23:59:59Z",
                "supervisor",
                "PR2",
                "pm2@council.example"
            ]),
            // The second enquiry's strategy discussion on Wed 6 May: its ICPC was due within 15 working days
            // (25 May a bank holiday), by Thu 28 May, and is not held. The first ICPC was held in time.
            expect([
                icpc,
                "overdue",
                "ICPCREQ:IC5",
                "2026-05-28T22:59:59Z",
                "2026-05-28T22:59:59Z",
                "worker",
                "PR1",
                "w1@council.example"
            ]),
            expect([
                icpc,
                "overdue",
                "ICPCREQ:IC5",
                "2026-05-28T22:59:59Z",
                "2026-05-28T22:59:59Z",
                "supervisor",
                "PR2",
                "pm2@council.example"
            ]),
        ]
    );

    let (code, stdout, stderr) = casewatch(&["check-config", config]).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "ok   case schema: all six tables and case_events, meetings, records (read by the enabled rules) \
             have every column"
        ),
        "{stdout}"
    );
}
