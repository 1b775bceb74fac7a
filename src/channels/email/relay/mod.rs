//! Reaching the SMTP relay: TCP (with Nagle's algorithm off), then TLS (STARTTLS or implicit) with certificate
//! verification against the public roots plus `ca_file`, then the login (a password, or an OAuth 2.0 token).
//!
//! casewatch opens the TCP connection itself because lettre's does not set `TCP_NODELAY`, and lettre writes a
//! message and its final `.` in two writes: the second then waits for the relay's delayed ACK (40 ms on Linux),
//! which capped a connection at about 25 messages a second. lettre upgrades that connection for STARTTLS; for
//! implicit TLS, which has to start before lettre reads the greeting, casewatch does the handshake with the same
//! trust anchors.

mod xoauth2;

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{
    AsyncSmtpConnection, AsyncTokioStream, Certificate, TlsParameters,
};
use lettre::transport::smtp::extension::ClientId;
use secrecy::ExposeSecret;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore, crypto::ring};

use super::oauth::TokenClient;
use super::settings::{AuthMethod, EmailSettings, EmailSettingsError, TlsMode, invalid};

/// How to reach and log in to the relay.
pub(super) struct Relay {
    pub host: String,
    pub port: u16,
    pub timeout: Duration,
    tls: RelayTls,
    login: Login,
    hello: ClientId,
}

enum Login {
    None,
    Password(Credentials),
    Xoauth2 {
        user: String,
        tokens: Arc<TokenClient>,
    },
}

enum RelayTls {
    StartTls(TlsParameters),
    Implicit(TlsConnector),
    None,
}

/// Why no usable connection came about.
pub(super) enum ConnectError {
    /// TCP, or the implicit TLS handshake.
    Io(io::Error),
    /// The greeting, EHLO, STARTTLS (and its handshake) or the login.
    Smtp(lettre::transport::smtp::Error),
    /// No token: the token endpoint refused or could not be reached.
    Token(crate::channels::ChannelError),
    /// The relay refused the token (which is then forgotten, so the next try asks for a new one).
    Refused(String),
    /// The relay does not speak the login casewatch is configured for.
    Unsupported(String),
}

impl Relay {
    /// Reads the password and the extra CA certificate named in the settings; `tokens` is the token client
    /// for `auth = "xoauth2"`.
    pub fn new(
        settings: &EmailSettings,
        tokens: Option<Arc<TokenClient>>,
    ) -> Result<Relay, EmailSettingsError> {
        let host = settings.host()?.to_owned();
        let extra_ca = match &settings.ca_file {
            Some(path) => read_certificates(path)?,
            None => Vec::new(),
        };
        let tls = match settings.tls {
            TlsMode::Starttls => RelayTls::StartTls(starttls_parameters(&host, &extra_ca)?),
            TlsMode::Implicit => RelayTls::Implicit(implicit_connector(&extra_ca)?),
            TlsMode::None => RelayTls::None,
        };
        let login = match (settings.auth_method(), &settings.password, tokens) {
            (Some(AuthMethod::Xoauth2), _, Some(tokens)) => Login::Xoauth2 {
                user: settings.xoauth2_user()?.to_string(),
                tokens,
            },
            (Some(AuthMethod::Password), Some(source), _) => {
                let user = settings.username.clone().unwrap_or_default();
                let password = source
                    .load()
                    .map_err(|e| invalid("password", e.to_string()))?;
                Login::Password(Credentials::new(user, password.expose_secret().to_owned()))
            }
            _ => Login::None,
        };
        Ok(Relay {
            host,
            port: settings.effective_port(),
            timeout: settings.timeout(),
            tls,
            login,
            hello: ClientId::default(),
        })
    }

    /// `host:port`, for errors and logs.
    pub fn endpoint(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// A connection ready for `MAIL FROM`: greeted, encrypted as configured, logged in. The caller bounds the time.
    pub async fn connect(&self) -> Result<AsyncSmtpConnection, ConnectError> {
        // No token, no use connecting.
        let token = match &self.login {
            Login::Xoauth2 { tokens, .. } => {
                Some(tokens.token().await.map_err(ConnectError::Token)?)
            }
            _ => None,
        };
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(ConnectError::Io)?;
        tcp.set_nodelay(true).map_err(ConnectError::Io)?;
        let stream: Box<dyn AsyncTokioStream> = match &self.tls {
            RelayTls::Implicit(connector) => {
                let name = ServerName::try_from(self.host.clone()).map_err(|e| {
                    ConnectError::Io(io::Error::new(io::ErrorKind::InvalidInput, e))
                })?;
                let tls = connector
                    .connect(name, tcp)
                    .await
                    .map_err(ConnectError::Io)?;
                Box::new(ImplicitTls(tls))
            }
            _ => Box::new(tcp),
        };
        let mut conn = AsyncSmtpConnection::connect_with_transport(stream, &self.hello)
            .await
            .map_err(ConnectError::Smtp)?;
        if let RelayTls::StartTls(params) = &self.tls {
            // Fails when the relay does not offer STARTTLS: no silent fallback to plain text.
            conn.starttls(params.clone(), &self.hello)
                .await
                .map_err(ConnectError::Smtp)?;
        }
        match (&self.login, token) {
            (Login::Password(credentials), _) => {
                conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                    .await
                    .map_err(ConnectError::Smtp)?;
            }
            (Login::Xoauth2 { user, tokens }, Some(token)) => {
                let result = xoauth2::authenticate(&mut conn, user, &token).await;
                if let Err(ConnectError::Refused(_)) = &result {
                    tokens.forget(&token);
                }
                result?;
            }
            _ => {}
        }
        Ok(conn)
    }
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, EmailSettingsError> {
    let pem = std::fs::read(path)
        .map_err(|e| invalid("ca_file", format!("cannot read {}: {e}", path.display())))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid("ca_file", format!("{} is not PEM: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(invalid(
            "ca_file",
            format!("{} holds no PEM certificate", path.display()),
        ));
    }
    Ok(certs)
}

fn starttls_parameters(
    host: &str,
    extra_ca: &[CertificateDer<'static>],
) -> Result<TlsParameters, EmailSettingsError> {
    let mut builder = TlsParameters::builder(host.to_owned());
    for cert in extra_ca {
        let cert = Certificate::from_der(cert.to_vec())
            .map_err(|e| invalid("ca_file", format!("cannot be trusted: {e}")))?;
        builder = builder.add_root_certificate(cert);
    }
    builder
        .build_rustls()
        .map_err(|e| invalid("ca_file", format!("cannot be trusted: {e}")))
}

/// The same trust as lettre's STARTTLS parameters: the Mozilla roots (`webpki-roots`) plus `ca_file`.
fn implicit_connector(
    extra_ca: &[CertificateDer<'static>],
) -> Result<TlsConnector, EmailSettingsError> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for cert in extra_ca {
        roots
            .add(cert.clone())
            .map_err(|e| invalid("ca_file", format!("cannot be trusted: {e}")))?;
    }
    let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid("tls", format!("cannot set up TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

/// A TLS stream lettre can talk SMTP over (it asks for the peer address).
#[derive(Debug)]
struct ImplicitTls(TlsStream<TcpStream>);

impl AsyncTokioStream for ImplicitTls {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

impl AsyncRead for ImplicitTls {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for ImplicitTls {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
