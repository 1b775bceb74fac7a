//! `casewatch run`: the long-running service — schedules, shutdown, reload, systemd notification.

mod settings;
pub mod systemd;

pub use settings::{HttpSettings, ScheduleSettings, next_fire_times, parse_cron};
