//! Secrets that reach other error paths: a line of TOML that does not parse, a URL in a key that is not a secret
//! key, and database URLs with passwords that cannot be used.

use std::path::Path;

use casewatch::config::Config;

use super::{GOOD_PASSWORD, PASSWORD, TEAMS_URL, config};

fn load(text: &str) -> String {
    Config::from_toml(text, Path::new("/etc/casewatch/casewatch.toml"), [])
        .unwrap_err()
        .to_string()
}

#[tokio::test]
async fn a_line_that_is_not_toml_is_located_not_quoted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("casewatch.toml");
    // `password = ` is 11 characters, on the 14th line of the file `config` writes.
    let unquoted = config(dir.path(), "sqlite://cases.db", PASSWORD, "");
    std::fs::write(&path, &unquoted).unwrap();

    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .arg("check-config")
        .arg(&path)
        .arg("--offline")
        .output()
        .await
        .unwrap();

    let shown = super::shown(&output);
    assert_eq!(output.status.code(), Some(2), "{shown}");
    assert!(
        shown.contains("casewatch.toml: not valid TOML at line 14, column 12"),
        "{shown}"
    );
    assert!(!shown.contains(PASSWORD), "{shown}");
}

#[test]
fn an_unterminated_webhook_url_is_not_quoted() {
    let text =
        format!("[[webhooks]]\nname = \"cin-teams\"\nkind = \"teams\"\nurl = \"{TEAMS_URL}\n");

    let e = load(&text);

    assert!(e.contains("not valid TOML at line 4"), "{e}");
    assert!(!e.contains("sig="), "{e}");
}

#[test]
fn a_url_in_a_key_that_is_not_a_secret_key_is_not_repeated() {
    let in_kind = format!(
        "[[webhooks]]\nname = \"x\"\nkind = \"{TEAMS_URL}\"\nurl_secret = {GOOD_PASSWORD}\n"
    );
    let in_timeout = format!(
        "[[webhooks]]\nname = \"x\"\nkind = \"teams\"\nurl_secret = {GOOD_PASSWORD}\ntimeout_seconds = \"{TEAMS_URL}\"\n"
    );

    let kind = load(&in_kind);
    let timeout = load(&in_timeout);

    assert!(
        kind.contains("`webhooks.0.kind`") && kind.contains("generic, teams, slack"),
        "{kind}"
    );
    assert!(
        timeout.contains("`webhooks.0.timeout_seconds`") && timeout.contains("found a string"),
        "{timeout}"
    );
    for e in [kind, timeout] {
        assert!(!e.contains("sig="), "{e}");
    }
}

/// Port 99999 makes both URLs unusable before any connection is tried, and the URL parser refuses them, so
/// the redaction cannot lean on it.
#[tokio::test]
async fn database_urls_that_cannot_be_used_are_shown_without_their_password() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("casewatch.toml");
    let text = config(
        dir.path(),
        "postgres://reader:s3/cr?et@127.0.0.1:99999/lcs",
        GOOD_PASSWORD,
        "",
    )
    .replace(
        &format!("sqlite://{}", dir.path().join("state.db").display()),
        "postgres://casewatch:db-pa55word@127.0.0.1:99999/state",
    );
    std::fs::write(&path, text).unwrap();

    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .arg("check-config")
        .arg(&path)
        .env("CASEWATCH_TEST_SMTP_PASSWORD", "unused")
        .output()
        .await
        .unwrap();

    let shown = super::shown(&output);
    assert_eq!(output.status.code(), Some(1), "{shown}");
    assert!(shown.contains("FAIL case database: cannot connect to case database postgres://reader:***@127.0.0.1:99999/lcs"), "{shown}");
    assert!(
        shown.contains("FAIL state database: postgres://casewatch:***@127.0.0.1:99999/state"),
        "{shown}"
    );
    for secret in ["s3/cr?et", "cr?et", "db-pa55word"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}
