//! Following the ensemble by itself ([`crate::ClientBuilder::follow_ensemble`], Curator's
//! `EnsembleTracker`): a task reads [`CONFIG_NODE`] with a watch, and each newer configuration
//! becomes the client's server list through [`Client::update_server_list`] (so clients
//! rebalance, never stampede). Every member with a client address is listed, observers too
//! (they serve clients, and Curator lists them as well); with TLS, the secure client
//! addresses. The chroot and the TLS choice stay the client's own.

use std::sync::Weak;
use std::time::Duration;

use super::handle::{Client, Inner};
use crate::config::EnsembleConfig;
use crate::path::CONFIG_NODE;
use crate::session::state::SessionState;

/// The longest pause between attempts to read a configuration that failed.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Follows the configuration until the client is gone. Holds the client only while it
/// reads or applies a configuration, so that dropping the last handle still ends the
/// session. A watch that ends without a change (the old session expired and a new one
/// replaced it, or watches were not restored after a reconnect) leads to a new read, so
/// changes made meanwhile are seen.
pub(super) async fn follow(inner: Weak<Inner>, tls: bool) {
    let mut applied: Option<u64> = None;
    let mut backoff = Duration::from_millis(100);
    loop {
        if !wait_connected(&inner).await {
            return;
        }
        let Some(client) = upgrade(&inner) else {
            return;
        };
        let watcher = match client.get_config_and_watch().await {
            Ok((data, _, watcher)) => {
                backoff = Duration::from_millis(100);
                apply(&client, &data, tls, &mut applied).await;
                watcher
            }
            // A session that ended for good ends the wait for a connection above; an expired
            // one that is being re-created does not.
            Err(e) => {
                tracing::debug!(%e, "reading {CONFIG_NODE} failed; trying again");
                drop(client);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        drop(client);
        match watcher.changed().await {
            Ok(event) => tracing::debug!(?event, "the ensemble configuration watch fired"),
            Err(_) => return,
        }
    }
}

/// How long a read of the configuration may wait, holding the client: a client dropped
/// meanwhile closes its session at the latest this long after.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A handle whose requests time out after [`READ_TIMEOUT`], while the client lives.
fn upgrade(inner: &Weak<Inner>) -> Option<Client> {
    inner.upgrade().map(|inner| Client {
        inner,
        request_timeout: Some(READ_TIMEOUT),
    })
}

/// Waits until the session is connected; `false` when it has ended.
async fn wait_connected(inner: &Weak<Inner>) -> bool {
    let Some(mut state) = inner.upgrade().map(|i| i.state.clone()) else {
        return false;
    };
    let ended = |s: &SessionState| matches!(s, SessionState::AuthFailed | SessionState::Closed);
    let connected = match state.wait_for(|s| s.is_connected() || ended(s)).await {
        Ok(s) => s.is_connected(),
        Err(_) => false,
    };
    connected
}

/// Makes `data`'s client addresses the server list, if it is a newer configuration than the
/// last one applied and names any.
async fn apply(client: &Client, data: &[u8], tls: bool, applied: &mut Option<u64>) {
    let config = match EnsembleConfig::parse_bytes(data) {
        Ok(config) => config,
        Err(e) => {
            tracing::warn!(%e, "ignoring an ensemble configuration that does not parse");
            return;
        }
    };
    let Some(list) = server_list(&config, tls, *applied) else {
        return;
    };
    match client.update_server_list(&list).await {
        Ok(moved) => {
            tracing::info!(servers = %list, version = ?config.version, moved, "following the ensemble");
            *applied = config.version;
        }
        Err(e) => tracing::warn!(%e, servers = %list, "updating the server list failed"),
    }
}

/// The server list to switch to for `config`: `None` when it is not newer than `applied`
/// or names no client address (a standalone server's empty configuration).
fn server_list(config: &EnsembleConfig, tls: bool, applied: Option<u64>) -> Option<String> {
    if let (Some(new), Some(old)) = (config.version, applied) {
        if new <= old {
            return None;
        }
    }
    let list = if tls {
        config.secure_connect_string()
    } else {
        config.connect_string()
    };
    (!list.is_empty()).then_some(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "server.1=a:1:2:participant;0.0.0.0:2181;0.0.0.0:2281\n\
                          server.2=b:1:2:observer;b:2182\n\
                          server.3=c:1:2:participant\n\
                          version=200000005";

    #[test]
    fn every_member_with_a_client_address_is_listed_observers_too() {
        let config = EnsembleConfig::parse(CONFIG).unwrap();
        assert_eq!(
            server_list(&config, false, None).as_deref(),
            Some("a:2181,b:2182")
        );
        assert_eq!(server_list(&config, true, None).as_deref(), Some("a:2281"));
    }

    #[test]
    fn only_newer_configurations_are_applied() {
        let config = EnsembleConfig::parse(CONFIG).unwrap();
        assert_eq!(server_list(&config, false, Some(0x200000005)), None);
        assert_eq!(server_list(&config, false, Some(0x300000000)), None);
        assert!(server_list(&config, false, Some(0x100000000)).is_some());
        let standalone = EnsembleConfig::parse("").unwrap();
        assert_eq!(server_list(&standalone, false, None), None);
    }
}
