//! Configuration: the contract keys alone work; environment overrides; every mistake names its key.

use std::path::Path;

use casewatch::calendar::Region;
use casewatch::config::secret::SecretSource;
use casewatch::config::{ChildIdentifier, Config};
use chrono::NaiveDate;

const CONTRACT_KEYS: &str = r#"
[source]
url = "sqlite://cases.db"
[state]
url = "sqlite://state.db"
[calendar]
region = "scotland"
extra_closures = ["2026-12-24", 2026-12-29]
[notify]
fallback_address = "casewatch-ops@council.example"
"#;

fn load(text: &str, env: &[(&str, &str)]) -> Result<Config, String> {
    let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    Config::from_toml(text, Path::new("/etc/casewatch/casewatch.toml"), env)
        .map_err(|e| e.to_string())
}

#[test]
fn contract_keys_alone_are_a_working_configuration() {
    let c = load(CONTRACT_KEYS, &[]).unwrap();
    let s = &c.settings;
    assert_eq!(s.source.url, "sqlite://cases.db");
    assert_eq!(s.state.url, "sqlite://state.db");
    assert_eq!(s.calendar.region, Region::Scotland);
    let dates: Vec<NaiveDate> = ["2026-12-24", "2026-12-29"]
        .iter()
        .map(|d| d.parse().unwrap())
        .collect();
    assert_eq!(s.calendar.extra_closures, dates);
    assert_eq!(s.notify.fallback_address, "casewatch-ops@council.example");
    assert_eq!(s.notify.child_identifier, ChildIdentifier::Reference);
    assert_eq!(c.rules.rules.len(), 6);
}

#[test]
fn environment_overrides_any_key() {
    let c = load(
        CONTRACT_KEYS,
        &[
            (
                "CASEWATCH__SOURCE__URL",
                "postgres://casewatch@db.internal/cases",
            ),
            ("CASEWATCH__CALENDAR__REGION", "northern-ireland"),
            ("CASEWATCH__CALENDAR__EXTRA_CLOSURES", "[2026-12-31]"),
            ("UNRELATED", "x"),
        ],
    )
    .unwrap();
    assert_eq!(
        c.settings.source.url,
        "postgres://casewatch@db.internal/cases"
    );
    assert_eq!(c.settings.calendar.region, Region::NorthernIreland);
    assert_eq!(
        c.settings.calendar.extra_closures,
        ["2026-12-31".parse::<NaiveDate>().unwrap()]
    );
}

#[test]
fn environment_overrides_reach_into_a_list_by_number() {
    let webhooks = format!(
        "{CONTRACT_KEYS}\n[[webhooks]]\nname = \"case-system\"\nkind = \"generic\"\n\
         url = \"https://lcs.council.example/notices\"\nsecret = {{ env = \"OLD_KEY\" }}\n\n\
         [[webhooks]]\nname = \"cin-teams\"\nkind = \"teams\"\nurl_secret = {{ env = \"OLD_URL\" }}\n"
    );

    let c = load(
        &webhooks,
        &[
            ("CASEWATCH__WEBHOOKS__1__URL_SECRET__ENV", "CIN_TEAMS_URL"),
            ("CASEWATCH__WEBHOOKS__0__TIMEOUT_SECONDS", "3"),
        ],
    )
    .unwrap();
    let [generic, teams] = &c.settings.webhooks[..] else {
        panic!("two webhooks: {:?}", c.settings.webhooks)
    };
    assert_eq!(generic.name, "case-system");
    assert_eq!(generic.secret, Some(SecretSource::Env("OLD_KEY".into())));
    assert_eq!(generic.timeout_seconds.get(), 3);
    assert_eq!(teams.name, "cin-teams");
    assert_eq!(
        teams.url_secret,
        Some(SecretSource::Env("CIN_TEAMS_URL".into()))
    );

    // A list entry the file does not have is named by the variable that asked for it.
    let e = load(&webhooks, &[("CASEWATCH__WEBHOOKS__2__SECRET__ENV", "KEY")]).unwrap_err();
    assert!(
        e.contains("CASEWATCH__WEBHOOKS__2__SECRET__ENV") && e.contains("no entry 2"),
        "{e}"
    );
    let e = load(
        CONTRACT_KEYS,
        &[("CASEWATCH__WEBHOOKS__0__SECRET__ENV", "KEY")],
    )
    .unwrap_err();
    assert!(e.contains("the file has no list `webhooks`"), "{e}");
}

#[test]
fn unknown_key_is_named() {
    let e = load(&CONTRACT_KEYS.replace("[state]\nurl", "[state]\nurll"), &[]).unwrap_err();
    assert!(e.contains("configuration key `state.urll`"), "{e}");
    assert!(e.contains("unknown key"), "{e}");
    assert!(e.contains("/etc/casewatch/casewatch.toml"), "{e}");
    let e = load(CONTRACT_KEYS, &[("CASEWATCH__SOURCE__PASSWORD", "x")]).unwrap_err();
    assert!(
        e.contains("`source.password`") && e.contains("environment"),
        "{e}"
    );
}

#[test]
fn bad_values_are_named() {
    let e = load(&CONTRACT_KEYS.replace("\"scotland\"", "\"wales\""), &[]).unwrap_err();
    assert!(
        e.contains("`calendar.region`") && e.contains("wales"),
        "{e}"
    );
    let e = load(
        &CONTRACT_KEYS.replace("\"2026-12-24\"", "\"24/12/2026\""),
        &[],
    )
    .unwrap_err();
    assert!(
        e.contains("`calendar.extra_closures") && e.contains("24/12/2026"),
        "{e}"
    );
    let e = load(
        &CONTRACT_KEYS.replace("casewatch-ops@council.example", "ops"),
        &[],
    )
    .unwrap_err();
    assert!(
        e.contains("`notify.fallback_address`") && e.contains("not an email address"),
        "{e}"
    );
}

#[test]
fn missing_required_keys_are_named() {
    let e = load(
        "[notify]\nfallback_address = \"ops@council.example\"\n",
        &[],
    )
    .unwrap_err();
    assert!(e.contains("`source`"), "{e}");
    let e = load(
        "[source]\n[notify]\nfallback_address = \"ops@council.example\"\n",
        &[],
    )
    .unwrap_err();
    assert!(e.contains("`source.url`") && e.contains("missing"), "{e}");
}

#[test]
fn schedules_are_checked_when_loading() {
    let c = load(CONTRACT_KEYS, &[]).unwrap();
    assert_eq!(c.settings.schedule.evaluate, "0 */15 * * * *");
    assert_eq!(c.settings.http.listen.to_string(), "127.0.0.1:9187");
    let bad = format!("{CONTRACT_KEYS}\n[schedule]\nevaluate = \"every 15 minutes\"\n");
    let e = load(&bad, &[]).unwrap_err();
    assert!(
        e.contains("`schedule.evaluate`") && e.contains("every 15 minutes"),
        "{e}"
    );
    let e = load(
        CONTRACT_KEYS,
        &[("CASEWATCH__HTTP__LISTEN", "not-an-address")],
    )
    .unwrap_err();
    assert!(e.contains("`http.listen`"), "{e}");
}

#[test]
fn a_send_window_that_would_never_open_is_refused_when_loading() {
    // Working hours end at 18:00 by default: a 19:00 window could never be caught up nor sent on time.
    let late = format!("{CONTRACT_KEYS}\n[delivery]\ndigest_times = [\"08:00\", \"19:00\"]\n");
    let e = load(&late, &[]).unwrap_err();
    assert!(
        e.contains("`delivery.digest_times`") && e.contains("19:00") && e.contains("out_of_hours"),
        "{e}"
    );
    let duty_team = format!("{late}out_of_hours = true\n");
    assert!(load(&duty_team, &[]).is_ok());
}

/// The production example beside the systemd unit loads, and names only credentials the unit provides.
#[test]
fn the_systemd_example_configuration_matches_its_unit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = std::fs::read_to_string(root.join("systemd/casewatch.toml.example")).unwrap();
    let unit = std::fs::read_to_string(root.join("systemd/casewatch.service")).unwrap();

    let config = load(&example, &[]).unwrap();

    let loaded: Vec<&str> = unit
        .lines()
        .filter_map(|l| l.strip_prefix("LoadCredential="))
        .filter_map(|l| l.split_once(':').map(|(name, _)| name))
        .collect();
    let named: Vec<&str> = example
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once("credential = \"")?.1.split_once('"'))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(named, ["smtp-password", "teams-webhook-url"]);
    assert!(named.iter().all(|n| loaded.contains(n)), "{loaded:?}");
    let stop: u64 = unit
        .lines()
        .find_map(|l| l.strip_prefix("TimeoutStopSec="))
        .and_then(|v| v.strip_suffix('s'))
        .unwrap()
        .parse()
        .unwrap();
    assert!(stop > config.settings.schedule.shutdown_grace_seconds);
}

#[test]
fn a_case_url_needs_the_web_and_a_place_for_the_case_id() {
    let with = |url: &str| format!("{CONTRACT_KEYS}case_url = \"{url}\"\n");
    let c = load(&with("https://lcs.council.example/case/{case_id}"), &[]).unwrap();
    assert_eq!(
        c.settings.notify.case_url.as_deref(),
        Some("https://lcs.council.example/case/{case_id}")
    );
    assert_eq!(
        load(CONTRACT_KEYS, &[]).unwrap().settings.notify.case_url,
        None
    );
    for bad in [
        "https://lcs.council.example/case/",
        "lcs.council.example/case/{case_id}",
    ] {
        let e = load(&with(bad), &[]).unwrap_err();
        assert!(
            e.contains("`notify.case_url`") && e.contains("`{case_id}` where the case's id goes"),
            "{e}"
        );
    }
}

#[test]
fn summary_times_default_to_half_past_eight_and_a_late_one_is_refused() {
    let c = load(CONTRACT_KEYS, &[]).unwrap();
    let half_past_eight: chrono::NaiveTime = "08:30:00".parse().unwrap();
    assert_eq!(c.settings.delivery.summary_times(), [half_past_eight]);
    let none = format!("{CONTRACT_KEYS}\n[delivery]\nsummary_times = []\n");
    assert!(
        load(&none, &[])
            .unwrap()
            .settings
            .delivery
            .summary_times()
            .is_empty()
    );
    let late = format!("{CONTRACT_KEYS}\n[delivery]\nsummary_times = [\"18:30\"]\n");
    let e = load(&late, &[]).unwrap_err();
    assert!(
        e.contains("`delivery.summary_times`") && e.contains("18:30"),
        "{e}"
    );
}
