//! Turns a rendered [`Message`] into an [`Email`]: the sender, the recipient, the subject, plain text and HTML,
//! the message's own stable Message-ID, and any attachments. SMTP and the file transport encode it as RFC 5322
//! (multipart/alternative, in multipart/mixed with the attachments), with the headers that keep auto-responders
//! quiet; Graph sends the same parts as JSON.

use lettre::Address;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};

pub use crate::channels::Attachment;
use crate::channels::{ChannelError, Message};

/// The sender side of every email, fixed by the settings.
#[derive(Clone, Debug)]
pub(super) struct Sender {
    pub from: Mailbox,
    pub reply_to: Option<Mailbox>,
}

/// One email, as every transport sends it.
#[derive(Clone, Debug)]
pub struct Email {
    pub from: Mailbox,
    pub reply_to: Option<Mailbox>,
    pub to: Mailbox,
    /// On one line.
    pub subject: String,
    /// `<left@right>`, stable across retries.
    pub message_id: String,
    pub text: String,
    pub html: String,
    pub attachments: Vec<Attachment>,
}

impl Sender {
    /// Errors are permanent: the same message would fail the same way on every retry. They name the recipient
    /// address and the message id, never the subject or bodies (which may name a child).
    pub fn compose(&self, msg: &Message) -> Result<Email, ChannelError> {
        let address: Address = msg.to.parse().map_err(|e| {
            ChannelError::permanent(format!(
                "recipient `{}` is not an email address: {e}",
                msg.to
            ))
        })?;
        check_message_id(&msg.message_id)?;
        // lettre panics on a display name with a control character in it (0.11.23), and a line break in any header
        // text is never intended: both become spaces.
        let to_name = msg.to_name.as_deref().map(one_line);
        Ok(Email {
            from: self.from.clone(),
            reply_to: self.reply_to.clone(),
            to: Mailbox::new(to_name, address),
            subject: one_line(&msg.subject),
            message_id: msg.message_id.clone(),
            text: msg.text.clone(),
            html: msg.html.clone(),
            // `items.csv` (every item, listed or counted) for digests and immediate messages.
            attachments: msg.attachments(),
        })
    }
}

impl Email {
    /// The RFC 5322 message, dated now.
    pub(super) fn to_mime(&self) -> Result<lettre::Message, ChannelError> {
        let mut builder = lettre::Message::builder()
            .from(self.from.clone())
            .to(self.to.clone())
            .subject(self.subject.clone())
            .message_id(Some(self.message_id.clone()))
            .date_now()
            // RFC 3834: a message from a program, so out-of-office and other auto-replies stay silent.
            .raw_header(header("Auto-Submitted", "auto-generated"))
            // Exchange and Microsoft 365 ignore Auto-Submitted for their own automatic replies; this is theirs.
            .raw_header(header("X-Auto-Response-Suppress", "All"));
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(reply_to.clone());
        }
        let bodies = MultiPart::alternative_plain_html(self.text.clone(), self.html.clone());
        let built = if self.attachments.is_empty() {
            builder.multipart(bodies)
        } else {
            let mut mixed = MultiPart::mixed().multipart(bodies);
            for attachment in &self.attachments {
                mixed = mixed.singlepart(to_part(attachment)?);
            }
            builder.multipart(mixed)
        };
        built.map_err(|e| {
            ChannelError::permanent(format!("message {} cannot be built: {e}", self.message_id))
        })
    }
}

/// One attachment as a MIME part.
fn to_part(attachment: &Attachment) -> Result<SinglePart, ChannelError> {
    let content_type = ContentType::parse(&attachment.content_type).map_err(|e| {
        ChannelError::permanent(format!(
            "attachment {} has no usable content type `{}`: {e}",
            attachment.filename, attachment.content_type
        ))
    })?;
    Ok(
        lettre::message::Attachment::new(attachment.filename.clone())
            .body(attachment.bytes.clone(), content_type),
    )
}

fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn header(name: &'static str, value: &str) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value.to_owned())
}

/// RFC 5322 `msg-id`: `<left@right>` in printable ASCII, nothing that could end the header line.
fn check_message_id(id: &str) -> Result<(), ChannelError> {
    let well_formed = id
        .strip_prefix('<')
        .and_then(|rest| rest.strip_suffix('>'))
        .and_then(|inner| inner.split_once('@'))
        .is_some_and(|(left, right)| {
            let atom = |s: &str| {
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_graphic() && !b"<>@\"\\()[],;:".contains(&b))
            };
            atom(left) && atom(right)
        });
    if well_formed {
        Ok(())
    } else {
        Err(ChannelError::permanent(format!(
            "message id {id:?} is not of the form <left@right>"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::check_message_id;

    #[test]
    fn message_ids_must_be_angle_bracketed_left_at_right() {
        for good in ["<3f2a9c@casewatch>", "<a.b-c_d@casewatch.council.example>"] {
            assert!(check_message_id(good).is_ok(), "{good}");
        }
        for bad in [
            "3f2a@casewatch",
            "<3f2a>",
            "<@casewatch>",
            "<3f2a@>",
            "<3f2a@casewatch>\r\nBcc: someone@example.org",
            "<3f 2a@casewatch>",
            "<a@b@c>",
            "<é@casewatch>",
        ] {
            assert!(check_message_id(bad).is_err(), "{bad:?}");
        }
    }
}
