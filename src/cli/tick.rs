//! `casewatch tick`: one pass, then exit.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::Args;

use crate::app;
use crate::config::Config;

#[derive(Debug, Args)]
pub struct TickArgs {
    #[arg(long, short)]
    pub config: PathBuf,
    /// The instant the pass runs as of, RFC 3339. Default: now.
    #[arg(long)]
    pub at: Option<DateTime<Utc>>,
}

pub(super) async fn tick(args: &TickArgs) -> anyhow::Result<()> {
    let app = app::App::open(Config::load(&args.config)?).await?;
    let now = args.at.unwrap_or_else(Utc::now);
    let r = app.tick(now).await?;
    println!(
        "tick as of {now}: {} cases ({} unchanged), {} active stages ({} new, {} ended), {} rows skipped; {} notices enqueued, \
         {} cancelled; {} digests and {} immediate messages composed; {} sent, {} to retry, {} dead-lettered; \
         not told one by one: {} backlog stages (due before {}), {} silenced",
        r.cases,
        r.cases_unchanged,
        r.active_stages,
        r.stages_opened,
        r.stages_ended,
        r.rows_skipped,
        r.notices_enqueued,
        r.notices_cancelled,
        r.composed.digests,
        r.composed.immediate,
        r.delivered.sent,
        r.delivered.retried,
        r.delivered.dead,
        r.backlog_stages,
        r.tell_from
            .map_or_else(|| "-".to_owned(), |d| d.to_string()),
        r.silenced_stages,
    );
    Ok(())
}
