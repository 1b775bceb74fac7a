//! R4 `failed-visit-ladder` (seed 001, "Failed visits"): re-attempt within 3 working days; a second failure to the
//! PM within 1 working day; failed access over ten days to the team manager and over two weeks to the senior
//! manager, each within one working day.

mod common;
use casewatch::model::{Decision, VisitType::*};
use common::*;

const R4: &str = "failed-visit-ladder";

/// SPEC section 5's example: F1 on Monday 2 March 2026.
fn failed_monday() -> casewatch::model::CaseFile {
    let mut file = case_file("C42", "CP");
    file.visits
        .push(visit("V0", "C42", Statutory, "2026-02-20T10:00:00Z", true));
    file.visits
        .push(visit("V1", "C42", Statutory, "2026-03-02T10:00:00Z", false));
    file
}

#[test]
fn reattempt_due_from_the_failed_visit() {
    let file = failed_monday();
    assert!(stage_names(&file, R4, "2026-03-02T09:59:59Z").is_empty());
    assert_eq!(
        stages(&file, "2026-03-02T10:00:00Z"),
        [row(
            R4,
            "reattempt-due",
            "C42",
            "2026-03-02T10:00:00Z",
            "2026-03-05T23:59:59Z"
        )]
    );
}

#[test]
fn reattempt_overdue_after_three_working_days() {
    let file = failed_monday();
    assert_eq!(
        stage_names(&file, R4, "2026-03-05T23:59:58Z"),
        ["reattempt-due"]
    );
    assert_eq!(
        stage_names(&file, R4, "2026-03-05T23:59:59Z"),
        ["reattempt-due", "reattempt-overdue"]
    );
    assert_eq!(
        stages(&file, "2026-03-06T00:00:00Z"),
        [row(
            R4,
            "reattempt-overdue",
            "C42",
            "2026-03-05T23:59:59Z",
            "2026-03-05T23:59:59Z"
        )]
    );
}

#[test]
fn team_manager_after_ten_days_as_in_the_spec_example() {
    let file = failed_monday();
    assert_eq!(
        stage_names(&file, R4, "2026-03-11T23:59:59Z"),
        ["reattempt-overdue"]
    );
    let now = stages(&file, "2026-03-12T00:00:00Z");
    assert!(now.contains(&row(
        R4,
        "escalate-to-team-manager",
        "C42",
        "2026-03-12T00:00:00Z",
        "2026-03-13T23:59:59Z"
    )));
}

#[test]
fn failed_visit_ladder_reaches_senior_manager_after_two_weeks() {
    let file = failed_monday();
    assert_eq!(
        stage_names(&file, R4, "2026-03-15T23:59:59Z"),
        ["reattempt-overdue", "escalate-to-team-manager"]
    );
    let now = stages(&file, "2026-03-16T00:00:00Z");
    assert!(now.contains(&row(
        R4,
        "escalate-to-senior-manager",
        "C42",
        "2026-03-16T00:00:00Z",
        "2026-03-17T23:59:59Z"
    )));
    // Escalations stand until the ladder ends.
    assert_eq!(
        stage_names(&file, R4, "2026-05-01T12:00:00Z"),
        [
            "reattempt-overdue",
            "escalate-to-team-manager",
            "escalate-to-senior-manager"
        ]
    );
}

#[test]
fn second_failure_escalates_to_the_practice_manager_until_a_decision_is_recorded() {
    let mut file = failed_monday();
    file.visits
        .push(visit("V2", "C42", Statutory, "2026-03-04T14:00:00Z", false));
    // The re-attempt happened (and failed): the re-attempt stages are done.
    assert_eq!(
        stages(&file, "2026-03-04T14:00:00Z"),
        [row(
            R4,
            "escalate-to-practice-manager",
            "C42",
            "2026-03-04T14:00:00Z",
            "2026-03-05T23:59:59Z"
        )]
    );
    assert_eq!(
        stage_names(&file, R4, "2026-03-04T13:59:59Z"),
        ["reattempt-due"]
    );
    file.decisions.push(Decision {
        id: "M1".into(),
        case_id: "C42".into(),
        decided_at: t("2026-03-05T09:00:00Z"),
        manager_id: Some("P1".into()),
        kind: "failed_visit_escalation".into(),
    });
    assert_eq!(
        stage_names(&file, R4, "2026-03-05T08:59:59Z"),
        ["escalate-to-practice-manager"]
    );
    assert!(stage_names(&file, R4, "2026-03-05T09:00:00Z").is_empty());
    // The decision does not stop the team manager's escalation after ten days.
    assert_eq!(
        stage_names(&file, R4, "2026-03-12T00:00:00Z"),
        ["escalate-to-team-manager"]
    );
}

#[test]
fn decision_of_another_kind_or_before_the_second_failure_does_not_count() {
    let mut file = failed_monday();
    file.visits
        .push(visit("V2", "C42", Statutory, "2026-03-04T14:00:00Z", false));
    for (id, at, kind) in [
        ("M1", "2026-03-04T13:00:00Z", "failed_visit_escalation"),
        ("M2", "2026-03-05T09:00:00Z", "case_direction"),
    ] {
        file.decisions.push(Decision {
            id: id.into(),
            case_id: "C42".into(),
            decided_at: t(at),
            manager_id: None,
            kind: kind.into(),
        });
    }
    assert_eq!(
        stage_names(&file, R4, "2026-03-05T10:00:00Z"),
        ["escalate-to-practice-manager"]
    );
}

#[test]
fn a_successful_visit_ends_the_ladder() {
    let mut file = failed_monday();
    file.visits
        .push(visit("V2", "C42", Statutory, "2026-03-04T14:00:00Z", false));
    file.visits
        .push(visit("V3", "C42", Statutory, "2026-03-13T11:00:00Z", true));
    assert_eq!(
        stage_names(&file, R4, "2026-03-13T10:59:59Z"),
        ["escalate-to-practice-manager", "escalate-to-team-manager"]
    );
    assert!(stage_names(&file, R4, "2026-03-13T11:00:00Z").is_empty());
    // A new failure after that starts a new ladder from it.
    file.visits
        .push(visit("V4", "C42", Statutory, "2026-03-20T10:00:00Z", false));
    assert_eq!(
        stages(&file, "2026-03-20T10:00:00Z"),
        [row(
            R4,
            "reattempt-due",
            "C42",
            "2026-03-20T10:00:00Z",
            "2026-03-25T23:59:59Z"
        )]
    );
}

#[test]
fn failures_before_any_successful_visit_start_the_ladder() {
    let mut file = case_file("C5", "CIN");
    file.visits
        .push(visit("V1", "C5", Statutory, "2026-03-02T10:00:00Z", false));
    assert_eq!(
        stage_names(&file, R4, "2026-03-03T10:00:00Z"),
        ["reattempt-due"]
    );
}

#[test]
fn other_visit_types_are_not_on_the_ladder() {
    let mut file = case_file("C5", "CIN");
    file.visits
        .push(visit("V1", "C5", Other, "2026-03-02T10:00:00Z", false));
    file.visits
        .push(visit("V2", "C5", Kit, "2026-03-03T10:00:00Z", false));
    assert!(stage_names(&file, R4, "2026-03-20T10:00:00Z").is_empty());
}

#[test]
fn a_visit_after_now_has_not_happened() {
    let mut file = failed_monday();
    file.visits
        .push(visit("V3", "C42", Statutory, "2026-03-06T11:00:00Z", true));
    assert_eq!(
        stage_names(&file, R4, "2026-03-06T00:00:00Z"),
        ["reattempt-overdue"]
    );
    assert!(stage_names(&file, R4, "2026-03-06T11:00:00Z").is_empty());
}

#[test]
fn ten_days_across_christmas_then_one_working_day() {
    // F1 Mon 21 Dec 2026: d1 + 10 days = Thu 31 Dec, one working day later (1 Jan is a bank holiday, then the
    // weekend) is Mon 4 Jan 2027. d1 + 14 days = Mon 4 Jan; one working day later Tue 5 Jan.
    let mut file = case_file("C6", "CP");
    file.visits
        .push(visit("V1", "C6", Statutory, "2026-12-21T10:00:00Z", false));
    let now = stages(&file, "2027-01-04T00:00:00Z");
    assert!(now.contains(&row(
        R4,
        "escalate-to-team-manager",
        "C6",
        "2026-12-31T00:00:00Z",
        "2027-01-04T23:59:59Z"
    )));
    assert!(now.contains(&row(
        R4,
        "escalate-to-senior-manager",
        "C6",
        "2027-01-04T00:00:00Z",
        "2027-01-05T23:59:59Z"
    )));
    // d1 + 3wd skips Christmas Day and the Boxing Day substitute (Mon 28 Dec): Tue 22, Wed 23, Thu 24.
    assert!(now.contains(&row(
        R4,
        "reattempt-overdue",
        "C6",
        "2026-12-24T23:59:59Z",
        "2026-12-24T23:59:59Z"
    )));
}
