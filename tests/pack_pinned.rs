//! The 21 rules of SPEC section 8.5, each on a case worked out by hand from the seed's words and the calendar:
//! every stage of the common ladder (SPEC 8.4) is checked one second before and at its start, and around its due
//! time. England and Wales bank holidays used below: Good Friday 3 Apr 2026, Easter Monday 6 Apr 2026, early May
//! 4 May 2026, spring 25 May 2026, summer 31 Aug 2026, Christmas 25 Dec 2026, Boxing Day (substitute) 28 Dec 2026,
//! New Year 1 Jan 2027. Clocks change on 29 Mar 2026 (forward) and 25 Oct 2026 (back).

mod common;

use casewatch::model::CaseFile;
use chrono::{Duration, SecondsFormat};
use common::*;

/// A pinned rule's expected ladder: the `due-soon` start, the due instant, and the `escalated` start.
struct Ladder {
    rule: &'static str,
    subject: &'static str,
    due_soon_from: &'static str,
    due: &'static str,
    escalated_from: &'static str,
}

fn shift(at: &str, seconds: i64) -> String {
    (t(at) + Duration::seconds(seconds)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn has(stages: &[(String, String, String)], stage: &str, from: &str, due: &str) -> bool {
    stages.contains(&(stage.into(), from.into(), due.into()))
}

fn named(stages: &[(String, String, String)], stage: &str) -> bool {
    stages.iter().any(|s| s.0 == stage)
}

/// Checks every boundary of the common ladder for one obligation.
fn check(file: &CaseFile, l: &Ladder) {
    check_seen_from(file, l, l.due_soon_from)
}

/// As [`check`], for an obligation whose reminder starts before its event was recorded: it is first seen at `seen`.
fn check_seen_from(file: &CaseFile, l: &Ladder, seen: &str) {
    let pack = all_packs();
    let at = |now: &str| rule_stages(&pack, file, l.rule, now);
    let ctx = |what: &str| format!("{} ({}): {what}", l.rule, l.subject);

    let before = at(&shift(l.due_soon_from, -1));
    assert!(
        !named(&before, "due-soon"),
        "{}",
        ctx("due-soon one second early")
    );
    let start = at(seen);
    assert!(
        has(&start, "due-soon", l.due_soon_from, l.due),
        "{}: {start:?}",
        ctx("due-soon at its start")
    );

    let just_before_due = at(&shift(l.due, -1));
    assert!(
        named(&just_before_due, "due-soon"),
        "{}",
        ctx("due-soon just before due")
    );
    assert!(
        !named(&just_before_due, "overdue"),
        "{}",
        ctx("overdue one second early")
    );
    let at_due = at(l.due);
    assert!(
        has(&at_due, "due-soon", l.due_soon_from, l.due),
        "{}",
        ctx("due-soon at the due instant")
    );
    assert!(
        has(&at_due, "overdue", l.due, l.due),
        "{}: {at_due:?}",
        ctx("overdue at the due instant")
    );
    let after_due = at(&shift(l.due, 1));
    assert!(
        !named(&after_due, "due-soon"),
        "{}",
        ctx("due-soon lapses after due")
    );
    assert!(
        has(&after_due, "overdue", l.due, l.due),
        "{}",
        ctx("overdue after due")
    );

    let before_escalation = at(&shift(l.escalated_from, -1));
    assert!(
        !named(&before_escalation, "escalated"),
        "{}",
        ctx("escalated one second early")
    );
    let escalated = at(l.escalated_from);
    assert!(
        has(&escalated, "escalated", l.escalated_from, l.due),
        "{}: {escalated:?}",
        ctx("escalated at its start")
    );
    assert!(
        has(&escalated, "overdue", l.due, l.due),
        "{}",
        ctx("overdue still stands")
    );
}

fn with_event(case_type: &str, kind: &str, at: &str) -> CaseFile {
    let mut file = case_file("C1", case_type);
    file.events.push(event("E1", "C1", kind, at));
    file
}

fn with_held(kind: &str, held: &str) -> CaseFile {
    let mut file = case_file("C1", "CP");
    file.meetings
        .push(meeting("M1", "C1", kind, None, Some(held)));
    file
}

fn with_scheduled(kind: &str, scheduled: &str) -> CaseFile {
    let mut file = case_file("C1", "CP");
    file.meetings
        .push(meeting("M1", "C1", kind, Some(scheduled), None));
    file
}

#[test]
fn strategy_discussion_held_within_24_hours_across_the_autumn_clock_change() {
    // seed 001 "held within 24 hours": Fri 23 Oct 2026 15:30 BST + 24h = Sat 24 Oct 15:30 BST. Escalated: Sat 24
    // Oct + 5wd = Fri 30 Oct, by then GMT.
    check(
        &with_event("CP", "strategy_needed", "2026-10-23T14:30:00Z"),
        &Ladder {
            rule: "strategy-discussion-held",
            subject: "E1",
            due_soon_from: "2026-10-23T14:30:00Z",
            due: "2026-10-24T14:30:00Z",
            escalated_from: "2026-10-30T00:00:00Z",
        },
    );
}

#[test]
fn case_summary_every_three_months_from_opening_across_easter() {
    // No case summary: L = start(opened_on) = 9 Jan 2026; X = 9 Apr 2026 (BST). Reminder 5wd before X, passing
    // over Easter Monday and Good Friday: Wed 8, Tue 7, Thu 2, Wed 1, Tue 31 Mar. Escalated: Fri 10 Apr + 4 = Thu 16.
    let mut file = case_file("C1", "CIN");
    file.case.opened_on = d("2026-01-09");
    check(
        &file,
        &Ladder {
            rule: "case-summary-3-monthly",
            subject: "C1",
            due_soon_from: "2026-03-30T23:00:00Z",
            due: "2026-04-09T22:59:59Z",
            escalated_from: "2026-04-15T23:00:00Z",
        },
    );
}

#[test]
fn case_summary_moves_with_each_new_summary() {
    // Completed Fri 20 Mar 2026 10:00 GMT: X = 20 Jun 2026 (a Saturday, BST).
    let mut file = case_file("C1", "CP");
    file.case.opened_on = d("2026-01-09");
    file.records.push(record(
        "R1",
        "C1",
        "case_summary",
        Some("2026-03-20T10:00:00Z"),
    ));
    let pack = all_packs();
    let overdue = rule_stages(
        &pack,
        &file,
        "case-summary-3-monthly",
        "2026-06-21T12:00:00Z",
    );
    assert_eq!(
        overdue,
        [(
            "overdue".into(),
            "2026-06-20T22:59:59Z".into(),
            "2026-06-20T22:59:59Z".into()
        )]
    );
    // The 9 April due date of the case's opening is gone: nothing is due in April.
    assert!(
        rule_stages(
            &pack,
            &file,
            "case-summary-3-monthly",
            "2026-04-10T12:00:00Z"
        )
        .is_empty()
    );
}

#[test]
fn chronology_monthly_clamps_to_the_end_of_february() {
    // Completed Sat 31 Jan 2026: X = 31 Jan + 1 month = 28 Feb 2026 (a Saturday). Reminder: Mon 23 Feb (5wd back);
    // escalated: Mon 2 Mar + 4 = Fri 6 Mar.
    let mut file = case_file("C1", "CLA");
    file.records.push(record(
        "R1",
        "C1",
        "chronology",
        Some("2026-01-31T12:00:00Z"),
    ));
    check(
        &file,
        &Ladder {
            rule: "chronology-monthly",
            subject: "C1",
            due_soon_from: "2026-02-23T00:00:00Z",
            due: "2026-02-28T23:59:59Z",
            escalated_from: "2026-03-06T00:00:00Z",
        },
    );
}

#[test]
fn strategy_record_within_24_hours_of_a_meeting_held_the_night_before_the_clocks_go_back() {
    // Held Sat 24 Oct 2026 23:30 BST; 24 hours later is 22:30 GMT on Sun 25 Oct (25 local hours: a duration).
    check(
        &with_held("strategy", "2026-10-24T22:30:00Z"),
        &Ladder {
            rule: "strategy-record",
            subject: "M1",
            due_soon_from: "2026-10-24T22:30:00Z",
            due: "2026-10-25T22:30:00Z",
            escalated_from: "2026-10-30T00:00:00Z",
        },
    );
}

#[test]
fn icpc_decisions_within_48_hours_over_christmas() {
    // Held Thu 24 Dec 2026 16:00: due Sat 26 Dec 16:00. Escalated: Sat 26 Dec + 5wd, passing 28 Dec and 1 Jan:
    // Tue 29, Wed 30, Thu 31, Mon 4, Tue 5 Jan 2027.
    check(
        &with_held("icpc", "2026-12-24T16:00:00Z"),
        &Ladder {
            rule: "icpc-decisions",
            subject: "M1",
            due_soon_from: "2026-12-24T16:00:00Z",
            due: "2026-12-26T16:00:00Z",
            escalated_from: "2027-01-05T00:00:00Z",
        },
    );
}

#[test]
fn icpc_record_within_15_working_days_over_christmas_and_new_year() {
    // Held Tue 15 Dec 2026: 15 working days later, skipping 25 Dec, 28 Dec and 1 Jan, is Fri 8 Jan 2027.
    check(
        &with_held("icpc", "2026-12-15T10:00:00Z"),
        &Ladder {
            rule: "icpc-record",
            subject: "M1",
            due_soon_from: "2027-01-06T00:00:00Z",
            due: "2027-01-08T23:59:59Z",
            escalated_from: "2027-01-15T00:00:00Z",
        },
    );
}

#[test]
fn icpc_report_24_hours_before_the_scheduled_conference() {
    // Scheduled Mon 2 Nov 2026 10:00 GMT: due Sun 1 Nov 10:00. Reminder from 3 working days before Sun 1 Nov:
    // Wed 28 Oct (GMT since 25 Oct). Escalated, should the conference still be neither held nor cancelled:
    // Sun 1 Nov + 5wd = Fri 6 Nov.
    check(
        &with_scheduled("icpc", "2026-11-02T10:00:00Z"),
        &Ladder {
            rule: "icpc-report",
            subject: "M1",
            due_soon_from: "2026-10-28T00:00:00Z",
            due: "2026-11-01T10:00:00Z",
            escalated_from: "2026-11-06T00:00:00Z",
        },
    );
}

#[test]
fn core_group_minutes_within_5_working_days_over_the_august_bank_holiday() {
    // Held Fri 28 Aug 2026: Tue 1 .. Fri 4, Mon 7 Sep (Mon 31 Aug is a bank holiday). BST.
    check(
        &with_held("core_group", "2026-08-28T13:00:00Z"),
        &Ladder {
            rule: "core-group-minutes",
            subject: "M1",
            due_soon_from: "2026-09-02T23:00:00Z",
            due: "2026-09-07T22:59:59Z",
            escalated_from: "2026-09-13T23:00:00Z",
        },
    );
}

#[test]
fn rcpc_report_5_working_days_before_a_conference_after_the_spring_bank_holiday() {
    // Scheduled Thu 28 May 2026: 5 working days before, skipping Mon 25 May, is Wed 20 May. Reminder 3wd before
    // that: Fri 15 May. Escalated: Wed 20 May + 5wd = Thu 28 May.
    check(
        &with_scheduled("rcpc", "2026-05-28T09:00:00Z"),
        &Ladder {
            rule: "rcpc-report",
            subject: "M1",
            due_soon_from: "2026-05-14T23:00:00Z",
            due: "2026-05-20T22:59:59Z",
            escalated_from: "2026-05-27T23:00:00Z",
        },
    );
}

#[test]
fn looked_after_from_a_saturday_care_plan_iha_request_and_pep() {
    // Became looked after Sat 28 Feb 2026: the Saturday itself never counts. 5wd: Fri 6 Mar; 10wd: Fri 13 Mar.
    let file = with_event("CLA", "became_looked_after", "2026-02-28T16:00:00Z");
    for rule in ["cla-care-plan", "cla-pep"] {
        check(
            &file,
            &Ladder {
                rule,
                subject: "E1",
                due_soon_from: "2026-03-11T00:00:00Z",
                due: "2026-03-13T23:59:59Z",
                escalated_from: "2026-03-20T00:00:00Z",
            },
        );
    }
    check(
        &file,
        &Ladder {
            rule: "cla-iha-request",
            subject: "E1",
            due_soon_from: "2026-03-04T00:00:00Z",
            due: "2026-03-06T23:59:59Z",
            escalated_from: "2026-03-13T00:00:00Z",
        },
    );
}

#[test]
fn cla_review_record_within_15_working_days_across_the_month_end() {
    // Held Fri 30 Jan 2026: Mon 2 .. Fri 20 Feb is 15 working days.
    let mut file = with_held("cla_review", "2026-01-30T11:00:00Z");
    file.case.case_type = "CLA".into();
    check(
        &file,
        &Ladder {
            rule: "cla-review-record",
            subject: "M1",
            due_soon_from: "2026-02-18T00:00:00Z",
            due: "2026-02-20T23:59:59Z",
            escalated_from: "2026-02-27T00:00:00Z",
        },
    );
}

#[test]
fn pathway_plan_by_15_years_9_months_clamped_to_the_month_end() {
    // Born 31 May 2011: + 189 months = 31 Feb 2027, clamped to Sun 28 Feb 2027. Reminder 20 working days before:
    // every weekday of February 2027 back to Mon 1 Feb. Escalated: Mon 1 .. Fri 5 Mar.
    let mut file = case_file("C1", "CLA");
    file.child.date_of_birth = Some(d("2011-05-31"));
    check(
        &file,
        &Ladder {
            rule: "pathway-plan-by-15y9m",
            subject: "C1",
            due_soon_from: "2027-02-01T00:00:00Z",
            due: "2027-02-28T23:59:59Z",
            escalated_from: "2027-03-05T00:00:00Z",
        },
    );
}

#[test]
fn pathway_plan_every_6_months_from_the_end_of_august() {
    // Last plan completed Mon 31 Aug 2026 16:00 BST: + 6 months = 28 Feb 2027 (clamped).
    let mut file = case_file("C1", "CARE_LEAVER");
    file.records.push(record(
        "R1",
        "C1",
        "pathway_plan",
        Some("2026-08-31T15:00:00Z"),
    ));
    check(
        &file,
        &Ladder {
            rule: "pathway-plan-6-monthly",
            subject: "C1",
            due_soon_from: "2027-02-22T00:00:00Z",
            due: "2027-02-28T23:59:59Z",
            escalated_from: "2027-03-05T00:00:00Z",
        },
    );
}

#[test]
fn rhi_offer_within_72_hours_across_the_spring_clock_change_and_easter() {
    // Returned Fri 27 Mar 2026 18:00 GMT; 72 hours later is 18:00 UTC on Mon 30 Mar (19:00 BST). Escalated: Mon 30
    // Mar + 5wd, skipping Good Friday and Easter Monday: Tue 31, Wed 1, Thu 2, Tue 7, Wed 8 Apr.
    check(
        &with_event("CP", "returned_from_missing", "2026-03-27T18:00:00Z"),
        &Ladder {
            rule: "rhi-offer",
            subject: "E1",
            due_soon_from: "2026-03-27T18:00:00Z",
            due: "2026-03-30T18:00:00Z",
            escalated_from: "2026-04-07T23:00:00Z",
        },
    );
}

#[test]
fn icpc_within_15_working_days_of_the_last_strategy_discussion_over_easter() {
    // icpc_required Thu 2 Apr 2026: Tue 7 (1) .. Mon 27 Apr (15). Escalated: Tue 28, Wed 29, Thu 30, Fri 1,
    // Tue 5 May (Mon 4 May is a bank holiday).
    check(
        &with_event("CP", "icpc_required", "2026-04-02T14:00:00Z"),
        &Ladder {
            rule: "icpc-within-15wd-of-strategy",
            subject: "E1",
            due_soon_from: "2026-04-22T23:00:00Z",
            due: "2026-04-27T22:59:59Z",
            escalated_from: "2026-05-04T23:00:00Z",
        },
    );
}

#[test]
fn first_core_group_within_10_working_days_of_a_december_icpc() {
    // cp_plan_started Fri 18 Dec 2026: Mon 21, Tue 22, Wed 23, Thu 24, Tue 29, Wed 30, Thu 31, Mon 4, Tue 5,
    // Wed 6 Jan 2027.
    check(
        &with_event("CP", "cp_plan_started", "2026-12-18T11:00:00Z"),
        &Ladder {
            rule: "core-group-within-10wd",
            subject: "E1",
            due_soon_from: "2027-01-04T00:00:00Z",
            due: "2027-01-06T23:59:59Z",
            escalated_from: "2027-01-13T00:00:00Z",
        },
    );
}

#[test]
fn contact_decision_within_24_hours_on_a_friday_before_easter() {
    // A contact on a child with no open case: a CONTACT case opened that day (SPEC 8.5).
    let mut file = with_event("CONTACT", "contact_received", "2026-03-27T17:00:00Z");
    file.case.opened_on = d("2026-03-27");
    check(
        &file,
        &Ladder {
            rule: "contact-decision-24h",
            subject: "E1",
            due_soon_from: "2026-03-27T17:00:00Z",
            due: "2026-03-28T17:00:00Z",
            escalated_from: "2026-04-06T23:00:00Z",
        },
    );
}

#[test]
fn workbook_decision_within_24_hours_of_transfer() {
    check(
        &with_event("CP", "transferred_in", "2026-06-01T08:00:00Z"),
        &Ladder {
            rule: "workbook-decision",
            subject: "E1",
            due_soon_from: "2026-06-01T08:00:00Z",
            due: "2026-06-02T08:00:00Z",
            escalated_from: "2026-06-08T23:00:00Z",
        },
    );
}

#[test]
fn new_information_reviewed_within_one_working_day_over_christmas() {
    // New information Thu 24 Dec 2026: one working day later is Tue 29 Dec. The reminder's start is 2wd before
    // that (Wed 23 Dec), but the event is only seen once it has happened.
    let file = with_event("CIN", "new_information", "2026-12-24T10:00:00Z");
    assert!(
        rule_stages(
            &all_packs(),
            &file,
            "new-information-review",
            "2026-12-24T09:59:59Z"
        )
        .is_empty()
    );
    check_seen_from(
        &file,
        &Ladder {
            rule: "new-information-review",
            subject: "E1",
            due_soon_from: "2026-12-23T00:00:00Z",
            due: "2026-12-29T23:59:59Z",
            escalated_from: "2027-01-06T00:00:00Z",
        },
        "2026-12-24T10:00:00Z",
    );
}

/// SPEC 8.4's recipients for the 21 rules, and the paragraph after SPEC 8.5's table: where the seed gives the
/// decision to a manager, that manager hears at the reminder. Each stage's roles, in the order the rule lists them.
#[test]
fn who_is_told_at_each_stage_of_the_pinned_rules() {
    let pack = all_packs();
    let reminded = |id: &str| -> &[&str] {
        match id {
            // Seed 000: "Team Manager … and Social Worker to review information".
            "new-information-review" => &["worker", "supervisor"],
            // Seed 004: "A management decision about the disposal of the contact": the duty manager.
            "contact-decision-24h" => &["worker", "supervisor"],
            // Seed 003: "the function of opening a Workbook will sit with the Family Safeguarding Team Manager".
            "workbook-decision" => &["worker", "team_manager"],
            _ => &["worker"],
        }
    };
    let pinned = [
        "strategy-discussion-held",
        "case-summary-3-monthly",
        "chronology-monthly",
        "strategy-record",
        "icpc-decisions",
        "icpc-record",
        "icpc-report",
        "core-group-minutes",
        "rcpc-report",
        "cla-care-plan",
        "cla-iha-request",
        "cla-pep",
        "cla-review-record",
        "pathway-plan-by-15y9m",
        "pathway-plan-6-monthly",
        "rhi-offer",
        "icpc-within-15wd-of-strategy",
        "core-group-within-10wd",
        "contact-decision-24h",
        "workbook-decision",
        "new-information-review",
    ];
    for id in pinned {
        let rule = pack.rule(id).unwrap_or_else(|| panic!("{id} is shipped"));
        let got: Vec<(String, String, Vec<String>)> = rule
            .stages
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    s.severity.to_string(),
                    s.notify.iter().map(|r| r.name().into_owned()).collect(),
                )
            })
            .collect();
        let expected: Vec<(String, String, Vec<String>)> = [
            ("due-soon", "reminder", reminded(id)),
            ("overdue", "breach", &["worker", "supervisor"][..]),
            ("escalated", "escalation", &["team_manager"][..]),
        ]
        .into_iter()
        .map(|(name, severity, roles)| {
            (
                name.to_owned(),
                severity.to_owned(),
                roles.iter().map(|r| r.to_string()).collect(),
            )
        })
        .collect();
        assert_eq!(got, expected, "{id}");
        let overdue = rule.stages.iter().find(|s| s.name == "overdue").unwrap();
        assert_eq!(overdue.repeat_every.map(|(n, _)| n), Some(5), "{id}");
    }
}
