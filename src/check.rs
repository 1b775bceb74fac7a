//! `casewatch check-config FILE`: everything about a configuration that can be found out before the daemon
//! starts with it, one line per check, in the order start-up meets them: the settings and rule files, the
//! templates, the channels (secrets read, URLs checked, nothing sent), the SMTP login (with an OAuth token if so
//! configured) or the Graph sender mailbox, both databases and the case schema; then when each schedule fires
//! next. `--offline` leaves out everything that needs the network.
//!
//! Exit status: 0 when every check passed (warnings allowed), 2 when the configuration, a rule file, a template
//! or a secret is at fault, 1 when only a database, the mail relay, the token endpoint or Graph is.

mod allocation;
mod directory;
mod readiness;
mod report;
mod schedule;
mod state;

use std::io::{self, Write};
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::channels::Channels;
use crate::channels::email::{AuthMethod, Checked, EmailSettings, TlsMode, Transport};
use crate::config::Config;
use crate::source::schema::Level;
use crate::source::{CaseSource, ReadReport, inspect};

use report::{Report, Status};

pub use report::{Fault, Marks, Summary};
pub use schedule::{Schedules, schedules};

#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Leave out the SMTP login (or the Graph check) and both databases.
    pub offline: bool,
    /// The instant the schedules' next firings are counted from.
    pub now: DateTime<Utc>,
}

/// Runs every check on the configuration at `path`, writing a line per check and a summary line to `out`.
pub async fn check_config(
    path: &Path,
    options: Options,
    out: &mut dyn Write,
    marks: Marks,
) -> io::Result<Summary> {
    let mut report = Report::new(out, marks);
    let loaded = match Config::load(path) {
        Ok(config) => {
            check_loaded(&config, options, &mut report).await?;
            true
        }
        Err(e) => {
            report.fail(Fault::Configuration, "configuration", &e.to_string())?;
            false
        }
    };
    report.finish(path, loaded, options.offline)
}

async fn check_loaded(
    config: &Config,
    options: Options,
    report: &mut Report<'_>,
) -> io::Result<()> {
    let settings = &config.settings;
    let mut pack = if settings.rules.builtin {
        "the built-in pack".to_owned()
    } else {
        "no built-in pack".to_owned()
    };
    if !settings.rules.packs.is_empty() {
        pack.push_str(&format!(
            " and the packs {}",
            settings.rules.packs.join(", ")
        ));
    }
    let calendar = &settings.calendar;
    report.ok(
        "configuration",
        &format!(
            "{} ({pack}, {}), {} bank holidays and {}",
            count(config.rules.rules.len(), "rule"),
            count(settings.rules.files.len(), "rule file"),
            calendar.region.as_str(),
            count(calendar.extra_closures.len(), "closure day"),
        ),
    )?;
    templates(config, report)?;
    team_addresses(config, report)?;
    if let Some(staff_directory) = &config.staff_directory {
        directory::rows(staff_directory, report)?;
    }
    let channels = match Channels::new(settings.email.as_ref(), &settings.webhooks) {
        Ok(channels) => {
            report.ok("channels", &describe_channels(config))?;
            Some(channels)
        }
        Err(e) => {
            report.fail(Fault::Configuration, "channels", &e.to_string())?;
            None
        }
    };
    if !options.offline {
        if let (Some(channels), Some(email)) = (&channels, &settings.email) {
            email_login(channels, email, report).await?;
        }
        databases(config, options.now, report).await?;
    }
    let calendar = settings.calendar.working_calendar();
    let s = schedules(settings, &calendar, options.now);
    for warning in &s.warnings {
        report.warn("schedule", warning)?;
    }
    for (what, when) in &s.lines {
        report.line(Status::Info, what, when)?;
    }
    Ok(())
}

/// A rule that notifies `team:NAME` needs `notify.teams.NAME`; without it those notices go to the fallback mailbox.
fn team_addresses(config: &Config, report: &mut Report<'_>) -> io::Result<()> {
    let mut missing: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for rule in &config.rules.rules {
        for stage in &rule.stages {
            for role in &stage.notify {
                if let crate::rules::Role::Team(team) = role
                    && !config.settings.notify.teams.contains_key(team.as_str())
                {
                    let rules = missing.entry(team.as_str()).or_default();
                    if !rules.contains(&rule.id.as_str()) {
                        rules.push(&rule.id);
                    }
                }
            }
        }
    }
    for (team, rules) in missing {
        report.warn(
            "notify.teams",
            &format!(
                "no address for team `{team}` (notified by {}): its notices will go to the fallback mailbox; \
                 add `{team} = \"…\"` under [notify.teams]",
                rules.join(", ")
            ),
        )?;
    }
    Ok(())
}

/// "1 rule", "2 rules", "no rules".
fn count(n: usize, thing: &str) -> String {
    match n {
        0 => format!("no {thing}s"),
        1 => format!("1 {thing}"),
        n => format!("{n} {thing}s"),
    }
}

/// The template files `Renderer::load` looks for in `delivery.templates_dir` (src/outbox/render.rs).
const TEMPLATE_FILES: [&str; 4] = [
    "digest.txt",
    "digest.html",
    "immediate.txt",
    "immediate.html",
];

fn templates(config: &Config, report: &mut Report<'_>) -> io::Result<()> {
    let dir = config.templates_dir();
    if let Some(dir) = &dir
        && !dir.is_dir()
    {
        let detail = format!(
            "configuration key `delivery.templates_dir`: {} is not a folder",
            dir.display()
        );
        return report.fail(Fault::Configuration, "templates", &detail);
    }
    match crate::summary::render::load(dir.as_deref()) {
        Ok(_) => {}
        Err(e) => return report.fail(Fault::Configuration, "templates", &e.to_string()),
    }
    let Some(dir) = dir else {
        return report.ok("templates", "built-in");
    };
    let replaced: Vec<&str> = TEMPLATE_FILES
        .into_iter()
        .filter(|name| dir.join(name).is_file())
        .collect();
    if replaced.is_empty() {
        let detail = format!(
            "{} has none of {}: the built-in templates are used",
            dir.display(),
            TEMPLATE_FILES.join(", ")
        );
        report.warn("templates", &detail)
    } else {
        let detail = format!(
            "{} from {}, the others built-in; a sample of each renders",
            replaced.join(", "),
            dir.display()
        );
        report.ok("templates", &detail)
    }
}

/// Where messages go, without any secret (a Teams or Slack URL carries its own token: not even its host).
fn describe_channels(config: &Config) -> String {
    let settings = &config.settings;
    let email = match &settings.email {
        Some(e) if e.transport == Transport::File => match &e.file_dir {
            Some(dir) => format!("email into .eml files in {}", dir.display()),
            None => "email into .eml files".to_owned(),
        },
        Some(e) if e.transport == Transport::Graph => format!(
            "email through Microsoft Graph {} as {}",
            e.graph_url(),
            e.sender.as_deref().unwrap_or_default()
        ),
        Some(e) => {
            let tls = match e.tls {
                TlsMode::Starttls => "STARTTLS",
                TlsMode::Implicit => "TLS",
                TlsMode::None => "unencrypted",
            };
            let login = match (&e.username, e.auth_method()) {
                (Some(user), Some(AuthMethod::Xoauth2)) => format!(", XOAUTH2 as {user}"),
                (Some(user), _) => format!(", login {user}"),
                (None, _) => String::new(),
            };
            let host = e.host.as_deref().unwrap_or_default();
            format!("email through {host}:{} ({tls}{login})", e.effective_port())
        }
        None => "no email".to_owned(),
    };
    let webhooks: Vec<String> = settings
        .webhooks
        .iter()
        .map(|w| format!("{} ({})", w.name, format!("{:?}", w.kind).to_lowercase()))
        .collect();
    if webhooks.is_empty() {
        email
    } else {
        format!("{email}; webhooks {}", webhooks.join(", "))
    }
}

/// SMTP: a token if needed, then the login, without sending. Graph: a token, then a read of the sender
/// mailbox (which Mail.Send alone does not allow: then a warning, not a failure).
async fn email_login(
    channels: &Channels,
    email: &EmailSettings,
    report: &mut Report<'_>,
) -> io::Result<()> {
    let what = match email.transport {
        Transport::Smtp => "SMTP relay",
        Transport::Graph => "Microsoft Graph",
        Transport::File => return Ok(()),
    };
    let result = channels.email().check().await;
    channels.close().await;
    let relay = format!(
        "{}:{}",
        email.host.as_deref().unwrap_or_default(),
        email.effective_port()
    );
    let password_login = email.auth_method() == Some(AuthMethod::Password);
    match (result, &email.username) {
        (
            Ok(Checked {
                unverified: Some(warning),
                ..
            }),
            _,
        ) => report.warn(what, &warning),
        (Ok(_), Some(user)) if password_login => {
            report.ok(what, &format!("{relay} accepted the login as {user}"))
        }
        (Ok(_), None) if email.transport == Transport::Smtp => {
            report.ok(what, &format!("{relay} answered (no login configured)"))
        }
        (Ok(checked), _) => report.ok(what, &checked.detail),
        (Err(e), _) => report.fail(Fault::Connectivity, what, &e.to_string()),
    }
}

async fn databases(config: &Config, now: DateTime<Utc>, report: &mut Report<'_>) -> io::Result<()> {
    let settings = &config.settings;
    match CaseSource::connect(&settings.source.url).await {
        Ok(source) => {
            report.ok("case database", &format!("{} (read-only)", source.url()))?;
            if case_schema(config, &source, report).await? {
                allocation::unallocated_kinds(&source, report).await?;
                readiness::report(config, &source, now, report).await?;
            }
            if let Some(staff_directory) = &config.staff_directory {
                match source.load_staff(&ReadReport::new()).await {
                    Ok(staff) => directory::merged(staff_directory, staff, report)?,
                    Err(e) => {
                        report.fail(Fault::Connectivity, "staff directory", &e.to_string())?
                    }
                }
            }
            source.close().await;
        }
        Err(e) => report.fail(Fault::Connectivity, "case database", &e.to_string())?,
    }
    match state::check(&settings.state.url).await {
        Ok(detail) => report.ok("state database", &detail),
        Err(detail) => report.fail(Fault::Connectivity, "state database", &detail),
    }
}

/// The six tables, and the optional ones the enabled rules read (SPEC section 8.1). An optional table that is
/// missing is the configuration's fault, named with the rules that read it; any other problem is the database's.
async fn case_schema(
    config: &Config,
    source: &CaseSource,
    report: &mut Report<'_>,
) -> io::Result<bool> {
    let tables = config.rules.tables();
    let rules = config
        .rules
        .rules
        .iter()
        .map(|r| (r.id.as_str(), r.tables()));
    let missing = match source.require_tables(rules).await {
        Err(e) if e.is_configuration() => {
            report.fail(Fault::Configuration, "case schema", &e.to_string())?;
            source.missing_tables(tables).await.unwrap_or_default()
        }
        Err(e) => {
            report.fail(Fault::Connectivity, "case schema", &e.to_string())?;
            return Ok(false);
        }
        Ok(()) => Vec::new(),
    };
    let problems = inspect(source, tables).await;
    let (errors, warnings): (Vec<_>, Vec<_>) = problems
        .iter()
        .filter(|p| !(missing.contains(&p.table) && p.column.is_none()))
        .partition(|p| p.level == Level::Error);
    for problem in &errors {
        report.fail(Fault::Connectivity, "case schema", &problem.to_string())?;
    }
    if errors.is_empty() && missing.is_empty() {
        let optional = tables.names();
        let detail = if optional.is_empty() {
            "all six tables have every column, each of a usable type (the enabled rules read none of \
             case_events, meetings, records)"
                .to_owned()
        } else {
            format!(
                "all six tables and {} (read by the enabled rules) have every column, each of a usable type",
                optional.join(", ")
            )
        };
        report.ok("case schema", &detail)?;
    }
    for problem in &warnings {
        report.warn("case schema", &problem.to_string())?;
    }
    Ok(errors.is_empty() && missing.is_empty())
}
