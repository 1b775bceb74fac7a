//! Channels deliver rendered messages: email over SMTP (or into a folder of `.eml` files) and webhooks (generic
//! signed JSON, Microsoft Teams Workflows, Slack). They know nothing about rules; an error says whether it is
//! worth retrying ([`ChannelError::Transient`]) or not ([`ChannelError::Permanent`]).

mod attachment;
pub mod email;
pub mod rate_limit;
mod registry;

pub use attachment::Attachment;
pub use registry::{Channels, SetupError};
pub mod webhook;

pub use crate::message::{Item, Message, MessageKind};

use std::time::Duration;

/// The email channel's name in notices and messages.
pub const EMAIL: &str = "email";

/// Something that can send a message through a named channel (`email` or a webhook's name).
pub trait Sender: Sync {
    fn send(
        &self,
        channel: &str,
        message: &Message,
    ) -> impl Future<Output = Result<Receipt, ChannelError>> + Send;
}

/// Why a send failed, and whether trying again later could help.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    /// Connection refused, timeouts, SMTP 4xx, HTTP 5xx and 429: retry with backoff, not sooner than
    /// `retry_after` when the server said so.
    #[error("transient: {reason}")]
    Transient {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// SMTP 5xx, HTTP 4xx, a bad address or payload: retrying cannot help; dead-letter it.
    #[error("permanent: {reason}")]
    Permanent { reason: String },
}

impl ChannelError {
    pub fn transient(reason: impl Into<String>) -> Self {
        ChannelError::Transient {
            reason: reason.into(),
            retry_after: None,
        }
    }

    pub fn permanent(reason: impl Into<String>) -> Self {
        ChannelError::Permanent {
            reason: reason.into(),
        }
    }

    pub fn is_transient(&self) -> bool {
        matches!(self, ChannelError::Transient { .. })
    }
}

/// What came back from a successful send, for the audit log (e.g. the SMTP server's reply, the HTTP status).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub detail: String,
}
