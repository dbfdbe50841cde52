//! An async Apache ZooKeeper client on tokio, built on the records generated into `zk-records`.
//!
//! One session task per client owns the socket: it connects (and reconnects, trying the servers of the
//! connect string round-robin), writes queued requests in batches, matches each reply to the
//! oldest pending request, routes watch notifications and keeps the session alive with pings.
//! Handles ([`Client`]) are cheap to clone and send requests to it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), zk_client::Error> {
//! use zk_client::{Client, CreateOptions};
//!
//! let client = Client::connect("127.0.0.1:2181/app").await?;
//! client.create("/config", b"v1".to_vec(), &CreateOptions::persistent()).await?;
//! let (data, stat, watcher) = client.get_data_and_watch("/config").await?;
//! assert_eq!(&data[..], b"v1");
//! client.set_data("/config", b"v2".to_vec(), Some(stat.version)).await?;
//! let event = watcher.changed().await?;
//! assert_eq!(event.path, "/config");
//! # Ok(()) }
//! ```
//!
//! The pattern under service discovery (`zk-recipes` builds Apache Curator's x-discovery on
//! it; `cargo xtask quickstart` runs that): an ephemeral sequential node per instance, and a
//! persistent recursive watch on the directory.
//!
//! ```no_run
//! # async fn demo() -> Result<(), zk_client::Error> {
//! use zk_client::{AddWatchMode, Client, CreateMode, CreateOptions};
//!
//! let client = Client::connect("127.0.0.1:2181/app").await?;
//! let mut members = client
//!     .add_watch("/services/demo", AddWatchMode::PersistentRecursive)
//!     .await?;
//! // An ephemeral sequential node: "/services/demo/instance-0000000000", gone with the session.
//! let me = client
//!     .create(
//!         "/services/demo/instance-",
//!         br#"{"host":"10.0.0.7","port":8080}"#.to_vec(),
//!         &CreateOptions::new(CreateMode::EphemeralSequential),
//!     )
//!     .await?;
//! while let Some(event) = members.next().await {
//!     // NodeCreated / NodeDeleted as instances come and go.
//!     let instances = client.get_children("/services/demo").await?;
//! #   let _ = (&me, event, instances);
//! }
//! # Ok(()) }
//! ```
//!
//! # Connection loss, reconnects and sessions
//!
//! A ZooKeeper session outlives connections. When the connection breaks (server restarted,
//! network cut, server silent for 2/3 of the session timeout) the client reconnects to the
//! servers of the connect string with the same session, sends the credentials again, and
//! re-registers every watch in `SetWatches`/`SetWatches2` batches of about 128 KiB of paths,
//! relative to the last zxid it saw: the server fires at once the watches whose nodes changed
//! meanwhile, so no change is missed.
//!
//! Requests follow one delivery contract:
//!
//! - **Issued while disconnected**: the request waits and is sent after the reconnect.
//! - **Written but unanswered when the connection broke**: it fails with
//!   [`Error::ConnectionLoss`] and is *never sent again*; the server may or may not have
//!   applied it (a sequential create has run once or not at all, never twice). Check before
//!   retrying what must not run twice.
//! - **Session expired**: everything waiting fails with [`Error::SessionExpired`].
//! - **Request timeout** ([`ClientBuilder::request_timeout`],
//!   [`Client::with_request_timeout`]): a request without a reply in time fails with
//!   [`Error::Timeout`]. If it was still waiting for a connection it is never sent; if it was
//!   sent, its late reply is matched by xid and discarded (and a watch it set is removed).
//! - **Closed**: [`Client::close`] returns within its close timeout whatever the connection
//!   is doing, with [`Error::CloseUnconfirmed`] when no server confirmed the close (the
//!   session and its ephemeral nodes then live until the server expires them); afterwards
//!   the state is `Closed` and requests fail at once with [`Error::Closed`]. A close
//!   overtakes whatever is queued: requests not yet written fail with [`Error::Closed`] and
//!   are never written; written ones not answered before the close fail with
//!   [`Error::ConnectionLoss`].
//!
//! [`RetryPolicy`] follows this contract: [`RetryPolicy::retry_idempotent`] repeats what is
//! safe to repeat after `ConnectionLoss` or `Timeout` (reads, [`Client::ensure_path`],
//! [`Client::delete_all`]), [`RetryPolicy::retry_unapplied`] only what certainly did not run.
//! A create that must happen exactly once uses [`Client::create_protected`]: its node's
//! unique `_c_<uuid>-` prefix (Apache Curator's) lets the client find the node again after a
//! `ConnectionLoss` instead of leaving a ghost or a duplicate.
//!
//! Many requests in flight share one connection (pipelining: replies come back in order).
//! With eight or more due on a plaintext connection (Linux), the client asks the kernel to
//! wake it once several replies have arrived rather than at each one
//! ([`ClientBuilder::coalesce_replies`], on by default): fewer wake-ups for the client, and on
//! one host for the server sending the replies. A request at a time is never held back.
//!
//! Reconnects are immediate after a connection that lived; after a connection that ends
//! within a second of its handshake (a server, proxy or load balancer that accepts the
//! session and drops it) the client waits a jittered, growing pause (up to 10 s) before the
//! next attempt, and reports [`SessionEvent::ConnectionsDropping`] at the third in a row, so
//! such a peer never gets a reconnect storm. When every server of the list has failed, the
//! client pauses before the next round: about 200 ms at first, doubling up to a pause
//! between 1 and 2 s (random, so clients spread out; Java's client waits as long), so it is
//! back within about 2 s of an ensemble's return.
//!
//! A session expires when a server says so on reconnect, or, decided by the client alone,
//! when no server has been heard from for 4/3 of the negotiated session timeout. ZooKeeper's
//! Java client waits for a server's verdict; this is the side Curator takes (its connection
//! state manager declares the session lost once the timeout passes without a server): a lock
//! or a leadership must not be trusted past the point where the ensemble may have expired the
//! session. The ensemble usually has; but a server that restarts, or an ensemble that gets
//! its quorum back, renews the timeout of every session it knows, so such a session can live
//! on on the server until it times out there, with its ephemeral nodes. Expiry is reported as
//! [`SessionState::Expired`], a [`SessionEvent::Expired`] with its [`ExpiryCause`], an
//! `Expired` event to every watcher, and [`Error::SessionExpired`] to requests. By default
//! it is final; with [`ClientBuilder::recreate_session_on_expiry`] (or
//! [`ClientBuilder::on_new_session`]) the client starts a new session and lets the
//! application restore its ephemeral nodes and watches.
//!
//! A server whose data were wiped (or that lags behind) refuses a client that has seen a
//! higher zxid by closing the connection without an answer; so does a server that lost its
//! quorum. The client asks the refusing server why (the `srvr` four-letter word, whitelisted
//! by default) and reports each attempt as [`SessionEvent::AttemptFailed`] with a
//! [`RefusalReason`]: behind, not serving, read-only, or unknown when the server does not say.
//! After `max(3, number of hosts)` refusals in a row by servers confirmed to be behind, the
//! client reports [`SessionEvent::ServerBehind`]; when the session then expires (4/3 of the
//! timeout after the last contact) the cause is [`ExpiryCause::ServerBehind`], and a
//! re-created session starts from zxid 0 so that the servers accept it. Refusals by servers
//! that are not serving end, at expiry, with [`ExpiryCause::NotServing`], and the last zxid
//! seen is kept. Without re-creation the client ends in `Expired` instead of looping.
//!
//! # Ensembles that change
//!
//! [`Client::reconfig`] changes the membership ([`Reconfig`]: servers joining and leaving,
//! or a whole new membership, optionally from a given configuration version) and answers
//! with the new [`EnsembleConfig`]. [`Client::update_server_list`] gives a client a new
//! server list and moves it only with the probability that evens the load;
//! [`ClientBuilder::follow_ensemble`] does that by itself on every newer configuration, as
//! Curator's `EnsembleTracker` does:
//!
//! ```no_run
//! # async fn demo() -> Result<(), zk_client::Error> {
//! use zk_client::{Client, Reconfig};
//!
//! let app = Client::builder().follow_ensemble(true).connect("zk1,zk2,zk3/app").await?;
//! let admin = Client::builder().auth("digest", "super:secret").connect("zk1").await?;
//! let (config, _) = admin
//!     .reconfig(&Reconfig::incremental().join("server.4=zk4:2888:3888;2181"))
//!     .await?;
//! // `app` now counts zk4 among its servers, and may move there.
//! # let _ = (app, config);
//! # Ok(()) }
//! ```
//!
//! # TLS
//!
//! [`ClientBuilder::tls`] with a [`TlsConfig`] makes every connection of the client TLS
//! (rustls with the `ring` provider, TLS 1.2 and 1.3): all servers of the connect string, the
//! first connection and every reconnect, and the four-letter words the client asks
//! (`isro` for read-only probing, `srvr` for refusals), which ZooKeeper answers on its secure
//! port too. The choice is per client, not per host: a connect string lists the servers'
//! `secureClientPort`s, or their plaintext ports, never a mix, and a TLS client never falls
//! back to plaintext.
//!
//! ```no_run
//! # async fn demo() -> Result<(), zk_client::Error> {
//! use zk_client::{Client, TlsConfig};
//!
//! let tls = TlsConfig::new()
//!     .ca_file("ca.pem")
//!     // Mutual TLS: with the server's `authProvider.x509`, the session is this certificate's
//!     // subject (scheme `x509` in `who_am_i`).
//!     .identity_files("client.pem", "client-key.pem");
//! let client = Client::builder().tls(tls).connect("zk1:2281,zk2:2281").await?;
//! # Ok(()) }
//! ```
//!
//! The servers' certificates must be signed by a CA of the configuration (the platform's
//! roots only with [`TlsConfig::platform_roots`]), be in date, and name the host of the connect string (a DNS name or
//! an IP address in their subject alternative names); only the last check can be turned
//! off, with [`TlsConfig::danger_accept_invalid_hostnames`]. A failed handshake is reported
//! as [`ConnectFailure::Tls`] in [`SessionEvent::AttemptFailed`] with a [`TlsFailure`] that
//! names the cause (unknown issuer, host-name mismatch, expired, a client certificate
//! required or refused, a plaintext port), and [`ClientBuilder::connect`] fails with
//! [`Error::Tls`] as soon as every server has failed TLS. A client without TLS whose server
//! closes the handshake without a word asks that server whether it speaks TLS, and reports
//! [`TlsFailure::TlsPort`] when it does.
//!
//! # SASL
//!
//! [`ClientBuilder::sasl_digest_md5`] authenticates the session with SASL DIGEST-MD5
//! (RFC 2831, `qop=auth`), as ZooKeeper's `DigestLoginModule` expects it: the users are the
//! `user_<name>="<password>"` entries of the `Server` section of the server's JAAS file, and
//! the server needs `authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider`.
//! The exchange (op code 102, `GetSASLRequest`/`SetSASLResponse`) runs on every connection,
//! the first and every reconnect, right after the handshake and before any other request:
//! requests made meanwhile wait, as they do while disconnected, and the state becomes
//! `Connected` only once SASL has succeeded. The client checks the server's `rspauth`, so a
//! server that does not know the password is refused too. The session's identity is then
//! `sasl:<user>` (in [`Client::who_am_i`] and in ACLs), and it works with servers that set
//! `enforce.auth.enabled=true` with `enforce.auth.schemes=sasl`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), zk_client::Error> {
//! use zk_client::Client;
//!
//! let client = Client::builder()
//!     .sasl_digest_md5("alice", "secret")
//!     .connect("zk1:2181,zk2:2181")
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! Refused credentials (an unknown user, a wrong password) end the session at once, on the
//! first connection or on a reconnect, within the attempt's timeout:
//! [`ClientBuilder::connect`] and every request fail with [`Error::AuthFailed`], whose
//! `reason` says why (the server's `AUTHFAILED`, a server that failed to prove it knows the
//! password, ...), the state is [`SessionState::AuthFailed`], and the
//! [`SessionEvent::AttemptFailed`] before it carries [`ConnectFailure::AuthFailed`] with the
//! same reason (also logged). The password is never logged.
//!
//! ## Kerberos (GSSAPI)
//!
//! With the cargo feature `gssapi` (it links the system's GSS-API library, MIT or Heimdal),
//! `ClientBuilder::sasl_gssapi` authenticates with SASL GSSAPI (RFC 4752) using the ticket
//! cache's credentials, on every connection and before any request, like DIGEST-MD5. The
//! server principal is `zookeeper/<host>` as in Java's client (`GssapiConfig` changes the
//! service, names one principal for every server, or picks the client principal); the client
//! requires mutual authentication and chooses no security layer. The Kerberos library runs on
//! a blocking thread (it reads the ticket cache and asks the KDC for a service ticket), within
//! the attempt's timeout. No ticket, an expired one, a server principal the KDC does not
//! know, or a server that refuses the ticket end the session with [`Error::AuthFailed`] and the
//! library's or the server's reason.
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

#[doc(hidden)]
#[path = "fuzz.rs"]
pub mod __fuzz;
pub mod admin;
mod client;
mod config;
mod connect_string;
mod error;
mod message;
mod path;
mod retry;
mod sasl;
mod session;
mod tls;
mod watch;
mod watch_path;
mod watch_slots;
mod watched_event;

pub use client::{
    is_protected, protected_id, random_uuid, strip_protected, Parents, DELETE_BATCH,
    PROTECTED_PREFIX,
};
pub use client::{
    Client, ClientBuilder, CreateOptions, OneshotWatcher, Op, OpResult, PersistentWatcher, ReadOp,
    ReadResult, Reconfig, CONFIG_NODE, DEFAULT_CLOSE_TIMEOUT, DEFAULT_MAX_REPLY_LEN,
    DEFAULT_MAX_REQUEST_LEN, MAX_TTL_MS,
};
pub use config::{EnsembleConfig, Member, QuorumAddress, Role};
pub use connect_string::{ConnectString, HostPort, DEFAULT_PORT};
pub use error::{ConfigParseError, ConnectFailure, Error, RefusalReason};
pub use path::{validate_path, Chroot};
pub use retry::RetryPolicy;
#[cfg(feature = "gssapi")]
pub use sasl::gssapi::{GssapiConfig, DEFAULT_SERVICE};
pub use session::events::{ExpiryCause, SessionEvent, SessionEvents};
pub use session::state::{SessionId, SessionState, StateWatcher};
pub use tls::{TlsConfig, TlsFailure};
pub use watch::WatchedEvent;

pub use jute::Utf8Bytes;
pub use zk_records::data::{Acl, ClientInfo, Id, Stat};
pub use zk_records::{AddWatchMode, CreateMode, EventType, KeeperState, Perms, WatcherType};

/// The crate README's Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
