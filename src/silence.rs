//! `casewatch silence add|list|end` (SPEC 6a): "this one is in hand". A silence keeps a case's stages (all, or one
//! rule's) out of every message until the end of a date, for a reason, on a member of staff's word. It is kept in
//! the state database (replicas share it), never deletes anything, and the stages it covers are still evaluated
//! and shown in `explain`, `audit --case` and the managers' summaries.

use std::io::Write;

use anyhow::{Context, bail};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use futures_util::TryStreamExt;

use crate::app;
use crate::calendar::{self, LONDON};
use crate::config::Config;
use crate::source::ReadReport;
use crate::store::{NewSilence, Silence};

/// What `silence add` was asked.
pub struct Request<'a> {
    pub case_id: &'a str,
    pub rule: Option<&'a str>,
    pub until: NaiveDate,
    pub reason: &'a str,
    pub by: &'a str,
}

/// A refusal that names what to change: the configuration is not at fault, the request is.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// Adds a silence as of `now`; returns its id.
pub async fn add(
    config: &Config,
    request: &Request<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    let today = calendar::local_date(now);
    let max_days = config.settings.delivery.max_silence_days;
    let latest = today + Duration::days(i64::from(max_days));
    if request.reason.trim().is_empty() {
        bail!(Refused(
            "--reason: say why this is in hand (it is shown with every silenced item)".into()
        ));
    }
    if request.until < today {
        bail!(Refused(format!(
            "--until {}: that date has passed (today is {today})",
            request.until
        )));
    }
    if request.until > latest {
        bail!(Refused(format!(
            "--until {}: a silence may end at most {max_days} days ahead (delivery.max_silence_days), on {latest} \
             at the latest; add another when it ends if the case is still in hand",
            request.until
        )));
    }
    if let Some(rule) = request.rule
        && config.rules.rule(rule).is_none()
    {
        bail!(Refused(format!(
            "--rule {rule}: no enabled rule has that id (see `casewatch rules list --config …`)"
        )));
    }
    let source = app::connect_source(config).await?;
    let report = ReadReport::new();
    let staff = config.staff(source.load_staff(&report).await?);
    let worker = {
        let mut files = source.case_files(today, config.rules.tables(), &report);
        let mut found = None;
        while let Some(file) = files.try_next().await? {
            if file.case.id.0 == request.case_id {
                found = Some(file.case.allocated_worker_id.map(|w| w.0));
                break;
            }
        }
        found
    };
    source.close().await;
    if !staff.iter().any(|s| s.id.0 == request.by) {
        bail!(Refused(format!(
            "--by {}: no member of staff has that id (the case database's staff, and the staff directory)",
            request.by
        )));
    }
    let Some(worker) = worker else {
        bail!(Refused(format!(
            "--case {}: no open case has that id on {today}",
            request.case_id
        )));
    };
    let store = app::open_store(config).await?;
    let ends_at = calendar::start_of(request.until.succ_opt().context("a date after --until")?);
    let id = store
        .add_silence(
            &NewSilence {
                case_id: request.case_id,
                rule: request.rule,
                reason: request.reason.trim(),
                created_by: request.by,
                until: request.until,
                ends_at,
                worker_id: worker.as_deref(),
            },
            now,
        )
        .await?;
    tracing::info!(silence = id, by = request.by, until = %request.until, "silence added");
    Ok(id)
}

/// Ends silence `id` now, on `by`'s word.
pub async fn end(config: &Config, id: i64, by: &str, now: DateTime<Utc>) -> anyhow::Result<()> {
    let source = app::connect_source(config).await?;
    let staff = config.staff(source.load_staff(&ReadReport::new()).await?);
    source.close().await;
    if !staff.iter().any(|s| s.id.0 == by) {
        bail!(Refused(format!(
            "--by {by}: no member of staff has that id"
        )));
    }
    let store = app::open_store(config).await?;
    if !store.end_silence(id, by, now).await? {
        bail!(Refused(format!(
            "silence {id}: there is no such silence, or it has already ended (see `casewatch silence list --all`)"
        )));
    }
    tracing::info!(silence = id, by, "silence ended");
    Ok(())
}

/// Prints the silences active now (with `all`, every one ever added), one a line.
pub async fn list(
    config: &Config,
    all: bool,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let store = app::open_store(config).await?;
    let silences = store.silences(if all { None } else { Some(now) }).await?;
    let silences: Vec<&Silence> = silences
        .iter()
        .filter(|s| all || s.is_active(now))
        .collect();
    writeln!(
        out,
        "{:<5} {:<12} {:<28} {:<10} {:<8} {:<9} REASON",
        "ID", "CASE", "RULE", "UNTIL", "BY", "STATE"
    )?;
    for s in &silences {
        writeln!(
            out,
            "{:<5} {:<12} {:<28} {:<10} {:<8} {:<9} {}",
            s.id,
            s.case_id,
            s.rule.as_deref().unwrap_or("(every rule)"),
            s.until,
            s.created_by,
            state(s, now),
            s.reason
        )?;
    }
    writeln!(out, "{} silence(s)", silences.len())?;
    Ok(())
}

/// "active", "ended" (by someone, early) or "expired" (at the end of its date).
pub fn state(s: &Silence, now: DateTime<Utc>) -> String {
    match s.ended_at {
        _ if s.is_active(now) => "active".into(),
        Some(at) if at < s.ends_at => format!(
            "ended {} by {}",
            at.with_timezone(&LONDON).format("%-d %b %Y"),
            s.ended_by.as_deref().unwrap_or("?")
        ),
        _ => "expired".into(),
    }
}

/// One silence in a line, for `explain` and `audit`: what it covers, until when, who said so and why, and its state.
pub fn describe(s: &Silence, now: DateTime<Utc>) -> String {
    format!(
        "silence {}: {}, until {} (end of day), by {}: \"{}\"; {}",
        s.id,
        s.rule.as_deref().unwrap_or("every rule"),
        s.until.format("%a %-d %b %Y"),
        s.created_by,
        s.reason,
        state(s, now)
    )
}
