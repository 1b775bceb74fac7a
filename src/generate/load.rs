//! Writing a generated caseload into a case database, in chunks, so a million children load in bounded memory.

use crate::model::{CaseFile, Staff};
use crate::source::{CaseSource, SourceError};

/// Rows written by [`load`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loaded {
    pub staff: u64,
    pub children: u64,
    pub cases: u64,
    pub visits: u64,
    pub assessments: u64,
    pub decisions: u64,
    pub events: u64,
    pub meetings: u64,
    pub records: u64,
}

impl Loaded {
    pub fn rows(&self) -> u64 {
        self.staff
            + self.children
            + self.cases
            + self.visits
            + self.assessments
            + self.decisions
            + self.events
            + self.meetings
            + self.records
    }
}

/// Every row of one table in a chunk of case files.
fn rows_of<T: Clone>(chunk: &[CaseFile], rows: impl Fn(&CaseFile) -> &[T]) -> Vec<T> {
    chunk.iter().flat_map(|f| rows(f).iter().cloned()).collect()
}

/// Case files per write: large enough for fast multi-row inserts, small enough to keep memory flat.
const CHUNK: usize = 2_000;

/// Writes the staff, then the case files chunk by chunk (children before their cases, cases before their rows,
/// events and meetings before the records that name them).
/// A child with an older closed case appears in two adjacent case files and is written once.
pub async fn load(
    source: &CaseSource,
    staff: &[Staff],
    files: impl IntoIterator<Item = CaseFile>,
) -> Result<Loaded, SourceError> {
    load_with_progress(source, staff, files, |_| {}).await
}

/// As [`load`], calling `progress` with the running totals after each chunk.
pub async fn load_with_progress(
    source: &CaseSource,
    staff: &[Staff],
    files: impl IntoIterator<Item = CaseFile>,
    mut progress: impl FnMut(&Loaded),
) -> Result<Loaded, SourceError> {
    let loader = source.loader();
    loader.insert(staff).await?;
    let mut loaded = Loaded {
        staff: staff.len() as u64,
        ..Loaded::default()
    };
    let mut last_child = None;
    let mut files = files.into_iter().peekable();
    while files.peek().is_some() {
        let chunk: Vec<CaseFile> = files.by_ref().take(CHUNK).collect();
        let mut children = Vec::with_capacity(chunk.len());
        for file in &chunk {
            if last_child.as_ref() != Some(&file.child.id) {
                children.push(file.child.clone());
                last_child = Some(file.child.id.clone());
            }
        }
        let cases: Vec<_> = chunk.iter().map(|f| f.case.clone()).collect();
        let visits = rows_of(&chunk, |f| &f.visits);
        let assessments = rows_of(&chunk, |f| &f.assessments);
        let decisions = rows_of(&chunk, |f| &f.decisions);
        let events = rows_of(&chunk, |f| &f.events);
        let meetings = rows_of(&chunk, |f| &f.meetings);
        let records = rows_of(&chunk, |f| &f.records);
        loader.insert(&children).await?;
        loader.insert(&cases).await?;
        loader.insert(&visits).await?;
        loader.insert(&assessments).await?;
        loader.insert(&decisions).await?;
        loader.insert(&events).await?;
        loader.insert(&meetings).await?;
        loader.insert(&records).await?;
        loaded.children += children.len() as u64;
        loaded.cases += cases.len() as u64;
        loaded.visits += visits.len() as u64;
        loaded.assessments += assessments.len() as u64;
        loaded.decisions += decisions.len() as u64;
        loaded.events += events.len() as u64;
        loaded.meetings += meetings.len() as u64;
        loaded.records += records.len() as u64;
        progress(&loaded);
    }
    Ok(loaded)
}
