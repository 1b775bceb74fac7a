//! `casewatch demo`: a sample case database dated around today, and what casewatch makes of it, in one command.

use std::path::Path;

use anyhow::Context;
use chrono::Utc;

use crate::app;
use crate::calendar::local_date;
use crate::config::Config;
use crate::evaluate::{self, Format};
use crate::generate::{Generator, load};
use crate::source::{CaseSource, OpenMode};

/// Creates `dir/cases.db` (replacing an earlier demo's), fills it with `children` fictional children, writes
/// `dir/casewatch.toml`, and prints the evaluation as of now.
pub async fn run(dir: &Path, seed: u64, children: usize) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let dir = dir.canonicalize()?;
    let cases = dir.join("cases.db");
    for stale in [
        "cases.db",
        "cases.db-wal",
        "cases.db-shm",
        "state.db",
        "state.db-wal",
        "state.db-shm",
    ] {
        let _ = std::fs::remove_file(dir.join(stale));
    }
    let outbox = dir.join("outbox");
    let _ = std::fs::remove_dir_all(&outbox);
    let url = format!("sqlite://{}", cases.display());
    let source = CaseSource::open(&url, OpenMode::CreateIfMissing).await?;
    source.migrate_case_schema().await?;
    let now = Utc::now();
    let generator = Generator::new(seed, children, local_date(now));
    let staff = generator.staff();
    let loaded = load(&source, &staff, generator.case_files()).await?;
    source.close().await;

    let config_path = dir.join("casewatch.toml");
    std::fs::write(&config_path, demo_config(&dir))
        .with_context(|| format!("cannot write {}", config_path.display()))?;
    let config = Config::load(&config_path)?;
    let calendar = config.settings.calendar.working_calendar();
    let source = CaseSource::connect(&url).await?;
    let evaluation = app::evaluate(&config, &calendar, &source, now).await?;

    println!(
        "casewatch demo: {} fictional children, {} cases and {} staff in {},\n\
         with {} visits, {} assessments, {} events, {} meetings and {} records, dated around today.\n",
        loaded.children,
        loaded.cases,
        loaded.staff,
        cases.display(),
        loaded.visits,
        loaded.assessments,
        loaded.events,
        loaded.meetings,
        loaded.records,
    );
    print_by_rule(&config, &evaluation.lines, &mut std::io::stdout().lock())?;
    let shown = evaluation.lines.len().min(DETAIL_LINES);
    println!(
        "\nThe {shown} earliest-due of {} lines (every active stage × who is told; all of them: \
         casewatch evaluate --config {} --format table):\n",
        evaluation.lines.len(),
        config_path.display()
    );
    evaluate::write(
        &evaluation.lines[..shown],
        Format::Table,
        &mut std::io::stdout().lock(),
    )?;
    println!("\nCases placed to show one stage each today:");
    for s in generator.demo_scenarios() {
        println!(
            "  {:<6} {:<27} {:<30} {}",
            s.case_id, s.rule, s.stage, s.shape
        );
    }
    let app = app::App::open(config).await?;
    // Four weeks of history first, so that today's notices can say who was told before and the managers'
    // summaries have a trend and timeliness to show; what those passes sent goes to outbox/earlier.
    let days = crate::summary::trend_days(now, &calendar);
    let mut earlier_passes = 0;
    for day in days.iter().filter(|d| **d < local_date(now)) {
        let Some(at) = day
            .and_hms_opt(9, 0, 0)
            .and_then(|t| t.and_local_timezone(crate::calendar::LONDON).earliest())
        else {
            continue;
        };
        app.tick(at.to_utc()).await?;
        earlier_passes += 1;
    }
    let earlier = outbox.join("earlier");
    let moved = move_emails(&outbox, &earlier)?;
    // "In hand": a practice manager silences one overdue case for a week; today's messages leave it out, and
    // the managers' summaries list it with who, why and until when.
    let silenced = silence_one(&app.config, &evaluation.lines, &staff, now).await?;
    let report = app.tick(now).await?;
    let emails = emails_in(&outbox)?;
    println!(
        "\n{earlier_passes} passes at 09:00 on the working days of the last four weeks sent {moved} emails (in\n  {})\n\
         Then one tick as of now: {} notices enqueued; {} digests, {} immediate messages and {} managers' \
         summaries,\ndelivered as {} emails into\n  {}",
        earlier.display(),
        report.notices_enqueued,
        report.composed.digests,
        report.composed.immediate,
        report.summaries,
        emails.len(),
        outbox.display()
    );
    if let Some(tell_from) = report.tell_from {
        println!(
            "\nThe go-live backlog: {} active stages of obligations due before {} (20 working days before the \
             first pass) are\nnot told one by one; each manager's summary counts them by team and rule.",
            report.backlog_stages,
            tell_from.format("%a %-d %b %Y")
        );
    }
    if let Some((case_id, by)) = &silenced {
        println!(
            "Case {case_id} is silenced for a week by {by} ({} active stages held back): casewatch silence list \
             --config {}",
            report.silenced_stages,
            config_path.display()
        );
    }
    println!(
        "\nNext:\n  casewatch evaluate --config {cfg} --format json\n  \
         casewatch evaluate --config {cfg} --at {week}\n  \
         casewatch outbox list --config {cfg}\n  \
         casewatch audit --config {cfg} --case C0013\n",
        cfg = config_path.display(),
        week = (now + chrono::Duration::days(7)).format("%Y-%m-%dT09:00:00Z"),
    );
    Ok(())
}

/// Silences the first overdue case that is not in the backlog, on its worker's manager's word, for a week.
async fn silence_one(
    config: &Config,
    lines: &[evaluate::Line],
    staff: &[crate::model::Staff],
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<Option<(String, String)>> {
    let overdue = lines.iter().find_map(|l| {
        let worker = staff
            .iter()
            .find(|s| Some(&s.id.0) == l.worker_id.as_ref())?;
        let manager = worker.manager_id.as_ref()?;
        (l.severity == crate::rules::Severity::Breach
            && l.due_at > now - chrono::Duration::days(35))
        .then(|| (l.case_id.clone(), manager.0.clone()))
    });
    let Some((case_id, by)) = overdue else {
        return Ok(None);
    };
    let request = crate::silence::Request {
        case_id: &case_id,
        rule: None,
        until: local_date(now) + chrono::Duration::days(7),
        reason: "Child in hospital; the visit is rearranged with the ward (a demo silence)",
        by: &by,
    };
    crate::silence::add(config, &request, now).await?;
    Ok(Some((case_id, by)))
}

fn emails_in(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut emails: Vec<std::path::PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(Result::ok).map(|e| e.path()).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    emails.retain(|p| p.extension().is_some_and(|x| x == "eml"));
    Ok(emails)
}

/// Moves the emails in `from` into `to`; how many.
fn move_emails(from: &Path, to: &Path) -> anyhow::Result<usize> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    let emails = emails_in(from)?;
    for email in &emails {
        let name = email.file_name().expect("a file in a folder");
        std::fs::rename(email, to.join(name))
            .with_context(|| format!("cannot move {}", email.display()))?;
    }
    Ok(emails.len())
}

/// How many lines of the evaluation the demo prints after its summary, so that it reads on one screen.
const DETAIL_LINES: usize = 25;

/// One line per rule with anything active: its pack, how many obligations are at each severity, and its title.
fn print_by_rule(
    config: &Config,
    lines: &[evaluate::Line],
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    use std::collections::{BTreeMap, BTreeSet};
    /// The (subject, stage) pairs active at each severity, in severity order.
    type BySeverity<'l> = [BTreeSet<(&'l str, &'l str)>; 4];
    let mut by_rule: BTreeMap<(&str, &str), BySeverity> = BTreeMap::new();
    for line in lines {
        let pack = config
            .rules
            .rule(&line.rule)
            .map_or("", |r| r.pack.as_str());
        let counts = by_rule.entry((pack, &line.rule)).or_default();
        counts[line.severity as usize].insert((&line.subject_id, &line.stage));
    }
    let obligations: usize = by_rule.values().flatten().map(BTreeSet::len).sum();
    writeln!(
        out,
        "{obligations} active stages under {} of the {} rules switched on ({} packs: {}). By rule:\n",
        by_rule.len(),
        config.rules.rules.len(),
        config.settings.rules.packs.len(),
        config.settings.rules.packs.join(", ")
    )?;
    writeln!(
        out,
        "{:<14} {:<32} {:>8} {:>7} {:>6} {:>9}  TITLE",
        "PACK", "RULE", "REMINDER", "WARNING", "BREACH", "ESCALATED"
    )?;
    for ((pack, rule), counts) in &by_rule {
        let title = config.rules.rule(rule).map_or("", |r| r.title.as_str());
        let n = |i: usize| match counts[i].len() {
            0 => "-".to_owned(),
            n => n.to_string(),
        };
        writeln!(
            out,
            "{pack:<14} {rule:<32} {:>8} {:>7} {:>6} {:>9}  {title}",
            n(0),
            n(1),
            n(2),
            n(3)
        )?;
    }
    Ok(())
}

fn demo_config(dir: &Path) -> String {
    format!(
        r#"# Written by `casewatch demo`. See config/casewatch.toml for every setting.
[source]
url = "sqlite://{dir}/cases.db"

[state]
url = "sqlite://{dir}/state.db"

[notify]
fallback_address = "casewatch-ops@council.example"
# Every notice links to its case in the case-management system.
case_url = "https://lcs.council.example/case/{{case_id}}"

# Rules that tell a team rather than a person (docs/packs.md).
[notify.teams]
placements = "placements@council.example"
duty = "duty-manager@council.example"
cart = "cart@council.example"

# What one authority would switch on: the six rules, its own seed's pack and the national pack (docs/packs.md
# lists the others; `casewatch check-config` says whether the case database holds what each rule reads).
[rules]
packs = ["havering", "national"]

# The demo writes its emails into a folder instead of sending them.
[email]
transport = "file"
file_dir = "{dir}/outbox"
from = "casewatch <casewatch@council.example>"

# So that the demo shows digests and immediate messages whatever the day and time it runs; a real deployment
# keeps the defaults (digests at 08:00 on working days, immediate ones within working hours).
[delivery]
digest_times = ["00:00"]
summary_times = ["00:00"]
digests_on_non_working_days = true
out_of_hours = true
"#,
        dir = dir.display()
    )
}
