//! SMTP login with the password from an environment variable. Its own test binary with a single test, because
//! setting an environment variable is only sound while no other thread reads the environment.

mod support;

use casewatch::channels::email::{EmailChannel, EmailSettings, TlsMode};
use casewatch::channels::{Message, MessageKind};
use casewatch::config::secret::SecretSource;
use support::smtp::{SmtpServer, TestCa};

#[test]
fn the_smtp_password_can_come_from_the_environment() {
    // SAFETY: the only test in this binary, and no runtime or other thread exists yet.
    unsafe { std::env::set_var("CASEWATCH_TEST_SMTP_PASSWORD", "correct horse battery") };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let ca = TestCa::new();
        let server = SmtpServer::builder()
            .implicit_tls(ca.server_identity("localhost"))
            .require_auth("casewatch", "correct horse battery")
            .start()
            .await;
        let settings = EmailSettings {
            port: Some(server.port()),
            tls: TlsMode::Implicit,
            ca_file: Some(ca.write_pem(dir.path())),
            username: Some("casewatch".into()),
            password: Some(SecretSource::Env("CASEWATCH_TEST_SMTP_PASSWORD".into())),
            ..EmailSettings::smtp("localhost", "casewatch@council.example")
        };
        let email = EmailChannel::new(&settings).unwrap();

        email.send(&notice()).await.unwrap();

        assert_eq!(server.wait_for(1).await.len(), 1);
    });
}

fn notice() -> Message {
    Message {
        key: "env-1".into(),
        message_id: "<env-1@casewatch>".into(),
        kind: MessageKind::Digest,
        to: "worker@council.example".into(),
        to_name: None,
        subject: "Reminders".into(),
        text: "Nothing due.".into(),
        html: "<p>Nothing due.</p>".into(),
        items: Vec::new(),
        listed: 0,
        summary: None,
    }
}
