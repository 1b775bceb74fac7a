//! SMTP without a password: a token from a real token endpoint (client secret, or a certificate's signed
//! assertion), presented to a real SMTP server as AUTH XOAUTH2, checked byte for byte.

use casewatch::channels::ChannelError;
use casewatch::channels::email::EmailSettings;
use tempfile::TempDir;

use super::support::smtp::{SmtpServer, TestCa, XOAUTH2_ERROR};
use super::support::token_endpoint::{
    Answer, CERTIFICATE_PATH, Expect, KEY_PATH, OTHER_KEY_PATH, TokenEndpoint, expired_secret,
};
use super::{channel, notice};

const MAILBOX: &str = "casewatch@council.example";
const CLIENT_ID: &str = "11111111-2222-3333-4444-555555555555";
const SECRET: &str = "Qx8~client.secret.value";

/// base64 of "user=casewatch@council.example\x01auth=Bearer token-1\x01\x01" (and token-2), worked out with
/// Python's base64 module, not with the code under test.
const LOGIN_TOKEN_1: &[u8] =
    b"AUTH XOAUTH2 dXNlcj1jYXNld2F0Y2hAY291bmNpbC5leGFtcGxlAWF1dGg9QmVhcmVyIHRva2VuLTEBAQ==\r\n";
const LOGIN_TOKEN_2: &[u8] =
    b"AUTH XOAUTH2 dXNlcj1jYXNld2F0Y2hAY291bmNpbC5leGFtcGxlAWF1dGg9QmVhcmVyIHRva2VuLTIBAQ==\r\n";

/// `[email]` for plain SMTP on loopback with XOAUTH2; `proof` is the client secret or certificate keys.
fn settings(smtp: &SmtpServer, token_url: &str, proof: &str) -> EmailSettings {
    toml::from_str(&format!(
        "host = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nauth = \"xoauth2\"\nusername = \"{MAILBOX}\"\n\
         from = \"casewatch <{MAILBOX}>\"\n[oauth]\ntoken_url = \"{token_url}\"\nclient_id = \"{CLIENT_ID}\"\n\
         allow_plain_http_loopback = true\n{proof}",
        smtp.port()
    ))
    .unwrap()
}

fn secret_in(dir: &TempDir) -> String {
    let path = dir.path().join("client-secret");
    std::fs::write(&path, format!("{SECRET}\n")).unwrap();
    format!("client_secret = {{ file = \"{}\" }}", path.display())
}

async fn relay(endpoint: &TokenEndpoint) -> SmtpServer {
    SmtpServer::builder()
        .require_xoauth2(MAILBOX, endpoint.is_current())
        .one_message_per_connection()
        .start()
        .await
}

#[tokio::test]
async fn the_login_is_the_xoauth2_response_byte_for_byte_and_a_fresh_token_is_reused() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let endpoint = TokenEndpoint::start(CLIENT_ID, Expect::Secret(SECRET.into())).await;
    let server = SmtpServer::builder()
        .starttls(ca.server_identity("localhost"))
        .require_xoauth2(MAILBOX, endpoint.is_current())
        .one_message_per_connection()
        .start()
        .await;
    let mut settings = settings(&server, endpoint.url(), &secret_in(&dir));
    settings.host = Some("localhost".into());
    settings.tls = casewatch::channels::email::TlsMode::Starttls;
    settings.ca_file = Some(ca.write_pem(dir.path()));
    let email = channel(&settings);

    email.send(&notice(1)).await.unwrap();
    email.send(&notice(2)).await.unwrap();

    assert_eq!(server.xoauth2_lines(), [LOGIN_TOKEN_1, LOGIN_TOKEN_1]);
    let mail = server.wait_for(2).await;
    assert!(mail.iter().all(|m| m.tls && m.from == MAILBOX));
    let requests = endpoint.requests();
    assert_eq!(requests.len(), 1, "an hour's token serves both logins");
    assert_eq!(requests[0]["grant_type"], "client_credentials");
    assert_eq!(requests[0]["client_id"], CLIENT_ID);
    assert_eq!(requests[0]["client_secret"], SECRET);
    assert_eq!(
        requests[0]["scope"],
        "https://outlook.office365.com/.default"
    );
}

#[tokio::test]
async fn a_token_about_to_expire_is_replaced_before_the_next_login() {
    let dir = tempfile::tempdir().unwrap();
    let endpoint = TokenEndpoint::start(CLIENT_ID, Expect::Secret(SECRET.into())).await;
    // 30 seconds: inside the last minute, when a token is no longer used.
    endpoint.script([Answer::Token(30), Answer::Token(3600)]);
    let server = relay(&endpoint).await;
    let email = channel(&settings(&server, endpoint.url(), &secret_in(&dir)));

    email.send(&notice(1)).await.unwrap();
    email.send(&notice(2)).await.unwrap();

    assert_eq!(server.xoauth2_lines(), [LOGIN_TOKEN_1, LOGIN_TOKEN_2]);
    assert_eq!(server.wait_for(2).await.len(), 2);
}

#[tokio::test]
async fn a_refused_token_is_transient_with_the_servers_json_error_and_is_not_used_again() {
    let dir = tempfile::tempdir().unwrap();
    let endpoint = TokenEndpoint::start(CLIENT_ID, Expect::Secret(SECRET.into())).await;
    let server = SmtpServer::builder()
        .require_xoauth2(MAILBOX, |_| false)
        .start()
        .await;
    let email = channel(&settings(&server, endpoint.url(), &secret_in(&dir)));

    let err = email.send(&notice(1)).await.unwrap_err();
    email.send(&notice(2)).await.unwrap_err();

    assert!(err.is_transient(), "{err}");
    let reason = err.to_string();
    assert!(reason.contains("535 5.7.8"), "{reason}");
    assert!(reason.contains(XOAUTH2_ERROR), "{reason}");
    assert!(
        !reason.contains("token-1"),
        "the token is never shown: {reason}"
    );
    assert_eq!(
        endpoint.requests().len(),
        2,
        "the refused token was forgotten"
    );
    assert_eq!(server.transactions(), 0);
}

fn certificate(key: &str) -> String {
    format!(
        "client_certificate = {{ file = \"{CERTIFICATE_PATH}\" }}\nclient_key = {{ file = \"{key}\" }}"
    )
}

#[tokio::test]
async fn a_client_assertion_signed_with_the_certificates_key_gets_a_token() {
    let endpoint = TokenEndpoint::start(CLIENT_ID, Expect::Certificate).await;
    let server = relay(&endpoint).await;
    let email = channel(&settings(&server, endpoint.url(), &certificate(KEY_PATH)));

    email.send(&notice(1)).await.unwrap();

    assert_eq!(server.xoauth2_lines(), [LOGIN_TOKEN_1]);
    let request = &endpoint.requests()[0];
    assert_eq!(
        request["client_assertion_type"],
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    );
    assert!(!request.contains_key("client_secret"));
}

#[tokio::test]
async fn an_assertion_signed_with_another_key_is_refused_with_aadsts700027() {
    let endpoint = TokenEndpoint::start(CLIENT_ID, Expect::Certificate).await;
    let server = relay(&endpoint).await;
    let email = channel(&settings(
        &server,
        endpoint.url(),
        &certificate(OTHER_KEY_PATH),
    ));

    let err = email.send(&notice(1)).await.unwrap_err();

    assert!(err.is_transient(), "{err}");
    assert!(
        err.to_string().contains(
            "AADSTS700027: the client assertion's signature is invalid: the certificate uploaded to the \
             application does not match email.oauth.client_key"
        ),
        "{err}"
    );
    assert_eq!(server.connections(), 0, "no token, so no login was tried");
}

#[tokio::test]
async fn an_expired_secret_keeps_the_message_for_retry_and_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let endpoint = TokenEndpoint::start(CLIENT_ID, Expect::Secret(SECRET.into())).await;
    endpoint.script([expired_secret()]);
    let server = relay(&endpoint).await;
    let email = channel(&settings(&server, endpoint.url(), &secret_in(&dir)));

    let err = email.send(&notice(1)).await.unwrap_err();

    let ChannelError::Transient { reason, .. } = &err else {
        panic!("expected transient, got {err}");
    };
    assert!(
        reason.contains(
            "AADSTS7000222: the client secret has expired: add a new one under Certificates & secrets and \
             update email.oauth.client_secret"
        ),
        "{reason}"
    );
    assert!(!reason.contains(SECRET));
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn a_google_service_account_signs_a_jwt_bearer_assertion_for_the_mailbox() {
    let account = "casewatch@council-project.iam.gserviceaccount.com";
    let endpoint = TokenEndpoint::start(account, Expect::ServiceAccount(MAILBOX.into())).await;
    let server = relay(&endpoint).await;
    let mut settings = settings(
        &server,
        endpoint.url(),
        &format!(
            "grant = \"jwt_bearer\"\nscope = \"https://mail.google.com/\"\n{}",
            certificate(KEY_PATH)
        ),
    );
    settings.oauth.as_mut().unwrap().client_id = account.into();

    channel(&settings).send(&notice(1)).await.unwrap();

    assert_eq!(server.xoauth2_lines(), [LOGIN_TOKEN_1]);
    assert_eq!(
        endpoint.requests()[0].len(),
        2,
        "grant_type and assertion only"
    );
}

#[tokio::test]
async fn an_https_token_endpoint_with_a_private_ca_is_trusted_through_the_oauth_ca_file_only() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let endpoint = TokenEndpoint::start_tls(
        CLIENT_ID,
        Expect::Secret(SECRET.into()),
        ca.server_identity("localhost"),
    )
    .await;
    let server = relay(&endpoint).await;
    let untrusted = settings(&server, endpoint.url(), &secret_in(&dir));
    let mut trusted = untrusted.clone();
    trusted.oauth.as_mut().unwrap().ca_file = Some(ca.write_pem(dir.path()));

    let refused = channel(&untrusted).send(&notice(1)).await.unwrap_err();
    channel(&trusted).send(&notice(2)).await.unwrap();

    assert!(refused.is_transient(), "{refused}");
    assert!(
        refused.to_string().contains("token endpoint localhost"),
        "{refused}"
    );
    assert!(
        endpoint.requests().len() == 1,
        "only the trusting client got through"
    );
    assert_eq!(server.xoauth2_lines(), [LOGIN_TOKEN_1]);
}
