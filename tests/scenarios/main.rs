//! End-to-end scenarios through a real case database, on SQLite and on PostgreSQL: rows are loaded with the
//! canonical schema, read back by `casewatch::source`, evaluated and resolved, and compared with SPEC section 5's
//! output written out by hand.

#[path = "../support/mod.rs"]
mod support;

#[path = "../common/mod.rs"]
mod common;
#[path = "../pack_spec/mod.rs"]
mod pack_spec;

mod cli;
mod county;
mod evaluate;
mod packs;
