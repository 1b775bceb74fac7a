//! The real binary, killed with SIGKILL while its first message is on its way to Microsoft Graph (a Graph that
//! takes the request and never answers): the next pass, with Graph answering, delivers every message once.

use std::time::{Duration, Instant};

use casewatch::store::Store;

use crate::graph::{CLIENT_ID, SECRET, graph_config};
use crate::harness::*;
use crate::killed::tick;
use crate::support::backend_test;
use crate::support::graph::GraphServer;
use crate::support::token_endpoint::{Expect, TokenEndpoint};

async fn wait_until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done().await {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

backend_test!(async fn a_pass_killed_mid_graph_delivery_loses_nothing_and_sends_nothing_twice(db) {
    let env = Env::new(db.backend).await;
    load_county(&env.source().await).await;
    let endpoint = TokenEndpoint::start(CLIENT_ID, Expect::Secret(SECRET.into())).await;
    // Graph's address accepts the connection (the kernel's backlog) and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://127.0.0.1:{}/v1.0", silent.local_addr().unwrap().port());
    let config = graph_config(&env, "silent.toml", &silent_url, endpoint.url(), 120);
    let mut child = tick(&config, THURSDAY);

    let store = Store::connect(env.state_db.url()).await.unwrap();
    wait_until("the pass never composed its messages", async || {
        store.messages(Some("pending"), 100).await.map(|m| m.len()).unwrap_or(0) == 5
    })
    .await;
    // A token was asked for: the first sendMail is on its way.
    wait_until("no token was asked for", async || !endpoint.requests().is_empty()).await;
    child.kill().await.expect("SIGKILL");
    assert!(store.messages(Some("sent"), 100).await.unwrap().is_empty());

    let graph = GraphServer::start(endpoint.is_current()).await;
    let config = graph_config(&env, "graph.toml", &graph.url(), endpoint.url(), 5);
    let next = if db.is_postgres() { "2026-03-12T09:05:01Z" } else { THURSDAY };
    assert!(tick(&config, next).wait().await.unwrap().success());
    let sent = graph.sent();
    assert_eq!(sent.len(), 5);
    let mut ids: Vec<&str> = sent
        .iter()
        .map(|s| s.json["message"]["internetMessageId"].as_str().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5, "five different messages");
    assert_eq!(store.messages(Some("sent"), 100).await.unwrap().len(), 5);
    // And a further pass sends nothing twice.
    tick(&config, "2026-03-12T09:30:00Z").wait().await.unwrap();
    assert_eq!(graph.attempts(), 5);
    drop(silent);
});
