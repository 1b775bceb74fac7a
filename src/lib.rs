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
//! - [`model`]: the canonical case schema as Rust types.
//! - [`source`]: reading the case database (SQLite or PostgreSQL) into those types, one open case at a time;
//!   the only code that knows the case database's SQL.
//! - [`calendar`]: working days, bank holidays by region, month arithmetic and London local dates (pure).
//! - [`rules`]: rule files (`config/rules/*.toml`), their time expressions and subject selectors, and evaluating
//!   one case into its active stages (pure).
//! - [`directory`]: the staff directory, a CSV file from HR laid over the case database's `staff`.
//! - [`recipients`]: the role chain and absence cover.
//! - [`evaluate`]: active stages resolved to people, in the SPEC's order; `casewatch evaluate`'s output.
//! - [`outbox`]: notices, digests, delivery with retries and dead letters.
//! - [`message`]: the channel-neutral message the outbox and the summaries compose and the channels send.
//! - [`store`]: casewatch's own database (SQLite or PostgreSQL); the only code that knows its SQL.
//! - [`channels`]: email (SMTP, with a password or an OAuth token; Microsoft Graph; `.eml` files) and webhooks; they
//!   know nothing about rules.
//! - [`generate`]: a deterministic, streaming generator of realistic case data for the demo and benchmarks.
//! - [`app`]: one pass wired together: evaluate, enqueue, compose, deliver.
//! - [`daemon`]: `casewatch run`: schedules, signals, reload, systemd.
//! - [`metrics`], [`http`]: Prometheus metrics, and the `/healthz`, `/readyz` and `/metrics` endpoint.
//! - [`silence`], [`preview`]: SPEC 6a's `casewatch silence` ("in hand") and `casewatch preview` (what the next
//!   pass would send).
//! - [`check`]: `casewatch check-config`: a configuration, its channels and both databases checked before a start.
//! - [`spreadsheet`]: cells for a spreadsheet (formulas made text), for the CSV files people open.
//! - [`config`], [`telemetry`], [`cli`]: settings, logs, the command line.

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
