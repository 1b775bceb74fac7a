//! A secret written where casewatch expects to be told where the secret is kept (issue 15): for every secret key
//! and every way of getting it wrong, `check-config`, `run`, `tick` and a SIGHUP reload refuse it with a message
//! that names the key and the accepted forms, and the value appears on no output and in no log line.

mod support;

#[path = "secret_keys/elsewhere.rs"]
mod elsewhere;
#[path = "secret_keys/reload.rs"]
mod reload;

use std::path::Path;
use std::process::Output;

/// The forms the issue asks every refusal to list.
const ACCEPTED: [&str; 3] = [
    r#"{ env = "NAME" }"#,
    r#"{ file = "/path" }"#,
    r#"{ credential = "name" }"#,
];

/// Values no log line would hold by chance.
const PASSWORD: &str = "hunter2-correct-horse";
const NUMBER: &str = "8675309112358";
const TEAMS_URL: &str = "https://council.webhook.office.com/workflows/7f3a?sig=Zm9vYmFyc2VjcmV0";

/// One secret key given something other than a reference.
struct Mistake {
    /// The key as the message must name it.
    key: &'static str,
    how: &'static str,
    /// The configuration file's text.
    file: String,
    env: Vec<(&'static str, &'static str)>,
    /// What must not be shown.
    value: &'static str,
}

/// A working configuration, except for whatever `extra` and `password` say.
fn config(dir: &Path, source_url: &str, password: &str, extra: &str) -> String {
    format!(
        r#"[source]
url = "{source_url}"
[state]
url = "sqlite://{state}"
[notify]
fallback_address = "casewatch-ops@council.example"
[http]
listen = "127.0.0.1:0"
[email]
transport = "file"
file_dir = "{outbox}"
from = "casewatch@council.example"
username = "casewatch"
password = {password}
{extra}
"#,
        state = dir.join("state.db").display(),
        outbox = dir.join("outbox").display(),
    )
}

const GOOD_PASSWORD: &str = r#"{ env = "CASEWATCH_TEST_SMTP_PASSWORD" }"#;

/// A `[[webhooks]]` entry whose `key` is `value`: `secret` on a generic webhook, `url_secret` on a Teams one.
fn webhook(key: &str, value: &str) -> String {
    match key {
        "secret" => format!(
            "[[webhooks]]\nname = \"case-system\"\nkind = \"generic\"\n\
             url = \"https://lcs.council.example/casewatch/notices\"\nsecret = {value}\n"
        ),
        _ => {
            format!("[[webhooks]]\nname = \"cin-teams\"\nkind = \"teams\"\nurl_secret = {value}\n")
        }
    }
}

/// An `[email.oauth]` table whose `client_secret` is `value`.
fn oauth_secret(value: &str) -> String {
    format!(
        "[email.oauth]\ntoken_url = \"https://login.microsoftonline.com/tenant/oauth2/v2.0/token\"\n\
         client_id = \"casewatch\"\nclient_secret = {value}\n"
    )
}

/// Each secret key, each given a plain string, a number, a table with a key that is not a source, and (from the
/// environment) a plain string over a good reference in the file.
fn mistakes(dir: &Path, source_url: &str) -> Vec<Mistake> {
    let number = NUMBER;
    let table = format!(r#"{{ value = "{PASSWORD}" }}"#);
    let in_file = [
        ("plain string", format!("\"{PASSWORD}\""), PASSWORD),
        ("number", number.to_owned(), NUMBER),
        ("table with an unknown key", table, PASSWORD),
    ];
    let mut all = Vec::new();
    for (how, written, value) in &in_file {
        all.push(Mistake {
            key: "email.password",
            how,
            file: config(dir, source_url, written, ""),
            env: Vec::new(),
            value,
        });
        all.push(Mistake {
            key: "webhooks.0.secret",
            how,
            file: config(dir, source_url, GOOD_PASSWORD, &webhook("secret", written)),
            env: Vec::new(),
            value,
        });
        all.push(Mistake {
            key: "email.oauth.client_secret",
            how,
            file: config(dir, source_url, GOOD_PASSWORD, &oauth_secret(written)),
            env: Vec::new(),
            value,
        });
    }
    for (how, written, value) in [
        ("plain string", format!("\"{TEAMS_URL}\""), TEAMS_URL),
        ("number", number.to_owned(), NUMBER),
        (
            "table with an unknown key",
            format!(r#"{{ url = "{TEAMS_URL}" }}"#),
            TEAMS_URL,
        ),
    ] {
        all.push(Mistake {
            key: "webhooks.0.url_secret",
            how,
            file: config(
                dir,
                source_url,
                GOOD_PASSWORD,
                &webhook("url_secret", &written),
            ),
            env: Vec::new(),
            value,
        });
    }
    let by_env = [
        ("email.password", "CASEWATCH__EMAIL__PASSWORD", PASSWORD, ""),
        (
            "webhooks.0.secret",
            "CASEWATCH__WEBHOOKS__0__SECRET",
            PASSWORD,
            "secret",
        ),
        (
            "webhooks.0.url_secret",
            "CASEWATCH__WEBHOOKS__0__URL_SECRET",
            TEAMS_URL,
            "url_secret",
        ),
    ];
    for (key, variable, value, webhook_key) in by_env {
        let extra = if webhook_key.is_empty() {
            String::new()
        } else {
            webhook(webhook_key, r#"{ env = "CASEWATCH_TEST_WEBHOOK" }"#)
        };
        all.push(Mistake {
            key,
            how: "environment override",
            file: config(dir, source_url, GOOD_PASSWORD, &extra),
            env: vec![(variable, value)],
            value,
        });
    }
    all
}

/// The message names the key and every accepted form, and nothing shown holds the value.
fn assert_refused(shown: &str, mistake: &Mistake) {
    let what = format!("{} as {}", mistake.key, mistake.how);
    assert!(
        shown.contains(&format!("`{}`", mistake.key)),
        "{what}: key not named in\n{shown}"
    );
    for form in ACCEPTED {
        assert!(shown.contains(form), "{what}: `{form}` not in\n{shown}");
    }
    assert!(shown.contains("refused"), "{what}:\n{shown}");
    assert!(
        !shown.contains(mistake.value),
        "{what}: the value is shown\n{shown}"
    );
}

fn shown(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test]
async fn check_config_run_and_tick_refuse_a_secret_without_showing_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("casewatch.toml");
    let source_url = format!("sqlite://{}", dir.path().join("cases.db").display());
    let commands: [&[&str]; 3] = [&["check-config", "--offline"], &["run"], &["tick"]];
    for mistake in mistakes(dir.path(), &source_url) {
        std::fs::write(&path, &mistake.file).unwrap();
        for command in commands {
            let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_casewatch"));
            child
                .args(command)
                .arg("--config")
                .arg(&path)
                .args(["--log-format", "json"])
                .env("RUST_LOG", "debug")
                .env("CASEWATCH_TEST_SMTP_PASSWORD", "unused")
                .env("CASEWATCH_TEST_WEBHOOK", "unused")
                .envs(mistake.env.iter().copied());

            let output = child.output().await.unwrap();

            assert_eq!(
                output.status.code(),
                Some(2),
                "{command:?}: {}",
                shown(&output)
            );
            assert_refused(&shown(&output), &mistake);
        }
    }
}

#[test]
fn the_error_says_where_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    for mistake in mistakes(dir.path(), "sqlite://cases.db") {
        let env = mistake
            .env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()));
        let path = Path::new("/etc/casewatch/casewatch.toml");

        let e = casewatch::config::Config::from_toml(&mistake.file, path, env)
            .unwrap_err()
            .to_string();

        let origin = if mistake.env.is_empty() {
            "(from /etc/casewatch/casewatch.toml)"
        } else {
            "(from environment variables CASEWATCH__*)"
        };
        assert!(
            e.contains(origin),
            "{} as {}: {e}",
            mistake.key,
            mistake.how
        );
        assert_refused(&e, &mistake);
    }
}
