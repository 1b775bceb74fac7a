//! OAuth 2.0 access tokens for sending mail without a password: the client credentials grant (Microsoft
//! identity platform) with a client secret or a signed client assertion, or Google's JWT bearer grant for a
//! service account; cached until shortly before they expire.
//!
//! - `settings::oauth` (beside the `[email]` table it belongs to): the `[email.oauth]` table.
//! - `assertion`: the signed client assertion (RS256 JWT).
//! - `refusal`: a token endpoint's refusal in words that say what to fix (AADSTS codes).
//!
//! A token is used until a minute before it expires. From five minutes before, the first send to ask starts a
//! refresh in the background and goes on with the token it has, so delivery never waits for a refresh while the
//! token still works; only a send that finds no usable token waits, and concurrent ones share one request.

mod assertion;
mod refusal;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::Utc;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use reqwest::{Client, Url, redirect};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

pub use self::refusal::aadsts_meaning;
pub use super::settings::{GRAPH_SCOPE, Grant, OAuthSettings, SMTP_SCOPE};

use self::assertion::{Claims, Signer};
use super::settings::{ClientProof, EmailSettings, EmailSettingsError, invalid, is_loopback};
use crate::channels::ChannelError;
use crate::channels::webhook::reply::retry_after;

/// A token is not used in its last minute: a send may take that long, and clocks differ.
const USE_MARGIN: Duration = Duration::from_secs(60);
/// A refresh starts this long before the token expires.
const REFRESH_AHEAD: Duration = Duration::from_secs(300);
/// After a failed token request, the sends in this time get the same error without asking again: a pass of a
/// thousand messages with an expired secret makes one request, not a thousand (nor waits a thousand timeouts).
const FAILURE_HOLD: Duration = Duration::from_secs(30);

const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// An access token, shared by the sends that use it.
pub(super) type AccessToken = Arc<SecretString>;

/// Gets and caches access tokens from one token endpoint.
pub(super) struct TokenClient {
    http: Client,
    token_url: Url,
    /// `token_url` as written: the assertion's `aud`.
    audience: String,
    client_id: String,
    scope: String,
    proof: Proof,
    grant: Grant,
    /// The mailbox a Google service account acts for.
    subject: Option<String>,
    cached: Mutex<Option<Cached>>,
    /// The last failed request, and when it failed.
    failed: Mutex<Option<(Instant, ChannelError)>>,
    /// Held while a send waits for a token, so that concurrent sends share one request.
    fetching: tokio::sync::Mutex<()>,
    refreshing: AtomicBool,
    #[cfg(test)]
    background: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

enum Proof {
    Secret(SecretString),
    Assertion(Box<Signer>),
}

struct Cached {
    token: AccessToken,
    refresh_at: Instant,
    usable_until: Instant,
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    expires_in: Option<u64>,
}

impl TokenClient {
    /// Reads the secret or the certificate and key, and checks the token URL. `subject` is the mailbox, for
    /// Google's JWT bearer grant.
    pub fn new(
        settings: &EmailSettings,
        oauth: &OAuthSettings,
        subject: Option<String>,
        http: Client,
    ) -> Result<TokenClient, EmailSettingsError> {
        oauth.validate(&settings.transport)?;
        let proof = match oauth.proof()? {
            ClientProof::Secret(source) => Proof::Secret(
                source
                    .load()
                    .map_err(|e| invalid("oauth.client_secret", e.to_string()))?,
            ),
            ClientProof::Certificate { certificate, key } => {
                Proof::Assertion(Box::new(Signer::load(certificate, key)?))
            }
        };
        Ok(TokenClient {
            http,
            token_url: oauth.token_url()?,
            audience: oauth.token_url.trim().to_owned(),
            client_id: oauth.client_id.trim().to_owned(),
            scope: oauth.scope(&settings.transport).trim().to_owned(),
            proof,
            grant: oauth.grant,
            subject,
            cached: Mutex::new(None),
            failed: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
            refreshing: AtomicBool::new(false),
            #[cfg(test)]
            background: Mutex::new(None),
        })
    }

    /// The token endpoint's host, for messages.
    pub fn endpoint(&self) -> &str {
        self.token_url.host_str().unwrap_or("the token endpoint")
    }

    /// A usable token: the cached one, or a new one when there is none. A refusal is transient, so that the
    /// message waits in the outbox while the application's registration is put right.
    pub async fn token(self: &Arc<Self>) -> Result<AccessToken, ChannelError> {
        if let Some(token) = self.cached_token() {
            return Ok(token);
        }
        let _only_one = self.fetching.lock().await;
        if let Some(token) = self.cached_token() {
            return Ok(token);
        }
        if let Some((at, error)) = &*self.failed.lock().expect("token failure lock")
            && at.elapsed() < FAILURE_HOLD
        {
            return Err(error.clone());
        }
        let result = self.fetch().await;
        if let Err(error) = &result {
            *self.failed.lock().expect("token failure lock") =
                Some((Instant::now(), error.clone()));
        }
        result
    }

    /// Drops `token` from the cache (a server refused it), so that the next send asks for a new one.
    pub fn forget(&self, token: &AccessToken) {
        let mut cached = self.cached.lock().expect("token cache lock");
        if cached
            .as_ref()
            .is_some_and(|c| Arc::ptr_eq(&c.token, token))
        {
            *cached = None;
        }
    }

    /// The cached token while it is usable; once it is due for refresh, also starts the refresh.
    fn cached_token(self: &Arc<Self>) -> Option<AccessToken> {
        let now = Instant::now();
        let (token, due) = {
            let cached = self.cached.lock().expect("token cache lock");
            let c = cached.as_ref().filter(|c| now < c.usable_until)?;
            (Arc::clone(&c.token), now >= c.refresh_at)
        };
        if due && !self.refreshing.swap(true, Ordering::SeqCst) {
            let client = Arc::clone(self);
            let refresh = tokio::spawn(async move {
                if let Err(e) = client.fetch().await {
                    tracing::warn!(
                        "refreshing the OAuth token failed (the current one is used meanwhile): {e}"
                    );
                }
                client.refreshing.store(false, Ordering::SeqCst);
            });
            #[cfg(test)]
            {
                *self.background.lock().unwrap() = Some(refresh);
            }
            #[cfg(not(test))]
            drop(refresh);
        }
        Some(token)
    }

    async fn fetch(&self) -> Result<AccessToken, ChannelError> {
        let asked = Instant::now();
        let form = self.form()?;
        let response = self
            .http
            .post(self.token_url.clone())
            .header(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            )
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .body(form)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        let status = response.status();
        let retry_after = retry_after(response.headers(), Utc::now());
        let body = response.text().await.map_err(|e| self.unreachable(e))?;
        if !status.is_success() {
            return Err(ChannelError::Transient {
                reason: format!(
                    "token endpoint {} refused: {}",
                    self.endpoint(),
                    refusal::describe(status.as_u16(), &body)
                ),
                retry_after,
            });
        }
        let reply: TokenReply = serde_json::from_str(&body).map_err(|e| {
            ChannelError::transient(format!(
                "token endpoint {} answered {status} without a token: {e}",
                self.endpoint()
            ))
        })?;
        let token: AccessToken = Arc::new(SecretString::from(reply.access_token));
        // A missing lifetime is taken as none: the token is used once.
        let expires = asked + Duration::from_secs(reply.expires_in.unwrap_or(0));
        *self.cached.lock().expect("token cache lock") = Some(Cached {
            token: Arc::clone(&token),
            refresh_at: expires.checked_sub(REFRESH_AHEAD).unwrap_or(asked),
            usable_until: expires.checked_sub(USE_MARGIN).unwrap_or(asked),
        });
        Ok(token)
    }

    /// The token request's form (`application/x-www-form-urlencoded`).
    fn form(&self) -> Result<String, ChannelError> {
        let mut form = form_urlencoded::Serializer::new(String::new());
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let sign = |signer: &Signer, claims: Claims<'_>| {
            signer.assertion(&claims, now).map_err(|_| {
                ChannelError::permanent(
                    "cannot sign the client assertion with email.oauth.client_key",
                )
            })
        };
        match (&self.proof, self.grant) {
            (Proof::Secret(secret), _) => {
                form.append_pair("grant_type", "client_credentials")
                    .append_pair("client_id", &self.client_id)
                    .append_pair("client_secret", secret.expose_secret());
            }
            (Proof::Assertion(signer), Grant::ClientCredentials) => {
                let claims = Claims {
                    audience: &self.audience,
                    issuer: &self.client_id,
                    subject: &self.client_id,
                    scope: None,
                };
                form.append_pair("grant_type", "client_credentials")
                    .append_pair("client_id", &self.client_id)
                    .append_pair("client_assertion_type", CLIENT_ASSERTION_TYPE)
                    .append_pair("client_assertion", &sign(signer, claims)?);
            }
            (Proof::Assertion(signer), Grant::JwtBearer) => {
                let claims = Claims {
                    audience: &self.audience,
                    issuer: &self.client_id,
                    subject: self.subject.as_deref().unwrap_or(&self.client_id),
                    scope: Some(&self.scope),
                };
                form.append_pair("grant_type", JWT_BEARER_GRANT)
                    .append_pair("assertion", &sign(signer, claims)?);
                return Ok(form.finish());
            }
        }
        form.append_pair("scope", &self.scope);
        Ok(form.finish())
    }

    fn unreachable(&self, error: reqwest::Error) -> ChannelError {
        super::http_error(&format!("token endpoint {}", self.endpoint()), error)
    }

    /// Waits for the background refresh started last, if any.
    #[cfg(test)]
    async fn refreshed(&self) {
        let refresh = self.background.lock().unwrap().take();
        if let Some(refresh) = refresh {
            refresh.await.unwrap();
        }
    }
}

/// The HTTP client for the token endpoint and Graph: the system's trust store plus `email.oauth.ca_file`, no
/// redirects (a token request must not be sent on elsewhere), the email timeout, no proxy for loopback.
pub(super) fn http_client(
    settings: &EmailSettings,
    oauth: &OAuthSettings,
    urls: &[&Url],
) -> Result<Client, EmailSettingsError> {
    // reqwest is built without a default crypto provider; the webhooks install the same one.
    let _already_installed = rustls::crypto::ring::default_provider().install_default();
    let mut builder = Client::builder()
        .user_agent(concat!("casewatch/", env!("CARGO_PKG_VERSION")))
        .timeout(settings.timeout())
        .connect_timeout(settings.timeout())
        .redirect(redirect::Policy::none());
    if let Some(path) = &oauth.ca_file {
        let pem = std::fs::read(path).map_err(|e| {
            invalid(
                "oauth.ca_file",
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            invalid(
                "oauth.ca_file",
                format!("{} is not PEM: {e}", path.display()),
            )
        })?;
        if certs.is_empty() {
            return Err(invalid(
                "oauth.ca_file",
                format!("{} holds no PEM certificate", path.display()),
            ));
        }
        builder = builder.tls_certs_merge(certs);
    }
    if urls
        .iter()
        .any(|url| url.host_str().is_some_and(is_loopback))
    {
        builder = builder.no_proxy();
    }
    builder
        .build()
        .map_err(|e| invalid("oauth.ca_file", format!("cannot set up HTTPS: {e}")))
}

#[cfg(test)]
mod tests;
