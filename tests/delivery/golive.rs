//! Go-live, as an authority switches casewatch on (SPEC 6a): a generated caseload with six years of history, a
//! third of its older records and meetings lost in a migration and no PEP meetings mapped at all. The first pass
//! tells nothing due before `tell_from`, bounds every message, gives each manager the backlog in their summary,
//! and `check-config` names the rule whose evidence is missing before anything is sent.

use std::process::Command;

use crate::harness::*;
use crate::support::fixtures::at;
use crate::support::smtp::SmtpServer;
use crate::support::{Backend, TestDb};

/// Monday 7 December 2026, 09:00 GMT: the first pass.
const GO_LIVE: &str = "2026-12-07T09:00:00Z";
/// 20 working days before Monday 7 December 2026, counted back on the calendar: Fri 4, Thu 3, Wed 2, Tue 1 Dec,
/// Mon 30, Fri 27, Thu 26, Wed 25, Tue 24, Mon 23, Fri 20, Thu 19, Wed 18, Tue 17, Mon 16, Fri 13, Thu 12,
/// Wed 11, Tue 10, Mon 9 November (no bank holiday falls between). London is on GMT: the day starts at 00:00Z.
const TELL_FROM: &str = "2026-11-09T00:00:00Z";

async fn scalar(db: &TestDb, sql: &str) -> i64 {
    let pool = sqlx::SqlitePool::connect(db.url()).await.unwrap();
    let n = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_pass_tells_no_backlog_bounds_every_message_and_names_the_missing_evidence() {
    let env = Env::new(Backend::Sqlite).await;
    let generated = Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .args([
            "demo",
            "generate",
            "--children",
            "300",
            "--seed",
            "7",
            "--today",
            "2026-12-07",
        ])
        .args(["--source", env.source_db.url()])
        .output()
        .unwrap();
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    // A third of the records and meetings held before 7 June 2026 lost in a migration; no PEP meeting mapped.
    env.source_db
        .execute(
            "DELETE FROM records WHERE completed_at < '2026-06-07' AND rowid % 3 = 0;
             DELETE FROM meetings WHERE held_at < '2026-06-07' AND rowid % 3 = 0;
             DELETE FROM meetings WHERE kind = 'pep';",
        )
        .await;
    // The children who became looked after, on cases open on go-live day: hv-pep-meeting's subjects.
    let looked_after = scalar(
        &env.source_db,
        "SELECT count(*) FROM case_events e JOIN cases c ON c.case_id = e.case_id \
         WHERE e.kind = 'became_looked_after' AND e.occurred_at <= '2026-12-07T09:00:00Z' \
         AND c.opened_on <= '2026-12-07' AND (c.closed_on IS NULL OR c.closed_on > '2026-12-07')",
    )
    .await;
    assert!(
        looked_after > 0,
        "the generated caseload has looked-after children"
    );

    let smtp = SmtpServer::start().await;
    let extra = "[rules]\npacks = [\"havering\", \"national\"]\n";
    let config = env.write_config(smtp.port(), extra);
    let check = Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .args(["check-config", config.to_str().unwrap(), "--at", GO_LIVE])
        .output()
        .unwrap();
    let check = String::from_utf8_lossy(&check.stdout);
    let warning = format!(
        "hv-pep-meeting: {looked_after} subjects (Looked after: PEP meeting); no meeting of kind `pep` in the last \
         12 months — each of them will breach"
    );
    assert!(check.contains(&warning), "{warning:?} not in\n{check}");
    assert!(
        check.contains("obligations due before Mon 9 Nov 2026"),
        "{check}"
    );

    // `preview` says what the pass will send, writing nothing: the same number of messages the pass composes.
    let preview = Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .args([
            "preview",
            "--config",
            config.to_str().unwrap(),
            "--at",
            GO_LIVE,
        ])
        .output()
        .unwrap();
    let preview = String::from_utf8_lossy(&preview.stdout);
    let previewed: i64 = preview
        .lines()
        .find_map(|l| {
            l.strip_prefix("messages: ")?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no messages line in\n{preview}"));
    assert!(
        preview.contains("go-live backlog:") && preview.contains("Mon 9 Nov 2026"),
        "{preview}"
    );
    assert!(!preview.contains("LL-"), "no child is named in the preview");

    let app = env.app(&smtp, extra).await;
    let report = app.tick(at(GO_LIVE)).await.unwrap();
    let composed = i64::try_from(report.composed.digests + report.composed.immediate).unwrap();
    assert_eq!(previewed, composed, "preview:\n{preview}");
    assert!(report.backlog_stages > 0, "the history has a backlog");
    let state = &env.state_db;
    let told_early = scalar(
        state,
        &format!(
            "SELECT count(*) FROM notices WHERE due_at < '{TELL_FROM}' AND cancelled_at IS NULL"
        ),
    )
    .await;
    assert_eq!(
        told_early, 0,
        "nothing due before Monday 9 November is told one by one"
    );
    let told = scalar(state, "SELECT count(*) FROM notices").await;
    assert!(told > 0, "this month's work is told");
    // No message lists more than 25 items (SPEC 6a's default bound); the rest are counted.
    let most_listed = scalar(
        state,
        "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM notices WHERE listed = 1 \
         GROUP BY message_id) AS per_message",
    )
    .await;
    assert!(most_listed <= 25, "a message lists {most_listed} items");
    let biggest = scalar(
        state,
        "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM notices WHERE message_id IS NOT NULL \
         GROUP BY message_id) AS per_message",
    )
    .await;
    if biggest > 25 {
        assert_eq!(
            most_listed, 25,
            "a message of {biggest} items lists the 25 most urgent"
        );
    }
    // Every manager's summary carries the backlog section.
    let summaries: Vec<_> = messages(&app, None)
        .await
        .into_iter()
        .filter(|m| m.kind == "summary")
        .collect();
    assert!(!summaries.is_empty());
    for s in &summaries {
        assert!(s.text.contains("Go-live backlog:"), "{}", s.text);
    }
}
