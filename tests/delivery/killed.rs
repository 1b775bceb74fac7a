//! The real binary, killed with SIGKILL after it enqueued and composed but before anything was delivered: the
//! next pass delivers everything, once.

use std::process::Stdio;
use std::time::{Duration, Instant};

use casewatch::store::Store;

use crate::harness::*;
use crate::support::backend_test;
use crate::support::smtp::SmtpServer;

/// `casewatch tick` as a child process (awaited, so the test's servers keep running meanwhile).
pub(crate) fn tick(config: &std::path::Path, at: &str) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .args(["tick", "--config", config.to_str().unwrap(), "--at", at])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start casewatch tick")
}

backend_test!(async fn a_pass_killed_before_delivery_loses_nothing(db) {
    let env = Env::new(db.backend).await;
    load_county(&env.source().await).await;
    // A relay that accepts the connection and never says hello: delivery hangs on its first message.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let config = env.dir.path().join("silent.toml");
    let text = env
        .config_text(silent.local_addr().unwrap().port(), "")
        .replace("timeout_seconds = 5", "timeout_seconds = 120");
    std::fs::write(&config, text).unwrap();
    let mut child = tick(&config, THURSDAY);

    let store = Store::connect(env.state_db.url()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let composed = store.messages(Some("pending"), 100).await.map(|m| m.len()).unwrap_or(0);
        if composed == 5 {
            break;
        }
        assert!(Instant::now() < deadline, "the pass never composed its messages");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().await.expect("SIGKILL");
    assert!(store.messages(Some("sent"), 100).await.unwrap().is_empty());

    // The next pass, with a working relay: SQLite state belongs to one process, so a restart releases the dead
    // process's claims at once; on PostgreSQL (shared by replicas) they are taken over when their lease ends.
    let smtp = SmtpServer::start().await;
    let config = env.write_config(smtp.port(), "");
    let next = if db.is_postgres() { "2026-03-12T09:05:01Z" } else { THURSDAY };
    let status = tick(&config, next).wait().await.unwrap();
    assert!(status.success());
    assert_eq!(smtp.received().len(), 5);
    assert_eq!(store.messages(Some("sent"), 100).await.unwrap().len(), 5);
    // And a further pass sends nothing twice.
    tick(&config, "2026-03-12T09:30:00Z").wait().await.unwrap();
    assert_eq!(smtp.received().len(), 5);
    drop(silent);
});
