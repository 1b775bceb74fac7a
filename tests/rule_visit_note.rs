//! R1 `statutory-visit-oversight` (seed 001, "Recording Statutory Visits"): the note must get the manager's
//! comments before LCS auto-finalises it 5 working days after it was started.

mod common;
use casewatch::model::VisitType;
use common::*;

const R1: &str = "statutory-visit-oversight";

/// A note started on Monday 2 March 2026 (GMT): D+3wd = Thu 5 March, X = D+5wd = Mon 9 March.
fn note_started_monday() -> casewatch::model::CaseFile {
    let mut file = case_file("C1", "CP");
    let mut v = statutory_note("V1", "C1", "2026-03-02T10:00:00Z", "2026-03-02T16:30:00Z");
    v.worker_id = Some("W2".into());
    file.visits.push(v);
    file
}

#[test]
fn nothing_before_the_third_working_day() {
    assert!(stage_names(&note_started_monday(), R1, "2026-03-04T23:59:59Z").is_empty());
}

#[test]
fn upcoming_from_the_start_of_the_third_working_day() {
    assert_eq!(
        stages(&note_started_monday(), "2026-03-05T00:00:00Z"),
        [row(
            R1,
            "upcoming",
            "V1",
            "2026-03-05T00:00:00Z",
            "2026-03-09T23:59:59Z"
        )]
    );
}

#[test]
fn due_today_on_the_fifth_working_day() {
    assert_eq!(
        stage_names(&note_started_monday(), R1, "2026-03-08T23:59:59Z"),
        ["upcoming"]
    );
    assert_eq!(
        stages(&note_started_monday(), "2026-03-09T00:00:00Z"),
        [
            row(
                R1,
                "upcoming",
                "V1",
                "2026-03-05T00:00:00Z",
                "2026-03-09T23:59:59Z"
            ),
            row(
                R1,
                "due-today",
                "V1",
                "2026-03-09T00:00:00Z",
                "2026-03-09T23:59:59Z"
            ),
        ]
    );
}

#[test]
fn auto_finalised_at_the_end_of_the_fifth_working_day() {
    assert_eq!(
        stage_names(&note_started_monday(), R1, "2026-03-09T23:59:58Z"),
        ["upcoming", "due-today"]
    );
    assert_eq!(
        stage_names(&note_started_monday(), R1, "2026-03-09T23:59:59Z"),
        ["upcoming", "due-today", "auto-finalised"]
    );
    assert_eq!(
        stages(&note_started_monday(), "2026-03-10T00:00:00Z"),
        [row(
            R1,
            "auto-finalised",
            "V1",
            "2026-03-09T23:59:59Z",
            "2026-03-09T23:59:59Z"
        )]
    );
    // A breach stands until the obligation is done.
    assert_eq!(
        stage_names(&note_started_monday(), R1, "2026-06-01T09:00:00Z"),
        ["auto-finalised"]
    );
}

#[test]
fn manager_comment_ends_every_stage_from_the_moment_it_is_made() {
    let mut file = note_started_monday();
    file.visits[0].manager_comment_at = Some(t("2026-03-06T11:00:00Z"));
    assert_eq!(stage_names(&file, R1, "2026-03-06T10:59:59Z"), ["upcoming"]);
    assert!(stage_names(&file, R1, "2026-03-06T11:00:00Z").is_empty());
    assert!(stage_names(&file, R1, "2026-03-10T00:00:00Z").is_empty());
}

#[test]
fn finalised_note_is_done() {
    let mut file = note_started_monday();
    file.visits[0].note_finalised_at = Some(t("2026-03-05T12:00:00Z"));
    assert!(stage_names(&file, R1, "2026-03-05T12:00:00Z").is_empty());
}

#[test]
fn only_statutory_visits_with_a_note_count() {
    let mut file = note_started_monday();
    file.visits[0].visit_type = VisitType::Other;
    assert!(stage_names(&file, R1, "2026-03-05T00:00:00Z").is_empty());
    let mut file = note_started_monday();
    file.visits[0].note_created_at = None;
    assert!(stage_names(&file, R1, "2026-03-05T00:00:00Z").is_empty());
}

#[test]
fn closed_case_has_no_stages_from_its_closing_date() {
    let mut file = note_started_monday();
    file.case.closed_on = Some(d("2026-03-06"));
    assert_eq!(stage_names(&file, R1, "2026-03-05T23:59:59Z"), ["upcoming"]);
    assert!(stage_names(&file, R1, "2026-03-06T00:00:00Z").is_empty());
}

#[test]
fn future_dated_values_have_not_happened_yet() {
    // Evaluating before the note was started: nothing. A comment dated after `now` does not silence the alert.
    let mut file = note_started_monday();
    assert!(stage_names(&file, R1, "2026-03-02T16:29:59Z").is_empty());
    file.visits[0].manager_comment_at = Some(t("2026-03-20T09:00:00Z"));
    assert_eq!(
        stage_names(&file, R1, "2026-03-10T00:00:00Z"),
        ["auto-finalised"]
    );
}

#[test]
fn spring_dst_week_uses_london_midnight() {
    // Started Thu 26 March 2026; D+3wd = Tue 31 March (BST: midnight is 23:00Z the day before);
    // X = D+5wd = Thu 2 April, ending 22:59:59Z.
    let mut file = case_file("C1", "CLA");
    file.visits.push(statutory_note(
        "V7",
        "C1",
        "2026-03-26T09:00:00Z",
        "2026-03-26T09:30:00Z",
    ));
    assert!(stage_names(&file, R1, "2026-03-30T22:59:59Z").is_empty());
    assert_eq!(
        stages(&file, "2026-03-30T23:00:00Z"),
        [row(
            R1,
            "upcoming",
            "V7",
            "2026-03-30T23:00:00Z",
            "2026-04-02T22:59:59Z"
        )]
    );
    assert_eq!(
        stage_names(&file, R1, "2026-04-02T22:59:59Z"),
        ["upcoming", "due-today", "auto-finalised"]
    );
    assert_eq!(
        stage_names(&file, R1, "2026-04-02T23:00:00Z"),
        ["auto-finalised"]
    );
}

#[test]
fn autumn_dst_week_spans_the_change() {
    // Started Mon 19 October 2026 (BST): D+3wd = Thu 22 Oct (23:00Z on the 21st); X = Mon 26 Oct, after the
    // clocks go back on Sun 25 Oct, so it ends at 23:59:59Z.
    let mut file = case_file("C1", "CIN");
    file.visits.push(statutory_note(
        "V8",
        "C1",
        "2026-10-19T08:00:00Z",
        "2026-10-19T13:00:00Z",
    ));
    assert_eq!(
        stages(&file, "2026-10-21T23:00:00Z"),
        [row(
            R1,
            "upcoming",
            "V8",
            "2026-10-21T23:00:00Z",
            "2026-10-26T23:59:59Z"
        )]
    );
    assert_eq!(
        stage_names(&file, R1, "2026-10-26T00:00:00Z"),
        ["upcoming", "due-today"]
    );
    assert_eq!(
        stage_names(&file, R1, "2026-10-26T23:59:59Z"),
        ["upcoming", "due-today", "auto-finalised"]
    );
}
