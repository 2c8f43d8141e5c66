//! The default [`Transport`]: `ureq` 3 with one shared agent.

use std::fmt;
use std::io::Read;
use std::time::Duration;

use crate::{Error, Sent, Transport};

const REQUEST_ID: &str = "x-ms-client-request-id";

/// Default time allowed to resolve and connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time allowed for a whole exchange.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Default largest response body accepted.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// A [`Transport`] over one shared `ureq` agent.
///
/// Cloning is cheap and shares the connection pool. HTTPS uses rustls with the
/// bundled web PKI roots.
#[derive(Clone)]
pub struct UreqTransport {
    agent: ureq::Agent,
    max_response_bytes: usize,
    allow_insecure_http: bool,
}

impl fmt::Debug for UreqTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UreqTransport")
            .field("max_response_bytes", &self.max_response_bytes)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish_non_exhaustive()
    }
}

impl Default for UreqTransport {
    fn default() -> Self {
        UreqTransport::new()
    }
}

impl UreqTransport {
    /// A transport with the default settings (10 s connect, 60 s per request, 16 MiB
    /// responses, `http://` to loopback only).
    pub fn new() -> Self {
        UreqTransport::builder().build()
    }

    /// Starts configuring a transport.
    pub fn builder() -> UreqTransportBuilder {
        UreqTransportBuilder {
            connect_timeout: CONNECT_TIMEOUT,
            request_timeout: REQUEST_TIMEOUT,
            max_response_bytes: MAX_RESPONSE_BYTES,
            allow_insecure_http: false,
        }
    }
}

/// Settings for a [`UreqTransport`].
#[derive(Debug, Clone)]
pub struct UreqTransportBuilder {
    connect_timeout: Duration,
    request_timeout: Duration,
    max_response_bytes: usize,
    allow_insecure_http: bool,
}

impl UreqTransportBuilder {
    /// Time allowed to resolve the host and connect.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for a whole exchange, body included.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Largest response body accepted.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Allows plain `http://` to hosts that are not loopback. Tokens and, for
    /// unprotected operations, key material then cross the network in clear text.
    pub fn danger_allow_insecure_http(mut self) -> Self {
        self.allow_insecure_http = true;
        self
    }

    /// Builds the transport and its agent.
    pub fn build(self) -> UreqTransport {
        let agent = ureq::Agent::config_builder()
            // Key Vault's 401 challenge and error bodies are answers, not failures.
            .http_status_as_error(false)
            // A redirect would carry the Authorization header to another place.
            .max_redirects(0)
            .timeout_connect(Some(self.connect_timeout))
            .timeout_global(Some(self.request_timeout))
            .build()
            .into();
        UreqTransport {
            agent,
            max_response_bytes: self.max_response_bytes,
            allow_insecure_http: self.allow_insecure_http,
        }
    }
}

fn map_error(host: &str, e: ureq::Error) -> Error {
    use ureq::Timeout as T;
    let host = host.to_string();
    match e {
        ureq::Error::Timeout(phase) => {
            let sent = match phase {
                T::Resolve | T::Connect => Sent::No,
                _ => Sent::Maybe,
            };
            Error::Timeout {
                host,
                phase: format!("{phase:?}"),
                sent,
            }
        }
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::Tls(_)
        | ureq::Error::Rustls(_)
        | ureq::Error::TlsRequired
        | ureq::Error::ConnectProxyFailed(_)
        | ureq::Error::InvalidProxyUrl => Error::Connect {
            host,
            source: Box::new(e),
        },
        ureq::Error::BadUri(_) | ureq::Error::Http(_) | ureq::Error::RequireHttpsOnly(_) => {
            Error::InvalidRequest {
                reason: e.to_string(),
            }
        }
        ureq::Error::Io(ref io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            Error::Connect {
                host,
                source: Box::new(e),
            }
        }
        other => Error::Io {
            host,
            source: Box::new(other),
        },
    }
}

impl Transport for UreqTransport {
    fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Error> {
        let span = tracing::debug_span!(
            "http.request",
            method = %request.method(),
            url = %crate::redacted_url(request.uri()),
        );
        let _entered = span.enter();
        tracing::trace!(headers = %crate::redacted_headers(request.headers()), body_len = request.body().len(), "sending");
        let outcome = self.send_inner(request);
        match &outcome {
            Ok(r) => tracing::debug!(
                status = r.status().as_u16(),
                headers = %crate::redacted_headers(r.headers()),
                body_len = r.body().len(),
                "answered"
            ),
            Err(e) => tracing::debug!(error = %e, sent = ?e.sent(), "failed"),
        }
        outcome
    }
}

impl UreqTransport {
    fn send_inner(
        &self,
        mut request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        let host = crate::check_url(request.uri(), self.allow_insecure_http)?;
        if !request.headers().contains_key(REQUEST_ID) {
            let id = uuid::Uuid::new_v4();
            let mut buf = uuid::Uuid::encode_buffer();
            let id = http::HeaderValue::from_str(id.hyphenated().encode_lower(&mut buf)).map_err(
                |e| Error::InvalidRequest {
                    reason: e.to_string(),
                },
            )?;
            request.headers_mut().insert(REQUEST_ID, id);
        }
        let response = self.agent.run(request).map_err(|e| map_error(&host, e))?;
        let (parts, body) = response.into_parts();
        let limit = self.max_response_bytes;
        let mut bytes = Vec::new();
        // Read one byte past the limit to tell "exactly at the limit" from "over it".
        body.into_reader()
            .take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::Io {
                host: host.clone(),
                source: Box::new(e),
            })?;
        if bytes.len() > limit {
            return Err(Error::TooLarge { host, limit });
        }
        Ok(http::Response::from_parts(parts, bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(url: &str) -> http::Request<Vec<u8>> {
        http::Request::get(url).body(Vec::new()).unwrap()
    }

    #[test]
    fn plain_http_off_loopback_is_refused_unsent() {
        let t = UreqTransport::new();
        for url in [
            "http://example.com/",
            "http://10.0.0.1/",
            "http://127.0.0.1.nip.io/",
        ] {
            let err = t.send(req(url)).unwrap_err();
            assert!(matches!(err, Error::InsecureUrl { .. }), "{url}: {err}");
            assert_eq!(err.sent(), Sent::No);
        }
    }

    #[test]
    fn refused_connection_to_loopback_is_a_connect_error() {
        // Bind then drop, so the port is very likely closed.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = UreqTransport::new()
            .send(req(&format!("http://127.0.0.1:{port}/")))
            .unwrap_err();
        assert_eq!(err.sent(), Sent::No, "{err:?}");
    }

    #[test]
    fn non_http_schemes_are_invalid() {
        let err = UreqTransport::new()
            .send(req("ftp://example.com/"))
            .unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }));
    }
}
