//! The caseload the generator tests share: 2,000 children generated once.

// Each test crate uses a part of this module.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::OnceLock;

use casewatch::generate::Generator;
use casewatch::model::{CaseFile, Staff};
use chrono::{Datelike, NaiveDate, Weekday};

pub const CHILDREN: usize = 2_000;

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 18).unwrap()
}

pub fn caseload() -> &'static (Vec<Staff>, Vec<CaseFile>) {
    static CASELOAD: OnceLock<(Vec<Staff>, Vec<CaseFile>)> = OnceLock::new();
    CASELOAD.get_or_init(|| {
        let generator = Generator::new(42, CHILDREN, today());
        (generator.staff(), generator.case_files().collect())
    })
}

/// Each child's current case: the last one listed for them, other than a contact since it closed.
pub fn current_cases() -> Vec<&'static CaseFile> {
    let mut current: HashMap<&str, &CaseFile> = HashMap::new();
    for file in caseload()
        .1
        .iter()
        .filter(|f| f.case.case_type != "CONTACT")
    {
        current.insert(file.child.id.as_str(), file);
    }
    current.into_values().collect()
}

pub fn share(count: usize, of: usize) -> f64 {
    100.0 * count as f64 / of as f64
}

/// Monday to Friday from `earlier` (exclusive) to `later` (inclusive).
pub fn weekdays_between(earlier: NaiveDate, later: NaiveDate) -> usize {
    earlier
        .iter_days()
        .skip(1)
        .take_while(|d| *d <= later)
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .count()
}
