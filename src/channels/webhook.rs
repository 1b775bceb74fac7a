//! Webhooks over HTTPS: casewatch's own signed JSON ([`WebhookKind::Generic`], see `docs/webhooks.md`), a
//! Microsoft Teams Workflows Adaptive Card, or a Slack Block Kit message. One client per webhook, so connections
//! are reused, and one rate limit per webhook, shared by every concurrent send.
//!
//! Logs name the webhook, the message key and the HTTP status; never a URL (for Teams and Slack it is a
//! credential), a payload, or anyone's name.

mod generic;
pub(super) mod reply;
mod settings;
mod slack;
mod teams;
mod text;

use chrono::Utc;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use reqwest::{Client, Url, redirect};
use secrecy::{ExposeSecret, SecretString};

pub use generic::PAYLOAD_VERSION;
pub use settings::{WebhookKind, WebhookSettingError, WebhookSettings};

use super::rate_limit::RateLimit;
use super::{ChannelError, Message, Receipt};

/// Header names of the generic payload (`docs/webhooks.md`).
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
pub const TIMESTAMP_HEADER: &str = "X-Casewatch-Timestamp";
pub const SIGNATURE_HEADER: &str = "X-Casewatch-Signature";

/// Why a webhook could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum WebhookSetupError {
    #[error(transparent)]
    Setting(#[from] WebhookSettingError),
    #[error("webhook `{webhook}`: cannot build the HTTP client: {reason}")]
    Client { webhook: String, reason: String },
}

/// A configured webhook, ready to send. Share it (behind an `Arc`) between concurrent senders so they share its
/// connections and its rate limit.
pub struct WebhookChannel {
    name: String,
    format: Format,
    /// For Teams and Slack the URL is the credential: kept out of `Debug` and of every error and log line.
    url: Url,
    client: Client,
    limit: RateLimit,
}

/// The payload a webhook takes, with what rendering it needs.
enum Format {
    Generic { signing_key: SecretString },
    Teams,
    Slack,
}

impl std::fmt::Debug for WebhookChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookChannel")
            .field("name", &self.name)
            .field("kind", &self.kind())
            .finish_non_exhaustive()
    }
}

impl WebhookChannel {
    /// Checks the settings, reads the URL and signing key from their secret sources, and builds the client:
    /// rustls, no redirects, the configured timeout, no proxy for a loopback address.
    pub fn new(settings: &WebhookSettings) -> Result<WebhookChannel, WebhookSetupError> {
        let url = settings.endpoint()?;
        let format = match (settings.kind, settings.signing_key()?) {
            (WebhookKind::Generic, Some(signing_key)) => Format::Generic { signing_key },
            (WebhookKind::Teams, _) => Format::Teams,
            (WebhookKind::Slack, _) => Format::Slack,
            (WebhookKind::Generic, None) => {
                unreachable!("WebhookSettings::validate requires a secret for generic webhooks")
            }
        };
        install_crypto_provider();
        let mut builder = Client::builder()
            .user_agent(concat!("casewatch/", env!("CARGO_PKG_VERSION")))
            .timeout(settings.timeout())
            .connect_timeout(settings.timeout())
            .redirect(redirect::Policy::none());
        if settings::is_loopback(&url) {
            builder = builder.no_proxy();
        }
        let client = builder.build().map_err(|e| WebhookSetupError::Client {
            webhook: settings.name.clone(),
            reason: e.to_string(),
        })?;
        Ok(WebhookChannel {
            name: settings.name.clone(),
            format,
            url,
            client,
            limit: RateLimit::per_second(settings.max_per_second()),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn kind(&self) -> WebhookKind {
        match self.format {
            Format::Generic { .. } => WebhookKind::Generic,
            Format::Teams => WebhookKind::Teams,
            Format::Slack => WebhookKind::Slack,
        }
    }

    /// Posts `msg` once, after waiting for a slot under the rate limit. Retrying is the outbox's business: the
    /// error says whether it may help.
    pub async fn send(&self, msg: &Message) -> Result<Receipt, ChannelError> {
        self.limit.wait().await;
        let now = Utc::now();
        let mut request = self
            .client
            .post(self.url.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let body = match &self.format {
            Format::Generic { signing_key } => {
                let body = generic::body(msg, now);
                let timestamp = now.timestamp();
                let key = signing_key.expose_secret().as_bytes();
                let signature = generic::signature(key, timestamp, &body);
                request = request
                    .header(IDEMPOTENCY_KEY, &msg.key)
                    .header(TIMESTAMP_HEADER, timestamp.to_string())
                    .header(SIGNATURE_HEADER, signature);
                body
            }
            Format::Teams => teams::body(msg),
            Format::Slack => slack::body(msg),
        };
        let outcome = match request.body(body).send().await {
            Ok(response) => reply::classify(response, Utc::now()).await,
            Err(e) => Err(reply::transport_error(e)),
        };
        match &outcome {
            Ok(receipt) => tracing::info!(
                webhook = %self.name, key = %msg.key, reply = %receipt.detail, "webhook delivered"
            ),
            Err(error) => tracing::warn!(
                webhook = %self.name, key = %msg.key, transient = error.is_transient(), %error,
                "webhook not delivered"
            ),
        }
        outcome
    }
}

/// reqwest is built without a crypto provider of its own (its default would add aws-lc-rs beside the ring that
/// sqlx already uses, and with two providers compiled in rustls cannot choose one by itself). Installs ring as
/// the process default unless something has installed a provider already.
fn install_crypto_provider() {
    let _already_installed = rustls::crypto::ring::default_provider().install_default();
}
