//! The signals that end a `lock` or `elect` (SIGINT, SIGTERM, SIGHUP), caught so that `zk`
//! stops its command and gives the lock or leadership back instead of dying with it held.

use std::time::Duration;

use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::exit::{self, Failure};

/// How long a command has to exit after SIGTERM before it gets SIGKILL.
pub(crate) const GRACE: Duration = Duration::from_secs(10);

/// SIGINT, SIGTERM and SIGHUP, caught from creation on (their default action, ending the
/// process on the spot, would leave the command running and the lock node in place until
/// the session expires).
pub(crate) struct Interrupts {
    int: Signal,
    term: Signal,
    hup: Signal,
}

impl Interrupts {
    /// Starts catching the signals.
    pub(crate) fn catch() -> Result<Self, Failure> {
        let catch = |kind: SignalKind| {
            signal(kind)
                .map_err(|e| Failure::Message(exit::GENERIC, format!("cannot catch signals: {e}")))
        };
        Ok(Interrupts {
            int: catch(SignalKind::interrupt())?,
            term: catch(SignalKind::terminate())?,
            hup: catch(SignalKind::hangup())?,
        })
    }

    /// Waits for the next of the signals and returns its number.
    pub(crate) async fn recv(&mut self) -> i32 {
        tokio::select! {
            _ = self.int.recv() => SignalKind::interrupt().as_raw_value(),
            _ = self.term.recv() => SignalKind::terminate().as_raw_value(),
            _ = self.hup.recv() => SignalKind::hangup().as_raw_value(),
        }
    }

    /// Stops `child`: SIGTERM, then SIGKILL after [`GRACE`] or at the next signal, whichever
    /// comes first; returns once it has exited.
    pub(crate) async fn stop(&mut self, child: &mut tokio::process::Child) {
        if let Some(pid) = child.id() {
            // SIGTERM (not tokio's SIGKILL), so the command can stop cleanly; kill(1) keeps
            // this crate free of unsafe code.
            let _ = tokio::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .await;
        }
        tokio::select! {
            _ = child.wait() => return,
            _ = tokio::time::sleep(GRACE) => {}
            _ = self.recv() => {}
        }
        let _ = child.kill().await;
    }
}

/// The exit code for a `zk` ended by signal `number`: 128 + the number, as shells report it.
pub(crate) fn exit_code(number: i32) -> u8 {
    u8::try_from(128 + number).unwrap_or(exit::GENERIC)
}
