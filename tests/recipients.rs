//! SPEC section 3: the role chain over the people recorded, absence cover up to three hops, and the fallback
//! mailbox when a role cannot be resolved.

mod common;
mod support;
use casewatch::model::{Staff, StaffId};
use casewatch::recipients::{Directory, Resolver, Unresolved};
use casewatch::rules::Role::{self, *};
use common::d;

fn person(id: &str, manager: Option<&str>, cover: Option<&str>) -> Staff {
    Staff {
        id: id.into(),
        display_name: format!("Staff {id}"),
        email: Some(format!("{}@council.example", id.to_lowercase())),
        role: "worker".into(),
        team: Some("Team 1".into()),
        manager_id: manager.map(Into::into),
        cover_id: cover.map(Into::into),
        absent_from: None,
        absent_until: None,
        active: true,
    }
}

/// W1 -> P1 -> T1 -> S1, with covers P2 (for P1) and T2 (for T1).
fn team() -> Vec<Staff> {
    vec![
        person("W1", Some("P1"), Some("W2")),
        person("W2", Some("P1"), None),
        person("P1", Some("T1"), Some("P2")),
        person("P2", Some("T9"), Some("P3")),
        person("P3", Some("T1"), Some("P4")),
        person("P4", Some("T1"), Some("P5")),
        person("P5", Some("T1"), None),
        person("T1", Some("S1"), Some("T2")),
        person("T2", Some("S1"), None),
        person("T9", Some("S1"), None),
        person("S1", None, None),
    ]
}

fn with(mut staff: Vec<Staff>, id: &str, change: impl FnOnce(&mut Staff)) -> Vec<Staff> {
    change(
        staff
            .iter_mut()
            .find(|s| s.id.as_str() == id)
            .expect("staff id in fixture"),
    );
    staff
}

fn who(staff: Vec<Staff>, role: Role, date: &str) -> Result<String, Unresolved> {
    let dir = Directory::new(staff);
    dir.resolve(Some(&StaffId::from("W1")), role, d(date))
        .map(|s| s.id.0.clone())
}

#[test]
fn chain_follows_manager_links() {
    for (role, id) in [
        (Worker, "W1"),
        (Supervisor, "P1"),
        (TeamManager, "T1"),
        (SeniorManager, "S1"),
    ] {
        assert_eq!(who(team(), role, "2026-03-05"), Ok(id.to_owned()));
    }
}

#[test]
fn absence_window_is_inclusive() {
    let staff = with(team(), "P1", |p| {
        p.absent_from = Some(d("2026-03-02"));
        p.absent_until = Some(d("2026-03-06"));
    });
    assert_eq!(
        who(staff.clone(), Supervisor, "2026-03-01"),
        Ok("P1".into())
    );
    assert_eq!(
        who(staff.clone(), Supervisor, "2026-03-02"),
        Ok("P2".into())
    );
    assert_eq!(
        who(staff.clone(), Supervisor, "2026-03-06"),
        Ok("P2".into())
    );
    assert_eq!(who(staff, Supervisor, "2026-03-07"), Ok("P1".into()));
}

#[test]
fn open_ended_absences() {
    let from_only = with(team(), "P1", |p| p.absent_from = Some(d("2026-03-02")));
    assert_eq!(
        who(from_only.clone(), Supervisor, "2026-03-01"),
        Ok("P1".into())
    );
    assert_eq!(who(from_only, Supervisor, "2027-01-01"), Ok("P2".into()));
    let until_only = with(team(), "P1", |p| p.absent_until = Some(d("2026-03-10")));
    assert_eq!(
        who(until_only.clone(), Supervisor, "2020-01-01"),
        Ok("P2".into())
    );
    assert_eq!(who(until_only, Supervisor, "2026-03-11"), Ok("P1".into()));
}

#[test]
fn inactive_leaver_is_covered() {
    let staff = with(team(), "W1", |w| w.active = false);
    assert_eq!(who(staff, Worker, "2026-03-05"), Ok("W2".into()));
}

#[test]
fn chain_is_over_people_recorded_not_their_covers() {
    // P1 is away and P2 covers, but P2's own manager (T9) is not P1's team manager.
    let staff = with(team(), "P1", |p| p.absent_from = Some(d("2026-01-01")));
    assert_eq!(
        who(staff.clone(), Supervisor, "2026-03-05"),
        Ok("P2".into())
    );
    assert_eq!(who(staff, TeamManager, "2026-03-05"), Ok("T1".into()));
}

#[test]
fn cover_chain_of_three_hops() {
    let away = |s: &mut Staff| s.absent_from = Some(d("2026-01-01"));
    let staff = with(with(with(team(), "P1", away), "P2", away), "P3", |p| {
        p.active = false
    });
    assert_eq!(
        who(staff.clone(), Supervisor, "2026-03-05"),
        Ok("P4".into())
    );
    // A fourth hop is one too many.
    let staff = with(staff, "P4", away);
    assert_eq!(
        who(staff, Supervisor, "2026-03-05"),
        Err(Unresolved::NoAvailableCover { id: "P4".into() })
    );
}

#[test]
fn cover_loop_goes_to_fallback() {
    let away = |s: &mut Staff| s.absent_from = Some(d("2026-01-01"));
    let staff = with(with(with(team(), "P1", away), "P2", away), "P2", |p| {
        p.cover_id = Some("P1".into())
    });
    assert_eq!(
        who(staff, Supervisor, "2026-03-05"),
        Err(Unresolved::Loop { id: "P1".into() })
    );
}

#[test]
fn manager_loop_goes_to_fallback() {
    let staff = with(team(), "T1", |t| t.manager_id = Some("P1".into()));
    assert_eq!(
        who(staff.clone(), TeamManager, "2026-03-05"),
        Ok("T1".into())
    );
    assert_eq!(
        who(staff, SeniorManager, "2026-03-05"),
        Err(Unresolved::Loop { id: "P1".into() })
    );
}

#[test]
fn null_manager_and_unknown_ids() {
    let staff = with(team(), "P1", |p| p.manager_id = None);
    assert_eq!(
        who(staff, TeamManager, "2026-03-05"),
        Err(Unresolved::NullLink {
            role: TeamManager,
            after: Some("P1".into())
        })
    );
    let staff = with(team(), "W1", |w| w.manager_id = Some("GONE".into()));
    assert_eq!(
        who(staff, Supervisor, "2026-03-05"),
        Err(Unresolved::UnknownId { id: "GONE".into() })
    );
    let dir = Directory::new(team());
    assert_eq!(
        dir.resolve(None, Worker, d("2026-03-05"))
            .map(|s| s.id.0.clone()),
        Err(Unresolved::NullLink {
            role: Worker,
            after: None
        })
    );
}

#[test]
fn missing_email_goes_to_the_fallback_mailbox() {
    let staff = with(with(team(), "P1", |p| p.email = None), "T1", |t| {
        t.email = Some("  ".into())
    });
    let dir = Directory::new(staff);
    let mut resolver = Resolver::new(&dir, d("2026-03-05"), "ops@council.example");
    let w1 = StaffId::from("W1");
    let worker = resolver.resolve(Some(&w1), Worker);
    assert_eq!(
        (worker.staff_id, worker.address.as_str()),
        (Some("W1".into()), "w1@council.example")
    );
    for role in [Supervisor, TeamManager] {
        let r = resolver.resolve(Some(&w1), role);
        assert_eq!(r.staff_id, None);
        assert_eq!(r.address, "ops@council.example");
        assert!(matches!(r.fallback, Some(Unresolved::Unreachable { .. })));
    }
    let r = resolver.resolve(None, Worker);
    assert_eq!(
        (r.staff_id, r.address.as_str()),
        (None, "ops@council.example")
    );
    assert_eq!(resolver.fallback_uses().get("unreachable"), Some(&2));
    assert_eq!(resolver.fallback_uses().get("null_link"), Some(&1));
}

#[test]
fn one_unreachable_manager_is_logged_once_a_pass_and_counted_every_time() {
    let staff = with(team(), "P1", |p| p.email = None);
    let dir = Directory::new(staff);
    let (logs, _guard) = support::capture_logs();
    let mut resolver = Resolver::new(&dir, d("2026-03-05"), "ops@council.example");
    for worker in ["W1", "W2"] {
        let r = resolver.resolve(Some(&StaffId::from(worker)), Supervisor);
        assert_eq!(r.address, "ops@council.example");
    }
    let text = logs.text();
    assert_eq!(
        text.matches("staff id P1 has no email address").count(),
        1,
        "{text}"
    );
    assert_eq!(resolver.fallback_uses().get("unreachable"), Some(&2));
    // The next pass (a new resolver) says it again.
    let mut next = Resolver::new(&dir, d("2026-03-06"), "ops@council.example");
    next.resolve(Some(&StaffId::from("W1")), Supervisor);
    assert_eq!(
        logs.text()
            .matches("staff id P1 has no email address")
            .count(),
        2
    );
}

/// What the fallback mailbox reads for a NULL manager link and for a case with no worker: whom it was meant for,
/// and why, by staff id.
#[test]
fn the_fallback_mailbox_is_told_whom_it_was_meant_for_and_why() {
    use casewatch::recipients::meant_for;
    let staff = with(team(), "P1", |p| p.manager_id = None);
    let w1 = casewatch::model::StaffId::from("W1");
    let why = Directory::new(staff)
        .resolve(Some(&w1), TeamManager, d("2026-03-05"))
        .unwrap_err();
    assert_eq!(
        meant_for(Some(&w1), TeamManager, &why),
        "Meant for the team manager of worker W1. It came here because staff P1 has no manager recorded, so there \
         is no team manager in the chain."
    );
    let why = Directory::new(team())
        .resolve(None, Worker, d("2026-03-05"))
        .unwrap_err();
    assert_eq!(
        meant_for(None, Worker, &why),
        "Meant for the case's allocated worker. It came here because the case has no allocated worker recorded."
    );
}
