//! The configured channels, by name: `email`, and each `[[webhooks]]` entry by its `name`.

use std::collections::HashMap;

use super::webhook::{WebhookChannel, WebhookSettings, WebhookSetupError};
use super::{ChannelError, Message, Receipt};
use crate::outbox::{EMAIL, Sender};

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Webhook(#[from] WebhookSetupError),
}

/// Every channel a message can name. Built once at start-up (and on reload), so secrets are read and URLs
/// checked before anything is sent.
pub struct Channels {
    webhooks: HashMap<String, WebhookChannel>,
}

impl Channels {
    pub fn new(webhooks: &[WebhookSettings]) -> Result<Channels, SetupError> {
        let webhooks = webhooks
            .iter()
            .map(|w| Ok((w.name.clone(), WebhookChannel::new(w)?)))
            .collect::<Result<_, SetupError>>()?;
        Ok(Channels { webhooks })
    }
}

impl Sender for Channels {
    async fn send(&self, channel: &str, message: &Message) -> Result<Receipt, ChannelError> {
        if channel == EMAIL {
            return Err(ChannelError::permanent("no [email] section is configured"));
        }
        match self.webhooks.get(channel) {
            Some(webhook) => webhook.send(message).await,
            None => Err(ChannelError::permanent(format!(
                "no [[webhooks]] entry is named `{channel}` (was it removed from the configuration?)"
            ))),
        }
    }
}
