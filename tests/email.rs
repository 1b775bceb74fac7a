//! The email channel against a real SMTP server started by each test (`support/smtp.rs`): what the email says,
//! how failures are classified, TLS and login (a password or an OAuth token), connection reuse, Microsoft Graph,
//! and the `.eml` file transport.

mod support;

#[path = "email/composition.rs"]
mod composition;
#[path = "email/delivery.rs"]
mod delivery;
#[path = "email/file_transport.rs"]
mod file_transport;
#[path = "email/graph.rs"]
mod graph;
#[path = "email/oauth_settings.rs"]
mod oauth_settings;
#[path = "email/security.rs"]
mod security;
#[path = "email/settings.rs"]
mod settings;
#[path = "email/xoauth2.rs"]
mod xoauth2;

use casewatch::channels::email::{EmailChannel, EmailSettings, TlsMode};
use casewatch::channels::{Message, MessageKind};

const FROM: &str = "casewatch <casewatch@council.example>";
const WORKER: &str = "worker@council.example";

/// A breach notice for one worker; `n` makes the key and Message-ID unique.
fn notice(n: usize) -> Message {
    Message {
        key: format!("notice-{n}"),
        message_id: format!("<notice-{n}.7f3a@casewatch>"),
        kind: MessageKind::Immediate,
        to: WORKER.into(),
        to_name: Some("Sam Okafor".into()),
        subject: "Breach: C&F assessment overdue for CF-1042".into(),
        text: "CF-1042: the C&F assessment was due on 2026-03-12.\n".into(),
        html: "<p><strong>CF-1042</strong>: the C&amp;F assessment was due on 2026-03-12.</p>"
            .into(),
        items: Vec::new(),
        listed: 0,
        summary: None,
    }
}

/// Plain SMTP to 127.0.0.1:`port` (allowed without TLS: loopback).
fn plain(port: u16) -> EmailSettings {
    EmailSettings {
        port: Some(port),
        tls: TlsMode::None,
        ..EmailSettings::smtp("127.0.0.1", FROM)
    }
}

fn channel(settings: &EmailSettings) -> EmailChannel {
    EmailChannel::new(settings).unwrap_or_else(|e| panic!("{e}"))
}
