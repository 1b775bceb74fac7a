//! casewatch: statutory-deadline alerts for children's social care.
//!
//! # Layout
//!
//! - [`model`]: the canonical case schema as Rust types.
//! - [`generate`]: a deterministic, streaming generator of realistic case data for the demo and benchmarks.

pub mod generate;
pub mod model;
