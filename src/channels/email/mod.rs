//! Email: each [`Message`] as one multipart/alternative email (plain text and HTML), sent through an SMTP relay
//! over STARTTLS or implicit TLS with a pool of reused connections, or through Microsoft Graph, or written as an
//! `.eml` file.
//!
//! - `settings`: the `[email]` table and its checks; `settings::oauth`: the `[email.oauth]` table.
//! - `compose`: the email itself (headers, both bodies, attachments).
//! - `relay`: reaching the relay (TCP, TLS, login); `relay::xoauth2`: logging in with a token.
//! - `pool`: connections to the relay, bounded and reused.
//! - `oauth`: OAuth 2.0 tokens (client secret or signed assertion), cached and refreshed.
//! - `graph`: Microsoft Graph `sendMail`.
//!
//! Errors and logs carry addresses, message ids and the relay's replies, never subjects or bodies: with
//! `notify.child_identifier` set to names, those may name a child.

mod compose;
mod graph;
pub mod oauth;
mod pool;
mod relay;
mod settings;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use lettre::address::Envelope;
use lettre::{Address, AsyncFileTransport, AsyncTransport, Tokio1Executor};

use self::compose::Sender;
pub use self::compose::{Attachment, Email};
use self::graph::{Graph, MailboxCheck};
use self::oauth::TokenClient;
use self::pool::{Failure, Pool};
use self::relay::{ConnectError, Relay};
use self::settings::invalid;
pub use self::settings::{
    AuthMethod, EmailSettings, EmailSettingsError, GRAPH_URL, TlsMode, Transport,
};
use super::webhook::reply::transport_error;
use super::{ChannelError, Message, Receipt};

/// Sends messages by email. Cheap to share: `send` takes `&self` and may run concurrently; with SMTP at most
/// `pool_max_size` messages are in flight (more wait for a connection).
pub struct EmailChannel {
    sender: Sender,
    delivery: Delivery,
}

enum Delivery {
    Smtp {
        pool: Pool,
        /// With XOAUTH2, the mailbox logged in as is the envelope sender, whatever the From line says.
        envelope_from: Option<Address>,
        tokens: Option<Arc<TokenClient>>,
    },
    Graph(Graph),
    File {
        dir: PathBuf,
        transport: AsyncFileTransport<Tokio1Executor>,
    },
}

/// What [`EmailChannel::check`] found: a line for `check-config`, and what could not be verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub detail: String,
    pub unverified: Option<String>,
}

impl EmailChannel {
    /// Validates the settings, reads the password and the extra CA certificate, and (for `file`) creates the
    /// folder. Opens no connection: the first `send` (or [`EmailChannel::check`]) does.
    pub fn new(settings: &EmailSettings) -> Result<EmailChannel, EmailSettingsError> {
        settings.validate()?;
        let sender = Sender {
            from: settings.sender_mailbox()?,
            reply_to: settings.reply_to_mailbox()?,
        };
        let delivery = match settings.transport {
            Transport::Smtp if settings.auth_method() == Some(AuthMethod::Xoauth2) => {
                let user = settings.xoauth2_user()?;
                let oauth = settings.oauth_settings("auth = \"xoauth2\"")?;
                let http = oauth::http_client(settings, oauth, &[&oauth.token_url()?])?;
                let tokens = Arc::new(TokenClient::new(
                    settings,
                    oauth,
                    Some(user.to_string()),
                    http,
                )?);
                let relay = Relay::new(settings, Some(Arc::clone(&tokens)))?;
                Delivery::Smtp {
                    pool: Pool::new(relay, settings.pool_max_size),
                    envelope_from: Some(user),
                    tokens: Some(tokens),
                }
            }
            Transport::Smtp => Delivery::Smtp {
                pool: Pool::new(Relay::new(settings, None)?, settings.pool_max_size),
                envelope_from: None,
                tokens: None,
            },
            Transport::Graph => {
                let oauth = settings.oauth_settings("transport = \"graph\"")?;
                let base = oauth.check_url("graph_url", settings.graph_url())?;
                let http = oauth::http_client(settings, oauth, &[&oauth.token_url()?, &base])?;
                let tokens =
                    TokenClient::new(settings, oauth, settings.sender.clone(), http.clone())?;
                Delivery::Graph(Graph::new(settings, &base, Arc::new(tokens), http)?)
            }
            Transport::File => {
                let dir = settings.file_dir.clone().expect("validated");
                std::fs::create_dir_all(&dir).map_err(|e| {
                    invalid("file_dir", format!("cannot create {}: {e}", dir.display()))
                })?;
                let transport = AsyncFileTransport::new(&dir);
                Delivery::File { dir, transport }
            }
        };
        Ok(EmailChannel { sender, delivery })
    }

    /// Sends one message. The Message-ID is `msg.message_id`, so a retry after an unclear failure (a timeout after
    /// the data was sent) is recognisable as the same email.
    pub async fn send(&self, msg: &Message) -> Result<Receipt, ChannelError> {
        let email = self.compose(msg)?;
        self.deliver(&email).await
    }

    /// The email `send` would send for `msg`.
    pub fn compose(&self, msg: &Message) -> Result<Email, ChannelError> {
        self.sender.compose(msg)
    }

    /// Sends a composed email.
    pub async fn deliver(&self, email: &Email) -> Result<Receipt, ChannelError> {
        let to = &email.to.email;
        let message_id = &email.message_id;
        match &self.delivery {
            Delivery::Smtp {
                pool,
                envelope_from,
                ..
            } => {
                let mime = email.to_mime()?;
                let envelope = match envelope_from {
                    Some(from) => Envelope::new(Some(from.clone()), vec![to.clone()])
                        .map_err(|e| ChannelError::permanent(format!("no envelope: {e}")))?,
                    None => mime.envelope().clone(),
                };
                let reply = pool
                    .send(&envelope, &mime.formatted())
                    .await
                    .map_err(|failure| classify(pool.relay(), failure))?;
                let detail = format!("{} {}", reply.code(), reply.first_line().unwrap_or(""));
                tracing::debug!(%to, %message_id, reply = %detail, "email sent");
                Ok(Receipt {
                    detail: detail.trim_end().to_owned(),
                })
            }
            Delivery::Graph(graph) => {
                let receipt = graph.send(email).await?;
                tracing::debug!(%to, %message_id, reply = %receipt.detail, "email sent through Graph");
                Ok(receipt)
            }
            Delivery::File { dir, transport } => {
                let id = transport.send(email.to_mime()?).await.map_err(|e| {
                    ChannelError::transient(format!("cannot write into {}: {e}", dir.display()))
                })?;
                let path = dir.join(format!("{id}.eml"));
                tracing::debug!(%to, %message_id, file = %path.display(), "email written");
                Ok(Receipt {
                    detail: format!("written to {}", path.display()),
                })
            }
        }
    }

    /// Gets a token (when one is needed) and connects and logs in to the relay (or reuses a connection), or reads
    /// the Graph sender mailbox, without sending: for `check-config`. Always succeeds for the file transport.
    pub async fn check(&self) -> Result<Checked, ChannelError> {
        let checked = |detail: String| Checked {
            detail,
            unverified: None,
        };
        match &self.delivery {
            Delivery::Smtp {
                pool,
                envelope_from,
                tokens,
            } => {
                pool.check().await.map_err(|f| classify(pool.relay(), f))?;
                let relay = pool.relay().endpoint();
                Ok(checked(match (tokens, envelope_from) {
                    (Some(tokens), Some(user)) => format!(
                        "token obtained from {}; {relay} accepted AUTH XOAUTH2 as {user}",
                        tokens.endpoint()
                    ),
                    _ => format!("{relay} answered"),
                }))
            }
            Delivery::Graph(graph) => {
                let token = format!("token obtained from {}", graph.tokens().endpoint());
                let sender = graph.sender();
                Ok(match graph.check().await? {
                    MailboxCheck::Found => checked(format!("{token}; the mailbox {sender} exists")),
                    MailboxCheck::NotReadable(said) => Checked {
                        detail: token.clone(),
                        unverified: Some(format!(
                            "{token}, but the mailbox {sender} cannot be verified with Mail.Send alone: reading \
                             /users/{sender} needs User.ReadBasic.All or User.Read.All (Graph said 403 {said})"
                        )),
                    },
                })
            }
            Delivery::File { dir, .. } => Ok(checked(format!("writes into {}", dir.display()))),
        }
    }

    /// Closes the idle connections politely (QUIT); for shutdown.
    pub async fn close(&self) {
        if let Delivery::Smtp { pool, .. } = &self.delivery {
            pool.close().await;
        }
    }
}

impl fmt::Debug for EmailChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("EmailChannel");
        s.field("from", &self.sender.from.email.to_string());
        match &self.delivery {
            Delivery::Smtp { pool, .. } => s.field("relay", &pool.relay().endpoint()),
            Delivery::Graph(graph) => s.field("graph_sender", &graph.sender()),
            Delivery::File { dir, .. } => s.field("file_dir", dir),
        };
        s.finish_non_exhaustive()
    }
}

/// Transient: the relay could not be reached, TLS failed (including an untrusted certificate: the message is not
/// at fault, and retries pick up a fixed relay or `ca_file`), a timeout, a garbled reply, or a 4xx reply; and with
/// XOAUTH2, no token (the token endpoint refused or is down) or a refused token: the application's registration
/// is at fault, not the message, and retries pick up a fixed one.
/// Permanent: a 5xx reply (a refused recipient, a failed login), or lettre refusing to go on (the relay does not
/// offer STARTTLS or a login mechanism casewatch speaks, or cannot take a non-ASCII address).
fn classify(relay: &Relay, failure: Failure) -> ChannelError {
    let endpoint = relay.endpoint();
    let (step, err) = match failure {
        Failure::TimedOut(step) => {
            return ChannelError::transient(format!(
                "{endpoint}: timed out {step} after {} s",
                relay.timeout.as_secs()
            ));
        }
        Failure::Connect(ConnectError::Io(err)) => {
            return ChannelError::transient(format!(
                "{endpoint} connecting: {}",
                error_chain(&err)
            ));
        }
        Failure::Connect(ConnectError::Token(err)) => return err,
        Failure::Connect(ConnectError::Refused(reason)) => {
            return ChannelError::transient(format!("{endpoint}: {reason}"));
        }
        Failure::Connect(ConnectError::Unsupported(reason)) => {
            return ChannelError::permanent(format!("{endpoint}: {reason}"));
        }
        Failure::Connect(ConnectError::Smtp(err)) => ("connecting", err),
        Failure::Send(err) => ("sending", err),
    };
    let reason = format!("{endpoint} {step}: {}", error_chain(&err));
    if err.is_permanent() || err.is_client() {
        ChannelError::permanent(reason)
    } else {
        ChannelError::transient(reason)
    }
}

/// An HTTP request that got no reply, with what it was for.
fn http_error(what: &str, error: reqwest::Error) -> ChannelError {
    match transport_error(error) {
        ChannelError::Transient {
            reason,
            retry_after,
        } => ChannelError::Transient {
            reason: format!("{what}: {reason}"),
            retry_after,
        },
        ChannelError::Permanent { reason } => ChannelError::permanent(format!("{what}: {reason}")),
    }
}

/// lettre's error and its causes, each said once (lettre nests "Connection error: Connection error: …").
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    let mut parts: Vec<&str> = text.split(": ").collect();
    parts.dedup();
    parts.join(": ")
}
