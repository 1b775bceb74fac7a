//! The service's pass (`tick`, `run`) in bounded batches of cases: memory does not grow with the caseload.
//!
//! The case database hands cases over in byte order of their ids. Their lines gather up to a budget; a full
//! batch (always whole cases) is compared with the open stage episodes of its range of case ids, after the
//! previous batch's last case and up to its own: episodes active and not yet open are opened, open ones no longer
//! active are ended (those of cases in the range that no longer appear at all too), and the batch's notices are
//! planned and enqueued. The last batch's range runs to the end, so the episodes of closed cases after the last
//! case read are ended as well. What is done once a pass (cancelling the notices of ended episodes and of
//! silenced cases, opening a send window) is done after the last batch, as before.
//!
//! Every notice's key, item and occurrence depends only on its own case, the directory, the silences and the
//! notices already stored, so batching changes none of them: only the order their rows are written in.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;

use crate::app::{App, PassError, Read, TickReport};
use crate::calendar::WorkingCalendar;
use crate::config::Config;
use crate::evaluate::Line;
use crate::outbox;
use crate::recipients::Directory;
use crate::rules::Severity;
use crate::source::ReadReport;
use crate::store::{CaseMark, Silence, StageEpisode, StageKey, Store, StoreError};
use crate::summary::fold::Fold;

use super::steady::Prints;

/// Lines held before a batch is compared and enqueued (a few kilobytes each with their drafts and rows).
pub const DEFAULT_BUDGET: usize = 10_000;

/// What a pass read, for metrics and the managers' summaries.
pub struct Pass {
    pub read: Read,
    /// Active stages by `(rule, stage, severity)`: one per obligation, however many people are told. Sorted.
    pub active: Vec<(String, String, &'static str, u64)>,
    /// When a summary time is open: the managers' summaries so far, folded in a batch at a time.
    pub summary: Option<Fold>,
}

impl<'a> From<&'a Pass> for crate::metrics::Evaluated<'a> {
    fn from(pass: &'a Pass) -> Self {
        Self {
            rows: pass.read.report.rows_by_table(),
            active: pass
                .active
                .iter()
                .map(|(rule, stage, severity, n)| (rule.as_str(), stage.as_str(), *severity, *n))
                .collect(),
            fallbacks: &pass.read.fallback_uses,
        }
    }
}

/// What stays the same for every batch of a pass.
struct Fixed<'a> {
    config: &'a Config,
    calendar: &'a WorkingCalendar,
    store: &'a Store,
    now: DateTime<Utc>,
    silences: Vec<Silence>,
    next_digest: Option<DateTime<Utc>>,
    prints: Prints<'a>,
    /// Whether cases found as they were are passed over ([`App::skip_unchanged`]).
    skip_unchanged: bool,
}

/// Reads the case database and records and enqueues what it finds, `app.pass_budget` lines at a time.
pub async fn evaluate_and_enqueue<S>(
    app: &App<S>,
    now: DateTime<Utc>,
    tell_from: NaiveDate,
    report: &mut TickReport,
) -> Result<Pass, PassError> {
    let App {
        config,
        calendar,
        source,
        store,
        pass_budget: budget,
        ..
    } = app;
    let budget = *budget;
    let settings = &config.settings;
    // SPEC 6a: backlog and silenced stages are recorded (they are still evaluated and shown), but nobody is
    // told of them one by one; what a silence held back is told afresh once it ends.
    let silences = store
        .silences(Some(outbox::quiet::recent_since(now)))
        .await?;
    // The first evaluation in an open send window opens it: what it enqueues goes in that window's digests.
    // Later notices wait for the next window.
    let opens = match outbox::current_window(now, &settings.delivery, calendar) {
        Some(window) if store.window_opened_at(window).await?.is_none() => Some(window),
        _ => None,
    };
    let next_digest = match opens {
        Some(_) => Some(now),
        None => outbox::next_window(now, &settings.delivery, calendar),
    };
    let summary = crate::summary::send::fold(config, calendar, &silences, Some(tell_from), now);

    let read_report = ReadReport::new();
    let directory = Directory::new(config.staff(source.load_staff(&read_report).await?));
    let prints = Prints::new(&config.rules, &directory, &settings.routes, &silences, now);
    let fixed = Fixed {
        config,
        calendar,
        store,
        now,
        silences,
        next_digest,
        prints,
        skip_unchanged: app.skip_unchanged,
    };
    let mut evaluator = crate::app::evaluator(config, calendar, &directory, now, Some(tell_from));
    let mut files = source.case_files_in(
        crate::app::scope(config, calendar, now),
        config.rules.tables(),
        &read_report,
    );
    let mut batches = Batches {
        summary,
        ..Batches::default()
    };
    while let Some(file) = files.try_next().await? {
        evaluator.add_case_to(&file, &mut |line| batches.lines.push(line));
        batches.upto = Some(file.case.id.to_string());
        if batches.lines.len() >= budget {
            batches.flush(&fixed, &directory, false, report).await?;
        }
    }
    drop(files);
    batches.flush(&fixed, &directory, true, report).await?;
    let cases = evaluator.cases();
    let fallback_uses = crate::app::fallback_uses(&evaluator);
    drop(evaluator);

    report.notices_cancelled = store.cancel_ended(now).await?;
    // Notices still waiting for a message when their case was silenced, or when `tell_from` moved past them.
    let active: Vec<&Silence> = fixed.silences.iter().filter(|s| s.is_active(now)).collect();
    let backlog_before = outbox::quiet::backlog_before(tell_from);
    report.notices_cancelled += store.cancel_untold(&active, backlog_before, now).await?;
    if let Some(window) = opens {
        store.open_window(window, now).await?;
    }
    report.cases = cases;
    report.rows_skipped = read_report.total_skipped();
    Ok(Pass {
        read: Read {
            directory,
            report: read_report,
            cases,
            fallback_uses,
        },
        active: batches
            .active
            .into_iter()
            .map(|((rule, stage, severity), n)| (rule, stage, severity.as_str(), n))
            .collect(),
        summary: batches.summary,
    })
}

/// The lines of the batch being gathered, and what the pass has counted so far.
#[derive(Default)]
struct Batches {
    lines: Vec<Line>,
    /// The last case id of the batch before (exclusive lower bound of this batch's range).
    after: Option<String>,
    /// The last case id read into this batch.
    upto: Option<String>,
    active: BTreeMap<(String, String, Severity), u64>,
    summary: Option<Fold>,
}

impl Batches {
    /// Compares and enqueues the batch gathered; `upto` `None` for the last one (its range runs to the end).
    async fn flush(
        &mut self,
        fixed: &Fixed<'_>,
        directory: &Directory,
        last: bool,
        report: &mut TickReport,
    ) -> Result<(), StoreError> {
        let upto = if last { None } else { self.upto.clone() };
        let lines = std::mem::take(&mut self.lines);
        let (config, calendar, store, now) = (fixed.config, fixed.calendar, fixed.store, fixed.now);
        let silences = &fixed.silences;

        // What every line counts for, whether or not its case changed.
        let mut obligations: HashSet<(&str, &str, &str, &str, DateTime<Utc>)> = HashSet::new();
        let (mut backlog, mut silenced) = (HashSet::new(), HashSet::new());
        // Whether each line is told one by one: neither the go-live backlog nor silenced.
        let mut told = Vec::with_capacity(lines.len());
        for line in &lines {
            let key = (
                &*line.rule,
                &*line.case_id,
                &*line.subject_id,
                &*line.stage,
                line.from,
            );
            if obligations.insert(key) {
                *self
                    .active
                    .entry((line.rule.clone(), line.stage.clone(), line.severity))
                    .or_default() += 1;
            }
            let episode = (&line.rule, &line.case_id, &line.subject_id, &line.stage);
            told.push(if line.backlog {
                backlog.insert(episode);
                false
            } else if outbox::quiet::silencing(silences, line, now).is_some() {
                silenced.insert(episode);
                false
            } else {
                true
            });
        }
        report.active_stages += obligations.len() as u64;
        report.backlog_stages += backlog.len() as u64;
        report.silenced_stages += silenced.len() as u64;
        drop((obligations, backlog, silenced));

        // The cases found as the last pass left them are passed over; the others, and those read no more, are
        // compared with their open episodes.
        let prints = fixed.prints.of(&lines);
        let marks: HashMap<String, CaseMark> = store
            .case_marks_between(self.after.as_deref(), upto.as_deref())
            .await?
            .into_iter()
            .map(|m| (m.case_id.clone(), m))
            .collect();
        let unchanged: HashSet<&str> = prints
            .iter()
            .filter(|(case, print)| {
                fixed.skip_unchanged
                    && marks.get(*case).is_some_and(|m| {
                        m.fingerprint == Some(*print) && m.recheck_at.is_none_or(|at| now < at)
                    })
            })
            .map(|(case, _)| *case)
            .collect();
        report.cases_unchanged += unchanged.len() as u64;
        let read: HashSet<&str> = prints.iter().map(|(case, _)| *case).collect();
        let gone: Vec<&str> = marks
            .keys()
            .map(String::as_str)
            .filter(|case| !read.contains(case))
            .collect();
        let unmarked: Vec<&str> = prints
            .iter()
            .map(|(case, _)| *case)
            .filter(|case| !marks.contains_key(*case))
            .collect();
        store.mark_cases(&unmarked).await?;
        let lines_changed: Vec<&Line> = lines
            .iter()
            .filter(|l| !unchanged.contains(l.case_id.as_str()))
            .collect();
        let open = if unchanged.is_empty() {
            store
                .open_stages_between(self.after.as_deref(), upto.as_deref())
                .await?
        } else {
            let compared: Vec<&str> = prints
                .iter()
                .map(|(case, _)| *case)
                .filter(|case| !unchanged.contains(case))
                .chain(gone.iter().copied())
                .collect();
            store.open_stages_of(&compared).await?
        };
        record_episodes(&lines_changed, open, now, store, report).await?;

        let tellable: Vec<&Line> = lines
            .iter()
            .zip(&told)
            .filter(|(l, told)| **told && !unchanged.contains(l.case_id.as_str()))
            .map(|(l, _)| l)
            .collect();
        let settings = &config.settings;
        let mut drafts = outbox::plan(
            tellable,
            &config.rules,
            directory,
            &settings.delivery,
            &settings.routes,
            fixed.next_digest,
        );
        if let Some(url) = &settings.notify.case_url {
            for draft in &mut drafts {
                draft.item.link = Some(outbox::case_link(url, &draft.item.case_id));
            }
        }
        let silence_ended = |d: &outbox::Draft| {
            outbox::quiet::silence_ended(silences, &d.item.case_id, &d.item.rule, now)
        };
        let last = {
            let wanted: Vec<&str> = drafts
                .iter()
                .filter(|d| d.repeat_every.is_some() || silence_ended(d).is_some())
                .map(|d| d.repeat_key.as_str())
                .collect();
            store.last_notices(&wanted).await?
        };
        let mut rechecks: HashMap<String, DateTime<Utc>> = HashMap::new();
        for draft in &drafts {
            let at = outbox::recheck_at(draft, last.get(&draft.repeat_key), now, calendar);
            if let Some(at) = at {
                let case = rechecks.entry(draft.item.case_id.clone()).or_insert(at);
                *case = (*case).min(at);
            }
        }
        let mut drafts = outbox::due_now(drafts, &last, now, calendar, silence_ended);
        // Most of a steady pass's drafts are stored already: they are not written out again.
        let stored = {
            let keys: Vec<String> = drafts.iter().map(|d| d.key.clone()).collect();
            store.existing_notice_keys(&keys).await?
        };
        drafts.retain(|d| !stored.contains(&d.key));
        report.notices_enqueued += store
            .enqueue(
                &drafts.iter().map(outbox::Draft::row).collect::<Vec<_>>(),
                now,
            )
            .await?;
        drop(drafts);

        // Only now that the cases' episodes and notices are stored: a pass that stops before this compares them
        // in full next time.
        let marked: Vec<CaseMark> = prints
            .iter()
            .filter(|(case, _)| !unchanged.contains(case))
            .map(|(case, print)| CaseMark {
                case_id: (*case).to_owned(),
                fingerprint: Some(*print),
                recheck_at: rechecks.get(*case).copied(),
            })
            .collect();
        store.set_case_marks(&marked).await?;
        store.forget_cases(&gone).await?;

        if let Some(summary) = &mut self.summary {
            summary.add_lines(&lines);
        }
        self.after = self.upto.take().or(self.after.take());
        Ok(())
    }
}

/// Opens the episodes of `lines` not open yet and ends the `open` ones no longer among them.
async fn record_episodes(
    lines: &[&Line],
    open: Vec<StageEpisode>,
    now: DateTime<Utc>,
    store: &Store,
    report: &mut TickReport,
) -> Result<(), StoreError> {
    let mut active: Vec<StageEpisode> = Vec::new();
    let mut seen: HashSet<StageKey> = HashSet::new();
    for line in lines {
        let key = StageKey {
            rule: line.rule.clone(),
            case_id: line.case_id.clone(),
            subject_id: line.subject_id.clone(),
            stage: line.stage.clone(),
            from: line.from,
        };
        if seen.insert(key.clone()) {
            active.push(StageEpisode {
                key,
                child_ref: line.child_ref.clone(),
                severity: line.severity.to_string(),
                due_at: line.due_at,
                worker_id: line.worker_id.clone(),
            });
        }
    }
    let open_keys: HashSet<&StageKey> = open.iter().map(|e| &e.key).collect();
    let new: Vec<StageEpisode> = active
        .into_iter()
        .filter(|e| !open_keys.contains(&e.key))
        .collect();
    drop(open_keys);
    let ended: Vec<(StageKey, String)> = open
        .into_iter()
        .filter(|e| !seen.contains(&e.key))
        .map(|e| {
            let lapses = matches!(e.severity.as_str(), "reminder" | "warning");
            let reason = if lapses && now > e.due_at {
                "lapsed at its due time"
            } else {
                "done, or the case closed"
            };
            (e.key, reason.to_owned())
        })
        .collect();
    store.open_episodes(&new, now).await?;
    store.close_episodes(&ended, now).await?;
    report.stages_opened += new.len() as u64;
    report.stages_ended += ended.len() as u64;
    Ok(())
}
