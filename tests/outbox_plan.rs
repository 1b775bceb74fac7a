//! From evaluated lines to notices: one per stage per person, repeats on their interval, routes to webhooks,
//! immediate or digest by severity; and how messages read.

mod common;

use casewatch::calendar::WorkingCalendar;
use casewatch::channels::Item;
use casewatch::evaluate::Line;
use casewatch::outbox::{
    Delivery, DeliverySettings, Renderer, Route, count_summary, occurrence, plan,
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
        role_order: 0,
        child_label: "LL-1".into(),
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

fn drafts(lines: &[Line], routes: &[Route], now: &str) -> Vec<casewatch::outbox::Draft> {
    let pack = RulePack::load(true, &[] as &[&str], &[]).unwrap();
    let dir = Directory::new([staff("S1", "Team 3"), staff("S2", "Team 4")]);
    let cal = WorkingCalendar::new(Default::default(), []);
    plan(
        lines,
        &pack,
        &dir,
        &DeliverySettings::default(),
        routes,
        &cal,
        t(now),
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
    let d = drafts(&lines, &[], "2026-03-17T09:00:00Z");
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
    let d = drafts(
        &[line(
            "upcoming",
            Role::Worker,
            Some("S1"),
            "S1@council.example",
            Severity::Reminder,
        )],
        &[],
        "2026-03-12T09:00:00Z",
    );
    assert_eq!(d[0].delivery, Delivery::Digest);
}

#[test]
fn repeats_count_working_days_from_the_stage_start() {
    // Overdue from Mon 16 March 2026, repeated every 5 working days: again on Mon 23 and Mon 30 March.
    let cal = WorkingCalendar::new(Default::default(), []);
    let every = Some((5, Unit::WorkingDays));
    let from = t("2026-03-16T23:59:59Z");
    assert_eq!(occurrence(every, from, t("2026-03-22T23:59:59Z"), &cal), 0);
    assert_eq!(occurrence(every, from, t("2026-03-23T00:00:00Z"), &cal), 1);
    assert_eq!(occurrence(every, from, t("2026-03-30T00:00:00Z"), &cal), 2);
    assert_eq!(occurrence(None, from, t("2026-06-30T00:00:00Z"), &cal), 0);
    // The repeat is a new notice; the first one is not re-sent.
    let first = drafts(
        &[line(
            "overdue",
            Role::Worker,
            Some("S1"),
            "a",
            Severity::Breach,
        )],
        &[],
        "2026-03-20T09:00:00Z",
    );
    let second = drafts(
        &[line(
            "overdue",
            Role::Worker,
            Some("S1"),
            "a",
            Severity::Breach,
        )],
        &[],
        "2026-03-23T09:00:00Z",
    );
    assert_ne!(first[0].key, second[0].key);
    assert_eq!(second[0].occurrence, 1);
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
    let d = drafts(&lines, std::slice::from_ref(&route), "2026-03-17T09:00:00Z");
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
    let d = drafts(&lines[..1], &[no_email], "2026-03-17T09:00:00Z");
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
        .digest(Some("Sam Worker"), &items, t("2026-03-12T08:00:00Z"))
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
