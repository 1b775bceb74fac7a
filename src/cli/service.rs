//! `casewatch run`: the service, and the signals that stop and reload it.

use std::path::PathBuf;

/// The only place signals are handled: SIGTERM and SIGINT cancel the token every task watches; SIGHUP asks for
/// a reload.
pub(super) async fn run_service(config: PathBuf) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let stop = tokio_util::sync::CancellationToken::new();
    let (reload_tx, reload_rx) = tokio::sync::mpsc::channel(1);
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    let signals = {
        let stop = stop.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = term.recv() => { tracing::info!("SIGTERM received"); stop.cancel(); return; }
                    _ = int.recv() => { tracing::info!("SIGINT received"); stop.cancel(); return; }
                    _ = hup.recv() => { tracing::info!("SIGHUP received: reloading"); let _ = reload_tx.try_send(()); }
                }
            }
        })
    };
    let result = crate::daemon::run(config, stop, reload_rx).await;
    signals.abort();
    result
}
