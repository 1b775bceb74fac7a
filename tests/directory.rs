//! The staff directory (`[directory]`): a CSV file laid over the case database's `staff` — rows read, merged and
//! overriding; each kind of bad row reported by line and column and skipped; `casewatch evaluate` and
//! `check-config` run as an operator runs them; and the file re-read by a running service on SIGHUP.

mod support;

#[path = "directory/findings.rs"]
mod findings;
#[path = "directory/reload.rs"]
mod reload;
#[path = "directory/rows.rs"]
mod rows;

use std::path::Path;

use casewatch::model::Staff;
use support::TestDb;
pub(crate) use support::casewatch;

/// The header every file here starts with: the ten columns of `staff`.
const HEADER: &str =
    "staff_id,display_name,email,role,team,manager_id,cover_id,absent_from,absent_until,active";

/// Writes `casewatch.toml` into `dir`: the case database at `source_url`, state and email in `dir`, and the staff
/// directory `staff.csv` beside it holding `csv`.
fn write_config(dir: &Path, source_url: &str, csv: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("staff.csv"), csv).unwrap();
    let text = format!(
        "[source]\nurl = \"{source_url}\"\n[state]\nurl = \"sqlite://{state}\"\n\
         [notify]\nfallback_address = \"ops@council.example\"\n\
         [email]\ntransport = \"file\"\nfile_dir = \"{outbox}\"\nfrom = \"casewatch@council.example\"\n\
         [directory]\nfile = \"staff.csv\"\n",
        state = dir.join("state.db").display(),
        outbox = dir.join("outbox").display(),
    );
    let path = dir.join("casewatch.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A case database with the canonical schema and these staff, closed again.
async fn case_database_with(staff: &[Staff]) -> TestDb {
    let db = TestDb::sqlite().await;
    let source = db.migrated_source().await;
    source.loader().insert(staff).await.unwrap();
    source.close().await;
    db
}
