//! The streaming merge join that turns case-ordered row feeds into one [`CaseFile`] per open case.
//!
//! Each feed (cases with their child, visits, assessments, decisions, and the optional events, meetings and
//! records that enabled rules need) arrives ordered by `case_id` in byte order, so a case's rows are gathered by
//! advancing each feed up to the next case: memory holds one case at a time whatever the caseload. The SQL of
//! each backend lives behind [`FeedReader`], which hands over rows already decoded ([`FeedRow`]), so a backend
//! can decode straight from its own buffers; a feed that is not read yields no rows.

use super::Scope;
use std::cmp::Ordering;
use std::future::Future;

use futures_util::stream::{self, Stream, TryStreamExt};

use crate::model::{Case, CaseFile, Child};

use super::decode::{Problem, Reason};
use super::feed::{FEEDS, Feed};
use super::report::{Table, Tally};
use super::rows::{Decoded, FeedRow, JoinedChild};
use super::{BoxError, SourceError};

/// The backend half of a case read: the next row of a feed, decoded, each feed ordered by `case_id` in byte
/// order. A feed the read did not open has no rows.
pub(super) trait FeedReader {
    type Error: Into<BoxError>;

    fn next_row(
        &mut self,
        feed: Feed,
    ) -> impl Future<Output = Result<Option<FeedRow>, Self::Error>>;
}

/// Streams the case files of the reader that `open` produces (opening is part of the stream, so nothing is
/// queried until the caller polls).
pub(super) fn case_files<'a, R: FeedReader + 'a, T: Tally>(
    open: impl Future<Output = Result<R, SourceError>> + 'a,
    open_on: Scope,
    report: &'a T,
    url: &'a str,
) -> impl Stream<Item = Result<CaseFile, SourceError>> + 'a {
    stream::once(open)
        .map_ok(move |reader| {
            let merge = Merge::new(reader, open_on, report, url);
            stream::try_unfold(merge, |mut merge| async move {
                Ok(merge.next_case_file().await?.map(|file| (file, merge)))
            })
        })
        .try_flatten()
}

pub(super) struct Merge<'a, R, T> {
    reader: R,
    open_on: Scope,
    report: &'a T,
    url: &'a str,
    /// Per feed, the row read past the end of the current case.
    pending: [Option<FeedRow>; FEEDS],
    /// Per feed, the last case_id seen, to prove the order the merge relies on.
    last_key: [Option<String>; FEEDS],
}

impl<'a, R: FeedReader, T: Tally> Merge<'a, R, T> {
    pub(super) fn new(reader: R, open_on: Scope, report: &'a T, url: &'a str) -> Self {
        Self {
            reader,
            open_on,
            report,
            url,
            pending: Default::default(),
            last_key: Default::default(),
        }
    }

    pub(super) async fn next_case_file(&mut self) -> Result<Option<CaseFile>, SourceError> {
        while let Some(head) = self.next_keyed(Feed::Cases).await? {
            let mut rows: [Vec<FeedRow>; FEEDS - 1] = Default::default();
            let key = head.case_id().unwrap_or_default();
            for (&feed, rows) in Feed::ROWS.iter().zip(&mut rows) {
                *rows = self.rows_of(feed, key).await?;
            }
            let Some((case, child)) = self.decode_head(head) else {
                for (&feed, rows) in Feed::ROWS.iter().zip(rows) {
                    self.skip_all(feed, rows, Reason::SkippedCase);
                }
                continue;
            };
            if !self.open_on.admits(&case) {
                continue; // the SQL lets through what it cannot judge; decoded, this case is not open
            }
            let mut file = CaseFile::new(case, child);
            for (&feed, rows) in Feed::ROWS.iter().zip(rows) {
                self.take(&mut file, feed, rows);
            }
            // The orders documented on CaseFile's fields, whatever order the database sent within a case.
            file.visits
                .sort_by(|a, b| (a.visit_at, &a.id).cmp(&(b.visit_at, &b.id)));
            file.assessments.sort_by(|a, b| a.id.cmp(&b.id));
            file.decisions
                .sort_by(|a, b| (a.decided_at, &a.id).cmp(&(b.decided_at, &b.id)));
            file.events
                .sort_by(|a, b| (a.occurred_at, &a.id).cmp(&(b.occurred_at, &b.id)));
            file.meetings.sort_by(|a, b| a.id.cmp(&b.id));
            file.records.sort_by(|a, b| a.id.cmp(&b.id));
            return Ok(Some(file));
        }
        // Rows left on the other feeds name no case at all (the SQL passes over rows of closed cases).
        for &feed in Feed::ROWS {
            while let Some(orphan) = self.next_keyed(feed).await? {
                self.skip_all(feed, vec![orphan], Reason::NoSuchCase);
            }
        }
        Ok(None)
    }

    /// The next row of `feed` with a readable case_id (the rows returned always have one); rows without one are
    /// skipped here.
    async fn next_keyed(&mut self, feed: Feed) -> Result<Option<FeedRow>, SourceError> {
        if let Some(row) = self.pending[feed.index()].take() {
            return Ok(Some(row));
        }
        let table = feed.table();
        loop {
            let next = self.reader.next_row(feed).await;
            let Some(row) = next.map_err(|cause| SourceError::read(self.url, table, cause))? else {
                return Ok(None);
            };
            self.report.count_read(table);
            let case_id = match row.case_id() {
                Ok(case_id) => case_id,
                Err(problem) => {
                    self.report.skip(table, row.id(), problem);
                    continue;
                }
            };
            let last = &mut self.last_key[feed.index()];
            match last.as_deref().map(|last| case_id.cmp(last)) {
                Some(Ordering::Less) => {
                    return Err(SourceError::Unordered {
                        url: self.url.to_owned(),
                        table,
                    });
                }
                Some(Ordering::Equal) if feed == Feed::Cases => {
                    let problem = Problem::new("case_id", Reason::DuplicateCase);
                    self.report.skip(table, case_id, &problem);
                    continue;
                }
                Some(Ordering::Equal) => {}
                _ => *last = Some(case_id.to_owned()),
            }
            return Ok(Some(row));
        }
    }

    /// The rows of `feed` for `case_id`, skipping rows before it: their case_id names no case (the SQL passes over
    /// rows of cases that are not open, and the rows of a case that was read are taken with it).
    async fn rows_of(&mut self, feed: Feed, case_id: &str) -> Result<Vec<FeedRow>, SourceError> {
        let mut rows = Vec::new();
        while let Some(row) = self.next_keyed(feed).await? {
            match row.case_id().unwrap_or_default().cmp(case_id) {
                Ordering::Less => self.skip_all(feed, vec![row], Reason::NoSuchCase),
                Ordering::Equal => rows.push(row),
                Ordering::Greater => {
                    self.pending[feed.index()] = Some(row);
                    break;
                }
            }
        }
        Ok(rows)
    }

    /// The case and its child, or `None` (logged and counted) when either cannot be used.
    fn decode_head(&self, head: FeedRow) -> Option<(Case, Child)> {
        let key = head.id().to_owned();
        let (row, joined) = head.into_parts();
        // Every row of the cases feed has its joined child; none reads as a child without a row.
        let JoinedChild { found, id, child } = joined.map_or(
            JoinedChild {
                found: false,
                id: String::new(),
                child: Ok(None),
            },
            |joined| *joined,
        );
        if found {
            self.report.count_read(Table::Children);
        }
        if let Err(problem) = &child {
            self.report.skip(Table::Children, &id, problem);
        }
        let case = match row {
            Ok(Decoded::Case(case)) => Ok(case),
            Err(bad) => Err(bad.problem),
            // Heads come only from the cases feed, which decodes nothing else.
            Ok(_) => Err(Problem::new("case_id", Reason::NoOpenCase)),
        };
        let problem = match (case, child) {
            (Ok(case), Ok(Some(child))) => return Some((case, child)),
            (Err(problem), _) => problem,
            (Ok(_), Ok(None)) => Problem::new("child_id", Reason::NoSuchChild),
            (Ok(_), Err(_)) => Problem::new("child_id", Reason::SkippedChild),
        };
        self.report.skip(Table::Cases, &key, &problem);
        None
    }

    /// Puts a case's rows of `feed` into its file; rows that could not be decoded are skipped and counted.
    fn take(&self, file: &mut CaseFile, feed: Feed, rows: Vec<FeedRow>) {
        for row in rows {
            match row.into_parts().0 {
                Ok(Decoded::Visit(visit)) => file.visits.push(visit),
                Ok(Decoded::Assessment(assessment)) => file.assessments.push(assessment),
                Ok(Decoded::Decision(decision)) => file.decisions.push(decision),
                Ok(Decoded::Event(event)) => file.events.push(event),
                Ok(Decoded::Meeting(meeting)) => file.meetings.push(meeting),
                Ok(Decoded::Record(record)) => file.records.push(record),
                Ok(Decoded::Case(_)) => {} // only the cases feed has these, and it is never taken here
                Err(bad) => self.report.skip(feed.table(), &bad.id, &bad.problem),
            }
        }
    }

    fn skip_all(&self, feed: Feed, rows: Vec<FeedRow>, reason: Reason) {
        let table = feed.table();
        let problem = Problem::new("case_id", reason);
        for row in rows {
            self.report.skip(table, row.id(), &problem);
        }
    }
}
