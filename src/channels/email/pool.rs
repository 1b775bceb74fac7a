//! Connections to the SMTP relay, opened once and reused: at most `pool_max_size` open at any time, each either
//! sending one message or idle in the pool.
//!
//! Built on lettre's connection type rather than its pooled `AsyncSmtpTransport`, which (in lettre 0.11) bounds
//! only the idle connections, not the open ones; hands a connection back by a spawned task, so the next send often
//! opens another; and times out only the TCP connect. Here a semaphore bounds the open connections, a finished
//! connection is back in the pool before its permit is released, and every step runs under the relay's timeout:
//! a connection whose send timed out is in an unknown state and is dropped, never reused.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::response::Response;
use tokio::sync::Semaphore;

use super::relay::{ConnectError, Relay};

/// Past this, an idle connection is closed rather than tested: relays drop idle clients after a few minutes.
const IDLE_LIMIT: Duration = Duration::from_secs(60);

/// Which step failed; the caller turns it into a transient or permanent channel error.
pub(super) enum Failure {
    Connect(ConnectError),
    Send(lettre::transport::smtp::Error),
    TimedOut(&'static str),
}

pub(super) struct Pool {
    relay: Relay,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
    open: Semaphore,
}

impl Pool {
    pub fn new(relay: Relay, max_size: u32) -> Self {
        Pool {
            relay,
            idle: Mutex::new(Vec::new()),
            open: Semaphore::new(max_size as usize),
        }
    }

    pub fn relay(&self) -> &Relay {
        &self.relay
    }

    /// Sends one message on a pooled connection (or a new one), and returns the relay's reply to it.
    pub async fn send(&self, envelope: &Envelope, email: &[u8]) -> Result<Response, Failure> {
        let _permit = self
            .open
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let mut conn = self.checkout().await?;
        match tokio::time::timeout(self.relay.timeout, conn.send(envelope, email)).await {
            Ok(Ok(response)) => {
                self.checkin(conn);
                Ok(response)
            }
            Ok(Err(e)) => {
                // lettre has already sent QUIT and marked the connection broken on any failure.
                if !conn.has_broken() {
                    self.checkin(conn);
                }
                Err(Failure::Send(e))
            }
            Err(_) => Err(Failure::TimedOut(
                "waiting for the relay to accept the message",
            )),
        }
    }

    /// Opens (or reuses) a connection and puts it back, proving the relay is reachable and the login works.
    pub async fn check(&self) -> Result<(), Failure> {
        let _permit = self
            .open
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let conn = self.checkout().await?;
        self.checkin(conn);
        Ok(())
    }

    /// Says goodbye (QUIT) on every idle connection.
    pub async fn close(&self) {
        let idle = std::mem::take(&mut *self.idle.lock().expect("pool lock"));
        for (mut conn, _) in idle {
            let _ = tokio::time::timeout(self.relay.timeout, conn.quit()).await;
        }
    }

    async fn checkout(&self) -> Result<AsyncSmtpConnection, Failure> {
        loop {
            let parked = self.idle.lock().expect("pool lock").pop();
            let Some((mut conn, since)) = parked else {
                return self.connect().await;
            };
            // A stale or dead connection is dropped (closing the socket) without a QUIT that could wait forever.
            if since.elapsed() < IDLE_LIMIT
                && tokio::time::timeout(self.relay.timeout, conn.test_connected())
                    .await
                    .unwrap_or(false)
            {
                return Ok(conn);
            }
        }
    }

    fn checkin(&self, conn: AsyncSmtpConnection) {
        self.idle
            .lock()
            .expect("pool lock")
            .push((conn, Instant::now()));
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, Failure> {
        tokio::time::timeout(self.relay.timeout, self.relay.connect())
            .await
            .map_err(|_| Failure::TimedOut("connecting to the relay"))?
            .map_err(Failure::Connect)
    }
}
