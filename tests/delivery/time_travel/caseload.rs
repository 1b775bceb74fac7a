//! A random caseload for the time-travel test, and the changes its workers make while the clock runs: notes and
//! failed visits recorded at any hour (some hours after they happened), managers commenting, assessments
//! completed or given a priority, cases reassigned and closed. The same seed gives the same county.

use casewatch::model::{
    Assessment, CareLeaverCategory, Case, Child, Staff, StaffId, Visit, VisitType,
};
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::calendar::local;
use crate::support::fixtures::{self, date};

/// Something a worker or manager records in the case database at `at`.
pub struct Change {
    pub at: DateTime<Utc>,
    pub what: What,
    /// The obligations this change completes: nothing about them may be sent from the pass that sees it on.
    pub ends: Option<Ends>,
}

pub enum What {
    Record(Visit),
    Sql(String),
}

#[derive(Clone, Debug)]
pub struct Ends {
    pub case_id: String,
    /// `None`: every subject of the case (it closed).
    pub subject_id: Option<String>,
    /// Empty: every rule.
    pub rules: Vec<&'static str>,
}

pub struct Caseload {
    pub staff: Vec<Staff>,
    pub children: Vec<Child>,
    pub cases: Vec<Case>,
    pub assessments: Vec<Assessment>,
    /// Recorded before the clock starts.
    pub visits: Vec<Visit>,
    /// In time order.
    pub changes: Vec<Change>,
}

pub const WORKERS: [&str; 8] = ["W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8"];

/// SM1 <- TM1 <- PM1, PM2 and TM2 <- PM3, PM4; two workers each. PM2 is away from Wednesday 1 April with PM1
/// covering: PM1 is told, for the first time, of stages that began long before.
fn staff() -> Vec<Staff> {
    let person = |id: &str, manager: Option<&str>, team: &str| Staff {
        manager_id: manager.map(StaffId::from),
        team: Some(team.into()),
        ..fixtures::staff(id)
    };
    let mut people = vec![
        person("SM1", None, "Service"),
        person("TM1", Some("SM1"), "Service"),
        person("TM2", Some("SM1"), "Service"),
        person("PM1", Some("TM1"), "Team 1"),
        person("PM2", Some("TM1"), "Team 2"),
        person("PM3", Some("TM2"), "Team 3"),
        person("PM4", Some("TM2"), "Team 4"),
    ];
    people[4].absent_from = Some(date("2026-04-01"));
    people[4].cover_id = Some("PM1".into());
    for (i, w) in WORKERS.iter().enumerate() {
        let pm = format!("PM{}", i / 2 + 1);
        people.push(person(w, Some(&pm), &format!("Team {}", i / 2 + 1)));
    }
    people
}

struct Draw {
    rng: ChaCha8Rng,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl Draw {
    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    /// A minute between `from` and `to`, at any hour.
    fn instant(&mut self, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
        let minutes = (to - from).num_minutes().max(1);
        from + Duration::minutes(self.rng.random_range(0..minutes))
    }

    fn minutes(&mut self, from: i64, to: i64) -> Duration {
        Duration::minutes(self.rng.random_range(from..to))
    }

    fn day(&mut self, from: &str, to: &str) -> NaiveDate {
        let (from, to) = (date(from), date(to));
        from + Duration::days(self.rng.random_range(0..=(to - from).num_days()))
    }
}

/// A change by SQL at `at` that completes `rules` (empty: all) for `subject_id` (`None`: every subject of the case).
fn completing(
    at: DateTime<Utc>,
    sql: String,
    case_id: &str,
    subject_id: Option<&str>,
    rules: &[&'static str],
) -> Change {
    Change {
        at,
        what: What::Sql(sql),
        ends: Some(Ends {
            case_id: case_id.into(),
            subject_id: subject_id.map(Into::into),
            rules: rules.to_vec(),
        }),
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// 24 cases over eight workers, the clock running from `start` to `end`.
pub fn generate(seed: u64, start: DateTime<Utc>, end: DateTime<Utc>) -> Caseload {
    let mut draw = Draw {
        rng: ChaCha8Rng::seed_from_u64(seed),
        start,
        end,
    };
    let mut load = Caseload {
        staff: staff(),
        children: Vec::new(),
        cases: Vec::new(),
        assessments: Vec::new(),
        visits: Vec::new(),
        changes: Vec::new(),
    };
    let mut visits: Vec<(DateTime<Utc>, Visit)> = Vec::new();
    for i in 1..=24 {
        let (case_id, child_id) = (format!("C{i:02}"), format!("K{i:02}"));
        let care_leaver = i % 4 == 0;
        let mut child = fixtures::child(&child_id);
        child.display_ref = format!("LL-{:06}", 900_000 + i);
        load.cases.push(Case {
            allocated_worker_id: Some(WORKERS[i % WORKERS.len()].into()),
            case_type: if care_leaver { "CARE_LEAVER" } else { "CIN" }.into(),
            care_leaver_category: care_leaver.then_some(CareLeaverCategory::Eligible),
            opened_on: date("2025-06-02"),
            ..fixtures::case(&case_id, &child_id)
        });
        if care_leaver {
            // An 18th birthday whose SSDA903 window closes around the run; the last KIT two months before it.
            child.date_of_birth = Some(draw.day("2007-12-01", "2008-06-30"));
            care_leaver_visits(&mut draw, &case_id, &mut visits, &mut load.changes);
        } else {
            assessment(&mut draw, &case_id, i, &mut load);
            note_visits(&mut draw, &case_id, &mut visits, &mut load.changes);
            if draw.chance(0.35) {
                failed_visits(&mut draw, &case_id, &mut visits, &mut load.changes);
            }
        }
        load.children.push(child);
    }
    for (recorded, visit) in visits {
        if recorded < start {
            load.visits.push(visit);
        } else {
            load.changes.push(Change {
                at: recorded,
                what: What::Record(visit),
                ends: None,
            });
        }
    }
    reassign_and_close(&mut draw, &mut load);
    load.changes.sort_by_key(|c| c.at);
    load
}

fn assessment(draw: &mut Draw, case_id: &str, i: usize, load: &mut Caseload) {
    if !draw.chance(0.8) {
        return;
    }
    let id = format!("A{i:02}");
    let started = draw.day("2026-02-16", "2026-04-03");
    let priority = [10, 10, 30, 45][draw.rng.random_range(0..4)];
    let referral = draw
        .chance(0.3)
        .then(|| started - Duration::days(draw.rng.random_range(0..40)));
    load.assessments.push(Assessment {
        started_on: started,
        referral_on: referral,
        priority_working_days: priority,
        ..fixtures::assessment(&id, case_id)
    });
    let begun = fixtures::at(&format!("{started}T12:00:00Z")).max(draw.start);
    if draw.chance(0.3) {
        let at = draw.instant(begun, draw.end);
        let sql = format!(
            "UPDATE assessments SET priority_set_at = '{}' WHERE assessment_id = '{id}'",
            rfc3339(at)
        );
        let ends = ["cf-set-priority"];
        load.changes
            .push(completing(at, sql, case_id, Some(&id), &ends));
    }
    if draw.chance(0.35) {
        let at = draw.instant(begun, draw.end);
        let sql = format!(
            "UPDATE assessments SET completed_on = '{}' WHERE assessment_id = '{id}'",
            local(at)
        );
        let ends = ["cf-assessment-due", "cf-set-priority", "assessment-nudge"];
        load.changes
            .push(completing(at, sql, case_id, Some(&id), &ends));
    }
}

/// One or two statutory visits whose notes are started at any hour; a third of them reach the case database
/// hours later; half get a manager's comment days later.
fn note_visits(
    draw: &mut Draw,
    case_id: &str,
    visits: &mut Vec<(DateTime<Utc>, Visit)>,
    changes: &mut Vec<Change>,
) {
    let first = fixtures::at("2026-03-09T00:00:00Z");
    for n in 0..draw.rng.random_range(1..=2) {
        let id = format!("V{case_id}-{n}");
        let visit_at = draw.instant(first, draw.end - Duration::days(1));
        let note = visit_at + draw.minutes(30, 30 * 60);
        let recorded = if draw.chance(0.3) {
            note + draw.minutes(60, 9 * 60)
        } else {
            note
        };
        let mut visit = fixtures::visit(&id, case_id, &rfc3339(visit_at));
        visit.note_created_at = Some(note);
        if draw.chance(0.5) {
            let at = recorded.max(draw.start) + draw.minutes(2 * 60, 8 * 24 * 60);
            let sql = format!(
                "UPDATE visits SET manager_comment_at = '{}' WHERE visit_id = '{id}'",
                rfc3339(at)
            );
            let ends = ["statutory-visit-oversight", "note-same-day"];
            changes.push(completing(at, sql, case_id, Some(&id), &ends));
        }
        visits.push((recorded, visit));
    }
}

/// A failed statutory visit; then either a second failure or a successful visit, which ends the ladder.
fn failed_visits(
    draw: &mut Draw,
    case_id: &str,
    visits: &mut Vec<(DateTime<Utc>, Visit)>,
    changes: &mut Vec<Change>,
) {
    let f1 = draw.instant(
        fixtures::at("2026-03-16T00:00:00Z"),
        draw.end - Duration::days(2),
    );
    let failed = |id: String, at: DateTime<Utc>| Visit {
        child_seen: false,
        ..fixtures::visit(&id, case_id, &rfc3339(at))
    };
    let lag = draw.minutes(0, 6 * 60);
    visits.push((f1 + lag, failed(format!("F{case_id}-1"), f1)));
    if draw.chance(0.5) {
        let f2 = f1 + draw.minutes(24 * 60, 6 * 24 * 60);
        visits.push((f2 + lag, failed(format!("F{case_id}-2"), f2)));
    } else {
        let seen = f1 + draw.minutes(24 * 60, 8 * 24 * 60);
        let visit = fixtures::visit(&format!("F{case_id}-seen"), case_id, &rfc3339(seen));
        changes.push(Change {
            at: seen + lag,
            what: What::Record(visit),
            ends: Some(Ends {
                case_id: case_id.into(),
                subject_id: Some(case_id.into()),
                rules: vec!["failed-visit-ladder"],
            }),
        });
    }
}

/// The last keep-in-touch visit two months or so before the run; sometimes another during it.
fn care_leaver_visits(
    draw: &mut Draw,
    case_id: &str,
    visits: &mut Vec<(DateTime<Utc>, Visit)>,
    changes: &mut Vec<Change>,
) {
    let last = draw.day("2026-01-15", "2026-02-25");
    let kit = |id: String, at: DateTime<Utc>, ticked: bool| Visit {
        visit_type: VisitType::Kit,
        ssda903_recorded: ticked,
        ..fixtures::visit(&id, case_id, &rfc3339(at))
    };
    let at = fixtures::at(&format!("{last}T11:00:00Z"));
    let ticked = draw.chance(0.5);
    visits.push((at, kit(format!("K{case_id}-0"), at, ticked)));
    if draw.chance(0.4) {
        let at = draw.instant(fixtures::at("2026-03-25T00:00:00Z"), draw.end);
        changes.push(Change {
            at,
            what: What::Record(kit(format!("K{case_id}-1"), at, false)),
            ends: Some(Ends {
                case_id: case_id.into(),
                subject_id: Some(case_id.into()),
                rules: vec!["kit-visit-due"],
            }),
        });
    }
}

/// Three cases change worker mid-way (the new worker is told of what is already live); two close.
fn reassign_and_close(draw: &mut Draw, load: &mut Caseload) {
    let ids: Vec<String> = load.cases.iter().map(|c| c.id.0.clone()).collect();
    for (n, case_id) in ids.iter().step_by(5).take(5).enumerate() {
        let at = draw.instant(draw.start + Duration::days(2), draw.end - Duration::days(2));
        if n < 3 {
            let worker = WORKERS[draw.rng.random_range(0..WORKERS.len())];
            load.changes.push(Change {
                at,
                what: What::Sql(format!(
                    "UPDATE cases SET allocated_worker_id = '{worker}' WHERE case_id = '{case_id}'"
                )),
                ends: None,
            });
        } else {
            let sql = format!(
                "UPDATE cases SET closed_on = '{}' WHERE case_id = '{case_id}'",
                local(at)
            );
            load.changes.push(completing(at, sql, case_id, None, &[]));
        }
    }
}
