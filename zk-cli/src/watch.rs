//! `watch`: prints watch events as JSON lines until a count is reached or the session ends.

use clap::Args;
use zk_client::{AddWatchMode, EventType, KeeperState, WatchedEvent};

use crate::connect::Session;
use crate::exit::{self, Failure};
use crate::format;

/// `watch`.
#[derive(Debug, Args)]
pub(crate) struct WatchArgs {
    /// Follow the node and its descendants with a tree cache (zk-recipes' TreeCache): one
    /// JSON line per node held at the start (`created`), `{"event":"state","state":"live"}`,
    /// then a line per change; missed changes after a reconnect come as lines too.
    #[arg(long, conflicts_with_all = ["persistent", "recursive", "children"])]
    pub(crate) tree: bool,
    /// With --tree: keep and print stats only, not data.
    #[arg(long, requires = "tree")]
    pub(crate) no_data: bool,
    /// A persistent watch on the node (data, children, creation, deletion) instead of a
    /// one-shot data watch.
    #[arg(long, conflicts_with_all = ["recursive", "children"])]
    persistent: bool,
    /// A persistent watch on the node and all its descendants (every event but child-list
    /// changes, which are implied by creations and deletions).
    #[arg(long, conflicts_with = "children")]
    recursive: bool,
    /// A one-shot watch on the node's child list instead of its data.
    #[arg(long)]
    children: bool,
    /// Stop after N events. Default: 1 for one-shot watches (re-armed after each event
    /// when N > 1; changes between an event and the re-arm are not reported), unlimited for
    /// --persistent / --recursive / --tree (where N counts the changes after the initial
    /// contents).
    #[arg(short = 'n', long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) count: Option<u64>,
    /// The node's path (it need not exist, except with --children).
    pub(crate) path: String,
}

/// What a session event at the end of a watch means for the exit code.
fn session_end(e: &WatchedEvent) -> Option<Failure> {
    if e.event_type != EventType::None {
        return None;
    }
    let (code, why) = match e.state {
        KeeperState::Expired => (exit::EXPIRED, "the session expired"),
        KeeperState::AuthFailed => (exit::NO_AUTH, "authentication failed"),
        KeeperState::Closed => (exit::CONNECTION, "the session was closed"),
        _ => return None,
    };
    Some(Failure::Message(code, why.into()))
}

/// Runs the watch.
pub(crate) async fn run(s: &Session, a: &WatchArgs) -> Result<u8, Failure> {
    if a.tree {
        let tree = crate::watch_tree::TreeArgs {
            path: &a.path,
            no_data: a.no_data,
            count: a.count,
        };
        return crate::watch_tree::run(s, &tree).await;
    }
    let mode = if a.recursive {
        Some(AddWatchMode::PersistentRecursive)
    } else if a.persistent {
        Some(AddWatchMode::Persistent)
    } else {
        None
    };
    match mode {
        Some(mode) => {
            let mut watcher = s.call(s.client.add_watch(&a.path, mode)).await?;
            let mut seen = 0;
            while a.count.is_none_or(|n| seen < n) {
                let Some(event) = watcher.next().await else {
                    return Err(Failure::Message(
                        exit::CONNECTION,
                        "the watch ended: the session is over".into(),
                    ));
                };
                format::line(&format::event_json(&event))?;
                if let Some(end) = session_end(&event) {
                    return Err(end);
                }
                seen += 1;
            }
        }
        None => {
            let count = a.count.unwrap_or(1);
            for _ in 0..count {
                let watcher = if a.children {
                    s.call(s.client.get_children_and_watch(&a.path)).await?.1
                } else {
                    s.call(s.client.exists_and_watch(&a.path)).await?.1
                };
                let event = watcher.changed().await?;
                format::line(&format::event_json(&event))?;
                if let Some(end) = session_end(&event) {
                    return Err(end);
                }
            }
        }
    }
    Ok(exit::OK)
}
