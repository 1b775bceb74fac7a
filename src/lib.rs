//! casewatch: statutory-deadline alerts for children's social care.
//!
//! # Layout
//!
//! - [`model`]: the canonical case schema as Rust types.

pub mod model;
