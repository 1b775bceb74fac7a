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
    // RFC 4180 lines (CRLF): what spreadsheets expect, and what a mail encoder keeps as line breaks.
    let mut csv = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
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

#[cfg(test)]
mod tests {
    use super::*;

    /// An item as a notice stores it, with no facts, history, action or link.
    fn item(title: &str, child: &str) -> Item {
        serde_json::from_value(serde_json::json!({
            "rule": "r", "title": title, "stage": "overdue", "severity": "breach", "case_id": "C1",
            "subject_id": "A1", "child": child, "role": "team_manager",
            // 23:59:59 on Wednesday 1 July 2026, BST.
            "due_at": "2026-07-01T22:59:59Z", "from": "2026-07-01T22:59:59Z",
        }))
        .unwrap()
    }

    fn message(kind: MessageKind, items: Vec<Item>) -> Message {
        Message {
            key: "k".into(),
            message_id: "<k@casewatch>".into(),
            kind,
            to: "a@example.org".into(),
            to_name: None,
            subject: String::new(),
            text: String::new(),
            html: String::new(),
            listed: items.len().min(1),
            items,
            summary: None,
        }
    }

    #[test]
    fn items_csv_quotes_cells_defuses_formulas_and_gives_uk_time() {
        let items = vec![
            item("=HYPERLINK(\"http://x\")", "LL-1"),
            item("C&F, please set priority", "@child"),
        ];
        let files = message(MessageKind::Digest, items).attachments();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].filename, "items.csv");
        assert_eq!(files[0].content_type, "text/csv; charset=utf-8");
        assert_eq!(
            String::from_utf8(files[0].bytes.clone()).unwrap(),
            "severity,title,stage,child,case_id,record_id,due_uk_time,role,link\r\n\
             breach,\"'=HYPERLINK(\"\"http://x\"\")\",overdue,LL-1,C1,A1,2026-07-01 23:59,team manager,\r\n\
             breach,\"C&F, please set priority\",overdue,'@child,C1,A1,2026-07-01 23:59,team manager,\r\n"
        );
    }

    #[test]
    fn a_summary_or_a_message_without_items_has_no_attachment() {
        assert!(
            message(MessageKind::Summary, Vec::new())
                .attachments()
                .is_empty()
        );
        assert!(
            message(MessageKind::Digest, Vec::new())
                .attachments()
                .is_empty()
        );
    }
}
