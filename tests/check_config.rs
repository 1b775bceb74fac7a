//! `casewatch check-config`, run as the binary an operator runs: good and bad configuration files (offline), the
//! case and state databases on SQLite and PostgreSQL, and the SMTP login against a real relay. Each failure must
//! name what is wrong, and the exit status must say whose fault it is (2 configuration, 1 database or relay).

mod support;

#[path = "check_config/databases.rs"]
mod databases;
#[path = "check_config/oauth.rs"]
mod oauth;
#[path = "check_config/offline.rs"]
mod offline;
#[path = "check_config/smtp.rs"]
mod smtp;

use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};

/// How one run of `casewatch check-config` ended.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The lines of failed checks (not the summary, the last line).
    fn failures(&self) -> Vec<&str> {
        let lines: Vec<&str> = self.stdout.lines().collect();
        let checks = &lines[..lines.len().saturating_sub(1)];
        checks
            .iter()
            .copied()
            .filter(|l| l.starts_with("FAIL "))
            .collect()
    }

    fn warnings(&self) -> Vec<&str> {
        self.stdout
            .lines()
            .filter(|l| l.starts_with("warn "))
            .collect()
    }

    /// Whether a line starts with `start` and contains every one of `parts`.
    fn has(&self, start: &str, parts: &[&str]) -> bool {
        self.stdout
            .lines()
            .any(|l| l.starts_with(start) && parts.iter().all(|p| l.contains(p)))
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exit {}\n{}{}", self.code, self.stdout, self.stderr)
    }
}

/// Runs the binary with `args` after `check-config`, in an environment without `CASEWATCH__` overrides plus `env`.
async fn check_config(args: &[&OsStr], env: &[(&str, &str)]) -> Run {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_casewatch"));
    command.arg("check-config").args(args);
    for (name, _) in std::env::vars().filter(|(k, _)| k.starts_with("CASEWATCH")) {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    let output = command.output().await.expect("run casewatch");
    Run {
        code: output.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(name)
}

/// Writes `casewatch.toml` into `dir`: the case database at `source_url`, the state database at `state_url`,
/// and `email` as the `[email]` table.
fn write_config(dir: &Path, source_url: &str, state_url: &str, email: &str) -> PathBuf {
    let text = format!(
        "[source]\nurl = \"{source_url}\"\n\n[state]\nurl = \"{state_url}\"\n\n\
         [notify]\nfallback_address = \"casewatch-ops@council.example\"\n\n{email}\n"
    );
    let path = dir.join("casewatch.toml");
    std::fs::write(&path, text).expect("write the configuration");
    path
}

/// `[email]` writing `.eml` files into `dir/outbox`: no relay to reach.
fn file_email(dir: &Path) -> String {
    format!(
        "[email]\ntransport = \"file\"\nfile_dir = \"{}\"\nfrom = \"casewatch@council.example\"",
        dir.join("outbox").display()
    )
}

/// A state database in `dir` that does not exist yet.
fn new_state(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("state.db").display())
}
