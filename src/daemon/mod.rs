//! `casewatch run`: the long-running service — schedules, shutdown, reload, systemd notification.

mod databases;
pub mod run;
pub mod systemd;

pub use crate::http::HttpSettings;
pub use crate::schedule::{ScheduleSettings, next_fire_times, parse_cron};
pub use run::run;
