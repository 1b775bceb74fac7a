//! Routes: escalations for Team 3 also go to the team's webhook; a 5xx is retried, a 4xx dead-lettered.

use crate::harness::*;
use crate::support::backend_test;
use crate::support::fixtures::at;
use crate::support::smtp::SmtpServer;

use crate::webhook_server::{Reply, Server};

fn route(env: &Env, url: &str) -> String {
    generic_webhook(env, "team3-hook", url)
        + r#"
[[routes]]
teams = ["Team 3"]
severities = ["escalation"]
webhooks = ["team3-hook"]
"#
}

backend_test!(async fn an_escalation_also_goes_to_the_teams_webhook_and_a_503_is_retried(db) {
    let env = Env::new(db.backend).await;
    load_county(&env.source().await).await;
    let smtp = SmtpServer::start().await;
    let hook = Server::start([Reply::status(503), Reply::status(200)]).await;
    let app = env.app(&smtp, &route(&env, &hook.url)).await;
    let first = app.tick(at(THURSDAY)).await.unwrap();
    // Five emails as before, and one webhook message for the escalation, which failed once.
    assert_eq!((first.delivered.sent, first.delivered.retried), (5, 1));
    app.tick(at("2026-03-12T09:15:00Z")).await.unwrap();
    let requests = hook.requests();
    assert_eq!(requests.len(), 2);
    let key = requests[0].header("idempotency-key").to_owned();
    assert_eq!(requests[1].header("idempotency-key"), key, "a retry carries the same key");
    let body = requests[1].json();
    assert_eq!(body["items"][0]["stage"], "escalate-to-team-manager");
    assert_eq!(body["items"][0]["child"], "LL-100042");
    assert!(messages(&app, Some("pending")).await.is_empty());
});

backend_test!(async fn a_webhook_answering_400_is_dead_lettered_with_the_reply(db) {
    let env = Env::new(db.backend).await;
    load_county(&env.source().await).await;
    let smtp = SmtpServer::start().await;
    let hook = Server::start([Reply::status(400).body("unknown flow")]).await;
    let app = env.app(&smtp, &route(&env, &hook.url)).await;
    let report = app.tick(at(THURSDAY)).await.unwrap();
    assert_eq!((report.delivered.sent, report.delivered.dead), (5, 1));
    let dead = messages(&app, Some("dead")).await;
    assert_eq!(dead[0].channel, "team3-hook");
    assert!(dead[0].last_error.as_deref().unwrap().contains("400"), "{:?}", dead[0].last_error);
});
