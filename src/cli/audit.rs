//! `casewatch audit`: the life of each obligation of a case, and its silences.

use std::io::Write;
use std::path::PathBuf;

use chrono::Utc;
use clap::Args;

use crate::app;
use crate::config::Config;

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[arg(long, short)]
    pub config: PathBuf,
    /// The case id.
    #[arg(long = "case")]
    pub case_id: String,
}

pub(super) async fn audit(args: &AuditArgs) -> anyhow::Result<()> {
    let store = app::open_store(&Config::load(&args.config)?).await?;
    let audit = store.case_audit(&args.case_id).await?;
    let mut out = std::io::stdout().lock();
    crate::outbox::write_audit(&args.case_id, &audit, &mut out)?;
    // SPEC 6a: every silence ever put on the case, with who, why and until when (the record of "in hand").
    let silences: Vec<_> = store
        .silences(None)
        .await?
        .into_iter()
        .filter(|s| s.case_id == args.case_id)
        .collect();
    writeln!(
        out,
        "\nSilences:{}",
        if silences.is_empty() { " none" } else { "" }
    )?;
    for s in &silences {
        writeln!(
            out,
            "  {}; added {}",
            crate::silence::describe(s, Utc::now()),
            s.created_at.format("%Y-%m-%d %H:%M UTC")
        )?;
    }
    Ok(())
}
