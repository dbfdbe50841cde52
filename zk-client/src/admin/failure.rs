//! [`AdminError`]: why a four-letter word or an AdminServer command got no usable answer. A
//! leaf module, so that the crate's `Error` can hold it without importing the admin client.

use std::time::Duration;

/// Why a four-letter word got no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// The server gave no answer: no address took a connection, or none answered within
    /// the timeout.
    #[error("{server}: no answer to {word}: {reason}")]
    Unreachable {
        /// The server asked.
        server: String,
        /// The word.
        word: String,
        /// How long the exchange could take.
        timeout: Duration,
        /// What happened instead: the last address's connection error, the TLS failure,
        /// or the time that passed.
        reason: String,
    },
    /// The server does not allow the word (`4lw.commands.whitelist`).
    #[error("the server does not allow {word} (add it to 4lw.commands.whitelist)")]
    NotAllowed {
        /// The word.
        word: String,
    },
    /// The server runs but does not serve requests (no quorum, or starting).
    #[error("{word}: the server is not serving requests")]
    NotServing {
        /// The word.
        word: String,
    },
    /// The answer was cut short: the connection failed (a reset) before the answer's end, or
    /// closed before the end its HTTP framing announces.
    #[error(
        "{server}: the answer to {word} is truncated: expected {expected}, found {received} \
         bytes, then {reason}"
    )]
    Truncated {
        /// The server asked.
        server: String,
        /// The word, or the AdminServer command.
        word: String,
        /// Where the answer should have ended (the server's close, the `Content-Length`,
        /// the last chunk).
        expected: String,
        /// How many bytes of the answer (of its body, for HTTP) arrived.
        received: usize,
        /// How the connection ended (the error, or its close).
        reason: String,
    },
    /// The answer goes on past the most bytes read of one answer (16 MiB).
    #[error("{server}: the answer to {word} is longer than {limit} bytes, the most read")]
    TooLarge {
        /// The server asked.
        server: String,
        /// The word, or the AdminServer command.
        word: String,
        /// The most bytes read of one answer.
        limit: u64,
    },
    /// The answer does not have the expected form.
    #[error("{word}: expected {expected}, found {found:?}")]
    Unexpected {
        /// The word.
        word: String,
        /// What the answer should have had.
        expected: &'static str,
        /// What it had (its first 200 characters).
        found: String,
    },
}
