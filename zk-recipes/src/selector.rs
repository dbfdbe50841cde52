//! Leader election by selector: Curator's `LeaderSelector` (a mutex whose holder leads),
//! running a task while leading and cancelling it as soon as leadership may be lost.

use std::future::Future;

use zk_client::Client;

use crate::error::Error;
use crate::guard::{FencingToken, LockState, LossPolicy};
use crate::latch::{read_participants, Participant};
use crate::mutex::Mutex;

/// How a round of leadership ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Term {
    /// The task finished: leadership was given up (and the lock released).
    Finished,
    /// Leadership may have been lost: the task was cancelled (its future dropped).
    Lost(LockState),
}

/// A participant in a leader election on `path` with Curator's `LeaderSelector` layout: a
/// [`Mutex`] (nodes `<path>/_c_<uuid>-lock-<sequence>` holding the participant's id) whose
/// holder leads. [`LeaderSelector::lead`] waits for leadership, runs a task while leading, and
/// cancels it (drops its future) at once when leadership may be lost (the connection
/// suspended, by default; see [`LossPolicy`]); when the task returns, leadership is given up.
/// With [`LeaderSelector::auto_requeue`], it queues again after each term (Curator's
/// `autoRequeue`).
///
/// ```no_run
/// # async fn demo(client: zk_client::Client) -> Result<(), zk_recipes::Error> {
/// let selector = zk_recipes::LeaderSelector::new(client, "/app/scheduler", "node-3")?;
/// selector
///     .lead(|token| async move {
///         // Lead: schedule jobs, passing `token` to what checks for stale leaders.
///         # let _ = token;
///     })
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct LeaderSelector {
    mutex: Mutex,
    requeue: bool,
}

impl LeaderSelector {
    /// A participant with `id` in the election on `path`.
    pub fn new(client: Client, path: &str, id: &str) -> Result<LeaderSelector, Error> {
        Ok(LeaderSelector {
            mutex: Mutex::new(client, path)?.with_data(id.as_bytes().to_vec()),
            requeue: false,
        })
    }

    /// When leadership counts as lost (default: as soon as the connection is suspended).
    pub fn with_loss_policy(mut self, policy: LossPolicy) -> LeaderSelector {
        self.mutex = self.mutex.with_loss_policy(policy);
        self
    }

    /// Sets the node layout (default: Curator's). [`crate::Layout::Kazoo`] makes this
    /// kazoo's `Election` (a kazoo `Lock` whose node data is the participant's id), for
    /// elections shared with Python services.
    pub fn with_layout(mut self, layout: crate::Layout) -> LeaderSelector {
        self.mutex = self.mutex.with_layout(layout);
        self
    }

    /// Queue again after each term, forever (until an error), instead of returning after
    /// the first.
    pub fn auto_requeue(mut self, requeue: bool) -> LeaderSelector {
        self.requeue = requeue;
        self
    }

    /// Waits for leadership and runs `task` with this term's fencing token while leading;
    /// returns how the (last) term ended. Cancelling this future leaves the election.
    pub async fn lead<F, Fut>(&self, mut task: F) -> Result<Term, Error>
    where
        F: FnMut(FencingToken) -> Fut,
        Fut: Future<Output = ()>,
    {
        loop {
            let guard = self.mutex.acquire().await?;
            let lost = guard.lost();
            let term = tokio::select! {
                () = task(guard.fencing_token()) => Term::Finished,
                state = lost => Term::Lost(state),
            };
            tracing::info!(node = guard.node(), ?term, "leadership ended");
            match guard.release().await {
                Ok(()) => {}
                // Lost with the session: nothing left to release.
                Err(_) if matches!(term, Term::Lost(_)) => {}
                Err(e) => return Err(e),
            }
            if !self.requeue {
                return Ok(term);
            }
        }
    }

    /// The participants, leader first, with their ids (Curator's `getParticipants`).
    pub async fn participants(&self) -> Result<Vec<Participant>, Error> {
        let names = self.mutex.participants().await?;
        read_participants(self.mutex.client(), self.mutex.path(), names).await
    }
}
