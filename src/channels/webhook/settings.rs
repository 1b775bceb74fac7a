//! One `[[webhooks]]` entry of casewatch.toml, and the checks that name the key at fault.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::secret::{REFERENCE_FORMS, SecretSource};

/// A webhook target. In casewatch.toml:
///
/// ```toml
/// [[webhooks]]
/// name = "cin-team-teams"
/// kind = "teams"
/// url_secret = { credential = "cin-team-teams-url" }
///
/// [[webhooks]]
/// name = "case-system"
/// kind = "generic"
/// url = "https://lcs.council.example/casewatch/notices"
/// secret = { env = "CASE_SYSTEM_WEBHOOK_KEY" }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// Names this webhook in routes, logs and the audit log; unique among the `[[webhooks]]`.
    pub name: String,
    /// The payload: `generic` (signed JSON, `docs/webhooks.md`), `teams` (an Adaptive Card for a Teams Workflows
    /// "When a Teams webhook request is received" trigger) or `slack` (an incoming webhook, Block Kit).
    pub kind: WebhookKind,
    /// The endpoint in plain text: allowed only for `generic`, whose URL need not be secret (the payload is
    /// signed). Exactly one of `url` and `url_secret`.
    #[serde(default)]
    pub url: Option<String>,
    /// Where to read the endpoint from: `{ env = "NAME" }`, `{ file = "/path" }` or `{ credential = "name" }`.
    /// Teams and Slack URLs carry their own access token, so for them this is the only way. Exactly one of
    /// `url` and `url_secret`.
    #[serde(default)]
    pub url_secret: Option<SecretSource>,
    /// The HMAC-SHA256 signing key for `X-Casewatch-Signature`: required for `generic`, refused for the others.
    #[serde(default)]
    pub secret: Option<SecretSource>,
    /// How long one request may take, connecting included, before it counts as a transient failure.
    #[serde(default = "default_timeout_seconds")]
    pub timeout_seconds: NonZeroU32,
    /// Requests a second at most through this webhook, shared by all concurrent sends. Default: 1 for `teams`
    /// and `slack` (their documented pace), 10 for `generic`.
    #[serde(default)]
    pub max_per_second: Option<NonZeroU32>,
    /// Accept a plain `http://` URL when its host is a loopback address (127.0.0.0/8, ::1, localhost): for a
    /// relay on the same machine. Any other `http://` URL is refused whatever this says.
    #[serde(default)]
    pub allow_plain_http_loopback: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookKind {
    Generic,
    Teams,
    Slack,
}

fn default_timeout_seconds() -> NonZeroU32 {
    NonZeroU32::new(10).expect("10 is not zero")
}

/// A webhook setting that cannot work, with the configuration key at fault.
#[derive(Debug, thiserror::Error)]
#[error("configuration key `webhooks[{webhook}].{key}`: {problem}")]
pub struct WebhookSettingError {
    pub webhook: String,
    pub key: &'static str,
    pub problem: String,
}

impl WebhookSettings {
    /// The rate limit in force: `max_per_second`, or the kind's default.
    pub fn max_per_second(&self) -> NonZeroU32 {
        self.max_per_second.unwrap_or_else(|| {
            let default = match self.kind {
                WebhookKind::Generic => 10,
                WebhookKind::Teams | WebhookKind::Slack => 1,
            };
            NonZeroU32::new(default).expect("defaults are not zero")
        })
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_seconds.get().into())
    }

    /// The checks that need no secret: which keys are set, and a plain `url`'s scheme and host. A URL read from
    /// `url_secret` is checked by [`WebhookSettings::endpoint`].
    pub fn validate(&self) -> Result<(), WebhookSettingError> {
        if self.name.trim().is_empty() {
            return Err(self.error("name", "must not be empty"));
        }
        match (&self.url, &self.url_secret, self.kind) {
            (Some(_), Some(_), _) => {
                return Err(self.error("url", "`url` and `url_secret` are both set: keep one"));
            }
            (None, None, _) => {
                return Err(self.error("url", "missing: set `url` or `url_secret`"));
            }
            (Some(_), None, WebhookKind::Teams | WebhookKind::Slack) => {
                return Err(self.error(
                    "url",
                    format!(
                        "a Teams or Slack webhook URL is itself the credential: move it out of the \
                         configuration file into `url_secret`, as {REFERENCE_FORMS}"
                    ),
                ));
            }
            (Some(url), None, WebhookKind::Generic) => {
                self.check_url(url, "url")?;
            }
            (None, Some(_), _) => {}
        }
        match (self.kind, &self.secret) {
            (WebhookKind::Generic, None) => Err(self.error(
                "secret",
                format!(
                    "missing: a generic webhook signs its payload, so it needs a signing key: \
                     {REFERENCE_FORMS}"
                ),
            )),
            (WebhookKind::Teams | WebhookKind::Slack, Some(_)) => Err(self.error(
                "secret",
                "only `generic` webhooks are signed; Teams and Slack would ignore the signature",
            )),
            _ => Ok(()),
        }
    }

    /// Validates, reads the URL (from `url_secret` if that is where it is) and checks its scheme and host.
    pub(super) fn endpoint(&self) -> Result<Url, WebhookSettingError> {
        self.validate()?;
        match (&self.url, &self.url_secret) {
            (Some(url), _) => self.check_url(url, "url"),
            (None, Some(source)) => {
                let url = source
                    .load()
                    .map_err(|e| self.error("url_secret", e.to_string()))?;
                self.check_url(url.expose_secret(), "url_secret")
            }
            (None, None) => unreachable!("validate() requires one of url and url_secret"),
        }
    }

    /// Reads the signing key of a `generic` webhook.
    pub(super) fn signing_key(&self) -> Result<Option<SecretString>, WebhookSettingError> {
        self.secret
            .as_ref()
            .map(|source| {
                source
                    .load()
                    .map_err(|e| self.error("secret", e.to_string()))
            })
            .transpose()
    }

    /// HTTPS, or plain HTTP to a loopback host when allowed. The URL itself never appears in the error: for
    /// Teams and Slack it is a credential.
    fn check_url(&self, text: &str, key: &'static str) -> Result<Url, WebhookSettingError> {
        let url =
            Url::parse(text.trim()).map_err(|e| self.error(key, format!("not a URL ({e})")))?;
        match url.scheme() {
            "https" => Ok(url),
            "http" if !is_loopback(&url) => Err(self.error(
                key,
                "plain http:// is refused: use https:// (http:// is accepted only for a loopback host \
                 with allow_plain_http_loopback = true)",
            )),
            "http" if !self.allow_plain_http_loopback => Err(self.error(
                key,
                "plain http:// is refused: use https://, or set allow_plain_http_loopback = true for this \
                 loopback address",
            )),
            "http" => Ok(url),
            other => Err(self.error(key, format!("the scheme `{other}` is not https"))),
        }
    }

    fn error(&self, key: &'static str, problem: impl Into<String>) -> WebhookSettingError {
        WebhookSettingError {
            webhook: self.name.clone(),
            key,
            problem: problem.into(),
        }
    }
}

/// 127.0.0.0/8, ::1 or `localhost` (which the URL parser has already lower-cased).
pub(super) fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare == "localhost" || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
