//! R5 `kit-visit-due` and R6 `kit-ssda903-window` (seed 001, "Care Leavers — Recording KIT visits": every 2 months
//! for eligible, relevant and former relevant care leavers; a KIT within 2 months of the 17th–21st birthday is
//! recorded for the SSDA903).

mod common;
use casewatch::model::{CareLeaverCategory, VisitType::Kit};
use common::*;

const R5: &str = "kit-visit-due";
const R6: &str = "kit-ssda903-window";

fn care_leaver(last_kit: Option<&str>) -> casewatch::model::CaseFile {
    let mut file = case_file("C9", "CARE_LEAVER");
    if let Some(at) = last_kit {
        file.visits.push(visit("K1", "C9", Kit, at, true));
    }
    file
}

fn only(
    rule: &str,
    file: &casewatch::model::CaseFile,
    now: &str,
) -> Vec<(String, String, String, String, String)> {
    stages(file, now)
        .into_iter()
        .filter(|s| s.0 == rule)
        .collect()
}

#[test]
fn kit_upcoming_ten_working_days_before_two_months() {
    // Last seen Thu 15 Jan 2026: due Sun 15 March; ten working days before is Mon 2 March.
    let file = care_leaver(Some("2026-01-15T10:00:00Z"));
    assert!(only(R5, &file, "2026-03-01T23:59:59Z").is_empty());
    assert_eq!(
        only(R5, &file, "2026-03-02T00:00:00Z"),
        [row(
            R5,
            "upcoming",
            "C9",
            "2026-03-02T00:00:00Z",
            "2026-03-15T23:59:59Z"
        )]
    );
}

#[test]
fn kit_overdue_at_the_end_of_the_due_date() {
    let file = care_leaver(Some("2026-01-15T10:00:00Z"));
    assert_eq!(stage_names(&file, R5, "2026-03-15T23:59:58Z"), ["upcoming"]);
    assert_eq!(
        stage_names(&file, R5, "2026-03-15T23:59:59Z"),
        ["upcoming", "overdue"]
    );
    assert_eq!(stage_names(&file, R5, "2026-03-16T00:00:00Z"), ["overdue"]);
}

#[test]
fn kit_months_clamp_to_the_month_end() {
    // 31 Dec 2025 + 2 months = Sat 28 Feb 2026; ten working days before is Mon 16 Feb.
    let file = care_leaver(Some("2025-12-31T15:00:00Z"));
    assert_eq!(
        only(R5, &file, "2026-02-16T00:00:00Z"),
        [row(
            R5,
            "upcoming",
            "C9",
            "2026-02-16T00:00:00Z",
            "2026-02-28T23:59:59Z"
        )]
    );
}

#[test]
fn kit_due_date_in_summer_time_ends_at_2259_utc() {
    // Seen Mon 20 April 2026: due Sat 20 June, ending 22:59:59Z (BST).
    let file = care_leaver(Some("2026-04-20T09:00:00Z"));
    assert_eq!(
        stage_names(&file, R5, "2026-06-20T22:59:59Z"),
        ["upcoming", "overdue"]
    );
}

#[test]
fn without_a_kit_the_clock_runs_from_the_case_opening() {
    // Opened Mon 6 Jan 2025: due 6 March 2025, long overdue.
    let file = care_leaver(None);
    assert_eq!(
        only(R5, &file, "2026-03-02T00:00:00Z"),
        [row(
            R5,
            "overdue",
            "C9",
            "2025-03-06T23:59:59Z",
            "2025-03-06T23:59:59Z"
        )]
    );
}

#[test]
fn failed_or_future_kits_do_not_reset_the_clock() {
    let mut file = care_leaver(Some("2026-01-15T10:00:00Z"));
    file.visits
        .push(visit("K2", "C9", Kit, "2026-03-03T10:00:00Z", false));
    file.visits
        .push(visit("K3", "C9", Kit, "2026-03-20T10:00:00Z", true));
    assert_eq!(stage_names(&file, R5, "2026-03-16T00:00:00Z"), ["overdue"]);
    assert!(stage_names(&file, R5, "2026-03-20T10:00:00Z").is_empty());
}

#[test]
fn qualifying_care_leavers_and_other_case_types_are_not_covered() {
    let mut file = care_leaver(Some("2026-01-15T10:00:00Z"));
    file.case.care_leaver_category = Some(CareLeaverCategory::Qualifying);
    assert!(stages(&file, "2026-03-16T00:00:00Z").is_empty());
    let mut file = care_leaver(Some("2026-01-15T10:00:00Z"));
    file.case.case_type = "CLA".into();
    assert!(stages(&file, "2026-03-16T00:00:00Z").is_empty());
}

/// 18th birthday Sun 10 May 2026: window 10 March – 10 July 2026; E = Fri 10 July.
fn turning_eighteen() -> casewatch::model::CaseFile {
    let mut file = care_leaver(None);
    file.child.date_of_birth = Some(d("2008-05-10"));
    file
}

#[test]
fn window_closing_ten_working_days_before_the_window_ends() {
    // Ten working days before Fri 10 July 2026 is Fri 26 June: midnight BST is 23:00Z on the 25th.
    let file = turning_eighteen();
    assert!(only(R6, &file, "2026-06-25T22:59:59Z").is_empty());
    assert_eq!(
        only(R6, &file, "2026-06-25T23:00:00Z"),
        [row(
            R6,
            "window-closing",
            "C9:18",
            "2026-06-25T23:00:00Z",
            "2026-07-10T22:59:59Z"
        )]
    );
    assert_eq!(only(R6, &file, "2026-07-10T22:59:59Z").len(), 1);
    assert!(only(R6, &file, "2026-07-10T23:00:00Z").is_empty());
}

#[test]
fn unticked_kit_inside_the_window_asks_for_the_ssda903_tick() {
    let mut file = turning_eighteen();
    file.visits
        .push(visit("K5", "C9", Kit, "2026-04-01T09:00:00Z", true));
    assert_eq!(
        only(R6, &file, "2026-04-01T09:00:00Z"),
        [row(
            R6,
            "tick-ssda903",
            "K5",
            "2026-04-01T09:00:00Z",
            "2026-07-10T22:59:59Z"
        )]
    );
    assert!(
        only(R6, &file, "2026-06-30T12:00:00Z")
            .iter()
            .all(|s| s.1 == "tick-ssda903")
    );
    file.visits[0].ssda903_recorded = true;
    assert!(only(R6, &file, "2026-06-30T12:00:00Z").is_empty());
}

#[test]
fn window_edges_are_local_dates() {
    // 23:30Z on 9 March is still 9 March in London (GMT): outside the window.
    let mut file = turning_eighteen();
    file.visits
        .push(visit("K6", "C9", Kit, "2026-03-09T23:30:00Z", true));
    assert_eq!(
        stage_names(&file, R6, "2026-06-30T12:00:00Z"),
        ["window-closing"]
    );
    // 22:30Z on 10 July is 23:30 BST on 10 July: inside. 23:30Z is 11 July: outside.
    let mut file = turning_eighteen();
    file.visits
        .push(visit("K7", "C9", Kit, "2026-07-10T22:30:00Z", true));
    assert_eq!(
        stage_names(&file, R6, "2026-07-10T22:30:00Z"),
        ["tick-ssda903"]
    );
    let mut file = turning_eighteen();
    file.visits
        .push(visit("K8", "C9", Kit, "2026-07-10T23:30:00Z", true));
    assert_eq!(
        stage_names(&file, R6, "2026-07-10T22:59:59Z"),
        ["window-closing"]
    );
}

#[test]
fn leap_day_birthdays_fall_on_28_february() {
    // Born 29 Feb 2008: 18th birthday Sat 28 Feb 2026; window ends Tue 28 April; ten working days before is
    // Tue 14 April (midnight BST = 23:00Z on the 13th).
    let mut file = care_leaver(None);
    file.child.date_of_birth = Some(d("2008-02-29"));
    assert_eq!(
        only(R6, &file, "2026-04-20T12:00:00Z"),
        [row(
            R6,
            "window-closing",
            "C9:18",
            "2026-04-13T23:00:00Z",
            "2026-04-28T22:59:59Z"
        )]
    );
}

#[test]
fn no_date_of_birth_no_window() {
    let file = care_leaver(None);
    assert!(only(R6, &file, "2026-06-30T12:00:00Z").is_empty());
}
