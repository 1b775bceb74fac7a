//! Settings: one TOML file, every key overridable by `CASEWATCH__SECTION__KEY` (SPEC section 7). Unknown keys and
//! bad values are errors that name the key and where it came from.

mod dates;
mod layers;
/// Where secrets are read from (`crate::secret`), at the path older releases and the tests name.
pub use crate::secret;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use figment::Figment;
use serde::Deserialize;

use crate::calendar::{Region, WorkingCalendar};
use crate::channels::email::EmailSettings;
use crate::channels::webhook::WebhookSettings;
use crate::directory::{DirectoryError, DirectorySettings, StaffDirectory};
pub use crate::evaluate::ChildIdentifier;
use crate::http::HttpSettings;
use crate::model::Staff;
pub use crate::model::is_email_address;
use crate::outbox::{DeliverySettings, Route};
use crate::rules::{RuleError, RulePack};
use crate::schedule::ScheduleSettings;
use layers::{EnvOverrides, FileText, describe};

/// The prefix of environment overrides; `__` separates section and key.
pub const ENV_PREFIX: &str = "CASEWATCH__";

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub source: SourceSettings,
    #[serde(default)]
    pub state: StateSettings,
    #[serde(default)]
    pub calendar: CalendarSettings,
    pub notify: NotifySettings,
    #[serde(default)]
    pub rules: RulesSettings,
    #[serde(default)]
    pub delivery: DeliverySettings,
    /// Extra destinations for some notices (webhooks by role, team, person, severity or rule).
    #[serde(default)]
    pub routes: Vec<Route>,
    #[serde(default)]
    pub schedule: ScheduleSettings,
    #[serde(default)]
    pub http: HttpSettings,
    /// `[email]`: the SMTP relay (or a folder of .eml files) notices are sent through.
    #[serde(default)]
    pub email: Option<EmailSettings>,
    /// `[[webhooks]]`: webhook targets, by name (`channels::webhook`).
    #[serde(default)]
    pub webhooks: Vec<WebhookSettings>,
    /// `[directory]`: a staff CSV file laid over the case database's `staff` (`crate::directory`).
    #[serde(default)]
    pub directory: Option<DirectorySettings>,
}

/// The case database casewatch reads (never writes).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSettings {
    /// `sqlite://PATH` or `postgres://…`. Put a PostgreSQL password in the environment (`PGPASSWORD` or
    /// `CASEWATCH__SOURCE__URL`), not in the file.
    pub url: String,
}

/// casewatch's own database: outbox, notification log, audit.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateSettings {
    #[serde(default = "default_state_url")]
    pub url: String,
    /// Days a sent message's body and items are kept; then they are pruned and the audit rows kept.
    #[serde(default = "default_retain_days")]
    pub retain_days: u32,
}

/// Six years: the Limitation Act 1980's period for most claims, and the period records guidance gives for the
/// evidence of management oversight after the last action on it. Only the words of a message go then; who was told
/// what, when, how and with what result is never pruned.
pub const DEFAULT_RETAIN_DAYS: u32 = 2190;

fn default_retain_days() -> u32 {
    DEFAULT_RETAIN_DAYS
}

impl StateSettings {
    pub fn validate(&self) -> Result<(), String> {
        if self.retain_days < 30 {
            return Err(format!(
                "configuration key `state.retain_days`: at least 30 days (a message's body is kept for its \
                 readers' questions at least that long), found {}",
                self.retain_days
            ));
        }
        Ok(())
    }

    /// The instant before which sent messages are pruned, as of `now`.
    pub fn prune_before(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> chrono::DateTime<chrono::Utc> {
        now - chrono::Duration::days(i64::from(self.retain_days))
    }
}

fn default_state_url() -> String {
    "sqlite://casewatch-state.db".into()
}

impl Default for StateSettings {
    fn default() -> Self {
        Self {
            url: default_state_url(),
            retain_days: DEFAULT_RETAIN_DAYS,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSettings {
    #[serde(default)]
    pub region: Region,
    /// Council closure days (e.g. between Christmas and New Year) that are not working days.
    #[serde(default, deserialize_with = "dates::list")]
    pub extra_closures: Vec<NaiveDate>,
}

impl CalendarSettings {
    pub fn working_calendar(&self) -> WorkingCalendar {
        WorkingCalendar::new(self.region, self.extra_closures.iter().copied())
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifySettings {
    /// The operations mailbox for notices whose recipient cannot be resolved (SPEC section 3).
    #[serde(deserialize_with = "email_address")]
    pub fallback_address: String,
    /// How notices name the child: the case reference by default; names only when configured.
    #[serde(default)]
    pub child_identifier: ChildIdentifier,
    /// Fixed addresses for the `team:NAME` role of rules (the placements team, the duty manager, the IROs):
    /// duties outside the worker's management chain.
    #[serde(default, deserialize_with = "team_addresses")]
    pub teams: BTreeMap<String, String>,
    /// The case in the case-management system, for a link in every notice: an http(s) URL with `{case_id}`
    /// where the case's id goes, e.g. `https://lcs.council.example/case/{case_id}`.
    #[serde(default, deserialize_with = "case_url")]
    pub case_url: Option<String>,
    /// How the roles are named to people (`[notify.role_labels]`): the authority's own words.
    #[serde(default)]
    pub role_labels: crate::rules::RoleLabels,
}

fn case_url<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let url = String::deserialize(d)?;
    let web = url.starts_with("https://") || url.starts_with("http://");
    if !web || !url.contains("{case_id}") {
        return Err(serde::de::Error::custom(
            "expected an http(s) URL with `{case_id}` where the case's id goes, e.g. \
             \"https://lcs.council.example/case/{case_id}\"",
        ));
    }
    Ok(Some(url))
}

fn team_addresses<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    #[derive(Deserialize)]
    struct Address(#[serde(deserialize_with = "email_address")] String);
    let teams = BTreeMap::<String, Address>::deserialize(d)?;
    Ok(teams.into_iter().map(|(team, a)| (team, a.0)).collect())
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesSettings {
    /// Load the built-in rule pack (SPEC section 4) before `files`.
    #[serde(default = "yes")]
    pub builtin: bool,
    /// Built-in rule packs to switch on (SPEC section 8.2): `lcs`, `havering`, `luton`, `isle-of-wight`,
    /// `enfield`.
    #[serde(default)]
    pub packs: Vec<String>,
    /// Further rule files, relative to the configuration file; a rule with a built-in rule's id replaces it.
    #[serde(default)]
    pub files: Vec<PathBuf>,
    /// Rule ids to switch off.
    #[serde(default)]
    pub disabled: Vec<String>,
    /// Local values for rules' settings, by rule id: `[rules.settings.national-cp-visits] interval_working_days = 15`.
    #[serde(default)]
    pub settings: BTreeMap<String, BTreeMap<String, i64>>,
}

fn yes() -> bool {
    true
}

impl Default for RulesSettings {
    fn default() -> Self {
        Self {
            builtin: true,
            packs: Vec::new(),
            settings: BTreeMap::new(),
            files: Vec::new(),
            disabled: Vec::new(),
        }
    }
}

fn email_address<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    if is_email_address(&s) {
        Ok(s)
    } else {
        Err(serde::de::Error::custom(format!(
            "`{s}` is not an email address"
        )))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Rules(#[from] RuleError),
    #[error(transparent)]
    Directory(#[from] DirectoryError),
}

/// A loaded configuration: the settings, where they came from, and the rule pack they select.
#[derive(Clone, Debug)]
pub struct Config {
    pub path: PathBuf,
    pub settings: Settings,
    pub rules: RulePack,
    /// The `[directory]` file as read when the configuration loaded.
    pub staff_directory: Option<StaffDirectory>,
}

impl Config {
    /// `delivery.templates_dir`, relative to the configuration file.
    pub fn templates_dir(&self) -> Option<PathBuf> {
        let base = self.path.parent().unwrap_or(Path::new("."));
        self.settings
            .delivery
            .templates_dir
            .as_ref()
            .map(|d| base.join(d))
    }

    /// The case database's staff, with the `[directory]` file laid over them when there is one.
    pub fn staff(&self, database_staff: Vec<Staff>) -> Vec<Staff> {
        match &self.staff_directory {
            Some(directory) => directory.merge(database_staff),
            None => database_staff,
        }
    }

    /// Reads the file, applies `CASEWATCH__…` overrides from the environment, and loads the rule pack.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(&text, path, std::env::vars())
    }

    /// As [`Config::load`], from text and an explicit environment (for tests).
    pub fn from_toml(
        text: &str,
        path: &Path,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let file = Figment::new().merge(FileText {
            text,
            name: path.display().to_string(),
        });
        let overrides = EnvOverrides::new(env, &file);
        let settings: Settings = file
            .merge(overrides)
            .extract()
            .map_err(|e| ConfigError::Invalid(describe(e)))?;
        check_webhooks(&settings.webhooks)?;
        check_role_labels(&settings.notify.role_labels)?;
        settings.schedule.validate().map_err(ConfigError::Invalid)?;
        settings.state.validate().map_err(ConfigError::Invalid)?;
        settings.delivery.validate().map_err(ConfigError::Invalid)?;
        if let Some(email) = &settings.email {
            email.validate().map_err(|e| {
                ConfigError::Invalid(format!("configuration key `email.{}`: {}", e.key, e.reason))
            })?;
        }
        for (i, route) in settings.routes.iter().enumerate() {
            for name in &route.webhooks {
                if !settings.webhooks.iter().any(|w| &w.name == name) {
                    return Err(ConfigError::Invalid(format!(
                        "configuration key `routes.{i}.webhooks`: no [[webhooks]] entry is named `{name}`"
                    )));
                }
            }
        }
        let base = path.parent().unwrap_or(Path::new("."));
        let files: Vec<PathBuf> = settings.rules.files.iter().map(|f| base.join(f)).collect();
        let mut rules = RulePack::load_with_packs(
            settings.rules.builtin,
            &settings.rules.packs,
            &files,
            &settings.rules.disabled,
        )?;
        rules.apply_settings(&settings.rules.settings)?;
        let staff_directory = match &settings.directory {
            Some(directory) => Some(StaffDirectory::load(&base.join(&directory.file))?),
            None => None,
        };
        settings.notify.role_labels.install();
        Ok(Config {
            path: path.to_owned(),
            settings,
            rules,
            staff_directory,
        })
    }
}

/// A role named by nothing reads as a gap in every message.
fn check_role_labels(labels: &crate::rules::RoleLabels) -> Result<(), ConfigError> {
    let keys = [
        ("worker", &labels.worker),
        ("supervisor", &labels.supervisor),
        ("team_manager", &labels.team_manager),
        ("senior_manager", &labels.senior_manager),
    ];
    match keys.iter().find(|(_, label)| label.trim().is_empty()) {
        Some((key, _)) => Err(ConfigError::Invalid(format!(
            "configuration key `notify.role_labels.{key}`: a role's label cannot be empty"
        ))),
        None => Ok(()),
    }
}

/// Each webhook's own checks, and names unique so that routes can refer to them.
fn check_webhooks(webhooks: &[WebhookSettings]) -> Result<(), ConfigError> {
    for (i, webhook) in webhooks.iter().enumerate() {
        webhook
            .validate()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        if webhooks[..i].iter().any(|w| w.name == webhook.name) {
            return Err(ConfigError::Invalid(format!(
                "configuration key `webhooks[{}].name`: another webhook has this name",
                webhook.name
            )));
        }
    }
    Ok(())
}
