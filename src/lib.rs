//! casewatch: statutory-deadline alerts for children's social care.
//!
//! # Layout
//!
//! - [`model`]: the canonical case schema as Rust types.
//! - [`source`]: reading the case database (SQLite or PostgreSQL) into those types, one open case at a time;
//!   the only code that knows the case database's SQL.

pub mod model;
pub mod source;
