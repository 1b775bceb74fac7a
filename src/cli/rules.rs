//! `casewatch rules list` and `casewatch rules show`: the rules in force.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use crate::config::Config;
use crate::evaluate::Format;
use crate::rules::{PACKS, Rule, RulePack, describe};

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Every rule: id, seed row, title, shape, when it is due and its guidance.
    List {
        #[command(flatten)]
        source: RuleSourceArgs,
        /// Only this pack's rules (`default` for the six of SPEC section 4, `local` for files without a name).
        #[arg(long)]
        pack: Option<String>,
        /// A Markdown table, or a JSON array.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// One rule in words: what it watches, when it is due, what ends it and who is told at each stage.
    Show {
        id: String,
        #[command(flatten)]
        source: RuleSourceArgs,
    },
}

#[derive(Debug, Args)]
pub struct RuleSourceArgs {
    /// The rules this configuration enables (rules.builtin, rules.packs, rules.files, rules.disabled).
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// A rule file to read on top, as `rules.files` does: a rule with a loaded rule's id replaces it. Repeatable,
    /// so a change can be reviewed before it is deployed.
    #[arg(long = "file")]
    pub files: Vec<PathBuf>,
}

impl RuleSourceArgs {
    /// The configuration's rules (or the six and every built-in pack), then the extra files.
    fn load(&self) -> anyhow::Result<RulePack> {
        let (builtin, packs, mut files, disabled) = match &self.config {
            Some(path) => {
                let config = Config::load(path)?;
                let base = path.parent().unwrap_or(Path::new("."));
                let r = config.settings.rules;
                let files: Vec<PathBuf> = r.files.iter().map(|f| base.join(f)).collect();
                (r.builtin, r.packs, files, r.disabled)
            }
            None => (
                true,
                PACKS.iter().map(|(name, _)| name.to_string()).collect(),
                Vec::new(),
                Vec::new(),
            ),
        };
        files.extend(self.files.iter().cloned());
        Ok(RulePack::load_with_packs(
            builtin, &packs, &files, &disabled,
        )?)
    }
}

pub(super) fn rules(cmd: RulesCommand) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match cmd {
        RulesCommand::List {
            source,
            pack,
            format,
        } => {
            let all = source.load()?;
            let rules: Vec<&Rule> = all
                .rules
                .iter()
                .filter(|r| pack.as_ref().is_none_or(|p| &r.pack == p))
                .collect();
            if let (Some(pack), true) = (&pack, rules.is_empty()) {
                let mut names: Vec<&str> = all.rules.iter().map(|r| r.pack.as_str()).collect();
                names.dedup();
                anyhow::bail!("no rule is in pack `{pack}` (loaded: {})", names.join(", "));
            }
            match format {
                Format::Table => describe::write_table(&rules, &mut out)?,
                Format::Json => {
                    let summaries: Vec<_> = rules.iter().map(|r| describe::summary(r)).collect();
                    serde_json::to_writer_pretty(&mut out, &summaries)?;
                    writeln!(out)?;
                }
            }
        }
        RulesCommand::Show { id, source } => {
            let all = source.load()?;
            // A rule by its id, or the rules written for a seed row (`hv-icpc-record`), as `rules list` shows both.
            let rules: Vec<&Rule> = match all.rule(&id) {
                Some(rule) => vec![rule],
                None => (all.rules.iter())
                    .filter(|r| r.row.as_deref() == Some(id.as_str()))
                    .collect(),
            };
            if rules.is_empty() {
                anyhow::bail!(
                    "no rule has the id or seed row `{id}` (`casewatch rules list` lists them)"
                );
            }
            let explained: Vec<String> = rules.iter().map(|r| describe::explain(r)).collect();
            write!(out, "{}", explained.join("\n"))?;
        }
    }
    Ok(())
}
