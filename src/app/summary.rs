//! `casewatch summary`: a summary on demand, from the case database as of an instant and casewatch's own history.
//! Reads the case database only; a state database that does not exist yet gives an empty history (and is not
//! created), one from an older release is upgraded first.

use chrono::{DateTime, Utc};

use crate::app;
use crate::config::Config;
use crate::source::ReadReport;
use crate::summary::send::fold_at;
use crate::summary::{Scope, Summary};

#[derive(Debug, thiserror::Error)]
pub enum ScopeError {
    #[error("--manager: no member of staff has the id `{0}`")]
    Manager(String),
    #[error("--team: no member of staff is in the team `{0}`")]
    Team(String),
}

impl ScopeError {
    pub fn is_configuration(&self) -> bool {
        true
    }
}

pub async fn summary(config: &Config, scope: &Scope, at: DateTime<Utc>) -> anyhow::Result<Summary> {
    let calendar = config.settings.calendar.working_calendar();
    let source = app::connect_source(config).await?;
    let tell_from = app::tell_from_for_reading(config, &calendar, at).await;
    let evaluation = app::evaluate_told_from(config, &calendar, &source, at, tell_from).await?;
    // With the staff directory file laid over the case database's staff, as a pass sees them.
    let staff = config.staff(source.load_staff(&ReadReport::new()).await?);
    source.close().await;
    match scope {
        Scope::Manager(id) if !staff.iter().any(|s| &s.id.0 == id) => {
            return Err(ScopeError::Manager(id.clone()).into());
        }
        Scope::Team(team) if !staff.iter().any(|s| s.team.as_ref() == Some(team)) => {
            return Err(ScopeError::Team(team.clone()).into());
        }
        _ => {}
    }
    let delivery = &config.settings.delivery;
    // The same as the scheduled summary: "new" since the summary before the one whose time is open at `at`.
    let slot = crate::outbox::current_slot(at, &delivery.summary_times(), delivery, &calendar)
        .unwrap_or(at);
    // An older release's state database is brought up to date first, as `audit` does: its history is read with
    // the columns this release records.
    let store = app::existing_store(config).await?;
    if let Some(store) = &store {
        store.migrate().await?;
    }
    let silences = match &store {
        Some(store) => store.silences(Some(at)).await?,
        None => Vec::new(),
    };
    let mut fold = fold_at(
        config,
        &calendar,
        slot,
        (silences, Some(tell_from)),
        at,
        usize::MAX,
    );
    fold.add_lines(&evaluation.lines);
    drop(evaluation);
    if let Some(store) = &store {
        fold.add_history_from(store, &calendar).await?;
    }
    Ok(fold.summary(&config.rules, &calendar, &staff, scope))
}
