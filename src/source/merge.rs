//! The streaming merge join that turns case-ordered row feeds into one [`CaseFile`] per open case.
//!
//! Each feed (cases with their child, visits, assessments, decisions, and the optional events, meetings and
//! records that enabled rules need) arrives ordered by `case_id` in byte order, so a case's rows are gathered by
//! advancing each feed up to the next case: memory holds one case at a time whatever the caseload. The SQL of
//! each backend lives behind [`FeedReader`]; a feed that is not read yields no rows.

use std::cmp::Ordering;
use std::future::Future;

use chrono::NaiveDate;
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};

use crate::model::{CaseFile, Child, OptionalTables};

use super::SourceError;
use super::decode::{Cell, Problem, RawRow, Reason, as_text, required, row_id};
use super::report::{ReadReport, Table};
use super::rows::{self, JOINED_CHILD_ID};

/// One of the row feeds of a case read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Feed {
    /// Cases open on the date, each with its child joined on.
    Cases,
    Visits,
    Assessments,
    Decisions,
    Events,
    Meetings,
    Records,
}

/// How many feeds a case read can have.
pub(super) const FEEDS: usize = 7;

impl Feed {
    pub(super) const ALL: [Feed; FEEDS] = [
        Feed::Cases,
        Feed::Visits,
        Feed::Assessments,
        Feed::Decisions,
        Feed::Events,
        Feed::Meetings,
        Feed::Records,
    ];

    /// The feeds after the cases: each a case's rows of one table.
    const ROWS: &[Feed] = Feed::ALL.as_slice().split_at(1).1;

    /// The feeds a read with these optional tables opens: the four of SPEC section 2 always, then the others.
    pub(super) fn read(tables: OptionalTables) -> Vec<Feed> {
        let optional = [
            (tables.events, Feed::Events),
            (tables.meetings, Feed::Meetings),
            (tables.records, Feed::Records),
        ];
        let optional = optional.into_iter().filter_map(|(on, f)| on.then_some(f));
        let required = Feed::ALL
            .iter()
            .take_while(|&&f| f != Feed::Events)
            .copied();
        required.chain(optional).collect()
    }

    pub(super) fn table(self) -> Table {
        match self {
            Feed::Cases => Table::Cases,
            Feed::Visits => Table::Visits,
            Feed::Assessments => Table::Assessments,
            Feed::Decisions => Table::ManagementDecisions,
            Feed::Events => Table::CaseEvents,
            Feed::Meetings => Table::Meetings,
            Feed::Records => Table::Records,
        }
    }

    pub(super) fn index(self) -> usize {
        self as usize
    }
}

/// The backend half of a case read: the next row of a feed, each feed ordered by `case_id` in byte order. A feed
/// the read did not open has no rows.
pub(super) trait FeedReader: Send {
    type Row: RawRow + Send;

    fn next_row(
        &mut self,
        feed: Feed,
    ) -> impl Future<Output = Result<Option<Self::Row>, sqlx::Error>> + Send;
}

/// Streams the case files of the reader that `open` produces (opening is part of the stream, so nothing is
/// queried until the caller polls).
pub(super) fn case_files<'a, R: FeedReader + 'a>(
    open: impl Future<Output = Result<R, SourceError>> + Send + 'a,
    open_on: NaiveDate,
    report: &'a ReadReport,
    url: &'a str,
) -> BoxStream<'a, Result<CaseFile, SourceError>> {
    stream::once(open)
        .map_ok(move |reader| {
            let merge = Merge {
                reader,
                open_on,
                report,
                url,
                pending: Default::default(),
                last_key: Default::default(),
            };
            stream::try_unfold(merge, |mut merge| async move {
                Ok(merge.next_case_file().await?.map(|file| (file, merge)))
            })
        })
        .try_flatten()
        .boxed()
}

/// A row with its `case_id`, read but not yet given to a case.
struct Keyed<Row> {
    case_id: String,
    row: Row,
}

struct Merge<'a, R: FeedReader> {
    reader: R,
    open_on: NaiveDate,
    report: &'a ReadReport,
    url: &'a str,
    /// Per feed, the row read past the end of the current case.
    pending: [Option<Keyed<R::Row>>; FEEDS],
    /// Per feed, the last case_id seen, to prove the order the merge relies on.
    last_key: [Option<String>; FEEDS],
}

impl<R: FeedReader> Merge<'_, R> {
    async fn next_case_file(&mut self) -> Result<Option<CaseFile>, SourceError> {
        while let Some(head) = self.next_keyed(Feed::Cases).await? {
            let mut rows: [Vec<R::Row>; FEEDS - 1] = Default::default();
            for (&feed, rows) in Feed::ROWS.iter().zip(&mut rows) {
                *rows = self.rows_of(feed, &head.case_id).await?;
            }
            let Some((case, child)) = self.decode_head(&head) else {
                for (&feed, rows) in Feed::ROWS.iter().zip(rows) {
                    self.skip_all(feed, rows, Reason::SkippedCase);
                }
                continue;
            };
            if !case.is_open_on(self.open_on) {
                continue; // the SQL lets through what it cannot judge; decoded, this case is not open
            }
            let [visits, assessments, decisions, events, meetings, records] = rows;
            let mut file = CaseFile {
                case,
                child,
                visits: self.decode_all(Feed::Visits, visits, rows::visit),
                assessments: self.decode_all(Feed::Assessments, assessments, rows::assessment),
                decisions: self.decode_all(Feed::Decisions, decisions, rows::decision),
                events: self.decode_all(Feed::Events, events, rows::case_event),
                meetings: self.decode_all(Feed::Meetings, meetings, rows::meeting),
                records: self.decode_all(Feed::Records, records, rows::record),
            };
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
        // Rows left on the other feeds name no case that was read.
        for &feed in Feed::ROWS {
            while let Some(orphan) = self.next_keyed(feed).await? {
                self.skip_all(feed, vec![orphan.row], Reason::NoOpenCase);
            }
        }
        Ok(None)
    }

    /// The next row of `feed` with a readable case_id; rows without one are skipped here.
    async fn next_keyed(&mut self, feed: Feed) -> Result<Option<Keyed<R::Row>>, SourceError> {
        if let Some(keyed) = self.pending[feed.index()].take() {
            return Ok(Some(keyed));
        }
        let table = feed.table();
        loop {
            let next = self.reader.next_row(feed).await;
            let Some(row) = next.map_err(|cause| SourceError::read(self.url, table, cause))? else {
                return Ok(None);
            };
            self.report.count_read(table);
            let case_id = match required(&row, "case_id", as_text) {
                Ok(case_id) => case_id,
                Err(problem) => {
                    self.report
                        .skip(table, &row_id(&row, table.id_column()), &problem);
                    continue;
                }
            };
            let last = &mut self.last_key[feed.index()];
            match last.as_deref().map(|last| case_id.as_str().cmp(last)) {
                Some(Ordering::Less) => {
                    return Err(SourceError::Unordered {
                        url: self.url.to_owned(),
                        table,
                    });
                }
                Some(Ordering::Equal) if feed == Feed::Cases => {
                    self.report.skip(
                        table,
                        &case_id,
                        &Problem::new("case_id", Reason::DuplicateCase),
                    );
                    continue;
                }
                _ => *last = Some(case_id.clone()),
            }
            return Ok(Some(Keyed { case_id, row }));
        }
    }

    /// The rows of `feed` for `case_id`, skipping rows of cases before it (cases that were not read).
    async fn rows_of(&mut self, feed: Feed, case_id: &str) -> Result<Vec<R::Row>, SourceError> {
        let mut rows = Vec::new();
        while let Some(keyed) = self.next_keyed(feed).await? {
            match keyed.case_id.as_str().cmp(case_id) {
                Ordering::Less => self.skip_all(feed, vec![keyed.row], Reason::NoOpenCase),
                Ordering::Equal => rows.push(keyed.row),
                Ordering::Greater => {
                    self.pending[feed.index()] = Some(keyed);
                    break;
                }
            }
        }
        Ok(rows)
    }

    /// The case and its child, or `None` (logged and counted) when either cannot be used.
    fn decode_head(&self, head: &Keyed<R::Row>) -> Option<(crate::model::Case, Child)> {
        let row = &head.row;
        let has_child_row = row.cell(JOINED_CHILD_ID) != Cell::Null;
        if has_child_row {
            self.report.count_read(Table::Children);
        }
        let child = rows::joined_child(row).inspect_err(|problem| {
            self.report
                .skip(Table::Children, &row_id(row, JOINED_CHILD_ID), problem);
        });
        let problem = match (rows::case(row), child) {
            (Ok(case), Ok(Some(child))) => return Some((case, child)),
            (Err(problem), _) => problem,
            (Ok(_), Ok(None)) => Problem::new("child_id", Reason::NoSuchChild),
            (Ok(_), Err(_)) => Problem::new("child_id", Reason::SkippedChild),
        };
        self.report.skip(Table::Cases, &head.case_id, &problem);
        None
    }

    fn decode_all<T>(
        &self,
        feed: Feed,
        rows: Vec<R::Row>,
        decode: fn(&R::Row) -> Result<T, Problem>,
    ) -> Vec<T> {
        let table = feed.table();
        let decoded = rows.iter().map(|row| {
            decode(row).inspect_err(|problem| {
                self.report
                    .skip(table, &row_id(row, table.id_column()), problem)
            })
        });
        decoded.filter_map(Result::ok).collect()
    }

    fn skip_all(&self, feed: Feed, rows: Vec<R::Row>, reason: Reason) {
        let table = feed.table();
        let problem = Problem::new("case_id", reason);
        for row in rows {
            self.report
                .skip(table, &row_id(&row, table.id_column()), &problem);
        }
    }
}
