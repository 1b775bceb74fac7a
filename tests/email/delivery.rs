//! Which failures are worth retrying, and connection reuse.

use std::sync::Arc;
use std::time::{Duration, Instant};

use casewatch::channels::ChannelError;
use futures_util::stream::{self, StreamExt};
use tokio::task::JoinSet;

use casewatch::channels::email::EmailSettings;

use super::support::smtp::{SmtpServer, TestCa};
use super::{FROM, WORKER, channel, notice, plain};

#[tokio::test]
async fn a_451_reply_is_transient() {
    let server = SmtpServer::builder().answer_every(451).start().await;
    let email = channel(&plain(server.port()));

    let err = email.send(&notice(1)).await.unwrap_err();

    assert!(err.is_transient(), "{err}");
    assert!(err.to_string().contains("451"), "{err}");
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn a_550_reply_is_permanent_and_its_reason_names_no_child() {
    let server = SmtpServer::builder().answer_every(550).start().await;
    let email = channel(&plain(server.port()));
    let msg = notice(2);

    let err = email.send(&msg).await.unwrap_err();

    let ChannelError::Permanent { reason } = &err else {
        panic!("expected permanent, got {err}");
    };
    assert!(reason.contains("550"), "{reason}");
    assert!(!reason.contains("CF-1042") && !reason.contains("assessment"));
}

#[tokio::test]
async fn a_refused_connection_is_transient() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut settings = plain(port);
    settings.timeout_seconds = 5;

    let err = channel(&settings).send(&notice(3)).await.unwrap_err();

    assert!(err.is_transient(), "{err}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[tokio::test]
async fn a_relay_that_never_answers_times_out_as_transient() {
    // The kernel completes the TCP handshake for the backlog; nobody ever sends the greeting.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut settings = plain(silent.local_addr().unwrap().port());
    settings.timeout_seconds = 1;
    let started = Instant::now();

    let err = channel(&settings).send(&notice(4)).await.unwrap_err();

    assert!(err.is_transient(), "{err}");
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn an_invalid_address_or_message_id_is_permanent_and_nothing_is_sent() {
    let server = SmtpServer::start().await;
    let email = channel(&plain(server.port()));
    let mut bad_address = notice(5);
    bad_address.to = "sam.okafor at council.example".into();
    let mut bad_id = notice(6);
    bad_id.message_id = "notice-6@casewatch".into();

    for msg in [bad_address, bad_id] {
        let err = email.send(&msg).await.unwrap_err();
        assert!(!err.is_transient(), "{err}");
    }
    assert_eq!(server.connections(), 0);
}

#[tokio::test]
async fn twenty_messages_one_after_another_share_one_connection() {
    let server = SmtpServer::start().await;
    let email = channel(&plain(server.port()));
    let started = Instant::now();

    for n in 0..20 {
        email.send(&notice(n)).await.unwrap();
    }

    assert_eq!(server.received().len(), 20);
    assert_eq!(server.connections(), 1);
    // With Nagle's algorithm on, each message would wait ~40 ms for the server's delayed ACK (see relay.rs).
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(400), "{elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_messages_open_at_most_pool_max_size_connections() {
    let server = SmtpServer::start().await;
    let mut settings = plain(server.port());
    settings.pool_max_size = 3;
    let email = Arc::new(channel(&settings));

    // Spawned, as the outbox will: each send is its own task.
    let mut sends = JoinSet::new();
    for n in 0..20 {
        let email = Arc::clone(&email);
        sends.spawn(async move { email.send(&notice(n)).await });
    }
    let results = sends.join_all().await;

    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(server.received().len(), 20);
    assert!(
        server.connections() <= 3,
        "{} connections",
        server.connections()
    );
    assert!(server.received().iter().all(|m| m.to == [WORKER]));
}

/// `cargo test --release --test email -- --ignored --nocapture throughput`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check: run in release mode"]
async fn throughput_with_connection_reuse() {
    let server = SmtpServer::start().await;
    measure_throughput("plain", &server, &plain(server.port())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check: run in release mode"]
async fn throughput_with_connection_reuse_over_starttls() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let server = SmtpServer::builder()
        .starttls(ca.server_identity("localhost"))
        .start()
        .await;
    let settings = EmailSettings {
        port: Some(server.port()),
        ca_file: Some(ca.write_pem(dir.path())),
        ..EmailSettings::smtp("localhost", FROM)
    };
    measure_throughput("STARTTLS", &server, &settings).await;
}

/// 1,000 messages, 4 at a time, through one channel with the default pool of 4 connections.
async fn measure_throughput(label: &str, server: &SmtpServer, settings: &EmailSettings) {
    let email = channel(settings);
    let started = Instant::now();

    let sent = stream::iter(0..1000)
        .map(|n| {
            let email = &email;
            async move { email.send(&notice(n)).await }
        })
        .buffer_unordered(4)
        .filter(|r| std::future::ready(r.is_ok()))
        .count()
        .await;

    let elapsed = started.elapsed();
    assert_eq!(sent, 1000);
    println!(
        "{label}: 1000 messages at concurrency 4 over {} connections in {:.2} s: {:.0} messages/s",
        server.connections(),
        elapsed.as_secs_f64(),
        1000.0 / elapsed.as_secs_f64()
    );
}
