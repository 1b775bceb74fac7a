//! The command line: one binary, subcommands (SPEC section 7). This file holds the `casewatch` parser and the
//! dispatch; each command, with its arguments, is a file of its own.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::app;
use crate::telemetry::LogFormat;

mod audit;
mod calendar;
mod check_config;
mod demo;
mod evaluate;
mod explain;
mod migrate;
mod outbox;
mod preview;
mod rules;
mod service;
mod silence;
mod summary;
mod tick;

pub use audit::AuditArgs;
pub use calendar::{CalendarArgs, CalendarCommand};
pub use check_config::CheckConfigArgs;
pub use demo::{DemoArgs, DemoCommand, DemoShowArgs, GenerateArgs};
pub use evaluate::EvaluateArgs;
pub use explain::ExplainArgs;
pub use outbox::OutboxCommand;
pub use preview::PreviewArgs;
pub use rules::{RuleSourceArgs, RulesCommand};
pub use silence::SilenceCommand;
pub use summary::{SummaryArgs, SummaryFormat};
pub use tick::TickArgs;

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
    /// Run as a service: evaluate on a schedule, send digests and immediate notices, serve /healthz, /readyz and
    /// /metrics. SIGTERM or SIGINT stops it (finishing sends in flight); SIGHUP reloads the configuration.
    Run(ConfigArg),
    /// One pass: evaluate, enqueue notices, compose messages, deliver what is due; then exit (for cron too).
    Tick(TickArgs),
    /// Create or upgrade casewatch's own (state) database.
    Migrate(ConfigArg),
    /// Check a configuration, its channels and both databases before starting with it.
    ///
    /// One line per check: settings and rule files, templates, channels (secrets read, nothing sent), the SMTP
    /// login, the case database and its schema, the state database's migrations; then when the schedules fire
    /// next. Writes to neither database. Exit status 2: the configuration is at fault; 1: a database or the relay.
    CheckConfig(CheckConfigArgs),
    /// The message queue: list messages, re-queue dead letters.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// The life of each obligation of a case: stages, who was told when, and what came back.
    Audit(AuditArgs),
    /// Every obligation of a case as of an instant: anchors, due times, each stage's state, the evidence that
    /// ended it or its absence, who an active stage tells and what was sent. Reads only.
    Explain(ExplainArgs),
    /// A manager's daily summary (what is sent at `delivery.summary_times`), or a team's, or the whole service's:
    /// breaches and escalations by team and rule, the oldest, a four-week trend and timeliness. Reads only.
    Summary(SummaryArgs),
    /// The rules in force: `rules list` (every rule with its timescale and guidance) and `rules show ID` (one
    /// rule in plain English, stage by stage). Without --config, the six rules and every built-in pack.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// "In hand": keep a case's stages (or one rule's) out of every message until a date, for a reason. Still
    /// evaluated and shown in explain, audit and the managers' summaries (SPEC 6a).
    #[command(subcommand)]
    Silence(SilenceCommand),
    /// What the next pass would send, writing and sending nothing: messages and items per recipient (staff id and
    /// role, no child), the largest message, items by how long overdue, and the go-live backlog.
    Preview(PreviewArgs),
    /// Create a sample case database dated around today and show what casewatch makes of it; `demo generate`
    /// fills a case database with a large synthetic caseload (for benchmarks and capacity tests).
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct ConfigArg {
    #[arg(long, short)]
    pub config: PathBuf,
}

/// Runs a parsed command line. Errors are printed with their causes; the exit code says which kind.
pub async fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Evaluate(args) => evaluate::evaluate(&args).await,
        Command::Calendar(cmd) => calendar::calendar(cmd),
        Command::Run(args) => service::run_service(args.config).await,
        Command::Tick(args) => tick::tick(&args).await,
        Command::Migrate(args) => migrate::migrate(&args).await,
        Command::CheckConfig(args) => return check_config::check_config(&args).await,
        Command::Outbox(cmd) => outbox::outbox(cmd).await,
        Command::Audit(args) => audit::audit(&args).await,
        Command::Explain(args) => explain::explain(&args).await,
        Command::Summary(args) => summary::summary(&args).await,
        Command::Rules(cmd) => rules::rules(cmd),
        Command::Silence(cmd) => silence::silence(cmd).await,
        Command::Preview(args) => preview::preview(&args).await,
        Command::Demo(DemoArgs {
            command: Some(DemoCommand::Generate(args)),
            ..
        }) => demo::generate(&args).await,
        Command::Demo(DemoArgs { show, .. }) => {
            crate::demo::run(&show.dir, show.seed, show.children).await
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if is_configuration_error(&e) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Exit status 2: the configuration is wrong (a key, a rule file, or rules reading a table the database lacks).
fn is_configuration_error(e: &anyhow::Error) -> bool {
    e.downcast_ref::<crate::config::ConfigError>().is_some()
        || e.downcast_ref::<crate::rules::RuleError>().is_some()
        || e.downcast_ref::<crate::source::SourceError>()
            .is_some_and(crate::source::SourceError::is_configuration)
        || e.downcast_ref::<app::OpenError>()
            .is_some_and(app::OpenError::is_configuration)
        || e.downcast_ref::<crate::app::summary::ScopeError>()
            .is_some()
}
