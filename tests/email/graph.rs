//! Microsoft Graph `sendMail` against a real Graph double and a real token endpoint: the request as Microsoft
//! documents it ("user: sendMail", v1.0), then 429 with Retry-After, then 401.

use std::time::Duration;

use casewatch::channels::ChannelError;
use casewatch::channels::email::{Attachment, EmailSettings};
use serde_json::json;
use tempfile::TempDir;

use super::support::graph::{Answer, GraphServer};
use super::support::token_endpoint::{Expect, TokenEndpoint, expired_secret};
use super::{channel, notice};

const SENDER: &str = "casewatch@council.example";
const CLIENT_ID: &str = "11111111-2222-3333-4444-555555555555";
const SECRET: &str = "Qx8~client.secret.value";

struct Setup {
    _dir: TempDir,
    endpoint: TokenEndpoint,
    graph: GraphServer,
    settings: EmailSettings,
}

async fn setup(extra: &str) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("client-secret");
    std::fs::write(&secret, SECRET).unwrap();
    let endpoint = TokenEndpoint::start(CLIENT_ID, Expect::Secret(SECRET.into())).await;
    let graph = GraphServer::start(endpoint.is_current()).await;
    let settings = toml::from_str(&format!(
        "transport = \"graph\"\nsender = \"{SENDER}\"\ngraph_url = \"{}\"\n\
         from = \"casewatch <{SENDER}>\"\nreply_to = \"CIN team <cin-team@council.example>\"\n{extra}\n\
         [oauth]\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nallow_plain_http_loopback = true\n\
         client_secret = {{ file = \"{}\" }}",
        graph.url(),
        endpoint.url(),
        secret.display()
    ))
    .unwrap();
    Setup {
        _dir: dir,
        endpoint,
        graph,
        settings,
    }
}

#[tokio::test]
async fn sendmail_carries_the_same_email_as_smtp_with_its_attachment() {
    let s = setup("").await;
    let email = channel(&s.settings);
    let mut composed = email.compose(&notice(1)).unwrap();
    // In place of the message's own items.csv, a file whose bytes the test knows.
    composed.attachments = vec![Attachment {
        filename: "items.csv".into(),
        content_type: "text/csv; charset=utf-8".into(),
        bytes: b"case,due\r\nCF-1042,2026-03-12\r\n".to_vec(),
    }];

    let receipt = email.deliver(&composed).await.unwrap();

    assert!(receipt.detail.contains("HTTP 202"), "{}", receipt.detail);
    let sent = s.graph.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].sender, SENDER);
    assert_eq!(sent[0].headers["authorization"], "Bearer token-1");
    assert_eq!(sent[0].headers["content-type"], "application/json");
    // The body Microsoft documents for sendMail; contentBytes is the base64 of the CSV (worked out with Python).
    let expected = json!({
        "message": {
            "subject": "Breach: C&F assessment overdue for CF-1042",
            "body": {
                "contentType": "HTML",
                "content": "<p><strong>CF-1042</strong>: the C&amp;F assessment was due on 2026-03-12.</p>",
            },
            "toRecipients": [{ "emailAddress": { "address": "worker@council.example", "name": "Sam Okafor" } }],
            "from": { "emailAddress": { "address": SENDER, "name": "casewatch" } },
            "replyTo": [{ "emailAddress": { "address": "cin-team@council.example", "name": "CIN team" } }],
            "internetMessageId": "<notice-1.7f3a@casewatch>",
            "internetMessageHeaders": [{ "name": "X-Auto-Response-Suppress", "value": "All" }],
            "attachments": [{
                "@odata.type": "#microsoft.graph.fileAttachment",
                "name": "items.csv",
                "contentType": "text/csv; charset=utf-8",
                "contentBytes": "Y2FzZSxkdWUNCkNGLTEwNDIsMjAyNi0wMy0xMg0K",
            }],
        },
        "saveToSentItems": false,
    });
    assert_eq!(sent[0].json, expected);
    let requests = s.endpoint.requests();
    assert_eq!(requests[0]["scope"], "https://graph.microsoft.com/.default");
}

#[tokio::test]
async fn a_copy_goes_to_sent_items_only_when_asked() {
    let s = setup("graph_save_to_sent = true").await;

    channel(&s.settings).send(&notice(1)).await.unwrap();

    assert_eq!(s.graph.sent()[0].json["saveToSentItems"], true);
    assert!(
        s.graph.sent()[0].json["message"]
            .get("attachments")
            .is_none()
    );
}

#[tokio::test]
async fn accepted_then_throttled_until_retry_after_then_a_refused_token_is_replaced() {
    let s = setup("").await;
    s.graph.script_sends([
        Answer::status(202),
        Answer::status(429)
            .retry_after("120")
            .body(r#"{"error":{"code":"ApplicationThrottled","message":"Application is over its MailboxConcurrency limit."}}"#),
        Answer::status(401)
            .body(r#"{"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired."}}"#),
    ]);
    let email = channel(&s.settings);

    email.send(&notice(1)).await.unwrap();
    let throttled = email.send(&notice(2)).await.unwrap_err();
    let refused = email.send(&notice(3)).await.unwrap_err();
    email.send(&notice(3)).await.unwrap();

    let ChannelError::Transient {
        reason,
        retry_after,
    } = &throttled
    else {
        panic!("expected transient, got {throttled}");
    };
    assert_eq!(*retry_after, Some(Duration::from_secs(120)));
    assert!(
        reason.contains("429") && reason.contains("ApplicationThrottled"),
        "{reason}"
    );
    assert!(refused.is_transient(), "{refused}");
    assert!(
        refused.to_string().contains("InvalidAuthenticationToken"),
        "{refused}"
    );
    let tokens: Vec<String> = s
        .graph
        .sent()
        .iter()
        .map(|r| r.headers["authorization"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        tokens,
        ["Bearer token-1", "Bearer token-2"],
        "the refused token was replaced"
    );
    assert_eq!(s.graph.attempts(), 4);
}

#[tokio::test]
async fn a_503_is_transient_and_honours_retry_after() {
    let s = setup("").await;
    s.graph
        .script_sends([Answer::status(503).retry_after("30")]);

    let err = channel(&s.settings).send(&notice(1)).await.unwrap_err();

    assert!(
        matches!(&err, ChannelError::Transient { retry_after: Some(d), .. } if *d == Duration::from_secs(30)),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_refusal_from_the_token_endpoint_keeps_the_message_and_says_why() {
    let s = setup("").await;
    s.endpoint.script([expired_secret()]);

    let err = channel(&s.settings).send(&notice(1)).await.unwrap_err();

    assert!(err.is_transient(), "{err}");
    assert!(
        err.to_string()
            .contains("AADSTS7000222: the client secret has expired"),
        "{err}"
    );
    assert_eq!(s.graph.attempts(), 0);
}
