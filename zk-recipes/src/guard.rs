//! A held lock: its node, its fencing token, and a watch on whether it may have been lost
//! (the connection suspended, the session expired, the node deleted), released on drop.

use std::future::Future;
use std::pin::Pin;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use zk_client::{Client, EventType, SessionEvent, SessionEvents, SessionState};

use crate::error::Error;
use crate::retried::{delete_node, Cleanup};

/// A number that grows with every acquisition of a lock: the zxid that created the holder's
/// lock node (its `czxid`).
///
/// Why it grows: zxids are assigned by the leader in one total order that never goes back
/// (the epoch in the high 32 bits grows with each new leader, the counter in the low bits
/// within an epoch). A contender is granted the lock when every node that sorts before its
/// own is gone, and nodes sort by their sequence numbers, which the parent hands out in
/// creation order. So when a holder B follows a holder A, B's node was either created after
/// A's (a higher sequence, hence a later zxid), or created after A's node was gone, which is
/// after A acquired (again a later zxid). This holds across sessions, clients (Rust or Java)
/// and a re-created parent (the sequence restarts at 0 in a new container, but zxids do
/// not), which is why the token is the `czxid` and not the sequence.
///
/// Give it to the resource the lock protects along with every write; the resource remembers
/// the highest token it has seen and refuses smaller ones. A holder that lost the lock
/// without knowing (a long pause, a partition) then cannot overwrite its successor's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FencingToken(pub i64);

impl FencingToken {
    /// The token as a number.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for FencingToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

/// Why a lock may have been lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LossReason {
    /// The session expired (a new session, if re-created, does not own the node).
    SessionExpired,
    /// The lock node was deleted (by someone else: an operator, a recursive delete).
    NodeDeleted,
    /// The client was closed, or its authentication failed.
    ClientClosed,
}

/// The state of a held lock, as its guard sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockState {
    /// Held: the session is connected and owns the lock node.
    Held,
    /// The connection is suspended (lost, or connected to a read-only server): the lock is
    /// still held if the session survives, but another contender may get it once the
    /// session expires, which this client cannot see from where it is. Stop using the
    /// protected resource. `Held` again if the connection comes back in time.
    Suspended,
    /// Lost for good.
    Lost(LossReason),
}

/// What a guard publishes: the lock's state, and whether it was ever suspended since it was
/// acquired (latched, so that a short suspension is never missed by a reader that looks late).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    /// The state now.
    pub state: LockState,
    /// Whether the connection was suspended at any time since the lock was acquired.
    pub was_suspended: bool,
}

/// When a holder counts the lock as lost (Curator's `ConnectionStateErrorPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LossPolicy {
    /// As soon as the connection is suspended (Curator's default,
    /// `StandardConnectionStateErrorPolicy`): the safe choice. The client notices a silent
    /// connection at 2/3 of the session timeout, and the server expires the session only at
    /// the full timeout, so the holder hears of it before another contender can acquire.
    #[default]
    OnSuspension,
    /// Only when the session has expired (Curator's `SessionConnectionStateErrorPolicy`):
    /// rides out short disconnections, at the risk of overlapping with the next holder
    /// when the session expires on the servers' side before the client knows.
    OnExpiry,
}

impl LossPolicy {
    /// Whether a holder with `status` counts the lock as lost under this policy: for
    /// [`LossPolicy::OnSuspension`], once suspended it stays lost even if the connection
    /// comes back (what it did meanwhile may have overlapped with another holder).
    pub fn is_lost_status(self, status: Status) -> bool {
        self.is_lost(status.state) || (self == LossPolicy::OnSuspension && status.was_suspended)
    }

    /// Whether a holder in `state` counts the lock as lost under this policy.
    pub fn is_lost(self, state: LockState) -> bool {
        match (self, state) {
            (_, LockState::Held) => false,
            (LossPolicy::OnSuspension, LockState::Suspended) => true,
            (LossPolicy::OnExpiry, LockState::Suspended) => false,
            (_, LockState::Lost(_)) => true,
        }
    }
}

/// Proof of holding a [`crate::Mutex`]. Dropping it releases the lock (the node is deleted
/// in the background, retried across reconnects); [`MutexGuard::release`] does it and waits.
#[derive(Debug)]
#[must_use = "the lock is released when the guard is dropped"]
pub struct MutexGuard {
    client: Client,
    node: String,
    token: FencingToken,
    session: i64,
    policy: LossPolicy,
    state: watch::Receiver<Status>,
    monitor: JoinHandle<()>,
    released: bool,
}

impl MutexGuard {
    pub(crate) fn new(
        client: Client,
        node: String,
        token: FencingToken,
        session: i64,
        policy: LossPolicy,
        events: SessionEvents,
    ) -> MutexGuard {
        let (tx, state) = watch::channel(Status {
            state: LockState::Held,
            was_suspended: false,
        });
        let monitor = tokio::spawn(monitor(client.clone(), node.clone(), session, events, tx));
        MutexGuard {
            client,
            node,
            token,
            session,
            policy,
            state,
            monitor,
            released: false,
        }
    }

    /// The lock node (`<path>/_c_<uuid>-lock-<sequence>`), relative to the client's chroot.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// This acquisition's fencing token.
    pub fn fencing_token(&self) -> FencingToken {
        self.token
    }

    /// The client the lock is held through.
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// The session that owns the lock node.
    pub(crate) fn session(&self) -> i64 {
        self.session
    }

    /// The lock's state now.
    pub fn state(&self) -> LockState {
        self.state.borrow().state
    }

    /// The lock's status now: its state, and whether it was ever suspended.
    pub fn status(&self) -> Status {
        *self.state.borrow()
    }

    /// Whether the lock counts as lost now, under the mutex's [`LossPolicy`].
    pub fn is_lost(&self) -> bool {
        self.policy.is_lost_status(self.status())
    }

    /// A receiver of the status as it changes (`Held`, `Suspended`, `Held` again, `Lost`).
    pub fn status_watcher(&self) -> watch::Receiver<Status> {
        self.state.clone()
    }

    /// Resolves when the lock counts as lost under the mutex's [`LossPolicy`], with the
    /// state that decided it: run the critical section in a `select!` against it.
    ///
    /// ```no_run
    /// # async fn demo(guard: zk_recipes::MutexGuard) {
    /// tokio::select! {
    ///     state = guard.lost() => eprintln!("stopping: lock {state:?}"),
    ///     () = async { /* the work, writes carrying guard.fencing_token() */ } => {}
    /// }
    /// # }
    /// ```
    pub fn lost(&self) -> impl Future<Output = LockState> + Send + 'static {
        let mut rx = self.state.clone();
        let policy = self.policy;
        async move {
            match rx.wait_for(|s| policy.is_lost_status(*s)).await {
                Ok(s) => s.state,
                // The monitor is gone: the guard was released.
                Err(_) => LockState::Lost(LossReason::ClientClosed),
            }
        }
    }

    /// Releases the lock: deletes the node, retrying across connection losses (a delete of
    /// this unique node is safe to repeat), and waits for it. A node already gone (the
    /// session expired) is fine. The delete runs in a task of its own: cancelling this
    /// future (a timeout, a `select!`) stops the wait, not the delete.
    pub async fn release(mut self) -> Result<(), Error> {
        match self.leave() {
            Some(cleanup) => cleanup.wait().await,
            // Outside a runtime (never, in an async fn polled by tokio): delete in place.
            None => delete_node(&self.client, &self.node).await,
        }
    }

    /// Stops the monitor and starts deleting the node, once; the delete's task.
    fn leave(&mut self) -> Option<Cleanup> {
        self.monitor.abort();
        if std::mem::replace(&mut self.released, true) {
            return None;
        }
        let (client, node) = (self.client.clone(), self.node.clone());
        Cleanup::spawn(
            "lock node",
            async move { delete_node(&client, &node).await },
        )
    }
}

impl Drop for MutexGuard {
    fn drop(&mut self) {
        // The delete goes on in the background.
        let _ = self.leave();
    }
}

type Watch = Pin<Box<dyn Future<Output = Option<EventType>> + Send>>;

/// A one-shot watch on `node` (`None` when it is gone or cannot be watched).
async fn watch_node(client: &Client, node: &str) -> Result<Option<Watch>, zk_client::Error> {
    let (stat, watcher) = client.exists_and_watch(node).await?;
    Ok(stat.map(|_| {
        Box::pin(async move { watcher.changed().await.ok().map(|e| e.event_type) }) as Watch
    }))
}

/// Follows the session and the node, and publishes the lock's state until it is lost or the
/// guard goes away.
async fn monitor(
    client: Client,
    node: String,
    session: i64,
    mut events: SessionEvents,
    tx: watch::Sender<Status>,
) {
    let set = |state: LockState| {
        tx.send_if_modified(|old| {
            let new = Status {
                state,
                was_suspended: old.was_suspended || state == LockState::Suspended,
            };
            let changed = *old != new;
            *old = new;
            changed
        })
    };
    // A suspension between the last check of the acquisition and now counts.
    if client.state() != SessionState::Connected {
        set(LockState::Suspended);
    }
    let never = || Box::pin(std::future::pending()) as Watch;
    let mut node_watch = match watch_node(&client, &node).await {
        Ok(Some(w)) => w,
        Ok(None) => {
            set(LockState::Lost(LossReason::NodeDeleted));
            return;
        }
        // The session events tell what is wrong.
        Err(_) => never(),
    };
    loop {
        tokio::select! {
            () = tx.closed() => return,
            event = &mut node_watch => match event {
                Some(EventType::NodeDeleted) => {
                    set(LockState::Lost(LossReason::NodeDeleted));
                    return;
                }
                // Data changed: watch again. A session event ends the watch: the session
                // events decide.
                Some(EventType::NodeDataChanged) => {
                    node_watch = match watch_node(&client, &node).await {
                        Ok(Some(w)) => w,
                        Ok(None) => {
                            set(LockState::Lost(LossReason::NodeDeleted));
                            return;
                        }
                        Err(_) => never(),
                    };
                }
                _ => node_watch = never(),
            },
            event = events.next() => match event {
                Some(SessionEvent::Disconnected { .. }) => {
                    set(LockState::Suspended);
                }
                Some(SessionEvent::Connected { session_id, read_only, .. }) => {
                    if session_id != session {
                        set(LockState::Lost(LossReason::SessionExpired));
                        return;
                    }
                    if read_only {
                        set(LockState::Suspended);
                        continue;
                    }
                    // Back with the same session: held if the node is still ours.
                    match client.exists(&node).await {
                        Ok(Some(stat)) if stat.ephemeral_owner == session => {
                            set(LockState::Held);
                            if let Ok(Some(w)) = watch_node(&client, &node).await {
                                node_watch = w;
                            }
                        }
                        Ok(_) => {
                            set(LockState::Lost(LossReason::NodeDeleted));
                            return;
                        }
                        Err(_) => {
                            set(LockState::Suspended);
                        }
                    }
                }
                Some(SessionEvent::Expired { .. } | SessionEvent::Recreated { .. }) => {
                    set(LockState::Lost(LossReason::SessionExpired));
                    return;
                }
                Some(SessionEvent::AuthFailed { .. } | SessionEvent::Closed) | None => {
                    set(LockState::Lost(LossReason::ClientClosed));
                    return;
                }
                Some(_) => {}
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies() {
        use LockState::*;
        let lost = Lost(LossReason::SessionExpired);
        assert!(!LossPolicy::OnSuspension.is_lost(Held));
        assert!(LossPolicy::OnSuspension.is_lost(Suspended));
        assert!(LossPolicy::OnSuspension.is_lost(lost));
        assert!(!LossPolicy::OnExpiry.is_lost(Suspended));
        assert!(LossPolicy::OnExpiry.is_lost(lost));
        let back = Status {
            state: Held,
            was_suspended: true,
        };
        assert!(LossPolicy::OnSuspension.is_lost_status(back));
        assert!(!LossPolicy::OnExpiry.is_lost_status(back));
        assert_eq!(LossPolicy::default(), LossPolicy::OnSuspension);
        assert!(FencingToken(5) > FencingToken(4));
        assert_eq!(FencingToken(255).to_string(), "0xff");
    }
}
