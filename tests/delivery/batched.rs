//! The service's pass compares and enqueues a batch of cases at a time (`App::pass_budget` lines), so that its
//! memory does not grow with the caseload. Batching must change nothing that is stored: a pass whose budget is a
//! handful of lines (hundreds of batches) leaves exactly the notices, messages and stage episodes that a pass
//! holding everything in one batch leaves, over a first pass, a pass after cases closed and a pass days later.

use casewatch::app::App;
use casewatch::channels::Channels;
use casewatch::store::Store;
use sqlx::{AssertSqlSafe, Row};

use crate::harness::*;
use crate::support::Backend;
use crate::support::fixtures::{at, date};
use crate::support::smtp::SmtpServer;

/// Every obligation since January is told (none is the go-live backlog), by every rule pack, with the default
/// summary time (08:30) open at 09:00: the digests, immediate messages and summaries of one county.
const TELL_ALL: &str = "tell_from = \"2026-01-05\"\n\
    [rules]\npacks = [\"lcs\", \"havering\", \"luton\", \"isle-of-wight\", \"enfield\"]\n";

/// Three instants: the first pass (Thursday 12 March, 09:00), the next day after a tenth of the cases closed,
/// and the Wednesday after (repeats fall due, reminders have lapsed).
const PASSES: [&str; 3] = [THURSDAY, "2026-03-13T09:00:00Z", "2026-03-18T09:00:00Z"];

/// Closes the cases whose id ends in 7 on 1 January 2026: from the second pass on they are read no more (no
/// rule watches a case that long after it closed), and their episodes must end.
const CLOSE_SOME: &str = "UPDATE cases SET closed_on = '2026-01-01' WHERE case_id LIKE '%7'";

async fn county(backend: Backend, budget: usize) -> (Env, SmtpServer, App<Channels>) {
    let env = Env::new(backend).await;
    let source = env.source().await;
    // 400 children around 12 March 2026: a few thousand lines, with every kind of stage.
    let generator = casewatch::generate::Generator::new(21, 400, date("2026-03-12"));
    casewatch::generate::load(&source, &generator.staff(), generator.case_files())
        .await
        .unwrap();
    let smtp = SmtpServer::start().await;
    let mut app = env.app(&smtp, TELL_ALL).await;
    app.pass_budget = budget;
    (env, smtp, app)
}

/// Every stored row of `table` as text, sorted: the columns a pass writes, and for notices the key of the message
/// they went in (row ids differ with the order rows are written in, and are not compared).
async fn rows(store: &Store, sql: &str) -> Vec<String> {
    let mut rows: Vec<String> =
        casewatch::on_pool!(store, |pool| sqlx::query(AssertSqlSafe(sql.to_owned()))
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect());
    rows.sort();
    rows
}

fn text(column: &str) -> String {
    format!("COALESCE(CAST({column} AS TEXT), '-')")
}

fn joined(columns: &[&str]) -> String {
    columns
        .iter()
        .map(|c| text(c))
        .collect::<Vec<_>>()
        .join(" || '|' || ")
}

struct Stored {
    stage_log: Vec<String>,
    notices: Vec<String>,
    messages: Vec<String>,
}

async fn stored(store: &Store) -> Stored {
    let stage_log = joined(&[
        "rule",
        "case_id",
        "subject_id",
        "stage",
        "from_at",
        "child_ref",
        "severity",
        "due_at",
        "first_seen_at",
        "worker_id",
        "ended_at",
        "end_reason",
    ]);
    let notices = joined(&[
        "n.notice_key",
        "n.repeat_key",
        "n.occurrence",
        "n.roles",
        "n.channel",
        "n.address",
        "n.staff_id",
        "n.to_name",
        "n.delivery",
        "n.item_json",
        "n.enqueued_at",
        "n.cancelled_at",
        "n.cancel_reason",
        "n.listed",
        "m.message_key",
    ]);
    let messages = joined(&[
        "message_key",
        "kind",
        "channel",
        "address",
        "subject",
        "body_text",
        "body_html",
        "items_json",
        // Since migration 0006 the text, HTML and items are stored here, deflated (the columns above are empty),
        // compared as hexadecimal text.
        match store {
            Store::Sqlite(_) => "hex(body)",
            Store::Postgres(_) => "encode(body, 'hex')",
        },
        "status",
        "attempts",
        "created_at",
        "sent_at",
        "listed",
    ]);
    Stored {
        stage_log: rows(store, &format!("SELECT {stage_log} FROM stage_log")).await,
        notices: rows(
            store,
            &format!("SELECT {notices} FROM notices n LEFT JOIN messages m ON m.id = n.message_id"),
        )
        .await,
        messages: rows(store, &format!("SELECT {messages} FROM messages")).await,
    }
}

/// Equal rows, or the first that differs.
fn same(small: &[String], large: &[String], what: &str) {
    let differs = small.iter().zip(large).find(|(a, b)| a != b);
    assert_eq!(
        differs, None,
        "{what}: the first row that differs (small budget, large)"
    );
    assert_eq!(small.len(), large.len(), "{what}: rows");
}

async fn same_with_a_small_budget(backend: Backend) {
    let (small_env, small_smtp, small) = county(backend, 7).await;
    let (large_env, large_smtp, large) = county(backend, usize::MAX).await;
    for (i, instant) in PASSES.into_iter().enumerate() {
        if i == 1 {
            small_env.source_db.execute(CLOSE_SOME).await;
            large_env.source_db.execute(CLOSE_SOME).await;
        }
        let now = at(instant);
        let a = small.tick(now).await.unwrap();
        let b = large.tick(now).await.unwrap();
        assert_eq!(a, b, "{backend:?}: the reports of the pass at {instant}");
        if i == 0 {
            // The caseload is well beyond the small budget, and the pass found something of every kind.
            assert!(a.active_stages > 500, "{a:?}");
            assert!(a.notices_enqueued > 500 && a.summaries > 0, "{a:?}");
        }
        if i == 1 {
            assert!(a.stages_ended > 0, "the closed cases' episodes end: {a:?}");
        }
        let (x, y) = (stored(&small.store).await, stored(&large.store).await);
        assert!(!x.messages.is_empty() && !x.notices.is_empty());
        same(
            &x.stage_log,
            &y.stage_log,
            &format!("{backend:?}: stage_log at {instant}"),
        );
        same(
            &x.notices,
            &y.notices,
            &format!("{backend:?}: notices at {instant}"),
        );
        same(
            &x.messages,
            &y.messages,
            &format!("{backend:?}: messages at {instant}"),
        );
    }
    assert_eq!(recipients(&small_smtp), recipients(&large_smtp));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pass_in_small_batches_stores_what_one_batch_stores_sqlite() {
    same_with_a_small_budget(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pass_in_small_batches_stores_what_one_batch_stores_postgres() {
    same_with_a_small_budget(Backend::Postgres).await;
}
