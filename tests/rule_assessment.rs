//! R2 `cf-set-priority` and R3 `cf-assessment-due` (seed 001: "C&F, please set priority" fires 5 working days
//! after the C&F started; priority 10/30/45 working days; seed 002: 45 working days from referral).

mod common;
use common::*;

const R2: &str = "cf-set-priority";
const R3: &str = "cf-assessment-due";

/// Started Monday 2 March 2026 with the initial 10-working-day priority: X = Mon 16 March.
fn started_monday() -> casewatch::model::CaseFile {
    let mut file = case_file("C2", "CIN");
    file.assessments
        .push(assessment("A1", "C2", "2026-03-02", 10));
    file
}

#[test]
fn set_priority_fires_five_working_days_after_the_start() {
    let file = started_monday();
    assert!(stage_names(&file, R2, "2026-03-08T23:59:59Z").is_empty());
    assert_eq!(
        stages(&file, "2026-03-09T00:00:00Z"),
        [row(
            R2,
            "set-priority",
            "A1",
            "2026-03-09T00:00:00Z",
            "2026-03-16T23:59:59Z"
        )]
    );
    assert_eq!(
        stage_names(&file, R2, "2026-03-16T23:59:59Z"),
        ["set-priority"]
    );
    // A warning lapses at its due time.
    assert!(stage_names(&file, R2, "2026-03-17T00:00:00Z").is_empty());
}

#[test]
fn setting_the_priority_or_completing_ends_the_alert() {
    let mut file = started_monday();
    file.assessments[0].priority_set_at = Some(t("2026-03-10T09:00:00Z"));
    assert_eq!(
        stage_names(&file, R2, "2026-03-10T08:59:59Z"),
        ["set-priority"]
    );
    assert!(stage_names(&file, R2, "2026-03-10T09:00:00Z").is_empty());
    let mut file = started_monday();
    file.assessments[0].completed_on = Some(d("2026-03-10"));
    assert!(stage_names(&file, R2, "2026-03-10T00:00:00Z").is_empty());
    assert_eq!(
        stage_names(&file, R2, "2026-03-09T23:59:59Z"),
        ["set-priority"]
    );
}

#[test]
fn assessment_upcoming_three_working_days_before_due() {
    let file = started_monday();
    assert!(stage_names(&file, R3, "2026-03-10T23:59:59Z").is_empty());
    let now = stages(&file, "2026-03-11T00:00:00Z");
    assert!(now.contains(&row(
        R3,
        "upcoming",
        "A1",
        "2026-03-11T00:00:00Z",
        "2026-03-16T23:59:59Z"
    )));
}

#[test]
fn assessment_overdue_at_the_end_of_the_due_date_then_escalated_after_five_working_days() {
    let file = started_monday();
    assert_eq!(stage_names(&file, R3, "2026-03-16T23:59:58Z"), ["upcoming"]);
    assert_eq!(
        stage_names(&file, R3, "2026-03-16T23:59:59Z"),
        ["upcoming", "overdue"]
    );
    assert_eq!(stage_names(&file, R3, "2026-03-17T00:00:00Z"), ["overdue"]);
    assert_eq!(stage_names(&file, R3, "2026-03-22T23:59:59Z"), ["overdue"]);
    let now = stages(&file, "2026-03-23T00:00:00Z");
    assert!(now.contains(&row(
        R3,
        "overdue",
        "A1",
        "2026-03-16T23:59:59Z",
        "2026-03-16T23:59:59Z"
    )));
    assert!(now.contains(&row(
        R3,
        "overdue-escalated",
        "A1",
        "2026-03-23T00:00:00Z",
        "2026-03-16T23:59:59Z"
    )));
}

#[test]
fn a_longer_priority_moves_the_due_date() {
    // 30 working days from Mon 2 March 2026: 21 in March (3rd to 31st), 1 and 2 April, then Good Friday (3 April)
    // and Easter Monday (6 April) are not working days, so the 30th is Wed 15 April; BST: it ends at 22:59:59Z.
    let mut file = started_monday();
    file.assessments[0].priority_working_days = 30;
    let now = stages(&file, "2026-04-15T23:00:00Z");
    assert!(now.contains(&row(
        R3,
        "overdue",
        "A1",
        "2026-04-15T22:59:59Z",
        "2026-04-15T22:59:59Z"
    )));
    assert_eq!(stage_names(&file, R3, "2026-04-15T22:59:58Z"), ["upcoming"]);
}

#[test]
fn statutory_limit_45_working_days_from_referral() {
    // Referral Fri 27 Feb 2026. 45 working days on, skipping Good Friday, Easter Monday and the early May bank
    // holiday (4 May), is Wed 6 May 2026.
    let mut file = started_monday();
    file.assessments[0].referral_on = Some(d("2026-02-27"));
    file.assessments[0].priority_working_days = 45;
    assert!(
        !stage_names(&file, R3, "2026-05-06T22:59:58Z").contains(&"statutory-limit".to_owned())
    );
    let now = stages(&file, "2026-05-06T22:59:59Z");
    assert!(now.contains(&row(
        R3,
        "statutory-limit",
        "A1",
        "2026-05-06T22:59:59Z",
        "2026-05-06T22:59:59Z"
    )));
}

#[test]
fn no_statutory_limit_without_a_referral_date() {
    let file = started_monday();
    assert!(
        !stage_names(&file, R3, "2026-09-01T09:00:00Z").contains(&"statutory-limit".to_owned())
    );
}

#[test]
fn completed_assessment_is_done_from_its_completion_date() {
    let mut file = started_monday();
    file.assessments[0].completed_on = Some(d("2026-03-18"));
    assert_eq!(stage_names(&file, R3, "2026-03-17T23:59:59Z"), ["overdue"]);
    assert!(stage_names(&file, R3, "2026-03-18T00:00:00Z").is_empty());
    // Evaluated as of before the completion date, the completion has not happened.
    assert_eq!(stage_names(&file, R3, "2026-03-17T12:00:00Z"), ["overdue"]);
}

#[test]
fn future_started_assessment_is_ignored() {
    let mut file = case_file("C2", "CIN");
    file.assessments
        .push(assessment("A9", "C2", "2026-06-01", 10));
    assert!(stages(&file, "2026-05-31T22:59:59Z").is_empty());
}
