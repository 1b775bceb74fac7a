//! The command line: one binary, subcommands (SPEC section 7).

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Parser, Subcommand};

use crate::app;
use crate::calendar::{Region, WorkingCalendar};
use crate::config::Config;
use crate::evaluate::Format;
use crate::source::CaseSource;
use crate::telemetry::LogFormat;

#[derive(Debug, Parser)]
#[command(
    name = "casewatch",
    version,
    about = "Statutory-deadline alerts for children's social care"
)]
pub struct Cli {
    /// Log lines as human-readable text or JSON (for journald and log shippers). Filter with RUST_LOG.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every active stage and who would be told, as of an instant. Sends and writes nothing.
    Evaluate(EvaluateArgs),
    /// Working-day arithmetic and bank holidays.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Create a sample case database dated around today and show what casewatch makes of it.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    #[arg(long, short)]
    pub config: PathBuf,
    /// The evaluation instant, RFC 3339 (e.g. 2026-03-12T09:00:00Z). Default: now.
    #[arg(long)]
    pub at: Option<DateTime<Utc>>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

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

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to put the demo's databases and configuration.
    #[arg(long, default_value = "casewatch-demo")]
    pub dir: PathBuf,
    /// Seed for the sample data: the same seed gives the same children.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// How many children.
    #[arg(long, default_value_t = 50)]
    pub children: usize,
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

/// Runs a parsed command line. Errors are printed with their causes; the exit code says which kind.
pub async fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Evaluate(args) => evaluate(&args).await,
        Command::Calendar(cmd) => calendar(cmd),
        Command::Demo(args) => crate::demo::run(&args.dir, args.seed, args.children).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<crate::config::ConfigError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

async fn evaluate(args: &EvaluateArgs) -> anyhow::Result<()> {
    let config = Config::load(&args.config)?;
    let calendar = config.settings.calendar.working_calendar();
    let source = CaseSource::connect(&config.settings.source.url).await?;
    let now = args.at.unwrap_or_else(Utc::now);
    let evaluation = app::evaluate(&config, &calendar, &source, now).await?;
    source.close().await;
    tracing::info!(
        cases = evaluation.cases,
        lines = evaluation.lines.len(),
        rows_skipped = evaluation.report.total_skipped(),
        "evaluated as of {now}"
    );
    // Everything is computed before anything is printed: an error never leaves partial results.
    crate::evaluate::write(
        &evaluation.lines,
        args.format,
        &mut std::io::stdout().lock(),
    )?;
    Ok(())
}

fn calendar(cmd: CalendarCommand) -> anyhow::Result<()> {
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
