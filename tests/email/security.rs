//! STARTTLS and implicit TLS with certificate verification on, against a private CA; SMTP login with the
//! password from a secret file.

use casewatch::channels::ChannelError;
use casewatch::channels::email::{EmailSettings, TlsMode};
use casewatch::config::secret::SecretSource;

use super::support::smtp::{SmtpServer, TestCa};
use super::{FROM, channel, notice};

/// `localhost`: the name in the test server's certificate.
fn tls_to(server: &SmtpServer, tls: TlsMode, ca: Option<&std::path::Path>) -> EmailSettings {
    EmailSettings {
        port: Some(server.port()),
        tls,
        ca_file: ca.map(Into::into),
        ..EmailSettings::smtp("localhost", FROM)
    }
}

/// A STARTTLS relay that wants `casewatch` / "correct horse battery", and settings that trust its CA and log in
/// with `password` read from a file.
struct LoginRelay {
    _dir: tempfile::TempDir,
    server: SmtpServer,
    settings: EmailSettings,
}

async fn login_relay(password: &str) -> LoginRelay {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let server = SmtpServer::builder()
        .starttls(ca.server_identity("localhost"))
        .require_auth("casewatch", "correct horse battery")
        .start()
        .await;
    let password_file = dir.path().join("smtp-password");
    std::fs::write(&password_file, format!("{password}\n")).unwrap();
    let settings = EmailSettings {
        username: Some("casewatch".into()),
        password: Some(SecretSource::File(password_file)),
        ..tls_to(&server, TlsMode::Starttls, Some(&ca.write_pem(dir.path())))
    };
    LoginRelay {
        _dir: dir,
        server,
        settings,
    }
}

#[tokio::test]
async fn starttls_with_the_private_ca_trusted_delivers_encrypted_after_login() {
    let relay = login_relay("correct horse battery").await;

    channel(&relay.settings).send(&notice(1)).await.unwrap();

    let mail = relay.server.wait_for(1).await;
    assert!(mail[0].tls, "the message came over the encrypted session");
}

#[tokio::test]
async fn a_wrong_password_is_permanent() {
    let relay = login_relay("Tr0ub4dor&3").await;

    let err = channel(&relay.settings).send(&notice(2)).await.unwrap_err();

    let ChannelError::Permanent { reason } = &err else {
        panic!("expected permanent, got {err}");
    };
    assert!(reason.contains("535"), "{reason}");
    assert!(!reason.contains("Tr0ub4dor"), "{reason}");
    assert!(relay.server.received().is_empty());
}

#[tokio::test]
async fn check_logs_in_without_sending_and_the_connection_is_reused() {
    let relay = login_relay("correct horse battery").await;
    let email = channel(&relay.settings);

    email.check().await.unwrap();
    email.send(&notice(8)).await.unwrap();

    assert_eq!(relay.server.transactions(), 1);
    assert_eq!(relay.server.connections(), 1);
    let wrong = login_relay("Tr0ub4dor&3").await;
    assert!(
        !channel(&wrong.settings)
            .check()
            .await
            .unwrap_err()
            .is_transient()
    );
}

#[tokio::test]
async fn starttls_refuses_a_relay_whose_certificate_is_not_trusted() {
    let server = SmtpServer::builder()
        .starttls(TestCa::new().server_identity("localhost"))
        .start()
        .await;
    // Only the public roots: the private CA is not configured.
    let settings = tls_to(&server, TlsMode::Starttls, None);

    let err = channel(&settings).send(&notice(3)).await.unwrap_err();

    assert!(err.is_transient(), "{err}");
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn starttls_refuses_a_certificate_for_another_host() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let server = SmtpServer::builder()
        .starttls(ca.server_identity("smtp.elsewhere.example"))
        .start()
        .await;
    let settings = tls_to(&server, TlsMode::Starttls, Some(&ca.write_pem(dir.path())));

    let err = channel(&settings).send(&notice(4)).await.unwrap_err();

    assert!(err.to_string().contains("not valid for name"), "{err}");
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn starttls_required_but_not_offered_sends_nothing_in_clear() {
    let server = SmtpServer::start().await;
    let settings = tls_to(&server, TlsMode::Starttls, None);

    let err = channel(&settings).send(&notice(5)).await.unwrap_err();

    assert!(err.to_string().contains("STARTTLS"), "{err}");
    assert_eq!(server.transactions(), 0);
}

#[tokio::test]
async fn implicit_tls_delivers_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let server = SmtpServer::builder()
        .implicit_tls(ca.server_identity("localhost"))
        .start()
        .await;
    let settings = tls_to(&server, TlsMode::Implicit, Some(&ca.write_pem(dir.path())));

    channel(&settings).send(&notice(6)).await.unwrap();

    assert!(server.wait_for(1).await[0].tls);
}

#[tokio::test]
async fn implicit_tls_refuses_a_relay_whose_certificate_is_not_trusted() {
    let server = SmtpServer::builder()
        .implicit_tls(TestCa::new().server_identity("localhost"))
        .start()
        .await;
    let settings = tls_to(&server, TlsMode::Implicit, None);

    let err = channel(&settings).send(&notice(7)).await.unwrap_err();

    assert!(err.is_transient(), "{err}");
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");
    assert_eq!(server.transactions(), 0);
}
