//! The one error type of this crate.

/// Everything that can go wrong in `kv-jose`.
///
/// Format errors say which field was wrong and why. Cryptographic failures are
/// deliberately opaque: a bad tag, bad padding and a bad key unwrap are all
/// [`Error::Decrypt`], so an attacker learns nothing from which one happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A base64url field was not canonical unpadded base64url.
    #[error(
        "`{field}` is not valid base64url (RFC 4648 §5, no padding, no whitespace, canonical trailing bits)"
    )]
    Base64 {
        /// The JOSE member that failed to decode.
        field: &'static str,
    },
    /// A JSON document was malformed or had the wrong shape.
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// Which document (for example `JWS protected header`).
        what: &'static str,
        /// What was wrong with it. Never contains input values.
        detail: String,
    },
    /// A header named an algorithm this crate does not implement.
    #[error("unsupported {what} `{name}`")]
    Unsupported {
        /// Which parameter (`alg` or `enc`).
        what: &'static str,
        /// The name found in the header.
        name: String,
    },
    /// The header's algorithm is implemented but not among the ones the caller allowed.
    #[error("{what} `{name}` is not allowed here")]
    NotAllowed {
        /// Which parameter (`alg` or `enc`).
        what: &'static str,
        /// The name found in the header.
        name: &'static str,
    },
    /// A header carried a parameter that is refused on principle (`crit`, `zip`, or an
    /// embedded key such as `jwk`, `jku`, `x5u`, `x5c`).
    #[error("header parameter `{name}` is not accepted")]
    ForbiddenHeader {
        /// The refused parameter.
        name: &'static str,
    },
    /// A key was unusable (wrong type, missing members, too small, inconsistent).
    #[error("invalid key: {0}")]
    InvalidKey(&'static str),
    /// Input exceeded a size limit; it was refused before parsing.
    #[error("{what} is {len} bytes, more than the limit of {limit}")]
    TooLarge {
        /// Which input.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// A signature did not verify under the pinned key.
    #[error("signature verification failed")]
    BadSignature,
    /// Decryption failed (key unwrap, tag or padding; deliberately not said which).
    #[error("decryption failed")]
    Decrypt,
    /// The platform's random number generator or a key generation failed.
    #[error("cryptographic operation failed: {0}")]
    Crypto(&'static str),
}

impl Error {
    pub(crate) fn malformed(what: &'static str, detail: impl Into<String>) -> Self {
        Error::Malformed {
            what,
            detail: detail.into(),
        }
    }

    /// Describes a `serde_json` error by position and class only, so that no input
    /// value (which may be a token) is echoed into the message.
    pub(crate) fn json(what: &'static str, e: &serde_json::Error) -> Self {
        let class = match e.classify() {
            serde_json::error::Category::Io => "I/O error",
            serde_json::error::Category::Syntax => "invalid JSON syntax",
            serde_json::error::Category::Data => "unexpected JSON structure",
            serde_json::error::Category::Eof => "unexpected end of JSON",
        };
        Error::malformed(
            what,
            format!("{class} at line {} column {}", e.line(), e.column()),
        )
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
