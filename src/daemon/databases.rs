//! What `/readyz` pings: the running service's two databases, each within [`PING_TIMEOUT`].

use std::future::Future;
use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::app::App;
use crate::http::{Databases, PING_TIMEOUT};

impl<S: Send + Sync> Databases for App<S> {
    fn ping(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            let state = async { self.store.ping().await.map_err(|e| e.to_string()) };
            let source = async { self.source.ping().await.map_err(|e| e.to_string()) };
            let (state, source) = tokio::join!(
                within(PING_TIMEOUT, "the state database", state),
                within(PING_TIMEOUT, "the case database", source),
            );
            state.and(source)
        })
    }
}

async fn within(
    limit: Duration,
    what: &str,
    ping: impl Future<Output = Result<(), String>>,
) -> Result<(), String> {
    match tokio::time::timeout(limit, ping).await {
        Ok(result) => result,
        Err(_) => Err(format!("{what} did not answer within {limit:?}")),
    }
}
