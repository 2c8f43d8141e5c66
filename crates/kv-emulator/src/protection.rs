//! Message protection from the service side (PROTOCOL.md §3 and §4).
//!
//! Written against the protocol, not against `kv-client`, so that the two sides
//! cannot hide each other's mistakes.

use kv_jose::{EncAlg, Jwe, JweHeader, Jwk, Jws, JwsHeader, KeyAlg, RsaPublicKey, SigAlg};
use serde::Deserialize;
use serde_json::Value;
use subtle::ConstantTimeEq;

use crate::authority::TokenRecord;
use crate::error::KvError;
use crate::service::{Answer, Vault, now_secs};

/// How far `ts` may be from the vault's clock, either way.
pub(crate) const FRESHNESS_SECS: u64 = 5 * 60;

/// Protected requests received recently, in arrival order, for replay refusal.
#[derive(Debug, Default)]
pub(crate) struct SeenRequests {
    order: std::collections::VecDeque<(u64, [u8; 32])>,
    digests: std::collections::HashSet<[u8; 32]>,
}

/// The key the client asked the answer to be encrypted to (`rek`).
pub(crate) struct ResponseKey {
    kid: String,
    key: RsaPublicKey,
}

fn protection_error(message: &str) -> KvError {
    KvError::bad_parameter(format!("Message protection: {message}"))
}

impl Vault {
    /// Checks a protected request in the protocol's order and returns its inner JSON
    /// body and response key.
    pub(crate) fn unprotect(
        &self,
        body: &[u8],
        token: &str,
        record: &TokenRecord,
    ) -> Result<(Value, ResponseKey), KvError> {
        let jws = Jws::parse_flattened(body)
            .map_err(|e| protection_error(&format!("the body is not a flattened JWS: {e}")))?;
        if !jws.is_fully_protected() {
            // `at` and `ts` in an unprotected header would not be covered by the signature.
            return Err(KvError::unauthorized(
                "AKV10046: Every JWS header parameter must be in the protected header.",
            ));
        }
        let header = jws.unverified_header();
        let at = header
            .param("at")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !bool::from(at.as_bytes().ct_eq(token.as_bytes())) {
            return Err(KvError::unauthorized(
                "AKV10040: The JWS `at` header does not match the bearer token.",
            ));
        }
        let Some((pop_kid, pop_key)) = &record.pop_key else {
            return Err(KvError::unauthorized(
                "AKV10041: Protected requests need a proof-of-possession token (request it with pop_jwk).",
            ));
        };
        if header.kid() != Some(pop_kid.as_str()) {
            return Err(KvError::unauthorized(
                "AKV10042: The JWS `kid` does not name the PoP key bound to the token.",
            ));
        }
        let verified = jws.verify(pop_key, &[SigAlg::Rs256]).map_err(|_| {
            KvError::unauthorized(
                "AKV10043: The JWS signature does not verify under the token's PoP key.",
            )
        })?;
        let ts = verified.header().param("ts").and_then(Value::as_u64);
        match ts {
            Some(ts) if now_secs().abs_diff(ts) <= FRESHNESS_SECS => {}
            Some(_) => {
                return Err(KvError::unauthorized(
                    "AKV10044: The JWS `ts` is outside the 5-minute freshness window.",
                ));
            }
            None => {
                return Err(KvError::unauthorized(
                    "AKV10045: The JWS header has no integer `ts`.",
                ));
            }
        }
        self.refuse_replay(verified.signing_input())?;
        let jwe = Jwe::parse_flattened(verified.payload()).map_err(|e| {
            protection_error(&format!("the JWS payload is not a flattened JWE: {e}"))
        })?;
        if !jwe.is_fully_protected() {
            // Only the protected header is covered by the AAD.
            return Err(protection_error(
                "every JWE header parameter must be in the protected header.",
            ));
        }
        if jwe.header().kid() != Some(self.message_keys.encryption_kid.as_str()) {
            return Err(protection_error(
                "the JWE `kid` does not name this vault's encryption key.",
            ));
        }
        let plain = jwe
            .decrypt(
                &self.message_keys.encryption,
                &[KeyAlg::RsaOaep],
                &[EncAlg::A128CbcHs256],
            )
            .map_err(|e| match e {
                kv_jose::Error::NotAllowed { .. } => {
                    protection_error("the JWE must use alg RSA-OAEP and enc A128CBC-HS256.")
                }
                _ => protection_error("the JWE could not be decrypted."),
            })?;
        let mut body: Value = serde_json::from_slice(&plain)
            .map_err(|_| protection_error("the decrypted body is not JSON."))?;
        let rek = body
            .as_object_mut()
            .and_then(|o| o.remove("rek"))
            .ok_or_else(|| {
                protection_error("the body has no `rek` (the key to encrypt the answer to).")
            })?;
        let jwk = rek
            .get("jwk")
            .ok_or_else(|| protection_error("`rek` has no `jwk`."))
            .and_then(|j| {
                Jwk::deserialize(j).map_err(|_| protection_error("`rek.jwk` is not a JWK."))
            })?;
        let kid = jwk
            .kid
            .clone()
            .filter(|k| !k.is_empty())
            .ok_or_else(|| protection_error("`rek.jwk` has no `kid`."))?;
        let key = RsaPublicKey::from_jwk_with(&jwk, self.config.provider)
            .map_err(|e| protection_error(&format!("`rek.jwk` is not a usable RSA key: {e}")))?;
        Ok((body, ResponseKey { kid, key }))
    }

    /// Refuses a protected request seen before within the freshness window (a JWS
    /// cannot be replayed to repeat an operation), and forgets ones that fell out of it.
    /// Keyed on what the signature covers, so re-laid-out JSON around the same
    /// signature, or the same JWS sent to another path, is still a replay.
    fn refuse_replay(&self, signing_input: &[u8]) -> Result<(), KvError> {
        use sha2::Digest;
        let digest: [u8; 32] = sha2::Sha256::digest(signing_input).into();
        let now = now_secs();
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // A request stays acceptable while its `ts` is within the window either way,
        // so it must be remembered for twice the window after it arrived.
        while seen
            .order
            .front()
            .is_some_and(|(t, _)| now.saturating_sub(*t) > 2 * FRESHNESS_SECS)
        {
            if let Some((_, d)) = seen.order.pop_front() {
                seen.digests.remove(&d);
            }
        }
        if !seen.digests.insert(digest) {
            return Err(KvError::unauthorized(
                "AKV10047: This protected request was already received; protect every request afresh.",
            ));
        }
        seen.order.push_back((now, digest));
        Ok(())
    }

    /// Encrypts an answer to the response key, then signs it with the vault's key.
    pub(crate) fn protect(&self, answer: &Value, rek: &ResponseKey) -> Result<Answer, KvError> {
        let failed = |_| KvError::new(500, "InternalError", "Could not protect the answer.");
        let jwe = Jwe::encrypt(
            answer.to_string().as_bytes(),
            &JweHeader::new(KeyAlg::RsaOaep, EncAlg::A128CbcHs256).with_kid(rek.kid.clone()),
            &rek.key,
        )
        .map_err(failed)?;
        let header = JwsHeader::new(SigAlg::Rs256)
            .with_kid(self.message_keys.signing_kid.clone())
            .with_param("ts", now_secs().into());
        let jws = Jws::sign(
            &header,
            jwe.to_json().as_bytes(),
            &self.message_keys.signing,
        )
        .map_err(failed)?;
        Ok(Answer::jose(jws.to_json()))
    }
}
