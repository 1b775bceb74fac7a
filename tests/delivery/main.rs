//! Delivery end to end: a real case database and state database (SQLite, and PostgreSQL), a real SMTP server and
//! a real HTTP server, driven by `App::tick` at chosen instants; two weeks of quarter-hourly passes over a changing
//! caseload (`time_travel`); and the real binary killed mid-pass.

#[path = "../support/mod.rs"]
mod support;

#[path = "../scenarios/county.rs"]
#[allow(dead_code)]
mod county;

#[path = "../webhook_server/mod.rs"]
mod webhook_server;

mod batched;
mod bounded;
mod email;
mod golive;
mod graph;
mod harness;
mod killed;
mod killed_graph;
mod rescheduled;
mod shared_channel;
mod silences;
mod throughput;
mod time_travel;
mod together;
mod told;
mod twins;
mod upgrade;
mod webhook;
mod windows;
mod xoauth2;
