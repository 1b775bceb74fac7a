//! A deterministic generator of realistic case data in the canonical schema (SPEC section 2).
//!
//! Used by `casewatch demo` (about 50 children dated relative to today, so every rule fires) and by benchmarks
//! that load up to a million children. It streams: each child's cases come from their own random stream
//! (ChaCha8 stream number = child index) and the staff hierarchy is arithmetic on the caseload's size, so memory
//! does not grow with the caseload and the output does not depend on how far it is read. Staff and case shapes
//! follow the practice guidance in `seeds/`; the comments in `history` and `caseload` cite it.
//!
//! Every case then goes through `practice`: the authority mostly keeps up with the built-in rule packs, so the
//! obligations they would find long overdue are mostly done (on time, a few late, a few never).
//!
//! With at most [`DEMO_MAX_CHILDREN`] children, the first children are hand-shaped scenarios that put every rule
//! of SPEC section 4 into an active stage today ([`Generator::demo_scenarios`] lists them).

mod builder;
mod caseload;
mod days;
mod hierarchy;
mod history;
mod load;
mod names;
mod practice;
mod scenarios;
mod staff;
mod timescales;

use chrono::NaiveDate;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::model::{CaseFile, CaseId, Staff};
use days::WorkingDays;
use hierarchy::Layout;

pub use load::{Loaded, load, load_with_progress};
pub use scenarios::DemoScenario;

/// Up to this many children, the first ones are the demo scenarios.
pub const DEMO_MAX_CHILDREN: usize = 200;

/// Staff rows draw from streams above this, children from `0..children`.
const STAFF_STREAMS: u64 = 1 << 63;
/// Each case's events, meetings and records (SPEC section 8.1) draw from the stream this plus its case number,
/// apart from the case's own, so adding them left the rest of the caseload as it was.
const TIMESCALE_STREAMS: u64 = 1 << 62;

/// Each child's random cases are brought up to the authority's practice (`practice`) from the stream this plus
/// the child's index.
const PRACTICE_STREAMS: u64 = 3 << 61;

/// Generates one local authority's staff and cases from a seed, relative to `today`.
#[derive(Clone, Debug)]
pub struct Generator {
    children: usize,
    practice: std::sync::Arc<practice::Practice>,
    today: NaiveDate,
    layout: Layout,
    working_days: WorkingDays,
    rng: ChaCha8Rng,
    /// Digits in case and child numbers, so string order is numeric order.
    width: usize,
}

impl Generator {
    /// `children` children, dated so that `today` is the last day with history.
    ///
    /// # Panics
    /// When `today` is within about ten years of the limits of `chrono::NaiveDate`.
    pub fn new(seed: u64, children: usize, today: NaiveDate) -> Self {
        Self {
            children,
            practice: std::sync::Arc::new(practice::Practice::new()),
            today,
            layout: Layout::for_caseload(children),
            working_days: WorkingDays::default(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            // A child can have an older closed case too, so case numbers go up to twice the children.
            width: (children.saturating_mul(2)).to_string().len().max(4),
        }
    }

    /// Treat these dates as non-working (the region's bank holidays, council closures) when placing dates.
    ///
    /// Without them only weekends are skipped, and a bank holiday can move a scenario's due date by a day; the
    /// scenarios keep a margin for that, except `due-today`, which is exact only with the closures given.
    pub fn with_closures(mut self, closures: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.working_days = WorkingDays::new(closures.into_iter().collect());
        self
    }

    /// The staff hierarchy sized for the caseload: senior managers, team managers, practice managers, then
    /// workers and personal advisers, then leavers, in staff-id order.
    pub fn staff(&self) -> Vec<Staff> {
        let row =
            |post| staff::staff_row(&self.layout, post, self.today, &mut self.staff_stream(post));
        self.layout.posts().map(row).collect()
    }

    /// One case file per case, generated lazily in ascending `case_id` order. Every child has a current case;
    /// a few also have an older closed one, which comes first, and a few whose case has closed a CONTACT case
    /// after it (its id is the closed case's with `-CT`).
    pub fn case_files(&self) -> impl Iterator<Item = CaseFile> + '_ {
        let mut next_case = 1;
        (0..self.children).flat_map(move |child| {
            let cases = self.child_cases(child, next_case);
            next_case += 1 + usize::from(cases.older.is_some());
            cases
                .older
                .into_iter()
                .chain(std::iter::once(cases.current))
                .chain(cases.contact)
        })
    }

    /// The hand-shaped demo cases in this caseload: which rule and stage each is meant to show today.
    pub fn demo_scenarios(&self) -> Vec<DemoScenario> {
        scenarios::listed(self)
    }

    /// The number of children.
    pub fn children(&self) -> usize {
        self.children
    }

    fn child_cases(&self, child: usize, first_case: usize) -> caseload::ChildCases {
        let mut rng = self.stream(child as u64);
        let mut cases = match scenarios::for_child(self, child) {
            Some(scenario) => caseload::ChildCases {
                older: None,
                current: scenario.build(self, child, first_case, &mut rng),
                contact: None,
            },
            None => caseload::random_child(self, child, first_case, &mut rng),
        };
        let mut rng = self.stream(PRACTICE_STREAMS + child as u64);
        let files = cases
            .older
            .iter_mut()
            .chain([&mut cases.current])
            .chain(cases.contact.iter_mut());
        for file in files {
            self.practice
                .keep_up(file, self.today, &self.working_days, &mut rng);
        }
        cases
    }

    fn stream(&self, stream: u64) -> ChaCha8Rng {
        let mut rng = self.rng.clone();
        rng.set_stream(stream);
        rng
    }

    fn timescale_stream(&self, case_number: usize) -> ChaCha8Rng {
        self.stream(TIMESCALE_STREAMS + case_number as u64)
    }

    fn staff_stream(&self, post: hierarchy::Post) -> ChaCha8Rng {
        self.stream(STAFF_STREAMS + self.layout.number(post) as u64)
    }

    fn case_id(&self, number: usize) -> CaseId {
        CaseId(format!("C{}", self.number(number)))
    }

    fn number(&self, number: usize) -> String {
        format!("{number:0w$}", w = self.width)
    }
}
