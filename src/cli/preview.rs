//! `casewatch preview`: what the next pass would send, writing and sending nothing.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::Args;

use crate::config::Config;

#[derive(Debug, Args)]
pub struct PreviewArgs {
    #[arg(long, short)]
    pub config: PathBuf,
    /// The instant of the pass, RFC 3339. Default: now.
    #[arg(long)]
    pub at: Option<DateTime<Utc>>,
}

pub(super) async fn preview(args: &PreviewArgs) -> anyhow::Result<()> {
    let config = Config::load(&args.config);
    match config {
        Ok(config) => {
            let now = args.at.unwrap_or_else(Utc::now);
            crate::preview::run(&config, now, &mut std::io::stdout().lock()).await
        }
        Err(e) => Err(e.into()),
    }
}
