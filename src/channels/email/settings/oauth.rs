//! The `[email.oauth]` table: where tokens come from, and how casewatch proves who it is.

use std::path::PathBuf;

use reqwest::Url;
use serde::Deserialize;

use super::{EmailSettingsError, Transport, invalid, is_loopback};
use crate::secret::SecretSource;

/// The OAuth 2.0 client casewatch is to the identity provider.
///
/// ```toml
/// [email.oauth]
/// token_url = "https://login.microsoftonline.com/TENANT-ID/oauth2/v2.0/token"
/// client_id = "APPLICATION-ID"
/// client_secret = { credential = "casewatch-oauth-secret" }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthSettings {
    /// The token endpoint (Microsoft: `https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token`; Google:
    /// `https://oauth2.googleapis.com/token`). HTTPS, or plain HTTP on loopback with `allow_plain_http_loopback`.
    pub token_url: String,
    /// The application (client) id; for Google, the service account's email address.
    pub client_id: String,
    /// Default: `https://outlook.office365.com/.default` for SMTP, `https://graph.microsoft.com/.default` for
    /// Graph. Google's is `https://mail.google.com/`.
    pub scope: Option<String>,
    /// The client secret: `{ env = "NAME" }`, `{ file = "/path" }` or `{ credential = "name" }`. Either this or
    /// `client_certificate` with `client_key`.
    pub client_secret: Option<SecretSource>,
    /// The certificate registered with the application (PEM X.509), named by its SHA-256 thumbprint in each
    /// signed client assertion.
    pub client_certificate: Option<SecretSource>,
    /// The certificate's private key (PEM PKCS#8 RSA), which signs the client assertions (RS256).
    pub client_key: Option<SecretSource>,
    /// `client_credentials` (the default: Microsoft's identity platform) or `jwt_bearer` (a Google service
    /// account with domain-wide delegation, RFC 7523: the assertion names `email.username` as its subject).
    #[serde(default)]
    pub grant: Grant,
    /// An extra CA certificate (PEM) to trust for the token endpoint and Graph, besides the system's.
    pub ca_file: Option<PathBuf>,
    /// Accept plain `http://` token and Graph URLs whose host is a loopback address (a test double, a local
    /// proxy). Any other `http://` URL is refused whatever this says.
    #[serde(default)]
    pub allow_plain_http_loopback: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    #[default]
    ClientCredentials,
    JwtBearer,
}

/// Exchange Online's SMTP AUTH resource.
pub const SMTP_SCOPE: &str = "https://outlook.office365.com/.default";
/// Microsoft Graph, with the application permissions granted to the app (Mail.Send).
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

/// How casewatch proves itself to the token endpoint: which keys hold what.
pub(in crate::channels::email) enum ClientProof<'a> {
    Secret(&'a SecretSource),
    Certificate {
        certificate: Option<&'a SecretSource>,
        key: &'a SecretSource,
    },
}

impl OAuthSettings {
    /// `scope`, or the default for the transport.
    pub fn scope(&self, transport: &Transport) -> &str {
        match (&self.scope, transport) {
            (Some(scope), _) => scope,
            (None, Transport::Graph) => GRAPH_SCOPE,
            (None, _) => SMTP_SCOPE,
        }
    }

    pub(in crate::channels::email) fn validate(
        &self,
        transport: &Transport,
    ) -> Result<(), EmailSettingsError> {
        self.token_url()?;
        if self.client_id.trim().is_empty() {
            return Err(invalid("oauth.client_id", "is empty"));
        }
        if self.scope(transport).trim().is_empty() {
            return Err(invalid("oauth.scope", "is empty"));
        }
        self.proof()?;
        Ok(())
    }

    pub(in crate::channels::email) fn token_url(&self) -> Result<Url, EmailSettingsError> {
        self.check_url("oauth.token_url", &self.token_url)
    }

    /// Exactly one way of proving who casewatch is: a secret, or a certificate and its key. A Google service
    /// account signs with its key alone.
    pub(in crate::channels::email) fn proof(&self) -> Result<ClientProof<'_>, EmailSettingsError> {
        let one_way = "set either client_secret, or client_certificate and client_key";
        match (
            &self.client_secret,
            &self.client_certificate,
            &self.client_key,
            self.grant,
        ) {
            (Some(_), Some(_), _, _) | (Some(_), _, Some(_), _) => Err(invalid(
                "oauth.client_secret",
                format!("and a client certificate are both set: {one_way}"),
            )),
            (Some(_), None, None, Grant::JwtBearer) => Err(invalid(
                "oauth.client_secret",
                "has no use with email.oauth.grant = \"jwt_bearer\", which signs with client_key",
            )),
            (Some(secret), None, None, Grant::ClientCredentials) => Ok(ClientProof::Secret(secret)),
            (None, certificate, Some(key), Grant::JwtBearer) => Ok(ClientProof::Certificate {
                certificate: certificate.as_ref(),
                key,
            }),
            (None, Some(certificate), Some(key), Grant::ClientCredentials) => {
                Ok(ClientProof::Certificate {
                    certificate: Some(certificate),
                    key,
                })
            }
            (None, Some(_), None, _) => Err(invalid(
                "oauth.client_key",
                "required with email.oauth.client_certificate: the certificate's private key (PEM PKCS#8)",
            )),
            (None, None, Some(_), Grant::ClientCredentials) => Err(invalid(
                "oauth.client_certificate",
                "required with email.oauth.client_key: the certificate registered with the application (PEM)",
            )),
            (None, None, None, _) => Err(invalid(
                "oauth.client_secret",
                format!("missing: {one_way}"),
            )),
        }
    }

    /// HTTPS, or plain HTTP to a loopback host when allowed, as for webhooks.
    pub(in crate::channels::email) fn check_url(
        &self,
        key: &'static str,
        text: &str,
    ) -> Result<Url, EmailSettingsError> {
        let url = Url::parse(text.trim())
            .map_err(|e| invalid(key, format!("`{text}` is not a URL ({e})")))?;
        let loopback = url.host_str().is_some_and(is_loopback);
        match url.scheme() {
            "https" => Ok(url),
            "http" if !loopback => Err(invalid(
                key,
                "plain http:// is refused: use https:// (http:// is accepted only for a loopback host with \
                 email.oauth.allow_plain_http_loopback = true)",
            )),
            "http" if !self.allow_plain_http_loopback => Err(invalid(
                key,
                "plain http:// is refused: use https://, or set email.oauth.allow_plain_http_loopback = true \
                 for this loopback address",
            )),
            "http" => Ok(url),
            other => Err(invalid(key, format!("the scheme `{other}` is not https"))),
        }
    }
}
