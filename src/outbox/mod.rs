//! The durable outbox: active stages become notices (once per stage per person, repeats counted from the last
//! notice), notices become messages (digests at the send windows, or immediate ones), messages are delivered with
//! retries and dead letters, and every attempt is recorded. The rules are in `docs/delivery.md`.

mod audit;
mod compose;
mod deliver;
mod history;
mod plan;
pub mod quiet;
mod render;
mod repeat;
mod settings;
mod window;

pub use crate::channels::{EMAIL, Sender};
pub use audit::write as write_audit;
pub use compose::{ComposeError, Composed, compose, message_id};
pub use deliver::{Delivered, backoff, deliver};
pub use plan::{Delivery, Draft, Route, case_link, plan};
pub use render::{Rendered, Renderer, TemplateError, count_summary, urgency};
pub use repeat::{LastNotice, due_now, recheck_at, repeat_due};
pub use settings::DeliverySettings;
pub use window::{current_slot, current_window, immediate_allowed, next_window, previous_slot};
