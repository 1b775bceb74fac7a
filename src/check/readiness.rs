//! SPEC 6a, readiness: before anything is sent, what each enabled rule will watch, and whether the case database
//! holds the evidence that ends its obligations. A rule whose evidence was never mapped breaches for every
//! subject it watches, on the first pass; two rules that watch the same subjects for the same evidence tell the
//! same thing twice. Both are warnings naming the rules, so an authority fixes its views or switches the rule off
//! before go-live, not after its staff have been buried.

use std::collections::{BTreeMap, HashMap};
use std::io;

use chrono::{DateTime, Duration, Utc};
use futures_util::TryStreamExt;

use super::report::Report;
use crate::app;
use crate::calendar::local_date;
use crate::config::Config;
use crate::model::CaseFile;
use crate::rules::AsOf;
use crate::rules::evidence::EvidenceSpec;
use crate::rules::subject::Selector;
use crate::source::{CaseSource, ReadReport};

/// How far back evidence rows are counted.
pub const EVIDENCE_MONTHS: u32 = 12;

/// Evidence rows dated within the window, by kind.
#[derive(Default)]
struct Tally {
    records: HashMap<String, u64>,
    meetings: HashMap<String, u64>,
    decisions: HashMap<String, u64>,
    events: HashMap<String, u64>,
    visits: HashMap<String, u64>,
}

impl Tally {
    fn add(&mut self, file: &CaseFile, since: DateTime<Utc>, now: DateTime<Utc>) {
        let within = |t: Option<DateTime<Utc>>| t.is_some_and(|t| since <= t && t <= now);
        for r in &file.records {
            if within(r.completed_at) {
                *self.records.entry(r.kind.clone()).or_default() += 1;
            }
        }
        for m in &file.meetings {
            if !m.cancelled && within(m.held_at) {
                *self.meetings.entry(m.kind.clone()).or_default() += 1;
            }
        }
        for d in &file.decisions {
            if within(Some(d.decided_at)) {
                *self.decisions.entry(d.kind.clone()).or_default() += 1;
            }
        }
        for e in &file.events {
            if within(Some(e.occurred_at)) {
                *self.events.entry(e.kind.clone()).or_default() += 1;
            }
        }
        for v in &file.visits {
            if v.child_seen && within(Some(v.visit_at)) {
                *self
                    .visits
                    .entry(v.visit_type.as_str().to_owned())
                    .or_default() += 1;
            }
        }
    }

    /// Each kind of evidence the rule reads, with its rows: ("meeting of kind `pep`", 0).
    fn evidence(&self, spec: &EvidenceSpec) -> Vec<(String, u64)> {
        let of = |map: &HashMap<String, u64>, kind: &str| map.get(kind).copied().unwrap_or(0);
        let mut kinds = Vec::new();
        kinds.extend(
            spec.records
                .iter()
                .map(|k| (format!("record of kind `{k}`"), of(&self.records, k))),
        );
        kinds.extend(
            spec.meetings
                .iter()
                .map(|k| (format!("meeting of kind `{k}`"), of(&self.meetings, k))),
        );
        kinds.extend(
            spec.decisions
                .iter()
                .map(|k| (format!("decision of kind `{k}`"), of(&self.decisions, k))),
        );
        kinds.extend(spec.visits.iter().map(|t| {
            (
                format!("{} visit with the child seen", t.as_str()),
                of(&self.visits, t.as_str()),
            )
        }));
        kinds
    }
}

/// The evidence a pack rule's obligations end with (the six rules of SPEC section 4 read their own tables).
fn evidence_of(selector: &Selector) -> Option<&EvidenceSpec> {
    match selector {
        Selector::Shape(shape) if !shape.evidence.is_empty() => Some(&shape.evidence),
        _ => None,
    }
}

fn same_evidence(a: &EvidenceSpec, b: &EvidenceSpec) -> bool {
    let sorted = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort();
        v
    };
    sorted(&a.records) == sorted(&b.records)
        && sorted(&a.meetings) == sorted(&b.meetings)
        && sorted(&a.decisions) == sorted(&b.decisions)
        && sorted(&a.events) == sorted(&b.events)
        && a.visits.len() == b.visits.len()
        && a.visits.iter().all(|v| b.visits.contains(v))
}

/// Reads the open cases once and reports, for each enabled rule, its subjects and its evidence rows.
pub async fn report(
    config: &Config,
    source: &CaseSource,
    now: DateTime<Utc>,
    report: &mut Report<'_>,
) -> io::Result<()> {
    go_live(config, now, report).await?;
    let rules = &config.rules;
    let calendar = config.settings.calendar.working_calendar();
    let asof = AsOf::new(now);
    let since = now - Duration::days(i64::from(EVIDENCE_MONTHS) * 365 / 12);
    let mut subjects = vec![0u64; rules.rules.len()];
    let mut tally = Tally::default();
    // Pairs of rules (same evidence) that watched one subject on one case, and how often.
    let mut twice: BTreeMap<(usize, usize), u64> = BTreeMap::new();
    let read = ReadReport::new();
    let mut files = source.case_files(local_date(now), rules.tables(), &read);
    loop {
        let file = match files.try_next().await {
            Ok(Some(file)) => file,
            Ok(None) => break,
            Err(e) => {
                return report.warn("readiness", &format!("cannot read the case database: {e}"));
            }
        };
        tally.add(&file, since, now);
        let mut watched: HashMap<String, Vec<usize>> = HashMap::new();
        rules.for_each_subject(&file, &calendar, &asof, |rule, subject| {
            subjects[rule] += 1;
            if evidence_of(&rules.rules[rule].selector).is_some() {
                watched.entry(subject.to_owned()).or_default().push(rule);
            }
        });
        for of_subject in watched.values().filter(|r| r.len() > 1) {
            for (i, &a) in of_subject.iter().enumerate() {
                for &b in &of_subject[i + 1..] {
                    let (ea, eb) = (&rules.rules[a].selector, &rules.rules[b].selector);
                    if let (Some(ea), Some(eb)) = (evidence_of(ea), evidence_of(eb))
                        && same_evidence(ea, eb)
                    {
                        *twice.entry((a.min(b), a.max(b))).or_default() += 1;
                    }
                }
            }
        }
    }
    drop(files);

    let watching = subjects.iter().filter(|&&n| n > 0).count();
    report.info(
        "readiness",
        &format!(
            "{watching} of {} enabled rules watch subjects now ({} in all); evidence counted from the last \
             {EVIDENCE_MONTHS} months",
            rules.rules.len(),
            subjects.iter().sum::<u64>()
        ),
    )?;
    for (index, rule) in rules.rules.iter().enumerate() {
        let n = subjects[index];
        let Some(spec) = evidence_of(&rule.selector) else {
            report.info("readiness", &format!("{}: {n} subjects", rule.id))?;
            continue;
        };
        let kinds = tally.evidence(spec);
        let words: Vec<String> = kinds
            .iter()
            .map(|(k, rows)| format!("{rows} {k}"))
            .collect();
        let detail = format!("{}: {n} subjects; evidence: {}", rule.id, words.join(", "));
        if n > 0 && kinds.iter().all(|(_, rows)| *rows == 0) {
            let missing: Vec<&str> = kinds.iter().map(|(k, _)| k.as_str()).collect();
            report.warn(
                "readiness",
                &format!(
                    "{}: {n} subjects ({}); no {} in the last {EVIDENCE_MONTHS} months — each of them will \
                     breach. Map that evidence in the case database's views, or switch the rule off \
                     (rules.disabled)",
                    rule.id,
                    rule.title,
                    missing.join(" or ")
                ),
            )?;
        } else {
            report.info("readiness", &detail)?;
        }
    }
    for ((a, b), n) in twice {
        let (a, b) = (&rules.rules[a], &rules.rules[b]);
        report.warn(
            "readiness",
            &format!(
                "{} and {} watch the same {n} subject(s) for the same evidence: each would be told twice. \
                 Switch one off (rules.disabled)",
                a.id, b.id
            ),
        )?;
    }
    Ok(())
}

/// `delivery.tell_from` as the next pass will use it.
async fn go_live(config: &Config, now: DateTime<Utc>, report: &mut Report<'_>) -> io::Result<()> {
    let calendar = config.settings.calendar.working_calendar();
    let tell_from = app::tell_from_for_reading(config, &calendar, now).await;
    let how = match config.settings.delivery.tell_from {
        Some(_) => "delivery.tell_from".to_owned(),
        None => format!(
            "{} working days before the first pass",
            crate::outbox::quiet::DEFAULT_TELL_BACK_WORKING_DAYS
        ),
    };
    report.info(
        "go-live backlog",
        &format!(
            "obligations due before {} ({how}) are shown in evaluate, explain and the managers' summaries, and \
             never told one by one; `casewatch preview` shows what the first pass would send",
            tell_from.format("%a %-d %b %Y")
        ),
    )
}
