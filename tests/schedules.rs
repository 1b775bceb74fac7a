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
