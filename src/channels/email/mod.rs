//! Email: each [`Message`] as one multipart/alternative email (plain text and HTML), sent through an SMTP relay
//! over STARTTLS or implicit TLS with a pool of reused connections, or written as an `.eml` file.
//!
//! - `settings`: the `[email]` table and its checks.
//! - `compose`: the email itself (headers, both bodies).
//! - `relay`: reaching the relay (TCP, TLS, login).
//! - `pool`: connections to the relay, bounded and reused.
//!
//! Errors and logs carry addresses, message ids and the relay's replies, never subjects or bodies: with
//! `notify.child_identifier` set to names, those may name a child.

mod compose;
mod pool;
mod relay;
mod settings;

use std::fmt;
use std::path::PathBuf;

use lettre::{AsyncFileTransport, AsyncTransport, Tokio1Executor};

use self::compose::Sender;
use self::pool::{Failure, Pool};
use self::relay::{ConnectError, Relay};
use self::settings::invalid;
pub use self::settings::{EmailSettings, EmailSettingsError, TlsMode, Transport};
use super::{ChannelError, Message, Receipt};

/// Sends messages by email. Cheap to share: `send` takes `&self` and may run concurrently; with SMTP at most
/// `pool_max_size` messages are in flight (more wait for a connection).
pub struct EmailChannel {
    sender: Sender,
    delivery: Delivery,
}

enum Delivery {
    Smtp(Pool),
    File {
        dir: PathBuf,
        transport: AsyncFileTransport<Tokio1Executor>,
    },
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
            Transport::Smtp => {
                Delivery::Smtp(Pool::new(Relay::new(settings)?, settings.pool_max_size))
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
        let email = self.sender.compose(msg)?;
        match &self.delivery {
            Delivery::Smtp(pool) => {
                let reply = pool
                    .send(email.envelope(), &email.formatted())
                    .await
                    .map_err(|failure| classify(pool.relay(), failure))?;
                let detail = format!("{} {}", reply.code(), reply.first_line().unwrap_or(""));
                tracing::debug!(to = %msg.to, message_id = %msg.message_id, reply = %detail, "email sent");
                Ok(Receipt {
                    detail: detail.trim_end().to_owned(),
                })
            }
            Delivery::File { dir, transport } => {
                let id = transport.send(email).await.map_err(|e| {
                    ChannelError::transient(format!("cannot write into {}: {e}", dir.display()))
                })?;
                let path = dir.join(format!("{id}.eml"));
                tracing::debug!(to = %msg.to, message_id = %msg.message_id, file = %path.display(), "email written");
                Ok(Receipt {
                    detail: format!("written to {}", path.display()),
                })
            }
        }
    }

    /// Connects and logs in to the relay (or reuses a connection), without sending: for `check-config` and
    /// readiness. Always succeeds for the file transport.
    pub async fn check(&self) -> Result<(), ChannelError> {
        match &self.delivery {
            Delivery::Smtp(pool) => pool.check().await.map_err(|f| classify(pool.relay(), f)),
            Delivery::File { .. } => Ok(()),
        }
    }

    /// Closes the idle connections politely (QUIT); for shutdown.
    pub async fn close(&self) {
        if let Delivery::Smtp(pool) = &self.delivery {
            pool.close().await;
        }
    }
}

impl fmt::Debug for EmailChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("EmailChannel");
        s.field("from", &self.sender.from.email.to_string());
        match &self.delivery {
            Delivery::Smtp(pool) => s.field("relay", &pool.relay().endpoint()),
            Delivery::File { dir, .. } => s.field("file_dir", dir),
        };
        s.finish_non_exhaustive()
    }
}

/// Transient: the relay could not be reached, TLS failed (including an untrusted certificate: the message is not
/// at fault, and retries pick up a fixed relay or `ca_file`), a timeout, a garbled reply, or a 4xx reply.
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
