//! The transport seam of the Key Vault client: one `http::Request` in, one
//! `http::Response` out.
//!
//! Everything above this crate (challenges, tokens, message protection) is sans-I/O
//! and talks to the network only through [`Transport`]. [`UreqTransport`] is the
//! default implementation: one shared `ureq` agent (connection reuse), timeouts, a
//! response size limit, no redirects (they would carry tokens elsewhere), and
//! `http://` only to loopback hosts unless the caller opts in. Each exchange is a
//! `tracing` span whose headers and query parameters are redacted by allow-list.
//!
//! [`AsyncTransport`] is the async form of the seam, and [`BlockingAsAsync`] adapts a
//! blocking transport to it. [`RetryPolicy`] holds the retry rules; the retry loop
//! lives with the caller, above message protection.
//!
//! ```
//! use kv_transport::{Transport, UreqTransport};
//! let transport = UreqTransport::new();
//! // Plain HTTP to a non-loopback host is refused before anything is sent.
//! let request = http::Request::get("http://example.com/").body(Vec::new()).unwrap();
//! let err = transport.send(request).unwrap_err();
//! assert_eq!(err.sent(), kv_transport::Sent::No);
//! ```
//!
//! Plugging in another HTTP stack is implementing one method:
//!
//! ```
//! use kv_transport::{Error, Transport};
//!
//! #[derive(Debug)]
//! struct Canned;
//!
//! impl Transport for Canned {
//!     fn send(&self, _req: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Error> {
//!         Ok(http::Response::builder().status(204).body(Vec::new()).unwrap())
//!     }
//! }
//! let r = Canned.send(http::Request::get("https://v.example/").body(vec![]).unwrap()).unwrap();
//! assert_eq!(r.status(), 204);
//! ```
#![forbid(unsafe_code)]

mod async_transport;
mod error;
mod redact;
mod retry;
mod ureq_transport;

use std::fmt;
use std::sync::Arc;

pub use async_transport::{AsyncTransport, BlockingAsAsync};
pub use error::{Error, Sent};
pub use redact::{redacted_headers, redacted_url};
pub use retry::{Decision, RetryPolicy, is_retryable_status, retry_after};
pub use ureq_transport::{UreqTransport, UreqTransportBuilder};

/// Sends one HTTP request and returns its response, whatever its status.
///
/// A 4xx or 5xx answer is an `Ok` response: the caller needs the 401 challenge and the
/// Key Vault error body. `Err` means no complete response was received; its
/// [`Error::sent`] tells whether the request may have reached the server.
pub trait Transport: Send + Sync + fmt::Debug {
    /// Sends `request`.
    ///
    /// # Errors
    ///
    /// [`Error`] when no complete response was received.
    fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Error>;
}

impl<T: Transport + ?Sized> Transport for Arc<T> {
    fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Error> {
        (**self).send(request)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Error> {
        (**self).send(request)
    }
}

impl<T: Transport + ?Sized> Transport for &T {
    fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Error> {
        (**self).send(request)
    }
}

/// The URL gate every request passes: `https://`, or `http://` only to a loopback host
/// unless `allow_insecure_http`. Returns the host.
///
/// ```
/// use kv_transport::{Error, check_url};
/// let url = |s: &str| s.parse::<http::Uri>().unwrap();
/// assert_eq!(check_url(&url("https://v.vault.azure.net/keys"), false)?, "v.vault.azure.net");
/// assert_eq!(check_url(&url("http://127.0.0.1:8443/"), false)?, "127.0.0.1");
/// assert!(matches!(check_url(&url("http://v.example/"), false), Err(Error::InsecureUrl { .. })));
/// assert!(check_url(&url("http://v.example/"), true).is_ok());
/// # Ok::<(), kv_transport::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InsecureUrl`] for refused plain HTTP, [`Error::InvalidRequest`] for a URL
/// without a host or with another scheme.
pub fn check_url(uri: &http::Uri, allow_insecure_http: bool) -> Result<String, Error> {
    let host = uri
        .host()
        .ok_or_else(|| Error::InvalidRequest {
            reason: "the URL has no host".into(),
        })?
        .to_ascii_lowercase();
    match uri.scheme_str() {
        Some("https") => Ok(host),
        Some("http") if allow_insecure_http || is_loopback_host(&host) => Ok(host),
        Some("http") => Err(Error::InsecureUrl { host }),
        _ => Err(Error::InvalidRequest {
            reason: "the URL scheme must be https (or http to loopback)".into(),
        }),
    }
}

/// Whether `host` (as in a URL authority, without port) names the local machine:
/// `localhost` or a loopback IP literal (`127.0.0.0/8`, `::1`, brackets allowed).
///
/// ```
/// use kv_transport::is_loopback_host;
/// assert!(is_loopback_host("127.0.0.1"));
/// assert!(is_loopback_host("[::1]"));
/// assert!(is_loopback_host("LocalHost"));
/// assert!(!is_loopback_host("127.0.0.1.example.com"));
/// ```
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}
