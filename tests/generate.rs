//! The generator's caseload is deterministic, ordered, referentially sound, dated no later than yesterday and
//! generated lazily; its staff hierarchy has realistic spans.

mod generated;
use generated as common;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use casewatch::generate::Generator;
use casewatch::model::{Staff, StaffId};
use chrono_tz::Europe::London;
use common::{CHILDREN, caseload, share, today};

#[test]
fn the_same_seed_gives_the_same_caseload_and_another_seed_a_different_one() {
    let run = |seed| {
        let generator = Generator::new(seed, 300, today());
        (
            generator.staff(),
            generator.case_files().collect::<Vec<_>>(),
        )
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7).1, run(8).1);
}

#[test]
fn case_files_come_in_ascending_case_id_order_with_their_own_rows() {
    let files = &caseload().1;
    assert!(files.len() >= CHILDREN);
    assert!(
        files
            .windows(2)
            .all(|pair| pair[0].case.id < pair[1].case.id)
    );
    let mut visit_ids = HashSet::new();
    for file in files {
        let id = &file.case.id;
        assert_eq!(file.case.child_id, file.child.id);
        assert!(
            file.visits
                .iter()
                .all(|v| v.case_id == *id && visit_ids.insert(v.id.clone()))
        );
        assert!(file.assessments.iter().all(|a| a.case_id == *id));
        assert!(file.decisions.iter().all(|d| d.case_id == *id));
        assert!(
            file.visits
                .windows(2)
                .all(|p| (p[0].visit_at, &p[0].id) < (p[1].visit_at, &p[1].id))
        );
        assert!(file.assessments.windows(2).all(|p| p[0].id < p[1].id));
        assert!(
            file.decisions
                .windows(2)
                .all(|p| (p[0].decided_at, &p[0].id) < (p[1].decided_at, &p[1].id))
        );
    }
}

#[test]
fn every_staff_reference_names_a_member_of_staff() {
    let (staff, files) = caseload();
    let ids: HashSet<&str> = staff.iter().map(|s| s.id.as_str()).collect();
    let known = |id: &Option<StaffId>| id.as_ref().is_none_or(|id| ids.contains(id.as_str()));
    assert!(
        staff
            .iter()
            .all(|s| known(&s.manager_id) && known(&s.cover_id))
    );
    for file in files {
        assert!(known(&file.case.allocated_worker_id));
        assert!(file.visits.iter().all(|v| known(&v.worker_id)));
        assert!(file.assessments.iter().all(|a| known(&a.worker_id)));
        assert!(file.decisions.iter().all(|d| known(&d.manager_id)));
    }
}

#[test]
fn the_hierarchy_has_caseloads_of_15_to_20_and_realistic_spans() {
    let (staff, files) = caseload();
    let by_id: HashMap<&str, &Staff> = staff.iter().map(|s| (s.id.as_str(), s)).collect();
    let reports = |manager: &Staff, role: &str| {
        staff
            .iter()
            .filter(|s| s.active && s.role == role && s.manager_id.as_ref() == Some(&manager.id))
            .count()
    };
    for manager in staff {
        let (role, span) = match manager.role.as_str() {
            "practice_manager" => (
                ["worker", "personal_adviser"]
                    .into_iter()
                    .find(|r| reports(manager, r) > 0)
                    .unwrap(),
                4..=6,
            ),
            "team_manager" => ("practice_manager", 1..=3),
            "senior_manager" => ("team_manager", 1..=5),
            _ => continue,
        };
        assert!(
            span.contains(&reports(manager, role)),
            "{} manages {}",
            manager.id,
            reports(manager, role)
        );
    }
    for worker in staff
        .iter()
        .filter(|s| s.role == "worker" || s.role == "personal_adviser")
    {
        let pm = by_id[worker.manager_id.as_ref().unwrap().as_str()];
        let tm = by_id[pm.manager_id.as_ref().unwrap().as_str()];
        let sm = by_id[tm.manager_id.as_ref().unwrap().as_str()];
        assert_eq!(
            (pm.role.as_str(), tm.role.as_str(), sm.role.as_str()),
            ("practice_manager", "team_manager", "senior_manager")
        );
        assert!(worker.team.is_some() && worker.team == pm.team);
    }
    let workers = staff
        .iter()
        .filter(|s| {
            s.active
                && s.manager_id
                    .as_ref()
                    .is_some_and(|m| by_id[m.as_str()].role == "practice_manager")
        })
        .count();
    let open = files.iter().filter(|f| f.case.is_open_on(today())).count();
    assert!(
        (15.0..=20.0).contains(&(open as f64 / workers as f64)),
        "{open} open cases for {workers} workers"
    );
}

#[test]
fn some_staff_are_away_have_left_or_have_no_email() {
    let staff = Generator::new(42, 20_000, today()).staff();
    let t = today();
    let away_now =
        |s: &&Staff| s.absent_from.is_some_and(|f| f <= t) && s.absent_until.is_none_or(|u| t <= u);
    assert!(
        staff
            .iter()
            .filter(away_now)
            .any(|s| s.absent_until.is_none())
    );
    assert!(
        staff
            .iter()
            .filter(away_now)
            .any(|s| s.absent_until.is_some())
    );
    assert!(staff.iter().any(|s| s.absent_until.is_some_and(|u| u < t)));
    assert!(staff.iter().any(|s| s.absent_from.is_some_and(|f| f > t)));
    assert!(staff.iter().any(|s| !s.active && s.cover_id.is_some()));
    let without_email = staff.iter().filter(|s| s.email.is_none()).count();
    assert!((1.0..=4.0).contains(&share(without_email, staff.len())));
}

#[test]
fn nothing_is_dated_after_yesterday_except_a_few_cases_opening_soon() {
    let t = today();
    let local = |at: chrono::DateTime<chrono::Utc>| at.with_timezone(&London).date_naive();
    for file in &caseload().1 {
        assert!(
            file.child
                .date_of_birth
                .is_none_or(|dob| dob <= file.case.opened_on)
        );
        assert!(
            file.case
                .closed_on
                .is_none_or(|closed| file.case.opened_on < closed && closed < t)
        );
        for visit in &file.visits {
            let times = [
                Some(visit.visit_at),
                visit.note_created_at,
                visit.manager_comment_at,
                visit.note_finalised_at,
            ];
            assert!(
                times
                    .into_iter()
                    .flatten()
                    .all(|at| local(at) < t && local(at) >= file.case.opened_on)
            );
        }
        assert!(file.decisions.iter().all(|d| local(d.decided_at) < t));
        assert!(
            file.assessments
                .iter()
                .all(|a| a.started_on <= t && a.completed_on.is_none_or(|c| c < t))
        );
    }
    let files = &caseload().1;
    let future = files.iter().filter(|f| f.case.opened_on > t).count();
    let closed = files.iter().filter(|f| f.case.closed_on.is_some()).count();
    assert!(
        (1..=60).contains(&future) && (100..=400).contains(&closed),
        "{future} future, {closed} closed"
    );
    // A CONTACT case follows a closed one (tests/generate_timescales.rs); it is not an older case.
    let not_contacts = files.iter().filter(|f| f.case.case_type != "CONTACT");
    let older = not_contacts.count() - CHILDREN;
    assert!(older >= 20, "children with an older case: {older}");
}

#[test]
fn case_files_are_generated_lazily() {
    let started = Instant::now();
    let first: Vec<_> = Generator::new(1, 10_000_000, today())
        .case_files()
        .take(5)
        .collect();
    assert_eq!(first.len(), 5);
    assert!(started.elapsed() < Duration::from_secs(5));
}
