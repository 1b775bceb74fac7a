//! A webhook URL read from an environment variable. On a test binary of its own: setting a variable while other
//! tests' threads read the environment is undefined behaviour, and here there are no other tests.

mod webhook_server;

use casewatch::channels::webhook::{WebhookChannel, WebhookKind};
use casewatch::config::secret::SecretSource;
use webhook_server::{Server, item, message, settings};

#[tokio::test]
async fn slack_url_comes_from_the_environment() {
    let server = Server::start([]).await;
    // SAFETY: the only test in this binary, on a current-thread runtime: no other thread reads the environment.
    unsafe { std::env::set_var("CASEWATCH_TEST_SLACK_URL", &server.url) };
    let dir = tempfile::tempdir().unwrap();
    let mut hook = settings(WebhookKind::Slack, "https://unused.example", dir.path());
    hook.url_secret = Some(SecretSource::Env("CASEWATCH_TEST_SLACK_URL".into()));
    let channel = WebhookChannel::new(&hook).unwrap();
    let msg = message(
        "k-env",
        vec![item(
            "reminder",
            "KIT visit due",
            "CH-0301",
            "2026-05-01T22:59:59Z",
        )],
    );

    channel.send(&msg).await.unwrap();

    let body = server.only_request().json();
    assert_eq!(
        body["text"],
        "casewatch: 2 deadlines need attention: 1 item"
    );
}
