//! Secrets (SMTP passwords, webhook signing keys) come from the environment or from credential files — never
//! from the configuration file itself.

use std::fmt;
use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

/// Where a secret is read from. In the configuration: `{ env = "NAME" }`, `{ file = "/path" }`, or
/// `{ credential = "name" }` for a systemd credential (`LoadCredential=name:…`, read from
/// `$CREDENTIALS_DIRECTORY/name`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum SecretSource {
    Env(String),
    File(PathBuf),
    Credential(String),
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
