//! The `[email]` table: defaults, and mistakes reported with the key that is wrong.

use casewatch::channels::email::{EmailChannel, EmailSettings, TlsMode, Transport};
use casewatch::config::secret::SecretSource;

fn parse(toml_text: &str) -> Result<EmailSettings, String> {
    toml::from_str::<EmailSettings>(toml_text).map_err(|e| e.to_string())
}

fn invalid(toml_text: &str) -> String {
    let settings = parse(toml_text).unwrap();
    settings.validate().unwrap_err().to_string()
}

#[test]
fn a_relay_host_and_sender_are_enough() {
    let s = parse(
        r#"
        host = "smtp.council.example"
        from = "casewatch <casewatch@council.example>"
        "#,
    )
    .unwrap();

    s.validate().unwrap();
    assert_eq!(s.transport, Transport::Smtp);
    assert_eq!(s.tls, TlsMode::Starttls);
    assert_eq!(s.effective_port(), 587);
    assert_eq!(s.timeout_seconds, 30);
    assert_eq!(s.pool_max_size, 4);
}

#[test]
fn the_port_follows_the_tls_mode_unless_given() {
    let port = |extra: &str| {
        parse(&format!(
            "host = \"127.0.0.1\"\nfrom = \"cw@council.example\"\n{extra}"
        ))
        .unwrap()
        .effective_port()
    };
    assert_eq!(port("tls = \"implicit\""), 465);
    assert_eq!(port("tls = \"none\""), 25);
    assert_eq!(port("tls = \"none\"\nport = 2525"), 2525);
}

#[test]
fn a_password_comes_from_a_secret_source() {
    let s = parse(
        r#"
        host = "smtp.council.example"
        from = "casewatch@council.example"
        username = "casewatch"
        password = { credential = "smtp-password" }
        "#,
    )
    .unwrap();
    assert_eq!(
        s.password,
        Some(SecretSource::Credential("smtp-password".into()))
    );
}

#[test]
fn unknown_keys_are_rejected() {
    let err = parse("host = \"smtp.council.example\"\nfrom = \"cw@council.example\"\nhots = \"x\"")
        .unwrap_err();
    assert!(err.contains("hots"), "{err}");
}

#[test]
fn mistakes_name_their_key() {
    let cases = [
        (
            "from = \"casewatch\"\nhost = \"smtp.council.example\"",
            "email.from:",
        ),
        ("from = \"cw@council.example\"", "email.host:"),
        (
            "from = \"cw@council.example\"\nhost = \"h.example\"\nreply_to = \"nobody\"",
            "email.reply_to:",
        ),
        (
            "from = \"cw@council.example\"\nhost = \"h.example\"\nusername = \"cw\"",
            "email.password: required when email.username is set",
        ),
        (
            "from = \"cw@council.example\"\nhost = \"h.example\"\npassword = { env = \"X\" }",
            "email.username:",
        ),
        (
            "from = \"cw@council.example\"\nhost = \"h.example\"\npool_max_size = 0",
            "email.pool_max_size:",
        ),
        (
            "from = \"cw@council.example\"\nhost = \"h.example\"\ntimeout_seconds = 0",
            "email.timeout_seconds:",
        ),
        (
            "from = \"cw@council.example\"\ntransport = \"file\"",
            "email.file_dir:",
        ),
    ];
    for (toml_text, expected) in cases {
        let err = invalid(toml_text);
        assert!(err.starts_with(expected), "{toml_text:?}: {err}");
    }
}

#[test]
fn no_tls_is_only_for_loopback_or_when_explicitly_allowed() {
    let with = |host: &str, extra: &str| {
        parse(&format!(
            "from = \"cw@council.example\"\nhost = \"{host}\"\ntls = \"none\"\n{extra}"
        ))
        .unwrap()
        .validate()
    };
    for loopback in ["localhost", "127.0.0.1", "127.8.9.10", "::1", "[::1]"] {
        with(loopback, "").unwrap_or_else(|e| panic!("{loopback}: {e}"));
    }
    let err = with("smtp.council.example", "").unwrap_err().to_string();
    assert!(err.starts_with("email.tls:"), "{err}");
    assert!(err.contains("email.allow_insecure = true"), "{err}");
    with("smtp.council.example", "allow_insecure = true").unwrap();
}

#[test]
fn unreadable_secrets_and_certificates_name_their_key() {
    let missing_password = EmailSettings {
        username: Some("casewatch".into()),
        password: Some(SecretSource::Env(
            "CASEWATCH_TEST_UNSET_SMTP_PASSWORD".into(),
        )),
        ..EmailSettings::smtp("smtp.council.example", "cw@council.example")
    };
    let err = EmailChannel::new(&missing_password)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("email.password:"), "{err}");
    assert!(err.contains("CASEWATCH_TEST_UNSET_SMTP_PASSWORD"), "{err}");

    let missing_ca = EmailSettings {
        ca_file: Some("/nonexistent/ca.pem".into()),
        ..EmailSettings::smtp("smtp.council.example", "cw@council.example")
    };
    let err = EmailChannel::new(&missing_ca).unwrap_err().to_string();
    assert!(err.starts_with("email.ca_file:"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let not_a_certificate = dir.path().join("ca.pem");
    std::fs::write(&not_a_certificate, "casewatch\n").unwrap();
    let empty_ca = EmailSettings {
        ca_file: Some(not_a_certificate),
        ..EmailSettings::smtp("smtp.council.example", "cw@council.example")
    };
    let err = EmailChannel::new(&empty_ca).unwrap_err().to_string();
    assert!(err.contains("holds no PEM certificate"), "{err}");
}
