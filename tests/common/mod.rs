//! Builders for case files and staff, shared by the pure rule tests. Every value a test asserts on is written out
//! by hand in the test from the guidance and the calendar.
#![allow(dead_code)]

use casewatch::calendar::{Region, WorkingCalendar};
use casewatch::model::*;
use casewatch::rules::{AsOf, RulePack};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

pub fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap_or_else(|e| panic!("bad instant {s}: {e}"))
}

pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap_or_else(|e| panic!("bad date {s}: {e}"))
}

pub fn case_file(case_id: &str, case_type: &str) -> CaseFile {
    CaseFile {
        case: Case {
            id: case_id.into(),
            child_id: format!("CH-{case_id}").into(),
            case_type: case_type.into(),
            allocated_worker_id: Some("W1".into()),
            opened_on: d("2025-01-06"),
            closed_on: None,
            care_leaver_category: (case_type == "CARE_LEAVER")
                .then_some(CareLeaverCategory::Eligible),
        },
        child: Child {
            id: format!("CH-{case_id}").into(),
            display_ref: format!("LL-{case_id}"),
            given_name: Some("Fictional".into()),
            family_name: Some("Child".into()),
            date_of_birth: None,
        },
        visits: vec![],
        assessments: vec![],
        decisions: vec![],
        events: vec![],
        meetings: vec![],
        records: vec![],
    }
}

pub fn visit(id: &str, case_id: &str, visit_type: VisitType, at: &str, seen: bool) -> Visit {
    Visit {
        id: id.into(),
        case_id: case_id.into(),
        visit_type,
        visit_at: t(at),
        child_seen: seen,
        worker_id: None,
        note_created_at: None,
        note_finalised_at: None,
        manager_comment_at: None,
        ssda903_recorded: false,
    }
}

/// A statutory visit on `at` whose note was started at `note_created`.
pub fn statutory_note(id: &str, case_id: &str, at: &str, note_created: &str) -> Visit {
    let mut v = visit(id, case_id, VisitType::Statutory, at, true);
    v.note_created_at = Some(t(note_created));
    v
}

pub fn assessment(id: &str, case_id: &str, started_on: &str, priority: u32) -> Assessment {
    Assessment {
        id: id.into(),
        case_id: case_id.into(),
        started_on: d(started_on),
        referral_on: None,
        priority_working_days: priority,
        priority_set_at: None,
        completed_on: None,
        worker_id: None,
    }
}

/// (rule, stage, subject_id, from, due_at) of every active stage, as strings, in evaluation order.
pub fn stages(file: &CaseFile, now: &str) -> Vec<(String, String, String, String, String)> {
    stages_with(
        file,
        now,
        &WorkingCalendar::new(Region::EnglandAndWales, []),
    )
}

pub fn stages_with(
    file: &CaseFile,
    now: &str,
    calendar: &WorkingCalendar,
) -> Vec<(String, String, String, String, String)> {
    let pack = RulePack::load(true, &[] as &[&str], &[]).expect("built-in rules load");
    let mut out = Vec::new();
    pack.evaluate_case(file, calendar, &AsOf::new(t(now)), &mut out);
    let z = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    out.iter()
        .map(|a| {
            (
                a.rule(&pack).id.clone(),
                a.stage(&pack).name.clone(),
                a.subject_id.clone(),
                z(a.from),
                z(a.due_at),
            )
        })
        .collect()
}

/// Just the stage names active for `rule` at `now`.
pub fn stage_names(file: &CaseFile, rule: &str, now: &str) -> Vec<String> {
    stages(file, now)
        .into_iter()
        .filter(|s| s.0 == rule)
        .map(|s| s.1)
        .collect()
}

pub fn row(
    rule: &str,
    stage: &str,
    subject: &str,
    from: &str,
    due: &str,
) -> (String, String, String, String, String) {
    (
        rule.into(),
        stage.into(),
        subject.into(),
        from.into(),
        due.into(),
    )
}

pub fn event(id: &str, case_id: &str, kind: &str, at: &str) -> CaseEvent {
    CaseEvent {
        id: id.into(),
        case_id: case_id.into(),
        kind: kind.into(),
        occurred_at: t(at),
        staff_id: None,
        detail: None,
    }
}

/// A meeting of `kind`, held at `held` when given, scheduled at `scheduled` when given.
pub fn meeting(
    id: &str,
    case_id: &str,
    kind: &str,
    scheduled: Option<&str>,
    held: Option<&str>,
) -> Meeting {
    Meeting {
        id: id.into(),
        case_id: case_id.into(),
        kind: kind.into(),
        scheduled_at: scheduled.map(t),
        held_at: held.map(t),
        cancelled: false,
        chair_id: None,
    }
}

/// A record of `kind` completed at `completed` (when given), linked to nothing.
pub fn record(id: &str, case_id: &str, kind: &str, completed: Option<&str>) -> Record {
    Record {
        id: id.into(),
        case_id: case_id.into(),
        kind: kind.into(),
        about_at: None,
        completed_at: completed.map(t),
        authorised_at: None,
        staff_id: None,
        meeting_id: None,
        event_id: None,
    }
}

/// The built-in packs (SPEC section 8.2, and `national`), on top of the six rules.
pub const ALL_PACKS: [&str; 6] = [
    "lcs",
    "havering",
    "luton",
    "isle-of-wight",
    "enfield",
    "national",
];

pub fn all_packs() -> RulePack {
    let packs: Vec<String> = ALL_PACKS.iter().map(|p| p.to_string()).collect();
    RulePack::load_with_packs(true, &packs, &[] as &[&str], &[]).expect("built-in packs load")
}

/// (rule, stage, subject_id, from, due_at) of every active stage of `pack`'s rules, at `now`.
pub fn pack_stages(
    pack: &RulePack,
    file: &CaseFile,
    now: &str,
) -> Vec<(String, String, String, String, String)> {
    let calendar = WorkingCalendar::new(Region::EnglandAndWales, []);
    let mut out = Vec::new();
    pack.evaluate_case(file, &calendar, &AsOf::new(t(now)), &mut out);
    let z = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    out.iter()
        .map(|a| {
            (
                a.rule(pack).id.clone(),
                a.stage(pack).name.clone(),
                a.subject_id.clone(),
                z(a.from),
                z(a.due_at),
            )
        })
        .collect()
}

/// (stage, from, due_at) of `rule`'s active stages at `now`.
pub fn rule_stages(
    pack: &RulePack,
    file: &CaseFile,
    rule: &str,
    now: &str,
) -> Vec<(String, String, String)> {
    pack_stages(pack, file, now)
        .into_iter()
        .filter(|s| s.0 == rule)
        .map(|(_, stage, _, from, due)| (stage, from, due))
        .collect()
}

/// (rule, stage, subject_id, from, due_at).
pub type StageRow = (String, String, String, DateTime<Utc>, DateTime<Utc>);

/// (rule, stage, subject_id, from, due_at) of every active stage of `pack`'s rules that `keep` admits, at `now`,
/// as instants: what the oracle tests compare.
pub fn engine_rows(
    pack: &RulePack,
    file: &CaseFile,
    cal: &WorkingCalendar,
    now: DateTime<Utc>,
    keep: impl Fn(&casewatch::rules::Rule) -> bool,
) -> std::collections::BTreeSet<StageRow> {
    let mut out = Vec::new();
    pack.evaluate_case(file, cal, &AsOf::new(now), &mut out);
    out.iter()
        .filter(|a| keep(a.rule(pack)))
        .map(|a| {
            (
                a.rule(pack).id.clone(),
                a.stage(pack).name.clone(),
                a.subject_id.clone(),
                a.from,
                a.due_at,
            )
        })
        .collect()
}

/// A random instant in `days` days from `base`, often exactly on a local midnight or a second either side of one.
pub fn random_instant(
    rng: &mut rand_chacha::ChaCha8Rng,
    base: NaiveDate,
    days: i64,
) -> DateTime<Utc> {
    use casewatch::calendar::{end_of, start_of};
    use chrono::Duration;
    use rand::RngExt;
    let day = base + Duration::days(rng.random_range(0..days));
    match rng.random_range(0..4) {
        0 => start_of(day),
        1 => end_of(day),
        2 => start_of(day) + Duration::seconds(rng.random_range(-1..=1)),
        _ => start_of(day) + Duration::seconds(rng.random_range(0..86_400)),
    }
}
