//! The `[email]` table of `casewatch.toml`, and the checks that make a bad value an error naming its key.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use lettre::message::Mailbox;
use serde::Deserialize;

use crate::config::secret::SecretSource;

/// How casewatch sends email.
///
/// ```toml
/// [email]
/// host = "smtp.council.example"
/// username = "casewatch"
/// password = { credential = "smtp-password" }
/// from = "casewatch <casewatch@council.example>"
/// ```
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
    /// The SMTP login (AUTH PLAIN or LOGIN); no authentication when absent.
    pub username: Option<String>,
    /// Where the SMTP password comes from: `{ env = "NAME" }`, `{ file = "/path" }` or
    /// `{ credential = "name" }` (systemd `LoadCredential=`). Required when `username` is set.
    pub password: Option<SecretSource>,
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
    /// (Mozilla) roots stay trusted as well.
    pub ca_file: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    #[default]
    Smtp,
    File,
}

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
            username: None,
            password: None,
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
        }
    }

    fn validate_smtp(&self) -> Result<(), EmailSettingsError> {
        let host = self.host()?;
        if self.port == Some(0) {
            return Err(invalid("port", "0 is not a port"));
        }
        match (&self.username, &self.password) {
            (Some(_), None) => {
                return Err(invalid("password", "required when email.username is set"));
            }
            (None, Some(_)) => {
                return Err(invalid("username", "required when email.password is set"));
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

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
