//! `elect`: joins a leader election (zk-recipes' LeaderLatch, Curator's layout) and runs a
//! command while leading, like `etcdctl elect`; or, with `--listen`, prints each change of
//! leader as a JSON line.

use std::time::Duration;

use clap::Args;
use tokio::sync::watch;
use zk_recipes::{Layout, LeaderLatch, LeaderSelector, Leadership, LossPolicy, Mutex, Participant};

use crate::connect::Session;
use crate::exit::{self, Failure};
use crate::format;
use crate::interrupt::{self, Interrupts};
use crate::lock::{acquire, recipe_failure, run_while, LayoutArg};

/// `elect`.
#[derive(Debug, Args)]
pub(crate) struct ElectArgs {
    /// Print the leader (`{"leader":ID,"node":PATH}`, `null` when there is none) each time it
    /// changes, without taking part.
    #[arg(long, conflicts_with_all = ["proposal", "command"])]
    listen: bool,
    /// The election's node layout: Curator's LeaderLatch, or kazoo's Election (a kazoo Lock
    /// holding the id).
    #[arg(long, value_enum, default_value_t = LayoutArg::Curator)]
    layout: LayoutArg,
    /// Count leadership as lost only when the session expires, not as soon as the
    /// connection is suspended.
    #[arg(long)]
    lost_on_expiry: bool,
    /// Give up after waiting this long for leadership (exit code 13). Default: wait as long
    /// as it takes. (`zk --timeout`, before the command, bounds each request instead.)
    #[arg(
        long = "timeout",
        visible_alias = "wait",
        value_parser = crate::parse_duration,
        value_name = "DURATION",
        conflicts_with = "listen"
    )]
    wait: Option<Duration>,
    /// The election's path.
    path: String,
    /// This participant's id, as the others see it (default: `zk-<pid>`).
    proposal: Option<String>,
    /// The command to run while leading (after `--`). Without one, `zk` prints its node once
    /// leading and leads until interrupted (SIGINT, SIGTERM or SIGHUP).
    #[arg(last = true, value_name = "COMMAND")]
    command: Vec<String>,
}

/// Runs `elect`.
pub(crate) async fn run(s: &Session, a: &ElectArgs) -> Result<u8, Failure> {
    let id = a
        .proposal
        .clone()
        .unwrap_or_else(|| format!("zk-{}", std::process::id()));
    let policy = if a.lost_on_expiry {
        LossPolicy::OnExpiry
    } else {
        LossPolicy::OnSuspension
    };
    if a.layout == LayoutArg::Kazoo {
        let election = Election::Kazoo(
            LeaderSelector::new(s.client.clone(), &a.path, &id).map_err(recipe_failure)?,
        );
        if a.listen {
            return listen(s, &election, &a.path).await;
        }
        // kazoo's Election: a kazoo Lock whose node holds the id.
        let mutex = Mutex::new(s.client.clone(), &a.path)
            .map_err(recipe_failure)?
            .with_layout(Layout::Kazoo)
            .with_loss_policy(policy)
            .with_data(id.into_bytes());
        let mut interrupts = Interrupts::catch()?;
        let not_acquired = |wait| not_leading(&a.path, wait);
        let guard = match acquire(&mutex, a.wait, &mut interrupts, not_acquired).await? {
            Ok(guard) => guard,
            Err(code) => return Ok(code),
        };
        let lost = guard.lost();
        let code = run_while(
            &a.command,
            guard.node(),
            async move { format!("leadership ({:?})", lost.await) },
            &mut interrupts,
        )
        .await?;
        guard.release().await.map_err(recipe_failure)?;
        return Ok(code);
    }
    let latch = LeaderLatch::new(s.client.clone(), &a.path, &id)
        .map_err(recipe_failure)?
        .with_loss_policy(policy);
    if a.listen {
        return listen(s, &Election::Curator(latch), &a.path).await;
    }
    let mut interrupts = Interrupts::catch()?;
    let latch = latch.start().await.map_err(recipe_failure)?;
    let led = async {
        match a.wait {
            Some(wait) => tokio::time::timeout(wait, latch.wait_leadership())
                .await
                .map_err(|_| not_leading(&a.path, wait))?
                .map_err(recipe_failure),
            None => latch.wait_leadership().await.map_err(recipe_failure),
        }
    };
    let led = tokio::select! {
        led = led => led.map(|()| None),
        signal = interrupts.recv() => Ok(Some(interrupt::exit_code(signal))),
    };
    match led {
        Ok(None) => {}
        Ok(Some(code)) => {
            latch.close().await.map_err(recipe_failure)?;
            return Ok(code);
        }
        Err(failure) => {
            latch.close().await.map_err(recipe_failure)?;
            return Err(failure);
        }
    }
    let leadership = latch.leadership();
    let term = leadership.borrow().term;
    let result = run_while(
        &a.command,
        &latch.node(),
        lost(leadership, term),
        &mut interrupts,
    )
    .await;
    latch.close().await.map_err(recipe_failure)?;
    result
}

/// `--timeout` ran out before this participant led the election at `path`.
fn not_leading(path: &str, wait: Duration) -> Failure {
    Failure::Message(
        exit::NOT_ACQUIRED,
        format!("leadership of {path} not acquired within {wait:?}"),
    )
}

/// Whose election `--listen` follows.
enum Election {
    Curator(LeaderLatch),
    Kazoo(LeaderSelector),
}

impl Election {
    async fn participants(&self) -> Result<Vec<Participant>, zk_recipes::Error> {
        match self {
            Election::Curator(latch) => latch.participants().await,
            Election::Kazoo(selector) => selector.participants().await,
        }
    }
}

/// Resolves when the leadership of `term` ends.
async fn lost(mut leadership: watch::Receiver<Leadership>, term: u64) -> String {
    let _ = leadership
        .wait_for(|l| !l.is_leader || l.term != term)
        .await;
    "leadership".to_owned()
}

/// `--listen`: a JSON line per change of leader.
async fn listen(s: &Session, election: &Election, path: &str) -> Result<u8, Failure> {
    let mut last: Option<Option<(String, String)>> = None;
    loop {
        // Watch the path (it may not exist yet), then read the participants.
        let watcher = match s.client.get_children_and_watch(path).await {
            Ok((_, w)) => w,
            Err(zk_client::Error::NoNode { .. }) => s.client.exists_and_watch(path).await?.1,
            Err(e) => return Err(e.into()),
        };
        let leader = election
            .participants()
            .await
            .map_err(recipe_failure)?
            .into_iter()
            .next()
            .map(|p| (p.id, p.node));
        if last.as_ref() != Some(&leader) {
            let json = match &leader {
                Some((id, node)) => format!(
                    "{{\"leader\":{},\"node\":{}}}",
                    format::json_str(id),
                    format::json_str(node)
                ),
                None => "{\"leader\":null,\"node\":null}".to_owned(),
            };
            format::line(&json)?;
            last = Some(leader);
        }
        let event = watcher.changed().await?;
        if event.event_type == zk_client::EventType::None {
            return Err(Failure::Message(
                exit::EXPIRED,
                format!("the session ended ({:?})", event.state),
            ));
        }
    }
}
