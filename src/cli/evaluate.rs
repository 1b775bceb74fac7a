//! `casewatch evaluate`: every active stage and who would be told, as of an instant.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::Args;

use crate::app;
use crate::config::Config;
use crate::evaluate::Format;

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

pub(super) async fn evaluate(args: &EvaluateArgs) -> anyhow::Result<()> {
    let config = Config::load(&args.config)?;
    let calendar = config.settings.calendar.working_calendar();
    let source = app::connect_source(&config).await?;
    let now = args.at.unwrap_or_else(Utc::now);
    let tell_from = app::tell_from_for_reading(&config, &calendar, now).await;
    // Kept as printed, sorted within a memory budget (spilling to temporary files beyond it): a million
    // children's lines need not fit in memory. The keeping runs on a thread beside the evaluation.
    let mut keeper = crate::evaluate::Keeper::new(crate::evaluate::SortedLines::default())?;
    let read = app::evaluate_into(&config, &calendar, &source, now, Some(tell_from), |line| {
        keeper.push(line)
    })
    .await?;
    source.close().await;
    let mut lines = (keeper.finish())
        .map_err(|e| anyhow::anyhow!("keeping the evaluated lines in a temporary file: {e}"))?;
    tracing::info!(
        cases = read.cases,
        lines = lines.len(),
        runs = lines.runs(),
        rows_skipped = read.report.total_skipped(),
        "evaluated as of {now}"
    );
    // Everything is computed before anything is printed: an error never leaves partial results.
    crate::evaluate::write_sorted(&mut lines, args.format, &mut std::io::stdout().lock())?;
    Ok(())
}
