//! casewatch: statutory-deadline alerts for children's social care.
//!
//! One pass is a straight line:
//!
//! ```text
//! source (case DB, read-only) -> rules + calendar (pure) -> recipients -> outbox (state DB) -> channels
//!                                                        \-> `evaluate` prints here and stops
//! ```
//!
//! # Layout
//!
//! A one-way house (README, "Layout"; checked by `tests/layers.rs`): each module names only those below it.
//!
//! - Commands: [`cli`], [`demo`], [`daemon`] (`casewatch run`), [`check`], [`preview`], [`explain`], [`silence`].
//! - The pass: [`app`] (evaluate, enqueue in batches, compose, deliver), [`summary`] (managers' summaries),
//!   [`config`] (assembles each module's settings), [`http`] (`/healthz`, `/readyz`, `/metrics`).
//! - Delivery: [`outbox`] (notices and messages), [`channels`] (email and webhooks: encode and send),
//!   [`message`] (a message, channel-neutral), [`store`] (casewatch's own database; the only code that knows its
//!   SQL).
//! - The domain: [`evaluate`], [`recipients`], [`directory`], [`generate`], [`source`] (the case database; the
//!   only code that knows its SQL), [`rules`] (pure).
//! - The ground: [`metrics`] (a sink), [`schedule`], [`spreadsheet`], [`secret`], [`telemetry`], [`calendar`]
//!   (pure), [`model`] (the case schema as Rust types).

pub mod app;
pub mod calendar;
pub mod channels;
pub mod check;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod demo;
pub mod directory;
pub mod evaluate;
pub mod explain;
pub mod generate;
pub mod http;
pub mod message;
pub mod metrics;
pub mod model;
pub mod outbox;
pub mod preview;
pub mod recipients;
pub mod rules;
pub mod schedule;
pub mod secret;
pub mod silence;
pub mod source;
pub mod spreadsheet;
pub mod store;
pub mod summary;
pub mod telemetry;
