//! Turns a rendered [`Message`] into an RFC 5322 email: plain text and HTML as multipart/alternative (inside
//! multipart/mixed with its attachments, such as `items.csv`), the message's own stable Message-ID, and the
//! headers that keep auto-responders quiet.

use lettre::Address;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart};

use crate::channels::{ChannelError, Message};

/// The sender side of every email, fixed by the settings.
#[derive(Clone, Debug)]
pub(super) struct Sender {
    pub from: Mailbox,
    pub reply_to: Option<Mailbox>,
}

impl Sender {
    /// Errors are permanent: the same message would fail the same way on every retry. They name the recipient
    /// address and the message id, never the subject or bodies (which may name a child).
    pub fn compose(&self, msg: &Message) -> Result<lettre::Message, ChannelError> {
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
        let mut builder = lettre::Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(to_name, address))
            .subject(one_line(&msg.subject))
            .message_id(Some(msg.message_id.clone()))
            .date_now()
            // RFC 3834: a message from a program, so out-of-office and other auto-replies stay silent.
            .raw_header(header("Auto-Submitted", "auto-generated"))
            // Exchange and Microsoft 365 ignore Auto-Submitted for their own automatic replies; this is theirs.
            .raw_header(header("X-Auto-Response-Suppress", "All"));
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(reply_to.clone());
        }
        let body = MultiPart::alternative_plain_html(msg.text.clone(), msg.html.clone());
        let attachments = msg.attachments();
        let body = if attachments.is_empty() {
            body
        } else {
            // The bodies as the reader sees them, then each file: items.csv holds every item, listed or counted.
            let mut mixed = MultiPart::mixed().multipart(body);
            for a in attachments {
                let content_type = ContentType::parse(&a.content_type).map_err(|e| {
                    ChannelError::permanent(format!(
                        "message {}: attachment type {:?}: {e}",
                        msg.message_id, a.content_type
                    ))
                })?;
                mixed = mixed.singlepart(Attachment::new(a.filename).body(a.bytes, content_type));
            }
            mixed
        };
        builder.multipart(body).map_err(|e| {
            ChannelError::permanent(format!("message {} cannot be built: {e}", msg.message_id))
        })
    }
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
