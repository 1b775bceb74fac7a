//! From evaluated lines to notices: one per stage per person, repeats counted from the last notice, routes to
//! webhooks, immediate or digest by severity (and by whether a digest comes in time); and how messages read.

mod common;

use casewatch::calendar::WorkingCalendar;
use casewatch::channels::Item;
use casewatch::evaluate::Line;
use std::collections::HashMap;

use casewatch::outbox::{
    Delivery, DeliverySettings, LastNotice, Renderer, Route, count_summary, due_now, plan,
    recheck_at, repeat_due,
};
use casewatch::recipients::Directory;
use casewatch::rules::expr::Unit;
use casewatch::rules::{Role, RulePack, Severity};
use common::t;

fn line(stage: &str, role: Role, staff: Option<&str>, address: &str, severity: Severity) -> Line {
    Line {
        rule: "cf-assessment-due".into(),
        stage: stage.into(),
        case_id: "C1".into(),
        subject_id: "A1".into(),
        child_ref: "LL-1".into(),
        due_at: t("2026-03-16T23:59:59Z"),
        from: t("2026-03-16T23:59:59Z"),
        role,
        staff_id: staff.map(Into::into),
        address: address.into(),
        severity,
        backlog: false,
        role_order: 0,
        child_label: "LL-1".into(),
        facts: Vec::new(),
        worker_id: None,
        meant_for: None,
    }
}

fn staff(id: &str, team: &str) -> casewatch::model::Staff {
    casewatch::model::Staff {
        id: id.into(),
        display_name: format!("Worker {id}"),
        email: Some(format!("{id}@council.example")),
        role: "worker".into(),
        team: Some(team.into()),
        manager_id: None,
        cover_id: None,
        absent_from: None,
        absent_until: None,
        active: true,
    }
}

/// Drafts for `lines` when the next digest goes out at `next_digest`.
fn drafts(lines: &[Line], routes: &[Route], next_digest: &str) -> Vec<casewatch::outbox::Draft> {
    let pack = RulePack::load(true, &[] as &[&str], &[]).unwrap();
    let dir = Directory::new([staff("S1", "Team 3"), staff("S2", "Team 4")]);
    plan(
        lines,
        &pack,
        &dir,
        &DeliverySettings::default(),
        routes,
        Some(t(next_digest)),
    )
}

#[test]
fn roles_resolving_to_one_person_make_one_notice() {
    let lines = [
        line(
            "overdue",
            Role::Worker,
            Some("S1"),
            "S1@council.example",
            Severity::Breach,
        ),
        line(
            "overdue",
            Role::Supervisor,
            Some("S1"),
            "S1@council.example",
            Severity::Breach,
        ),
        line(
            "overdue",
            Role::TeamManager,
            None,
            "ops@council.example",
            Severity::Breach,
        ),
        line(
            "overdue",
            Role::SeniorManager,
            None,
            "ops@council.example",
            Severity::Breach,
        ),
    ];
    let d = drafts(&lines, &[], "2026-03-18T08:00:00Z");
    assert_eq!(d.len(), 2);
    let person = d
        .iter()
        .find(|d| d.staff_id.as_deref() == Some("S1"))
        .unwrap();
    assert_eq!(person.item.role, "worker, supervisor");
    assert_eq!(person.to_name.as_deref(), Some("Worker S1"));
    assert_eq!(person.delivery, Delivery::Immediate);
    let fallback = d.iter().find(|d| d.staff_id.is_none()).unwrap();
    assert_eq!(
        (fallback.address.as_str(), fallback.item.role.as_str()),
        ("ops@council.example", "team_manager, senior_manager")
    );
}

#[test]
fn reminders_and_warnings_wait_for_the_digest() {
    // Due Monday 16 March 23:59; the next digest is Friday 13th's.
    let d = drafts(
        &[line(
            "upcoming",
            Role::Worker,
            Some("S1"),
            "S1@council.example",
            Severity::Reminder,
        )],
        &[],
        "2026-03-13T08:00:00Z",
    );
    assert_eq!(d[0].delivery, Delivery::Digest);
}

#[test]
fn a_reminder_that_lapses_before_the_next_digest_goes_at_once() {
    let mut reminder = line(
        "upcoming",
        Role::Worker,
        Some("S1"),
        "S1@council.example",
        Severity::Reminder,
    );
    // "Within 6 hours" of 10:00 on Thursday 12 March: over by 16:00, long before Friday's 08:00 digest.
    reminder.due_at = t("2026-03-12T16:00:00Z");
    let d = drafts(std::slice::from_ref(&reminder), &[], "2026-03-13T08:00:00Z");
    assert_eq!(d[0].delivery, Delivery::Immediate);
    // Found by the evaluation that opens Thursday's window: it goes in that digest.
    let d = drafts(std::slice::from_ref(&reminder), &[], "2026-03-12T10:00:00Z");
    assert_eq!(d[0].delivery, Delivery::Digest);
    // A breach does not lapse at its due time, so it is never hurried on that account: it is immediate anyway
    // by default, and with `immediate = []` it waits for the digest.
    let mut breach = reminder;
    breach.severity = Severity::Breach;
    let pack = RulePack::load(true, &[] as &[&str], &[]).unwrap();
    let settings = DeliverySettings {
        immediate: vec![],
        ..DeliverySettings::default()
    };
    let dir = Directory::new([staff("S1", "Team 3")]);
    let d = plan(
        &[breach],
        &pack,
        &dir,
        &settings,
        &[],
        Some(t("2026-03-13T08:00:00Z")),
    );
    assert_eq!(d[0].delivery, Delivery::Digest);
}

#[test]
fn repeats_fall_due_working_days_after_the_day_the_person_was_last_told() {
    let cal = WorkingCalendar::new(Default::default(), []);
    let every = (5, Unit::WorkingDays);
    // Told on Monday 16 March 2026 at 15:30: the 5th working day after is Monday 23rd, from its start.
    assert_eq!(
        repeat_due(every, t("2026-03-16T15:30:00Z"), &cal),
        Some(t("2026-03-23T00:00:00Z"))
    );
    // Told on Thursday 2 April 2026 (10:00 BST): Good Friday and Easter Monday are bank holidays, so Tuesday 7,
    // Wednesday 8, Thursday 9, Friday 10 and Monday 13 April; 00:00 BST is 23:00 UTC the day before.
    assert_eq!(
        repeat_due(every, t("2026-04-02T09:00:00Z"), &cal),
        Some(t("2026-04-12T23:00:00Z"))
    );
    assert_eq!(
        repeat_due((2, Unit::Weeks), t("2026-04-02T09:00:00Z"), &cal),
        Some(t("2026-04-15T23:00:00Z"))
    );
    assert_eq!(
        repeat_due((1, Unit::Months), t("2026-01-31T12:00:00Z"), &cal),
        Some(t("2026-02-28T00:00:00Z"))
    );
}

/// The worker S1's line of an assessment's `overdue` stage, which repeats every 5 working days.
fn overdue_for_s1() -> [Line; 1] {
    [line(
        "overdue",
        Role::Worker,
        Some("S1"),
        "S1@council.example",
        Severity::Breach,
    )]
}

#[test]
fn a_repeat_follows_the_last_notice_not_the_stage_start() {
    // `overdue` (every 5 working days) began on Monday 16 March; S1 was first told on Thursday 19th at 08:00.
    let cal = WorkingCalendar::new(Default::default(), []);
    let overdue = overdue_for_s1();
    let first = drafts(&overdue, &[], "2026-03-20T08:00:00Z");
    assert_eq!(first[0].occurrence, 0);
    let key = first[0].repeat_key.clone();
    assert_eq!(
        key,
        "cf-assessment-due|C1|A1|overdue|2026-03-16T23:59:59Z|email|staff:S1"
    );
    let told = |occurrence, at: Option<&str>| {
        HashMap::from([(
            key.clone(),
            LastNotice {
                occurrence,
                settled_at: at.map(t),
                composed_at: None,
            },
        )])
    };
    let none = HashMap::new();
    assert_eq!(
        due_now(
            first.clone(),
            &none,
            t("2026-03-19T07:45:00Z"),
            &cal,
            |_| None
        ),
        first
    );
    // Monday 23rd would be five working days after the stage began, but only two after S1 was told.
    let last = told(0, Some("2026-03-19T08:00:00Z"));
    assert!(
        due_now(
            first.clone(),
            &last,
            t("2026-03-23T09:00:00Z"),
            &cal,
            |_| None
        )
        .is_empty()
    );
    assert!(
        due_now(
            first.clone(),
            &last,
            t("2026-03-25T23:59:59Z"),
            &cal,
            |_| None
        )
        .is_empty()
    );
    // Thursday 26th is the 5th working day after Thursday 19th.
    let again = due_now(
        first.clone(),
        &last,
        t("2026-03-26T00:00:00Z"),
        &cal,
        |_| None,
    );
    assert_eq!(again[0].occurrence, 1);
    assert_ne!(again[0].key, first[0].key);
    assert_eq!(again[0].repeat_key, first[0].repeat_key);
    // A catch-up weeks later sends the next occurrence once, not one for each interval missed.
    let late = due_now(
        first.clone(),
        &told(1, Some("2026-03-26T08:00:00Z")),
        t("2026-05-01T09:00:00Z"),
        &cal,
        |_| None,
    );
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].occurrence, 2);
    // While the last notice waits to be sent, no repeat is due.
    assert!(
        due_now(
            first,
            &told(1, None),
            t("2026-05-01T09:00:00Z"),
            &cal,
            |_| None
        )
        .is_empty()
    );
}

#[test]
fn a_repeating_stage_is_looked_at_again_no_later_than_its_next_repeat_could_fall_due() {
    // `overdue` repeats every 5 working days, counted from the day the recipient's last notice settled (sent).
    // British Summer Time begins on Sunday 29 March 2026: from then, 00:00 UK time is 23:00 UTC the day before.
    let cal = WorkingCalendar::new(Default::default(), []);
    let overdue = overdue_for_s1();
    let first = drafts(&overdue, &[], "2026-03-19T08:00:00Z").remove(0);
    let last = |settled: Option<&str>, composed: Option<&str>| LastNotice {
        occurrence: 0,
        settled_at: settled.map(t),
        composed_at: composed.map(t),
    };
    let recheck = |last: Option<&LastNotice>, now: &str| recheck_at(&first, last, t(now), &cal);
    // Sent on Thursday 19th: Friday 20, Monday 23, Tuesday 24, Wednesday 25, Thursday 26 March.
    let sent = last(Some("2026-03-19T08:00:00Z"), None);
    assert_eq!(
        recheck(Some(&sent), "2026-03-23T09:00:00Z"),
        Some(t("2026-03-26T00:00:00Z"))
    );
    // On Thursday 26th the repeat is enqueued; it cannot settle before then, so the next falls due no earlier
    // than Friday 27, Monday 30, Tuesday 31 March, Wednesday 1, Thursday 2 April (00:00 BST).
    assert_eq!(
        recheck(Some(&sent), "2026-03-26T00:00:00Z"),
        Some(t("2026-04-01T23:00:00Z"))
    );
    // The first notice, enqueued on Thursday 19th, settles that day at the earliest: Thursday 26th.
    assert_eq!(
        recheck(None, "2026-03-19T08:00:00Z"),
        Some(t("2026-03-26T00:00:00Z"))
    );
    // Waiting, in no message yet on Monday 23rd: Tuesday 24 … Monday 30 March (00:00 BST).
    assert_eq!(
        recheck(Some(&last(None, None)), "2026-03-23T09:00:00Z"),
        Some(t("2026-03-29T23:00:00Z"))
    );
    // Waiting in a message composed on Friday 20th (it may yet be dead-lettered, which settles it then): Monday
    // 23 … Friday 27 March.
    assert_eq!(
        recheck(
            Some(&last(None, Some("2026-03-20T07:00:00Z"))),
            "2026-03-23T09:00:00Z"
        ),
        Some(t("2026-03-27T00:00:00Z"))
    );
    // A stage that does not repeat is never due again.
    let mut once = first.clone();
    once.repeat_every = None;
    assert_eq!(
        recheck_at(&once, Some(&sent), t("2026-03-23T09:00:00Z"), &cal),
        None
    );
}

#[test]
fn routes_add_webhooks_by_team_and_severity() {
    let route = Route {
        roles: None,
        teams: Some(vec!["Team 3".into()]),
        staff: None,
        severities: Some(vec![Severity::Breach, Severity::Escalation]),
        rules: None,
        webhooks: vec!["team3-teams".into()],
        email: true,
    };
    let lines = [
        line(
            "overdue",
            Role::Worker,
            Some("S1"),
            "S1@council.example",
            Severity::Breach,
        ),
        line(
            "overdue",
            Role::Supervisor,
            Some("S2"),
            "S2@council.example",
            Severity::Breach,
        ),
    ];
    let d = drafts(&lines, std::slice::from_ref(&route), "2026-03-18T08:00:00Z");
    let channels: Vec<_> = d
        .iter()
        .map(|d| (d.channel.as_str(), d.address.as_str()))
        .collect();
    assert!(
        channels.contains(&("team3-teams", "team3-teams")),
        "{channels:?}"
    );
    assert_eq!(d.len(), 3, "S1 and S2 by email, Team 3's channel once");
    let no_email = Route {
        email: false,
        ..route
    };
    let d = drafts(&lines[..1], &[no_email], "2026-03-18T08:00:00Z");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].channel, "team3-teams");
}

fn item(child: &str, severity: &str, due: &str) -> Item {
    Item {
        rule: "r".into(),
        title: "C&F assessment due".into(),
        stage: "upcoming".into(),
        severity: severity.into(),
        case_id: "C1".into(),
        subject_id: "A1".into(),
        child: child.into(),
        due_at: t(due),
        from: t(due),
        role: "worker".into(),
        stage_label: "Due soon".into(),
        facts: Vec::new(),
        history: Vec::new(),
        action: None,
        link: None,
        meant_for: Vec::new(),
    }
}

#[test]
fn subject_lines_count_what_is_inside() {
    let items = [
        item("LL-1", "reminder", "2026-03-16T23:59:59Z"),
        item("LL-2", "reminder", "2026-03-17T23:59:59Z"),
        item("LL-2", "breach", "2026-03-10T23:59:59Z"),
        item("LL-3", "warning", "2026-03-18T23:59:59Z"),
    ];
    assert_eq!(count_summary(&items), "1 overdue, 1 warning, 2 reminders");
    assert_eq!(count_summary(&items[..1]), "1 reminder");
}

#[test]
fn digest_groups_by_child_most_urgent_first_and_escapes_html() {
    let r = Renderer::load(None).unwrap();
    let items = [
        item("LL-1", "reminder", "2026-03-16T23:59:59Z"),
        item("<b>LL-2</b>", "breach", "2026-03-10T23:59:59Z"),
        item("LL-1", "warning", "2026-03-18T23:59:59Z"),
    ];
    let m = r
        .digest(
            Some("Sam Worker"),
            &items,
            items.len(),
            t("2026-03-12T08:00:00Z"),
        )
        .unwrap();
    assert_eq!(m.subject, "1 overdue, 1 warning, 1 reminder — casewatch");
    let (two, one) = (
        m.text.find("<b>LL-2</b>").unwrap(),
        m.text.find("LL-1").unwrap(),
    );
    assert!(
        two < one,
        "the child with the overdue item comes first:\n{}",
        m.text
    );
    let (warning, reminder) = (
        m.text.find("[Warning]").unwrap(),
        m.text.find("[Reminder]").unwrap(),
    );
    assert!(warning < reminder);
    assert!(m.text.starts_with("Dear Sam Worker,"));
    assert!(m.text.contains("due Mon 16 Mar 2026, 23:59"), "{}", m.text);
    assert!(
        m.html.contains("&lt;b&gt;LL-2&lt;&#x2f;b&gt;")
            || m.html.contains("&lt;b&gt;LL-2&lt;/b&gt;"),
        "{}",
        m.html
    );
    assert!(!m.html.contains("<b>LL-2"));
}

#[test]
fn a_broken_template_is_found_when_loading() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("digest.txt"), "{% for x in %}").unwrap();
    let e = Renderer::load(Some(dir.path())).unwrap_err().to_string();
    assert!(e.starts_with("template digest.txt"), "{e}");
}

#[test]
fn a_case_link_keeps_the_case_id_one_path_segment() {
    let template = "https://lcs.council.example/case/{case_id}?from=casewatch";
    assert_eq!(
        casewatch::outbox::case_link(template, "C42"),
        "https://lcs.council.example/case/C42?from=casewatch"
    );
    assert_eq!(
        casewatch::outbox::case_link(template, "CIN/2026 7&x"),
        "https://lcs.council.example/case/CIN%2F2026%207%26x?from=casewatch"
    );
}
