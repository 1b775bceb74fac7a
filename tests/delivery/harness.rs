//! A county, its databases, a mail server and a configured casewatch, for one test.

use casewatch::app::App;
use casewatch::channels::Channels;
use casewatch::config::Config;
use casewatch::source::CaseSource;
use casewatch::store::StoredMessage;

pub use crate::county::load_county;

use crate::support::smtp::SmtpServer;
use crate::support::{Backend, TestDb};

/// Thursday 12 March 2026, 09:00 GMT: a working day, after the 08:00 digest window, within working hours.
pub const THURSDAY: &str = "2026-03-12T09:00:00Z";

pub struct Env {
    pub source_db: TestDb,
    pub state_db: TestDb,
    pub dir: tempfile::TempDir,
}

impl Env {
    /// Empty case and state databases on `backend`'s engine.
    pub async fn new(backend: Backend) -> Env {
        let (source_db, state_db) = match backend {
            Backend::Sqlite => (TestDb::sqlite().await, TestDb::sqlite().await),
            Backend::Postgres => (TestDb::postgres().await, TestDb::postgres().await),
        };
        Env {
            source_db,
            state_db,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub async fn source(&self) -> CaseSource {
        self.source_db.migrated_source().await
    }

    /// A configuration for these databases and an SMTP server on `smtp_port`; `extra` is appended.
    pub fn config_text(&self, smtp_port: u16, extra: &str) -> String {
        format!(
            r#"
[source]
url = "{source}"
[state]
url = "{state}"
[notify]
fallback_address = "ops@example.org"
[email]
host = "127.0.0.1"
port = {smtp_port}
tls = "none"
from = "casewatch <casewatch@council.example>"
timeout_seconds = 5
[delivery]
backoff_initial_seconds = 60
max_attempts = 3
{extra}
"#,
            source = self.source_db.url(),
            state = self.state_db.url(),
        )
    }

    pub fn write_config(&self, smtp_port: u16, extra: &str) -> std::path::PathBuf {
        let path = self.dir.path().join("casewatch.toml");
        std::fs::write(&path, self.config_text(smtp_port, extra)).unwrap();
        path
    }

    pub async fn app(&self, smtp: &SmtpServer, extra: &str) -> App<Channels> {
        let path = self.write_config(smtp.port(), extra);
        App::open(Config::load(&path).unwrap()).await.unwrap()
    }
}

/// A `[[webhooks]]` entry: a generic webhook `name` posting to `url` (plain HTTP on loopback), its signing key
/// ([`crate::webhook_server::SIGNING_KEY`]) in a file in the test's directory.
pub fn generic_webhook(env: &Env, name: &str, url: &str) -> String {
    let key = env.dir.path().join("hook-secret");
    std::fs::write(&key, crate::webhook_server::SIGNING_KEY).unwrap();
    format!(
        r#"
[[webhooks]]
name = "{name}"
kind = "generic"
url = "{url}"
secret = {{ file = "{key}" }}
allow_plain_http_loopback = true
"#,
        key = key.display()
    )
}

/// Messages by status, oldest first.
pub async fn messages(app: &App<Channels>, status: Option<&str>) -> Vec<StoredMessage> {
    let mut m = app.store.messages(status, 1000).await.unwrap();
    m.reverse();
    m
}

/// The recipients of what the server received, sorted.
pub fn recipients(server: &SmtpServer) -> Vec<String> {
    let mut to: Vec<String> = server
        .received()
        .iter()
        .flat_map(|m| m.to.clone())
        .collect();
    to.sort();
    to
}
