//! `[[webhooks]]` settings: defaults by kind, secrets kept out of the file, HTTPS only, and every mistake named
//! by its key.

use std::path::{Path, PathBuf};

use casewatch::channels::webhook::{WebhookChannel, WebhookKind, WebhookSettings};
use casewatch::config::Config;
use casewatch::config::secret::SecretSource;

const BASE: &str = r#"
[source]
url = "sqlite://cases.db"
[notify]
fallback_address = "casewatch-ops@council.example"
"#;

fn load(webhooks: &str) -> Result<Config, String> {
    let text = format!("{BASE}\n{webhooks}");
    Config::from_toml(&text, Path::new("/etc/casewatch/casewatch.toml"), [])
        .map_err(|e| e.to_string())
}

fn generic(url: &str, allow_plain_http_loopback: bool) -> WebhookSettings {
    WebhookSettings {
        name: "lcs".into(),
        kind: WebhookKind::Generic,
        url: Some(url.into()),
        url_secret: None,
        secret: Some(SecretSource::Env("LCS_WEBHOOK_KEY".into())),
        timeout_seconds: 10.try_into().unwrap(),
        max_per_second: None,
        allow_plain_http_loopback,
    }
}

#[test]
fn webhooks_read_from_the_file_with_defaults_by_kind() {
    let config = load(
        r#"
[[webhooks]]
name = "lcs"
kind = "generic"
url = "https://lcs.council.example/casewatch"
secret = { env = "LCS_WEBHOOK_KEY" }

[[webhooks]]
name = "cin-teams"
kind = "teams"
url_secret = { credential = "cin-teams-url" }
timeout_seconds = 5
"#,
    )
    .unwrap();
    let [lcs, teams] = &config.settings.webhooks[..] else {
        panic!("two webhooks")
    };
    assert_eq!(lcs.kind, WebhookKind::Generic);
    assert_eq!(
        lcs.secret,
        Some(SecretSource::Env("LCS_WEBHOOK_KEY".into()))
    );
    assert_eq!(lcs.max_per_second().get(), 10);
    assert_eq!(lcs.timeout_seconds.get(), 10);
    assert!(!lcs.allow_plain_http_loopback);
    assert_eq!(
        teams.url_secret,
        Some(SecretSource::Credential("cin-teams-url".into()))
    );
    assert_eq!(teams.max_per_second().get(), 1);
    assert_eq!(teams.timeout_seconds.get(), 5);
}

#[test]
fn a_teams_or_slack_url_in_plain_text_is_refused() {
    let e = load(
        r#"
[[webhooks]]
name = "cin-slack"
kind = "slack"
url = "https://hooks.slack.example/services/T0/B0/XXXX"
"#,
    )
    .unwrap_err();
    assert!(e.contains("`webhooks[cin-slack].url`"), "{e}");
    assert!(e.contains("url_secret"), "{e}");
    assert!(!e.contains("XXXX"), "the URL is a credential: {e}");
}

#[test]
fn exactly_one_of_url_and_url_secret() {
    let both = r#"
[[webhooks]]
name = "lcs"
kind = "generic"
url = "https://lcs.council.example/casewatch"
url_secret = { env = "LCS_URL" }
secret = { env = "LCS_WEBHOOK_KEY" }
"#;
    let e = load(both).unwrap_err();
    assert!(
        e.contains("`webhooks[lcs].url`") && e.contains("both"),
        "{e}"
    );
    let neither = both
        .replace("url = \"https://lcs.council.example/casewatch\"\n", "")
        .replace("url_secret = { env = \"LCS_URL\" }\n", "");
    let e = load(&neither).unwrap_err();
    assert!(
        e.contains("`webhooks[lcs].url`") && e.contains("missing"),
        "{e}"
    );
}

#[test]
fn a_generic_webhook_needs_a_signing_key_and_the_others_refuse_one() {
    let e = load(
        r#"
[[webhooks]]
name = "lcs"
kind = "generic"
url = "https://lcs.council.example/casewatch"
"#,
    )
    .unwrap_err();
    assert!(
        e.contains("`webhooks[lcs].secret`") && e.contains("missing"),
        "{e}"
    );
    let e = load(
        r#"
[[webhooks]]
name = "cin-teams"
kind = "teams"
url_secret = { env = "TEAMS_URL" }
secret = { env = "KEY" }
"#,
    )
    .unwrap_err();
    assert!(e.contains("`webhooks[cin-teams].secret`"), "{e}");
}

#[test]
fn unknown_keys_bad_values_and_repeated_names_are_errors() {
    let e = load(
        "[[webhooks]]\nname = \"x\"\nkind = \"teams\"\nurl_secret = { env = \"U\" }\nretries = 3\n",
    )
    .unwrap_err();
    assert!(e.contains("retries") && e.contains("unknown key"), "{e}");
    let e = load("[[webhooks]]\nname = \"x\"\nkind = \"discord\"\nurl_secret = { env = \"U\" }\n")
        .unwrap_err();
    // A value found where a kind belongs is not repeated: it could be a pasted webhook URL with its token.
    assert!(
        e.contains("`webhooks.0.kind`") && e.contains("generic, teams, slack"),
        "{e}"
    );
    assert!(!e.contains("discord"), "{e}");
    let e = load("[[webhooks]]\nname = \"x\"\nkind = \"teams\"\nurl_secret = { env = \"U\" }\nmax_per_second = 0\n")
        .unwrap_err();
    assert!(e.contains("max_per_second"), "{e}");
    let twice =
        "[[webhooks]]\nname = \"x\"\nkind = \"teams\"\nurl_secret = { env = \"U\" }\n".repeat(2);
    let e = load(&twice).unwrap_err();
    assert!(e.contains("`webhooks[x].name`"), "{e}");
}

#[test]
fn plain_http_only_to_a_loopback_address_and_only_when_allowed() {
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://127.8.9.10/hook",
        "http://localhost:9000/hook",
        "http://LOCALHOST/hook",
        "http://[::1]:9000/hook",
    ] {
        assert!(generic(url, true).validate().is_ok(), "{url}");
        let e = generic(url, false).validate().unwrap_err().to_string();
        assert!(
            e.contains("`webhooks[lcs].url`") && e.contains("allow_plain_http_loopback"),
            "{e}"
        );
    }
    for url in [
        "http://10.0.0.5/hook",
        "http://lcs.council.example/hook",
        "http://localhost.council.example/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "ftp://127.0.0.1/hook",
        "not a url",
    ] {
        let e = generic(url, true).validate().unwrap_err().to_string();
        assert!(e.contains("`webhooks[lcs].url`"), "{url}: {e}");
    }
    assert!(
        generic("https://lcs.council.example/hook", false)
            .validate()
            .is_ok()
    );
}

#[test]
fn a_plain_http_url_read_from_a_secret_is_refused_without_showing_it() {
    let dir = tempfile::tempdir().unwrap();
    let url_file: PathBuf = dir.path().join("teams-url");
    std::fs::write(
        &url_file,
        "http://prod-01.uksouth.logic.example/workflows/abc?sig=TOKEN\n",
    )
    .unwrap();
    let settings = WebhookSettings {
        name: "cin-teams".into(),
        kind: WebhookKind::Teams,
        url: None,
        url_secret: Some(SecretSource::File(url_file)),
        secret: None,
        timeout_seconds: 10.try_into().unwrap(),
        max_per_second: None,
        allow_plain_http_loopback: true,
    };

    let e = WebhookChannel::new(&settings).unwrap_err().to_string();

    assert!(
        e.contains("`webhooks[cin-teams].url_secret`") && e.contains("http://"),
        "{e}"
    );
    assert!(!e.contains("TOKEN") && !e.contains("logic.example"), "{e}");
}

#[test]
fn a_missing_url_secret_is_named() {
    let mut settings = generic("https://unused.example", false);
    settings.url = None;
    settings.url_secret = Some(SecretSource::File("/nonexistent/casewatch/url".into()));
    let e = WebhookChannel::new(&settings).unwrap_err().to_string();
    assert!(
        e.contains("`webhooks[lcs].url_secret`") && e.contains("/nonexistent/casewatch/url"),
        "{e}"
    );
}
