//! The messages between the handles and the session: commands (requests, credentials,
//! dropped watchers), closes, encoded request bodies, what a reply does to the watch registry,
//! and the reply itself. Both sides depend on this module; it depends on neither.

use bytes::Bytes;
use tokio::sync::oneshot;
use zk_records::OpCode;

use crate::error::Error;
use crate::watch::Registration;

/// A message from a client handle (or a watcher) to the session.
#[derive(Debug)]
pub(crate) enum Command {
    /// An operation.
    Call(Call),
    /// `addAuth`.
    Auth {
        scheme: String,
        auth: Bytes,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    /// A watcher was dropped: its id and server-side path.
    DropWatcher(u64, crate::watch_path::WatchPath),
    /// A new server list (`updateServerList`); the reply says whether this client moves to
    /// another server to even the load.
    UpdateHosts {
        hosts: Vec<crate::connect_string::HostPort>,
        reply: oneshot::Sender<bool>,
    },
    /// `removeWatches` with Java's `local` flag, where the server could not be asked (or
    /// refused): remove the local watchers of `kind` on `path` now, connected or not. The reply
    /// says whether any was removed.
    RemoveLocal {
        path: String,
        kind: zk_records::WatcherType,
        client_path: String,
        reply: oneshot::Sender<bool>,
    },
    /// A close waits on the closes channel: wakes the session through the commands it is
    /// already reading (the closes channel is polled only while commands are held back).
    CloseQueued,
}

/// A close, on a channel of its own so that it overtakes every queued command: `None` when
/// the last client handle was dropped; otherwise the sender learns whether the server
/// confirmed the close (or the session had already ended).
pub(crate) type CloseWaiter = Option<oneshot::Sender<bool>>;

/// An encoded request record.
#[derive(Debug)]
pub(crate) enum Body {
    /// Up to [`SMALL_BODY`] bytes carried in the command itself (most requests: a path and a
    /// flag or two), copied into the connection's write buffer; no allocation.
    Small(SmallBody),
    /// Copied into the connection's write buffer (one allocation, one copy).
    Inline(Vec<u8>),
    /// Chunks from `Jute::encode_chunks`: those of at least `jute::SHARE_MIN_LEN` bytes (large
    /// node data) are written to the socket from the caller's `Bytes`, never copied.
    Chunks(Vec<Bytes>),
}

/// The largest request body carried inline in its command ([`Body::Small`]): a path of up to
/// ~90 bytes with a flag or a version. It makes every command this much larger, so it stays
/// small.
pub(crate) const SMALL_BODY: usize = 96;
const _: () = assert!(
    SMALL_BODY <= u8::MAX as usize,
    "SmallBody keeps its length in a u8"
);

/// A request body of at most [`SMALL_BODY`] bytes, stored in place.
pub(crate) struct SmallBody {
    len: u8,
    bytes: [u8; SMALL_BODY],
}

impl SmallBody {
    /// `record` encoded in place, if its `encoded_len` (`len`) fits. Relies on `encoded_len`
    /// being exact, as the `Jute` trait requires of every implementation (all records here are
    /// derived).
    pub(crate) fn encode<R: jute::Jute>(record: &R, len: usize) -> Option<Self> {
        debug_assert_eq!(len, record.encoded_len());
        if len > SMALL_BODY {
            return None;
        }
        let mut bytes = [0u8; SMALL_BODY];
        let mut unwritten = &mut bytes[..];
        record.encode(&mut unwritten);
        let len = (SMALL_BODY - unwritten.len()) as u8;
        Some(Self { len, bytes })
    }

    /// The encoded bytes.
    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl std::fmt::Debug for SmallBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SmallBody").field(&self.as_slice()).finish()
    }
}

impl Body {
    /// The encoded length.
    pub(crate) fn len(&self) -> usize {
        match self {
            Body::Small(body) => body.as_slice().len(),
            Body::Inline(bytes) => bytes.len(),
            Body::Chunks(chunks) => chunks.iter().map(Bytes::len).sum(),
        }
    }
}

/// An operation for the server.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) op: OpCode,
    /// The encoded request record (after the header).
    pub(crate) body: Body,
    pub(crate) reply: oneshot::Sender<Result<Reply, Error>>,
    /// What to do to the watch registry when the reply arrives.
    pub(crate) effect: Effect,
}

/// A change to the watch registry that depends on the reply.
#[derive(Debug)]
pub(crate) enum Effect {
    /// Nothing.
    None,
    /// Register the watch when the reply is OK (and for `exists`, also on `NONODE`, as an
    /// exist watch).
    Register {
        registration: Registration,
        exists: bool,
    },
    /// `removeWatches` succeeded: drop the local watchers of that type.
    RemoveAll {
        path: String,
        kind: zk_records::WatcherType,
        client_path: String,
    },
}

impl Effect {
    /// Registers `watch`, if any, when the reply allows it (`exists`: also on `NONODE`).
    pub(crate) fn watch(watch: Option<Registration>, exists: bool) -> Self {
        match watch {
            Some(registration) => Effect::Register {
                registration,
                exists,
            },
            None => Effect::None,
        }
    }
}

/// A reply to an ordinary request. `body` is empty unless `err` is 0, and shares the receive
/// buffer's allocation.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) xid: i32,
    pub(crate) zxid: i64,
    pub(crate) err: i32,
    pub(crate) body: Bytes,
}

#[cfg(test)]
mod tests {
    use super::{Body, SmallBody, SMALL_BODY};
    use zk_records::proto::GetDataRequest;

    fn request(path_len: usize) -> GetDataRequest {
        GetDataRequest {
            path: "/".repeat(path_len).into(),
            watch: true,
        }
    }

    #[test]
    fn small_bodies_are_the_record_bytes_up_to_the_limit() {
        use jute::Jute;
        // A GetDataRequest is a 4-byte length, the path and a 1-byte flag.
        for path_len in [0, 1, 19, SMALL_BODY - 5] {
            let r = request(path_len);
            let body = SmallBody::encode(&r, r.encoded_len()).expect("fits");
            assert_eq!(body.as_slice(), &jute::to_vec(&r)[..]);
            assert_eq!(Body::Small(body).len(), r.encoded_len());
        }
        let too_big = request(SMALL_BODY - 4);
        assert_eq!(too_big.encoded_len(), SMALL_BODY + 1);
        assert!(SmallBody::encode(&too_big, too_big.encoded_len()).is_none());
    }
}
