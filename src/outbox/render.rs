//! Turning notices into messages people can triage from their inbox: subject lines that count what is inside,
//! digests grouped by child with the most urgent first, plain text and HTML from templates an operator can replace.

use std::path::Path;

use chrono::{DateTime, Utc};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Serde, Value};
use minijinja::{Environment, context};
use serde::Serialize;

use crate::calendar::LONDON;
use crate::channels::Item;

const BUILTIN: [(&str, &str); 6] = [
    (
        "digest.txt",
        include_str!("../../config/templates/digest.txt"),
    ),
    (
        "digest.html",
        include_str!("../../config/templates/digest.html"),
    ),
    (
        "immediate.txt",
        include_str!("../../config/templates/immediate.txt"),
    ),
    (
        "immediate.html",
        include_str!("../../config/templates/immediate.html"),
    ),
    (
        "summary.txt",
        include_str!("../../config/templates/summary.txt"),
    ),
    (
        "summary.html",
        include_str!("../../config/templates/summary.html"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("template {name}: {source}")]
    Template {
        name: String,
        source: minijinja::Error,
    },
    #[error("cannot read template {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
}

/// The four templates, loaded and checked once (at start-up and on reload).
#[derive(Debug)]
pub struct Renderer {
    env: Environment<'static>,
}

/// Most urgent first: escalations, breaches, warnings, reminders; then the earliest due.
pub fn urgency(item: &Item) -> (u8, DateTime<Utc>) {
    let rank = match item.severity.as_str() {
        "escalation" => 0,
        "breach" => 1,
        "warning" => 2,
        _ => 3,
    };
    (rank, item.due_at)
}

/// The order of a message's items, and so which it lists when there are more than it may: [`urgency`], then the
/// child and the record, so that two passes (or two replicas) choose the same.
pub fn most_urgent_first(a: &Item, b: &Item) -> std::cmp::Ordering {
    (urgency(a), &a.child, &a.subject_id).cmp(&(urgency(b), &b.child, &b.subject_id))
}

fn severity_label(severity: &str) -> &'static str {
    match severity {
        "escalation" => "Escalation",
        "breach" => "Overdue",
        "warning" => "Warning",
        _ => "Reminder",
    }
}

/// GOV.UK design-system colours, readable on white.
fn colour(severity: &str) -> &'static str {
    match severity {
        "escalation" => "#d4351c",
        "breach" => "#d4351c",
        "warning" => "#b45000",
        _ => "#1d70b8",
    }
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&LONDON)
        .format("%a %-d %b %Y, %H:%M")
        .to_string()
}

#[derive(Serialize)]
struct ItemView<'a> {
    #[serde(flatten)]
    item: &'a Item,
    severity_label: &'static str,
    due_local: String,
    from_local: String,
    colour: &'static str,
    /// "worker, team manager"
    role_label: String,
}

impl<'a> From<&'a Item> for ItemView<'a> {
    fn from(item: &'a Item) -> Self {
        ItemView {
            item,
            severity_label: severity_label(&item.severity),
            due_local: local(item.due_at),
            from_local: local(item.from),
            colour: colour(&item.severity),
            role_label: item.role_words(),
        }
    }
}

#[derive(Serialize)]
struct Group<'a> {
    child: &'a str,
    items: Vec<ItemView<'a>>,
}

/// A rendered message body.
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Renderer {
    /// The built-in templates, each replaced by a file of the same name in `dir` when there is one.
    pub fn load(dir: Option<&Path>) -> Result<Renderer, TemplateError> {
        let mut env = Environment::new();
        env.set_syntax(
            SyntaxConfig::builder()
                .trim_blocks(true)
                .build()
                .expect("the default delimiters are valid"),
        );
        // A link as mail clients expect it in `href`: escaped for the attribute, its slashes left as they are
        // (the autoescape writes `/` as `&#x2f;`, which some clients do not follow).
        env.add_filter("href", |url: String| {
            Value::from_safe_string(
                url.replace('&', "&amp;")
                    .replace('"', "&quot;")
                    .replace('\'', "&#39;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;"),
            )
        });
        for (name, builtin) in BUILTIN {
            let text = match dir.map(|d| d.join(name)).filter(|p| p.exists()) {
                Some(path) => {
                    std::fs::read_to_string(&path).map_err(|source| TemplateError::Read {
                        path: path.display().to_string(),
                        source,
                    })?
                }
                None => builtin.to_owned(),
            };
            env.add_template_owned(name, text)
                .map_err(|source| TemplateError::Template {
                    name: name.to_owned(),
                    source,
                })?;
        }
        let renderer = Renderer { env };
        // Render a sample now, so a broken template is found at start-up or reload, not at 08:00 (the summary's
        // are rendered by `summary::render::load`, which the callers use).
        let sample = Item {
            rule: "sample".into(),
            title: "Sample".into(),
            stage: "upcoming".into(),
            severity: "reminder".into(),
            case_id: "C1".into(),
            subject_id: "S1".into(),
            child: "REF-1".into(),
            due_at: DateTime::UNIX_EPOCH,
            from: DateTime::UNIX_EPOCH,
            role: "worker".into(),
            stage_label: "Upcoming".into(),
            facts: vec!["Visit: Mon 2 Mar 2026, 10:00".into()],
            history: vec!["No one had been told of this before.".into()],
            action: Some("Do it.".into()),
            link: Some("https://lcs.example/case/C1".into()),
            meant_for: vec!["Meant for the practice manager of worker S1.".into()],
        };
        // Two of the same, one listed: the "and 1 more" wording is rendered too.
        renderer.digest(
            Some("Sample"),
            &[sample.clone(), sample.clone()],
            1,
            DateTime::UNIX_EPOCH,
        )?;
        renderer.immediate(None, &sample, None, DateTime::UNIX_EPOCH)?;
        Ok(renderer)
    }

    /// One of the templates rendered with `ctx` (e.g. `summary.txt` with the summary's view, for `summary`).
    pub fn render(&self, name: &str, ctx: &Value) -> Result<String, TemplateError> {
        let fail = |source| TemplateError::Template {
            name: name.to_owned(),
            source,
        };
        self.env
            .get_template(name)
            .map_err(fail)?
            .render(ctx)
            .map_err(fail)
    }

    /// A digest: the `listed` most urgent items grouped by child, groups and items most urgent first, and how
    /// many more there are; the subject counts them all. `items` may be in any order.
    pub fn digest(
        &self,
        recipient: Option<&str>,
        items: &[Item],
        listed: usize,
        now: DateTime<Utc>,
    ) -> Result<Rendered, TemplateError> {
        self.grouped(recipient, items, listed, false, now)
    }

    /// Several immediate notices to one recipient in one pass: laid out as a digest, so a manager with ten
    /// escalations gets one message, not ten.
    pub fn immediate_together(
        &self,
        recipient: Option<&str>,
        items: &[Item],
        listed: usize,
        now: DateTime<Utc>,
    ) -> Result<Rendered, TemplateError> {
        self.grouped(recipient, items, listed, true, now)
    }

    fn grouped(
        &self,
        recipient: Option<&str>,
        items: &[Item],
        listed: usize,
        at_once: bool,
        now: DateTime<Utc>,
    ) -> Result<Rendered, TemplateError> {
        let mut sorted: Vec<&Item> = items.iter().collect();
        sorted.sort_by(|a, b| most_urgent_first(a, b));
        let listed = listed.min(sorted.len());
        let more = sorted.len() - listed;
        // What the counted items are, so a reader can tell whether anything in them is pressing: "2 reminders".
        let unlisted: Vec<Item> = sorted[listed..].iter().map(|i| (*i).clone()).collect();
        let more_summary = count_summary(&unlisted);
        let mut groups: Vec<Group> = Vec::new();
        for item in sorted.into_iter().take(listed) {
            match groups.iter_mut().find(|g| g.child == item.child) {
                Some(g) => g.items.push(item.into()),
                None => groups.push(Group {
                    child: &item.child,
                    items: vec![item.into()],
                }),
            }
        }
        let summary = count_summary(items);
        let subject = format!("{summary} — casewatch");
        // The fallback mailbox: every item was meant for someone else.
        let undelivered = items.iter().all(|i| !i.meant_for.is_empty());
        let ctx = context! { recipient, subject => subject.clone(), summary, at_once, undelivered, listed, more, more_summary, groups => Value::from(Serde(&groups)), sent_local => local(now) };
        Ok(Rendered {
            text: self.render("digest.txt", &ctx)?,
            html: self.render("digest.html", &ctx)?,
            subject,
        })
    }

    /// A breach or escalation on its own.
    pub fn immediate(
        &self,
        recipient: Option<&str>,
        item: &Item,
        guidance: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Rendered, TemplateError> {
        let subject = format!(
            "{}: {} ({}) — casewatch",
            severity_label(&item.severity),
            item.title,
            item.child
        );
        let view = ItemView::from(item);
        let ctx = context! { recipient, subject => subject.clone(), item => Value::from(Serde(&view)), guidance, sent_local => local(now) };
        Ok(Rendered {
            text: self.render("immediate.txt", &ctx)?,
            html: self.render("immediate.html", &ctx)?,
            subject,
        })
    }
}

/// "1 escalation, 2 overdue, 3 reminders": what a worker needs to triage from the inbox.
pub fn count_summary(items: &[Item]) -> String {
    let count = |s: &str| items.iter().filter(|i| i.severity == s).count();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let parts: Vec<String> = [
        (count("escalation"), "escalation", "escalations"),
        (count("breach"), "overdue", "overdue"),
        (count("warning"), "warning", "warnings"),
        (count("reminder"), "reminder", "reminders"),
    ]
    .into_iter()
    .filter(|(n, ..)| *n > 0)
    .map(|(n, one, many)| plural(n, one, many))
    .collect();
    if parts.is_empty() {
        "Nothing due".into()
    } else {
        parts.join(", ")
    }
}
