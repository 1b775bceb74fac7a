//! Whether the case database has the shape casewatch reads (SPEC sections 2 and 8.1), asked of its catalogue before any
//! row is read: for `casewatch check-config`, so that a view missing a column or giving a column a type casewatch
//! cannot read is found by the operator, not by a warning on every row at the first pass.
//!
//! A type is usable when the row decoder (`decode.rs`) reads it. PostgreSQL's types are checked exactly; SQLite's
//! declared types are advice the database does not enforce, so there only a missing table or column is an error
//! and a declared type that is clearly wrong (BLOB, REAL) is a warning.

use std::fmt;

use sqlx::{AssertSqlSafe, PgPool, SqlitePool};

use super::report::Table;
use super::{Backend, CaseSource, queries};
use crate::model::OptionalTables;

/// Something wrong with a table (or view) of the case database, or one of its columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaProblem {
    pub level: Level,
    pub table: Table,
    /// `None` when the problem is the table's own (missing, unreadable, unindexed).
    pub column: Option<&'static str>,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// casewatch cannot read the table, or no row of it.
    Error,
    /// casewatch can read it, but probably not as the operator meant, or slowly.
    Warning,
}

impl fmt::Display for SchemaProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(column) => write!(f, "{}.{column}: {}", self.table, self.message),
            None => write!(f, "{}: {}", self.table, self.message),
        }
    }
}

/// Checks each of the six tables, and the optional `tables` (those the enabled rules read): it exists, has every
/// column, each column's type is usable, and it can be selected from; on PostgreSQL also that
/// `ORDER BY case_id COLLATE "C"` is served by an index. Reads no rows.
pub async fn inspect(source: &CaseSource, tables: OptionalTables) -> Vec<SchemaProblem> {
    let mut problems = Vec::new();
    for table in Table::REQUIRED
        .iter()
        .copied()
        .chain(Table::optional(tables))
    {
        let before = problems.len();
        let columns = match &source.backend {
            Backend::Sqlite(pool) => sqlite_columns(pool, table).await,
            Backend::Postgres(pool) => postgres_columns(pool, table).await,
        };
        let error = |column, message| SchemaProblem {
            level: Level::Error,
            table,
            column,
            message,
        };
        let columns = match columns {
            Ok(Some(columns)) => columns,
            Ok(None) => {
                problems.push(error(
                    None,
                    "missing: no table or view has this name".into(),
                ));
                continue;
            }
            Err(e) => {
                problems.push(error(None, format!("cannot inspect: {e}")));
                continue;
            }
        };
        for &name in queries::columns(table) {
            let found = columns.iter().find(|c| c.name.eq_ignore_ascii_case(name));
            let Some(found) = found else {
                let expected = Kind::of(name).expected();
                problems.push(error(Some(name), format!("missing (expected {expected})")));
                continue;
            };
            if let Some((level, message)) = found.problem(Kind::of(name)) {
                problems.push(SchemaProblem {
                    level,
                    table,
                    column: Some(name),
                    message,
                });
            }
        }
        if problems[before..].iter().any(|p| p.level == Level::Error) {
            continue;
        }
        if let Err(e) = select_nothing(source, table).await {
            problems.push(error(None, format!("cannot be read: {e}")));
            continue;
        }
        let ordered_by_case = queries::columns(table).contains(&"case_id");
        if let (Backend::Postgres(pool), true) = (&source.backend, ordered_by_case) {
            problems.extend(postgres_case_order(pool, table).await);
        }
    }
    problems
}

/// What a column holds, by SPEC sections 2 and 8.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Text,
    Date,
    Timestamp,
    Boolean,
    Integer,
}

impl Kind {
    fn of(column: &str) -> Kind {
        match column {
            "absent_from" | "absent_until" | "date_of_birth" | "opened_on" | "closed_on"
            | "started_on" | "referral_on" | "completed_on" => Kind::Date,
            "visit_at" | "note_created_at" | "note_finalised_at" | "manager_comment_at"
            | "priority_set_at" | "decided_at" | "occurred_at" | "scheduled_at" | "held_at"
            | "about_at" | "completed_at" | "authorised_at" => Kind::Timestamp,
            "active" | "child_seen" | "ssda903_recorded" | "cancelled" => Kind::Boolean,
            "priority_working_days" => Kind::Integer,
            _ => Kind::Text,
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Date => "a date: date, or YYYY-MM-DD text",
            Kind::Timestamp => "an instant: timestamptz, or ISO-8601 text with an offset",
            Kind::Boolean => "a boolean: boolean, or an integer 0/1",
            Kind::Integer => "an integer",
        }
    }
}

/// A column as the catalogue describes it.
struct Column {
    name: String,
    declared: Declared,
}

enum Declared {
    /// SQLite's declared type, possibly empty (a view's computed column).
    Sqlite(String),
    /// PostgreSQL's type: its internal name (`timestamptz`), whether it is an enum, and its SQL name for messages.
    Postgres {
        name: String,
        is_enum: bool,
        display: String,
    },
}

impl Column {
    fn problem(&self, kind: Kind) -> Option<(Level, String)> {
        match &self.declared {
            Declared::Sqlite(declared) => sqlite_type_problem(declared, kind)
                .map(|reason| (Level::Warning, format!("declared {declared}: {reason}"))),
            Declared::Postgres {
                name,
                is_enum,
                display,
            } => postgres_type_problem(name, *is_enum, kind).then(|| {
                let message = if kind == Kind::Timestamp && name == "timestamp" {
                    format!(
                        "is {display}, which casewatch refuses rather than guess its offset: \
                         cast it in the view with `… AT TIME ZONE 'Europe/London' AS {}`",
                        self.name
                    )
                } else {
                    format!("is {display}; expected {}", kind.expected())
                };
                (Level::Error, message)
            }),
        }
    }
}

/// Why a SQLite declared type is clearly wrong for `kind`, by the type affinity SQLite gives it
/// (<https://www.sqlite.org/datatype3.html>, section 3.1). SQLite stores what it is given whatever the type says.
fn sqlite_type_problem(declared: &str, kind: Kind) -> Option<&'static str> {
    let t = declared.to_ascii_uppercase();
    if t.contains("INT") {
        let numeric = matches!(kind, Kind::Boolean | Kind::Integer);
        (!numeric).then_some("an integer column, but casewatch reads this column as text")
    } else if ["CHAR", "CLOB", "TEXT"].iter().any(|s| t.contains(s)) || t.is_empty() {
        None
    } else if t.contains("BLOB") {
        Some("casewatch reads text and integers, never BLOBs")
    } else if ["REAL", "FLOA", "DOUB"].iter().any(|s| t.contains(s)) {
        Some("a floating-point column, which casewatch does not read")
    } else {
        None
    }
}

/// Whether the row decoder cannot read PostgreSQL type `name` as `kind` (see `postgres.rs`, `RawRow for PgRow`).
fn postgres_type_problem(name: &str, is_enum: bool, kind: Kind) -> bool {
    let text = is_enum || matches!(name, "text" | "varchar" | "bpchar" | "name");
    let integer = matches!(name, "int2" | "int4" | "int8");
    let usable = match kind {
        Kind::Text => text,
        Kind::Date => text || name == "date",
        Kind::Timestamp => text || name == "timestamptz",
        Kind::Boolean => integer || name == "bool",
        Kind::Integer => integer,
    };
    !usable
}

/// Whether the database has a table or view named as `table` (for SQLite case-insensitively, as SQLite itself
/// finds it; for PostgreSQL as `search_path` finds it).
pub(super) async fn exists(source: &CaseSource, table: Table) -> Result<bool, sqlx::Error> {
    match &source.backend {
        Backend::Sqlite(pool) => sqlite_relation(pool, table).await.map(|t| t.is_some()),
        Backend::Postgres(pool) => postgres_relation(pool, table).await.map(|t| t.is_some()),
    }
}

async fn sqlite_relation(pool: &SqlitePool, table: Table) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT type FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?1 COLLATE NOCASE",
    )
    .bind(table.name())
    .fetch_optional(pool)
    .await
}

async fn postgres_relation(pool: &PgPool, table: Table) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT to_regclass($1)::text")
        .bind(table.name())
        .fetch_one(pool)
        .await
}

async fn sqlite_columns(
    pool: &SqlitePool,
    table: Table,
) -> Result<Option<Vec<Column>>, sqlx::Error> {
    if sqlite_relation(pool, table).await?.is_none() {
        return Ok(None);
    }
    // Works for views too; a view over a missing table fails here, with SQLite's reason.
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT name, type FROM pragma_table_info(?1)")
            .bind(table.name())
            .fetch_all(pool)
            .await?;
    let columns = rows.into_iter().map(|(name, declared)| Column {
        name,
        declared: Declared::Sqlite(declared),
    });
    Ok(Some(columns.collect()))
}

/// The relation `search_path` finds by the table's name (table, view, materialized view or foreign table), with
/// each column's type; a domain counts as its base type, as PostgreSQL sends its values.
async fn postgres_columns(pool: &PgPool, table: Table) -> Result<Option<Vec<Column>>, sqlx::Error> {
    if postgres_relation(pool, table).await?.is_none() {
        return Ok(None);
    }
    let rows: Vec<(String, String, bool, String)> = sqlx::query_as(
        "SELECT a.attname::text, coalesce(b.typname, t.typname)::text, \
                coalesce(b.typtype, t.typtype) = 'e', format_type(a.atttypid, NULL) \
         FROM pg_attribute a \
         JOIN pg_type t ON t.oid = a.atttypid \
         LEFT JOIN pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype \
         WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped",
    )
    .bind(table.name())
    .fetch_all(pool)
    .await?;
    let columns = rows.into_iter().map(|(name, type_name, is_enum, display)| {
        let declared = Declared::Postgres {
            name: type_name,
            is_enum,
            display,
        };
        Column { name, declared }
    });
    Ok(Some(columns.collect()))
}

/// Selects every column casewatch reads, and no row: finds what the catalogue does not say (a broken view, a
/// missing `SELECT` grant).
async fn select_nothing(source: &CaseSource, table: Table) -> Result<(), sqlx::Error> {
    let sql = format!(
        "SELECT {} FROM {table} LIMIT 0",
        queries::columns(table).join(", ")
    );
    let sql = AssertSqlSafe(sql);
    match &source.backend {
        Backend::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(drop),
        Backend::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(drop),
    }
}

/// Whether PostgreSQL can read `table` in case order without sorting it: asks the planner with sorting
/// disabled, so a plan that still sorts has no index to use. Works through views, which an index list would not.
async fn postgres_case_order(pool: &PgPool, table: Table) -> Option<SchemaProblem> {
    let warning = |message| {
        Some(SchemaProblem {
            level: Level::Warning,
            table,
            column: None,
            message,
        })
    };
    let plan = async {
        let mut tx = pool.begin_with("BEGIN READ ONLY").await?;
        sqlx::query("SET LOCAL enable_sort = off")
            .execute(&mut *tx)
            .await?;
        let explain = format!("EXPLAIN SELECT case_id FROM {table} ORDER BY case_id COLLATE \"C\"");
        let plan: Vec<String> = sqlx::query_scalar(AssertSqlSafe(explain))
            .fetch_all(&mut *tx)
            .await?;
        tx.rollback().await?;
        Ok::<_, sqlx::Error>(plan)
    };
    match plan.await {
        Ok(plan) if sorts(&plan) => warning(
            "no index serves `ORDER BY case_id COLLATE \"C\"`, so every pass sorts the whole table: \
             index it as docs/case-schema.md (Indexes) shows"
                .into(),
        ),
        Ok(_) => None,
        Err(e) => warning(format!("cannot tell whether case_id is indexed: {e}")),
    }
}

/// Whether a plan (`EXPLAIN`'s text, a node a line) has a sort node.
fn sorts(plan: &[String]) -> bool {
    plan.iter().any(|line| {
        let node = line.trim_start().trim_start_matches("->").trim_start();
        node.starts_with("Sort  (") || node.starts_with("Incremental Sort  (")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The columns of `table` that are not text, with their kinds.
    fn kinds(table: Table) -> Vec<(&'static str, Kind)> {
        queries::columns(table)
            .iter()
            .map(|c| (*c, Kind::of(c)))
            .filter(|(_, k)| *k != Kind::Text)
            .collect()
    }

    #[test]
    fn every_canonical_column_has_the_kind_spec_section_2_gives_it() {
        use Kind::*;
        assert_eq!(
            kinds(Table::Staff),
            [
                ("absent_from", Date),
                ("absent_until", Date),
                ("active", Boolean)
            ]
        );
        assert_eq!(kinds(Table::Children), [("date_of_birth", Date)]);
        assert_eq!(
            kinds(Table::Cases),
            [("opened_on", Date), ("closed_on", Date)]
        );
        assert_eq!(
            kinds(Table::Visits),
            [
                ("visit_at", Timestamp),
                ("child_seen", Boolean),
                ("note_created_at", Timestamp),
                ("note_finalised_at", Timestamp),
                ("manager_comment_at", Timestamp),
                ("ssda903_recorded", Boolean),
            ]
        );
        assert_eq!(
            kinds(Table::Assessments),
            [
                ("started_on", Date),
                ("referral_on", Date),
                ("priority_working_days", Integer),
                ("priority_set_at", Timestamp),
                ("completed_on", Date),
            ]
        );
        assert_eq!(
            kinds(Table::ManagementDecisions),
            [("decided_at", Timestamp)]
        );
    }

    #[test]
    fn every_optional_column_has_the_kind_spec_section_8_1_gives_it() {
        use Kind::*;
        assert_eq!(kinds(Table::CaseEvents), [("occurred_at", Timestamp)]);
        assert_eq!(
            kinds(Table::Meetings),
            [
                ("scheduled_at", Timestamp),
                ("held_at", Timestamp),
                ("cancelled", Boolean)
            ]
        );
        assert_eq!(
            kinds(Table::Records),
            [
                ("about_at", Timestamp),
                ("completed_at", Timestamp),
                ("authorised_at", Timestamp)
            ]
        );
    }

    #[test]
    fn sqlite_declared_types_warn_only_when_clearly_wrong() {
        // The canonical migration's types, and a view's computed columns (no type), are fine.
        assert_eq!(sqlite_type_problem("TEXT", Kind::Timestamp), None);
        assert_eq!(sqlite_type_problem("INTEGER", Kind::Boolean), None);
        assert_eq!(sqlite_type_problem("", Kind::Date), None);
        assert_eq!(sqlite_type_problem("DATE", Kind::Date), None);
        assert_eq!(sqlite_type_problem("VARCHAR(40)", Kind::Text), None);
        assert!(sqlite_type_problem("BLOB", Kind::Text).is_some());
        assert!(sqlite_type_problem("DOUBLE", Kind::Integer).is_some());
        assert!(sqlite_type_problem("INTEGER", Kind::Text).is_some());
        assert!(sqlite_type_problem("BIGINT", Kind::Date).is_some());
    }

    #[test]
    fn postgres_types_are_usable_when_the_row_decoder_reads_them() {
        assert!(!postgres_type_problem("varchar", false, Kind::Text));
        assert!(!postgres_type_problem("my_enum", true, Kind::Text));
        assert!(!postgres_type_problem("text", false, Kind::Date));
        assert!(!postgres_type_problem(
            "timestamptz",
            false,
            Kind::Timestamp
        ));
        assert!(!postgres_type_problem("int2", false, Kind::Boolean));
        assert!(postgres_type_problem("timestamp", false, Kind::Timestamp));
        assert!(postgres_type_problem("date", false, Kind::Timestamp));
        assert!(postgres_type_problem("int4", false, Kind::Text));
        assert!(postgres_type_problem("numeric", false, Kind::Integer));
        assert!(postgres_type_problem("text", false, Kind::Boolean));
    }

    #[test]
    fn a_plan_sorts_when_it_has_a_sort_node_not_merely_a_sort_key() {
        let plan = |lines: &[&str]| lines.iter().map(|l| l.to_string()).collect::<Vec<_>>();
        assert!(sorts(&plan(&[
            "Sort  (cost=10000000083.33..10000000086.33 rows=1200 width=32)",
            "  Sort Key: ((case_id)::text) COLLATE \"C\"",
            "  ->  Seq Scan on visits  (cost=0.00..22.00 rows=1200 width=32)",
        ])));
        assert!(!sorts(&plan(&[
            "Index Only Scan using visits_case_visit_at on visits  (cost=0.15..60.15 rows=1200 width=32)"
        ])));
        assert!(!sorts(&plan(&[
            "Merge Append  (cost=0.31..120.61 rows=2400 width=32)",
            "  Sort Key: a.case_id COLLATE \"C\"",
            "  ->  Index Only Scan using a_case on a  (cost=0.15..48.15 rows=1200 width=32)",
        ])));
    }
}
