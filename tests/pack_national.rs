//! The `national` pack from its sources' words, with dates worked out by hand: the Care Planning, Placement and
//! Case Review (England) Regulations 2010, regulation 28 (visits to looked-after children) and regulation 33
//! (reviews), Working Together (child protection review conferences), and the local visit intervals for children on
//! plans. England and Wales bank holidays: spring 25 May 2026, Christmas 25 Dec 2026, 28 Dec 2026, 1 Jan 2027.

mod common;

use std::collections::BTreeMap;

use casewatch::model::{CaseFile, VisitType};
use casewatch::rules::RulePack;
use common::*;

fn national() -> RulePack {
    RulePack::load_with_packs(true, &["national".into()], &[] as &[&str], &[]).unwrap()
}

fn due_of(pack: &RulePack, file: &CaseFile, rule: &str, now: &str) -> Vec<String> {
    let mut dues: Vec<String> = rule_stages(pack, file, rule, now)
        .into_iter()
        .map(|s| s.2)
        .collect();
    dues.dedup();
    dues
}

fn placed(at: &str, detail: Option<&str>) -> CaseFile {
    let mut file = case_file("C1", "CLA");
    file.case.opened_on = d("2025-01-06");
    let mut e = event("E1", "C1", "placement_started", at);
    e.detail = detail.map(Into::into);
    file.events.push(e);
    file
}

fn seen(file: &mut CaseFile, id: &str, at: &str, child_seen: bool) {
    file.visits
        .push(visit(id, "C1", VisitType::Statutory, at, child_seen));
    file.visits
        .sort_by(|a, b| (a.visit_at, &a.id).cmp(&(b.visit_at, &b.id)));
}

#[test]
fn first_visit_within_one_week_of_a_placement_starting_on_a_friday_before_a_bank_holiday() {
    // reg 28(2)(a) "within one week of the start of any placement": Fri 22 May 2026 + 7 days = Fri 29 May; a week is
    // calendar days, so the spring bank holiday on Mon 25 May changes nothing. Reminder 5wd before: Thu 28, Wed 27,
    // Tue 26, Fri 22, Thu 21 May. Escalated 5wd after: Mon 1 .. Fri 5 Jun.
    let pack = national();
    let mut file = placed("2026-05-22T13:00:00Z", None);
    // A visit during the previous placement does not count for this one.
    seen(&mut file, "V0", "2026-05-20T10:00:00Z", true);
    assert_eq!(
        rule_stages(&pack, &file, "national-cla-visits", "2026-05-26T12:00:00Z"),
        [(
            "due-soon".into(),
            "2026-05-20T23:00:00Z".into(),
            "2026-05-29T22:59:59Z".into()
        )]
    );
    let escalated = rule_stages(&pack, &file, "national-cla-visits", "2026-06-04T23:00:00Z");
    assert!(escalated.contains(&(
        "escalated".into(),
        "2026-06-04T23:00:00Z".into(),
        "2026-05-29T22:59:59Z".into()
    )));
    assert!(
        rule_stages(
            &pack,
            &file,
            "national-cla-visits-long-term",
            "2026-05-26T12:00:00Z"
        )
        .is_empty()
    );
}

#[test]
fn then_every_six_weeks_and_a_failed_visit_does_not_count() {
    let pack = national();
    let mut file = placed("2026-05-22T13:00:00Z", None);
    seen(&mut file, "V1", "2026-05-26T09:00:00Z", true);
    // Tue 26 May + 6 weeks = Tue 7 Jul 2026.
    assert_eq!(
        due_of(&pack, &file, "national-cla-visits", "2026-07-03T12:00:00Z"),
        ["2026-07-07T22:59:59Z"]
    );
    seen(&mut file, "V2", "2026-06-20T09:00:00Z", false);
    assert_eq!(
        due_of(&pack, &file, "national-cla-visits", "2026-07-08T12:00:00Z"),
        ["2026-07-07T22:59:59Z"]
    );
    seen(&mut file, "V3", "2026-07-06T09:00:00Z", true);
    assert!(rule_stages(&pack, &file, "national-cla-visits", "2026-07-08T12:00:00Z").is_empty());
}

#[test]
fn six_weekly_across_the_first_anniversary_and_three_monthly_after_it_when_long_term() {
    let pack = national();
    // Placed Mon 2 Jun 2025; the first year ends on 2 Jun 2026.
    for (detail, rule, after_anniversary) in [
        // Not intended to last until 18: 6 weeks throughout (reg 28(2)(c)(ii)). Wed 10 Jun + 42 days = Wed 22 Jul.
        (None, "national-cla-visits", "2026-07-22T22:59:59Z"),
        // Intended to last until 18: 3 months after the first year (reg 28(2)(c)(i)). 10 Jun + 3 months = 10 Sep.
        (
            Some("long_term"),
            "national-cla-visits-long-term",
            "2026-09-10T22:59:59Z",
        ),
    ] {
        let mut file = placed("2025-06-02T10:00:00Z", detail);
        // A visit inside the first year: Wed 20 May 2026 + 6 weeks = Wed 1 Jul 2026, past the anniversary.
        seen(&mut file, "V1", "2026-05-20T10:00:00Z", true);
        assert_eq!(
            due_of(&pack, &file, rule, "2026-06-30T12:00:00Z"),
            ["2026-07-01T22:59:59Z"],
            "{rule}"
        );
        seen(&mut file, "V2", "2026-06-10T10:00:00Z", true);
        assert_eq!(
            due_of(&pack, &file, rule, "2026-09-30T12:00:00Z"),
            [after_anniversary],
            "{rule}"
        );
        let other = if detail.is_some() {
            "national-cla-visits"
        } else {
            "national-cla-visits-long-term"
        };
        assert!(
            rule_stages(&pack, &file, other, "2026-09-30T12:00:00Z").is_empty(),
            "{other}"
        );
    }
}

#[test]
fn a_new_placement_starts_the_count_again() {
    let pack = national();
    let mut file = placed("2025-06-02T10:00:00Z", Some("long_term"));
    seen(&mut file, "V1", "2026-06-10T10:00:00Z", true);
    let mut moved = event("E2", "C1", "placement_started", "2026-07-01T15:00:00Z");
    moved.detail = Some("short_term".into());
    file.events.push(moved);
    // Wed 1 Jul 2026 + 7 days = Wed 8 Jul; the long-term rule no longer applies.
    assert_eq!(
        due_of(&pack, &file, "national-cla-visits", "2026-07-09T12:00:00Z"),
        ["2026-07-08T22:59:59Z"]
    );
    assert!(
        rule_stages(
            &pack,
            &file,
            "national-cla-visits-long-term",
            "2026-07-09T12:00:00Z"
        )
        .is_empty()
    );
}

#[test]
fn cla_reviews_at_20_working_days_then_3_months_then_6_months_across_29_february() {
    let pack = national();
    let mut file = case_file("C1", "CLA");
    file.case.opened_on = d("2027-11-01");
    file.events.push(event(
        "E1",
        "C1",
        "became_looked_after",
        "2027-11-01T12:00:00Z",
    ));
    // reg 33(1)(a): Mon 1 Nov 2027 + 20 working days = Mon 29 Nov 2027.
    assert_eq!(
        due_of(&pack, &file, "national-cla-reviews", "2027-11-26T12:00:00Z"),
        ["2027-11-29T23:59:59Z"]
    );
    // (b): first review held Tue 30 Nov (a day late): the second within 3 months = 30 Feb, clamped to Tue 29 Feb 2028.
    file.meetings.push(meeting(
        "M1",
        "C1",
        "cla_review",
        None,
        Some("2027-11-30T10:00:00Z"),
    ));
    assert_eq!(
        due_of(&pack, &file, "national-cla-reviews", "2028-02-28T12:00:00Z"),
        ["2028-02-29T23:59:59Z"]
    );
    // (c): second held on 29 Feb 2028: the next within 6 months, 29 Aug 2028 (BST).
    file.meetings.push(meeting(
        "M2",
        "C1",
        "cla_review",
        None,
        Some("2028-02-29T10:00:00Z"),
    ));
    assert_eq!(
        due_of(&pack, &file, "national-cla-reviews", "2028-08-25T12:00:00Z"),
        ["2028-08-29T22:59:59Z"]
    );
    // A review on 31 Aug 2028: 6 months later is 28 Feb 2029. A cancelled one does not count.
    let mut cancelled = meeting("M3", "C1", "cla_review", None, Some("2028-08-30T10:00:00Z"));
    cancelled.cancelled = true;
    file.meetings.push(cancelled);
    file.meetings.push(meeting(
        "M4",
        "C1",
        "cla_review",
        None,
        Some("2028-08-31T10:00:00Z"),
    ));
    assert_eq!(
        due_of(&pack, &file, "national-cla-reviews", "2029-02-27T12:00:00Z"),
        ["2029-02-28T23:59:59Z"]
    );
}

#[test]
fn cp_review_conferences_3_months_after_the_icpc_then_6_monthly() {
    let pack = national();
    let mut file = case_file("C1", "CP");
    file.case.opened_on = d("2026-11-20");
    file.meetings.push(meeting(
        "M1",
        "C1",
        "icpc",
        None,
        Some("2026-11-30T10:00:00Z"),
    ));
    // 30 Nov 2026 + 3 months = 30 Feb, clamped to Sun 28 Feb 2027.
    assert_eq!(
        due_of(&pack, &file, "national-cp-reviews", "2027-02-26T12:00:00Z"),
        ["2027-02-28T23:59:59Z"]
    );
    file.meetings.push(meeting(
        "M2",
        "C1",
        "rcpc",
        None,
        Some("2027-02-26T10:00:00Z"),
    ));
    // Then within 6 months: Thu 26 Aug 2027 (BST).
    assert_eq!(
        due_of(&pack, &file, "national-cp-reviews", "2027-08-25T12:00:00Z"),
        ["2027-08-26T22:59:59Z"]
    );
}

#[test]
fn visits_on_plans_at_local_intervals_an_authority_can_change() {
    let mut file = case_file("C1", "CP");
    file.case.opened_on = d("2026-11-02");
    file.visits.push(visit(
        "V1",
        "C1",
        VisitType::Statutory,
        "2026-12-18T10:00:00Z",
        true,
    ));
    // Fri 18 Dec 2026 + 10wd: Mon 21, Tue 22, Wed 23, Thu 24, Tue 29, Wed 30, Thu 31, Mon 4, Tue 5, Wed 6 Jan 2027.
    let pack = national();
    assert_eq!(
        due_of(&pack, &file, "national-cp-visits", "2027-01-05T12:00:00Z"),
        ["2027-01-06T23:59:59Z"]
    );
    // Every 15 working days locally: Thu 7, Fri 8, Mon 11, Tue 12, Wed 13 Jan 2027.
    let mut local = national();
    let settings = BTreeMap::from([(
        "national-cp-visits".to_string(),
        BTreeMap::from([("interval_working_days".to_string(), 15)]),
    )]);
    local.apply_settings(&settings).unwrap();
    assert_eq!(
        due_of(&local, &file, "national-cp-visits", "2027-01-12T12:00:00Z"),
        ["2027-01-13T23:59:59Z"]
    );
    // A CIN case: 20 working days from when it opened with no visit, Mon 2 Nov 2026 -> Mon 30 Nov.
    let mut cin = case_file("C1", "CIN");
    cin.case.opened_on = d("2026-11-02");
    assert_eq!(
        due_of(&pack, &cin, "national-cin-visits", "2026-11-27T12:00:00Z"),
        ["2026-11-30T23:59:59Z"]
    );
}

#[test]
fn a_setting_that_does_not_exist_is_named() {
    let mut pack = national();
    let settings = BTreeMap::from([(
        "national-cp-visits".to_string(),
        BTreeMap::from([("interval_days".to_string(), 15)]),
    )]);
    assert_eq!(
        pack.apply_settings(&settings).unwrap_err().to_string(),
        "rule file configuration: rules.settings.national-cp-visits.interval_days: rule `national-cp-visits` has no \
         setting `interval_days` (its settings: interval_working_days)"
    );
    let unknown = BTreeMap::from([("national-visits".to_string(), BTreeMap::new())]);
    assert!(
        pack.apply_settings(&unknown)
            .unwrap_err()
            .to_string()
            .contains("rules.settings.national-visits")
    );
}

#[test]
fn a_setting_of_zero_or_less_is_a_configuration_error_naming_the_key() {
    // `interval_working_days = -10` would make every child on a plan overdue for ever.
    for value in [-10, 0] {
        let mut pack = national();
        let settings = BTreeMap::from([(
            "national-cp-visits".to_string(),
            BTreeMap::from([("interval_working_days".to_string(), value)]),
        )]);
        assert_eq!(
            pack.apply_settings(&settings).unwrap_err().to_string(),
            format!(
                "rule file configuration: rules.settings.national-cp-visits.interval_working_days: {value} is out of \
                 range: a setting is a whole number from 1 to 1000"
            )
        );
    }
}
