//! The one error type of this crate.

/// An Azure AD error answer, as the authority sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorityError {
    /// HTTP status of the answer.
    pub status: u16,
    /// The OAuth `error` code (for example `invalid_client`).
    pub error: String,
    /// `error_description` (carries the AADSTS code and a hint).
    pub description: String,
    /// `error_codes`, numeric AADSTS codes.
    pub error_codes: Vec<i64>,
    /// `trace_id`, for a support request.
    pub trace_id: Option<String>,
    /// `correlation_id`, for a support request.
    pub correlation_id: Option<String>,
}

/// Everything that can go wrong in `kv-auth`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A `WWW-Authenticate` header does not follow the RFC 9110 §11 grammar.
    #[error("malformed WWW-Authenticate header at byte {position}: {reason}")]
    MalformedChallenge {
        /// Byte offset where parsing stopped.
        position: usize,
        /// What was expected there.
        reason: &'static str,
    },
    /// The vault's 401 answer carries no usable Key Vault challenge.
    #[error("the vault's authentication challenge is unusable: {0}")]
    Challenge(String),
    /// A message-protection key header of the challenge is not a usable RSA JWK.
    #[error("the vault's `{header}` header is not a usable RSA JWK: {source}")]
    MessageKey {
        /// The header name.
        header: &'static str,
        /// Why it was refused.
        #[source]
        source: kv_jose::Error,
    },
    /// The token request could not be sent or got no answer.
    #[error("token request to {endpoint} failed: {source}")]
    Transport {
        /// The token endpoint (no query, no secrets).
        endpoint: String,
        /// The transport failure.
        #[source]
        source: kv_transport::Error,
    },
    /// The authority refused the request.
    #[error(
        "the authority refused the token request (HTTP {}): {}: {}",
        .0.status, .0.error, .0.description
    )]
    Authority(Box<AuthorityError>),
    /// The authority answered 2xx with something that is not a token response.
    #[error("the authority's answer is not a valid token response: {0}")]
    InvalidTokenResponse(String),
    /// Making or using a proof-of-possession key failed.
    #[error("proof-of-possession key: {0}")]
    PopKey(#[source] kv_jose::Error),
    /// The credential is configured wrongly.
    #[error("invalid credential configuration: {0}")]
    Config(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
