//! The SMTP login, against a real relay (STARTTLS with a private CA, AUTH required): checked, nothing sent.

use std::path::Path;

use super::support::TestDb;
use super::support::smtp::{SmtpServer, TestCa};
use super::{Run, check_config, new_state, write_config};

const PASSWORD: &str = "correct horse battery";

/// A relay that wants `casewatch` / [`PASSWORD`] over STARTTLS, and a configuration logging in to it with
/// `password`; both databases are good.
async fn check_against_relay(password: &str) -> (Run, SmtpServer) {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let server = SmtpServer::builder()
        .starttls(ca.server_identity("localhost"))
        .require_auth("casewatch", PASSWORD)
        .start()
        .await;
    let db = TestDb::sqlite().await;
    db.migrated_source().await.close().await;
    let email = relay_email(server.port(), &ca.write_pem(dir.path()));
    let config = write_config(dir.path(), db.url(), &new_state(dir.path()), &email);

    let env = [("CASEWATCH_TEST_SMTP_PASSWORD", password)];
    let run = check_config(&[config.as_os_str()], &env).await;
    (run, server)
}

fn relay_email(port: u16, ca: &Path) -> String {
    format!(
        "[email]\nhost = \"localhost\"\nport = {port}\nca_file = \"{}\"\nusername = \"casewatch\"\n\
         password = {{ env = \"CASEWATCH_TEST_SMTP_PASSWORD\" }}\nfrom = \"casewatch@council.example\"",
        ca.display()
    )
}

#[tokio::test]
async fn a_relay_that_accepts_the_login_passes_and_is_sent_nothing() {
    let (run, server) = check_against_relay(PASSWORD).await;

    assert_eq!(run.code, 0, "{run}");
    let relay = format!("localhost:{}", server.port());
    assert!(
        run.has(
            "ok   SMTP relay: ",
            &[&relay, "accepted the login as casewatch"]
        ),
        "{run}"
    );
    assert_eq!(server.connections(), 1);
    assert_eq!(server.transactions(), 0, "no mail transaction was begun");
}

#[tokio::test]
async fn a_relay_that_refuses_the_login_fails_with_its_reply_and_exit_1() {
    let (run, server) = check_against_relay("Tr0ub4dor&3").await;

    assert_eq!(run.code, 1, "{run}");
    let failures = run.failures();
    assert_eq!(failures.len(), 1, "{run}");
    assert!(failures[0].starts_with("FAIL SMTP relay: "), "{run}");
    assert!(failures[0].contains("535"), "{run}");
    assert!(!run.stdout.contains("Tr0ub4dor"), "{run}");
    assert_eq!(server.transactions(), 0);
}
