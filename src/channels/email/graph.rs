//! Microsoft Graph `sendMail` (`POST /users/{sender}/sendMail`, application permission Mail.Send), for tenants
//! that turn SMTP AUTH off: the same email as over SMTP, as Graph's JSON message with the HTML body, the stable
//! Message-ID as `internetMessageId`, and each attachment as a `fileAttachment`.
//!
//! Graph answers 202 once it has taken the message. 429 and 503 say when to come back (`Retry-After`); a 401
//! means the token is no good, so it is forgotten and the next try asks for a new one.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use lettre::message::Mailbox;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use reqwest::{Client, StatusCode, Url};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{Value, json};

use super::compose::Email;
use super::oauth::{AccessToken, TokenClient};
use super::settings::{EmailSettings, EmailSettingsError, invalid};
use crate::channels::webhook::reply::retry_after;
use crate::channels::{ChannelError, Receipt};

pub(super) struct Graph {
    http: Client,
    /// `{graph_url}/users/{sender}`.
    user_url: Url,
    sender: String,
    tokens: Arc<TokenClient>,
    save_to_sent: bool,
}

/// What `check` could find out about the sender mailbox.
pub(super) enum MailboxCheck {
    Found,
    /// The token works, but reading the mailbox needs a permission beyond Mail.Send.
    NotReadable(String),
}

/// Graph's error reply: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Deserialize)]
struct ErrorReply {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

impl Graph {
    pub fn new(
        settings: &EmailSettings,
        base: &Url,
        tokens: Arc<TokenClient>,
        http: Client,
    ) -> Result<Graph, EmailSettingsError> {
        let sender = settings.graph_sender()?.to_string();
        let mut user_url = base.clone();
        user_url
            .path_segments_mut()
            .map_err(|()| invalid("graph_url", "cannot be a base for /users/{sender}"))?
            .pop_if_empty()
            .extend(["users", &sender]);
        Ok(Graph {
            http,
            user_url,
            sender,
            tokens,
            save_to_sent: settings.graph_save_to_sent,
        })
    }

    pub fn tokens(&self) -> &TokenClient {
        &self.tokens
    }

    pub fn sender(&self) -> &str {
        &self.sender
    }

    /// Posts the email to `sendMail`.
    pub async fn send(&self, email: &Email) -> Result<Receipt, ChannelError> {
        let token = self.tokens.token().await?;
        let mut url = self.user_url.clone();
        url.path_segments_mut()
            .expect("checked in new")
            .push("sendMail");
        let response = self
            .http
            .post(url)
            .bearer_auth(token.expose_secret())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(send_mail_body(email, self.save_to_sent).to_string())
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        let status = response.status();
        if status.is_success() {
            let request_id = response
                .headers()
                .get("request-id")
                .and_then(|v| v.to_str().ok())
                .map(|id| format!(", request-id {id}"))
                .unwrap_or_default();
            return Ok(Receipt {
                detail: format!("Graph accepted it (HTTP {status}{request_id})"),
            });
        }
        Err(self.refusal(response, &token).await)
    }

    /// Gets a token and reads the sender's user object (`GET /users/{sender}`). With Mail.Send alone Graph
    /// refuses the read (403): the token works, but the mailbox cannot be seen; that is not a failure.
    pub async fn check(&self) -> Result<MailboxCheck, ChannelError> {
        let token = self.tokens.token().await?;
        let mut url = self.user_url.clone();
        url.query_pairs_mut().append_pair("$select", "id,mail");
        let response = self
            .http
            .get(url)
            .bearer_auth(token.expose_secret())
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        match response.status() {
            status if status.is_success() => Ok(MailboxCheck::Found),
            StatusCode::FORBIDDEN => {
                let said = graph_error(response).await;
                Ok(MailboxCheck::NotReadable(said))
            }
            _ => Err(self.refusal(response, &token).await),
        }
    }

    /// What a refusal means for the message: the sender's configuration (401, 403, 404) and Graph being busy
    /// or down (429, 5xx) are worth retrying while someone puts them right; anything else is the message's fault.
    async fn refusal(&self, response: reqwest::Response, token: &AccessToken) -> ChannelError {
        let status = response.status();
        let retry_after = retry_after(response.headers(), Utc::now());
        let said = format!(
            "Graph refused (HTTP {status}: {})",
            graph_error(response).await
        );
        let reason = match status {
            StatusCode::UNAUTHORIZED => {
                self.tokens.forget(token);
                format!(
                    "{said}: the token was not accepted; a new one is asked for on the next try"
                )
            }
            StatusCode::FORBIDDEN => format!(
                "{said}: the application needs the Mail.Send application permission with admin consent, and \
                 an application access policy or RBAC scope that includes {}",
                self.sender
            ),
            StatusCode::NOT_FOUND => {
                format!("{said}: is there a mailbox {} in the tenant?", self.sender)
            }
            _ => said,
        };
        match status {
            StatusCode::UNAUTHORIZED
            | StatusCode::FORBIDDEN
            | StatusCode::NOT_FOUND
            | StatusCode::REQUEST_TIMEOUT
            | StatusCode::TOO_MANY_REQUESTS => ChannelError::Transient {
                reason,
                retry_after,
            },
            s if s.is_server_error() => ChannelError::Transient {
                reason,
                retry_after,
            },
            _ => ChannelError::permanent(reason),
        }
    }

    fn unreachable(&self, error: reqwest::Error) -> ChannelError {
        let host = self.user_url.host_str().unwrap_or("Graph").to_owned();
        super::http_error(&format!("Graph {host}"), error)
    }
}

/// The `sendMail` request body, as Microsoft documents it ("user: sendMail", JSON).
pub(super) fn send_mail_body(email: &Email, save_to_sent: bool) -> Value {
    let mut message = json!({
        "subject": email.subject,
        // Graph takes one body; the HTML one says everything the text one does.
        "body": { "contentType": "HTML", "content": email.html },
        "toRecipients": [recipient(&email.to)],
        "from": recipient(&email.from),
        "internetMessageId": email.message_id,
        // Graph allows only X- headers here; Exchange honours this one for its automatic replies.
        "internetMessageHeaders": [{ "name": "X-Auto-Response-Suppress", "value": "All" }],
    });
    if let Some(reply_to) = &email.reply_to {
        message["replyTo"] = json!([recipient(reply_to)]);
    }
    if !email.attachments.is_empty() {
        message["attachments"] = email
            .attachments
            .iter()
            .map(|a| {
                json!({
                    "@odata.type": "#microsoft.graph.fileAttachment",
                    "name": a.filename,
                    "contentType": a.content_type,
                    "contentBytes": STANDARD.encode(&a.bytes),
                })
            })
            .collect();
    }
    json!({ "message": message, "saveToSentItems": save_to_sent })
}

fn recipient(mailbox: &Mailbox) -> Value {
    let mut address = json!({ "address": mailbox.email.to_string() });
    if let Some(name) = &mailbox.name {
        address["name"] = name.clone().into();
    }
    json!({ "emailAddress": address })
}

/// Graph's error code and message, or the start of whatever came instead.
async fn graph_error(response: reqwest::Response) -> String {
    let body = response.text().await.unwrap_or_default();
    match serde_json::from_str::<ErrorReply>(&body) {
        Ok(ErrorReply { error }) => format!("{} {}", error.code, error.message)
            .trim()
            .to_owned(),
        Err(_) => body.chars().take(200).collect::<String>().trim().to_owned(),
    }
}
