//! A summary for people: the view the `summary.txt` and `summary.html` templates read (times in UK local time,
//! percentages, the trend as bars), and CSV for a spreadsheet.
//!
//! The chart is HTML: a one-row table of cells whose heights are the day's count. It needs no image, so nothing
//! is blocked by Outlook's "download pictures" or lost when a phone client drops attachments, it reflows on a
//! 390-pixel screen, and the sentence above it (first, last and highest point) is what a screen reader and the
//! plain-text part say instead.

use std::path::Path;

use chrono::{DateTime, Datelike, Utc};
use minijinja::value::{Serde, Value};
use serde::Serialize;

use super::{Summary, Timeliness};
use crate::calendar::LONDON;
use crate::message::words::day;
use crate::outbox::{Rendered, Renderer, TemplateError};

pub use crate::message::words::{overdue, overdue_words, trend_words};

/// How many of the oldest breaches a message lists (`summary --format json|csv` gives them all).
pub const OLDEST: usize = 10;
/// How many rules a message lists, most breaches first.
pub const RULES: usize = 10;
/// How many workers the backlog section names, most first.
pub const WORKERS: usize = 10;
/// The tallest bar, in pixels.
const BAR_HEIGHT: u32 = 80;

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&LONDON)
        .format("%a %-d %b %Y, %H:%M")
        .to_string()
}

#[derive(Serialize)]
pub struct View<'s> {
    pub subject: String,
    pub reader: Option<&'s str>,
    pub title: &'s str,
    pub at_local: String,
    pub since_local: Option<String>,
    pub breaches: u32,
    pub escalations: u32,
    pub new: u32,
    pub by_team: &'s [super::Count],
    pub by_rule: &'s [super::Count],
    pub more_rules: usize,
    pub oldest: Vec<OverdueView<'s>>,
    pub more: usize,
    pub trend: Vec<Bar>,
    /// The chart's axis: one label under each week's bars.
    pub weeks: Vec<Week>,
    /// The trend in one sentence: the chart's text equivalent.
    pub trend_words: String,
    pub timeliness: Vec<TimelinessView<'s>>,
    /// SPEC 6a: the go-live backlog, in counts (the CSV lists every obligation).
    pub backlog: Option<BacklogView<'s>>,
    pub silences: Vec<SilenceView<'s>>,
}

#[derive(Serialize)]
pub struct BacklogView<'s> {
    pub obligations: usize,
    pub tell_from: Option<String>,
    pub oldest_due: Option<String>,
    pub by_team: Vec<BacklogRow<'s>>,
    pub by_rule: Vec<BacklogRow<'s>>,
    pub more_rules: usize,
    pub by_worker: Vec<BacklogRow<'s>>,
    pub more_workers: usize,
}

#[derive(Serialize)]
pub struct BacklogRow<'s> {
    pub name: &'s str,
    pub obligations: u32,
    pub oldest_due: String,
}

#[derive(Serialize)]
pub struct SilenceView<'s> {
    #[serde(flatten)]
    pub row: &'s super::quiet::SilenceRow,
    pub until_local: String,
}

#[derive(Serialize)]
pub struct OverdueView<'s> {
    #[serde(flatten)]
    pub item: &'s super::Overdue,
    pub due_local: String,
    /// "950 working days overdue (about 3 years 8 months)".
    pub overdue_words: String,
    pub colour: &'static str,
    /// "Fri 13 Mar 2026", when a silence holds it back.
    pub silenced_local: Option<String>,
}

#[derive(Serialize)]
pub struct Bar {
    pub label: String,
    /// "Mon 7 Dec" on the first working day of each week (else empty), so the axis reads in weeks.
    pub tick: String,
    pub open: u32,
    pub height: u32,
}

/// A week of the chart's axis: the date of its first working day under its `span` bars ("Mon 7 Dec"; the day
/// alone, "7 Dec", under a week of two bars, nothing under one, so a label never widens its bars).
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Week {
    pub label: String,
    pub span: usize,
}

/// The trend's days grouped by week (Monday to Sunday), each labelled by its first day.
pub fn weeks(days: &[chrono::NaiveDate]) -> Vec<Week> {
    let mut weeks: Vec<(chrono::NaiveDate, usize)> = Vec::new();
    for d in days {
        match weeks.last_mut() {
            Some((first, span)) if first.iso_week() == d.iso_week() => *span += 1,
            _ => weeks.push((*d, 1)),
        }
    }
    weeks
        .into_iter()
        .map(|(first, span)| Week {
            label: match span {
                1 => String::new(),
                2 => first.format("%-d %b").to_string(),
                _ => day(first),
            },
            span,
        })
        .collect()
}

#[derive(Serialize)]
pub struct TimelinessView<'s> {
    #[serde(flatten)]
    pub row: &'s Timeliness,
    pub percent: u32,
}

/// "3 escalations, 12 breaches in Team 3 — casewatch daily summary".
pub fn subject(s: &Summary) -> String {
    let plural = |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{}, {} in {} — casewatch daily summary",
        plural(s.escalations, "escalation", "escalations"),
        plural(s.breaches, "breach", "breaches"),
        s.title
    )
}

pub fn view(s: &Summary) -> View<'_> {
    let max = s.trend.iter().map(|p| p.open).max().unwrap_or(0).max(1);
    View {
        subject: subject(s),
        reader: s.reader.as_deref(),
        title: &s.title,
        at_local: local(s.at),
        since_local: s.since.map(local),
        breaches: s.breaches,
        escalations: s.escalations,
        new: s.new,
        by_team: &s.by_team,
        by_rule: &s.by_rule[..s.by_rule.len().min(RULES)],
        more_rules: s.by_rule.len().saturating_sub(RULES),
        oldest: s
            .oldest
            .iter()
            .take(OLDEST)
            .map(|item| OverdueView {
                item,
                due_local: local(item.due_at),
                overdue_words: overdue(s, item),
                silenced_local: item.silenced_until.map(super::quiet::until_words),
                colour: if item.severity == "escalation" {
                    "#d4351c"
                } else {
                    "#b45000"
                },
            })
            .collect(),
        // Counted, not listed: a scheduled summary keeps only the oldest few of a large service's obligations.
        more: ((s.breaches + s.escalations) as usize).saturating_sub(s.oldest.len().min(OLDEST)),
        weeks: weeks(&s.trend.iter().map(|p| p.day).collect::<Vec<_>>()),
        trend: s
            .trend
            .iter()
            .enumerate()
            .map(|(i, p)| Bar {
                label: day(p.day),
                tick: if i == 0 || s.trend[i - 1].day.iso_week() != p.day.iso_week() {
                    day(p.day)
                } else {
                    String::new()
                },
                open: p.open,
                // At least a pixel, so a day with none still shows on the axis.
                height: (p.open * BAR_HEIGHT / max).max(1),
            })
            .collect(),
        trend_words: trend_words(s),
        timeliness: s
            .timeliness
            .iter()
            .map(|row| TimelinessView {
                row,
                percent: row.percent(),
            })
            .collect(),
        backlog: backlog_view(&s.backlog),
        silences: s
            .silences
            .iter()
            .map(|row| SilenceView {
                row,
                until_local: super::quiet::until_words(row.until),
            })
            .collect(),
    }
}

/// A manager's daily summary, as an email.
pub fn email(renderer: &Renderer, summary: &Summary) -> Result<Rendered, TemplateError> {
    let view = view(summary);
    let ctx = Value::from(Serde(&view));
    Ok(Rendered {
        text: renderer.render("summary.txt", &ctx)?,
        html: renderer.render("summary.html", &ctx)?,
        subject: view.subject,
    })
}

/// The templates, loaded by [`Renderer::load`], with the summary's checked too: a sample summary is rendered
/// now, so a broken template is found at start-up, reload or `check-config`, not at 08:00.
pub fn load(dir: Option<&Path>) -> Result<Renderer, TemplateError> {
    let renderer = Renderer::load(dir)?;
    email(&renderer, &Summary::sample())?;
    Ok(renderer)
}

/// The backlog in counts: by team and by rule (oldest first), and whose caseloads hold most of it.
fn backlog_view(b: &super::quiet::Backlog) -> Option<BacklogView<'_>> {
    // By the counts: a scheduled summary lists only the oldest few obligations.
    if b.by_team.is_empty() {
        return None;
    }
    fn rows(rows: &[super::quiet::BacklogCount], most: usize) -> Vec<BacklogRow<'_>> {
        rows.iter()
            .take(most)
            .map(|r| BacklogRow {
                name: &r.name,
                obligations: r.obligations,
                oldest_due: super::quiet::due_words(r.oldest_due),
            })
            .collect()
    }
    Some(BacklogView {
        obligations: b.by_team.iter().map(|r| r.obligations as usize).sum(),
        tell_from: b.tell_from.map(super::quiet::until_words),
        oldest_due: b
            .by_team
            .iter()
            .map(|r| r.oldest_due)
            .min()
            .map(super::quiet::due_words),
        by_team: rows(&b.by_team, usize::MAX),
        by_rule: rows(&b.by_rule, RULES),
        more_rules: b.by_rule.len().saturating_sub(RULES),
        by_worker: rows(&b.by_worker, WORKERS),
        more_workers: b.by_worker.len().saturating_sub(WORKERS),
    })
}

/// A row of the CSV: each section fills the columns it has.
#[derive(Default)]
struct Row<'a> {
    section: &'a str,
    team: &'a str,
    rule: &'a str,
    title: &'a str,
    child: &'a str,
    case_id: &'a str,
    severity: &'a str,
    stage: &'a str,
    worker: &'a str,
    working_days_overdue: Option<u32>,
    new: Option<bool>,
    day: Option<chrono::NaiveDate>,
    breaches: Option<u32>,
    escalations: Option<u32>,
    ended: Option<u32>,
    on_time: Option<u32>,
    percent_on_time: Option<u32>,
}

const CSV_HEADER: &str = "section,team,rule,title,child,case_id,severity,stage,worker,working_days_overdue,new,day,\
                          breaches,escalations,ended,on_time,percent_on_time";

impl<'a> Row<'a> {
    /// The columns an obligation in breach fills.
    fn obligation(section: &'a str, o: &'a super::Overdue) -> Row<'a> {
        Row {
            section,
            team: &o.team,
            rule: &o.rule,
            title: &o.title,
            child: &o.child,
            case_id: &o.case_id,
            severity: &o.severity,
            stage: &o.stage,
            worker: &o.worker,
            working_days_overdue: Some(o.working_days_overdue),
            ..Row::default()
        }
    }

    fn line(&self) -> String {
        let n = |v: Option<u32>| v.map_or(String::new(), |v| v.to_string());
        let cells = [
            self.section.to_owned(),
            self.team.to_owned(),
            self.rule.to_owned(),
            self.title.to_owned(),
            self.child.to_owned(),
            self.case_id.to_owned(),
            self.severity.to_owned(),
            self.stage.to_owned(),
            self.worker.to_owned(),
            n(self.working_days_overdue),
            self.new
                .map_or("", |new| if new { "yes" } else { "no" })
                .to_owned(),
            self.day.map_or(String::new(), |d| d.to_string()),
            n(self.breaches),
            n(self.escalations),
            n(self.ended),
            n(self.on_time),
            n(self.percent_on_time),
        ];
        let cells: Vec<String> = cells.iter().map(|c| quote(c)).collect();
        cells.join(",")
    }
}

/// One table for a spreadsheet: a `section` column says which part of the summary each row is.
pub fn csv(s: &Summary) -> String {
    let mut rows: Vec<Row> = Vec::new();
    for c in &s.by_team {
        rows.push(Row {
            section: "team",
            team: &c.name,
            breaches: Some(c.breaches),
            escalations: Some(c.escalations),
            ..Row::default()
        });
    }
    for c in &s.by_rule {
        rows.push(Row {
            section: "rule",
            rule: c.rule.as_deref().unwrap_or(""),
            title: &c.name,
            breaches: Some(c.breaches),
            escalations: Some(c.escalations),
            ..Row::default()
        });
    }
    for o in &s.oldest {
        rows.push(Row {
            new: Some(o.new),
            ..Row::obligation("overdue", o)
        });
    }
    for p in &s.trend {
        rows.push(Row {
            section: "trend",
            day: Some(p.day),
            breaches: Some(p.open),
            ..Row::default()
        });
    }
    for t in &s.timeliness {
        rows.push(Row {
            section: "timeliness",
            team: &t.team,
            rule: &t.rule,
            title: &t.title,
            ended: Some(t.ended),
            on_time: Some(t.on_time),
            percent_on_time: Some(t.percent()),
            ..Row::default()
        });
    }
    for o in &s.backlog.obligations {
        rows.push(Row {
            day: Some(crate::calendar::local_date(o.due_at)),
            ..Row::obligation("backlog", o)
        });
    }
    for silence in &s.silences {
        rows.push(Row {
            section: "silence",
            title: &silence.covers,
            child: &silence.child,
            case_id: &silence.case_id,
            severity: silence.worst.as_deref().unwrap_or(""),
            worker: &silence.worker,
            day: Some(silence.until),
            ..Row::default()
        });
    }
    let mut out = format!("{CSV_HEADER}\n");
    for row in rows {
        out += &row.line();
        out.push('\n');
    }
    out
}

/// RFC 4180 quoting, and a leading `=`, `+`, `-` or `@` made text so a spreadsheet does not run it as a formula.
fn quote(cell: &str) -> String {
    let cell = crate::spreadsheet::defuse(cell);
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(quote("Team 3"), "Team 3");
        assert_eq!(
            quote("C&F, please set priority"),
            "\"C&F, please set priority\""
        );
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    }

    #[test]
    fn percentages_round_half_up() {
        let row = |ended, on_time| Timeliness {
            rule: "r".into(),
            title: "R".into(),
            team: "T".into(),
            ended,
            on_time,
        };
        assert_eq!(row(3, 2).percent(), 67);
        assert_eq!(row(8, 1).percent(), 13); // 12.5
        assert_eq!(row(0, 0).percent(), 0);
        assert_eq!(row(4, 4).percent(), 100);
    }
}

#[cfg(test)]
mod words {
    use super::*;
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_axis_names_the_first_day_of_each_week() {
        // Working days from Tuesday 10 November 2026 to Monday 7 December: a week of four, three of five, and one
        // day alone (too narrow for a label).
        let mut days = vec![
            d("2026-11-10"),
            d("2026-11-11"),
            d("2026-11-12"),
            d("2026-11-13"),
        ];
        for monday in ["2026-11-16", "2026-11-23", "2026-11-30"] {
            let monday = d(monday);
            days.extend((0..5).map(|i| monday + chrono::Days::new(i)));
        }
        days.push(d("2026-12-07"));
        let labels: Vec<(String, usize)> = weeks(&days)
            .into_iter()
            .map(|w| (w.label, w.span))
            .collect();
        assert_eq!(
            labels,
            [
                ("Tue 10 Nov".to_owned(), 4),
                ("Mon 16 Nov".to_owned(), 5),
                ("Mon 23 Nov".to_owned(), 5),
                ("Mon 30 Nov".to_owned(), 5),
                (String::new(), 1),
            ]
        );
    }
}
