//! `casewatch explain`: every obligation of a case as of an instant.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::Args;

use crate::config::Config;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    #[arg(long, short)]
    pub config: PathBuf,
    /// The case id.
    #[arg(long = "case")]
    pub case_id: String,
    /// The instant, RFC 3339 (e.g. 2026-03-12T09:00:00Z). Default: now.
    #[arg(long)]
    pub at: Option<DateTime<Utc>>,
}

pub(super) async fn explain(args: &ExplainArgs) -> anyhow::Result<()> {
    let config = Config::load(&args.config)?;
    let now = args.at.unwrap_or_else(Utc::now);
    let mut text = Vec::new();
    crate::explain::run(&config, &args.case_id, now, &mut text).await?;
    std::io::Write::write_all(&mut std::io::stdout().lock(), &text)?;
    Ok(())
}
