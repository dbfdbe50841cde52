//! `watch --tree`: follows a subtree with zk-recipes' TreeCache and prints its contents, then
//! every change, as JSON lines; a reconnect resynchronises instead of ending the command.

use zk_recipes::{CacheEvent, CacheState, CachedNode, TreeCache};

use crate::connect::Session;
use crate::exit::{self, Failure};
use crate::format;
use crate::lock::recipe_failure;

/// What `watch --tree` is asked: the root, whether data is kept, when to stop.
pub(crate) struct TreeArgs<'a> {
    /// The root of the tree.
    pub(crate) path: &'a str,
    /// Stats only.
    pub(crate) no_data: bool,
    /// Stop after this many changes after the initial contents.
    pub(crate) count: Option<u64>,
}

/// Runs `watch --tree`.
pub(crate) async fn run(s: &Session, a: &TreeArgs<'_>) -> Result<u8, Failure> {
    let cache = TreeCache::new(s.client.clone(), a.path)
        .map_err(recipe_failure)?
        .data(!a.no_data)
        .start();
    // Subscribed once live, the stream starts with the whole contents in path order.
    cache.wait_live().await.map_err(recipe_failure)?;
    let mut events = cache.events();
    let mut live = false;
    let mut changes = 0;
    while a.count.is_none_or(|n| changes < n) {
        let Some(event) = events.next().await else {
            break;
        };
        if live
            && matches!(
                event,
                CacheEvent::Created(_) | CacheEvent::Changed { .. } | CacheEvent::Deleted(_)
            )
        {
            changes += 1;
        }
        if event == CacheEvent::State(CacheState::Live) {
            live = true;
        }
        if event == CacheEvent::State(CacheState::Closed) {
            let failure = cache.failure();
            format::line(&event_json(&event))?;
            return Err(failure.map_or_else(
                || Failure::Message(exit::CONNECTION, "the cache closed".into()),
                recipe_failure,
            ));
        }
        format::line(&event_json(&event))?;
    }
    cache.close().await;
    Ok(exit::OK)
}

/// One event as a JSON object: `{"event":"created"|"changed"|"deleted","path",...}` with the
/// node's data (as `get -s` prints it) and stat, `{"event":"state","state":...}`, or
/// `{"event":"reset"}`.
fn event_json(event: &CacheEvent) -> String {
    match event {
        CacheEvent::Created(n) => node_json("created", n),
        CacheEvent::Changed { new, .. } => node_json("changed", new),
        CacheEvent::Deleted(n) => format!(
            "{{\"event\":\"deleted\",\"path\":{}}}",
            format::json_str(&n.path)
        ),
        CacheEvent::State(state) => format!("{{\"event\":\"state\",\"state\":\"{state}\"}}"),
        CacheEvent::Reset => "{\"event\":\"reset\"}".into(),
    }
}

fn node_json(kind: &str, n: &CachedNode) -> String {
    let path = format::json_str(&n.path);
    match &n.data {
        // `{"data":...,"stat":...}` without its braces, after the event and path.
        Some(data) => {
            let body = format::data_and_stat_json(data, &n.stat);
            format!("{{\"event\":\"{kind}\",\"path\":{path},{}", &body[1..])
        }
        None => format!(
            "{{\"event\":\"{kind}\",\"path\":{path},\"stat\":{}}}",
            format::stat_json(&n.stat)
        ),
    }
}
