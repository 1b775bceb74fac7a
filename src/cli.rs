//! The command line: one binary, subcommands (SPEC section 7).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Parser, Subcommand};

use crate::app;
use crate::calendar::{Region, WorkingCalendar};
use crate::check::{self, Marks};
use crate::config::Config;
use crate::evaluate::Format;
use crate::rules::{PACKS, Rule, RulePack, describe};
use crate::telemetry::LogFormat;

#[derive(Debug, Parser)]
#[command(
    name = "casewatch",
    version,
    about = "Statutory-deadline alerts for children's social care"
)]
pub struct Cli {
    /// Log lines as human-readable text or JSON (for journald and log shippers). Filter with RUST_LOG.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every active stage and who would be told, as of an instant. Sends and writes nothing.
    Evaluate(EvaluateArgs),
    /// Working-day arithmetic and bank holidays.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Run as a service: evaluate on a schedule, send digests and immediate notices, serve /healthz, /readyz and
    /// /metrics. SIGTERM or SIGINT stops it (finishing sends in flight); SIGHUP reloads the configuration.
    Run(ConfigArg),
    /// One pass: evaluate, enqueue notices, compose messages, deliver what is due; then exit (for cron too).
    Tick(TickArgs),
    /// Create or upgrade casewatch's own (state) database.
    Migrate(ConfigArg),
    /// Check a configuration, its channels and both databases before starting with it.
    ///
    /// One line per check: settings and rule files, templates, channels (secrets read, nothing sent), the SMTP
    /// login, the case database and its schema, the state database's migrations; then when the schedules fire
    /// next. Writes to neither database. Exit status 2: the configuration is at fault; 1: a database or the relay.
    CheckConfig(CheckConfigArgs),
    /// The message queue: list messages, re-queue dead letters.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// The life of each obligation of a case: stages, who was told when, and what came back.
    Audit(AuditArgs),
    /// Every obligation of a case as of an instant: anchors, due times, each stage's state, the evidence that
    /// ended it or its absence, who an active stage tells and what was sent. Reads only.
    Explain(ExplainArgs),
    /// A manager's daily summary (what is sent at `delivery.summary_times`), or a team's, or the whole service's:
    /// breaches and escalations by team and rule, the oldest, a four-week trend and timeliness. Reads only.
    Summary(SummaryArgs),
    /// The rules in force: `rules list` (every rule with its timescale and guidance) and `rules show ID` (one
    /// rule in plain English, stage by stage). Without --config, the six rules and every built-in pack.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// "In hand": keep a case's stages (or one rule's) out of every message until a date, for a reason. Still
    /// evaluated and shown in explain, audit and the managers' summaries (SPEC 6a).
    #[command(subcommand)]
    Silence(SilenceCommand),
    /// What the next pass would send, writing and sending nothing: messages and items per recipient (staff id and
    /// role, no child), the largest message, items by how long overdue, and the go-live backlog.
    Preview(PreviewArgs),
    /// Create a sample case database dated around today and show what casewatch makes of it; `demo generate`
    /// fills a case database with a large synthetic caseload (for benchmarks and capacity tests).
    Demo(DemoArgs),
}

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

#[derive(Debug, Args)]
pub struct PreviewArgs {
    #[arg(long, short)]
    pub config: PathBuf,
    /// The instant of the pass, RFC 3339. Default: now.
    #[arg(long)]
    pub at: Option<DateTime<Utc>>,
}

#[derive(Debug, Args)]
pub struct ConfigArg {
    #[arg(long, short)]
    pub config: PathBuf,
}

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

#[derive(Debug, Args)]
pub struct TickArgs {
    #[arg(long, short)]
    pub config: PathBuf,
    /// The instant the pass runs as of, RFC 3339. Default: now.
    #[arg(long)]
    pub at: Option<DateTime<Utc>>,
}

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

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[arg(long, short)]
    pub config: PathBuf,
    /// The case id.
    #[arg(long = "case")]
    pub case_id: String,
}

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

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Every rule: id, seed row, title, shape, when it is due and its guidance.
    List {
        #[command(flatten)]
        source: RuleSourceArgs,
        /// Only this pack's rules (`default` for the six of SPEC section 4, `local` for files without a name).
        #[arg(long)]
        pack: Option<String>,
        /// A Markdown table, or a JSON array.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// One rule in words: what it watches, when it is due, what ends it and who is told at each stage.
    Show {
        id: String,
        #[command(flatten)]
        source: RuleSourceArgs,
    },
}

#[derive(Debug, Args)]
pub struct RuleSourceArgs {
    /// The rules this configuration enables (rules.builtin, rules.packs, rules.files, rules.disabled).
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// A rule file to read on top, as `rules.files` does: a rule with a loaded rule's id replaces it. Repeatable,
    /// so a change can be reviewed before it is deployed.
    #[arg(long = "file")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Print the Nth working day after DATE (N < 0: before), as YYYY-MM-DD.
    Add {
        date: NaiveDate,
        #[arg(allow_negative_numbers = true)]
        n: i32,
        #[command(flatten)]
        calendar: CalendarArgs,
    },
    /// Print YEAR's bank holidays (and configured closures) that fall on weekdays, one a line, ascending.
    Holidays {
        year: i32,
        #[command(flatten)]
        calendar: CalendarArgs,
    },
}

#[derive(Debug, Args)]
pub struct CalendarArgs {
    /// england-and-wales (default), scotland or northern-ireland. Overrides the configuration's calendar.region.
    #[arg(long)]
    pub region: Option<Region>,
    /// Take calendar.region and calendar.extra_closures from this configuration file.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
}

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

impl CalendarArgs {
    fn calendar(&self) -> anyhow::Result<WorkingCalendar> {
        let settings = match &self.config {
            Some(path) => Config::load(path)?.settings.calendar,
            None => Default::default(),
        };
        let region = self.region.unwrap_or(settings.region);
        Ok(WorkingCalendar::new(region, settings.extra_closures))
    }
}

/// Runs a parsed command line. Errors are printed with their causes; the exit code says which kind.
pub async fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Evaluate(args) => evaluate(&args).await,
        Command::Calendar(cmd) => calendar(cmd),
        Command::Run(args) => run_service(args.config).await,
        Command::Tick(args) => tick(&args).await,
        Command::Migrate(args) => migrate(&args).await,
        Command::CheckConfig(args) => return check_config(&args).await,
        Command::Outbox(cmd) => outbox(cmd).await,
        Command::Audit(args) => audit(&args).await,
        Command::Explain(args) => explain(&args).await,
        Command::Summary(args) => summary(&args).await,
        Command::Rules(cmd) => rules(cmd),
        Command::Silence(cmd) => silence(cmd).await,
        Command::Preview(args) => {
            let config = Config::load(&args.config);
            match config {
                Ok(config) => {
                    let now = args.at.unwrap_or_else(Utc::now);
                    crate::preview::run(&config, now, &mut std::io::stdout().lock()).await
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Demo(DemoArgs {
            command: Some(DemoCommand::Generate(args)),
            ..
        }) => crate::demo::generate(&args).await,
        Command::Demo(DemoArgs { show, .. }) => {
            crate::demo::run(&show.dir, show.seed, show.children).await
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if is_configuration_error(&e) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Exit status 2: the configuration is wrong (a key, a rule file, or rules reading a table the database lacks).
fn is_configuration_error(e: &anyhow::Error) -> bool {
    e.downcast_ref::<crate::config::ConfigError>().is_some()
        || e.downcast_ref::<crate::rules::RuleError>().is_some()
        || e.downcast_ref::<crate::source::SourceError>()
            .is_some_and(crate::source::SourceError::is_configuration)
        || e.downcast_ref::<app::OpenError>()
            .is_some_and(app::OpenError::is_configuration)
        || e.downcast_ref::<crate::summary::gather::ScopeError>()
            .is_some()
}

async fn evaluate(args: &EvaluateArgs) -> anyhow::Result<()> {
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

/// The only place signals are handled: SIGTERM and SIGINT cancel the token every task watches; SIGHUP asks for
/// a reload.
async fn run_service(config: PathBuf) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let stop = tokio_util::sync::CancellationToken::new();
    let (reload_tx, reload_rx) = tokio::sync::mpsc::channel(1);
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    let signals = {
        let stop = stop.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = term.recv() => { tracing::info!("SIGTERM received"); stop.cancel(); return; }
                    _ = int.recv() => { tracing::info!("SIGINT received"); stop.cancel(); return; }
                    _ = hup.recv() => { tracing::info!("SIGHUP received: reloading"); let _ = reload_tx.try_send(()); }
                }
            }
        })
    };
    let result = crate::daemon::run(config, stop, reload_rx).await;
    signals.abort();
    result
}

async fn tick(args: &TickArgs) -> anyhow::Result<()> {
    let app = app::App::open(Config::load(&args.config)?).await?;
    let now = args.at.unwrap_or_else(Utc::now);
    let r = app.tick(now).await?;
    println!(
        "tick as of {now}: {} cases, {} active stages ({} new, {} ended), {} rows skipped; {} notices enqueued, \
         {} cancelled; {} digests and {} immediate messages composed; {} sent, {} to retry, {} dead-lettered; \
         not told one by one: {} backlog stages (due before {}), {} silenced",
        r.cases,
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

/// Every check prints its own line; only failing to write them is an error here.
async fn check_config(args: &CheckConfigArgs) -> ExitCode {
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

async fn migrate(args: &ConfigArg) -> anyhow::Result<()> {
    let config = Config::load(&args.config)?;
    let store = app::open_store(&config).await?;
    println!(
        "state database ({}) is up to date: {}",
        store.backend(),
        crate::secret::redact_url(&config.settings.state.url)
    );
    Ok(())
}

async fn outbox(cmd: OutboxCommand) -> anyhow::Result<()> {
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

async fn audit(args: &AuditArgs) -> anyhow::Result<()> {
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

async fn summary(args: &SummaryArgs) -> anyhow::Result<()> {
    use crate::summary::Scope;
    let config = Config::load(&args.config)?;
    let scope = match (&args.manager, &args.team) {
        (Some(id), _) => Scope::Manager(id.clone()),
        (None, Some(team)) => Scope::Team(team.clone()),
        (None, None) => Scope::All,
    };
    let at = args.at.unwrap_or_else(Utc::now);
    let summary = crate::summary::gather::summary(&config, &scope, at).await?;
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

async fn explain(args: &ExplainArgs) -> anyhow::Result<()> {
    let config = Config::load(&args.config)?;
    let now = args.at.unwrap_or_else(Utc::now);
    let mut text = Vec::new();
    crate::explain::run(&config, &args.case_id, now, &mut text).await?;
    std::io::Write::write_all(&mut std::io::stdout().lock(), &text)?;
    Ok(())
}

impl RuleSourceArgs {
    /// The configuration's rules (or the six and every built-in pack), then the extra files.
    fn load(&self) -> anyhow::Result<RulePack> {
        let (builtin, packs, mut files, disabled) = match &self.config {
            Some(path) => {
                let config = Config::load(path)?;
                let base = path.parent().unwrap_or(Path::new("."));
                let r = config.settings.rules;
                let files: Vec<PathBuf> = r.files.iter().map(|f| base.join(f)).collect();
                (r.builtin, r.packs, files, r.disabled)
            }
            None => (
                true,
                PACKS.iter().map(|(name, _)| name.to_string()).collect(),
                Vec::new(),
                Vec::new(),
            ),
        };
        files.extend(self.files.iter().cloned());
        Ok(RulePack::load_with_packs(
            builtin, &packs, &files, &disabled,
        )?)
    }
}

fn rules(cmd: RulesCommand) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match cmd {
        RulesCommand::List {
            source,
            pack,
            format,
        } => {
            let all = source.load()?;
            let rules: Vec<&Rule> = all
                .rules
                .iter()
                .filter(|r| pack.as_ref().is_none_or(|p| &r.pack == p))
                .collect();
            if let (Some(pack), true) = (&pack, rules.is_empty()) {
                let mut names: Vec<&str> = all.rules.iter().map(|r| r.pack.as_str()).collect();
                names.dedup();
                anyhow::bail!("no rule is in pack `{pack}` (loaded: {})", names.join(", "));
            }
            match format {
                Format::Table => describe::write_table(&rules, &mut out)?,
                Format::Json => {
                    let summaries: Vec<_> = rules.iter().map(|r| describe::summary(r)).collect();
                    serde_json::to_writer_pretty(&mut out, &summaries)?;
                    writeln!(out)?;
                }
            }
        }
        RulesCommand::Show { id, source } => {
            let all = source.load()?;
            // A rule by its id, or the rules written for a seed row (`hv-icpc-record`), as `rules list` shows both.
            let rules: Vec<&Rule> = match all.rule(&id) {
                Some(rule) => vec![rule],
                None => (all.rules.iter())
                    .filter(|r| r.row.as_deref() == Some(id.as_str()))
                    .collect(),
            };
            if rules.is_empty() {
                anyhow::bail!(
                    "no rule has the id or seed row `{id}` (`casewatch rules list` lists them)"
                );
            }
            let explained: Vec<String> = rules.iter().map(|r| describe::explain(r)).collect();
            write!(out, "{}", explained.join("\n"))?;
        }
    }
    Ok(())
}

fn calendar(cmd: CalendarCommand) -> anyhow::Result<()> {
    match cmd {
        CalendarCommand::Add { date, n, calendar } => {
            println!("{}", calendar.calendar()?.add_working_days(date, n));
        }
        CalendarCommand::Holidays { year, calendar } => {
            anyhow::ensure!(
                (1900..=2200).contains(&year),
                "year {year} is outside the supported range 1900-2200"
            );
            for day in calendar.calendar()?.closures_in_year(year) {
                println!("{day}");
            }
        }
    }
    Ok(())
}

async fn silence(cmd: SilenceCommand) -> anyhow::Result<()> {
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
