//! The random (non-scenario) children: case types, ages, openings and closures, and C&F assessments.

use chrono::NaiveDate;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::Generator;
use super::builder::{CaseBuilder, child_row};
use super::days::{age_on, at_local, birthday, clock, days};
use super::hierarchy::{Post, Service};
use super::history::{self, Cadence};
use super::timescales;
use crate::model::{CareLeaverCategory, CaseFile, Child};

/// What `Generator::case_files` yields for one child: an older closed case (a few children), the current one,
/// and a contact since the current one closed (a few of those).
pub(super) struct ChildCases {
    pub(super) older: Option<CaseFile>,
    pub(super) current: CaseFile,
    pub(super) contact: Option<CaseFile>,
}

/// Shares of open cases: CIN 45%, CP 20%, CLA 25%, care leavers 10%.
fn draw_case_type(rng: &mut ChaCha8Rng) -> &'static str {
    match rng.random_range(0..100) {
        0..=44 => "CIN",
        45..=64 => "CP",
        65..=89 => "CLA",
        _ => "CARE_LEAVER",
    }
}

/// A care leaver's category from their age: under 18 eligible (still looked after) or relevant (left care), 18 and
/// over former relevant; a few qualifying at any age (Children (Leaving Care) Act 2000 categories).
fn draw_category(age: u32, rng: &mut ChaCha8Rng) -> CareLeaverCategory {
    match (age < 18, rng.random_range(0..100)) {
        (_, 0..=9) => CareLeaverCategory::Qualifying,
        (true, 10..=59) => CareLeaverCategory::Eligible,
        (true, _) => CareLeaverCategory::Relevant,
        (false, _) => CareLeaverCategory::FormerRelevant,
    }
}

pub(super) fn random_child(
    g: &Generator,
    child: usize,
    first_case: usize,
    rng: &mut ChaCha8Rng,
) -> ChildCases {
    let t = g.today;
    let case_type = draw_case_type(rng);
    let (date_of_birth, opened_on, category) = if case_type == "CARE_LEAVER" {
        // Care leavers are 16 to 21; their leaving-care case opened between 16 and 18.
        let date_of_birth = days(t, -rng.random_range(5845..=8034));
        let sixteen = birthday(date_of_birth, 16);
        let room = (t - sixteen).num_days().clamp(0, 730);
        let category = draw_category(age_on(date_of_birth, t), rng);
        (
            Some(date_of_birth),
            days(sixteen, rng.random_range(0..=room)),
            Some(category),
        )
    } else if case_type != "CLA" && rng.random_range(0..200) == 0 {
        // A pre-birth assessment: the child is not born yet.
        (None, days(t, -rng.random_range(7..=120)), None)
    } else {
        let age = rng.random_range(0..=6573);
        let open_for = match case_type {
            "CLA" => rng.random_range(30..=2600),
            "CP" => rng.random_range(14..=450),
            _ => rng.random_range(14..=540),
        };
        (Some(days(t, -age)), days(t, -open_for.min(age)), None)
    };
    // Referrals arrive any day, but a case is opened (and its assessment started) on a working day.
    let opened_on = g.working_days.on_or_after(opened_on).min(t);
    let child_row = child_row(g, child, date_of_birth, rng);
    let older = (rng.random_range(0..100) < 3)
        .then(|| older_case(g, &child_row, case_type, opened_on, first_case, rng))
        .flatten();
    let number = first_case + usize::from(older.is_some());

    let service = Service::of_case_type(case_type);
    let post = (rng.random_range(0..1000) >= 15)
        .then(|| Post::Worker(service, rng.random_range(0..g.layout.workers(service))));
    let mut b = CaseBuilder::new(g, number, child_row, case_type, post);
    b.case.care_leaver_category = category;
    b.case.opened_on = opened_on;
    match rng.random_range(0..100) {
        // A few cases open in the coming weeks (a transfer in, a planned placement).
        0 => {
            b.case.opened_on = g
                .working_days
                .on_or_after(days(t, rng.random_range(1..=21)))
        }
        // Some closed in the past.
        1..=8 if (t - opened_on).num_days() > 30 => {
            b.case.closed_on = Some(days(
                opened_on,
                rng.random_range(14..(t - opened_on).num_days()),
            ));
        }
        _ => {}
    }
    if b.case.opened_on < t {
        record_case(g, &mut b, rng);
    }
    let mut timescale_rng = g.timescale_stream(number);
    if b.case.opened_on < t {
        timescales::record(g, &mut b, &mut timescale_rng);
    }
    let contact = b
        .case
        .closed_on
        .and_then(|closed_on| contact_case(g, &b.child, closed_on, number, &mut timescale_rng));
    ChildCases {
        older,
        current: b.finish(),
        contact,
    }
}

/// Some children whose case has closed come back within two months as a contact.
fn contact_case(
    g: &Generator,
    child: &Child,
    closed_on: NaiveDate,
    number: usize,
    rng: &mut ChaCha8Rng,
) -> Option<CaseFile> {
    let earliest = days(closed_on, 1).max(days(g.today, -60));
    if earliest >= days(g.today, -1) || rng.random_range(0..100) >= 30 {
        return None;
    }
    let on = days(
        earliest,
        rng.random_range(0..(g.today - earliest).num_days()),
    );
    let on = g.working_days.on_or_before(on).max(earliest);
    let mut b = CaseBuilder::new(g, number, child.clone(), "CONTACT", None);
    timescales::contact(g, &mut b, on, rng);
    Some(b.finish())
}

/// A child's earlier case, closed before the current one opened: a CLA case for a care leaver, else a CIN case.
fn older_case(
    g: &Generator,
    child: &Child,
    current_type: &str,
    current_opened: NaiveDate,
    number: usize,
    rng: &mut ChaCha8Rng,
) -> Option<CaseFile> {
    let (case_type, closed_on) = match current_type {
        "CARE_LEAVER" => ("CLA", current_opened),
        _ => ("CIN", days(current_opened, -rng.random_range(30..=365))),
    };
    let opened_on = g
        .working_days
        .on_or_after(days(closed_on, -rng.random_range(60..=400)));
    if child.date_of_birth.is_none_or(|dob| opened_on < dob) {
        return None;
    }
    let service = Service::of_case_type(case_type);
    let post = Post::Worker(service, rng.random_range(0..g.layout.workers(service)));
    let mut b = CaseBuilder::new(g, number, child.clone(), case_type, Some(post));
    b.case.opened_on = opened_on;
    b.case.closed_on = Some(closed_on);
    record_case(g, &mut b, rng);
    timescales::record(g, &mut b, &mut g.timescale_stream(number));
    Some(b.finish())
}

/// Visits from opening to closure (or yesterday) and the C&F assessments a case of its type usually has.
fn record_case(g: &Generator, b: &mut CaseBuilder, rng: &mut ChaCha8Rng) {
    let until = b.case.closed_on.unwrap_or(g.today).min(g.today);
    let opened_on = b.case.opened_on;
    history::record(
        b,
        g,
        Cadence::for_case(&b.case.case_type, opened_on),
        until,
        &history::TYPICAL,
        rng,
    );
    let safeguarding = Service::of_case_type(&b.case.case_type) == Service::Safeguarding;
    // A referral needing a C&F assessment is how most CIN and CP cases open; later ones are re-assessments.
    if rng.random_range(0..100) < if safeguarding { 75 } else { 10 } {
        let referral_on =
            (rng.random_range(0..100) < 55).then(|| days(opened_on, -rng.random_range(0..=5)));
        assess(g, b, opened_on, referral_on, until, rng);
    }
    let reassess_on = days(opened_on, rng.random_range(90..=400));
    if safeguarding && reassess_on < until && rng.random_range(0..100) < 20 {
        assess(
            g,
            b,
            g.working_days.on_or_after(reassess_on),
            None,
            until,
            rng,
        );
    }
}

/// seed 001: the CART manager sets the initial priority of 10 working days; after a checkpoint discussion the
/// practice manager may change it to 30 or 45. Most finish within it; some run over.
fn assess(
    g: &Generator,
    b: &mut CaseBuilder,
    started_on: NaiveDate,
    referral_on: Option<NaiveDate>,
    until: NaiveDate,
    rng: &mut ChaCha8Rng,
) {
    let wd = &g.working_days;
    let set_on = wd.add(started_on, rng.random_range(1..=4));
    let priority_set_at = (rng.random_range(0..100) >= 10 && set_on < until)
        .then(|| at_local(set_on, rng.random_range(clock(9, 0)..=clock(17, 0))));
    let priority = match (priority_set_at, rng.random_range(0..100)) {
        (None, _) | (_, 0..=29) => 10,
        (_, 30..=64) => 30,
        _ => 45,
    };
    let share = if rng.random_range(0..100) < 12 {
        rng.random_range(100..=160)
    } else {
        rng.random_range(40..=100)
    };
    let completed_on = wd.add(started_on, (i64::from(priority) * share / 100).max(1));
    let worker = b.people.visiting_worker(started_on, rng);
    let assessment = b.assessment(started_on, priority, worker);
    assessment.referral_on = referral_on;
    assessment.priority_set_at = priority_set_at;
    assessment.completed_on = (completed_on < until).then_some(completed_on);
}
