//! The session: one tokio task per client that alone owns the socket and the session's state.
//! It connects and reconnects, performs the handshake, writes queued requests in batches,
//! matches replies to requests, routes watch notifications, sends pings, and reports session
//! states and events.
//!
//! Session rules (the crate docs state them for users):
//! - requests that arrive while disconnected wait in the backlog and are sent after the
//!   reconnect; requests written to a connection that breaks fail with `ConnectionLoss` and are
//!   never sent again;
//! - no frame from any server for 4/3 of the negotiated session timeout means the session is
//!   expired (the side Curator takes; Java's client waits for a server's verdict), whatever the
//!   servers say later;
//! - `max(3, hosts)` consecutive handshakes closed without an answer, with a non-zero last
//!   zxid, are reported as `ServerBehind`;
//! - with re-creation on, an expired session is replaced by a new one (from zxid 0 when the
//!   servers were behind).
//!
//! The files, in the order a session runs through them: `lifecycle` (the connect loop,
//! expiry, the end), `offline` (waiting without a connection), `handshake` (and `sasl`, which
//! authenticates a fresh connection before anything else is sent), `connection` (the
//! driver of one connection), `dispatch` (commands out, frames in). `core` holds the state they
//! share; `transport` opens the streams a connection runs on (plaintext TCP or TLS) and
//! explains failed TLS handshakes; `pipeline`, `outgoing`, `rewatch`, `ro_probe`,
//! `four_letter`, `hosts` and `registry` are the pure parts they use.

mod coalesce;
mod connection;
mod core;
mod dispatch;
pub(crate) mod events;
mod four_letter;
mod handshake;
pub(crate) mod hosts;
mod lifecycle;
mod offline;
mod outgoing;
pub(crate) mod pipeline;
mod registry;
mod removals;
mod rewatch;
mod ro_probe;
mod sasl;
pub(crate) mod state;
mod transport;

pub(crate) use self::core::{Config, Session};
pub(crate) use self::four_letter::{exchange as four_letter_exchange, NoAnswer};
pub(crate) use self::transport::Connector;
