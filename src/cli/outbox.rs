//! `casewatch outbox list`, `outbox retry` and `outbox prune`: the message queue.

use chrono::{DateTime, Utc};
use clap::Subcommand;

use super::ConfigArg;
use crate::app;
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Messages, newest first.
    List {
        #[command(flatten)]
        config: ConfigArg,
        /// Only dead letters.
        #[arg(long)]
        dead: bool,
        /// Only pending messages.
        #[arg(long, conflicts_with = "dead")]
        pending: bool,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Put a dead letter (or all of them) back in the queue, due now.
    Retry {
        #[command(flatten)]
        config: ConfigArg,
        /// The message id (from `outbox list --dead`).
        #[arg(required_unless_present = "all_dead")]
        id: Option<i64>,
        #[arg(long, conflicts_with = "id")]
        all_dead: bool,
    },
    /// Remove the bodies and items of messages sent more than `state.retain_days` ago (the service does so once a
    /// day); who was told what, when, how and with what result is kept.
    Prune {
        #[command(flatten)]
        config: ConfigArg,
        /// The instant it is done as of, RFC 3339 (default: now; for tests).
        #[arg(long)]
        at: Option<DateTime<Utc>>,
    },
}

pub(super) async fn outbox(cmd: OutboxCommand) -> anyhow::Result<()> {
    match cmd {
        OutboxCommand::List {
            config,
            dead,
            pending,
            limit,
        } => {
            let store = app::open_store(&Config::load(&config.config)?).await?;
            let status = if dead {
                Some("dead")
            } else if pending {
                Some("pending")
            } else {
                None
            };
            let messages = store.messages(status, limit).await?;
            let local = |t: DateTime<Utc>| {
                t.with_timezone(&crate::calendar::LONDON)
                    .format("%d %b %H:%M")
                    .to_string()
            };
            println!(
                "{:<6} {:<8} {:<9} {:<14} {:<34} {:>3}  {:<12} {:<12} LAST ERROR",
                "ID", "STATUS", "KIND", "CHANNEL", "TO", "TRY", "CREATED", "NEXT"
            );
            for m in &messages {
                println!(
                    "{:<6} {:<8} {:<9} {:<14} {:<34} {:>3}  {:<12} {:<12} {}",
                    m.id,
                    m.status,
                    m.kind,
                    m.channel,
                    m.address,
                    m.attempts,
                    local(m.created_at),
                    if m.status == "pending" {
                        local(m.next_attempt_at)
                    } else {
                        "-".into()
                    },
                    m.last_error.as_deref().unwrap_or("")
                );
            }
            println!("{} message(s)", messages.len());
        }
        OutboxCommand::Prune { config, at } => {
            let config = Config::load(&config.config)?;
            let store = app::open_store(&config).await?;
            let now = at.unwrap_or_else(Utc::now);
            let state = &config.settings.state;
            let pruned = store.prune(state.prune_before(now), now).await?;
            println!(
                "pruned the bodies of {} message(s) sent more than {} days ago and the items of {} notice(s); \
                 the audit rows are kept",
                pruned.messages, state.retain_days, pruned.notices
            );
        }
        OutboxCommand::Retry { config, id, .. } => {
            let store = app::open_store(&Config::load(&config.config)?).await?;
            let ids = store.requeue(id, Utc::now()).await?;
            if ids.is_empty() {
                anyhow::bail!(match id {
                    Some(id) => format!("message {id} is not a dead letter"),
                    None => "there are no dead letters".to_owned(),
                });
            }
            println!(
                "re-queued {} message(s): {:?}; the next tick sends them",
                ids.len(),
                ids
            );
        }
    }
    Ok(())
}
