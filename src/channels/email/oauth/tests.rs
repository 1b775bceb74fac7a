//! The token cache against a real token endpoint (axum on 127.0.0.1): a token is reused while fresh, and one
//! due for refresh is still used while a new one is fetched in the background.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::routing::post;
use secrecy::ExposeSecret;

use super::TokenClient;
use crate::channels::email::EmailSettings;

/// A token endpoint whose n-th token (from 1) is `token-n`, valid for `lifetimes[n-1]` seconds (the last one
/// for every later token); a lifetime of 0 is a refusal instead (AADSTS7000215).
async fn endpoint(lifetimes: Vec<u64>) -> (String, Arc<AtomicUsize>) {
    let served = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&served);
    let app = Router::new().route(
        "/token",
        post(move || {
            let n = count.fetch_add(1, Ordering::SeqCst) + 1;
            let lifetime = lifetimes[(n - 1).min(lifetimes.len() - 1)];
            async move {
                if lifetime == 0 {
                    let refusal = r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215]}"#;
                    return (axum::http::StatusCode::UNAUTHORIZED, refusal.to_owned());
                }
                (
                    axum::http::StatusCode::OK,
                    format!(r#"{{"token_type":"Bearer","expires_in":{lifetime},"access_token":"token-{n}"}}"#),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://127.0.0.1:{}/token",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, served)
}

fn client(token_url: &str) -> Arc<TokenClient> {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "s3cret\n").unwrap();
    let toml_text = format!(
        "from = \"cw@council.example\"\nhost = \"smtp.office365.com\"\nusername = \"cw@council.example\"\n\
         [oauth]\ntoken_url = \"{token_url}\"\nclient_id = \"app\"\nallow_plain_http_loopback = true\n\
         client_secret = {{ file = \"{}\" }}",
        secret.display()
    );
    let settings: EmailSettings = toml::from_str(&toml_text).unwrap();
    let oauth = settings.oauth.as_ref().unwrap();
    let http = super::http_client(&settings, oauth, &[&oauth.token_url().unwrap()]).unwrap();
    Arc::new(TokenClient::new(&settings, oauth, None, http).unwrap())
}

#[tokio::test]
async fn a_fresh_token_is_reused_and_one_due_for_refresh_is_used_while_the_next_is_fetched() {
    // An hour is fresh; four minutes is inside the five-minute refresh window but outside the last minute.
    let (url, served) = endpoint(vec![240, 3600]).await;
    let tokens = client(&url);

    let first = tokens.token().await.unwrap();
    let again = tokens.token().await.unwrap();
    tokens.refreshed().await;
    let next = tokens.token().await.unwrap();
    let still = tokens.token().await.unwrap();

    assert_eq!(first.expose_secret(), "token-1");
    assert_eq!(
        again.expose_secret(),
        "token-1",
        "used while the refresh runs"
    );
    assert_eq!(next.expose_secret(), "token-2");
    assert_eq!(still.expose_secret(), "token-2");
    assert_eq!(
        served.load(Ordering::SeqCst),
        2,
        "one refresh, then the fresh token is reused"
    );
}

#[tokio::test]
async fn a_token_in_its_last_minute_is_not_used() {
    let (url, served) = endpoint(vec![30]).await;
    let tokens = client(&url);

    let first = tokens.token().await.unwrap();
    let second = tokens.token().await.unwrap();

    assert_eq!(first.expose_secret(), "token-1");
    assert_eq!(second.expose_secret(), "token-2");
    assert_eq!(served.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_forgotten_token_is_replaced_on_the_next_request() {
    let (url, _) = endpoint(vec![3600]).await;
    let tokens = client(&url);

    let first = tokens.token().await.unwrap();
    tokens.forget(&first);
    let second = tokens.token().await.unwrap();

    assert_eq!(second.expose_secret(), "token-2");
}

#[tokio::test]
async fn after_a_refusal_the_next_sends_get_the_same_error_without_asking_again() {
    let (url, served) = endpoint(vec![0, 3600]).await;
    let tokens = client(&url);

    let first = tokens.token().await.unwrap_err();
    let second = tokens.token().await.unwrap_err();

    assert!(
        first
            .to_string()
            .contains("AADSTS7000215: invalid client secret"),
        "{first}"
    );
    assert_eq!(second, first);
    assert_eq!(served.load(Ordering::SeqCst), 1, "one request for both");
}
