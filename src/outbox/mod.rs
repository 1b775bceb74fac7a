//! The durable outbox: active stages become notices (once per stage per person), notices become messages
//! (digests per send window, or immediate ones), messages are delivered with retries and dead letters, and every
//! attempt is recorded.

mod audit;
mod compose;
mod deliver;
mod plan;
mod render;
mod settings;

pub use audit::write as write_audit;
pub use compose::{ComposeError, Composed, compose, digest_window, immediate_allowed, message_id};
pub use deliver::{Delivered, Sender, backoff, deliver};
pub use plan::{Delivery, Draft, EMAIL, Route, occurrence, plan};
pub use render::{Rendered, Renderer, TemplateError, count_summary, urgency};
pub use settings::DeliverySettings;
