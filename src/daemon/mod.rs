//! `casewatch run`: the long-running service — schedules, shutdown, reload, systemd notification.

pub mod run;
mod settings;
pub mod systemd;

pub use run::run;
pub use settings::{HttpSettings, ScheduleSettings, next_fire_times, parse_cron};
