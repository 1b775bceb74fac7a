//! The case-database reader (`casewatch::source`) against SQLite and a real PostgreSQL.
//!
//! One test binary, so one PostgreSQL server for all of these; each test has its own database.

#[path = "../support/mod.rs"]
mod support;

mod bad_rows;
mod connect;
mod dangling;
mod fallback;
mod optional_tables;
mod round_trip;
mod sqlite_reader;
mod views;
mod volume;
