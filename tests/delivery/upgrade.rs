//! Upgrading a state database written by the release before send windows: its notices get the repeat key that
//! new drafts carry, so a stage told before the upgrade repeats from that notice rather than starting over.

use casewatch::store::Store;

use crate::support::{Backend, backend_test};

fn migration(backend: Backend, name: &str) -> String {
    let dir = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let path = format!(
        "{}/migrations/state/{dir}/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

backend_test!(async fn notices_stored_before_the_upgrade_get_their_repeat_key(db) {
    db.execute(&migration(db.backend, "0001_outbox.sql")).await;
    // The third repeat of R3 `overdue` to W42, as the previous release keyed it.
    db.execute(
        "INSERT INTO notices (notice_key, rule, subject_id, stage, from_at, due_at, case_id, severity, occurrence, \
         roles, channel, address, staff_id, delivery, item_json, enqueued_at) VALUES \
         ('cf-assessment-due|A1|overdue|2026-03-13T23:59:59Z|2|email|staff:W42', 'cf-assessment-due', 'A1', \
         'overdue', '2026-03-13T23:59:59Z', '2026-03-13T23:59:59Z', 'C42', 'breach', 2, 'worker', 'email', \
         'w42@example.org', 'W42', 'immediate', '{}', '2026-03-27T08:00:00Z')",
    )
    .await;
    db.execute(&migration(db.backend, "0002_send_windows_and_repeats.sql")).await;

    let store = Store::connect(db.url()).await.unwrap();
    let key: String = casewatch::on_pool!(&store, |pool| sqlx::query_scalar("SELECT repeat_key FROM notices")
        .fetch_one(pool)
        .await)
    .unwrap();
    assert_eq!(key, "cf-assessment-due|A1|overdue|2026-03-13T23:59:59Z|email|staff:W42");
});
