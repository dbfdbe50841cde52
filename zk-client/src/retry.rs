//! Retrying operations that are safe to repeat, with bounded, jittered exponential backoff,
//! and never an operation the delivery contract says may have run.

use std::future::Future;
use std::time::Duration;

use crate::error::Error;
use crate::session::hosts::{jittered_backoff, Rng};

/// How often and how patiently to retry: up to `max_attempts` runs in all, the pause before
/// retry `n` (from 1) uniform in `[d/2, d]` with `d = base * 2^(n-1)`, capped at
/// `max_backoff` (jittered, so that clients that failed together do not retry together).
///
/// Two entry points say what may be retried, after the crate's delivery contract (see the
/// crate docs): [`Error::ConnectionLoss`] and [`Error::Timeout`] mean the request *may have
/// run*, so only [`RetryPolicy::retry_idempotent`] retries them.
///
/// ```no_run
/// # async fn demo(zk: zk_client::Client) -> Result<(), zk_client::Error> {
/// use zk_client::{CreateMode, CreateOptions, RetryPolicy};
///
/// let retry = RetryPolicy::default();
/// // A read is safe to repeat.
/// let (data, _stat) = retry.retry_idempotent(|| zk.get_data("/config")).await?;
/// // A plain sequential create is not: it is retried only when it certainly did not run.
/// let sequential = CreateOptions::new(CreateMode::PersistentSequential);
/// retry
///     .retry_unapplied(|| zk.create("/jobs/j-", data.clone(), &sequential))
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Most runs of the operation, the first included (at least 1).
    pub max_attempts: u32,
    /// The pause before the first retry (its upper bound; jitter takes up to half off).
    pub base: Duration,
    /// The longest pause between two runs.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// 5 runs, pauses from 100 ms doubling up to 5 s.
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            base: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// A policy of `max_attempts` runs with pauses from `base` doubling up to `max_backoff`.
    pub fn new(max_attempts: u32, base: Duration, max_backoff: Duration) -> RetryPolicy {
        RetryPolicy {
            max_attempts,
            base,
            max_backoff,
        }
    }

    /// The pause before retry `retry` (from 1), drawn from `rng`.
    fn pause(&self, retry: u32, rng: &mut Rng) -> Duration {
        jittered_backoff(self.base, self.max_backoff.max(self.base), retry, rng)
    }

    /// Runs `op` until it succeeds, fails with an error that is not transient, or has run
    /// `max_attempts` times (the last error is returned). Transient errors are those after
    /// which repeating can succeed: [`Error::ConnectionLoss`], [`Error::Timeout`] (the
    /// request may have run) and [`Error::NotReadOnly`] (it did not). Use it for reads and
    /// for writes whose repetition is harmless (an unconditional `set_data` of the same
    /// data, [`crate::Client::ensure_path`], [`crate::Client::delete_all`]); never for a
    /// plain sequential create, a versioned update or anything whose second run differs from
    /// the first. ([`crate::Client::create_protected`] retries on its own, looking for the
    /// node it may have created before creating again.)
    pub async fn retry_idempotent<T, F, Fut>(&self, op: F) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        self.run(op, Error::is_transient).await
    }

    /// Runs `op` again only after errors that prove it did not run and may succeed later
    /// ([`Error::NotReadOnly`]: a write refused by a read-only server); an error after which
    /// it may have run ([`Error::ConnectionLoss`], [`Error::Timeout`]) is returned at once,
    /// for the caller to check what happened (see [`Error::may_have_run`]).
    pub async fn retry_unapplied<T, F, Fut>(&self, op: F) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        self.run(op, |e| e.is_transient() && !e.may_have_run())
            .await
    }

    async fn run<T, F, Fut>(
        &self,
        mut op: F,
        retryable: impl Fn(&Error) -> bool,
    ) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let mut rng = Rng::new();
        let mut attempt = 1;
        loop {
            match op().await {
                Err(e) if attempt < self.max_attempts && retryable(&e) => {
                    let pause = self.pause(attempt, &mut rng);
                    tracing::debug!(attempt, ?pause, error = %e, "retrying");
                    tokio::time::sleep(pause).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

impl Error {
    /// Whether the request may have been applied although it failed: the connection broke
    /// after it was written ([`Error::ConnectionLoss`]), or no reply came in time
    /// ([`Error::Timeout`]). Server errors, refused arguments and terminal states mean it
    /// was not.
    pub fn may_have_run(&self) -> bool {
        matches!(self, Error::ConnectionLoss | Error::Timeout { .. })
    }

    /// Whether running the request again may succeed: the connection broke, no reply came
    /// in time, or a read-only server refused a write. Terminal errors, server answers and
    /// refused arguments are not transient.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::ConnectionLoss | Error::Timeout { .. } | Error::NotReadOnly
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn quick(n: u32) -> RetryPolicy {
        RetryPolicy::new(n, Duration::from_millis(1), Duration::from_millis(4))
    }

    #[tokio::test]
    async fn idempotent_retries_transient_errors_up_to_the_bound() {
        let runs = Cell::new(0);
        let r: Result<(), Error> = quick(3)
            .retry_idempotent(|| {
                runs.set(runs.get() + 1);
                async { Err(Error::ConnectionLoss) }
            })
            .await;
        assert_eq!(r, Err(Error::ConnectionLoss));
        assert_eq!(runs.get(), 3);

        runs.set(0);
        let r = quick(5)
            .retry_idempotent(|| {
                runs.set(runs.get() + 1);
                let n = runs.get();
                async move {
                    if n < 3 {
                        Err(Error::NotReadOnly)
                    } else {
                        Ok(n)
                    }
                }
            })
            .await;
        assert_eq!(r, Ok(3));
    }

    #[tokio::test]
    async fn unapplied_never_repeats_what_may_have_run() {
        for e in [
            Error::ConnectionLoss,
            Error::Timeout {
                after: Duration::from_millis(1),
            },
            Error::SessionExpired,
            Error::NodeExists { path: "/a".into() },
        ] {
            let runs = Cell::new(0);
            let r: Result<(), Error> = quick(5)
                .retry_unapplied(|| {
                    runs.set(runs.get() + 1);
                    let e = e.clone();
                    async move { Err(e) }
                })
                .await;
            assert_eq!(r, Err(e));
            assert_eq!(runs.get(), 1);
        }
        let runs = Cell::new(0);
        let _ = quick(4)
            .retry_unapplied(|| {
                runs.set(runs.get() + 1);
                async { Err::<(), _>(Error::NotReadOnly) }
            })
            .await;
        assert_eq!(runs.get(), 4);
    }

    #[tokio::test]
    async fn terminal_errors_are_not_retried() {
        let runs = Cell::new(0);
        let _ = quick(5)
            .retry_idempotent(|| {
                runs.set(runs.get() + 1);
                async { Err::<(), _>(Error::Closed) }
            })
            .await;
        assert_eq!(runs.get(), 1);
    }

    #[test]
    fn pauses_are_bounded() {
        let p = RetryPolicy::new(10, Duration::from_millis(100), Duration::from_secs(1));
        let mut rng = Rng::seeded(7);
        for n in 1..40 {
            let d = p.pause(n, &mut rng);
            assert!(d <= Duration::from_secs(1), "{d:?}");
            assert!(d >= Duration::from_millis(50), "{d:?}");
        }
    }
}
