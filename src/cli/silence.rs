//! `casewatch silence add`, `silence list` and `silence end`: "in hand" (SPEC 6a).

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use clap::Subcommand;

use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum SilenceCommand {
    /// Add a silence; prints its id.
    Add {
        #[arg(long, short)]
        config: PathBuf,
        /// The case (`cases.case_id`).
        #[arg(long = "case")]
        case_id: String,
        /// Only this rule's stages (default: every rule's).
        #[arg(long)]
        rule: Option<String>,
        /// The last UK date it covers, YYYY-MM-DD: at most `delivery.max_silence_days` ahead.
        #[arg(long)]
        until: NaiveDate,
        /// Why it is in hand (shown with every silenced item).
        #[arg(long)]
        reason: String,
        /// The member of staff who says so (a staff id).
        #[arg(long)]
        by: String,
        /// The instant it is done as of, RFC 3339 (default: now; for replaying a record, and for tests).
        #[arg(long)]
        at: Option<DateTime<Utc>>,
    },
    /// The silences active now (with --all, every one).
    List {
        #[arg(long, short)]
        config: PathBuf,
        #[arg(long)]
        all: bool,
        /// The instant it is done as of, RFC 3339 (default: now; for replaying a record, and for tests).
        #[arg(long)]
        at: Option<DateTime<Utc>>,
    },
    /// End a silence now: what it held back is told at the next pass.
    End {
        #[arg(long, short)]
        config: PathBuf,
        id: i64,
        #[arg(long)]
        by: String,
        /// The instant it is done as of, RFC 3339 (default: now; for replaying a record, and for tests).
        #[arg(long)]
        at: Option<DateTime<Utc>>,
    },
}

pub(super) async fn silence(cmd: SilenceCommand) -> anyhow::Result<()> {
    match cmd {
        SilenceCommand::Add {
            config,
            case_id,
            rule,
            until,
            reason,
            by,
            at,
        } => {
            let now = at.unwrap_or_else(Utc::now);
            let config = Config::load(&config)?;
            let request = crate::silence::Request {
                case_id: &case_id,
                rule: rule.as_deref(),
                until,
                reason: &reason,
                by: &by,
            };
            let id = crate::silence::add(&config, &request, now).await?;
            println!("{id}");
        }
        SilenceCommand::List { config, all, at } => {
            let now = at.unwrap_or_else(Utc::now);
            let config = Config::load(&config)?;
            crate::silence::list(&config, all, now, &mut std::io::stdout().lock()).await?;
        }
        SilenceCommand::End { config, id, by, at } => {
            let now = at.unwrap_or_else(Utc::now);
            let config = Config::load(&config)?;
            crate::silence::end(&config, id, &by, now).await?;
            println!("silence {id} ended");
        }
    }
    Ok(())
}
