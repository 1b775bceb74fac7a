//! The `[email]` table of `casewatch.toml`, and the checks that make a bad value an error naming its key.

mod oauth;

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use lettre::message::Mailbox;
use serde::Deserialize;

pub(super) use self::oauth::ClientProof;
pub use self::oauth::{GRAPH_SCOPE, Grant, OAuthSettings, SMTP_SCOPE};
use crate::secret::SecretSource;

/// How casewatch sends email.
///
/// ```toml
/// [email]
/// host = "smtp.council.example"
/// username = "casewatch"
/// password = { credential = "smtp-password" }
/// from = "casewatch <casewatch@council.example>"
/// ```
///
/// Without a password, through Microsoft 365 (or Google Workspace) with an OAuth 2.0 token:
///
/// ```toml
/// [email]
/// host = "smtp.office365.com"
/// auth = "xoauth2"
/// username = "casewatch@council.example"
/// from = "casewatch <casewatch@council.example>"
/// [email.oauth]
/// token_url = "https://login.microsoftonline.com/TENANT-ID/oauth2/v2.0/token"
/// client_id = "APPLICATION-ID"
/// client_certificate = { credential = "casewatch-oauth.crt" }
/// client_key = { credential = "casewatch-oauth.key" }
/// ```
///
/// Or over Microsoft Graph (`transport = "graph"`, `sender = "casewatch@council.example"`, the same `[email.oauth]`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailSettings {
    /// `smtp` (the default) sends through a mail relay; `file` writes each message as an `.eml` file into
    /// `file_dir` instead (the demo, and trying casewatch out without a relay).
    #[serde(default)]
    pub transport: Transport,
    /// The SMTP relay's host name (or IP address). Required for `transport = "smtp"`; with TLS it is also the
    /// name the relay's certificate must carry.
    pub host: Option<String>,
    /// The relay's port. Default by `tls`: 587 for `starttls`, 465 for `implicit`, 25 for `none`.
    pub port: Option<u16>,
    /// `starttls` (the default): plain connection upgraded with STARTTLS, refused if the relay does not offer it;
    /// `implicit`: TLS from the first byte (SMTPS); `none`: no encryption, only for a loopback host or with
    /// `allow_insecure = true`.
    #[serde(default)]
    pub tls: TlsMode,
    /// Allows `tls = "none"` to a host that is not a loopback address. Mail (and any password) then crosses the
    /// network in clear.
    #[serde(default)]
    pub allow_insecure: bool,
    /// How casewatch logs in to the relay: `password` (AUTH PLAIN or LOGIN with `password`; the default when a
    /// password is given) or `xoauth2` (an OAuth 2.0 token from `[email.oauth]`; the default when only
    /// `[email.oauth]` is given). Not used by `transport = "graph"`.
    pub auth: Option<AuthMethod>,
    /// The SMTP login; with `auth = "xoauth2"`, the mailbox sent from (and the envelope sender). No
    /// authentication when absent.
    pub username: Option<String>,
    /// Where the SMTP password comes from: `{ env = "NAME" }`, `{ file = "/path" }` or
    /// `{ credential = "name" }` (systemd `LoadCredential=`). Required when `username` is set.
    pub password: Option<SecretSource>,
    /// Where OAuth 2.0 tokens come from, for `auth = "xoauth2"` and `transport = "graph"`.
    pub oauth: Option<OAuthSettings>,
    /// Microsoft Graph's base URL, for `transport = "graph"`.
    pub graph_url: Option<String>,
    /// The mailbox Graph sends from (`POST /users/{sender}/sendMail`); required for `transport = "graph"`.
    pub sender: Option<String>,
    /// Keep a copy of each message in the sender mailbox's Sent Items (Graph only).
    #[serde(default)]
    pub graph_save_to_sent: bool,
    /// The sender, as a mailbox: `casewatch <casewatch@council.example>` or `casewatch@council.example`.
    pub from: String,
    /// Where replies go, when not to `from` (e.g. the team that runs casewatch).
    pub reply_to: Option<String>,
    /// The longest casewatch waits for the relay: to connect and log in, and for one message to be accepted.
    #[serde(default = "default_timeout_seconds")]
    pub timeout_seconds: u64,
    /// How many connections to the relay casewatch keeps open and reuses; also how many messages it sends at once.
    #[serde(default = "default_pool_max_size")]
    pub pool_max_size: u32,
    /// The folder for `.eml` files when `transport = "file"` (created if missing).
    pub file_dir: Option<PathBuf>,
    /// An extra CA certificate (PEM) to trust, for a relay whose certificate comes from a private CA. The public
    /// (Mozilla) roots stay trusted as well. The token endpoint and Graph take `email.oauth.ca_file`.
    pub ca_file: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    #[default]
    Smtp,
    File,
    /// Microsoft Graph `sendMail`, for tenants that turn SMTP AUTH off.
    Graph,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    Password,
    Xoauth2,
}

/// Microsoft Graph v1.0, where `email.graph_url` points unless told otherwise.
pub const GRAPH_URL: &str = "https://graph.microsoft.com/v1.0";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsMode {
    #[default]
    Starttls,
    Implicit,
    None,
}

fn default_timeout_seconds() -> u64 {
    30
}

fn default_pool_max_size() -> u32 {
    4
}

/// A bad `[email]` value, or a secret or file it points to that cannot be read. Shown as `email.<key>: <reason>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("email.{key}: {reason}")]
pub struct EmailSettingsError {
    pub key: &'static str,
    pub reason: String,
}

pub(super) fn invalid(key: &'static str, reason: impl Into<String>) -> EmailSettingsError {
    EmailSettingsError {
        key,
        reason: reason.into(),
    }
}

impl EmailSettings {
    /// Settings for a relay at `host` with every other key at its default; `from` is the sender mailbox.
    pub fn smtp(host: impl Into<String>, from: impl Into<String>) -> Self {
        EmailSettings {
            transport: Transport::Smtp,
            host: Some(host.into()),
            port: None,
            tls: TlsMode::default(),
            allow_insecure: false,
            auth: None,
            username: None,
            password: None,
            oauth: None,
            graph_url: None,
            sender: None,
            graph_save_to_sent: false,
            from: from.into(),
            reply_to: None,
            timeout_seconds: default_timeout_seconds(),
            pool_max_size: default_pool_max_size(),
            file_dir: None,
            ca_file: None,
        }
    }

    /// Settings that write `.eml` files into `dir` instead of sending.
    pub fn file(dir: impl Into<PathBuf>, from: impl Into<String>) -> Self {
        EmailSettings {
            transport: Transport::File,
            host: None,
            file_dir: Some(dir.into()),
            ..EmailSettings::smtp("", from)
        }
    }

    /// Checks every value that can be checked without reading files or secrets.
    pub fn validate(&self) -> Result<(), EmailSettingsError> {
        self.sender_mailbox()?;
        self.reply_to_mailbox()?;
        if self.timeout_seconds == 0 {
            return Err(invalid("timeout_seconds", "must be at least 1"));
        }
        if self.pool_max_size == 0 {
            return Err(invalid("pool_max_size", "must be at least 1"));
        }
        match self.transport {
            Transport::File if self.file_dir.is_none() => Err(invalid(
                "file_dir",
                "required when email.transport = \"file\"",
            )),
            Transport::File => Ok(()),
            Transport::Smtp => self.validate_smtp(),
            Transport::Graph => self.validate_graph(),
        }
    }

    /// `password` when a password is given; otherwise `xoauth2` when `[email.oauth]` is; otherwise no login.
    pub fn auth_method(&self) -> Option<AuthMethod> {
        self.auth.or(match (&self.password, &self.oauth) {
            (Some(_), _) => Some(AuthMethod::Password),
            (None, Some(_)) => Some(AuthMethod::Xoauth2),
            (None, None) => None,
        })
    }

    /// Microsoft Graph's base URL: `graph_url`, or v1.0 on graph.microsoft.com.
    pub fn graph_url(&self) -> &str {
        self.graph_url.as_deref().unwrap_or(GRAPH_URL)
    }

    fn validate_graph(&self) -> Result<(), EmailSettingsError> {
        self.graph_sender()?;
        let oauth = self.oauth_settings("transport = \"graph\"")?;
        oauth.validate(&self.transport)?;
        oauth.check_url("graph_url", self.graph_url())?;
        Ok(())
    }

    /// The mailbox Graph sends from: an address, no display name.
    pub(super) fn graph_sender(&self) -> Result<lettre::Address, EmailSettingsError> {
        let sender = self
            .sender
            .as_deref()
            .ok_or_else(|| invalid("sender", "required when email.transport = \"graph\""))?;
        address("sender", sender)
    }

    /// The XOAUTH2 `user=`, which is also the envelope sender.
    pub(super) fn xoauth2_user(&self) -> Result<lettre::Address, EmailSettingsError> {
        let user = self.username.as_deref().ok_or_else(|| {
            invalid(
                "username",
                "required when email.auth = \"xoauth2\": the mailbox casewatch sends from",
            )
        })?;
        address("username", user)
    }

    pub(super) fn oauth_settings(
        &self,
        needed_by: &str,
    ) -> Result<&OAuthSettings, EmailSettingsError> {
        self.oauth.as_ref().ok_or_else(|| {
            invalid(
                "oauth",
                format!(
                    "required when email.{needed_by}: add an [email.oauth] table with token_url, client_id and \
                     client_secret (or client_certificate and client_key)"
                ),
            )
        })
    }

    fn validate_xoauth2(&self) -> Result<(), EmailSettingsError> {
        self.xoauth2_user()?;
        if self.password.is_some() {
            return Err(invalid(
                "password",
                "has no use with email.auth = \"xoauth2\" (the token from [email.oauth] is the login)",
            ));
        }
        self.oauth_settings("auth = \"xoauth2\"")?
            .validate(&self.transport)
    }

    fn validate_smtp(&self) -> Result<(), EmailSettingsError> {
        let host = self.host()?;
        if self.port == Some(0) {
            return Err(invalid("port", "0 is not a port"));
        }
        if self.auth_method() == Some(AuthMethod::Xoauth2) {
            self.validate_xoauth2()?;
        } else if self.oauth.is_some() {
            return Err(invalid(
                "oauth",
                "has no use with email.auth = \"password\": set email.auth = \"xoauth2\" to log in with a token",
            ));
        }
        match (&self.username, &self.password) {
            _ if self.auth_method() == Some(AuthMethod::Xoauth2) => {}
            (Some(_), None) => {
                return Err(invalid("password", "required when email.username is set"));
            }
            (None, Some(_)) => {
                return Err(invalid("username", "required when email.password is set"));
            }
            (None, None) if self.auth == Some(AuthMethod::Password) => {
                return Err(invalid(
                    "password",
                    "required when email.auth = \"password\" (with email.username)",
                ));
            }
            (Some(user), Some(_)) if user.trim().is_empty() => {
                return Err(invalid("username", "is empty"));
            }
            _ => {}
        }
        if self.tls == TlsMode::None {
            if !self.allow_insecure && !is_loopback(host) {
                return Err(invalid(
                    "tls",
                    format!(
                        "\"none\" would send mail unencrypted to {host}; it is allowed only for a loopback host \
                         (localhost, 127.0.0.1, ::1) or with email.allow_insecure = true"
                    ),
                ));
            }
            if self.ca_file.is_some() {
                return Err(invalid("ca_file", "has no use with email.tls = \"none\""));
            }
        }
        Ok(())
    }

    pub(super) fn host(&self) -> Result<&str, EmailSettingsError> {
        match self.host.as_deref().map(str::trim) {
            Some(host) if !host.is_empty() => Ok(host),
            _ => Err(invalid("host", "required when email.transport = \"smtp\"")),
        }
    }

    /// The configured port, or the usual one for the TLS mode.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            TlsMode::Starttls => 587,
            TlsMode::Implicit => 465,
            TlsMode::None => 25,
        })
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_seconds)
    }

    pub(super) fn sender_mailbox(&self) -> Result<Mailbox, EmailSettingsError> {
        mailbox("from", &self.from)
    }

    pub(super) fn reply_to_mailbox(&self) -> Result<Option<Mailbox>, EmailSettingsError> {
        self.reply_to
            .as_deref()
            .map(|text| mailbox("reply_to", text))
            .transpose()
    }
}

fn mailbox(key: &'static str, text: &str) -> Result<Mailbox, EmailSettingsError> {
    text.parse().map_err(|e| {
        invalid(
            key,
            format!("`{text}` is not a mailbox like `casewatch <casewatch@council.example>`: {e}"),
        )
    })
}

fn address(key: &'static str, text: &str) -> Result<lettre::Address, EmailSettingsError> {
    text.trim().parse().map_err(|e| {
        invalid(
            key,
            format!("`{text}` is not a mailbox address like `casewatch@council.example`: {e}"),
        )
    })
}

pub(super) fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
