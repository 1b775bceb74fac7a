//! Reading rule files: TOML in, a checked [`RulePack`] out, with errors that name the file, rule, stage and field.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::expr::{self, Expr, InstantExpr, Kind, Symbols};
use super::shape::{EvidenceSpec, ShapeKind};
use super::subject::{Selector, SubjectSpec};
use super::{DEFAULT_RULES, PACKS, Role, Rule, RulePack, Setting, Severity, Stage, describe};

#[derive(Debug, thiserror::Error)]
#[error("rule file {origin}: {path}{message}")]
pub struct RuleError {
    /// The file (or "built-in rules").
    pub origin: String,
    /// Where in it, e.g. "rule `cf-set-priority`, stage `set-priority`, from: ".
    pub path: String,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    /// The pack's name, for `rules list`; a local file without one is `local`.
    pack: Option<String>,
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    title: Option<String>,
    guidance: Option<String>,
    /// The row of seed-timescales.md the rule comes from, e.g. `hv-icpc-record`.
    row: Option<String>,
    subject: SubjectSpec,
    /// What ends the obligation (the four shapes of SPEC 8.3).
    evidence: Option<EvidenceSpec>,
    /// When the obligation is due: a date (due at its end) or an instant (an hours timescale).
    due: Option<String>,
    /// Changes to the common ladder (SPEC 8.4), which a rule with `due` and no stages gets.
    ladder: Option<RawLadder>,
    /// How long after a case closes the rule still watches it, e.g. "10wd".
    after_close: Option<String>,
    /// Numbers the rule's expressions name, which an authority may change with `rules.settings` where the
    /// guidance leaves a timescale to local policy (`due = "d + interval_working_days wd"`).
    #[serde(default)]
    settings: BTreeMap<String, i64>,
    #[serde(default)]
    anchors: BTreeMap<String, String>,
    /// Anchors shown in notices as the facts behind them, each with its words for people
    /// (`note_created = "Case note started"`). Without it, the subject's own anchors in [`describe`]'s words.
    labels: Option<BTreeMap<String, String>>,
    #[serde(default)]
    done_when: Vec<String>,
    #[serde(default)]
    stage: Vec<RawStage>,
}

/// What a rule's setting may be: each is a count of days, weeks, months or meetings in a timescale, and a
/// timescale of zero or fewer would make every subject overdue at once (or never due).
pub const SETTING_RANGE: std::ops::RangeInclusive<i64> = 1..=1000;

fn setting_out_of_range(value: i64) -> String {
    format!(
        "{value} is out of range: a setting is a whole number from {} to {}",
        SETTING_RANGE.start(),
        SETTING_RANGE.end()
    )
}

/// The common ladder's settings, each defaulting to SPEC 8.4.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLadder {
    /// How long before the due date the reminder starts (default 2wd after an event, 3wd before a meeting, 5wd
    /// for every, 20wd for by-age).
    lead: Option<String>,
    /// How long after the due date the team manager is told (default 5wd).
    escalate_after: Option<String>,
    /// How often the breach is repeated while it stands (default 5wd).
    repeat_every: Option<String>,
    due_soon: Option<Vec<Role>>,
    overdue: Option<Vec<Role>>,
    escalated: Option<Vec<Role>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    name: String,
    from: String,
    due_at: String,
    severity: Severity,
    notify: Vec<Role>,
    #[serde(default)]
    when: Vec<String>,
    #[serde(default)]
    done_when: Vec<String>,
    repeat_every: Option<String>,
    /// The stage's name for people ("Record the KIT visit in the SSDA903"); default: its name, capitalised.
    label: Option<String>,
    /// What the reader should do, in plain words; default: by severity.
    action: Option<String>,
}

impl RulePack {
    /// The built-in pack, then each file in turn (a rule whose id is already loaded replaces it), less `disabled`.
    pub fn load(
        builtin: bool,
        files: &[impl AsRef<Path>],
        disabled: &[String],
    ) -> Result<RulePack, RuleError> {
        RulePack::load_with_packs(builtin, &[], files, disabled)
    }

    /// Changes rules' settings (`rules.settings.RULE.NAME = N`), naming the key when the rule or setting is unknown.
    pub fn apply_settings(
        &mut self,
        changes: &BTreeMap<String, BTreeMap<String, i64>>,
    ) -> Result<(), RuleError> {
        let fail = |path: String, message: String| RuleError {
            origin: "configuration".into(),
            path,
            message,
        };
        for (id, values) in changes {
            let Some(rule) = self.rules.iter_mut().find(|r| &r.id == id) else {
                return Err(fail(
                    format!("rules.settings.{id}: "),
                    format!("no enabled rule has the id `{id}`"),
                ));
            };
            for (name, value) in values {
                let known: Vec<String> = rule.settings.iter().map(|s| s.name.clone()).collect();
                let Some(setting) = rule.settings.iter_mut().find(|s| &s.name == name) else {
                    return Err(fail(
                        format!("rules.settings.{id}.{name}: "),
                        format!(
                            "rule `{id}` has no setting `{name}` (its settings: {})",
                            if known.is_empty() {
                                "none".into()
                            } else {
                                known.join(", ")
                            }
                        ),
                    ));
                };
                if !SETTING_RANGE.contains(value) {
                    return Err(fail(
                        format!("rules.settings.{id}.{name}: "),
                        setting_out_of_range(*value),
                    ));
                }
                setting.value = *value;
            }
        }
        Ok(())
    }

    /// The built-in pack, then the built-in packs named in `rules.packs` (SPEC 8.2), then each file in turn (a
    /// rule whose id is already loaded replaces it), less `disabled`.
    pub fn load_with_packs(
        builtin: bool,
        packs: &[String],
        files: &[impl AsRef<Path>],
        disabled: &[String],
    ) -> Result<RulePack, RuleError> {
        let mut rules: Vec<Rule> = Vec::new();
        let mut add = |pack: RulePack| {
            for rule in pack.rules {
                match rules.iter_mut().find(|r| r.id == rule.id) {
                    Some(existing) => *existing = rule,
                    None => rules.push(rule),
                }
            }
        };
        if builtin {
            add(RulePack::parse(DEFAULT_RULES, "built-in rules")?);
        }
        for name in packs {
            let Some((_, text)) = PACKS.iter().find(|(known, _)| known == name) else {
                let known: Vec<&str> = PACKS.iter().map(|(n, _)| *n).collect();
                return Err(RuleError {
                    origin: "configuration".into(),
                    path: "rules.packs: ".into(),
                    message: format!(
                        "no built-in pack is called `{name}` (known: {})",
                        known.join(", ")
                    ),
                });
            };
            add(RulePack::parse(text, &format!("built-in pack `{name}`"))?);
        }
        for file in files {
            let path = file.as_ref();
            let origin = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|e| RuleError {
                origin: origin.clone(),
                path: String::new(),
                message: format!("cannot read: {e}"),
            })?;
            add(RulePack::parse(&text, &origin)?);
        }
        for id in disabled {
            let before = rules.len();
            rules.retain(|r| &r.id != id);
            if rules.len() == before {
                return Err(RuleError {
                    origin: "configuration".into(),
                    path: "rules.disabled: ".into(),
                    message: format!("no rule has the id `{id}`"),
                });
            }
        }
        Ok(RulePack { rules })
    }

    /// Parses and checks one rule file.
    pub fn parse(text: &str, origin: &str) -> Result<RulePack, RuleError> {
        let fail = |path: String, message: String| RuleError {
            origin: origin.to_owned(),
            path,
            message,
        };
        let raw: RawPack = toml::from_str(text).map_err(|e| fail(String::new(), e.to_string()))?;
        let pack = raw.pack.unwrap_or_else(|| {
            if origin == "built-in rules" {
                "default".into()
            } else {
                "local".into()
            }
        });
        let mut rules: Vec<Rule> = Vec::new();
        for raw_rule in raw.rule {
            let id = raw_rule.id.clone();
            if rules.iter().any(|r| r.id == id) {
                return Err(fail(String::new(), format!("rule id `{id}` appears twice")));
            }
            rules.push(
                compile(raw_rule, &pack)
                    .map_err(|(path, message)| fail(format!("rule `{id}`{path}: "), message))?,
            );
        }
        Ok(RulePack { rules })
    }
}

type Located = (String, String);

fn at(path: impl Into<String>) -> impl FnOnce(String) -> Located {
    let path = path.into();
    move |message| (path, message)
}

fn compile(raw: RawRule, pack: &str) -> Result<Rule, Located> {
    if raw.id.is_empty()
        || !raw
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(at(", id")(
            "a rule id is lowercase letters, digits and hyphens".into(),
        ));
    }
    let (selector, filter) = Selector::from_spec(raw.subject, raw.evidence).map_err(at(""))?;
    let mut symbols = Symbols::default();
    for (name, kind) in selector.anchors() {
        symbols.push(name, *kind);
    }
    let mut settings = Vec::new();
    for (name, value) in &raw.settings {
        let loc = format!(", settings.{name}");
        if !is_identifier(name) || expr::RESERVED.contains(&name.as_str()) {
            return Err(at(loc)(format!("`{name}` cannot be a setting's name")));
        }
        if symbols.lookup(name).is_some() || raw.anchors.contains_key(name) {
            return Err(at(loc)(format!(
                "`{name}` is already an anchor of this rule"
            )));
        }
        if !SETTING_RANGE.contains(value) {
            return Err(at(loc)(setting_out_of_range(*value)));
        }
        settings.push(Setting {
            name: name.clone(),
            slot: symbols.push(name, Kind::Number),
            value: *value,
        });
    }
    for name in ["due", "X"] {
        if raw.due.is_some() && raw.anchors.contains_key(name) {
            return Err(at(format!(", anchors.{name}"))(format!(
                "`{name}` is the rule's due time (from `due`); give this anchor another name"
            )));
        }
    }
    let mut anchors = compile_anchors(&raw.anchors, &mut symbols)?;
    let mut raw_stages = raw.stage;
    if let Some(due) = &raw.due {
        let hours = compile_due(due, &mut symbols, &mut anchors)?;
        if raw_stages.is_empty() {
            let Selector::Shape(shape) = &selector else {
                return Err(at(", due")(
                    "the common ladder is for the shapes after-event, before-meeting, every and by-age; \
                     give this rule its stages"
                        .into(),
                ));
            };
            let after_event = matches!(shape.kind, ShapeKind::AfterEvent(_));
            raw_stages = common_ladder(
                raw.ladder.unwrap_or_default(),
                shape.default_lead(),
                hours && after_event,
            )?;
        } else if raw.ladder.is_some() {
            return Err(at(", ladder")(
                "a rule has either the common ladder (with `ladder` settings) or its own stages, not both".into(),
            ));
        }
    } else if raw.ladder.is_some() {
        return Err(at(", ladder")("the common ladder needs `due`".into()));
    }
    let shape_done = match &selector {
        Selector::Shape(_) => vec!["done".to_owned()],
        _ => Vec::new(),
    };
    let facts = selector.facts();
    let fact_mask = |names: &[String], field: &str| -> Result<u32, String> {
        names
            .iter()
            .try_fold(0, |mask, name| match facts.iter().position(|f| f == name) {
                Some(bit) => Ok(mask | 1 << bit),
                None => Err(format!(
                    "{field}: unknown fact `{name}` (this subject offers: {})",
                    facts.join(", ")
                )),
            })
    };
    let rule_done = fact_mask(&raw.done_when, "done_when").map_err(at(""))?
        | fact_mask(&shape_done, "done_when").map_err(at(""))?;
    if raw_stages.is_empty() {
        return Err(at("")(
            "a rule needs `due` (for the common ladder) or at least one [[rule.stage]]".into(),
        ));
    }
    let mut stages: Vec<Stage> = Vec::new();
    for s in raw_stages {
        let loc = format!(", stage `{}`", s.name);
        if stages.iter().any(|t| t.name == s.name) {
            return Err(at(loc)("stage name appears twice".into()));
        }
        let instant = |field: &str, text: &str| -> Result<Expr, Located> {
            let e = expr::parse(text, &symbols).map_err(at(format!("{loc}, {field}")))?;
            match e.kind() {
                Kind::Instant => Ok(e),
                _ => Err(at(format!("{loc}, {field}"))(format!(
                    "`{text}` is a date; write start(...) or end(...) for an instant"
                ))),
            }
        };
        if s.notify.is_empty() {
            return Err(at(format!("{loc}, notify"))(
                "name at least one role".into(),
            ));
        }
        stages.push(Stage {
            label: s
                .label
                .clone()
                .unwrap_or_else(|| describe::stage_label(&s.name)),
            action: s
                .action
                .clone()
                .unwrap_or_else(|| describe::default_action(s.severity).to_owned()),
            from: instant("from", &s.from)?,
            due_at: instant("due_at", &s.due_at)?,
            from_text: s.from.clone(),
            due_text: s.due_at.clone(),
            severity: s.severity,
            when: fact_mask(&s.when, "when").map_err(at(loc.clone()))?,
            done_when: rule_done | fact_mask(&s.done_when, "done_when").map_err(at(loc.clone()))?,
            repeat_every: s
                .repeat_every
                .as_deref()
                .map(expr::parse_interval)
                .transpose()
                .map_err(at(format!("{loc}, repeat_every")))?,
            notify: s.notify,
            name: s.name,
        });
    }
    let after_close = raw
        .after_close
        .as_deref()
        .map(expr::parse_interval)
        .transpose()
        .map_err(at(", after_close"))?;
    let labels = match &raw.labels {
        Some(labels) => labels
            .iter()
            .map(|(name, label)| match symbols.lookup(name) {
                Some((slot, _)) if !label.trim().is_empty() => Ok((slot, label.clone())),
                Some(_) => Err(at(format!(", labels.{name}"))("a label needs words".into())),
                None => Err(at(format!(", labels.{name}"))(format!(
                    "`{name}` is not an anchor of this rule"
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?,
        None => describe::default_labels(&selector)
            .into_iter()
            .filter_map(|(name, label)| symbols.lookup(name).map(|(slot, _)| (slot, label)))
            .collect(),
    };
    Ok(Rule {
        labels,
        after_close,
        settings,
        title: raw.title.unwrap_or_else(|| raw.id.clone()),
        id: raw.id,
        pack: pack.to_owned(),
        row: raw.row,
        due: raw.due,
        guidance: raw.guidance,
        selector,
        filter,
        symbols,
        anchors,
        stages,
    })
}

/// Adds the anchors `due` (the due instant: the end of a due date, or an hours timescale's instant) and `X` (its
/// local date). Returns whether the timescale is in hours.
fn compile_due(
    text: &str,
    symbols: &mut Symbols,
    anchors: &mut Vec<(usize, Expr)>,
) -> Result<bool, Located> {
    let e = expr::parse(text, symbols).map_err(at(", due"))?;
    let (due, hours) = match e {
        Expr::Date(date) => (Expr::Instant(InstantExpr::End(date)), false),
        Expr::Instant(i) => {
            let hours = !matches!(i, InstantExpr::End(_) | InstantExpr::Start(_));
            (Expr::Instant(i), hours)
        }
    };
    let slot = symbols.push("due", Kind::Instant);
    anchors.push((slot, due));
    let date = expr::parse("date(due)", symbols).expect("`due` was just added");
    let slot = symbols.push("X", Kind::Date);
    anchors.push((slot, date));
    Ok(hours)
}

/// SPEC 8.4: `due-soon` (reminder, from the lead before the due date, or from A for an hours timescale after an
/// event), `overdue` (breach, repeated) and `escalated` (escalation to the team manager after 5 working days).
fn common_ladder(
    ladder: RawLadder,
    default_lead: i64,
    from_anchor: bool,
) -> Result<Vec<RawStage>, Located> {
    let interval = |field: &str, text: Option<String>, default: &str| -> Result<String, Located> {
        let text = text.unwrap_or_else(|| default.to_owned());
        let (n, unit) = expr::parse_interval(&text).map_err(at(format!(", ladder.{field}")))?;
        Ok(format!("{n}{}", unit.suffix()))
    };
    let lead = interval("lead", ladder.lead, &format!("{default_lead}wd"))?;
    let escalate = interval("escalate_after", ladder.escalate_after, "5wd")?;
    let repeat = interval("repeat_every", ladder.repeat_every, "5wd")?;
    let stage = |name: &str, from: String, severity, notify, repeat_every| RawStage {
        name: name.into(),
        from,
        due_at: "due".into(),
        severity,
        notify,
        when: Vec::new(),
        done_when: Vec::new(),
        repeat_every,
        label: None,
        action: None,
    };
    Ok(vec![
        stage(
            "due-soon",
            if from_anchor {
                "A".into()
            } else {
                format!("start(X - {lead})")
            },
            Severity::Reminder,
            ladder.due_soon.unwrap_or_else(|| vec![Role::Worker]),
            None,
        ),
        stage(
            "overdue",
            "due".into(),
            Severity::Breach,
            ladder
                .overdue
                .unwrap_or_else(|| vec![Role::Worker, Role::Supervisor]),
            Some(repeat),
        ),
        stage(
            "escalated",
            format!("start(X + {escalate})"),
            Severity::Escalation,
            ladder.escalated.unwrap_or_else(|| vec![Role::TeamManager]),
            None,
        ),
    ])
}

fn is_identifier(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses a rule's anchors in dependency order, so each can name the ones before it.
fn compile_anchors(
    raw: &BTreeMap<String, String>,
    symbols: &mut Symbols,
) -> Result<Vec<(usize, Expr)>, Located> {
    for name in raw.keys() {
        let loc = format!(", anchors.{name}");
        if !is_identifier(name) || expr::RESERVED.contains(&name.as_str()) {
            return Err(at(loc)(format!("`{name}` cannot be an anchor name")));
        }
        if symbols.lookup(name).is_some() {
            return Err(at(loc)(format!(
                "`{name}` is already an anchor of this subject"
            )));
        }
    }
    let mut pending: Vec<(&String, &String)> = raw.iter().collect();
    let mut compiled = Vec::new();
    while !pending.is_empty() {
        let before = pending.len();
        let mut waiting = Vec::new();
        for (name, text) in pending {
            let loc = format!(", anchors.{name}");
            let names = expr::names(text).map_err(at(loc.clone()))?;
            if names
                .iter()
                .any(|n| raw.contains_key(n) && symbols.lookup(n).is_none())
            {
                waiting.push((name, text));
                continue;
            }
            let e = expr::parse(text, symbols).map_err(at(loc))?;
            let slot = symbols.push(name, e.kind());
            compiled.push((slot, e));
        }
        if waiting.len() == before {
            let names: Vec<_> = waiting.iter().map(|(n, _)| n.as_str()).collect();
            return Err(at(", anchors")(format!(
                "these anchors depend on each other in a circle: {}",
                names.join(", ")
            )));
        }
        pending = waiting;
    }
    Ok(compiled)
}
