//! A measurement, not a check: messages per second from the outbox to a local SMTP server, connections reused.
//! `cargo test --release --test delivery throughput -- --ignored --nocapture`

use std::time::Instant;

use crate::harness::*;
use crate::support::Backend;
use crate::support::fixtures::{at, date};
use crate::support::smtp::SmtpServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check: run in release mode"]
async fn outbox_delivery_throughput() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let env = Env::new(backend).await;
        let source = env.source().await;
        // 2,000 children dated around 12 March 2026: several hundred people, thousands of notices.
        let generator = casewatch::generate::Generator::new(11, 2_000, date("2026-03-12"));
        casewatch::generate::load(&source, &generator.staff(), generator.case_files())
            .await
            .unwrap();
        let smtp = SmtpServer::start().await;
        let app = env.app(&smtp, "concurrency = 4").await;
        let now = at(THURSDAY);
        let started = Instant::now();
        let (report, _) = app.evaluate_and_enqueue(now).await.unwrap();
        let enqueued = started.elapsed();
        let composed = app.compose(now).await.unwrap();
        let compose_time = started.elapsed() - enqueued;
        let before = Instant::now();
        let delivered = app.deliver(now).await.unwrap();
        let seconds = before.elapsed().as_secs_f64();
        assert_eq!(smtp.received().len() as u64, delivered.sent);
        println!(
            "{backend:?}: {} notices enqueued in {:.2}s; {} digests + {} immediate composed in {:.2}s; \
             {} messages delivered in {seconds:.2}s = {:.0} messages/s over {} SMTP connections",
            report.notices_enqueued,
            enqueued.as_secs_f64(),
            composed.digests,
            composed.immediate,
            compose_time.as_secs_f64(),
            delivered.sent,
            delivered.sent as f64 / seconds,
            smtp.connections()
        );
    }
}
