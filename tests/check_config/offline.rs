//! Configuration files checked with `--offline`: nothing but the files and the environment are read.

use std::ffi::OsStr;

use super::{check_config, fixture};

const SECRETS: [(&str, &str); 2] = [
    ("CASEWATCH_TEST_SMTP_PASSWORD", "correct horse battery"),
    ("CASEWATCH_TEST_WEBHOOK_KEY", "a signing key"),
];

#[tokio::test]
async fn a_good_configuration_passes_and_shows_its_schedules_in_uk_time() {
    let path = fixture("good.toml");
    let args = [
        OsStr::new("--config"),
        path.as_os_str(),
        OsStr::new("--offline"),
    ];

    let run = check_config(&args, &SECRETS).await;

    assert_eq!(run.code, 0, "{run}");
    assert!(run.failures().is_empty(), "{run}");
    assert!(
        run.has(
            "ok   configuration: ",
            &["7 rules", "1 rule file", "scotland"]
        ),
        "{run}"
    );
    assert!(run.has("ok   templates: ", &["immediate.txt"]), "{run}");
    assert!(
        run.has(
            "ok   channels: ",
            &["smtp.council.example:587", "case-system (generic)"]
        ),
        "{run}"
    );
    assert!(
        run.has("     evaluation: ", &["`0 */10 7-19 * * Mon-Fri`, next "]),
        "{run}"
    );
    assert!(
        run.has("     digest at 08:00: ", &["on working days, next "]),
        "{run}"
    );
    assert!(
        run.has("     digest at 13:30: ", &["on working days, next "]),
        "{run}"
    );
    assert!(
        run.has("     immediate notices: ", &["08:00–18:00 on working days"]),
        "{run}"
    );
    assert!(
        run.stdout.lines().last().unwrap().starts_with("ok   "),
        "{run}"
    );
    assert!(
        !run.stdout.contains("SMTP relay"),
        "offline: no login\n{run}"
    );
    assert!(!run.stdout.contains("correct horse"), "{run}");
}

/// Each bad fixture fails with exit status 2, and its one failed check says what is wrong.
#[tokio::test]
async fn each_bad_configuration_names_its_problem() {
    let cases: [(&str, &[&str]); 9] = [
        (
            "unknown-key.toml",
            &["`notify.fallback_adress`", "unknown key"],
        ),
        (
            "bad-region.toml",
            &["`calendar.region`", "wales", "england-and-wales"],
        ),
        (
            "bad-cron.toml",
            &["`schedule.evaluate`", "not a cron expression"],
        ),
        (
            "bad-fallback-address.toml",
            &["`notify.fallback_address`", "not an email address"],
        ),
        ("email-without-from.toml", &["`email.from`", "missing"]),
        (
            "route-to-missing-webhook.toml",
            &["`routes.0.webhooks`", "senior-managers-teams"],
        ),
        (
            "unknown-anchor.toml",
            &[
                "unknown-anchor.toml",
                "cf-priority-local",
                "unknown anchor `Q`",
            ],
        ),
        (
            "broken-template.toml",
            &["templates: ", "digest.txt", "syntax error"],
        ),
        (
            "missing-template-dir.toml",
            &[
                "`delivery.templates_dir`",
                "templates/missing",
                "not a folder",
            ],
        ),
    ];
    for (name, expected) in cases {
        let path = fixture(name);

        let run = check_config(&[path.as_os_str(), OsStr::new("--offline")], &[]).await;

        assert_eq!(run.code, 2, "{name}: {run}");
        let failures = run.failures();
        assert_eq!(failures.len(), 1, "{name}: {run}");
        for part in expected {
            assert!(failures[0].contains(part), "{name}: `{part}` not in {run}");
        }
    }
}

#[tokio::test]
async fn a_missing_secret_names_its_environment_variable_and_key() {
    let path = fixture("good.toml");
    let webhook_key_only = [SECRETS[1]];

    let run = check_config(
        &[path.as_os_str(), OsStr::new("--offline")],
        &webhook_key_only,
    )
    .await;

    assert_eq!(run.code, 2, "{run}");
    assert_eq!(
        run.failures(),
        [
            "FAIL channels: configuration key `email.password`: environment variable \
          CASEWATCH_TEST_SMTP_PASSWORD is not set (or is not valid UTF-8)"
        ],
        "{run}"
    );
}

#[tokio::test]
async fn a_configuration_file_that_is_not_there_is_a_configuration_error() {
    let path = fixture("no-such-file.toml");

    let run = check_config(&[path.as_os_str(), OsStr::new("--offline")], &[]).await;

    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.has("FAIL configuration: ", &["cannot read configuration file"]),
        "{run}"
    );
    assert!(run.stdout.contains("nothing else was checked"), "{run}");
}

#[tokio::test]
async fn packs_are_counted_and_a_team_without_an_address_is_a_warning() {
    let path = fixture("packs-and-teams.toml");

    let run = check_config(&[path.as_os_str(), OsStr::new("--offline")], &[]).await;

    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.has(
            "ok   configuration: ",
            &[
                "the packs lcs, havering, luton, isle-of-wight, enfield",
                "1 rule file"
            ]
        ),
        "{run}"
    );
    assert_eq!(
        run.warnings(),
        [
            "warn notify.teams: no address for team `duty_managers` (notified by placement-plan): its notices will go to the fallback mailbox; add `duty_managers = \"…\"` under [notify.teams]"
        ],
        "{run}"
    );
}
