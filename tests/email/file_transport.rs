//! `transport = "file"`: each message becomes an `.eml` file that mail tools (and the demo) can read.

use casewatch::channels::email::EmailSettings;
use mail_parser::MessageParser;

use super::{FROM, WORKER, channel, notice};

#[tokio::test]
async fn each_message_is_written_as_an_eml_file_that_parses() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("mail");
    let email = channel(&EmailSettings::file(&outbox, FROM));

    let receipts = [
        email.send(&notice(1)).await.unwrap(),
        email.send(&notice(2)).await.unwrap(),
    ];

    let mut files: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2);
    assert!(files.iter().all(|f| f.extension().unwrap() == "eml"));
    for receipt in &receipts {
        assert!(
            receipt.detail.contains(outbox.to_str().unwrap()),
            "{}",
            receipt.detail
        );
    }
    let mut ids = Vec::new();
    for file in &files {
        let raw = std::fs::read(file).unwrap();
        let parsed = MessageParser::default().parse(&raw).unwrap();
        let to = parsed.to().and_then(|to| to.first()).unwrap();
        assert_eq!(to.address(), Some(WORKER));
        assert_eq!(parsed.text_body.len(), 1);
        assert_eq!(parsed.html_body.len(), 1);
        ids.push(parsed.message_id().unwrap().to_owned());
    }
    ids.sort();
    assert_eq!(ids, ["notice-1.7f3a@casewatch", "notice-2.7f3a@casewatch"]);
}
