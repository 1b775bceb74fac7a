//! `casewatch calendar add` and `casewatch calendar holidays`: working-day arithmetic and bank holidays.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Subcommand};

use crate::calendar::{Region, WorkingCalendar};
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Print the Nth working day after DATE (N < 0: before), as YYYY-MM-DD.
    Add {
        date: NaiveDate,
        #[arg(allow_negative_numbers = true)]
        n: i32,
        #[command(flatten)]
        calendar: CalendarArgs,
    },
    /// Print YEAR's bank holidays (and configured closures) that fall on weekdays, one a line, ascending.
    Holidays {
        year: i32,
        #[command(flatten)]
        calendar: CalendarArgs,
    },
}

#[derive(Debug, Args)]
pub struct CalendarArgs {
    /// england-and-wales (default), scotland or northern-ireland. Overrides the configuration's calendar.region.
    #[arg(long)]
    pub region: Option<Region>,
    /// Take calendar.region and calendar.extra_closures from this configuration file.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
}

impl CalendarArgs {
    fn calendar(&self) -> anyhow::Result<WorkingCalendar> {
        let settings = match &self.config {
            Some(path) => Config::load(path)?.settings.calendar,
            None => Default::default(),
        };
        let region = self.region.unwrap_or(settings.region);
        Ok(WorkingCalendar::new(region, settings.extra_closures))
    }
}

pub(super) fn calendar(cmd: CalendarCommand) -> anyhow::Result<()> {
    match cmd {
        CalendarCommand::Add { date, n, calendar } => {
            println!("{}", calendar.calendar()?.add_working_days(date, n));
        }
        CalendarCommand::Holidays { year, calendar } => {
            anyhow::ensure!(
                (1900..=2200).contains(&year),
                "year {year} is outside the supported range 1900-2200"
            );
            for day in calendar.calendar()?.closures_in_year(year) {
                println!("{day}");
            }
        }
    }
    Ok(())
}
