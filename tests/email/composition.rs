//! What arrives at the relay: envelope, headers, and both bodies.

use mail_parser::{HeaderValue, MimeHeaders};

use casewatch::channels::email::Attachment;

use super::support::smtp::SmtpServer;
use super::{FROM, WORKER, channel, notice, plain};

#[tokio::test]
async fn email_carries_recipient_sender_subject_and_the_given_message_id() {
    let server = SmtpServer::start().await;
    let mut settings = plain(server.port());
    settings.reply_to = Some("Children's Services <cs-systems@council.example>".into());
    let email = channel(&settings);

    let receipt = email.send(&notice(1)).await.unwrap();

    assert!(receipt.detail.starts_with("250"), "{}", receipt.detail);
    let mail = server.wait_for(1).await;
    assert_eq!(mail[0].from, "casewatch@council.example");
    assert_eq!(mail[0].to, [WORKER]);
    let parsed = mail[0].parsed();
    let to = parsed.to().and_then(|to| to.first()).unwrap();
    assert_eq!(to.name(), Some("Sam Okafor"));
    assert_eq!(to.address(), Some(WORKER));
    let from = parsed.from().and_then(|f| f.first()).unwrap();
    assert_eq!(from.name(), Some("casewatch"));
    assert_eq!(from.address(), Some("casewatch@council.example"));
    let reply_to = parsed.reply_to().and_then(|r| r.first()).unwrap();
    assert_eq!(reply_to.address(), Some("cs-systems@council.example"));
    assert_eq!(
        parsed.subject(),
        Some("Breach: C&F assessment overdue for CF-1042")
    );
    assert_eq!(parsed.message_id(), Some("notice-1.7f3a@casewatch"));
    assert!(parsed.date().is_some(), "a Date header");
    assert_eq!(header(&parsed, "Auto-Submitted"), "auto-generated");
    assert_eq!(header(&parsed, "X-Auto-Response-Suppress"), "All");
}

#[tokio::test]
async fn text_and_html_travel_as_multipart_alternative() {
    let server = SmtpServer::start().await;
    let email = channel(&plain(server.port()));
    let mut msg = notice(2);
    // Non-ASCII survives the trip (lettre encodes it; the relay need not speak 8BITMIME).
    msg.text = "Zoë’s visit — due 2026-03-12, £0 fee.\n".into();
    msg.html = "<p>Zoë’s visit — due <b>2026-03-12</b>.</p>".into();

    email.send(&msg).await.unwrap();

    let mail = server.wait_for(1).await;
    assert!(mail[0].data.is_ascii(), "7-bit on the wire");
    let parsed = mail[0].parsed();
    let content_type = parsed.content_type().unwrap();
    assert_eq!(content_type.ctype(), "multipart");
    assert_eq!(content_type.subtype(), Some("alternative"));
    assert_eq!(parsed.text_body.len(), 1);
    assert_eq!(parsed.html_body.len(), 1);
    assert_eq!(parsed.body_text(0).unwrap().replace("\r\n", "\n"), msg.text);
    assert_eq!(parsed.body_html(0).unwrap().trim_end(), msg.html);
}

#[tokio::test]
async fn an_attachment_goes_beside_both_bodies_as_multipart_mixed() {
    let server = SmtpServer::start().await;
    let email = channel(&plain(server.port()));
    let msg = notice(5);
    let mut composed = email.compose(&msg).unwrap();
    let csv = b"case,due\r\nCF-1042,2026-03-12\r\n".to_vec();
    // In place of the message's own items.csv, a file whose bytes the test knows.
    composed.attachments = vec![Attachment {
        filename: "items.csv".into(),
        content_type: "text/csv; charset=utf-8".into(),
        bytes: csv.clone(),
    }];

    email.deliver(&composed).await.unwrap();

    let mail = server.wait_for(1).await;
    let parsed = mail[0].parsed();
    let content_type = parsed.content_type().unwrap();
    assert_eq!(content_type.ctype(), "multipart");
    assert_eq!(content_type.subtype(), Some("mixed"));
    assert_eq!(parsed.body_text(0).unwrap().replace("\r\n", "\n"), msg.text);
    assert_eq!(parsed.body_html(0).unwrap().trim_end(), msg.html);
    assert_eq!(parsed.attachments.len(), 1);
    let attachment = parsed.attachment(0).unwrap();
    assert_eq!(attachment.attachment_name(), Some("items.csv"));
    let attachment_type = attachment.content_type().unwrap();
    assert_eq!(attachment_type.ctype(), "text");
    assert_eq!(attachment_type.subtype(), Some("csv"));
    assert_eq!(attachment.contents(), csv);
}

#[tokio::test]
async fn a_retry_after_a_temporary_rejection_sends_the_same_message_id() {
    let server = SmtpServer::builder().answer_first(1, 451).start().await;
    let email = channel(&plain(server.port()));

    let first = email.send(&notice(3)).await;
    let second = email.send(&notice(3)).await;

    assert!(first.unwrap_err().is_transient());
    second.unwrap();
    let mail = server.wait_for(1).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(
        mail[0].parsed().message_id(),
        Some("notice-3.7f3a@casewatch")
    );
}

#[tokio::test]
async fn a_line_break_in_the_subject_or_name_cannot_add_headers() {
    let server = SmtpServer::start().await;
    let email = channel(&plain(server.port()));
    let mut msg = notice(4);
    msg.subject = "Visit due\r\nBcc: intruder@example.org".into();
    msg.to_name = Some("Sam\r\nCc: intruder@example.org".into());

    email.send(&msg).await.unwrap();

    let mail = server.wait_for(1).await;
    assert_eq!(mail[0].to, [WORKER], "the envelope gained no recipient");
    let parsed = mail[0].parsed();
    assert!(parsed.bcc().is_none() && parsed.cc().is_none());
    assert_eq!(
        parsed
            .from()
            .and_then(|f| f.first())
            .and_then(|f| f.address()),
        Some("casewatch@council.example")
    );
    assert_eq!(FROM, "casewatch <casewatch@council.example>");
}

fn header(parsed: &mail_parser::Message<'_>, name: &str) -> String {
    match parsed.header(name) {
        Some(HeaderValue::Text(text)) => text.to_string(),
        other => panic!("header {name}: {other:?}"),
    }
}
