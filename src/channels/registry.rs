//! The configured channels, by name: `email`, and each `[[webhooks]]` entry by its `name`.

use std::collections::HashMap;

use super::email::{EmailChannel, EmailSettings, EmailSettingsError};
use super::webhook::{WebhookChannel, WebhookSettings, WebhookSetupError};
use super::{ChannelError, EMAIL, Message, Receipt, Sender};

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("configuration key `email.{}`: {}", .0.key, .0.reason)]
    Email(#[from] EmailSettingsError),
    #[error(transparent)]
    Webhook(#[from] WebhookSetupError),
    #[error(
        "configuration key `email`: missing — notices are sent by email; add an [email] section \
         (transport = \"smtp\" with host and from, or transport = \"file\" with file_dir and from)"
    )]
    NoEmail,
}

/// Every channel a message can name. Built once at start-up (and on reload), so secrets are read and URLs
/// checked before anything is sent.
pub struct Channels {
    email: EmailChannel,
    webhooks: HashMap<String, WebhookChannel>,
}

impl Channels {
    pub fn new(
        email: Option<&EmailSettings>,
        webhooks: &[WebhookSettings],
    ) -> Result<Channels, SetupError> {
        let email = EmailChannel::new(email.ok_or(SetupError::NoEmail)?)?;
        let webhooks = webhooks
            .iter()
            .map(|w| Ok((w.name.clone(), WebhookChannel::new(w)?)))
            .collect::<Result<_, SetupError>>()?;
        Ok(Channels { email, webhooks })
    }

    pub fn email(&self) -> &EmailChannel {
        &self.email
    }

    /// Closes idle connections (on shutdown).
    pub async fn close(&self) {
        self.email.close().await;
    }
}

impl Sender for Channels {
    async fn send(&self, channel: &str, message: &Message) -> Result<Receipt, ChannelError> {
        if channel == EMAIL {
            return self.email.send(message).await;
        }
        match self.webhooks.get(channel) {
            Some(webhook) => webhook.send(message).await,
            None => Err(ChannelError::permanent(format!(
                "no [[webhooks]] entry is named `{channel}` (was it removed from the configuration?)"
            ))),
        }
    }
}
