//! The generic payload: casewatch's own JSON, signed so the receiver can tell it came from casewatch and is
//! fresh. The format and the verification steps are documented in `docs/webhooks.md`; change both together.

use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::channels::{Item, Message, MessageKind};

/// The payload's `version`: raised only for a change a receiver must know about (a field removed or changing
/// meaning); new fields may appear without it.
pub const PAYLOAD_VERSION: u32 = 1;

#[derive(Serialize)]
struct Payload<'a> {
    version: u32,
    id: &'a str,
    kind: MessageKind,
    to: &'a str,
    subject: &'a str,
    sent_at: String,
    /// The items the message lists, most urgent first: at most `delivery.max_items_per_message`.
    items: &'a [Item],
    /// How many more the message holds than `items` lists (0 when none were left out).
    more: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a crate::message::Summary>,
}

/// The JSON body for `msg`, as sent at `now`. Carries no names but what each item's `child` holds; the
/// recipient's display name is left out.
pub(super) fn body(msg: &Message, now: DateTime<Utc>) -> Vec<u8> {
    let listed = msg.listed.min(msg.items.len());
    let payload = Payload {
        version: PAYLOAD_VERSION,
        id: &msg.key,
        kind: msg.kind,
        to: &msg.to,
        subject: &msg.subject,
        sent_at: now.to_rfc3339_opts(SecondsFormat::Secs, true),
        items: &msg.items[..listed],
        more: msg.items.len() - listed,
        summary: msg.summary.as_deref(),
    };
    serde_json::to_vec(&payload).expect("strings and timestamps always serialize")
}

/// `sha256=` and the hex HMAC-SHA256 of `"<timestamp>.<body>"` under `key`. The timestamp is inside the signed
/// text so a captured request cannot be replayed later with a fresh timestamp header (the scheme Stripe and
/// GitHub use).
pub(super) fn signature(key: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_the_hmac_of_timestamp_dot_body() {
        // From `printf '1767225600.{"version":1}' | openssl dgst -sha256 -hmac whsec-test`.
        assert_eq!(
            signature(b"whsec-test", 1_767_225_600, br#"{"version":1}"#),
            "sha256=33affb166147763f616deec80657f0fb6c650a28e2c9c22e9c955cde5d2686ad"
        );
    }

    /// The example in docs/webhooks.md, rebuilt from a message: the shape and the signature a receiver is told
    /// to expect are what casewatch sends.
    #[test]
    fn documented_example_is_what_casewatch_sends() {
        let doc = include_str!("../../../docs/webhooks.md");
        let json_start = doc
            .find("```json\n{\n  \"version\"")
            .expect("the example body")
            + 8;
        let json_end = json_start + doc[json_start..].find("```").expect("end of the example");
        let documented: serde_json::Value =
            serde_json::from_str(&doc[json_start..json_end]).expect("the example is JSON");
        let at = |s: &str| s.parse::<DateTime<Utc>>().expect("instant");
        let msg = Message {
            key: "k-2026-03-04-w17".into(),
            message_id: "<k-2026-03-04-w17@casewatch>".into(),
            kind: MessageKind::Immediate,
            to: "j.okafor@council.example".into(),
            to_name: Some("Joy Okafor".into()),
            subject: "Breach: C&F assessment due (CH-0042)".into(),
            text: String::new(),
            html: String::new(),
            items: vec![Item {
                rule: "cf-assessment-due".into(),
                title: "C&F assessment due".into(),
                stage: "overdue".into(),
                severity: "breach".into(),
                case_id: "C-1001".into(),
                subject_id: "A-5531".into(),
                child: "CH-0042".into(),
                due_at: at("2026-03-03T23:59:59Z"),
                from: at("2026-03-03T23:59:59Z"),
                role: "team_manager".into(),
                stage_label: String::new(),
                facts: Vec::new(),
                history: Vec::new(),
                action: None,
                link: None,
                meant_for: Vec::new(),
            }],
            listed: 1,
            summary: None,
        };
        let now = at("2026-03-04T08:00:00Z");

        let sent = body(&msg, now);

        let parsed: serde_json::Value = serde_json::from_slice(&sent).expect("JSON");
        assert_eq!(parsed, documented);
        assert!(doc.contains(&format!("X-Casewatch-Timestamp: {}", now.timestamp())));
        let header = format!(
            "X-Casewatch-Signature: {}",
            signature(b"whsec-example", now.timestamp(), &sent)
        );
        assert!(
            doc.contains(&header),
            "docs/webhooks.md should show {header}"
        );
    }
}
