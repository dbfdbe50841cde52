//! `update_server_list` on a real three-server ensemble: clients move only as many as even
//! the load, keep their sessions and watches, and leave a server taken out of the list.
use crate::support;

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::timeout;
use zk_client::{Client, CreateOptions, EventType, SessionEvent};
use zk_testkit::{Ensemble, EnsembleOptions};

fn address(ens: &Ensemble, id: u32) -> String {
    format!("127.0.0.1:{}", ens.client_port(id))
}

async fn connect(connect_string: &str) -> Client {
    Client::builder()
        .session_timeout(Duration::from_secs(20))
        .connect(connect_string)
        .await
        .unwrap_or_else(|e| panic!("connecting to {connect_string}: {e}"))
}

/// Updates `zk`'s server list; when it moves, waits for its next connection and returns the
/// server (as written in the connect string) it connected to.
async fn update(zk: &Client, list: &str) -> Option<String> {
    let mut events = zk.session_events();
    let session = zk.session().map(|s| s.id);
    if !zk.update_server_list(list).await.unwrap() {
        return None;
    }
    let (event, _) = support::wait_event(&mut events, "a new connection", |e| {
        matches!(e, SessionEvent::Connected { .. })
    })
    .await;
    let SessionEvent::Connected { server, .. } = event else {
        unreachable!("matched above");
    };
    assert_eq!(zk.session().map(|s| s.id), session, "the session is kept");
    Some(server)
}

#[tokio::test]
async fn adding_servers_moves_a_fair_share_of_clients() {
    let ens = Ensemble::start(EnsembleOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let one = address(&ens, 1);
    let all = (1..=3).map(|id| address(&ens, id)).collect::<Vec<_>>();
    let mut clients = Vec::new();
    for _ in 0..24 {
        clients.push(connect(&one).await);
    }
    let watcher = &clients[0];
    watcher
        .create("/rebalanced", b"".to_vec(), &CreateOptions::persistent())
        .await
        .unwrap();
    let (_, _, changed) = watcher.get_data_and_watch("/rebalanced").await.unwrap();

    let mut landed: BTreeMap<String, usize> = BTreeMap::new();
    for zk in &clients {
        let server = update(zk, &all.join(","))
            .await
            .unwrap_or_else(|| one.clone());
        *landed.entry(server).or_default() += 1;
    }
    // Each server expects 8 of the 24; about 16 move. All staying or all moving is a bug,
    // and a server with no client is (2/3)^24 unlikely for an even spread.
    assert_eq!(landed.len(), 3, "{landed:?}");
    assert!(landed[&one] < 20, "{landed:?}");
    for zk in &clients {
        assert!(zk.exists("/rebalanced").await.unwrap().is_some());
    }
    // The watch survived the move, if there was one.
    clients[1]
        .set_data("/rebalanced", b"x".to_vec(), None)
        .await
        .unwrap();
    let e = timeout(support::WAIT, changed.changed())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.event_type, EventType::NodeDataChanged);
}

#[tokio::test]
async fn a_server_left_out_of_the_list_loses_its_clients() {
    let ens = Ensemble::start(EnsembleOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let first = address(&ens, 1);
    let rest = [address(&ens, 2), address(&ens, 3)];
    let on_first = connect(&first).await;
    let list = rest.join(",");
    let on_second = connect(&list).await;
    let moved_to = update(&on_first, &list).await;
    assert!(
        moved_to.as_ref().is_some_and(|s| rest.contains(s)),
        "{moved_to:?}"
    );
    // A client whose server stays in a list that does not grow stays (from 2 to 1 would
    // move it with probability 1/2).
    assert_eq!(update(&on_second, &list).await, None);
    let err = on_second
        .update_server_list(&format!("{list}/other"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, zk_client::Error::InvalidArgument(_)),
        "{err:?}"
    );
}
