//! `lock`: takes a distributed lock (zk-recipes' Mutex, Curator's layout or kazoo's) and runs
//! a command while holding it, like `etcdctl lock`; the command is stopped with SIGTERM if the
//! lock may have been lost or `zk` gets SIGINT, SIGTERM or SIGHUP, and the lock is let go.

use std::future::Future;
use std::time::Duration;

use clap::{Args, ValueEnum};
use zk_recipes::{Layout, LossPolicy, Mutex, MutexGuard};

use crate::connect::Session;
use crate::exit::{self, Failure};
use crate::interrupt::{self, Interrupts};

/// `lock`.
#[derive(Debug, Args)]
pub(crate) struct LockArgs {
    /// Give up after waiting this long for the lock (exit code 13). Default: wait as long as
    /// it takes. (`zk --timeout`, before the command, bounds each request instead.)
    #[arg(
        long = "timeout",
        visible_alias = "wait",
        value_parser = crate::parse_duration,
        value_name = "DURATION"
    )]
    wait: Option<Duration>,
    /// The lock's node layout, shared with the other contenders.
    #[arg(long, value_enum, default_value_t = LayoutArg::Curator)]
    layout: LayoutArg,
    /// Count the lock as lost only when the session expires (Curator's
    /// SessionConnectionStateErrorPolicy), not as soon as the connection is suspended.
    #[arg(long)]
    lost_on_expiry: bool,
    /// The lock's path.
    path: String,
    /// The command to run while holding the lock (after `--`). Without one, `zk` prints the
    /// lock node and holds the lock until interrupted (SIGINT, SIGTERM or SIGHUP).
    #[arg(last = true, value_name = "COMMAND")]
    command: Vec<String>,
}

/// `--layout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LayoutArg {
    /// Apache Curator's InterProcessMutex (`_c_<uuid>-lock-<seq>`).
    Curator,
    /// kazoo's Lock (`<uuid hex>__lock__<seq>`).
    Kazoo,
}

/// The exit code and message for a recipe's error.
pub(crate) fn recipe_failure(e: zk_recipes::Error) -> Failure {
    match e {
        zk_recipes::Error::Client(e) => e.into(),
        other => Failure::Message(exit::GENERIC, other.to_string()),
    }
}

/// Runs `lock`.
pub(crate) async fn run(s: &Session, a: &LockArgs) -> Result<u8, Failure> {
    let layout = match a.layout {
        LayoutArg::Curator => Layout::Curator,
        LayoutArg::Kazoo => Layout::Kazoo,
    };
    let policy = if a.lost_on_expiry {
        LossPolicy::OnExpiry
    } else {
        LossPolicy::OnSuspension
    };
    let mutex = Mutex::new(s.client.clone(), &a.path)
        .map_err(recipe_failure)?
        .with_layout(layout)
        .with_loss_policy(policy);
    let mut interrupts = Interrupts::catch()?;
    let not_acquired = |wait| {
        Failure::Message(
            exit::NOT_ACQUIRED,
            format!("lock {} not acquired within {wait:?}", a.path),
        )
    };
    let guard = match acquire(&mutex, a.wait, &mut interrupts, not_acquired).await? {
        Ok(guard) => guard,
        Err(code) => return Ok(code),
    };
    let lost = guard.lost();
    let code = run_while(
        &a.command,
        guard.node(),
        async move { format!("lock ({:?})", lost.await) },
        &mut interrupts,
    )
    .await?;
    guard.release().await.map_err(recipe_failure)?;
    Ok(code)
}

/// Acquires `mutex`, within `wait` when given (`not_acquired` is the failure when it runs
/// out); `Err` carries the exit code of one of `interrupts` that comes first. Dropping the
/// acquisition deletes its node.
pub(crate) async fn acquire(
    mutex: &Mutex,
    wait: Option<Duration>,
    interrupts: &mut Interrupts,
    not_acquired: impl FnOnce(Duration) -> Failure,
) -> Result<Result<MutexGuard, u8>, Failure> {
    let acquire = async {
        match wait {
            Some(wait) => mutex
                .acquire_timeout(wait)
                .await
                .map_err(recipe_failure)?
                .ok_or_else(|| not_acquired(wait)),
            None => mutex.acquire().await.map_err(recipe_failure),
        }
    };
    tokio::select! {
        guard = acquire => guard.map(Ok),
        signal = interrupts.recv() => Ok(Err(interrupt::exit_code(signal))),
    }
}

/// Runs `command` (or, when empty, prints `node` and holds until a signal) until it ends,
/// `lost` resolves with what was lost, or one of `interrupts` arrives. A lost lock stops the
/// command and exits with [`exit::LOCK_LOST`]; a signal stops it and exits with 128 + the
/// signal (0 without a command, where a signal is the way to let go).
pub(crate) async fn run_while(
    command: &[String],
    node: &str,
    lost: impl Future<Output = String>,
    interrupts: &mut Interrupts,
) -> Result<u8, Failure> {
    let lost_failure =
        |what: String| Failure::Message(exit::LOCK_LOST, format!("the {what} may have been lost"));
    let Some((program, args)) = command.split_first() else {
        crate::format::line(node)?;
        return tokio::select! {
            _ = interrupts.recv() => Ok(exit::OK),
            what = lost => Err(lost_failure(what)),
        };
    };
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            let code = if e.kind() == std::io::ErrorKind::NotFound {
                exit::COMMAND_NOT_FOUND
            } else {
                exit::COMMAND_NOT_RUN
            };
            Failure::Message(code, format!("cannot run {program}: {e}"))
        })?;
    tokio::select! {
        status = child.wait() => {
            let status = status.map_err(|e| Failure::Message(exit::GENERIC, format!("waiting for {program}: {e}")))?;
            Ok(exit_code(status))
        }
        what = lost => {
            interrupts.stop(&mut child).await;
            Err(lost_failure(what))
        }
        signal = interrupts.recv() => {
            interrupts.stop(&mut child).await;
            Ok(interrupt::exit_code(signal))
        }
    }
}

/// The command's exit code, or 128 + the signal that ended it (as shells report it).
fn exit_code(status: std::process::ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => u8::try_from(code & 0xff).unwrap_or(exit::GENERIC),
        (None, Some(signal)) => u8::try_from((128 + signal) & 0xff).unwrap_or(exit::GENERIC),
        (None, None) => exit::GENERIC,
    }
}
