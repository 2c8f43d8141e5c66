//! JSON Web Keys (RFC 7517, RFC 7518 §6) and thumbprints (RFC 7638).
//!
//! [`Jwk`] is the wire form: it parses anything shaped like a JWK and keeps private
//! members as [`Secret`]s. Turn it into a usable key once with
//! [`RsaPublicKey::from_jwk`](crate::RsaPublicKey::from_jwk) or
//! [`RsaPrivateKey::from_jwk`](crate::RsaPrivateKey::from_jwk).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Error, Result, Secret, b64};

/// Largest JWK JSON text accepted by [`Jwk::from_json`].
pub const MAX_JWK_LEN: usize = 16 * 1024;

/// A JSON Web Key as it appears on the wire.
///
/// Unknown members are ignored; binary members must be strict base64url. Private
/// members (`d`, `p`, `q`, `dp`, `dq`, `qi`, `k`) are [`Secret`]s and print as
/// `Secret(..)`.
///
/// ```
/// use kv_jose::Jwk;
/// let jwk = Jwk::from_json(br#"{"kty":"RSA","kid":"k1","n":"AQAB","e":"AQAB","d":"AQAB"}"#).unwrap();
/// assert_eq!(jwk.kid.as_deref(), Some("k1"));
/// assert!(jwk.is_private());
/// assert!(!format!("{jwk:?}").contains("AQAB\""));
/// ```
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Jwk {
    /// Key type: `RSA`, `RSA-HSM`, `oct`, `EC`…
    pub kty: String,
    /// Key identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Intended use (`sig` or `enc`).
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub key_use: Option<String>,
    /// Permitted operations (`sign`, `verify`, `encrypt`, `decrypt`, `wrapKey`, `unwrapKey`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_ops: Option<Vec<String>>,
    /// Intended algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// RSA modulus (big-endian; a leading zero byte is tolerated on input).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_b64")]
    pub n: Option<Vec<u8>>,
    /// RSA public exponent.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_b64")]
    pub e: Option<Vec<u8>>,
    /// RSA private exponent.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_secret")]
    pub d: Option<Secret<Vec<u8>>>,
    /// RSA first prime factor.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_secret")]
    pub p: Option<Secret<Vec<u8>>>,
    /// RSA second prime factor.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_secret")]
    pub q: Option<Secret<Vec<u8>>>,
    /// RSA first factor CRT exponent.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_secret")]
    pub dp: Option<Secret<Vec<u8>>>,
    /// RSA second factor CRT exponent.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_secret")]
    pub dq: Option<Secret<Vec<u8>>>,
    /// RSA first CRT coefficient.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_secret")]
    pub qi: Option<Secret<Vec<u8>>>,
    /// Symmetric key value (`kty` `oct`).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_secret")]
    pub k: Option<Secret<Vec<u8>>>,
}

impl Jwk {
    /// An RSA public JWK from big-endian modulus and exponent.
    pub fn rsa_public(n: Vec<u8>, e: Vec<u8>) -> Self {
        Jwk {
            kty: "RSA".into(),
            n: Some(n),
            e: Some(e),
            ..Jwk::default()
        }
    }

    /// Parses JWK JSON text.
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`] over [`MAX_JWK_LEN`], [`Error::Malformed`] for bad JSON or a
    /// member of the wrong type, [`Error::Base64`] for a bad binary member.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        if json.len() > MAX_JWK_LEN {
            return Err(Error::TooLarge {
                what: "JWK",
                len: json.len(),
                limit: MAX_JWK_LEN,
            });
        }
        serde_json::from_slice(json).map_err(|e| Error::json("JWK", &e))
    }

    /// Serializes to compact JSON text, private members included if present.
    pub fn to_json(&self) -> String {
        // A struct of strings and byte vectors always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The same key with every private member removed.
    pub fn to_public(&self) -> Jwk {
        Jwk {
            d: None,
            p: None,
            q: None,
            dp: None,
            dq: None,
            qi: None,
            k: None,
            ..self.clone()
        }
    }

    /// Whether any private member is present.
    pub fn is_private(&self) -> bool {
        self.d.is_some() || self.p.is_some() || self.q.is_some() || self.k.is_some()
    }

    /// Whether `key_ops` is absent (no restriction) or lists `op`.
    pub fn allows_op(&self, op: &str) -> bool {
        self.key_ops
            .as_ref()
            .is_none_or(|ops| ops.iter().any(|o| o == op))
    }

    /// The RSA modulus and public exponent, both required.
    pub(crate) fn rsa_n_e(&self) -> Result<(&[u8], &[u8])> {
        let n = self
            .n
            .as_deref()
            .ok_or(Error::InvalidKey("RSA JWK has no `n`"))?;
        let e = self
            .e
            .as_deref()
            .ok_or(Error::InvalidKey("RSA JWK has no `e`"))?;
        Ok((n, e))
    }

    /// The RFC 7638 SHA-256 thumbprint, base64url-encoded.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] when a required member for the key type is missing, or the
    /// key type has no thumbprint definition here.
    ///
    /// ```
    /// // RFC 7638 §3.1
    /// let jwk = kv_jose::Jwk::from_json(br#"{"kty":"RSA","e":"AQAB","alg":"RS256","kid":"2011-04-29","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}"#).unwrap();
    /// assert_eq!(jwk.thumbprint_sha256().unwrap(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    /// ```
    pub fn thumbprint_sha256(&self) -> Result<String> {
        let canonical = match self.kty.as_str() {
            "RSA" | "RSA-HSM" => {
                let (n, e) = self.rsa_n_e()?;
                format!(
                    r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
                    b64::encode(trim_leading_zeros(e)),
                    b64::encode(trim_leading_zeros(n))
                )
            }
            "oct" => {
                let k = self
                    .k
                    .as_ref()
                    .ok_or(Error::InvalidKey("oct JWK has no `k`"))?;
                format!(
                    r#"{{"k":"{}","kty":"oct"}}"#,
                    b64::encode(k.expose_secret())
                )
            }
            _ => return Err(Error::InvalidKey("no thumbprint definition for this kty")),
        };
        Ok(b64::encode(&Sha256::digest(canonical.as_bytes())))
    }
}

/// Big-endian integers in JOSE must be minimal, but Key Vault sends `n` with a leading
/// zero byte; this is the tolerant reading.
pub(crate) fn trim_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

mod opt_b64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(bytes) => s.serialize_str(&crate::b64::encode(bytes)),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| crate::b64::decode("JWK member", &s))
            .transpose()
            .map_err(serde::de::Error::custom)
    }
}

mod opt_secret {
    use serde::{Deserialize, Deserializer, Serializer};
    use zeroize::Zeroizing;

    use crate::Secret;

    pub(super) fn serialize<S: Serializer>(
        v: &Option<Secret<Vec<u8>>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(secret) => {
                let text = Zeroizing::new(crate::b64::encode(secret.expose_secret()));
                s.serialize_str(&text)
            }
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Secret<Vec<u8>>>, D::Error> {
        let Some(text) = Option::<String>::deserialize(d)?.map(Zeroizing::new) else {
            return Ok(None);
        };
        crate::b64::decode("JWK private member", &text)
            .map(|bytes| Some(Secret::new(bytes)))
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_members_are_ignored_and_bad_base64_is_refused() {
        let jwk = Jwk::from_json(br#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}"#).unwrap();
        assert_eq!(jwk.kty, "EC");
        let err = Jwk::from_json(br#"{"kty":"RSA","n":"AQAB=","e":"AQAB"}"#).unwrap_err();
        assert!(
            matches!(err, Error::Malformed { what: "JWK", .. }),
            "{err:?}"
        );
    }

    #[test]
    fn private_members_never_print() {
        let jwk = Jwk::from_json(br#"{"kty":"oct","k":"c2VjcmV0LWtleS1ieXRlcw"}"#).unwrap();
        let dbg = format!("{jwk:?}");
        assert!(!dbg.contains("c2VjcmV0"), "{dbg}");
        assert!(!dbg.contains("115, 101, 99"), "{dbg}");
    }

    #[test]
    fn oversized_jwk_is_refused_before_parsing() {
        let big = vec![b' '; MAX_JWK_LEN + 1];
        assert!(matches!(Jwk::from_json(&big), Err(Error::TooLarge { .. })));
    }

    #[test]
    fn leading_zero_in_n_does_not_change_the_thumbprint() {
        let a = Jwk::rsa_public(vec![0xc5, 1, 2], vec![1, 0, 1]);
        let b = Jwk::rsa_public(vec![0, 0xc5, 1, 2], vec![1, 0, 1]);
        assert_eq!(
            a.thumbprint_sha256().unwrap(),
            b.thumbprint_sha256().unwrap()
        );
    }
}
