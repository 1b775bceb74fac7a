//! casewatch: statutory-deadline alerts for children's social care.
//!
//! # Layout
//!
//! - [`calendar`]: working days, bank holidays by region, month arithmetic and London local dates (pure).
//! - [`model`]: the canonical case schema as Rust types.

pub mod calendar;
pub mod channels;
pub mod config;
pub mod evaluate;
pub mod model;
pub mod outbox;
pub mod recipients;
pub mod rules;
pub mod store;
pub mod telemetry;
