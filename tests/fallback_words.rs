//! The fallback mailbox's messages say whom each notice was meant for and why it came there, by staff id: a
//! practice manager with no email address, a manager id the staff table does not hold, a chain that loops back
//! (a NULL manager link: tests/recipients.rs, as the directory file cannot empty a database value). C42's
//! visit failed on Monday 2 March 2026; the re-attempt was due by the end of Thursday 5th, so on Friday 6th the
//! breach goes at once to the worker W42 and their practice manager (P4 in the county's staff table).

#[path = "support/mod.rs"]
mod support;

#[path = "scenarios/county.rs"]
#[allow(dead_code)]
mod county;

use std::process::Command;

use support::TestDb;
use support::fixtures::{eml_texts, file_outbox_config};

fn casewatch(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .args(args)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// The message to the fallback mailbox after Tuesday's and Friday's passes, with `staff` laid over the county's
/// staff table (`[directory]`).
async fn fallback_message(staff: &str) -> String {
    let db = TestDb::sqlite().await;
    county::load_county(&db.migrated_source().await).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("staff.csv"),
        format!("staff_id,display_name,email,role,team,manager_id,cover_id,absent_from,absent_until,active\n{staff}\n"),
    )
    .unwrap();
    let config = dir.path().join("casewatch.toml");
    let text = file_outbox_config(db.url(), dir.path(), "[directory]\nfile = \"staff.csv\"");
    std::fs::write(&config, text).unwrap();
    let config = config.to_str().unwrap();
    // Tuesday 3rd first, so that Friday's breach is told rather than counted as the go-live backlog.
    for at in ["2026-03-03T09:00:00Z", "2026-03-06T09:00:00Z"] {
        let (ok, out) = casewatch(&["tick", "--config", config, "--at", at]);
        assert!(ok, "{out}");
    }
    let all = eml_texts(&dir.path().join("outbox"));
    let to_ops: Vec<&String> = all
        .iter()
        .filter(|m| m.contains("To: ops@example.org") && m.contains("Re-attempt overdue"))
        .collect();
    assert_eq!(
        to_ops.len(),
        1,
        "one breach to the fallback mailbox: {all:#?}"
    );
    to_ops[0].clone()
}

/// Both parts of the message say it, and neither names the practice manager's role as the reader's.
fn says(message: &str, words: &str) {
    let text = message.split("text/html").next().unwrap();
    let html = message.split("text/html").nth(1).unwrap();
    assert!(
        text.contains("This did not reach the person it was meant for:"),
        "{text}"
    );
    assert!(text.contains(&format!("  - {words}\n")), "{text}");
    assert!(
        html.contains(&format!("<p style=\"margin: 4px 0;\">{words}</p>")),
        "{html}"
    );
    assert!(!text.contains("You are told as"), "{text}");
}

#[tokio::test]
async fn a_practice_manager_with_no_email_address() {
    // (An empty cell keeps the database's value, so W42's manager becomes SM1, whom the county's staff table
    // holds with no email address.)
    let message = fallback_message("W42,Staff W42,w42@example.org,worker,Team 1,SM1,,,,yes").await;
    says(
        &message,
        "Meant for the practice manager of worker W42. It came here because staff SM1, who holds that role, has no \
         email address.",
    );
}

#[tokio::test]
async fn a_manager_who_is_not_in_the_staff_table() {
    let message = fallback_message("W42,Staff W42,w42@example.org,worker,Team 1,GONE,,,,yes").await;
    says(
        &message,
        "Meant for the practice manager of worker W42. It came here because the chain names staff GONE, who is not \
         in the staff table.",
    );
}

#[tokio::test]
async fn a_chain_that_loops_back() {
    let message = fallback_message("W42,Staff W42,w42@example.org,worker,Team 1,W42,,,,yes").await;
    says(
        &message,
        "Meant for the practice manager of worker W42. It came here because the chain of managers (or of covers) \
         comes back round to staff W42: it is a loop.",
    );
}
