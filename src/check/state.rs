//! Whether casewatch's own database (`state.url`) can be used: reachable, and its migrations applied or appliable.
//! Nothing is created or migrated: a SQLite file that does not exist yet is reported as made at start.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::{Migrate, Migrator};
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, PgConnection, SqliteConnection};

use crate::secret::redact_url;

// The migrations `Store::migrate` applies (src/store/mod.rs embeds the same folders).
static SQLITE: Migrator = sqlx::migrate!("migrations/state/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/state/postgres");

/// sqlx's bookkeeping table, which `Store::migrate` leaves at its default name.
const TABLE: &str = "_sqlx_migrations";

const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// What the state database holds, or why it cannot be used; each names the database by its redacted URL.
pub async fn check(url: &str) -> Result<String, String> {
    let shown = redact_url(url);
    let result = if url.starts_with("sqlite:") {
        sqlite(url).await
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        postgres(url).await
    } else {
        Err("the URL is neither sqlite:// nor postgres://".to_owned())
    };
    result
        .map(|detail| format!("{shown}: {detail}"))
        .map_err(|reason| format!("{shown}: {reason}"))
}

async fn sqlite(url: &str) -> Result<String, String> {
    let options = SqliteConnectOptions::from_str(url).map_err(|e| e.to_string())?;
    let all = count(
        SQLITE
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .count(),
    );
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Ok(format!("in memory: created with its {all} at start"));
    }
    let file = options.get_filename();
    if !file.exists() {
        let folder = file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !folder.is_dir() {
            return Err(format!(
                "neither the file nor its folder {} exists",
                folder.display()
            ));
        }
        return Ok(format!(
            "does not exist yet: created with its {all} at start or by `casewatch migrate`"
        ));
    }
    let mut connection = SqliteConnection::connect_with(&options.read_only(true))
        .await
        .map_err(|e| format!("cannot open: {e}"))?;
    let has_table: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
    )
    .fetch_one(&mut connection)
    .await
    .map_err(|e| e.to_string())?;
    let result = compare(&SQLITE, &mut connection, has_table).await;
    let _ = connection.close().await;
    let in_use = match crate::store::ProcessLock::holder(url) {
        Some(holder) => format!(
            "; in use by a running casewatch ({holder}): SQLite state is for one process, so only a reload \
             (SIGHUP) of that one, not a second `run` or `tick`, can use this configuration"
        ),
        None => String::new(),
    };
    result.map(|detail| detail + &in_use)
}

async fn postgres(url: &str) -> Result<String, String> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| e.to_string())?
        .application_name("casewatch check-config");
    let connect = tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options)).await;
    let mut connection = connect
        .map_err(|_| "cannot connect: no answer within 15 s".to_owned())?
        .map_err(|e| format!("cannot connect: {e}"))?;
    let has_table: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(&mut connection)
        .await
        .map_err(|e| e.to_string())?;
    let result = compare(&POSTGRES, &mut connection, has_table).await;
    let holder = crate::store::lock::evaluation_lock_holder(&mut connection).await;
    let _ = connection.close().await;
    let evaluation = match holder {
        Ok(Some(holder)) => {
            format!("; a running replica evaluates ({holder}): this one would deliver and stand by")
        }
        Ok(None) => "; no replica holds the evaluation lock: this one would take it".to_owned(),
        Err(_) => String::new(), // not readable by this user: nothing to say
    };
    result.map(|detail| detail + &evaluation)
}

/// The database's applied migrations against the ones this casewatch carries, as `Migrator::run` would judge
/// them before applying anything.
async fn compare(
    migrator: &Migrator,
    connection: &mut impl Migrate,
    has_table: bool,
) -> Result<String, String> {
    let applied = if has_table {
        let dirty = connection
            .dirty_version(TABLE)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(version) = dirty {
            return Err(format!(
                "migration {version} failed part-way and must be repaired by hand before casewatch can start"
            ));
        }
        connection
            .list_applied_migrations(TABLE)
            .await
            .map_err(|e| e.to_string())?
    } else {
        Vec::new()
    };
    let ours: Vec<_> = migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .collect();
    for done in &applied {
        match ours.iter().find(|m| m.version == done.version) {
            None => {
                return Err(format!(
                    "migration {} is applied but unknown to this casewatch: was the database migrated by a \
                     newer version?",
                    done.version
                ));
            }
            Some(m) if m.checksum != done.checksum => {
                return Err(format!(
                    "migration {} ({}) is not the one that was applied: its file changed since",
                    m.version, m.description
                ));
            }
            Some(_) => {}
        }
    }
    let pending: Vec<String> = ours
        .iter()
        .filter(|m| !applied.iter().any(|a| a.version == m.version))
        .map(|m| format!("{} {}", m.version, m.description))
        .collect();
    Ok(if pending.is_empty() {
        format!("{} applied, none pending", count(applied.len()))
    } else {
        format!(
            "{} applied, {} pending ({}): applied at start or by `casewatch migrate`",
            count(applied.len()),
            pending.len(),
            pending.join(", ")
        )
    })
}

fn count(n: usize) -> String {
    match n {
        1 => "1 migration".to_owned(),
        n => format!("{n} migrations"),
    }
}
