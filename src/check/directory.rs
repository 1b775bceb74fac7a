//! The `[directory]` staff file: its rows on their own (offline too), then laid over the case database's staff.

use std::io;

use super::report::Report;
use crate::directory::{StaffDirectory, findings};
use crate::model::{Staff, StaffId};

/// More lines than this of one kind would bury the rest of the report; the count says how many there are.
const MAX_LINES: usize = 20;

const WHAT: &str = "staff directory";

/// The file's rows: how many are usable, and each one skipped (line and column).
pub(super) fn rows(directory: &StaffDirectory, report: &mut Report<'_>) -> io::Result<()> {
    let path = directory.path().display();
    let people = directory.entries().len();
    let skipped = directory.skipped();
    let mut detail = format!("{path}: {}", count_people(people));
    if !directory.ignored_columns().is_empty() {
        detail += &format!(
            " (columns not read: {})",
            directory.ignored_columns().join(", ")
        );
    }
    if skipped.is_empty() {
        report.ok(WHAT, &detail)?;
    } else {
        detail += &format!(", {} skipped", rows_count(skipped.len()));
        report.warn(WHAT, &detail)?;
    }
    for bad in skipped.iter().take(MAX_LINES) {
        report.warn(WHAT, &format!("{path} {bad}"))?;
    }
    if skipped.len() > MAX_LINES {
        let more = skipped.len() - MAX_LINES;
        report.warn(WHAT, &format!("{path}: and {} more", rows_count(more)))?;
    }
    Ok(())
}

/// The file laid over the case database's staff: who is in which, links to no one, loops, missing addresses.
pub(super) fn merged(
    directory: &StaffDirectory,
    database_staff: Vec<Staff>,
    report: &mut Report<'_>,
) -> io::Result<()> {
    let found = findings(directory, database_staff);
    report.ok(
        WHAT,
        &format!(
            "{} in the file: {} also in the case database's staff, {} only in the file; \
             {} in the case database only",
            count_people(found.entries),
            found.in_database,
            found.entries - found.in_database,
            found.database_only
        ),
    )?;
    for (person, column, id) in found.unknown_ids.iter().take(MAX_LINES) {
        report.warn(
            WHAT,
            &format!("staff {person}: {column} {id} is in neither the file nor the case database"),
        )?;
    }
    if found.unknown_ids.len() > MAX_LINES {
        let more = found.unknown_ids.len() - MAX_LINES;
        report.warn(WHAT, &format!("and {more} more unknown ids"))?;
    }
    for (chain, loops) in [
        ("management chain", &found.manager_loops),
        ("cover chain", &found.cover_loops),
    ] {
        for cycle in loops.iter().take(MAX_LINES) {
            let ids: Vec<&str> = cycle
                .iter()
                .chain(&cycle[..1])
                .map(StaffId::as_str)
                .collect();
            report.warn(WHAT, &format!("{chain} loops: {}", ids.join(" → ")))?;
        }
    }
    if !found.without_email.is_empty() {
        let n = found.without_email.len();
        let ids: Vec<&str> = found
            .without_email
            .iter()
            .take(MAX_LINES)
            .map(StaffId::as_str)
            .collect();
        let more = if n > MAX_LINES { ", …" } else { "" };
        let people = if n == 1 { "person has" } else { "people have" };
        report.warn(
            WHAT,
            &format!(
                "{n} active {people} no email address (their notices go to the fallback mailbox): {}{more}",
                ids.join(", ")
            ),
        )?;
    }
    Ok(())
}

fn count_people(n: usize) -> String {
    if n == 1 {
        "1 person".to_owned()
    } else {
        format!("{n} people")
    }
}

fn rows_count(n: usize) -> String {
    if n == 1 {
        "1 row".to_owned()
    } else {
        format!("{n} rows")
    }
}
