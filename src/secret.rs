//! Secrets (SMTP passwords, webhook signing keys) come from the environment or from credential files — never
//! from the configuration file itself.

use std::fmt;
use std::path::PathBuf;

use figment::value::Value;
use secrecy::SecretString;
use serde::de::{Deserialize, Deserializer, Error};

/// Where a secret is read from. In the configuration: `{ env = "NAME" }`, `{ file = "/path" }`, or
/// `{ credential = "name" }` for a systemd credential (`LoadCredential=name:…`, read from
/// `$CREDENTIALS_DIRECTORY/name`).
///
/// Every key of this type is a secret key: whatever is written there instead of a reference is refused with
/// one message that never repeats it (it may be the secret itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretSource {
    Env(String),
    File(PathBuf),
    Credential(String),
}

/// How a secret key is written, for messages that say what is accepted.
pub const REFERENCE_FORMS: &str =
    r#"`{ env = "NAME" }`, `{ file = "/path" }` or `{ credential = "name" }`"#;

impl<'de> Deserialize<'de> for SecretSource {
    /// Reads the value whole before looking at it, so that no error of serde's own (which quote what they found)
    /// can come from a secret key.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let refused = || {
            D::Error::custom(format_args!(
                "must name where the secret is kept: {REFERENCE_FORMS}; a secret written into the \
                 configuration is refused"
            ))
        };
        let Value::Dict(_, dict) = <Value as Deserialize>::deserialize(d).map_err(|_| refused())?
        else {
            return Err(refused());
        };
        let mut entries = dict.into_iter();
        let (Some((kind, Value::String(_, name))), None) = (entries.next(), entries.next()) else {
            return Err(refused());
        };
        match kind.as_str() {
            "env" => Ok(SecretSource::Env(name)),
            "file" => Ok(SecretSource::File(name.into())),
            "credential" => Ok(SecretSource::Credential(name)),
            _ => Err(refused()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("environment variable {0} is not set (or is not valid UTF-8)")]
    MissingEnv(String),
    #[error("cannot read secret file {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "systemd credential `{0}` requested but CREDENTIALS_DIRECTORY is not set (is LoadCredential= in the unit?)"
    )]
    NoCredentialsDirectory(String),
    #[error("the secret from {0} is empty")]
    Empty(String),
}

impl fmt::Display for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretSource::Env(name) => write!(f, "environment variable {name}"),
            SecretSource::File(path) => write!(f, "file {}", path.display()),
            SecretSource::Credential(name) => write!(f, "systemd credential {name}"),
        }
    }
}

impl SecretSource {
    /// Reads the secret now; a trailing newline (as `echo secret > file` leaves) is not part of it.
    pub fn load(&self) -> Result<SecretString, SecretError> {
        let text = match self {
            SecretSource::Env(name) => {
                std::env::var(name).map_err(|_| SecretError::MissingEnv(name.clone()))?
            }
            SecretSource::File(path) => read(path.clone())?,
            SecretSource::Credential(name) => {
                let dir = std::env::var_os("CREDENTIALS_DIRECTORY")
                    .ok_or_else(|| SecretError::NoCredentialsDirectory(name.clone()))?;
                read(PathBuf::from(dir).join(name))?
            }
        };
        let text = text.trim_end_matches(['\r', '\n']).to_owned();
        if text.is_empty() {
            return Err(SecretError::Empty(self.to_string()));
        }
        Ok(SecretString::from(text))
    }
}

fn read(path: PathBuf) -> Result<String, SecretError> {
    std::fs::read_to_string(&path).map_err(|source| SecretError::File { path, source })
}

/// A database URL with its password (in the user-info or a `password=` parameter) replaced by `***`, for messages
/// and logs. It works on the text, not a parsed URL: the URLs that fail to parse (a raw `/`, `?` or `@` in the
/// password, a bad port) are the very ones an error message shows. When unsure where the user-info ends, it masks
/// up to the last `@`, hiding some of the host rather than any of the password.
pub fn redact_url(url: &str) -> String {
    let url = redact_password_parameters(url);
    let Some((scheme, rest)) = url.split_once("://") else {
        return url;
    };
    match rest.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
            None => url,
        },
        None => url,
    }
}

fn redact_password_parameters(url: &str) -> String {
    let Some((head, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let params = query.split('&').map(|param| match param.split_once('=') {
        Some((key, _)) if key.to_ascii_lowercase().contains("password") => format!("{key}=***"),
        _ => param.to_owned(),
    });
    format!("{head}?{}", params.collect::<Vec<_>>().join("&"))
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_reach_a_message() {
        let cases = [
            (
                "postgres://cw:s3cret@db.example:5432/lcs",
                "postgres://cw:***@db.example:5432/lcs",
            ),
            (
                "postgres://cw:p@ss@db/lcs?sslmode=require",
                "postgres://cw:***@db/lcs?sslmode=require",
            ),
            (
                "postgres://db/lcs?user=cw&password=s3cret",
                "postgres://db/lcs?user=cw&password=***",
            ),
            ("postgres://cw@db/lcs", "postgres://cw@db/lcs"),
            (
                "sqlite:///var/lib/casewatch/source.db",
                "sqlite:///var/lib/casewatch/source.db",
            ),
            ("sqlite::memory:", "sqlite::memory:"),
            // Not valid URLs, so a connection error will show them: the password must still go.
            (
                "postgres://cw:s3cret@db:99999/lcs",
                "postgres://cw:***@db:99999/lcs",
            ),
            ("postgres://cw:s3/cr?et@db/lcs", "postgres://cw:***@db/lcs"),
            (
                "postgres://cw@db/lcs?password=p@ss",
                "postgres://cw@db/lcs?password=***",
            ),
            // An `@` after the password hides the host too: better than showing part of the password.
            (
                "postgres://cw:s3cret@db/lcs?application_name=a@b",
                "postgres://cw:***@b",
            ),
        ];
        for (url, expected) in cases {
            assert_eq!(redact_url(url), expected, "{url}");
        }
    }
}
