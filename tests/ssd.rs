//! The Standard Safeguarding Dataset mapping (contrib/ssd/postgres): SSD-shaped tables made here from the column
//! lists of the SSD (not from any published script), rows that spring each trap of the mapping, the shipped views
//! applied over them, and what casewatch makes of the result — `evaluate` lines worked out by hand from the
//! guidance and the calendar, `check-config` passing, the rows of the views, the national pack over them, and the
//! scripts run a second time under a reader and an authority's own view.

mod support;

#[path = "ssd/data.rs"]
mod data;
#[path = "ssd/evaluate.rs"]
mod evaluate;
#[path = "ssd/national.rs"]
mod national;
#[path = "ssd/rerun.rs"]
mod rerun;
#[path = "ssd/switch_off.rs"]
mod switch_off;
#[path = "ssd/views.rs"]
mod views;

use std::path::{Path, PathBuf};

use serde_json::Value;
use sqlx::{AssertSqlSafe, Connection, PgConnection};

use support::{TestDb, casewatch};

/// A database holding the SSD tables (in schema `ssd`), the rows of `data.rs`, and the shipped views; and a
/// login that reads only the views, as README's install gives it. Returns that login's URL.
async fn ssd_database(db: &TestDb) -> String {
    let mut admin = PgConnection::connect(db.url()).await.unwrap();
    run(&mut admin, &data::tables()).await;
    run(&mut admin, data::ROWS).await;
    let reader = reader(db);
    // README: the reader role first, named in reader_roles once 00-settings.sql has made that table; the scripts'
    // last one grants it what it reads.
    run(&mut admin, &format!("CREATE ROLE {reader} LOGIN")).await;
    let scripts = scripts();
    install(&mut admin, &scripts[..1]).await;
    run(
        &mut admin,
        &format!("UPDATE casewatch_ssd.reader_roles SET role_name = '{reader}'"),
    )
    .await;
    install(&mut admin, &scripts[1..]).await;
    let database = database(db);
    run(
        &mut admin,
        &format!("ALTER ROLE {reader} IN DATABASE {database} SET search_path = casewatch_ssd"),
    )
    .await;
    admin.close().await.unwrap();
    db.url().replacen("postgres@", &format!("{reader}@"), 1)
}

fn database(db: &TestDb) -> String {
    db.url().rsplit('/').next().unwrap().to_owned()
}

/// The reader role of this test's database (roles are shared by the server's databases).
fn reader(db: &TestDb) -> String {
    format!("reader_{}", database(db))
}

/// The shipped scripts, in the order README runs them.
fn scripts() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/ssd/postgres");
    let mut scripts: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "sql"))
        .collect();
    scripts.sort();
    assert_eq!(scripts.len(), 6, "{scripts:?}");
    scripts
}

/// Runs `scripts` as README's install does: the views bind to the ssd_* tables found on the search_path.
async fn install(admin: &mut PgConnection, scripts: &[PathBuf]) {
    run(admin, "SET search_path = ssd, public").await;
    for script in scripts {
        let sql = std::fs::read_to_string(script).unwrap();
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut *admin)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", script.display()));
    }
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
fn write_config(dir: &Path, source_url: &str, rules: &str) -> PathBuf {
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

/// `contrib/ssd/rules.toml`, as README's configuration names it.
fn ssd_rules_file() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("contrib/ssd/rules.toml")
        .display()
        .to_string()
}

/// `casewatch evaluate --format json` at `at`, each line parsed; panics when it fails.
async fn evaluate(config: &Path, at: &str) -> Vec<Line> {
    let (code, stdout, stderr) = casewatch(&[
        "evaluate",
        "--config",
        config.to_str().unwrap(),
        "--at",
        at,
        "--format",
        "json",
    ])
    .await;
    assert_eq!(code, 0, "{stderr}");
    stdout
        .lines()
        .map(|l| line(&serde_json::from_str(l).unwrap()))
        .collect()
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

/// A line telling `role` in PR1's line (PR1, their supervisor PR2, PR2's manager PR3); the senior manager, whom
/// the directory does not name, is the fallback mailbox.
fn told(rule: &str, stage: &str, subject: &str, from: &str, due: &str, role: &str) -> Line {
    let (staff, address) = match role {
        "worker" => ("PR1", "w1@council.example"),
        "supervisor" => ("PR2", "pm2@council.example"),
        "team_manager" => ("PR3", "tm3@council.example"),
        _ => ("-", "ops@council.example"),
    };
    expect([rule, stage, subject, from, due, role, staff, address])
}

/// The common ladder's three lines for an obligation nobody has met (SPEC 8.4), as `evaluate` orders them:
/// `escalated` to the team manager from `escalated_from`, `overdue` to the worker and their supervisor from the
/// due instant.
fn ladder(rule: &str, subject: &str, due: &str, escalated_from: &str) -> [Line; 3] {
    [
        told(
            rule,
            "escalated",
            subject,
            escalated_from,
            due,
            "team_manager",
        ),
        told(rule, "overdue", subject, due, due, "worker"),
        told(rule, "overdue", subject, due, due, "supervisor"),
    ]
}

/// The configuration with the built-in rules, less the three the SSD cannot feed.
fn builtin_config(dir: &Path, source_url: &str) -> PathBuf {
    write_config(dir, source_url, &format!("disabled = [{NOT_ON_THE_SSD}]"))
}

/// The rows of a query as text, `-` for NULL.
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

/// An instant column as UTC text.
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
