//! `casewatch migrate`: create or upgrade the state database.

use super::ConfigArg;
use crate::app;
use crate::config::Config;

pub(super) async fn migrate(args: &ConfigArg) -> anyhow::Result<()> {
    let config = Config::load(&args.config)?;
    let store = app::open_store(&config).await?;
    println!(
        "state database ({}) is up to date: {}",
        store.backend(),
        crate::secret::redact_url(&config.settings.state.url)
    );
    Ok(())
}
