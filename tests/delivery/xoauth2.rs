//! A pass over the county's caseload sends its messages over SMTP with AUTH XOAUTH2: one token for all of them,
//! the mailbox as the envelope sender.

use casewatch::app::App;
use casewatch::config::Config;

use crate::graph::{CLIENT_ID, SECRET};
use crate::harness::*;
use crate::support::backend_test;
use crate::support::fixtures::at;
use crate::support::smtp::SmtpServer;
use crate::support::token_endpoint::{Expect, TokenEndpoint};

const MAILBOX: &str = "casewatch@council.example";

backend_test!(async fn a_pass_sends_over_smtp_with_an_oauth_token(db) {
    let env = Env::new(db.backend).await;
    load_county(&env.source().await).await;
    let endpoint = TokenEndpoint::start(CLIENT_ID, Expect::Secret(SECRET.into())).await;
    let smtp = SmtpServer::builder()
        .require_xoauth2(MAILBOX, endpoint.is_current())
        .start()
        .await;
    let secret = env.dir.path().join("client-secret");
    std::fs::write(&secret, SECRET).unwrap();
    let text = env
        .config_text(smtp.port(), "")
        .replace(
            "tls = \"none\"\n",
            &format!("tls = \"none\"\nauth = \"xoauth2\"\nusername = \"{MAILBOX}\"\n"),
        );
    let text = format!(
        "{text}\n[email.oauth]\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\n\
         allow_plain_http_loopback = true\nclient_secret = {{ file = \"{}\" }}\n",
        endpoint.url(),
        secret.display()
    );
    let path = env.dir.path().join("casewatch.toml");
    std::fs::write(&path, text).unwrap();
    let app = App::open(Config::load(&path).unwrap()).await.unwrap();

    let report = app.tick(at(THURSDAY)).await.unwrap();

    assert_eq!(report.delivered.sent, 5);
    let mail = smtp.wait_for(5).await;
    assert!(mail.iter().all(|m| m.from == MAILBOX));
    assert_eq!(endpoint.requests().len(), 1, "one token for the pass");
    assert_eq!(smtp.xoauth2_lines().len(), smtp.connections());
});
