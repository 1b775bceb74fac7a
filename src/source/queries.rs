//! The SQL that reads the canonical case schema, written once for both backends.
//!
//! Only two things differ between SQLite and PostgreSQL here, and each [`Dialect`] spells them: how to order
//! `case_id` in byte order (the order the merge join compares `String`s in), and how to test "open on `$1`"
//! without trusting the column's type.

use super::feed::Feed;
use super::report::Table;
use super::rows::JOINED_CHILD_ID;

/// The columns of each table in SPEC sections 2 and 8.1, in order: what is read, and what the loader writes.
pub(super) fn columns(table: Table) -> &'static [&'static str] {
    match table {
        Table::Staff => &[
            "staff_id",
            "display_name",
            "email",
            "role",
            "team",
            "manager_id",
            "cover_id",
            "absent_from",
            "absent_until",
            "active",
        ],
        Table::Children => &[
            "child_id",
            "display_ref",
            "given_name",
            "family_name",
            "date_of_birth",
        ],
        Table::Cases => &[
            "case_id",
            "child_id",
            "case_type",
            "allocated_worker_id",
            "opened_on",
            "closed_on",
            "care_leaver_category",
        ],
        Table::Visits => &[
            "visit_id",
            "case_id",
            "visit_type",
            "visit_at",
            "child_seen",
            "worker_id",
            "note_created_at",
            "note_finalised_at",
            "manager_comment_at",
            "ssda903_recorded",
        ],
        Table::Assessments => &[
            "assessment_id",
            "case_id",
            "started_on",
            "referral_on",
            "priority_working_days",
            "priority_set_at",
            "completed_on",
            "worker_id",
        ],
        Table::ManagementDecisions => {
            &["decision_id", "case_id", "decided_at", "manager_id", "kind"]
        }
        Table::CaseEvents => &[
            "event_id",
            "case_id",
            "kind",
            "occurred_at",
            "staff_id",
            "detail",
        ],
        Table::Meetings => &[
            "meeting_id",
            "case_id",
            "kind",
            "scheduled_at",
            "held_at",
            "cancelled",
            "chair_id",
        ],
        Table::Records => &[
            "record_id",
            "case_id",
            "kind",
            "about_at",
            "completed_at",
            "authorised_at",
            "staff_id",
            "meeting_id",
            "event_id",
        ],
    }
}

pub(super) struct Dialect {
    /// Appended to `ORDER BY x.case_id` so the database sorts ids as Rust compares them (byte order), even when
    /// a view's column carries a locale collation.
    pub byte_order: &'static str,
    /// True for case `c` unless it certainly opened after the date bound as `$1`, or closed on or before the date
    /// bound as `$2` (`YYYY-MM-DD` text; `$2` is `$1` unless a rule watches cases for a while after they close).
    /// A value that is not a well-formed date passes, so the row reaches the decoder and is reported as bad
    /// instead of vanishing in a comparison.
    pub maybe_open: &'static str,
}

pub(super) const SQLITE: Dialect = Dialect {
    byte_order: "COLLATE BINARY",
    maybe_open: "NOT COALESCE(c.opened_on > $1 \
                   AND c.opened_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]', 0) \
                 AND NOT COALESCE(c.closed_on <= $2 \
                   AND c.closed_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]', 0)",
};

/// `::text` makes the test work on `date` and `text` columns alike; sqlx sessions use `DateStyle = ISO`, so a
/// date's text is `YYYY-MM-DD`.
pub(super) const POSTGRES: Dialect = Dialect {
    byte_order: "COLLATE \"C\"",
    maybe_open: "NOT COALESCE(c.opened_on::text COLLATE \"C\" > $1 \
                   AND c.opened_on::text ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', false) \
                 AND NOT COALESCE(c.closed_on::text COLLATE \"C\" <= $2 \
                   AND c.closed_on::text ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', false)",
};

pub(super) fn staff() -> String {
    format!(
        "SELECT {} FROM staff ORDER BY staff_id",
        columns(Table::Staff).join(", ")
    )
}

/// The query of one feed of a case read; `$1` is the date as `YYYY-MM-DD`.
pub(super) fn feed(dialect: &Dialect, feed: Feed) -> String {
    let Dialect {
        byte_order,
        maybe_open,
    } = dialect;
    if feed == Feed::Cases {
        // A LEFT JOIN, so that a case whose child row is missing is seen (and reported) rather than dropped.
        let child = qualified(Table::Children, "k").replacen(
            "k.child_id",
            &format!("k.child_id AS {JOINED_CHILD_ID}"),
            1,
        );
        let case = qualified(Table::Cases, "c");
        return format!(
            "SELECT {case}, {child} FROM cases c LEFT JOIN children k ON k.child_id = c.child_id \
             WHERE {maybe_open} ORDER BY c.case_id {byte_order}"
        );
    }
    let table = feed.table();
    let select = qualified(table, "t");
    // Not "the case exists and is open" but "no case of that id is certainly closed": a row whose case_id is
    // NULL or names no case at all reaches the merge, which names and counts it as a bad row, in the same pass.
    format!(
        "SELECT {select} FROM {table} t \
         WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.case_id = t.case_id AND NOT ({maybe_open})) \
         ORDER BY t.case_id {byte_order}"
    )
}

/// [`feed`] with its dates written in as literals, for what takes no parameters (`COPY`, the benchmark's
/// `psql`). The dates are casewatch's own, `YYYY-MM-DD`, never text from outside.
pub(super) fn feed_with_dates(
    dialect: &Dialect,
    feed: Feed,
    (open_on, closed_after): (&str, &str),
) -> String {
    let literal = |date: &str| {
        assert!(
            date.bytes().all(|b| b.is_ascii_digit() || b == b'-'),
            "a date as YYYY-MM-DD, not {date:?}"
        );
        format!("'{date}'")
    };
    self::feed(dialect, feed)
        .replace("$1", &literal(open_on))
        .replace("$2", &literal(closed_after))
}

fn qualified(table: Table, alias: &str) -> String {
    let columns = columns(table)
        .iter()
        .map(|column| format!("{alias}.{column}"));
    columns.collect::<Vec<_>>().join(", ")
}

/// The names of the columns a feed's query selects, in order (the cases feed's child id under
/// [`JOINED_CHILD_ID`]): how a reader finds a column by position.
pub(super) fn selected(feed: Feed) -> Vec<&'static str> {
    let mut names = columns(feed.table()).to_vec();
    if feed == Feed::Cases {
        let child = columns(Table::Children).iter();
        names.extend(child.map(|&c| if c == "child_id" { JOINED_CHILD_ID } else { c }));
    }
    names
}
