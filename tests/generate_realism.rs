//! The generator's caseload is shaped like a local authority's: case-type shares, visit frequencies and failures,
//! note oversight and assessment priorities as the practice guidance in `seeds/` describes them.

mod generated;
use generated as common;

use casewatch::model::{CareLeaverCategory, CaseFile, VisitType};
use chrono::{Datelike, NaiveDate, Timelike};
use chrono_tz::Europe::London;
use common::{caseload, current_cases, share, today, weekdays_between};

#[test]
fn case_types_are_shared_as_in_a_typical_authority() {
    let current = current_cases();
    let count = |t: &str| current.iter().filter(|f| f.case.case_type == t).count();
    for (case_type, expected) in [
        ("CIN", 45.0),
        ("CP", 20.0),
        ("CLA", 25.0),
        ("CARE_LEAVER", 10.0),
    ] {
        let got = share(count(case_type), current.len());
        assert!((got - expected).abs() <= 3.0, "{case_type}: {got:.1}%");
    }
}

#[test]
fn five_to_eight_percent_of_visits_fail_some_in_runs_that_get_escalated() {
    let files = &caseload().1;
    let statutory: Vec<_> = files
        .iter()
        .flat_map(|f| &f.visits)
        .filter(|v| v.visit_type == VisitType::Statutory)
        .collect();
    let failed = statutory.iter().filter(|v| !v.child_seen).count();
    assert!(
        (3.0..=10.0).contains(&share(failed, statutory.len())),
        "{failed} of {}",
        statutory.len()
    );
    let runs = files
        .iter()
        .filter(|f| {
            f.visits
                .windows(2)
                .any(|p| !p[0].child_seen && !p[1].child_seen)
        })
        .count();
    assert!(runs > 20);
    assert!(
        files
            .iter()
            .flat_map(|f| &f.decisions)
            .any(|d| d.kind == "failed_visit_escalation")
    );
    assert!(
        files
            .iter()
            .flat_map(|f| &f.decisions)
            .any(|d| d.kind == "case_direction")
    );
}

#[test]
fn child_protection_visits_are_mostly_within_ten_working_days() {
    let gaps: Vec<usize> = current_cases()
        .iter()
        .filter(|f| f.case.case_type == "CP")
        .flat_map(|f| {
            let dates: Vec<NaiveDate> = f
                .visits
                .iter()
                .filter(|v| v.visit_type == VisitType::Statutory)
                .map(|v| v.visit_at.with_timezone(&London).date_naive())
                .collect();
            dates
                .windows(2)
                .map(|p| weekdays_between(p[0], p[1]))
                .collect::<Vec<_>>()
        })
        .collect();
    let within = gaps.iter().filter(|g| **g <= 10).count();
    assert!(
        share(within, gaps.len()) >= 85.0,
        "{within} of {}",
        gaps.len()
    );
}

#[test]
fn care_leavers_are_16_to_21_mostly_owed_kit_visits_some_with_birthdays_near() {
    let leavers: Vec<_> = current_cases()
        .into_iter()
        .filter(|f| f.case.case_type == "CARE_LEAVER")
        .collect();
    let t = today();
    for file in &leavers {
        let age = t.years_since(file.child.date_of_birth.unwrap()).unwrap();
        assert!((16..=21).contains(&age), "{} is {age}", file.case.id);
    }
    let owed = leavers
        .iter()
        .filter(|f| f.case.care_leaver_category != Some(CareLeaverCategory::Qualifying))
        .count();
    assert!(share(owed, leavers.len()) >= 80.0);
    let birthday_near = |f: &&&CaseFile| {
        let dob = f.child.date_of_birth.unwrap();
        (17..=21).any(|age| {
            dob.with_year(dob.year() + age)
                .is_some_and(|b| (b - t).num_days().abs() <= 61)
        })
    };
    assert!(leavers.iter().filter(birthday_near).count() >= 10);
    let kits = leavers
        .iter()
        .flat_map(|f| &f.visits)
        .filter(|v| v.visit_type == VisitType::Kit)
        .count();
    assert!(kits > leavers.len() * 3);
    assert!(
        caseload()
            .1
            .iter()
            .filter(|f| f.case.case_type != "CARE_LEAVER")
            .all(|f| f.visits.iter().all(|v| v.visit_type != VisitType::Kit))
    );
}

#[test]
fn visit_notes_are_written_within_a_working_day_and_most_get_a_managers_comment() {
    let t = today();
    let local = |at: chrono::DateTime<chrono::Utc>| at.with_timezone(&London).date_naive();
    let notes: Vec<_> = caseload()
        .1
        .iter()
        .flat_map(|f| &f.visits)
        .filter(|v| v.visit_type == VisitType::Statutory && v.note_created_at.is_some())
        .collect();
    // Within a working day: bank holidays (England and Wales) are not working days.
    let calendar = casewatch::calendar::WorkingCalendar::new(Default::default(), []);
    assert!(notes.iter().all(|v| {
        local(v.note_created_at.unwrap()) <= calendar.add_working_days(local(v.visit_at), 1)
    }));
    let settled: Vec<_> = notes
        .iter()
        .filter(|v| weekdays_between(local(v.note_created_at.unwrap()), t) > 6)
        .collect();
    let commented = settled
        .iter()
        .filter(|v| v.manager_comment_at.is_some())
        .count();
    assert!(
        (80.0..=95.0).contains(&share(commented, settled.len())),
        "{commented} of {}",
        settled.len()
    );
    let recent_open = notes
        .iter()
        .filter(|v| {
            weekdays_between(local(v.note_created_at.unwrap()), t) <= 5
                && v.manager_comment_at.is_none()
        })
        .count();
    assert!(recent_open >= 3);
    assert!(notes.iter().any(|v| v.note_finalised_at.is_some()));
}

#[test]
fn assessments_have_lcs_priorities_and_most_are_complete() {
    let assessments: Vec<_> = caseload().1.iter().flat_map(|f| &f.assessments).collect();
    let count = |p: u32| {
        assessments
            .iter()
            .filter(|a| a.priority_working_days == p)
            .count()
    };
    assert_eq!(count(10) + count(30) + count(45), assessments.len());
    assert!(count(10) > 0 && count(30) > 0 && count(45) > 0);
    let completed = assessments
        .iter()
        .filter(|a| a.completed_on.is_some())
        .count();
    let prioritised = assessments
        .iter()
        .filter(|a| a.priority_set_at.is_some())
        .count();
    assert!(share(completed, assessments.len()) >= 80.0 && completed < assessments.len());
    assert!(share(prioritised, assessments.len()) >= 80.0);
    assert!(
        assessments
            .iter()
            .all(|a| a.referral_on.is_none_or(|r| r <= a.started_on))
    );
    assert!(
        assessments
            .iter()
            .any(|a| a.referral_on.is_some_and(|r| r < a.started_on))
    );
}

#[test]
fn visits_and_assessments_happen_on_weekdays_visits_in_working_hours() {
    let weekday = |d: NaiveDate| d.weekday().number_from_monday() <= 5;
    for file in &caseload().1 {
        for visit in &file.visits {
            let local = visit.visit_at.with_timezone(&London);
            assert!(
                weekday(local.date_naive()) && (9..17).contains(&local.hour()),
                "{}",
                visit.id
            );
        }
        assert!(file.assessments.iter().all(|a| weekday(a.started_on)));
    }
}
