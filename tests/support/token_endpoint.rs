//! A real OAuth 2.0 token endpoint on 127.0.0.1, as the Microsoft identity platform answers the client
//! credentials grant: it checks the client id and the client secret, or the signed client assertion (RS256,
//! verified with the registered certificate's public key, `x5t#S256` its thumbprint, `aud` the token URL), and
//! answers with a token or with Microsoft's error reply (AADSTS codes). Tokens are `token-1`, `token-2`, … in
//! the order issued; the script can give each a lifetime or refuse instead.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;

use super::smtp::ServerIdentity;

/// The registered application's certificate and the PKCS#1 DER of its public key (tests/fixtures/oauth).
pub const CERTIFICATE_PEM: &str = include_str!("../fixtures/oauth/client.cert.pem");
pub const PUBLIC_KEY_DER: &[u8] = include_bytes!("../fixtures/oauth/client.pub.der");
/// The certificate's key, and a key of another application (whose assertions must be refused).
pub const KEY_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/oauth/client.key.pem"
);
pub const OTHER_KEY_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/oauth/other.key.pem"
);
pub const CERTIFICATE_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/oauth/client.cert.pem"
);

/// How the application proves itself.
#[derive(Clone)]
pub enum Expect {
    Secret(String),
    Certificate,
    /// Google's JWT bearer grant for a service account (the client id is its email) acting as this mailbox,
    /// with scope `https://mail.google.com/`.
    ServiceAccount(String),
}

/// One scripted answer to a good request.
#[derive(Clone, Debug)]
pub enum Answer {
    /// A token valid for this many seconds.
    Token(u64),
    /// This status and JSON body.
    Refuse(u16, String),
}

/// Microsoft's reply to an expired client secret (the shape documented for the client credentials flow).
pub fn expired_secret() -> Answer {
    Answer::Refuse(
        401,
        r#"{"error":"invalid_client","error_description":"AADSTS7000222: The provided client secret keys for app '11111111-2222-3333-4444-555555555555' are expired. Visit the Azure portal to create new keys for your app.\r\nTrace ID: 0a1b\r\nCorrelation ID: 2c3d\r\nTimestamp: 2026-12-07 10:00:00Z","error_codes":[7000222],"timestamp":"2026-12-07 10:00:00Z"}"#
            .to_owned(),
    )
}

pub struct TokenEndpoint {
    url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

struct Shared {
    client_id: String,
    expect: Expect,
    url: String,
    script: Mutex<VecDeque<Answer>>,
    requests: Mutex<Vec<HashMap<String, String>>>,
    issued: Mutex<Vec<String>>,
}

impl TokenEndpoint {
    pub async fn start(client_id: &str, expect: Expect) -> TokenEndpoint {
        Self::serve(client_id, expect, None).await
    }

    /// Over HTTPS as `localhost`, with a certificate from a private CA.
    pub async fn start_tls(
        client_id: &str,
        expect: Expect,
        identity: ServerIdentity,
    ) -> TokenEndpoint {
        Self::serve(client_id, expect, Some(identity)).await
    }

    async fn serve(client_id: &str, expect: Expect, tls: Option<ServerIdentity>) -> TokenEndpoint {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (scheme, host) = match tls {
            Some(_) => ("https", "localhost"),
            None => ("http", "127.0.0.1"),
        };
        let url = format!(
            "{scheme}://{host}:{}/tenant-1/oauth2/v2.0/token",
            listener.local_addr().unwrap().port()
        );
        let shared = Arc::new(Shared {
            client_id: client_id.to_owned(),
            expect,
            url: url.clone(),
            script: Mutex::new(VecDeque::new()),
            requests: Mutex::new(Vec::new()),
            issued: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/tenant-1/oauth2/v2.0/token", post(token))
            .with_state(Arc::clone(&shared));
        let task = match tls {
            None => tokio::spawn(async move { axum::serve(listener, app).await.unwrap() }),
            Some(identity) => tokio::spawn(serve_tls(listener, app, identity.acceptor())),
        };
        TokenEndpoint { url, shared, task }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Answers the next good requests so, in turn; then tokens valid for an hour.
    pub fn script(&self, answers: impl IntoIterator<Item = Answer>) {
        self.shared.script.lock().unwrap().extend(answers);
    }

    /// Every request's form fields, in order.
    pub fn requests(&self) -> Vec<HashMap<String, String>> {
        self.shared.requests.lock().unwrap().clone()
    }

    pub fn issued(&self) -> Vec<String> {
        self.shared.issued.lock().unwrap().clone()
    }

    /// Whether `token` is the latest issued: an earlier one counts as expired.
    pub fn is_current(&self) -> impl Fn(&str) -> bool + Send + Sync + 'static {
        let shared = Arc::clone(&self.shared);
        move |token| {
            shared
                .issued
                .lock()
                .unwrap()
                .last()
                .is_some_and(|t| t == token)
        }
    }
}

impl Drop for TokenEndpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// axum over TLS: each connection's handshake, then HTTP/1.1 by hyper. A failed handshake ends that connection.
async fn serve_tls(listener: TcpListener, app: Router, acceptor: tokio_rustls::TlsAcceptor) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let (acceptor, app) = (acceptor.clone(), app.clone());
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let service = hyper_util::service::TowerToHyperService::new(app);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                .await;
        });
    }
}

fn refusal(status: StatusCode, error: &str, code: u64, description: &str) -> Response {
    let body = serde_json::json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {description}\r\nTrace ID: 0a1b\r\nCorrelation ID: 2c3d"),
        "error_codes": [code],
    });
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

async fn token(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    shared.requests.lock().unwrap().push(form.clone());
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/x-www-form-urlencoded")
    );
    if let Expect::ServiceAccount(mailbox) = &shared.expect {
        let good = field("grant_type") == "urn:ietf:params:oauth:grant-type:jwt-bearer"
            && form.len() == 2
            && assertion_is_good(
                field("assertion"),
                &Claims {
                    issuer: &shared.client_id,
                    subject: mailbox,
                    scope: Some("https://mail.google.com/"),
                },
                &shared.url,
            );
        if !good {
            let body = r#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#;
            return (
                StatusCode::BAD_REQUEST,
                [("content-type", "application/json")],
                body,
            )
                .into_response();
        }
        return issue(&shared, 3600);
    }
    if field("grant_type") != "client_credentials" {
        return refusal(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
        );
    }
    if field("client_id") != shared.client_id {
        return refusal(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            "Application with identifier was not found in the directory.",
        );
    }
    if field("scope") != "https://outlook.office365.com/.default"
        && field("scope") != "https://graph.microsoft.com/.default"
    {
        return refusal(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1002012,
            "The provided value for scope is not valid.",
        );
    }
    let proved = match &shared.expect {
        Expect::Secret(secret) => {
            form.get("client_secret") == Some(secret) && !form.contains_key("client_assertion")
        }
        Expect::Certificate | Expect::ServiceAccount(_) => {
            field("client_assertion_type")
                == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
                && !form.contains_key("client_secret")
                && assertion_is_good(
                    field("client_assertion"),
                    &Claims {
                        issuer: &shared.client_id,
                        subject: &shared.client_id,
                        scope: None,
                    },
                    &shared.url,
                )
        }
    };
    if !proved {
        return match shared.expect {
            Expect::Secret(_) => refusal(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000215,
                "Invalid client secret provided.",
            ),
            Expect::Certificate | Expect::ServiceAccount(_) => refusal(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                700027,
                "Client assertion failed signature validation.",
            ),
        };
    }
    let answer = shared
        .script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(Answer::Token(3600));
    match answer {
        Answer::Token(lifetime) => issue(&shared, lifetime),
        Answer::Refuse(status, body) => (
            StatusCode::from_u16(status).unwrap(),
            [("content-type", "application/json")],
            body,
        )
            .into_response(),
    }
}

fn issue(shared: &Shared, lifetime: u64) -> Response {
    let mut issued = shared.issued.lock().unwrap();
    let token = format!("token-{}", issued.len() + 1);
    issued.push(token.clone());
    let body = serde_json::json!({ "token_type": "Bearer", "expires_in": lifetime, "access_token": token });
    ([("content-type", "application/json")], body.to_string()).into_response()
}

/// What an assertion must say besides its audience (the token URL).
struct Claims<'a> {
    issuer: &'a str,
    subject: &'a str,
    scope: Option<&'a str>,
}

/// RFC 7523 section 3 as Microsoft applies it: RS256 over `header.claims`, checked with the certificate's public
/// key; `x5t#S256` the certificate's SHA-256 thumbprint; `aud` the token URL; `iss` and `sub` the client id; a
/// `jti`; a lifetime of at most ten minutes.
fn assertion_is_good(jwt: &str, expected: &Claims<'_>, token_url: &str) -> bool {
    let parts: Vec<&str> = jwt.split('.').collect();
    let [header, claims, signature] = parts[..] else {
        return false;
    };
    let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
        return false;
    };
    let signed = format!("{header}.{claims}");
    if UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, PUBLIC_KEY_DER)
        .verify(signed.as_bytes(), &signature)
        .is_err()
    {
        return false;
    }
    let json = |part: &str| -> serde_json::Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    };
    let (header, claims) = (json(header), json(claims));
    let certificate = rustls_pki_der(CERTIFICATE_PEM);
    let thumbprint = URL_SAFE_NO_PAD.encode(Sha256::digest(&certificate));
    let time = |name: &str| claims[name].as_i64().unwrap_or(0);
    let scope_good = match expected.scope {
        Some(scope) => claims["scope"] == scope,
        None => claims.get("scope").is_none(),
    };
    header["alg"] == "RS256"
        && header["x5t#S256"] == thumbprint.as_str()
        && claims["aud"] == token_url
        && claims["iss"] == expected.issuer
        && claims["sub"] == expected.subject
        && scope_good
        && claims["jti"].as_str().is_some_and(|j| !j.is_empty())
        && time("nbf") == time("iat")
        && time("exp") > time("iat")
        && time("exp") - time("iat") <= 600
}

fn rustls_pki_der(pem: &str) -> Vec<u8> {
    use tokio_rustls::rustls::pki_types::CertificateDer;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    CertificateDer::from_pem_slice(pem.as_bytes())
        .unwrap()
        .to_vec()
}
