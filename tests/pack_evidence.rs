//! What ends a pack obligation (SPEC 8.3), and which rows start one, as of the evaluation instant (SPEC 8.1): linked
//! and unlinked evidence before and after the anchor, evidence linked to another subject, evidence completed after
//! `now`, cancelled and not-yet-held meetings, and a before-meeting rule after an earlier meeting of its kind.

mod common;

use casewatch::model::CaseFile;
use common::*;

/// The stage names of `rule` active at `now`.
fn active(file: &CaseFile, rule: &str, now: &str) -> Vec<String> {
    pack_stages(&all_packs(), file, now)
        .into_iter()
        .filter(|s| s.0 == rule)
        .map(|s| s.1)
        .collect()
}

/// An ICPC held Tue 15 Dec 2026 10:00: its record is due by the end of Fri 8 Jan 2027 (15 working days).
fn icpc_held() -> CaseFile {
    let mut file = case_file("C1", "CP");
    file.meetings.push(meeting(
        "M1",
        "C1",
        "icpc",
        None,
        Some("2026-12-15T10:00:00Z"),
    ));
    file
}

const AFTER_DUE: &str = "2027-01-10T12:00:00Z";

fn conference_record(
    id: &str,
    completed: &str,
    meeting_id: Option<&str>,
) -> casewatch::model::Record {
    let mut r = record(id, "C1", "conference_record", Some(completed));
    r.meeting_id = meeting_id.map(Into::into);
    r
}

#[test]
fn without_evidence_the_record_is_overdue() {
    assert_eq!(active(&icpc_held(), "icpc-record", AFTER_DUE), ["overdue"]);
}

#[test]
fn a_record_linked_to_the_meeting_ends_it_whenever_it_was_completed() {
    for completed in ["2027-01-05T09:00:00Z", "2026-12-14T09:00:00Z"] {
        let mut file = icpc_held();
        file.records
            .push(conference_record("R1", completed, Some("M1")));
        assert!(
            active(&file, "icpc-record", AFTER_DUE).is_empty(),
            "{completed}"
        );
    }
}

#[test]
fn an_unlinked_record_counts_only_from_the_anchor() {
    let mut before = icpc_held();
    before
        .records
        .push(conference_record("R1", "2026-12-15T09:59:59Z", None));
    assert_eq!(active(&before, "icpc-record", AFTER_DUE), ["overdue"]);
    let mut at_anchor = icpc_held();
    at_anchor
        .records
        .push(conference_record("R1", "2026-12-15T10:00:00Z", None));
    assert!(active(&at_anchor, "icpc-record", AFTER_DUE).is_empty());
}

#[test]
fn a_record_linked_to_another_meeting_or_of_another_kind_does_not_count() {
    let mut file = icpc_held();
    file.records
        .push(conference_record("R1", "2027-01-05T09:00:00Z", Some("M2")));
    let mut other_kind = conference_record("R2", "2027-01-05T09:00:00Z", Some("M1"));
    other_kind.kind = "core_group_minutes".into();
    file.records.push(other_kind);
    let mut other_event = conference_record("R3", "2027-01-05T09:00:00Z", None);
    other_event.event_id = Some("E9".into());
    file.records.push(other_event);
    assert_eq!(active(&file, "icpc-record", AFTER_DUE), ["overdue"]);
}

#[test]
fn a_record_completed_after_now_has_not_happened_yet() {
    let mut file = icpc_held();
    file.records
        .push(conference_record("R1", "2027-01-11T09:00:00Z", Some("M1")));
    assert_eq!(active(&file, "icpc-record", AFTER_DUE), ["overdue"]);
    assert!(active(&file, "icpc-record", "2027-01-11T09:00:00Z").is_empty());
}

#[test]
fn an_authorised_timescale_waits_for_sign_off() {
    let text = r#"
[[rule]]
id = "s47-outcome-authorised"
subject = { kind = "after-event", events = ["s47_started"] }
evidence = { records = ["s47_outcome"], authorised = true }
due = "d + 15wd"
"#;
    let pack = casewatch::rules::RulePack::parse(text, "local.toml").unwrap();
    let mut file = case_file("C1", "CP");
    file.events
        .push(event("E1", "C1", "s47_started", "2026-03-02T09:00:00Z"));
    let mut outcome = record("R1", "C1", "s47_outcome", Some("2026-03-10T09:00:00Z"));
    outcome.event_id = Some("E1".into());
    file.records.push(outcome.clone());
    // Mon 2 Mar + 15wd = Mon 23 Mar: completed but not authorised, it is overdue the day after.
    let names = |file: &CaseFile, now: &str| -> Vec<String> {
        pack_stages(&pack, file, now)
            .into_iter()
            .map(|s| s.1)
            .collect()
    };
    assert_eq!(names(&file, "2026-03-24T09:00:00Z"), ["overdue"]);
    file.records[0].authorised_at = Some(t("2026-03-24T08:00:00Z"));
    assert!(names(&file, "2026-03-24T09:00:00Z").is_empty());
    assert_eq!(names(&file, "2026-03-24T07:59:59Z"), ["overdue"]);
}

#[test]
fn cancelled_and_not_yet_held_meetings_start_no_clock() {
    let mut cancelled = icpc_held();
    cancelled.meetings[0].cancelled = true;
    assert!(active(&cancelled, "icpc-record", AFTER_DUE).is_empty());
    assert!(active(&cancelled, "icpc-decisions", AFTER_DUE).is_empty());
    // Held at 10:00 on 15 Dec: at 09:59:59 it has not happened, so nothing is due yet.
    assert!(active(&icpc_held(), "icpc-decisions", "2026-12-15T09:59:59Z").is_empty());
    assert_eq!(
        active(&icpc_held(), "icpc-decisions", "2026-12-15T10:00:00Z"),
        ["due-soon"]
    );
}

#[test]
fn a_meeting_as_evidence_must_be_held_at_or_after_the_event_and_not_cancelled() {
    let needed = |strategy: Option<(&str, bool)>| {
        let mut file = case_file("C1", "CP");
        file.events
            .push(event("E1", "C1", "strategy_needed", "2026-05-11T09:00:00Z"));
        if let Some((held, cancelled)) = strategy {
            let mut m = meeting("M1", "C1", "strategy", None, Some(held));
            m.cancelled = cancelled;
            file.meetings.push(m);
        }
        active(&file, "strategy-discussion-held", "2026-05-12T10:00:00Z")
    };
    assert_eq!(needed(None), ["overdue"]);
    assert!(needed(Some(("2026-05-11T15:00:00Z", false))).is_empty());
    assert_eq!(needed(Some(("2026-05-11T08:59:59Z", false))), ["overdue"]);
    assert_eq!(needed(Some(("2026-05-11T15:00:00Z", true))), ["overdue"]);
    assert_eq!(needed(Some(("2026-05-12T10:00:01Z", false))), ["overdue"]);
}

#[test]
fn a_decision_as_evidence_and_an_event_in_the_future() {
    let file = |decided: Option<(&str, &str)>, received: &str| {
        let mut file = case_file("C1", "CONTACT");
        file.events
            .push(event("E1", "C1", "contact_received", received));
        if let Some((kind, at)) = decided {
            file.decisions.push(casewatch::model::Decision {
                id: "D1".into(),
                case_id: "C1".into(),
                decided_at: t(at),
                manager_id: None,
                kind: kind.into(),
            });
        }
        active(&file, "contact-decision-24h", "2026-06-03T12:00:00Z")
    };
    let received = "2026-06-01T09:00:00Z";
    assert_eq!(file(None, received), ["overdue"]);
    assert!(file(Some(("contact_decision", "2026-06-01T10:00:00Z")), received).is_empty());
    assert_eq!(
        file(Some(("contact_decision", "2026-05-31T10:00:00Z")), received),
        ["overdue"]
    );
    assert_eq!(
        file(Some(("case_direction", "2026-06-01T10:00:00Z")), received),
        ["overdue"]
    );
    // Received after `now`: not yet happened, so nothing is due.
    assert!(file(None, "2026-06-03T12:00:01Z").is_empty());
}

/// An ICPC scheduled Mon 2 Nov 2026 10:00: the report is due 24 hours before, at 10:00 on Sun 1 Nov.
fn icpc_scheduled() -> CaseFile {
    let mut file = case_file("C1", "CP");
    file.meetings.push(meeting(
        "M1",
        "C1",
        "icpc",
        Some("2026-11-02T10:00:00Z"),
        None,
    ));
    file
}

const REPORT_LATE: &str = "2026-11-01T12:00:00Z";

fn sw_report(id: &str, completed: &str, meeting_id: Option<&str>) -> casewatch::model::Record {
    let mut r = record(id, "C1", "sw_report", Some(completed));
    r.meeting_id = meeting_id.map(Into::into);
    r
}

#[test]
fn before_meeting_evidence_linked_or_since_the_last_meeting_of_its_kind() {
    assert_eq!(
        active(&icpc_scheduled(), "icpc-report", REPORT_LATE),
        ["overdue"]
    );

    let mut linked = icpc_scheduled();
    linked
        .records
        .push(sw_report("R1", "2026-10-30T12:00:00Z", Some("M1")));
    assert!(active(&linked, "icpc-report", REPORT_LATE).is_empty());

    // No earlier ICPC on the case: an unlinked report counts whenever it was written.
    let mut unlinked = icpc_scheduled();
    unlinked
        .records
        .push(sw_report("R1", "2026-05-01T12:00:00Z", None));
    assert!(active(&unlinked, "icpc-report", REPORT_LATE).is_empty());

    // An earlier ICPC held on 1 Jun: only a report written after it counts, and one linked to it does not.
    let mut earlier = unlinked.clone();
    earlier.meetings.push(meeting(
        "M0",
        "C1",
        "icpc",
        None,
        Some("2026-06-01T10:00:00Z"),
    ));
    assert_eq!(active(&earlier, "icpc-report", REPORT_LATE), ["overdue"]);
    earlier
        .records
        .push(sw_report("R2", "2026-06-10T12:00:00Z", Some("M0")));
    assert_eq!(active(&earlier, "icpc-report", REPORT_LATE), ["overdue"]);
    earlier
        .records
        .push(sw_report("R3", "2026-06-01T10:00:01Z", None));
    assert!(active(&earlier, "icpc-report", REPORT_LATE).is_empty());
}

#[test]
fn a_before_meeting_obligation_ends_when_the_meeting_is_held_or_cancelled_and_moves_when_it_is_rescheduled()
 {
    let mut held = icpc_scheduled();
    held.meetings[0].held_at = Some(t("2026-11-02T10:00:00Z"));
    assert_eq!(
        active(&held, "icpc-report", "2026-11-02T09:59:59Z"),
        ["overdue"]
    );
    assert!(active(&held, "icpc-report", "2026-11-02T10:00:00Z").is_empty());

    let mut cancelled = icpc_scheduled();
    cancelled.meetings[0].cancelled = true;
    assert!(active(&cancelled, "icpc-report", REPORT_LATE).is_empty());

    // Moved to Mon 9 Nov: due Sun 8 Nov 10:00, reminded from Wed 4 Nov; nothing is due on 1 Nov any more.
    let mut moved = icpc_scheduled();
    moved.meetings[0].scheduled_at = Some(t("2026-11-09T10:00:00Z"));
    assert!(active(&moved, "icpc-report", REPORT_LATE).is_empty());
    let reminder = pack_stages(&all_packs(), &moved, "2026-11-04T00:00:00Z");
    assert!(reminder.contains(&row(
        "icpc-report",
        "due-soon",
        "M1",
        "2026-11-04T00:00:00Z",
        "2026-11-08T10:00:00Z"
    )));
}

#[test]
fn by_age_needs_a_date_of_birth_and_ends_with_the_record() {
    let mut file = case_file("C1", "CLA");
    assert!(active(&file, "pathway-plan-by-15y9m", "2027-03-01T12:00:00Z").is_empty());
    file.child.date_of_birth = Some(d("2011-05-31"));
    assert_eq!(
        active(&file, "pathway-plan-by-15y9m", "2027-03-01T12:00:00Z"),
        ["overdue"]
    );
    file.records.push(record(
        "R1",
        "C1",
        "pathway_plan",
        Some("2025-01-10T12:00:00Z"),
    ));
    assert!(active(&file, "pathway-plan-by-15y9m", "2027-03-01T12:00:00Z").is_empty());
}

#[test]
fn by_age_for_a_leap_day_birth_falls_on_28_february() {
    // A local rule: the 18th birthday (216 months). Born 29 Feb 2008: 28 Feb 2026, a Saturday.
    let text = r#"
[[rule]]
id = "needs-assessment-at-18"
subject = { kind = "by-age", case_types = ["CLA"], months = 216 }
evidence = { records = ["needs_assessment"] }
due = "B"
"#;
    let pack = casewatch::rules::RulePack::parse(text, "local.toml").unwrap();
    let mut file = case_file("C1", "CLA");
    file.child.date_of_birth = Some(d("2008-02-29"));
    let stages = pack_stages(&pack, &file, "2026-03-01T00:00:00Z");
    assert_eq!(
        stages,
        [row(
            "needs-assessment-at-18",
            "overdue",
            "C1",
            "2026-02-28T23:59:59Z",
            "2026-02-28T23:59:59Z"
        )]
    );
}

#[test]
fn only_open_cases_of_the_listed_types() {
    let mut closed = icpc_held();
    closed.case.closed_on = Some(d("2027-01-10"));
    assert!(active(&closed, "icpc-record", AFTER_DUE).is_empty());
    // A care leaver has no case summary rule; a CIN case does.
    let leaver = case_file("C1", "CARE_LEAVER");
    assert!(active(&leaver, "case-summary-3-monthly", "2026-06-01T12:00:00Z").is_empty());
}
