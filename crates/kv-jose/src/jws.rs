//! JSON Web Signature (RFC 7515), flattened JSON serialization.
//!
//! A parsed [`FlattenedJws`] is untrusted: its payload is reachable only through
//! [`FlattenedJws::verify`], which takes a key the caller pinned and the algorithms the
//! caller allows. The header never chooses the key or the algorithm.

use std::fmt;

use serde_json::{Map, Value};

use crate::header::{self, ParamNames};
use crate::{Error, Result, RsaPrivateKey, RsaPublicKey, SigAlg, b64};

const WHAT: &str = "JWS protected header";

/// A JWS protected header: `alg`, optional `kid` and `typ`, and any other parameters.
///
/// `Debug` prints the names of other parameters, never their values (a PoP header
/// carries an access token in `at`).
#[derive(Clone, PartialEq)]
pub struct JwsHeader {
    alg: SigAlg,
    kid: Option<String>,
    typ: Option<String>,
    params: Map<String, Value>,
}

impl fmt::Debug for JwsHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwsHeader")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("typ", &self.typ)
            .field("params", &ParamNames(&self.params))
            .finish()
    }
}

impl JwsHeader {
    /// A header with only `alg`.
    pub fn new(alg: SigAlg) -> Self {
        JwsHeader {
            alg,
            kid: None,
            typ: None,
            params: Map::new(),
        }
    }

    /// Sets `kid`.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// Sets `typ`.
    pub fn with_typ(mut self, typ: impl Into<String>) -> Self {
        self.typ = Some(typ.into());
        self
    }

    /// Adds another parameter. `alg`, `kid` and `typ` are set by their own methods and
    /// take precedence over a parameter of the same name.
    pub fn with_param(mut self, name: impl Into<String>, value: Value) -> Self {
        self.params.insert(name.into(), value);
        self
    }

    /// The signature algorithm.
    pub fn alg(&self) -> SigAlg {
        self.alg
    }

    /// The key identifier, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The type, if any.
    pub fn typ(&self) -> Option<&str> {
        self.typ.as_deref()
    }

    /// Another parameter by name.
    pub fn param(&self, name: &str) -> Option<&Value> {
        self.params.get(name)
    }

    fn to_json(&self) -> String {
        let mut map = self.params.clone();
        map.insert("alg".into(), Value::String(self.alg.as_str().into()));
        for (name, value) in [("kid", &self.kid), ("typ", &self.typ)] {
            match value {
                Some(v) => map.insert(name.into(), Value::String(v.clone())),
                None => map.remove(name),
            };
        }
        Value::Object(map).to_string()
    }

    fn from_protected(protected: &str) -> Result<Self> {
        let mut map = header::decode_protected(WHAT, protected)?;
        let alg = SigAlg::from_name(&header::take_str(&mut map, WHAT, "alg")?)?;
        let kid = header::take_opt_str(&mut map, WHAT, "kid")?;
        let typ = header::take_opt_str(&mut map, WHAT, "typ")?;
        Ok(JwsHeader {
            alg,
            kid,
            typ,
            params: map,
        })
    }
}

/// A JWS in flattened JSON serialization (RFC 7515 §7.2.2), parsed but not verified.
///
/// It keeps the `protected` text exactly as received, because the signature covers
/// those bytes, not a re-serialization.
///
/// ```
/// use kv_jose::{FlattenedJws, JwsHeader, RsaPrivateKey, SigAlg};
/// # let key = kv_jose::test_keys::rsa_2048_a();
/// let jws = FlattenedJws::sign(&JwsHeader::new(SigAlg::Rs256).with_kid("k1"), b"hello", &key)?;
/// let wire = jws.to_json();
///
/// let parsed = FlattenedJws::parse(wire.as_bytes())?;
/// assert_eq!(parsed.unverified_header().kid(), Some("k1"));
/// let verified = parsed.verify(key.public(), &[SigAlg::Rs256])?;
/// assert_eq!(verified.payload(), b"hello");
/// # Ok::<(), kv_jose::Error>(())
/// ```
#[derive(Clone)]
pub struct FlattenedJws {
    protected: String,
    header: JwsHeader,
    payload: String,
    signature: Vec<u8>,
}

impl fmt::Debug for FlattenedJws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlattenedJws")
            .field("header", &self.header)
            .field("payload_len", &self.payload.len())
            .finish_non_exhaustive()
    }
}

impl FlattenedJws {
    /// Signs `payload` under `header` with `key`.
    ///
    /// # Errors
    ///
    /// [`Error::Crypto`] if signing fails.
    pub fn sign(header: &JwsHeader, payload: &[u8], key: &RsaPrivateKey) -> Result<Self> {
        let protected = b64::encode(header.to_json().as_bytes());
        let payload = b64::encode(payload);
        let signature = key.sign(header.alg, signing_input(&protected, &payload).as_bytes())?;
        Ok(FlattenedJws {
            protected,
            header: header.clone(),
            payload,
            signature,
        })
    }

    /// Parses flattened JWS JSON. Only the protected header is decoded; the payload
    /// stays opaque until [`verify`](Self::verify).
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`], [`Error::Malformed`] (not an object, a member missing or not
    /// a string, an unprotected `header`, a general-serialization `signatures`),
    /// [`Error::Base64`], [`Error::ForbiddenHeader`], [`Error::Unsupported`] (`alg`).
    pub fn parse(json: &[u8]) -> Result<Self> {
        const OUTER: &str = "flattened JWS";
        header::check_len(OUTER, json.len())?;
        let mut map = header::parse_object(OUTER, json)?;
        for refused in ["header", "signatures"] {
            if map.contains_key(refused) {
                return Err(Error::malformed(
                    OUTER,
                    format!(
                        "`{refused}` is not accepted: every header parameter must be protected"
                    ),
                ));
            }
        }
        let protected = header::take_str(&mut map, OUTER, "protected")?;
        let payload = header::take_str(&mut map, OUTER, "payload")?;
        let signature = b64::decode(
            "signature",
            &header::take_str(&mut map, OUTER, "signature")?,
        )?;
        let header = JwsHeader::from_protected(&protected)?;
        Ok(FlattenedJws {
            protected,
            header,
            payload,
            signature,
        })
    }

    /// The header, not yet authenticated: use it only to decide which pinned key to try.
    pub fn unverified_header(&self) -> &JwsHeader {
        &self.header
    }

    /// The protected header text exactly as it appears on the wire.
    pub fn protected(&self) -> &str {
        &self.protected
    }

    /// Verifies the signature with a pinned key and allowed algorithms, then decodes
    /// the payload.
    ///
    /// # Errors
    ///
    /// [`Error::NotAllowed`] if the header's `alg` is not in `allowed`,
    /// [`Error::BadSignature`] if the signature does not verify, [`Error::Base64`] for a
    /// bad payload encoding.
    pub fn verify(&self, key: &RsaPublicKey, allowed: &[SigAlg]) -> Result<VerifiedJws> {
        let alg = self.header.alg;
        if !allowed.contains(&alg) {
            return Err(Error::NotAllowed {
                what: "JWS alg",
                name: alg.as_str(),
            });
        }
        key.verify(
            alg,
            signing_input(&self.protected, &self.payload).as_bytes(),
            &self.signature,
        )?;
        Ok(VerifiedJws {
            header: self.header.clone(),
            payload: b64::decode("payload", &self.payload)?,
        })
    }

    /// Compact JSON text `{"protected":…,"payload":…,"signature":…}`.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "protected": self.protected,
            "payload": self.payload,
            "signature": b64::encode(&self.signature),
        })
        .to_string()
    }
}

fn signing_input(protected: &str, payload: &str) -> String {
    let mut s = String::with_capacity(protected.len() + 1 + payload.len());
    s.push_str(protected);
    s.push('.');
    s.push_str(payload);
    s
}

/// A JWS whose signature verified: the only holder of its payload.
#[derive(Clone)]
pub struct VerifiedJws {
    header: JwsHeader,
    payload: Vec<u8>,
}

impl fmt::Debug for VerifiedJws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedJws")
            .field("header", &self.header)
            .field("payload_len", &self.payload.len())
            .finish()
    }
}

impl VerifiedJws {
    /// The authenticated header.
    pub fn header(&self) -> &JwsHeader {
        &self.header
    }

    /// The authenticated payload.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Takes the payload.
    pub fn into_payload(self) -> Vec<u8> {
        self.payload
    }
}
