//! Message protection, client side (PROTOCOL.md §3 and §4), without I/O.
//!
//! [`Protector::protect`] turns a JSON body into a flattened JWS (signed with the PoP
//! key) around a flattened JWE (encrypted to the vault), and returns the
//! [`ResponseContext`] that alone can read the answer: it pins the vault's signing key
//! and this request's response key, verifies the signature before it decrypts, and
//! checks every kid and algorithm on the way.

use std::sync::Arc;

use kv_auth::{AccessToken, MessageKeys, VaultChallenge};
use kv_jose::{EncAlg, Jwe, JweHeader, Jws, JwsHeader, KeyAlg, SigAlg};
use serde_json::Value;

use crate::{ProtectionError, ResponseKey};

/// The operations whose requests are protected (last path segment, any case).
const PROTECTED_OPERATIONS: [&str; 6] = [
    "sign",
    "verify",
    "encrypt",
    "decrypt",
    "wrapkey",
    "unwrapkey",
];

/// Whether the path names one of the six protectable key operations.
pub fn is_protectable_path(path: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    path.contains("/keys/")
        && path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .is_some_and(|last| {
                PROTECTED_OPERATIONS
                    .iter()
                    .any(|op| op.eq_ignore_ascii_case(last))
            })
}

/// Whether a request is protected (PROTOCOL.md §1): the vault offers protection, the
/// path is a protectable key operation, and there is a body.
///
/// ```
/// use kv_client::protection::applies;
/// let answer = http::Response::builder()
///     .status(401)
///     .header("www-authenticate", r#"Bearer authorization="https://login.example/t.example""#)
///     .body(())
///     .unwrap();
/// let challenge = kv_auth::VaultChallenge::from_response(&answer).unwrap();
/// // This challenge offers no message keys, so nothing is protected.
/// assert!(!applies(&challenge, "/keys/k/wrapkey", true));
/// ```
pub fn applies(challenge: &VaultChallenge, path: &str, has_body: bool) -> bool {
    challenge.supports_message_protection() && has_body && is_protectable_path(path)
}

/// Protects requests to one vault (its message keys pinned from the challenge).
#[derive(Debug, Clone)]
pub struct Protector {
    keys: Arc<MessageKeys>,
}

impl Protector {
    /// A protector for the vault whose keys are `keys`.
    pub fn new(keys: Arc<MessageKeys>) -> Self {
        Protector { keys }
    }

    /// Protects `body` (a JSON object): adds `rek`, encrypts to the vault, signs with
    /// the token's PoP key with header `at` = the token and `ts` = `ts` (Unix seconds).
    ///
    /// # Errors
    ///
    /// [`ProtectionError::NoPopKey`] for a token without its key; [`ProtectionError::Protect`]
    /// if the body is not a JSON object or a crypto step fails.
    pub fn protect(
        &self,
        body: &[u8],
        token: &AccessToken,
        rek: Arc<ResponseKey>,
        ts: u64,
    ) -> Result<(Vec<u8>, ResponseContext), ProtectionError> {
        let pop = token.pop_key().ok_or(ProtectionError::NoPopKey)?;
        let mut inner: Value = serde_json::from_slice(body).map_err(|_| {
            ProtectionError::Protect(kv_jose::Error::InvalidKey("the request body is not JSON"))
        })?;
        let Some(object) = inner.as_object_mut() else {
            return Err(ProtectionError::Protect(kv_jose::Error::InvalidKey(
                "the request body is not a JSON object",
            )));
        };
        let rek_jwk = serde_json::to_value(rek.public_jwk())
            .map_err(|_| ProtectionError::Protect(kv_jose::Error::Crypto("rek serialization")))?;
        object.insert("rek".into(), serde_json::json!({ "jwk": rek_jwk }));
        let jwe = Jwe::encrypt(
            inner.to_string().as_bytes(),
            &JweHeader::new(KeyAlg::RsaOaep, EncAlg::A128CbcHs256)
                .with_kid(self.keys.encryption_kid()),
            self.keys.encryption(),
        )
        .map_err(ProtectionError::Protect)?;
        let header = JwsHeader::new(SigAlg::Rs256)
            .with_kid(pop.kid())
            .with_typ("PoP")
            .with_param("at", Value::String(token.token().expose_secret().clone()))
            .with_param("ts", Value::from(ts))
            .with_param("p", Value::Null);
        let jws = Jws::sign(&header, jwe.to_json().as_bytes(), pop.key())
            .map_err(ProtectionError::Protect)?;
        Ok((
            jws.to_json().into_bytes(),
            ResponseContext {
                keys: self.keys.clone(),
                rek,
            },
        ))
    }
}

/// What a protected request's answer is checked against: the vault's signing key and
/// the request's response key. An answer cannot be read without the context of the
/// request it answers.
#[derive(Debug, Clone)]
pub struct ResponseContext {
    keys: Arc<MessageKeys>,
    rek: Arc<ResponseKey>,
}

impl ResponseContext {
    /// The response key this request asked the vault to encrypt to.
    pub fn response_key(&self) -> &Arc<ResponseKey> {
        &self.rek
    }

    /// Reads a `200` answer to the protected request: content type, then the JWS
    /// header (alg, kid), then the signature, and only then the JWE (kid, alg, enc,
    /// tag) and its plaintext, the ordinary JSON answer.
    ///
    /// # Errors
    ///
    /// A [`ProtectionError`] naming the first check that failed.
    pub fn unprotect(
        &self,
        response: &http::Response<Vec<u8>>,
    ) -> Result<Vec<u8>, ProtectionError> {
        let content_type = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or_default())
            .unwrap_or_default();
        // The media type itself, parameters (`; charset=…`) aside.
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        if !media_type.eq_ignore_ascii_case("application/jose+json") {
            return Err(ProtectionError::NotProtected {
                content_type: content_type.to_string(),
            });
        }
        let jws = Jws::parse_flattened(response.body()).map_err(ProtectionError::Malformed)?;
        if !jws.is_fully_protected() {
            return Err(ProtectionError::UnprotectedHeader("JWS"));
        }
        let header = jws.unverified_header();
        if header.alg() != SigAlg::Rs256 {
            return Err(ProtectionError::UnexpectedAlgorithm {
                what: "JWS alg",
                found: header.alg().to_string(),
                expected: "RS256",
            });
        }
        if header.kid() != Some(self.keys.signing_kid()) {
            return Err(ProtectionError::SigningKidMismatch {
                expected: self.keys.signing_kid().to_string(),
                found: header.kid().map(str::to_string),
            });
        }
        let verified = jws
            .verify(self.keys.signing(), &[SigAlg::Rs256])
            .map_err(|e| match e {
                kv_jose::Error::BadSignature => ProtectionError::BadSignature,
                other => ProtectionError::Malformed(other),
            })?;
        let jwe = Jwe::parse_flattened(verified.payload()).map_err(ProtectionError::Malformed)?;
        if !jwe.is_fully_protected() {
            return Err(ProtectionError::UnprotectedHeader("JWE"));
        }
        let jwe_header = jwe.header();
        if jwe_header.kid() != Some(self.rek.kid()) {
            return Err(ProtectionError::EncryptionKidMismatch {
                expected: self.rek.kid().to_string(),
                found: jwe_header.kid().map(str::to_string),
            });
        }
        if jwe_header.alg() != KeyAlg::RsaOaep {
            return Err(ProtectionError::UnexpectedAlgorithm {
                what: "JWE alg",
                found: jwe_header.alg().to_string(),
                expected: "RSA-OAEP",
            });
        }
        if jwe_header.enc() != EncAlg::A128CbcHs256 {
            return Err(ProtectionError::UnexpectedAlgorithm {
                what: "JWE enc",
                found: jwe_header.enc().to_string(),
                expected: "A128CBC-HS256",
            });
        }
        let mut plain = jwe
            .decrypt(self.rek.key(), &[KeyAlg::RsaOaep], &[EncAlg::A128CbcHs256])
            .map_err(|_| ProtectionError::Decrypt)?;
        // Moved out rather than copied: one plaintext buffer, not two.
        Ok(std::mem::take(&mut *plain))
    }
}

#[cfg(test)]
mod tests;
