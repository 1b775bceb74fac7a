//! Readings where the seed's words choose between two rules, or say when a series starts: which rule watches a
//! case, worked out by hand from the seed and the calendar (England and Wales). Each test names the seed's words.

mod common;

use casewatch::model::{CaseFile, VisitType};
use common::*;

/// The (rule, stage, due) of the rules in `rules` active at `now`.
fn active(file: &CaseFile, rules: &[&str], now: &str) -> Vec<(String, String, String)> {
    pack_stages(&all_packs(), file, now)
        .into_iter()
        .filter(|s| rules.contains(&s.0.as_str()))
        .map(|s| (s.0, s.1, s.4))
        .collect()
}

/// As [`active`], the `overdue` stages only.
fn overdue(file: &CaseFile, rules: &[&str], now: &str) -> Vec<(String, String, String)> {
    let mut rows = active(file, rules, now);
    rows.retain(|r| r.1 == "overdue");
    rows
}

fn row(rule: &str, stage: &str, due: &str) -> (String, String, String) {
    (rule.into(), stage.into(), due.into())
}

/// Havering: "RHAs take place annually for LAC aged 5+ and 6 monthly for under 5s". The age is the child's on the
/// day of the last assessment.
#[test]
fn review_health_assessments_every_6_months_under_5_and_every_12_from_5() {
    let rules = ["hv-rha-5plus", "hv-rha-under5"];
    let mut file = case_file("C1", "CLA");
    file.case.opened_on = d("2025-01-06");
    // Born 10 March 2021: 5 on 10 March 2026. Assessed on Monday 9 March 2026, the day before: under 5, so the
    // next is due 6 months later, Wednesday 9 September 2026 (BST), whatever the age then.
    file.child.date_of_birth = Some(d("2021-03-10"));
    file.records.push(record(
        "R1",
        "C1",
        "health_assessment",
        Some("2026-03-09T10:00:00Z"),
    ));
    assert_eq!(
        overdue(&file, &rules, "2026-09-09T22:59:59Z"),
        [row("hv-rha-under5", "overdue", "2026-09-09T22:59:59Z")]
    );
    // Assessed on Tuesday 10 March 2026, the fifth birthday: annual, due Wednesday 10 March 2027 (GMT).
    file.records[0].completed_at = Some(t("2026-03-10T10:00:00Z"));
    assert!(active(&file, &rules, "2026-09-10T22:59:59Z").is_empty());
    assert_eq!(
        overdue(&file, &rules, "2027-03-10T23:59:59Z"),
        [row("hv-rha-5plus", "overdue", "2027-03-10T23:59:59Z")]
    );
    // No date of birth: neither rule can tell which interval applies.
    file.child.date_of_birth = None;
    assert!(active(&file, &rules, "2028-01-01T00:00:00Z").is_empty());
}

/// Havering: "1 day before an initial child in care review and 5 days before a review".
#[test]
fn the_initial_looked_after_review_gets_a_day_and_later_ones_five() {
    let rules = ["hv-cla-report", "hv-cla-report-initial"];
    let mut file = case_file("C1", "CLA");
    // Scheduled for Friday 16 October 2026 10:00 BST, none held before: the initial review, due the end of
    // Thursday 15 October (BST). Its reminder starts 3 working days before: Monday 12 October.
    file.meetings.push(meeting(
        "M2",
        "C1",
        "cla_review",
        Some("2026-10-16T09:00:00Z"),
        None,
    ));
    assert_eq!(
        active(&file, &rules, "2026-10-11T23:00:00Z"),
        [row(
            "hv-cla-report-initial",
            "due-soon",
            "2026-10-15T22:59:59Z"
        )]
    );
    assert!(active(&file, &rules, "2026-10-11T22:59:59Z").is_empty());
    // With a review held on 1 May 2026 before it, it is a later review: 5 calendar days before, the end of Sunday
    // 11 October (BST); the reminder starts 3 working days before that, Wednesday 7 October.
    file.meetings.push(meeting(
        "M1",
        "C1",
        "cla_review",
        None,
        Some("2026-05-01T09:00:00Z"),
    ));
    assert_eq!(
        active(&file, &rules, "2026-10-06T23:00:00Z"),
        [row("hv-cla-report", "due-soon", "2026-10-11T22:59:59Z")]
    );
    assert!(active(&file, &rules, "2026-10-06T22:59:59Z").is_empty());
}

/// Havering private fostering: "every six weeks in the first year and at least 3 monthly in subsequent years",
/// counted from the placement.
#[test]
fn private_fostering_visits_change_interval_after_the_placements_first_year() {
    let rules = ["hv-pf-visits-y1", "hv-pf-visits-later"];
    let mut file = case_file("C1", "PRIVATE_FOSTERING");
    file.case.opened_on = d("2025-06-01");
    file.events.push(event(
        "E1",
        "C1",
        "pf_placement_started",
        "2025-06-02T10:00:00Z",
    ));
    // Last visit Monday 1 June 2026, still in the first year (which ends 2 June 2026): 6 weeks, Monday 13 July.
    file.visits.push(visit(
        "V1",
        "C1",
        VisitType::Statutory,
        "2026-06-01T10:00:00Z",
        true,
    ));
    assert_eq!(
        overdue(&file, &rules, "2026-07-13T22:59:59Z"),
        [row("hv-pf-visits-y1", "overdue", "2026-07-13T22:59:59Z")]
    );
    // Visited on Tuesday 2 June 2026 instead, the placement's first anniversary: 3 months, Wednesday 2 September.
    file.visits[0].visit_at = t("2026-06-02T10:00:00Z");
    assert!(active(&file, &rules, "2026-07-14T22:59:59Z").is_empty());
    assert_eq!(
        overdue(&file, &rules, "2026-09-02T22:59:59Z"),
        [row("hv-pf-visits-later", "overdue", "2026-09-02T22:59:59Z")]
    );
}

/// A series that another rule starts: nothing to review before the initial TAF, the TYS plan or the first pathway
/// plan (eh-taf-initial, tys-plan and pathway-plan-by-15y9m chase those).
#[test]
fn reviews_wait_for_what_they_review() {
    let mut taf = case_file("C1", "EARLY_HELP");
    taf.case.opened_on = d("2026-01-05");
    assert!(active(&taf, &["eh-taf-review"], "2026-06-01T00:00:00Z").is_empty());
    let mut tys = case_file("C1", "TYS");
    tys.case.opened_on = d("2026-01-05");
    tys.meetings.push(meeting(
        "M1",
        "C1",
        "tys_review",
        None,
        Some("2026-01-20T10:00:00Z"),
    ));
    assert!(active(&tys, &["tys-plan-review"], "2026-06-01T00:00:00Z").is_empty());
    // The plan completed Monday 2 February: the review held 20 January is before it and does not count; the first
    // review is due 4 weeks after the plan, Monday 2 March.
    tys.records
        .push(record("R1", "C1", "tys_plan", Some("2026-02-02T12:00:00Z")));
    assert_eq!(
        overdue(&tys, &["tys-plan-review"], "2026-03-02T23:59:59Z"),
        [row("tys-plan-review", "overdue", "2026-03-02T23:59:59Z")]
    );
    let mut cla = case_file("C1", "CLA");
    cla.case.opened_on = d("2025-01-06");
    assert!(active(&cla, &["hv-pathway-6m-cla"], "2026-06-01T00:00:00Z").is_empty());
    // A pathway plan on Friday 31 July 2026: reviewed 6 months later, Sunday 31 January 2027.
    cla.records.push(record(
        "R1",
        "C1",
        "pathway_plan",
        Some("2026-07-31T09:00:00Z"),
    ));
    assert_eq!(
        overdue(&cla, &["hv-pathway-6m-cla"], "2027-01-31T23:59:59Z"),
        [row("hv-pathway-6m-cla", "overdue", "2027-01-31T23:59:59Z")]
    );
}

/// One return from missing on an early help case is one offer to chase: rhi-offer watches every case type, and no
/// early help rule repeats it.
#[test]
fn a_return_from_missing_on_an_early_help_case_is_told_once() {
    let mut file = case_file("C1", "EARLY_HELP");
    file.events.push(event(
        "E1",
        "C1",
        "returned_from_missing",
        "2026-03-06T18:00:00Z",
    ));
    let offers: Vec<String> = pack_stages(&all_packs(), &file, "2026-03-09T18:00:00Z")
        .into_iter()
        .filter(|s| s.1 == "overdue" && s.0.contains("rhi"))
        .map(|s| s.0)
        .collect();
    assert_eq!(offers, ["rhi-offer"]);
}
