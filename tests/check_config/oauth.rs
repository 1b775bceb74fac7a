//! Sending without a password, checked: a token from a real token endpoint, then the XOAUTH2 login to a real
//! relay (nothing sent), or a read of the Graph sender mailbox; a refused token fails with its AADSTS code and
//! meaning, exit 1.

use std::path::Path;

use super::support::TestDb;
use super::support::graph::{Answer, GraphServer};
use super::support::smtp::SmtpServer;
use super::support::token_endpoint::{Expect, TokenEndpoint, expired_secret};
use super::{Run, check_config, new_state, write_config};

const MAILBOX: &str = "casewatch@council.example";
const CLIENT_ID: &str = "11111111-2222-3333-4444-555555555555";
const SECRET: &str = "Qx8~client.secret.value";

fn oauth_table(endpoint: &TokenEndpoint) -> String {
    format!(
        "[email.oauth]\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nallow_plain_http_loopback = true\n\
         client_secret = {{ env = \"CASEWATCH_TEST_OAUTH_SECRET\" }}",
        endpoint.url()
    )
}

/// Runs check-config on `email` with good databases.
async fn check(dir: &Path, email: &str) -> Run {
    let db = TestDb::sqlite().await;
    db.migrated_source().await.close().await;
    let config = write_config(dir, db.url(), &new_state(dir), email);
    check_config(
        &[config.as_os_str()],
        &[("CASEWATCH_TEST_OAUTH_SECRET", SECRET)],
    )
    .await
}

async fn smtp_check(endpoint: &TokenEndpoint) -> (Run, SmtpServer) {
    let dir = tempfile::tempdir().unwrap();
    let server = SmtpServer::builder()
        .require_xoauth2(MAILBOX, endpoint.is_current())
        .start()
        .await;
    let email = format!(
        "[email]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nauth = \"xoauth2\"\nusername = \"{MAILBOX}\"\n\
         from = \"{MAILBOX}\"\n{}",
        server.port(),
        oauth_table(endpoint)
    );
    (check(dir.path(), &email).await, server)
}

async fn graph_check(endpoint: &TokenEndpoint, graph: &GraphServer) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let email = format!(
        "[email]\ntransport = \"graph\"\nsender = \"{MAILBOX}\"\ngraph_url = \"{}\"\nfrom = \"{MAILBOX}\"\n{}",
        graph.url(),
        oauth_table(endpoint)
    );
    check(dir.path(), &email).await
}

/// Exit 1, and one failure: `what`'s, with the AADSTS code and its meaning.
fn fails_with_expired_secret(run: &Run, what: &str) {
    assert_eq!(run.code, 1, "{run}");
    let failures = run.failures();
    assert_eq!(failures.len(), 1, "{run}");
    assert!(failures[0].starts_with(&format!("FAIL {what}: ")), "{run}");
    assert!(
        failures[0].contains("AADSTS7000222: the client secret has expired"),
        "{run}"
    );
}

#[tokio::test]
async fn an_xoauth2_login_is_checked_without_sending() {
    let endpoint = TokenEndpoint::start(CLIENT_ID, Expect::Secret(SECRET.into())).await;

    let (run, server) = smtp_check(&endpoint).await;

    assert_eq!(run.code, 0, "{run}");
    let relay = format!(
        "127.0.0.1:{} accepted AUTH XOAUTH2 as {MAILBOX}",
        server.port()
    );
    assert!(
        run.has(
            "ok   SMTP relay: token obtained from 127.0.0.1; ",
            &[&relay]
        ),
        "{run}"
    );
    let channel = format!(
        "email through 127.0.0.1:{} (unencrypted, XOAUTH2 as {MAILBOX})",
        server.port()
    );
    assert!(run.has("ok   channels: ", &[&channel]), "{run}");
    assert_eq!(server.xoauth2_lines().len(), 1);
    assert_eq!(server.transactions(), 0, "no mail transaction was begun");
    assert!(
        !run.stdout.contains(SECRET) && !run.stdout.contains("token-1"),
        "{run}"
    );
}

#[tokio::test]
async fn an_expired_secret_fails_the_smtp_check_with_its_code_and_meaning() {
    let endpoint = TokenEndpoint::start(CLIENT_ID, Expect::Secret(SECRET.into())).await;
    endpoint.script([expired_secret()]);

    let (run, server) = smtp_check(&endpoint).await;

    fails_with_expired_secret(&run, "SMTP relay");
    assert_eq!(server.connections(), 0);
}

#[tokio::test]
async fn graph_is_checked_by_reading_the_sender_mailbox() {
    let endpoint = TokenEndpoint::start(CLIENT_ID, Expect::Secret(SECRET.into())).await;
    let graph = GraphServer::start(endpoint.is_current()).await;

    let run = graph_check(&endpoint, &graph).await;

    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.has(
            "ok   Microsoft Graph: ",
            &[
                "token obtained from 127.0.0.1",
                &format!("the mailbox {MAILBOX} exists")
            ]
        ),
        "{run}"
    );
    let channel = format!("email through Microsoft Graph {} as {MAILBOX}", graph.url());
    assert!(run.has("ok   channels: ", &[&channel]), "{run}");
    assert_eq!(graph.attempts(), 0, "nothing was sent");
    assert_eq!(
        endpoint.requests()[0]["scope"],
        "https://graph.microsoft.com/.default"
    );
}

#[tokio::test]
async fn with_mail_send_alone_the_mailbox_cannot_be_read_and_that_is_a_warning() {
    let endpoint = TokenEndpoint::start(CLIENT_ID, Expect::Secret(SECRET.into())).await;
    let graph = GraphServer::start(endpoint.is_current()).await;
    graph.script_reads([Answer::status(403).body(
        r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#,
    )]);

    let run = graph_check(&endpoint, &graph).await;

    assert_eq!(run.code, 0, "{run}");
    let warnings = run.warnings();
    assert_eq!(warnings.len(), 1, "{run}");
    assert!(
        warnings[0].starts_with("warn Microsoft Graph: token obtained"),
        "{run}"
    );
    assert!(
        warnings[0].contains("cannot be verified with Mail.Send alone")
            && warnings[0].contains("Authorization_RequestDenied"),
        "{run}"
    );
}

#[tokio::test]
async fn an_expired_secret_fails_the_graph_check_with_the_same_words() {
    let endpoint = TokenEndpoint::start(CLIENT_ID, Expect::Secret(SECRET.into())).await;
    endpoint.script([expired_secret()]);
    let graph = GraphServer::start(endpoint.is_current()).await;

    let run = graph_check(&endpoint, &graph).await;

    fails_with_expired_secret(&run, "Microsoft Graph");
}
