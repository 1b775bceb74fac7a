//! The row feeds of a case read: the cases with their child, then one feed per table of a case's rows.

use crate::model::OptionalTables;

use super::report::Table;

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
    pub(super) const ROWS: &[Feed] = Feed::ALL.as_slice().split_at(1).1;

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
