//! Notices address each reader in their own role: a breach tells the worker to record why and the date agreed with
//! their manager, and the manager to agree that date; an email names the role as the history lines do ("practice
//! manager", not the rule file's `supervisor`).

mod common;

use casewatch::channels::Item;
use casewatch::evaluate::Line;
use casewatch::outbox::{DeliverySettings, Renderer, plan};
use casewatch::recipients::Directory;
use casewatch::rules::describe::{MANAGER_BREACH_ACTION, default_action};
use casewatch::rules::{Role, RulePack, Severity};
use common::t;

/// An ICPC record overdue since the end of Wed 25 Mar 2026, told to `staff` as `role`.
fn overdue(role: Role, staff: &str) -> Line {
    Line {
        rule: "icpc-record".into(),
        stage: "overdue".into(),
        case_id: "C1".into(),
        subject_id: "M1".into(),
        child_ref: "LL-1".into(),
        due_at: t("2026-03-25T23:59:59Z"),
        from: t("2026-03-25T23:59:59Z"),
        role,
        staff_id: Some(staff.into()),
        address: format!("{staff}@council.example"),
        severity: Severity::Breach,
        role_order: 0,
        child_label: "LL-1".into(),
        facts: Vec::new(),
        worker_id: None,
    }
}

fn person(id: &str, role: &str) -> casewatch::model::Staff {
    casewatch::model::Staff {
        id: id.into(),
        display_name: format!("Staff {id}"),
        email: Some(format!("{id}@council.example")),
        role: role.into(),
        team: None,
        manager_id: None,
        cover_id: None,
        absent_from: None,
        absent_until: None,
        active: true,
    }
}

#[test]
fn a_breach_asks_the_worker_and_the_manager_for_different_things() {
    let pack = RulePack::load_with_packs(true, &["havering".to_owned()], &[] as &[&str], &[])
        .expect("packs load");
    let directory = Directory::new([person("W1", "worker"), person("P1", "practice_manager")]);
    let lines = [overdue(Role::Worker, "W1"), overdue(Role::Supervisor, "P1")];
    let drafts = plan(
        &lines,
        &pack,
        &directory,
        &DeliverySettings::default(),
        &[],
        Some(t("2026-03-27T08:00:00Z")),
    );
    let action = |staff: &str| {
        drafts
            .iter()
            .find(|d| d.staff_id.as_deref() == Some(staff))
            .and_then(|d| d.item.action.clone())
            .unwrap_or_else(|| panic!("no notice to {staff}"))
    };
    assert_eq!(action("W1"), default_action(Severity::Breach));
    assert!(action("W1").contains("the date agreed with your manager"));
    assert_eq!(action("P1"), MANAGER_BREACH_ACTION);
    assert!(!action("P1").contains("your manager"));
}

#[test]
fn an_email_names_the_role_as_people_say_it() {
    let renderer = Renderer::load(None).expect("built-in templates");
    let item = Item {
        rule: "icpc-record".into(),
        title: "Initial child protection conference: record".into(),
        stage: "overdue".into(),
        severity: "breach".into(),
        case_id: "C1".into(),
        subject_id: "M1".into(),
        child: "LL-1".into(),
        due_at: t("2026-03-25T23:59:59Z"),
        from: t("2026-03-25T23:59:59Z"),
        role: "supervisor, team_manager".into(),
        stage_label: "Overdue".into(),
        facts: Vec::new(),
        history: Vec::new(),
        action: None,
        link: None,
    };
    let message = renderer
        .digest(Some("Pam"), &[item], t("2026-03-27T08:00:00Z"))
        .expect("renders");
    assert!(
        message
            .text
            .contains("you are told as practice manager, team manager"),
        "{}",
        message.text
    );
    assert!(!message.text.contains("supervisor"), "{}", message.text);
}
