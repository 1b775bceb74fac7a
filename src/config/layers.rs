//! The two layers of the settings — the file, then `CASEWATCH__…` environment overrides — as figment providers,
//! and figment's errors turned into ours.
//!
//! No message from here repeats a value found in the configuration: any key may have been given a secret by
//! mistake (a webhook URL pasted into `kind`, a password into the wrong key), and these messages reach the
//! terminal and, under systemd, the journal. They name the key, the file or variable, and what is expected.

use figment::error::{Actual, Kind};
use figment::providers::{Format, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};

use super::ENV_PREFIX;

/// The configuration file's text, named after the file in error messages.
pub(super) struct FileText<'a> {
    pub text: &'a str,
    pub name: String,
}

impl Provider for FileText<'_> {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.name.clone())
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Toml::string(self.text)
            .data()
            .map_err(|_| figment::Error::from(toml_problem(self.text)))
    }
}

/// Where the TOML is broken, without the excerpt of the file a TOML error shows by default: that line may hold a
/// secret (`password = hunter2`, an unterminated URL).
fn toml_problem(text: &str) -> String {
    let Err(e) = text.parse::<toml::Table>() else {
        return "not valid TOML".to_owned();
    };
    let problem = e.message().trim().replace('\n', "; ");
    match e.span() {
        Some(span) => {
            let before = &text[..span.start];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("not valid TOML at line {line}, column {column}: {problem}")
        }
        None => format!("not valid TOML: {problem}"),
    }
}

/// `CASEWATCH__SECTION__KEY=value` overrides; a value is read as TOML would read it (`true`, `3`, `[a, b]`),
/// else as a string. A number picks an entry of a list the file already has: `CASEWATCH__WEBHOOKS__0__URL`.
pub(super) struct EnvOverrides {
    vars: Vec<(String, String)>,
    /// The file's settings, for the lists an override reaches into.
    file: Figment,
}

impl EnvOverrides {
    pub fn new(env: impl IntoIterator<Item = (String, String)>, file: &Figment) -> Self {
        let vars = env
            .into_iter()
            .filter(|(k, _)| k.starts_with(ENV_PREFIX))
            .collect();
        EnvOverrides {
            vars,
            file: file.clone(),
        }
    }

    /// Puts `value` at `path` in `root`, copying a list from the file (its values keep the file's name in error
    /// messages) the first time an override indexes into it. A value in the way of a deeper key is replaced.
    fn set(&self, root: &mut Value, path: &[String], value: Value) -> Result<(), String> {
        let mut here = root;
        for (depth, segment) in path.iter().enumerate() {
            if !matches!(here, Value::Array(..) | Value::Dict(..)) {
                *here = Value::from(Dict::new());
            }
            here = match here {
                Value::Array(_, items) => {
                    let entry = segment.parse::<usize>().ok().and_then(|i| items.get_mut(i));
                    let list = path[..depth].join(".");
                    entry
                        .ok_or_else(|| format!("the file's list `{list}` has no entry {segment}"))?
                }
                Value::Dict(_, dict) => {
                    let indexes_next = path
                        .get(depth + 1)
                        .is_some_and(|s| s.parse::<usize>().is_ok());
                    if indexes_next && !dict.contains_key(segment) {
                        let so_far = path[..=depth].join(".");
                        let list = self.file.find_value(&so_far).ok();
                        let list = list.filter(|v| matches!(v, Value::Array(..)));
                        let list =
                            list.ok_or_else(|| format!("the file has no list `{so_far}`"))?;
                        dict.insert(segment.clone(), list);
                    }
                    dict.entry(segment.clone())
                        .or_insert_with(|| Value::from(Dict::new()))
                }
                _ => unreachable!("made a table above"),
            };
        }
        *here = value;
        Ok(())
    }
}

impl Provider for EnvOverrides {
    fn metadata(&self) -> Metadata {
        Metadata::named("environment variables CASEWATCH__*")
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let mut root = Value::from(Dict::new());
        for (name, value) in &self.vars {
            let path: Vec<String> = name[ENV_PREFIX.len()..]
                .split("__")
                .map(str::to_ascii_lowercase)
                .collect();
            let value: Value = value.parse().unwrap_or_else(|_| Value::from(value.clone()));
            self.set(&mut root, &path, value)
                .map_err(|problem| figment::Error::from(format!("{name}: {problem}")))?;
        }
        let Value::Dict(_, root) = root else {
            unreachable!("the root stays a table")
        };
        Ok(Profile::Default.collect(root))
    }
}

/// One line per problem: where it came from, the key, and what is wrong — never the value found.
pub(super) fn describe(errors: figment::Error) -> String {
    errors
        .into_iter()
        .map(|e| {
            let mut key = e.path.join(".");
            let problem = match &e.kind {
                // figment's path already ends with the unknown field.
                Kind::UnknownField(_, expected) => {
                    format!("unknown key (expected one of: {})", expected.join(", "))
                }
                Kind::MissingField(field) => {
                    key = if key.is_empty() {
                        field.to_string()
                    } else {
                        format!("{key}.{field}")
                    };
                    "missing: this key is required".to_owned()
                }
                Kind::UnknownVariant(_, expected) => {
                    format!("must be one of: {}", expected.join(", "))
                }
                Kind::InvalidType(found, expected) | Kind::InvalidValue(found, expected) => {
                    format!("expected {expected}, found {}", kind_of(found))
                }
                Kind::ISizeOutOfRange(_) | Kind::USizeOutOfRange(_) => {
                    "number out of range".to_owned()
                }
                Kind::Unsupported(found) => format!("{} is not supported here", kind_of(found)),
                Kind::UnsupportedKey(found, expected) => {
                    format!(
                        "{} cannot be a key here: expected {expected}",
                        kind_of(found)
                    )
                }
                // Our own messages (and figment's) say which values they may repeat.
                kind => kind.to_string(),
            };
            let origin = e.metadata.as_ref().map(|m| m.name.to_string());
            match (key.is_empty(), origin) {
                (true, Some(origin)) => format!("{origin}: {problem}"),
                (true, None) => format!("configuration: {problem}"),
                (false, Some(origin)) => {
                    format!("configuration key `{key}` (from {origin}): {problem}")
                }
                (false, None) => format!("configuration key `{key}`: {problem}"),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What sort of value was found, without the value.
fn kind_of(found: &Actual) -> &'static str {
    match found {
        Actual::Bool(_) => "true or false",
        Actual::Unsigned(_) | Actual::Signed(_) => "an integer",
        Actual::Float(_) => "a decimal number",
        Actual::Char(_) | Actual::Str(_) => "a string",
        Actual::Bytes(_) => "bytes",
        Actual::Seq => "a list",
        Actual::Map => "a table",
        _ => "another kind of value",
    }
}
