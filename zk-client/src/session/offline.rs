//! The session while it has no connection: requests queue in the backlog, dropped watchers
//! are forgotten, a close is noted, and the session's expiry and close deadlines are kept.

use std::future::Future;

use tokio::time::Instant;
use zk_records::KeeperState;

use super::core::Session;
use crate::error::Error;
use crate::message::Command;

/// The backlog drops requests whose callers gave up (timed out) every this many pushes.
const BACKLOG_PRUNE_EVERY: usize = 1024;

/// What [`Session::offline`] ended with.
pub(super) enum Offline<T> {
    /// The future completed.
    Done(T),
    /// Stop now: every handle is gone, or a close arrived and `stop_on_close` was set.
    Stop,
    /// The session's local expiry deadline or the close deadline passed.
    Deadline,
}

impl Session {
    /// Runs `fut` while not connected, queueing requests and handling watcher drops, until
    /// it completes, the session's expiry or close deadline passes, or (on a close when
    /// `stop_on_close`, or when every client handle is gone) the session should stop.
    pub(super) async fn offline<F: Future>(
        &mut self,
        fut: F,
        stop_on_close: bool,
    ) -> Offline<F::Output> {
        tokio::pin!(fut);
        loop {
            let deadline = match (self.expiry_deadline(), self.close_deadline) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            tokio::select! {
                out = &mut fut => return Offline::Done(out),
                _ = sleep_until_opt(deadline) => return Offline::Deadline,
                waiter = self.closes.recv(), if !self.closing => {
                    // Finish this attempt (within the close timeout): if it connects, the
                    // close is sent first thing (so the server ends the session now, not at
                    // its timeout); if it fails, the client closes locally. `None` twice
                    // over: every handle is gone.
                    self.close_waiters.extend(waiter.flatten());
                    self.start_closing();
                    self.fail_backlog(Error::Closed);
                    if stop_on_close {
                        return Offline::Stop;
                    }
                }
                cmd = self.commands.recv() => match cmd {
                    None => return Offline::Stop,
                    // The closes channel has it (the branch above).
                    Some(Command::CloseQueued) => {}
                    Some(Command::DropWatcher(id, path)) => {
                        // Not re-registered on reconnect, so nothing to tell the server.
                        let _ = self.registry.remove(id, &path);
                    }
                    Some(Command::UpdateHosts { hosts, reply }) => {
                        // The next attempt goes where the new list says.
                        let _ = reply.send(self.update_hosts(hosts));
                    }
                    Some(Command::RemoveLocal { path, kind, client_path, reply }) => {
                        // Likewise: the next connection's watches leave it out. The removed
                        // watchers are told in the state `Disconnected`, as Java's client
                        // tells them when the removal fails with `CONNECTIONLOSS`.
                        let state = KeeperState::Disconnected;
                        let _ = reply.send(self.registry.remove_all(&path, kind, &client_path, state));
                    }
                    Some(cmd) if self.closing => {
                        self.backlog.push_back(cmd);
                        self.fail_backlog(Error::Closed);
                    }
                    Some(cmd) => {
                        self.backlog.push_back(cmd);
                        self.backlog_pushes += 1;
                        if self.backlog_pushes.is_multiple_of(BACKLOG_PRUNE_EVERY) {
                            self.backlog.retain(|c| match c {
                                Command::Call(r) => !r.reply.is_closed(),
                                _ => true,
                            });
                        }
                    }
                },
            }
        }
    }

    /// Fails the requests that were waiting for a connection.
    pub(super) fn fail_backlog(&mut self, err: Error) {
        for cmd in self.backlog.drain(..) {
            match cmd {
                Command::Call(r) => {
                    let _ = r.reply.send(Err(err.clone()));
                }
                Command::Auth {
                    reply,
                    scheme,
                    auth,
                } => {
                    // Kept for the next connection, like Java's authInfo.
                    self.auths.push((scheme, auth));
                    let _ = reply.send(Err(err.clone()));
                }
                Command::UpdateHosts { reply, .. } | Command::RemoveLocal { reply, .. } => {
                    let _ = reply.send(false);
                }
                Command::DropWatcher(..) | Command::CloseQueued => {}
            }
        }
    }
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until_opt(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
