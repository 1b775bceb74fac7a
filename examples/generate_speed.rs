//! How fast the generator streams a caseload: `cargo run --release --example generate_speed -- 100000`.

use std::time::Instant;

use casewatch::generate::Generator;
use chrono::NaiveDate;

fn main() {
    let children = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let today = NaiveDate::from_ymd_opt(2026, 3, 16).unwrap_or_default();
    let started = Instant::now();
    let generator = Generator::new(1, children, today);
    let staff = generator.staff().len();
    let (mut cases, mut visits, mut assessments, mut decisions) = (0usize, 0usize, 0usize, 0usize);
    for file in generator.case_files() {
        cases += 1;
        visits += file.visits.len();
        assessments += file.assessments.len();
        decisions += file.decisions.len();
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{children} children: {cases} cases, {visits} visits, {assessments} assessments, \
         {decisions} decisions, {staff} staff in {seconds:.2}s = {:.0} cases/s",
        cases as f64 / seconds
    );
}
