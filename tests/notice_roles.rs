//! Notices address each reader in their own role: a breach tells the worker to record why and the date agreed with
//! their manager, and the manager to agree that date; an email names the role as the history lines do ("practice
//! manager", not the rule file's `supervisor`).

mod common;

use casewatch::channels::Item;
use casewatch::outbox::Renderer;
use casewatch::rules::describe::{MANAGER_BREACH_ACTION, action_for, default_action};
use casewatch::rules::{Role, RulePack, Severity};
use common::t;

/// The action a message carries for its readers' roles.
#[test]
fn a_breach_asks_the_worker_and_the_manager_for_different_things() {
    let pack = RulePack::load_with_packs(true, &["havering".to_owned()], &[] as &[&str], &[])
        .expect("packs load");
    // The common ladder's breach, with the default action addressed to the worker.
    let overdue = pack
        .rule("icpc-record")
        .and_then(|r| r.stages.iter().find(|s| s.name == "overdue"))
        .expect("icpc-record overdue");
    let worker = action_for(&overdue.action, &[Role::Worker]);
    assert_eq!(worker, default_action(Severity::Breach));
    assert!(worker.contains("the date agreed with your manager"));
    // One message to the worker who is also their own practice manager keeps the worker's words.
    assert_eq!(
        action_for(&overdue.action, &[Role::Worker, Role::Supervisor]),
        worker
    );
    for managers in [
        &[Role::Supervisor][..],
        &[Role::TeamManager, Role::SeniorManager],
    ] {
        let manager = action_for(&overdue.action, managers);
        assert_eq!(manager, MANAGER_BREACH_ACTION);
        assert!(!manager.contains("your manager"), "{manager}");
    }
    // A rule's own action is its own, whoever reads it.
    let own = pack
        .rule("statutory-visit-oversight")
        .and_then(|r| r.stages.iter().find(|s| s.name == "auto-finalised"))
        .expect("R1's breach");
    assert_eq!(action_for(&own.action, &[Role::Supervisor]), own.action);
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
        meant_for: Vec::new(),
    };
    let message = renderer
        .digest(Some("Pam"), &[item], 25, t("2026-03-27T08:00:00Z"))
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
