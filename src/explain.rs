//! `casewatch explain --case ID [--at INSTANT]`: every obligation of one case as of an instant — its anchors, what
//! ends it and whether that evidence is there, each stage's times and state, who an active stage tells, and what
//! casewatch has sent about it — for a practice lead asked "why did (or didn't) this alert fire?". Reads only: the
//! state database is not created or upgraded, and a missing one just means nothing was sent.

use std::io::Write;

use anyhow::Context;
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;

use crate::app;
use crate::calendar::{LONDON, local_date};
use crate::config::Config;
use crate::evaluate::{Evaluator, Line};
use crate::model::CaseFile;
use crate::recipients::Directory;
use crate::rules::AsOf;
use crate::rules::describe::{anchor_meaning, done_words};
use crate::rules::explain::{Obligation, Status};
use crate::rules::facts::words;
use crate::source::ReadReport;
use crate::store::{CaseAudit, Silence};

#[derive(Debug, thiserror::Error)]
#[error(
    "case `{case}` is not in the case database as of {date} (no such id, or closed before then)"
)]
pub struct NoSuchCase {
    case: String,
    date: chrono::NaiveDate,
}

pub async fn run(
    config: &Config,
    case_id: &str,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let calendar = config.settings.calendar.working_calendar();
    let source = app::connect_source(config).await?;
    let report = ReadReport::new();
    let directory = Directory::new(config.staff(source.load_staff(&report).await?));
    let mut file: Option<CaseFile> = None;
    {
        let mut files = source.case_files(local_date(now), config.rules.tables(), &report);
        while let Some(f) = files.try_next().await? {
            if f.case.id.0 == case_id {
                file = Some(f);
                break;
            }
        }
    }
    source.close().await;
    let file = file.ok_or_else(|| NoSuchCase {
        case: case_id.to_owned(),
        date: local_date(now),
    })?;
    let obligations = config.rules.explain_case(&file, &calendar, &AsOf::new(now));
    let settings = &config.settings;
    let evaluator = Evaluator::new(
        &config.rules,
        &calendar,
        &directory,
        &settings.notify.fallback_address,
        now,
    )
    .with_teams(&settings.notify.teams);
    let tell_from = app::tell_from_for_reading(config, &calendar, now).await;
    let mut evaluator =
        evaluator.with_backlog_before(crate::outbox::quiet::backlog_before(tell_from));
    evaluator.add_case(&file);
    let lines = evaluator.finish();
    let sent = sent(config, case_id).await;
    let silences = silences(config, case_id).await;
    // Everything is gathered before anything is printed.
    write(config, &file, now, &obligations, &lines, &sent, out)?;
    write_quiet(tell_from, &lines, &silences, now, out)?;
    Ok(())
}

/// The case's silences (SPEC 6a), or why they cannot be read.
async fn silences(config: &Config, case_id: &str) -> Result<Vec<Silence>, String> {
    match app::existing_store(config).await {
        Ok(Some(store)) => store
            .silences(None)
            .await
            .map(|all| all.into_iter().filter(|s| s.case_id == case_id).collect())
            .map_err(|e| format!("unknown ({e})")),
        Ok(None) => Ok(Vec::new()),
        Err(e) => Err(format!("unknown ({e})")),
    }
}

/// What SPEC 6a keeps from being told: the go-live backlog and the case's silences.
fn write_quiet(
    tell_from: chrono::NaiveDate,
    lines: &[Line],
    silences: &Result<Vec<Silence>, String>,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> std::io::Result<()> {
    writeln!(out)?;
    let mut backlog: Vec<(&str, &str)> = lines
        .iter()
        .filter(|l| l.backlog)
        .map(|l| (l.rule.as_str(), l.subject_id.as_str()))
        .collect();
    backlog.dedup();
    writeln!(
        out,
        "Go-live backlog: obligations due before {} (delivery.tell_from) are shown but never told one by one.",
        tell_from.format("%a %-d %b %Y")
    )?;
    for (rule, subject) in &backlog {
        writeln!(
            out,
            "  - {rule}, subject {subject}: backlog (in the managers' summaries until done)"
        )?;
    }
    match silences {
        Err(why) => writeln!(out, "Silences: {why}")?,
        Ok(silences) if silences.is_empty() => writeln!(out, "Silences: none on this case")?,
        Ok(silences) => {
            writeln!(
                out,
                "Silences (SPEC 6a: still evaluated, told to no one while active):"
            )?;
            for x in silences {
                writeln!(out, "  - {}", crate::silence::describe(x, now))?;
                for l in lines
                    .iter()
                    .filter(|l| x.is_active(now) && x.covers(&l.case_id, &l.rule))
                {
                    writeln!(
                        out,
                        "      holding back {} {} ({}) for {}",
                        l.rule,
                        l.stage,
                        l.severity,
                        l.role.label()
                    )?;
                }
            }
        }
    }
    out.flush()
}

/// What was sent about the case, or why that cannot be said.
async fn sent(config: &Config, case_id: &str) -> Result<CaseAudit, String> {
    match app::existing_store(config).await {
        Ok(Some(store)) => store
            .case_audit(case_id)
            .await
            .context("reading what was sent")
            .map_err(|e| format!("unknown ({e:#})")),
        Ok(None) => Err("nothing: casewatch's state database does not exist yet".into()),
        Err(e) => Err(format!("unknown ({e})")),
    }
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&LONDON)
        .format("%a %-d %b %Y, %H:%M")
        .to_string()
}

fn write(
    config: &Config,
    file: &CaseFile,
    now: DateTime<Utc>,
    obligations: &[Obligation],
    lines: &[Line],
    sent: &Result<CaseAudit, String>,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let case = &file.case;
    let closed = case.closed_on.map_or(String::new(), |d| {
        format!(", closed {}", d.format("%a %-d %b %Y"))
    });
    writeln!(
        out,
        "Case {} ({}): {}, opened {}{closed}; allocated worker {}.",
        case.id,
        file.child.display_ref,
        case.case_type,
        case.opened_on.format("%a %-d %b %Y"),
        case.allocated_worker_id
            .as_ref()
            .map_or("none", |w| w.0.as_str())
    )?;
    writeln!(
        out,
        "As of {} (UK time): {} obligation(s) under {} rule(s).",
        local(now),
        obligations.len(),
        config.rules.rules.len()
    )?;
    for o in obligations {
        let rule = &config.rules.rules[o.rule];
        writeln!(
            out,
            "\n{} ({}): {}, subject {}",
            rule.id, rule.pack, rule.title, o.subject_id
        )?;
        let anchors: Vec<String> = o
            .anchors
            .iter()
            .map(|(name, v)| {
                let value = v.map_or("not recorded".into(), words);
                format!("{name} ({}) = {value}", anchor_meaning(rule, name))
            })
            .collect();
        writeln!(out, "  anchors: {}", anchors.join("; "))?;
        writeln!(out, "  done when: {}", done_words(rule))?;
        let facts: Vec<String> = o
            .facts
            .iter()
            .map(|(name, held)| {
                format!(
                    "{} {}",
                    name.replace('_', " "),
                    if *held { "yes" } else { "no" }
                )
            })
            .collect();
        writeln!(out, "  evidence: {}", facts.join("; "))?;
        for s in &o.stages {
            let stage = &rule.stages[s.stage];
            let times = match (s.from, s.due_at) {
                (Some(from), Some(due)) => format!("from {}, due {}", local(from), local(due)),
                _ => "no times".into(),
            };
            let state = match &s.status {
                Status::Active => {
                    let told: Vec<String> = lines
                        .iter()
                        .filter(|l| {
                            l.rule == rule.id
                                && l.subject_id == o.subject_id
                                && l.stage == stage.name
                        })
                        .map(|l| {
                            format!(
                                "{} {} <{}>",
                                l.role.label(),
                                l.staff_id.as_deref().unwrap_or("(fallback)"),
                                l.address
                            )
                        })
                        .collect();
                    format!("ACTIVE: tells {}", told.join(", "))
                }
                Status::NotYet => "not yet".into(),
                Status::Lapsed => "lapsed at its due time".into(),
                Status::Done(facts) => format!("ended: {}", facts.join(", ").replace('_', " ")),
                Status::NotApplicable(facts) => {
                    format!(
                        "does not apply: needs {}",
                        facts.join(" and ").replace('_', " ")
                    )
                }
                Status::NoTime => "does not exist: a time it reads is not recorded".into(),
                Status::CaseClosed => "not watched: the case is closed".into(),
            };
            writeln!(
                out,
                "  - {} ({}, \"{}\"): {times}: {state}",
                stage.name, stage.severity, stage.label
            )?;
        }
        match sent {
            Err(why) => writeln!(out, "  sent: {why}")?,
            Ok(audit) => {
                let notices: Vec<_> = audit
                    .notices
                    .iter()
                    .filter(|n| n.rule == rule.id && n.subject_id == o.subject_id)
                    .collect();
                if notices.is_empty() {
                    writeln!(out, "  sent: nothing")?;
                }
                for n in notices {
                    let what = match (&n.cancelled_at, n.message_id) {
                        (Some(at), _) => format!(
                            "not sent: cancelled {} ({})",
                            local(*at),
                            n.cancel_reason.as_deref().unwrap_or("stage ended")
                        ),
                        (None, Some(id)) => {
                            let at = audit
                                .attempts
                                .iter()
                                .find(|a| a.message_id == id && a.outcome == "sent")
                                .map_or(String::new(), |a| format!(" {}", local(a.at)));
                            format!(
                                "message #{id} ({}), {}{at}",
                                n.message_kind.as_deref().unwrap_or("?"),
                                n.message_status.as_deref().unwrap_or("?")
                            )
                        }
                        (None, None) => format!("waiting since {}", local(n.enqueued_at)),
                    };
                    writeln!(
                        out,
                        "  sent: {} to {} ({}) by {}: {what}",
                        n.stage, n.address, n.roles, n.channel
                    )?;
                }
            }
        }
    }
    out.flush()
}
