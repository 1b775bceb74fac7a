//! `casewatch demo` (the sample in [`crate::demo`]) and `casewatch demo generate` (a large synthetic caseload).

use std::path::PathBuf;

use chrono::{NaiveDate, Utc};
use clap::{Args, Subcommand};

use crate::calendar::{Region, local_date};
use crate::generate::{Generator, Loaded, load_with_progress};
use crate::source::{CaseSource, OpenMode};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DemoArgs {
    #[command(subcommand)]
    pub command: Option<DemoCommand>,
    #[command(flatten)]
    pub show: DemoShowArgs,
}

#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Fill an empty case database with N fictional children: staff hierarchy with absences, visit histories
    /// at statutory frequencies, failed visits, assessments of each priority, care leavers' keep-in-touch
    /// visits. The same seed, size and date give the same rows.
    Generate(GenerateArgs),
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// How many children (10000, 100000, 1000000 for the benchmark sizes).
    #[arg(long)]
    pub children: usize,
    /// The case database: sqlite://PATH (created if missing) or postgres://… (the database must exist). The
    /// canonical tables are created if they are missing; they must hold no cases yet.
    #[arg(long)]
    pub source: String,
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// The last day with history, YYYY-MM-DD. Default: today in London.
    #[arg(long)]
    pub today: Option<NaiveDate>,
    /// Whose bank holidays the generated dates avoid.
    #[arg(long, default_value_t = Region::EnglandAndWales)]
    pub region: Region,
}

#[derive(Debug, Args)]
pub struct DemoShowArgs {
    /// Where to put the demo's databases and configuration.
    #[arg(long, default_value = "casewatch-demo")]
    pub dir: PathBuf,
    /// Seed for the sample data: the same seed gives the same children.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// How many children.
    #[arg(long, default_value_t = 50)]
    pub children: usize,
}

/// `casewatch demo generate`: fills an empty case database with a deterministic synthetic caseload.
pub(super) async fn generate(args: &GenerateArgs) -> anyhow::Result<()> {
    use chrono::Datelike;
    let today = args.today.unwrap_or_else(|| local_date(Utc::now()));
    let source = CaseSource::open(&args.source, OpenMode::CreateIfMissing).await?;
    source.migrate_case_schema().await?;
    anyhow::ensure!(
        !source.holds_cases().await?,
        "case database {} already holds cases; `demo generate` writes only into an empty schema",
        source.url()
    );
    let calendar = crate::calendar::WorkingCalendar::new(args.region, []);
    let closures =
        (today.year() - 15..=today.year() + 1).flat_map(|y| calendar.closures_in_year(y));
    let generator = Generator::new(args.seed, args.children, today).with_closures(closures);
    let staff = generator.staff();
    let started = std::time::Instant::now();
    let mut next_report = 0;
    let progress = |loaded: &Loaded| {
        if loaded.children >= next_report {
            tracing::info!(
                children = loaded.children,
                rows = loaded.rows(),
                seconds = started.elapsed().as_secs(),
                "generating"
            );
            next_report = loaded.children + (args.children as u64 / 10).max(10_000);
        }
    };
    let loaded = load_with_progress(&source, &staff, generator.case_files(), progress).await?;
    source.close().await;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "generated into {}: {} children, {} cases, {} visits, {} assessments, {} decisions, {} events, \
         {} meetings, {} records, {} staff ({} rows in {seconds:.1} s, {:.0} rows/s); seed {}, today {today}",
        source.url(),
        loaded.children,
        loaded.cases,
        loaded.visits,
        loaded.assessments,
        loaded.decisions,
        loaded.events,
        loaded.meetings,
        loaded.records,
        loaded.staff,
        loaded.rows(),
        loaded.rows() as f64 / seconds.max(1e-9),
        args.seed,
    );
    Ok(())
}
