//! Errors of the vault client.

use std::fmt;

/// A non-2xx answer from the vault, with what Key Vault said about it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceError {
    /// HTTP status.
    pub status: u16,
    /// Key Vault error code (`KeyNotFound`, `BadParameter`, `Unauthorized`…), or a
    /// description of the answer when it had no Key Vault error body.
    pub code: String,
    /// Key Vault's message.
    pub message: String,
    /// The inner error's code, if any.
    pub inner_code: Option<String>,
    /// `x-ms-request-id`, to quote in a support request.
    pub request_id: Option<String>,
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Key Vault answered HTTP {} {}: {}",
            self.status, self.code, self.message
        )?;
        if let Some(inner) = &self.inner_code {
            write!(f, " (inner error {inner})")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl ServiceError {
    /// Reads the error from a non-2xx answer: Key Vault's `{"error":{…}}`, an AAD-shaped
    /// `{"error":"…","error_description":"…"}`, or anything else (HTML, empty).
    pub(crate) fn from_response(response: &http::Response<Vec<u8>>) -> Self {
        let status = response.status().as_u16();
        let request_id = response
            .headers()
            .get("x-ms-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let json: Option<serde_json::Value> = serde_json::from_slice(response.body()).ok();
        let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_string);
        let (code, message, inner_code) = match json.as_ref().and_then(|j| j.get("error")) {
            Some(serde_json::Value::Object(e)) => (
                text(e.get("code")),
                text(e.get("message")),
                e.get("innererror").and_then(|i| text(i.get("code"))),
            ),
            Some(serde_json::Value::String(code)) => (
                Some(code.clone()),
                json.as_ref().and_then(|j| text(j.get("error_description"))),
                None,
            ),
            _ => (None, None, None),
        };
        let reason = response.status().canonical_reason().unwrap_or("error");
        ServiceError {
            status,
            code: code.unwrap_or_else(|| reason.to_string()),
            message: message.unwrap_or_else(|| {
                if response.body().is_empty() {
                    "the answer had no body".into()
                } else {
                    "the answer was not a Key Vault error body".into()
                }
            }),
            inner_code,
            request_id,
        }
    }
}

/// Why an answer that should have been protected was refused, or why a request
/// could not be protected. Kids are key names, not secrets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProtectionError {
    /// A protected request was answered with something other than `application/jose+json`.
    #[error(
        "the vault answered a protected request with content type `{content_type}`, not application/jose+json; the answer is refused, not read unprotected"
    )]
    NotProtected {
        /// The content type received.
        content_type: String,
    },
    /// The answer's JWS names another signing key than the challenge's.
    #[error("the answer is signed with key {found:?}, not the vault's signing key `{expected}`")]
    SigningKidMismatch {
        /// The vault's signing key id, from the challenge.
        expected: String,
        /// The JWS `kid`.
        found: Option<String>,
    },
    /// The answer's JWE is encrypted to another key than this request's response key.
    #[error(
        "the answer is encrypted to key {found:?}, not this request's response key `{expected}` (a replayed or misrouted answer?)"
    )]
    EncryptionKidMismatch {
        /// This request's `rek` kid.
        expected: String,
        /// The JWE `kid`.
        found: Option<String>,
    },
    /// The answer uses an algorithm the protocol does not allow.
    #[error("the answer uses {what} `{found}`; only `{expected}` is accepted")]
    UnexpectedAlgorithm {
        /// `JWS alg`, `JWE alg` or `JWE enc`.
        what: &'static str,
        /// What it used.
        found: String,
        /// What the protocol requires.
        expected: &'static str,
    },
    /// The answer carries header parameters outside the protected header, which the
    /// signature would not cover.
    #[error(
        "the protected answer has an unprotected {0} header; every parameter must be protected"
    )]
    UnprotectedHeader(&'static str),
    /// The answer's signature does not verify under the vault's signing key.
    #[error("the answer's signature does not verify under the vault's signing key")]
    BadSignature,
    /// The answer's JWE could not be decrypted (key unwrap, tag or padding).
    #[error("the answer could not be decrypted with this request's response key")]
    Decrypt,
    /// The protected answer is not well-formed JOSE.
    #[error("the protected answer is malformed: {0}")]
    Malformed(#[source] kv_jose::Error),
    /// The request could not be protected.
    #[error("the request could not be protected: {0}")]
    Protect(#[source] kv_jose::Error),
    /// Protection was required but the vault's challenge does not offer it.
    #[error(
        "message protection is required for this operation, but the vault's challenge does not offer it (no supportspop or no message keys)"
    )]
    Unavailable,
    /// The vault offered message protection earlier and its new challenge does not:
    /// a downgrade this client refuses rather than send the request unprotected.
    #[error(
        "the vault's new challenge no longer offers message protection, which it offered before; refusing to downgrade (build a new client if the vault really changed)"
    )]
    Downgrade,
    /// The credential returned a PoP token without its key.
    #[error("a PoP token was needed, but the credential returned one without a PoP key")]
    NoPopKey,
}

/// Everything that can go wrong in a vault call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The vault answered with an error status.
    #[error("{0}")]
    Service(Box<ServiceError>),
    /// The challenge or the token could not be obtained.
    #[error("authentication failed: {0}")]
    Auth(#[from] kv_auth::Error),
    /// No answer was received.
    #[error("could not reach the vault: {0}")]
    Transport(#[from] kv_transport::Error),
    /// Message protection failed.
    #[error("message protection failed: {0}")]
    Protection(#[from] ProtectionError),
    /// An argument was invalid; nothing was sent.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The vault answered 2xx with something this client cannot read.
    #[error("unexpected answer from the vault: {0}")]
    UnexpectedAnswer(String),
    /// The client is configured wrongly.
    #[error("invalid client configuration: {0}")]
    Config(String),
}

impl Error {
    /// The service error, if the vault answered with one.
    pub fn service(&self) -> Option<&ServiceError> {
        match self {
            Error::Service(e) => Some(e),
            _ => None,
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str, request_id: Option<&str>) -> http::Response<Vec<u8>> {
        let mut b = http::Response::builder().status(status);
        if let Some(id) = request_id {
            b = b.header("x-ms-request-id", id);
        }
        b.body(body.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn key_vault_error_bodies_are_read_with_inner_error_and_request_id() {
        let e = ServiceError::from_response(&answer(
            403,
            r#"{"error":{"code":"Forbidden","message":"Caller is not authorized.","innererror":{"code":"ForbiddenByPolicy"}}}"#,
            Some("req-1"),
        ));
        assert_eq!(
            (e.status, e.code.as_str(), e.message.as_str()),
            (403, "Forbidden", "Caller is not authorized.")
        );
        assert_eq!(
            (e.inner_code.as_deref(), e.request_id.as_deref()),
            (Some("ForbiddenByPolicy"), Some("req-1"))
        );
        assert_eq!(
            e.to_string(),
            "Key Vault answered HTTP 403 Forbidden: Caller is not authorized. (inner error ForbiddenByPolicy) [request id req-1]"
        );
    }

    #[test]
    fn html_empty_and_aad_shaped_bodies_still_give_a_typed_error() {
        let html = ServiceError::from_response(&answer(
            502,
            "<html><body>Bad Gateway</body></html>",
            None,
        ));
        assert_eq!((html.status, html.code.as_str()), (502, "Bad Gateway"));
        assert!(html.message.contains("not a Key Vault error body"));
        let empty = ServiceError::from_response(&answer(503, "", None));
        assert_eq!(
            (empty.code.as_str(), empty.message.as_str()),
            ("Service Unavailable", "the answer had no body")
        );
        let aad = ServiceError::from_response(&answer(
            400,
            r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#,
            None,
        ));
        assert_eq!(
            (aad.code.as_str(), aad.message.as_str()),
            (
                "invalid_client",
                "AADSTS7000215: Invalid client secret provided."
            )
        );
        let odd = ServiceError::from_response(&answer(418, r#"{"error":{"code":7}}"#, None));
        assert_eq!(odd.code, "I'm a teapot");
    }
}
