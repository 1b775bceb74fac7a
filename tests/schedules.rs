//! Schedules in Europe/London time, without waiting for them: the next fire times the scheduler's own cron
//! parser gives, across both clock changes.

use casewatch::daemon::{next_fire_times, parse_cron};
use chrono::{DateTime, NaiveTime, Utc};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn z(times: Vec<DateTime<Utc>>) -> Vec<String> {
    times
        .iter()
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .collect()
}

#[test]
fn the_0800_digest_window_follows_british_summer_time() {
    let digest = casewatch::daemon::run::digest_cron(NaiveTime::from_hms_opt(8, 0, 0).unwrap());
    assert_eq!(digest, "0 0 8 * * *");
    // The clocks go forward on Sunday 29 March 2026: 08:00 is 08:00Z before and 07:00Z after.
    assert_eq!(
        z(next_fire_times(&digest, t("2026-03-27T12:00:00Z"), 4).unwrap()),
        [
            "2026-03-28T08:00:00Z",
            "2026-03-29T07:00:00Z",
            "2026-03-30T07:00:00Z",
            "2026-03-31T07:00:00Z"
        ]
    );
    // And back on Sunday 25 October 2026.
    assert_eq!(
        z(next_fire_times(&digest, t("2026-10-23T12:00:00Z"), 3).unwrap()),
        [
            "2026-10-24T07:00:00Z",
            "2026-10-25T08:00:00Z",
            "2026-10-26T08:00:00Z"
        ]
    );
}

#[test]
fn evaluation_every_fifteen_minutes_is_on_the_quarter_hour() {
    assert_eq!(
        z(next_fire_times("0 */15 * * * *", t("2026-03-29T00:50:00Z"), 4).unwrap()),
        // 01:00 GMT becomes 02:00 BST: the quarter hours carry on through the change.
        [
            "2026-03-29T01:00:00Z",
            "2026-03-29T01:15:00Z",
            "2026-03-29T01:30:00Z",
            "2026-03-29T01:45:00Z"
        ]
    );
}

#[test]
fn a_cron_without_seconds_is_refused() {
    assert!(parse_cron("*/15 * * * *").is_err());
    assert!(parse_cron("0 */15 * * * *").is_ok());
}

fn delivery(toml: &str) -> casewatch::outbox::DeliverySettings {
    toml::from_str(toml).unwrap()
}

fn cal() -> casewatch::calendar::WorkingCalendar {
    casewatch::calendar::WorkingCalendar::new(Default::default(), [])
}

#[test]
fn a_send_window_is_open_from_its_time_until_working_hours_end() {
    use casewatch::outbox::current_window;
    let (settings, cal) = (delivery(""), cal());
    let window = |now: &str| current_window(t(now), &settings, &cal);
    // Thursday 12 March 2026, GMT.
    assert_eq!(window("2026-03-12T07:59:59Z"), None);
    assert_eq!(
        window("2026-03-12T08:00:00Z"),
        Some(t("2026-03-12T08:00:00Z"))
    );
    assert_eq!(
        window("2026-03-12T17:59:59Z"),
        Some(t("2026-03-12T08:00:00Z"))
    );
    assert_eq!(window("2026-03-12T18:00:00Z"), None, "closed at 18:00");
    assert_eq!(window("2026-03-14T10:00:00Z"), None, "a Saturday");
    assert_eq!(window("2026-04-03T10:00:00Z"), None, "Good Friday");
    // Monday 30 March, the day after the clocks go forward: 08:00 BST is 07:00 UTC.
    assert_eq!(
        window("2026-03-30T07:00:00Z"),
        Some(t("2026-03-30T07:00:00Z"))
    );
    // A later window of the day takes over from the earlier one.
    let two = delivery(r#"digest_times = ["08:00", "13:00"]"#);
    assert_eq!(
        current_window(t("2026-03-12T12:59:00Z"), &two, &cal),
        Some(t("2026-03-12T08:00:00Z"))
    );
    assert_eq!(
        current_window(t("2026-03-12T13:30:00Z"), &two, &cal),
        Some(t("2026-03-12T13:00:00Z"))
    );
    // Out-of-hours teams: open until midnight, and at weekends when digests go out then.
    let any = delivery("out_of_hours = true\ndigests_on_non_working_days = true");
    assert_eq!(
        current_window(t("2026-03-12T23:30:00Z"), &any, &cal),
        Some(t("2026-03-12T08:00:00Z"))
    );
    assert_eq!(
        current_window(t("2026-03-14T08:00:00Z"), &any, &cal),
        Some(t("2026-03-14T08:00:00Z"))
    );
}

#[test]
fn the_next_send_window_skips_weekends_bank_holidays_and_follows_the_clocks() {
    use casewatch::outbox::next_window;
    let (settings, cal) = (delivery(""), cal());
    let next = |now: &str| next_window(t(now), &settings, &cal);
    assert_eq!(
        next("2026-03-12T07:00:00Z"),
        Some(t("2026-03-12T08:00:00Z"))
    );
    assert_eq!(
        next("2026-03-12T08:00:00Z"),
        Some(t("2026-03-13T08:00:00Z")),
        "strictly after"
    );
    assert_eq!(
        next("2026-03-13T09:00:00Z"),
        Some(t("2026-03-16T08:00:00Z"))
    );
    // Friday 27 March (GMT) to Monday 30 March (BST).
    assert_eq!(
        next("2026-03-27T09:00:00Z"),
        Some(t("2026-03-30T07:00:00Z"))
    );
    // Thursday 2 April: Good Friday, the weekend and Easter Monday pass; Tuesday 7 April, 08:00 BST.
    assert_eq!(
        next("2026-04-02T09:00:00Z"),
        Some(t("2026-04-07T07:00:00Z"))
    );
    assert_eq!(
        next_window(
            t("2026-03-12T07:00:00Z"),
            &delivery("digest_times = []"),
            &cal
        ),
        None
    );
}

#[test]
fn a_send_window_after_working_hours_is_refused_unless_out_of_hours() {
    let e = delivery(r#"digest_times = ["08:00", "18:30"]"#)
        .validate()
        .unwrap_err();
    assert!(
        e.contains("`delivery.digest_times`") && e.contains("18:30"),
        "{e}"
    );
    assert!(
        delivery("digest_times = [\"18:30\"]\nout_of_hours = true")
            .validate()
            .is_ok()
    );
    assert!(
        delivery(r#"digest_times = ["07:30", "13:00"]"#)
            .validate()
            .is_ok()
    );
}
