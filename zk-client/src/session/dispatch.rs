//! Dispatch: commands from the handles become frames and pending entries; frames from the
//! server become replies to their requests, watch notifications, and changes to the watch
//! registry.

use bytes::BytesMut;
use tokio::time::Instant;
use zk_records::proto::{AddWatchRequest, RemoveWatchesRequest};
use zk_records::{ErrorCode, EventType, KeeperState, OpCode, Request, WatcherType};

use super::coalesce::Coalesce;
use super::core::{End, Session};
use super::outgoing::Outgoing;
use super::pipeline::{self, Incoming, Notification, Pending, PendingQueue};
use super::removals::Unneeded;
use super::rewatch;
use super::state::SessionState;
use crate::error::Error;
use crate::message::{Command, Effect};
use crate::watch::{WatchKind, WatchedEvent};

/// Most `removeWatches` for dropped watchers in flight at once: the rest wait (see
/// [`super::removals::DeferredRemovals`]), so a close or a request never queues behind more.
const REMOVALS_IN_FLIGHT: usize = 64;

/// Whether a request in flight sets a watch that removing `unneeded` would take away: the
/// watcher waiting for it is registered only when its reply comes, and the server, which
/// reads the `removeWatches` after that request, would remove the watch it just set. The
/// server keeps the older watch instead; if it fires, no watcher takes the event.
fn being_set(pending: &PendingQueue, unneeded: &Unneeded) -> bool {
    pending.requests.iter().any(|p| match &p.effect {
        Effect::Register { registration, .. } => {
            *registration.path == *unneeded.path
                && (unneeded.kind == WatcherType::Any
                    || registration.kind.server_type() == unneeded.kind)
        }
        _ => false,
    })
}

/// The xid of the frame at the start of `buf` (past its 4-byte length prefix), when the
/// bytes are there.
fn frame_xid(buf: &[u8]) -> Option<i32> {
    let xid = buf.get(4..8)?;
    Some(i32::from_be_bytes([xid[0], xid[1], xid[2], xid[3]]))
}

impl Session {
    /// Handles a command while connected.
    pub(super) fn command(&mut self, cmd: Command, out: &mut Outgoing, pending: &mut PendingQueue) {
        match cmd {
            Command::Call(r) => {
                if self.closing {
                    let _ = r.reply.send(Err(Error::Closed));
                    return;
                }
                if r.reply.is_closed() {
                    // Its caller gave up (timed out) before it could be sent: never send it.
                    return;
                }
                if let Effect::Register { registration, .. } = &r.effect {
                    self.removals.cancel(&registration.path);
                }
                let restore = self.restore_behind(&r.effect);
                let xid = self.next_xid();
                let end = pipeline::encode_request_body(out, xid, r.op, &r.body);
                pending.requests.push_back(Pending {
                    xid,
                    op: r.op,
                    end,
                    reply: Some(r.reply),
                    effect: r.effect,
                });
                if let Some(request) = restore {
                    self.send_internal(out, pending, &request);
                }
            }
            Command::Auth {
                scheme,
                auth,
                reply,
            } => {
                if self.closing {
                    let _ = reply.send(Err(Error::Closed));
                    return;
                }
                let end = pipeline::encode_auth(out, &scheme, &auth);
                pending.auths.push_back((end, Some(reply)));
                self.auths.push((scheme, auth));
            }
            Command::DropWatcher(id, path) => {
                if let Some(unneeded) = self.registry.remove(id, &path) {
                    if !being_set(pending, &unneeded) {
                        self.removals.push(unneeded);
                    }
                }
            }
            Command::UpdateHosts { hosts, reply } => {
                let _ = reply.send(self.update_hosts(hosts));
            }
            Command::RemoveLocal {
                path,
                kind,
                client_path,
                reply,
            } => {
                let removed =
                    self.registry
                        .remove_all(&path, kind, &client_path, KeeperState::SyncConnected);
                // The server may hold the watch again (a reconnect re-registered it before
                // this came): ask for its removal too, like a dropped watcher's, unless a
                // persistent watch on the path needs that side of it.
                let needed =
                    removed_side(kind).and_then(|side| self.registry.restore_after(&path, side));
                if removed && needed.is_none() {
                    self.removals.push(Unneeded { path, kind });
                }
                let _ = reply.send(removed);
            }
            // The closes channel is read where a close can act on the connection.
            Command::CloseQueued => {}
        }
    }

    /// The `addWatch` to send right behind a request with `effect`, which sets or removes a
    /// one-shot watch on a path with a persistent watch. A server before 3.9 keeps one watch
    /// mode per session and path, the last set (ZOOKEEPER-4466): a one-shot watch set there
    /// turns the persistent watch into a one-shot one, and a `removeWatches` of type `Data`
    /// or `Children` removes that side of it. Asking for the persistent watch again gives it
    /// back; one-shot watchers on the path are served by its events (newer servers keep
    /// both watches, and the request changes nothing there).
    fn restore_behind(&self, effect: &Effect) -> Option<AddWatchRequest> {
        let (path, kind) = match effect {
            Effect::Register { registration, .. } => (&*registration.path, registration.kind),
            Effect::RemoveAll { path, kind, .. } => (path.as_str(), removed_side(*kind)?),
            Effect::None => return None,
        };
        let mode = self.registry.restore_after(path, kind)?;
        Some(AddWatchRequest {
            path: path.to_owned().into(),
            mode: mode.code(),
        })
    }

    /// Sends the deferred `removeWatches`, as many as keep [`REMOVALS_IN_FLIGHT`] in flight.
    pub(super) fn flush_removals(&mut self, out: &mut Outgoing, pending: &mut PendingQueue) {
        while self.removals_in_flight < REMOVALS_IN_FLIGHT {
            let Some(unneeded) = self.removals.pop() else {
                return;
            };
            let request = RemoveWatchesRequest {
                path: unneeded.path.into(),
                r#type: unneeded.kind.into(),
            };
            self.send_internal(out, pending, &request);
            self.removals_in_flight += 1;
        }
    }

    /// Queues `closeSession` and starts the close timeout; returns the close deadline.
    pub(super) fn send_close(&mut self, out: &mut Outgoing, pending: &mut PendingQueue) -> Instant {
        let deadline = self.start_closing();
        let xid = self.next_xid();
        let end = pipeline::encode_header_only(out, xid, OpCode::CloseSession);
        pending.requests.push_back(Pending {
            xid,
            op: OpCode::CloseSession,
            end,
            reply: None,
            effect: Effect::None,
        });
        deadline
    }

    /// Queues a request whose reply nobody waits for.
    fn send_internal<R: Request>(
        &mut self,
        out: &mut Outgoing,
        pending: &mut PendingQueue,
        record: &R,
    ) {
        let xid = self.next_xid();
        let end = pipeline::encode_record(out, xid, record);
        pending.requests.push_back(Pending {
            xid,
            op: R::OP,
            end,
            reply: None,
            effect: Effect::None,
        });
    }

    /// Re-registers every watch, relative to the last zxid seen, in batches that stay far
    /// below the server's frame limit (`SetWatches`, or `SetWatches2` for batches with
    /// persistent watches). The server fires at once the watches whose nodes changed after
    /// that zxid.
    pub(super) fn encode_set_watches(&mut self, out: &mut Outgoing) {
        if self.registry.is_empty() {
            return;
        }
        let batches = rewatch::batches(
            self.registry.watched_paths(),
            self.last_zxid,
            rewatch::SET_WATCHES_MAX_LENGTH,
        );
        tracing::debug!(batches = batches.len(), "re-registering watches");
        for batch in batches {
            match batch {
                rewatch::Batch::V1(record) => {
                    pipeline::encode_record(out, pipeline::SET_WATCHES_XID, &record);
                }
                rewatch::Batch::V2(record) => {
                    pipeline::encode_record(out, pipeline::SET_WATCHES_XID, &record);
                }
            }
        }
    }

    /// Handles every complete frame in `rbuf`, telling `coalesce` each one's size.
    pub(super) fn frames(
        &mut self,
        rbuf: &mut BytesMut,
        pending: &mut PendingQueue,
        out: &mut Outgoing,
        coalesce: &mut Coalesce,
    ) -> Option<End> {
        loop {
            let frame = match jute::frame::split_frame(rbuf, self.config.max_frame_len) {
                Ok(Some(frame)) => {
                    coalesce.observe(frame.len() + 4);
                    frame.freeze()
                }
                Ok(None) => return None,
                Err(e) => {
                    let culprit = frame_xid(rbuf);
                    return Some(self.protocol_error(pending, culprit, format!("bad frame: {e}")));
                }
            };
            let incoming = match pipeline::parse_reply(frame) {
                Ok(i) => i,
                // A header cut short or a garbled notification: no request's reply for sure,
                // so every pending request fails with `ConnectionLoss`.
                Err(e) => return Some(self.protocol_error(pending, None, e)),
            };
            if let Some(end) = self.incoming(incoming, pending, out) {
                return Some(end);
            }
        }
    }

    /// Resets the connection after the server broke the protocol. The oldest pending request
    /// fails with [`Error::Protocol`] when the faulty frame is its reply (`culprit`, its xid):
    /// the reply that could not be read. Every other written request fails with
    /// `ConnectionLoss` as the connection ends, since the server may have applied it (Java's
    /// client fails them all with `CONNECTIONLOSS`).
    fn protocol_error(
        &mut self,
        pending: &mut PendingQueue,
        culprit: Option<i32>,
        reason: String,
    ) -> End {
        tracing::error!(%reason, "protocol error; resetting the connection");
        if culprit.is_some() && pending.requests.front().map(|p| p.xid) == culprit {
            if let Some(Pending {
                reply: Some(tx), ..
            }) = pending.requests.pop_front()
            {
                let _ = tx.send(Err(Error::Protocol(reason.clone())));
            }
        }
        End::Disconnected(format!("protocol error: {reason}"))
    }

    fn incoming(
        &mut self,
        incoming: Incoming,
        pending: &mut PendingQueue,
        out: &mut Outgoing,
    ) -> Option<End> {
        match incoming {
            Incoming::Notification(event) => {
                self.notification(event);
                None
            }
            Incoming::Ping => None,
            Incoming::Auth { err } => {
                let waiter = pending.auths.pop_front().and_then(|(_, waiter)| waiter);
                if err == ErrorCode::AuthFailed.code() {
                    let reason = "the server refused the credentials given to add_auth \
                                  (AUTHFAILED)";
                    if let Some(w) = waiter {
                        let _ = w.send(Err(Error::AuthFailed {
                            reason: reason.into(),
                        }));
                    }
                    tracing::warn!("authentication failed");
                    return Some(End::Terminal(self.auth_failed(reason.into())));
                }
                if let Some(w) = waiter {
                    let _ = w.send(if err == 0 {
                        Ok(())
                    } else {
                        Err(Error::from_server(err, ""))
                    });
                }
                None
            }
            Incoming::SetWatches { zxid, err } => {
                // Java's client takes the zxid of every reply in its pending queue, this one
                // included: the events it fired are at least that recent.
                if zxid > self.last_zxid {
                    self.last_zxid = zxid;
                }
                if err != 0 {
                    tracing::warn!(err, "setWatches failed");
                }
                None
            }
            Incoming::Reply(mut reply) => {
                let Some(p) = pending.requests.pop_front() else {
                    return Some(self.protocol_error(
                        pending,
                        None,
                        format!("reply with xid {} but no request is pending", reply.xid),
                    ));
                };
                if p.xid != reply.xid {
                    let expected = p.xid;
                    pending.requests.push_front(p);
                    // Replies come in order: this garbled one is the oldest request's.
                    return Some(self.protocol_error(
                        pending,
                        Some(expected),
                        format!(
                            "reply with xid {} but the oldest pending request has xid {expected}",
                            reply.xid
                        ),
                    ));
                }
                if reply.zxid > 0 {
                    self.last_zxid = reply.zxid;
                }
                if p.op == OpCode::RemoveWatches && p.reply.is_none() {
                    self.removals_in_flight = self.removals_in_flight.saturating_sub(1);
                }
                reply.err = self.apply_effect(p.effect, reply.err, out, pending);
                if p.op == OpCode::CloseSession {
                    self.close_confirmed = true;
                    return Some(End::Terminal(SessionState::Closed));
                }
                // `enforce.auth.enabled` and no accepted credentials: the server closes the
                // session after this reply, and every new connection would end the same way.
                let auth_required = reply.err == ErrorCode::SessionClosedRequireSaslAuth.code();
                if let Some(tx) = p.reply {
                    let _ = tx.send(Ok(reply));
                }
                if auth_required {
                    tracing::warn!("the server requires authentication and closed the session");
                    let reason = "the server requires authentication (enforce.auth.enabled) \
                                  and closed the session (SESSIONCLOSEDREQUIRESASLAUTH)";
                    return Some(End::Terminal(self.auth_failed(reason.into())));
                }
                None
            }
        }
    }

    /// Routes a watch notification to the watchers of its path.
    fn notification(&mut self, event: Notification) {
        let Ok(event_type) = EventType::try_from(event.r#type) else {
            tracing::warn!(r#type = event.r#type, "unknown watch event type; ignored");
            return;
        };
        let state = KeeperState::try_from(event.state).unwrap_or(KeeperState::SyncConnected);
        // The configuration node is outside every chroot: `strip` leaves its path as it is.
        let client_path = self.config.chroot.strip(&event.path).into_owned();
        tracing::debug!(?event_type, path = %client_path, "watch event");
        self.registry.dispatch(
            &event.path,
            &WatchedEvent {
                event_type,
                state,
                path: client_path,
                zxid: event.zxid,
            },
        );
    }

    /// Applies a reply's effect on the registry; returns the error code to answer with.
    fn apply_effect(
        &mut self,
        effect: Effect,
        err: i32,
        out: &mut Outgoing,
        pending: &mut PendingQueue,
    ) -> i32 {
        match effect {
            Effect::None => {}
            Effect::Register {
                mut registration,
                exists,
            } => {
                if err == 0 {
                    // An `exists` that found the node holds a data watch.
                } else if exists && err == ErrorCode::NoNode.code() {
                    registration.kind = WatchKind::Exist;
                } else {
                    return err;
                }
                let closed = registration.sink.is_closed();
                let (id, path) = (registration.id, registration.path.clone());
                self.registry.register(registration);
                if closed {
                    // The watcher was dropped while its request was in flight.
                    self.command(Command::DropWatcher(id, path), out, pending);
                }
            }
            Effect::RemoveAll {
                path,
                kind,
                client_path,
            } => {
                // No watcher of the kind here is `NoWatcher`, whatever the server removed,
                // as in Java's client (`ZKWatchManager.removeWatcher`).
                if err == 0
                    && !self.registry.remove_all(
                        &path,
                        kind,
                        &client_path,
                        KeeperState::SyncConnected,
                    )
                {
                    return ErrorCode::NoWatcher.code();
                }
            }
        }
        err
    }
}

/// The one-shot watch kind standing for the side (data or child) a `removeWatches` of type
/// `kind` takes away on a server before 3.9; `None` for `Any`, which takes both.
fn removed_side(kind: WatcherType) -> Option<WatchKind> {
    match kind {
        WatcherType::Data => Some(WatchKind::Data),
        WatcherType::Children => Some(WatchKind::Child),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_set_watches_reply_advances_the_last_zxid() {
        let mut s = super::super::core::test_session(1, Duration::from_secs(10));
        let mut pending = PendingQueue::default();
        let mut out = Outgoing::with_capacity(64);
        s.last_zxid = 0x1_0000_0005;
        let reply = Incoming::SetWatches {
            zxid: 0x1_0000_0009,
            err: 0,
        };
        assert!(s.incoming(reply, &mut pending, &mut out).is_none());
        assert_eq!(s.last_zxid, 0x1_0000_0009);
        // An older zxid (a lagging server) never moves it back.
        let older = Incoming::SetWatches {
            zxid: 0x1_0000_0001,
            err: 0,
        };
        assert!(s.incoming(older, &mut pending, &mut out).is_none());
        assert_eq!(s.last_zxid, 0x1_0000_0009);
    }
}
