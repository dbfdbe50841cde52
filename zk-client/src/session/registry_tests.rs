//! Tests of the watch registry: routing, removal, re-registration lists, persistent watches
//! beside one-shot ones.

use super::*;
use crate::watch_slots::{SlotReceiver, Slots};
use tokio::sync::mpsc;

fn ev(t: EventType, path: &str) -> WatchedEvent {
    WatchedEvent {
        event_type: t,
        state: KeeperState::SyncConnected,
        path: path.into(),
        zxid: 1,
    }
}

fn oneshot_reg(reg: &mut Registry, id: u64, path: &str, kind: WatchKind) -> Rx {
    let (tx, rx) = std::sync::Arc::new(Slots::default()).open();
    reg.register(Registration {
        id,
        path: path.into(),
        kind,
        sink: Sink::Oneshot(Some(tx)),
    });
    Rx(rx)
}

/// A one-shot watcher's receiving end, read without waiting.
struct Rx(SlotReceiver);

impl Rx {
    fn try_recv(&mut self) -> Result<WatchedEvent, ()> {
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match self.0.poll_event(&mut cx) {
            std::task::Poll::Ready(r) => r,
            std::task::Poll::Pending => Err(()),
        }
    }
}

fn stream_reg(
    reg: &mut Registry,
    id: u64,
    path: &str,
    kind: WatchKind,
) -> mpsc::UnboundedReceiver<WatchedEvent> {
    let (tx, rx) = mpsc::unbounded_channel();
    reg.register(Registration {
        id,
        path: path.into(),
        kind,
        sink: Sink::Stream(tx),
    });
    rx
}

#[test]
fn oneshot_fires_once_for_every_watcher_on_the_path() {
    let mut reg = Registry::default();
    let mut a = oneshot_reg(&mut reg, 1, "/a", WatchKind::Data);
    let mut b = oneshot_reg(&mut reg, 2, "/a", WatchKind::Data);
    let mut c = oneshot_reg(&mut reg, 3, "/a", WatchKind::Child);
    reg.dispatch("/a", &ev(EventType::NodeDataChanged, "/a"));
    assert_eq!(a.try_recv().unwrap().event_type, EventType::NodeDataChanged);
    assert_eq!(b.try_recv().unwrap().event_type, EventType::NodeDataChanged);
    assert!(
        c.try_recv().is_err(),
        "child watch not fired by a data change"
    );
    reg.dispatch("/a", &ev(EventType::NodeDeleted, "/a"));
    assert_eq!(c.try_recv().unwrap().event_type, EventType::NodeDeleted);
    assert!(reg.is_empty());
}

#[test]
fn a_persistent_watch_whose_receiver_is_gone_waits_for_its_drop() {
    let mut reg = Registry::default();
    drop(stream_reg(&mut reg, 1, "/p", WatchKind::Persistent));
    // The event comes between the receiver's drop and the handle's `DropWatcher`.
    reg.dispatch("/p", &ev(EventType::NodeDataChanged, "/p"));
    assert_eq!(
        reg.remove(1, "/p"),
        Some(Unneeded {
            path: "/p".into(),
            kind: WatcherType::Any
        })
    );
    assert!(reg.is_empty());
}

#[test]
fn persistent_and_recursive_routing() {
    let mut reg = Registry::default();
    let mut p = stream_reg(&mut reg, 1, "/a", WatchKind::Persistent);
    let mut r = stream_reg(&mut reg, 2, "/", WatchKind::PersistentRecursive);
    reg.dispatch("/a", &ev(EventType::NodeChildrenChanged, "/a"));
    reg.dispatch("/a/b", &ev(EventType::NodeCreated, "/a/b"));
    reg.dispatch("/a", &ev(EventType::NodeDataChanged, "/a"));
    assert_eq!(
        p.try_recv().unwrap().event_type,
        EventType::NodeChildrenChanged
    );
    assert_eq!(p.try_recv().unwrap().event_type, EventType::NodeDataChanged);
    assert!(p.try_recv().is_err());
    let got: Vec<_> = std::iter::from_fn(|| r.try_recv().ok()).collect();
    assert_eq!(
        got,
        [
            ev(EventType::NodeCreated, "/a/b"),
            ev(EventType::NodeDataChanged, "/a")
        ]
    );
    assert!(!reg.is_empty(), "persistent watches stay");
}

#[test]
fn a_recursive_watch_gets_an_event_once_at_its_own_path_and_below() {
    let mut reg = Registry::default();
    let mut root = stream_reg(&mut reg, 1, "/", WatchKind::PersistentRecursive);
    let mut a = stream_reg(&mut reg, 2, "/a", WatchKind::PersistentRecursive);
    reg.dispatch("/", &ev(EventType::NodeDataChanged, "/"));
    reg.dispatch("/a", &ev(EventType::NodeDataChanged, "/a"));
    reg.dispatch("/a/b", &ev(EventType::NodeCreated, "/a/b"));
    let got: Vec<_> = std::iter::from_fn(|| root.try_recv().ok()).collect();
    assert_eq!(
        got,
        [
            ev(EventType::NodeDataChanged, "/"),
            ev(EventType::NodeDataChanged, "/a"),
            ev(EventType::NodeCreated, "/a/b")
        ]
    );
    let got: Vec<_> = std::iter::from_fn(|| a.try_recv().ok()).collect();
    assert_eq!(
        got,
        [
            ev(EventType::NodeDataChanged, "/a"),
            ev(EventType::NodeCreated, "/a/b")
        ]
    );
}

#[test]
fn removal_reports_unneeded_server_watches() {
    let mut reg = Registry::default();
    let _a = oneshot_reg(&mut reg, 1, "/a", WatchKind::Data);
    let _b = oneshot_reg(&mut reg, 2, "/a", WatchKind::Exist);
    let _c = oneshot_reg(&mut reg, 3, "/a", WatchKind::Child);
    assert_eq!(
        reg.remove(1, "/a"),
        None,
        "the exists watch still needs the data watch"
    );
    assert_eq!(
        reg.remove(2, "/a"),
        Some(Unneeded {
            path: "/a".into(),
            kind: WatcherType::Data
        })
    );
    assert_eq!(reg.remove(2, "/a"), None, "already gone");
    assert!(reg.remove(3, "/a").is_some());
    assert!(reg.is_empty());
}

#[test]
fn a_persistent_watch_on_the_path_keeps_a_dropped_one_shot_watch_on_the_server() {
    let mut reg = Registry::default();
    let _p = stream_reg(&mut reg, 1, "/p", WatchKind::Persistent);
    let _d = oneshot_reg(&mut reg, 2, "/p", WatchKind::Data);
    let _c = oneshot_reg(&mut reg, 3, "/p", WatchKind::Child);
    assert_eq!(
        reg.remove(2, "/p"),
        None,
        "the persistent watch is the data side"
    );
    assert_eq!(reg.remove(3, "/p"), None, "and the child side");
    let _r = stream_reg(&mut reg, 4, "/r", WatchKind::PersistentRecursive);
    let _e = oneshot_reg(&mut reg, 5, "/r", WatchKind::Exist);
    let _c = oneshot_reg(&mut reg, 6, "/r", WatchKind::Child);
    assert_eq!(reg.remove(5, "/r"), None);
    assert_eq!(
        reg.remove(6, "/r"),
        Some(Unneeded {
            path: "/r".into(),
            kind: WatcherType::Children
        }),
        "a recursive watch has no child events"
    );
}

#[test]
fn a_one_shot_watch_beside_a_persistent_one_restores_the_covering_mode() {
    use AddWatchMode as M;
    let mut reg = Registry::default();
    assert_eq!(reg.restore_after("/p", WatchKind::Data), None);
    let _p = stream_reg(&mut reg, 1, "/p", WatchKind::Persistent);
    assert_eq!(
        reg.restore_after("/p", WatchKind::Data),
        Some(M::Persistent)
    );
    assert_eq!(
        reg.restore_after("/p", WatchKind::Child),
        Some(M::Persistent)
    );
    let _r = stream_reg(&mut reg, 2, "/r", WatchKind::PersistentRecursive);
    assert_eq!(
        reg.restore_after("/r", WatchKind::Exist),
        Some(M::PersistentRecursive)
    );
    assert_eq!(reg.restore_after("/r", WatchKind::Child), None);
    let _pr = stream_reg(&mut reg, 3, "/p", WatchKind::PersistentRecursive);
    assert_eq!(
        reg.restore_after("/p", WatchKind::Data),
        Some(M::PersistentRecursive)
    );
    assert_eq!(reg.restore_after("/p", WatchKind::Child), None);
    assert_eq!(reg.restore_after("/p", WatchKind::Persistent), None);
}

#[test]
fn watched_paths_and_close_all() {
    let mut reg = Registry::default();
    let mut a = oneshot_reg(&mut reg, 1, "/a", WatchKind::Data);
    let _a2 = oneshot_reg(&mut reg, 2, "/a", WatchKind::Data);
    let _b = oneshot_reg(&mut reg, 3, "/b", WatchKind::Exist);
    let _c = stream_reg(&mut reg, 4, "/c", WatchKind::PersistentRecursive);
    let [data, exist, child, persistent, recursive] = reg.watched_paths();
    assert_eq!(data, ["/a"]);
    assert_eq!(exist, ["/b"]);
    assert!(child.is_empty() && persistent.is_empty());
    assert_eq!(recursive, ["/c"]);
    reg.close_all(KeeperState::Expired);
    assert_eq!(a.try_recv().unwrap().state, KeeperState::Expired);
    assert!(reg.is_empty());
}

#[test]
fn remove_all_notifies_removed_watchers() {
    let mut reg = Registry::default();
    let mut a = oneshot_reg(&mut reg, 1, "/a", WatchKind::Data);
    let mut c = oneshot_reg(&mut reg, 2, "/a", WatchKind::Child);
    reg.remove_all(
        "/a",
        WatcherType::Children,
        "/a",
        KeeperState::SyncConnected,
    );
    assert_eq!(
        c.try_recv().unwrap().event_type,
        EventType::ChildWatchRemoved
    );
    assert!(a.try_recv().is_err());
    // Removed without a server: told in the state `Disconnected`.
    reg.remove_all("/a", WatcherType::Any, "/a", KeeperState::Disconnected);
    let e = a.try_recv().unwrap();
    assert_eq!(
        (e.event_type, e.state),
        (EventType::DataWatchRemoved, KeeperState::Disconnected)
    );
    assert!(reg.is_empty());
}
