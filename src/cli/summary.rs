//! `casewatch summary`: a manager's, a team's or the whole service's summary.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::Args;

use crate::config::Config;

#[derive(Debug, Args)]
pub struct SummaryArgs {
    #[arg(long, short)]
    pub config: PathBuf,
    /// The staff id of a manager: everyone reporting to them, at any depth.
    #[arg(long, conflicts_with = "team")]
    pub manager: Option<String>,
    /// A team (`staff.team`). Without --manager or --team: the whole service.
    #[arg(long)]
    pub team: Option<String>,
    /// The instant, RFC 3339. Default: now.
    #[arg(long)]
    pub at: Option<DateTime<Utc>>,
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SummaryFormat {
    Html,
    Text,
    /// One table, a `section` column naming each row's part (for a spreadsheet).
    Csv,
    Json,
}

pub(super) async fn summary(args: &SummaryArgs) -> anyhow::Result<()> {
    use crate::summary::Scope;
    let config = Config::load(&args.config)?;
    let scope = match (&args.manager, &args.team) {
        (Some(id), _) => Scope::Manager(id.clone()),
        (None, Some(team)) => Scope::Team(team.clone()),
        (None, None) => Scope::All,
    };
    let at = args.at.unwrap_or_else(Utc::now);
    let summary = crate::app::summary::summary(&config, &scope, at).await?;
    let text = match args.format {
        SummaryFormat::Json => serde_json::to_string_pretty(&summary)? + "\n",
        SummaryFormat::Csv => crate::summary::render::csv(&summary),
        SummaryFormat::Text | SummaryFormat::Html => {
            let renderer = crate::summary::render::load(config.templates_dir().as_deref())?;
            let rendered = crate::summary::render::email(&renderer, &summary)?;
            if args.format == SummaryFormat::Html {
                rendered.html
            } else {
                rendered.text
            }
        }
    };
    std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes())?;
    Ok(())
}
