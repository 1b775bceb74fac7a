//! The service's pass compares and enqueues a batch of cases at a time (`App::pass_budget` lines), so that its
//! memory does not grow with the caseload, and passes over the cases it finds as the last pass left them (their
//! fingerprints, `App::skip_unchanged`), so that a steady pass costs little more than reading the caseload. Neither
//! may change anything that is stored: a pass whose budget is a handful of lines (hundreds of batches), passing
//! over what it can, leaves exactly the notices, messages and stage episodes that a pass holding everything in one
//! batch and comparing every case leaves. Over two weeks: a first pass, the same again a quarter of an hour later,
//! a pass after cases closed and workers' addresses changed, a silence and its end, repeats falling due.

use casewatch::app::{App, TickReport};
use casewatch::channels::Channels;
use casewatch::store::{NewSilence, Store};
use sqlx::{AssertSqlSafe, Row};

use crate::harness::*;
use crate::support::Backend;
use crate::support::fixtures::{at, date};
use crate::support::smtp::SmtpServer;

/// Every obligation since January is told (none is the go-live backlog), by every rule pack, with the default
/// summary time (08:30) open at 09:00: the digests, immediate messages and summaries of one county.
const TELL_ALL: &str = "tell_from = \"2026-01-05\"\n\
    [rules]\npacks = [\"lcs\", \"havering\", \"luton\", \"isle-of-wight\", \"enfield\"]\n";

/// What happens before each pass, and when the pass runs.
enum Step {
    Pass(&'static str),
    /// Closes the cases whose id ends in 7 on 1 January 2026: from then on they are read no more (no rule watches
    /// a case that long after it closed), and their episodes must end.
    CloseSome,
    /// Three workers get new email addresses: their lines change, and go to the new address.
    Readdress,
    /// A silence on the first case with an open breach, from Friday 13 March 09:30 to Sunday 15 March.
    Silence,
}

/// Thursday 12 March 09:00 (the first pass) and 09:15 (nothing changed); Friday 13th, after cases closed and
/// workers moved; Friday 09:30, a case silenced; Monday 16th (the silence ended on Sunday: what it held back is
/// told afresh); Wednesday 18th (repeats fall due, reminders have lapsed) and 09:15; Friday 20th (the repeats of
/// breaches first told on the 12th or 13th fall due, five working days on, on stages that have not changed).
const STEPS: [Step; 11] = [
    Step::Pass(THURSDAY),
    Step::Pass("2026-03-12T09:15:00Z"),
    Step::CloseSome,
    Step::Readdress,
    Step::Pass("2026-03-13T09:00:00Z"),
    Step::Silence,
    Step::Pass("2026-03-13T09:30:00Z"),
    Step::Pass("2026-03-16T09:00:00Z"),
    Step::Pass("2026-03-18T09:00:00Z"),
    Step::Pass("2026-03-18T09:15:00Z"),
    Step::Pass("2026-03-20T09:00:00Z"),
];

const CLOSE_SOME: &str = "UPDATE cases SET closed_on = '2026-01-01' WHERE case_id LIKE '%7'";

const READDRESS: &str = "UPDATE staff SET email = 'moved.' || email WHERE staff_id IN \
    (SELECT staff_id FROM staff WHERE email IS NOT NULL ORDER BY staff_id LIMIT 3)";

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

/// The first case with an open breach, by id.
async fn breached_case(store: &Store) -> String {
    let sql = "SELECT case_id FROM stage_log WHERE ended_at IS NULL AND severity = 'breach' ORDER BY case_id";
    casewatch::on_pool!(store, |pool| sqlx::query(sql)
        .fetch_one(pool)
        .await
        .unwrap()
        .get::<String, _>(0))
}

/// The cases with an open stage episode.
async fn open_cases(store: &Store) -> u64 {
    let sql = "SELECT COUNT(DISTINCT case_id) FROM stage_log WHERE ended_at IS NULL";
    casewatch::on_pool!(store, |pool| sqlx::query(sql)
        .fetch_one(pool)
        .await
        .unwrap()
        .get::<i64, _>(0)) as u64
}

async fn same_with_a_small_budget(backend: Backend) {
    let (small_env, small_smtp, small) = county(backend, 7).await;
    let (large_env, large_smtp, mut large) = county(backend, usize::MAX).await;
    large.skip_unchanged = false;
    let mut passes = 0;
    for step in STEPS {
        let instant = match step {
            Step::Pass(instant) => instant,
            Step::CloseSome | Step::Readdress => {
                let sql = if matches!(step, Step::CloseSome) {
                    CLOSE_SOME
                } else {
                    READDRESS
                };
                small_env.source_db.execute(sql).await;
                large_env.source_db.execute(sql).await;
                continue;
            }
            Step::Silence => {
                let case = breached_case(&small.store).await;
                assert_eq!(case, breached_case(&large.store).await);
                let silence = NewSilence {
                    case_id: &case,
                    rule: None,
                    reason: "in hand",
                    created_by: "TM1",
                    until: date("2026-03-15"),
                    ends_at: at("2026-03-16T00:00:00Z"),
                    worker_id: None,
                };
                for app in [&small, &large] {
                    app.store
                        .add_silence(&silence, at("2026-03-13T09:30:00Z"))
                        .await
                        .unwrap();
                }
                continue;
            }
        };
        passes += 1;
        let now = at(instant);
        let a = small.tick(now).await.unwrap();
        let b = large.tick(now).await.unwrap();
        assert_eq!(b.cases_unchanged, 0, "{b:?}");
        let unchanged = a.cases_unchanged;
        assert_eq!(
            TickReport {
                cases_unchanged: 0,
                ..a.clone()
            },
            b,
            "{backend:?}: the reports of the pass at {instant}"
        );
        match passes {
            1 => {
                // The caseload is well beyond the small budget, and the pass found something of every kind.
                assert!(a.active_stages > 500, "{a:?}");
                assert!(a.notices_enqueued > 500 && a.summaries > 0, "{a:?}");
                assert_eq!(unchanged, 0, "{a:?}");
            }
            // Nothing changed: every case with an open episode is passed over.
            2 | 7 => assert_eq!(unchanged, open_cases(&small.store).await, "{a:?}"),
            3 => assert!(a.stages_ended > 0, "the closed cases' episodes end: {a:?}"),
            // A silence began: every case is compared again.
            4 => assert_eq!(unchanged, 0, "{a:?}"),
            _ => {}
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
