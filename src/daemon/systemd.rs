//! Telling systemd how the service is doing (`Type=notify`, `WatchdogSec=`), through `$NOTIFY_SOCKET`.
//!
//! Every function does nothing when `NOTIFY_SOCKET` is unset (run by hand, in tests, under another supervisor).
//! A notification that cannot be sent is logged and otherwise ignored: systemd's own timeouts then report it.

use std::time::Duration;

use sd_notify::NotifyState;

/// Start-up is complete: `systemctl start` returns, and units ordered after casewatch start.
pub fn ready() {
    send(&[NotifyState::Ready], "READY=1");
}

/// A reload (SIGHUP) has begun; call [`ready`] when it is done.
pub fn reloading() {
    match NotifyState::monotonic_usec_now() {
        // systemd requires the monotonic time with RELOADING=1, so that it can tell this reload from a later one.
        Ok(now) => send(&[NotifyState::Reloading, now], "RELOADING=1"),
        Err(error) => tracing::warn!(%error, "cannot read the monotonic clock for RELOADING=1"),
    }
}

/// Shutdown has begun (SIGTERM): systemd waits up to `TimeoutStopSec=` for the process to exit.
pub fn stopping() {
    send(&[NotifyState::Stopping], "STOPPING=1");
}

/// A one-line status for `systemctl status casewatch`. Line breaks are replaced by spaces: a newline would start
/// another assignment in the notification.
pub fn status(text: &str) {
    let line = text.replace(['\n', '\r'], " ");
    send(&[NotifyState::Status(&line)], "STATUS=");
}

/// How often to call [`watchdog_ping`]: half the `WatchdogSec=` systemd gave this process (`WATCHDOG_USEC`, when
/// `WATCHDOG_PID` is unset or names this process), as `sd_watchdog_enabled(3)` advises. `None`: no watchdog.
pub fn watchdog_interval() -> Option<Duration> {
    sd_notify::watchdog_enabled()
        .filter(|timeout| !timeout.is_zero())
        .map(|timeout| timeout / 2)
}

/// Still alive: systemd restarts the service when no ping arrives within `WatchdogSec=`.
pub fn watchdog_ping() {
    send(&[NotifyState::Watchdog], "WATCHDOG=1");
}

fn send(states: &[NotifyState], what: &str) {
    if let Err(error) = sd_notify::notify(states) {
        tracing::warn!(%error, notification = what, "cannot notify systemd");
    }
}
