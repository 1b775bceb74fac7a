//! The channel-neutral message: what a channel is given to send. `outbox` composes digests and immediate notices
//! and `summary` a manager's daily summary, each rendered once for email and, for a summary, with its parts for
//! the channels that lay it out themselves ([`summary`], and the [`words`] they are shown with); `channels`
//! encode and send what they are given. Nothing here names a module above it.

pub mod summary;
pub mod words;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use summary::{
    Backlog, BacklogCount, Count, Overdue, SilenceRow, Summary, Timeliness, TrendPoint,
};

/// One notice inside a message: what is due, for which child, and why this person is told.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub rule: String,
    /// The rule's title, for people ("C&F assessment due").
    pub title: String,
    pub stage: String,
    /// `reminder`, `warning`, `breach` or `escalation`.
    pub severity: String,
    pub case_id: String,
    pub subject_id: String,
    /// How the child is named, per `notify.child_identifier`: the case reference unless configured otherwise.
    pub child: String,
    pub due_at: DateTime<Utc>,
    pub from: DateTime<Utc>,
    /// Why this person is told: `worker`, `supervisor`, `team_manager`, `senior_manager` (or several, joined).
    pub role: String,
    /// The stage's name for people ("Re-attempt overdue"). Empty in notices stored by older releases.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stage_label: String,
    /// The facts behind the notice, from the rule's labelled anchors ("Visit failed: Mon 9 Nov 2026, 10:00").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<String>,
    /// Who was told of this obligation before, and when (breaches and escalations; filled in when composed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<String>,
    /// What to do, in plain words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The case in the case-management system (`notify.case_url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// In the fallback mailbox: whom each role was meant for and why it came there instead, by staff id
    /// ("Meant for the practice manager of worker S0006: …"). Empty when the notice reached its person.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub meant_for: Vec<String>,
}

impl Item {
    /// "worker, practice manager": the roles as the authority names them (`notify.role_labels`), not as rule
    /// files write them.
    pub fn role_words(&self) -> String {
        self.role
            .split(", ")
            .map(|r| {
                crate::rules::Role::parse(r)
                    .map_or_else(|_| r.replace('_', " "), |role| role.label().into_owned())
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Reminders and warnings gathered for one person for one send window.
    Digest,
    /// Breaches and escalations sent at once: one, or all those due to one recipient in one pass.
    Immediate,
    /// A manager's daily summary.
    Summary,
}

/// A message ready to send: rendered once by the outbox, delivered (and perhaps retried) by a channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Stable for the life of the message: the webhook `Idempotency-Key`, and the basis of the email Message-ID.
    pub key: String,
    /// The RFC 5322 Message-ID including angle brackets, e.g. `<3f2a…@casewatch>`: the same on every retry, so a
    /// mail system can drop a duplicate.
    pub message_id: String,
    pub kind: MessageKind,
    /// An email address, or the name of the webhook route's target (for logs: never a child's name).
    pub to: String,
    /// The recipient's display name, when known (email `To:` header).
    pub to_name: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Every item, most urgent first. Empty in a summary.
    pub items: Vec<Item>,
    /// How many of `items` (the first, most urgent) the body lists, at most `delivery.max_items_per_message`;
    /// the rest are counted ("and 12 more") and are in [`Message::attachments`].
    pub listed: usize,
    /// A manager's daily summary, for the channels that lay it out themselves (Teams, Slack, generic JSON).
    pub summary: Option<Box<Summary>>,
}
