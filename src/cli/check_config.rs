//! `casewatch check-config`: a configuration, its channels and both databases checked before a start.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::Args;

use crate::check::{self, Marks};

#[derive(Debug, Args)]
pub struct CheckConfigArgs {
    /// The configuration file.
    #[arg(required_unless_present = "config", conflicts_with = "config")]
    pub file: Option<PathBuf>,
    /// The configuration file, as the other subcommands take it.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// Leave out what needs the network: the SMTP login and both databases.
    #[arg(long)]
    pub offline: bool,
    /// The instant the readiness report, the go-live date and the schedules are counted from, RFC 3339 (default:
    /// now).
    #[arg(long)]
    pub at: Option<DateTime<Utc>>,
}

/// Every check prints its own line; only failing to write them is an error here.
pub(super) async fn check_config(args: &CheckConfigArgs) -> ExitCode {
    let Some(path) = args.file.as_ref().or(args.config.as_ref()) else {
        unreachable!("clap requires FILE or --config");
    };
    let mut stdout = std::io::stdout();
    let marks = if stdout.is_terminal() {
        Marks::Symbols
    } else {
        Marks::Words
    };
    let options = check::Options {
        offline: args.offline,
        now: args.at.unwrap_or_else(Utc::now),
    };
    match check::check_config(path, options, &mut stdout, marks).await {
        Ok(summary) => ExitCode::from(summary.exit_code()),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
