//! Delivery over Microsoft Graph through a pass: a refused token is retried like any failed send and then
//! dead-lettered with the AADSTS code and its meaning; a 429 is retried no sooner than its Retry-After, counted
//! from when the reply arrived.

use std::path::PathBuf;
use std::time::Duration;

use casewatch::app::App;
use casewatch::channels::Channels;
use casewatch::config::Config;

use crate::harness::*;
use crate::support::backend_test;
use crate::support::fixtures::at;
use crate::support::graph::{Answer, GraphServer};
use crate::support::token_endpoint::{Expect, TokenEndpoint, expired_secret};

pub(crate) const CLIENT_ID: &str = "11111111-2222-3333-4444-555555555555";
pub(crate) const SECRET: &str = "Qx8~client.secret.value";

/// The harness's configuration with `[email]` sending through Graph at `graph_url`.
pub(crate) fn graph_config(
    env: &Env,
    name: &str,
    graph_url: &str,
    token_url: &str,
    timeout: u64,
) -> PathBuf {
    let secret = env.dir.path().join("client-secret");
    std::fs::write(&secret, SECRET).unwrap();
    let text = env
        .config_text(1, "")
        .replace(
            "host = \"127.0.0.1\"\nport = 1\ntls = \"none\"\n",
            &format!(
                "transport = \"graph\"\nsender = \"casewatch@council.example\"\ngraph_url = \"{graph_url}\"\n"
            ),
        )
        .replace("timeout_seconds = 5", &format!("timeout_seconds = {timeout}"));
    assert!(
        text.contains("transport = \"graph\""),
        "the harness's [email] table changed"
    );
    let text = format!(
        "{text}\n[email.oauth]\ntoken_url = \"{token_url}\"\nclient_id = \"{CLIENT_ID}\"\n\
         allow_plain_http_loopback = true\nclient_secret = {{ file = \"{}\" }}\n",
        secret.display()
    );
    let path = env.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

async fn graph_app(env: &Env, graph: &GraphServer, endpoint: &TokenEndpoint) -> App<Channels> {
    let path = graph_config(env, "casewatch.toml", &graph.url(), endpoint.url(), 5);
    App::open(Config::load(&path).unwrap()).await.unwrap()
}

backend_test!(async fn a_refused_token_is_retried_then_dead_lettered_with_its_aadsts_meaning(db) {
    let env = Env::new(db.backend).await;
    load_county(&env.source().await).await;
    let endpoint = TokenEndpoint::start(CLIENT_ID, Expect::Secret(SECRET.into())).await;
    // More refusals than requests: after one, the token client holds the refusal for 30 s and asks no more.
    endpoint.script(std::iter::repeat_n(expired_secret(), 15));
    let graph = GraphServer::start(endpoint.is_current()).await;
    let app = graph_app(&env, &graph, &endpoint).await;

    // max_attempts = 3; backoff from 60 s (30-90 s with jitter), then 120 s (60-180 s).
    let first = app.tick(at(THURSDAY)).await.unwrap();
    let second = app.tick(at("2026-03-12T09:05:00Z")).await.unwrap();
    let third = app.tick(at("2026-03-12T09:10:00Z")).await.unwrap();

    assert_eq!(first.delivered.retried, 5);
    assert_eq!(second.delivered.retried, 5);
    assert_eq!(third.delivered.dead, 5);
    let dead = messages(&app, Some("dead")).await;
    assert_eq!(dead.len(), 5);
    for message in &dead {
        let error = message.last_error.as_deref().unwrap();
        assert!(
            error.contains("AADSTS7000222: the client secret has expired: add a new one under Certificates & secrets"),
            "{error}"
        );
    }
    assert_eq!(graph.attempts(), 0);
});

backend_test!(async fn a_429_is_retried_no_sooner_than_retry_after_from_its_arrival(db) {
    let env = Env::new(db.backend).await;
    load_county(&env.source().await).await;
    let endpoint = TokenEndpoint::start(CLIENT_ID, Expect::Secret(SECRET.into())).await;
    let graph = GraphServer::start(endpoint.is_current()).await;
    // Graph takes two seconds to say "come back in ten minutes".
    graph.script_sends([Answer::status(429).retry_after("600").after(Duration::from_secs(2))]);
    let app = graph_app(&env, &graph, &endpoint).await;

    let first = app.tick(at(THURSDAY)).await.unwrap();

    assert_eq!((first.delivered.sent, first.delivered.retried), (4, 1));
    let pending = messages(&app, Some("pending")).await;
    assert_eq!(pending.len(), 1);
    let earliest = at(THURSDAY) + chrono::Duration::seconds(602);
    assert!(pending[0].next_attempt_at >= earliest, "{} is before {earliest}", pending[0].next_attempt_at);
    let early = app.tick(at("2026-03-12T09:10:01Z")).await.unwrap();
    assert_eq!(early.delivered.attempts(), 0, "ten minutes from the pass, not from the reply");
    let later = app.tick(at("2026-03-12T09:15:00Z")).await.unwrap();
    assert_eq!(later.delivered.sent, 1);
    assert_eq!(graph.sent().len(), 5);
});
