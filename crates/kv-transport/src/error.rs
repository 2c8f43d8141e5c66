//! Transport errors.

use std::error::Error as StdError;

/// Whether a failed request may have reached the server.
///
/// Only [`Sent::No`] failures are safe to retry for a non-idempotent operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// The request certainly did not reach the server (refused URL, DNS, connect).
    No,
    /// The request may have been received and acted on.
    Maybe,
}

/// Why no response was received.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Plain `http://` to a host that is not loopback, without the caller's opt-in.
    #[error(
        "refusing plain http:// to `{host}`: use https://, or opt in to insecure HTTP for non-loopback hosts explicitly"
    )]
    InsecureUrl {
        /// The host that was refused.
        host: String,
    },
    /// The request could not be built or its URL is not absolute `http(s)`.
    #[error("invalid request: {reason}")]
    InvalidRequest {
        /// What was wrong.
        reason: String,
    },
    /// Name resolution or the TCP/TLS connection failed; nothing was sent.
    #[error("could not connect to `{host}`: {source}")]
    Connect {
        /// The host.
        host: String,
        /// The underlying failure.
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
    /// A timeout fired.
    #[error("request to `{host}` timed out ({phase})")]
    Timeout {
        /// The host.
        host: String,
        /// Which phase of the exchange timed out.
        phase: String,
        /// Whether the request may have been received.
        sent: Sent,
    },
    /// The response body was larger than the configured limit.
    #[error("response from `{host}` is larger than the {limit}-byte limit")]
    TooLarge {
        /// The host.
        host: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// The connection failed after the request may have been sent.
    #[error("connection to `{host}` failed: {source}")]
    Io {
        /// The host.
        host: String,
        /// The underlying failure.
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
}

impl Error {
    /// Whether the request may have reached the server.
    pub fn sent(&self) -> Sent {
        match self {
            Error::InsecureUrl { .. } | Error::InvalidRequest { .. } | Error::Connect { .. } => {
                Sent::No
            }
            Error::Timeout { sent, .. } => *sent,
            Error::TooLarge { .. } | Error::Io { .. } => Sent::Maybe,
        }
    }
}
