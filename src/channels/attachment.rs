//! What travels beside a message's body: `items.csv`, every item of a digest or immediate message, so that the
//! items a bounded message only counts ("and 12 more") are one click away, in a spreadsheet.

use crate::calendar::LONDON;
use crate::channels::{Item, Message, MessageKind};
use crate::spreadsheet::defuse;

/// A file attached to a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    /// A MIME type, e.g. `text/csv; charset=utf-8`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The columns of `items.csv`, documented in `docs/delivery.md`.
const COLUMNS: [&str; 9] = [
    "severity",
    "title",
    "stage",
    "child",
    "case_id",
    "record_id",
    "due_uk_time",
    "role",
    "link",
];

impl Message {
    /// `items.csv` for a digest or immediate message with items (every item, most urgent first, whether the body
    /// lists it or only counts it); nothing for a summary.
    pub fn attachments(&self) -> Vec<Attachment> {
        if self.kind == MessageKind::Summary || self.items.is_empty() {
            return Vec::new();
        }
        vec![Attachment {
            filename: "items.csv".into(),
            content_type: "text/csv; charset=utf-8".into(),
            bytes: items_csv(&self.items),
        }]
    }
}

/// One row per item; the child as `notify.child_identifier` named it, the due time on the UK wall clock.
fn items_csv(items: &[Item]) -> Vec<u8> {
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(COLUMNS)
        .expect("writing to memory cannot fail");
    for item in items {
        let stage = if item.stage_label.is_empty() {
            &item.stage
        } else {
            &item.stage_label
        };
        let due = item
            .due_at
            .with_timezone(&LONDON)
            .format("%Y-%m-%d %H:%M")
            .to_string();
        let role = item.role.replace('_', " ");
        let cells = [
            item.severity.as_str(),
            &item.title,
            stage,
            &item.child,
            &item.case_id,
            &item.subject_id,
            &due,
            &role,
            item.link.as_deref().unwrap_or(""),
        ];
        csv.write_record(cells.map(|c| defuse(c).into_owned()))
            .expect("writing to memory cannot fail");
    }
    csv.into_inner().expect("writing to memory cannot fail")
}
