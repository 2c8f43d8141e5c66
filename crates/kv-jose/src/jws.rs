//! JSON Web Signature (RFC 7515): compact, flattened and general JSON serializations.
//!
//! A parsed [`Jws`] is untrusted: its payload is reachable only through
//! [`Jws::verify`], which takes a key the caller pinned and the algorithms the caller
//! allows. The header never chooses the key or the algorithm.

use std::fmt;

use serde_json::{Map, Value};

use crate::header::{self, ParamNames};
use crate::{Error, Result, RsaPrivateKey, RsaPublicKey, SigAlg, b64};

const WHAT: &str = "JWS header";

/// Most signatures accepted in one general-serialization JWS.
const MAX_SIGNATURES: usize = 16;

/// A JWS header (the JOSE Header: protected and unprotected parameters together):
/// `alg`, optional `kid` and `typ`, and any other parameters.
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

    fn from_map(mut map: Map<String, Value>) -> Result<Self> {
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

/// One signature: the protected header text exactly as received (the signature
/// covers those bytes), the unprotected header, and the merged JOSE header.
#[derive(Clone)]
struct Signature {
    protected: String,
    unprotected: Map<String, Value>,
    header: JwsHeader,
    signature: Vec<u8>,
}

impl Signature {
    fn parse(
        protected: Option<String>,
        unprotected: Map<String, Value>,
        signature: &str,
    ) -> Result<Self> {
        let protected = protected.unwrap_or_default();
        let protected_map = if protected.is_empty() {
            Map::new()
        } else {
            header::decode_protected(WHAT, &protected)?
        };
        let merged = header::merge(WHAT, &[&protected_map, &unprotected])?;
        Ok(Signature {
            header: JwsHeader::from_map(merged)?,
            protected,
            unprotected,
            signature: b64::decode("signature", signature)?,
        })
    }

    fn to_value(&self) -> Value {
        let mut o = Map::new();
        if !self.protected.is_empty() {
            o.insert("protected".into(), self.protected.clone().into());
        }
        if !self.unprotected.is_empty() {
            o.insert("header".into(), Value::Object(self.unprotected.clone()));
        }
        o.insert("signature".into(), b64::encode(&self.signature).into());
        Value::Object(o)
    }
}

/// A JWS, parsed but not verified, in any serialization.
///
/// ```
/// use kv_jose::{Jws, JwsHeader, SigAlg};
/// # let key = kv_jose::test_keys::rsa_2048_a();
/// let jws = Jws::sign(&JwsHeader::new(SigAlg::Rs256).with_kid("k1"), b"hello", &key)?;
///
/// // The same JWS in compact and flattened JSON form.
/// let compact = Jws::parse_compact(&jws.to_compact()?)?;
/// let flattened = Jws::parse_flattened(jws.to_json().as_bytes())?;
/// assert_eq!(flattened.unverified_header().kid(), Some("k1"));
///
/// let verified = compact.verify(key.public(), &[SigAlg::Rs256])?;
/// assert_eq!(verified.payload(), b"hello");
/// # Ok::<(), kv_jose::Error>(())
/// ```
#[derive(Clone)]
pub struct Jws {
    payload: String,
    signatures: Vec<Signature>,
}

impl fmt::Debug for Jws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jws")
            .field(
                "headers",
                &self
                    .signatures
                    .iter()
                    .map(|s| &s.header)
                    .collect::<Vec<_>>(),
            )
            .field("payload_len", &self.payload.len())
            .finish_non_exhaustive()
    }
}

fn signing_input(protected: &str, payload: &str) -> Vec<u8> {
    let mut s = Vec::with_capacity(protected.len() + 1 + payload.len());
    s.extend_from_slice(protected.as_bytes());
    s.push(b'.');
    s.extend_from_slice(payload.as_bytes());
    s
}

impl Jws {
    /// Signs `payload` with `key`; the whole `header` is protected.
    ///
    /// # Errors
    ///
    /// [`Error::Crypto`] if signing fails.
    pub fn sign(header: &JwsHeader, payload: &[u8], key: &RsaPrivateKey) -> Result<Self> {
        Jws {
            payload: b64::encode(payload),
            signatures: Vec::new(),
        }
        .add_signature(header, key)
    }

    /// Adds another signature over the same payload (general serialization).
    ///
    /// # Errors
    ///
    /// [`Error::Crypto`] if signing fails.
    pub fn add_signature(mut self, header: &JwsHeader, key: &RsaPrivateKey) -> Result<Self> {
        let protected = b64::encode(header.to_json().as_bytes());
        let signature = key.sign(header.alg, &signing_input(&protected, &self.payload))?;
        self.signatures.push(Signature {
            protected,
            unprotected: Map::new(),
            header: header.clone(),
            signature,
        });
        Ok(self)
    }

    /// Parses the compact serialization `protected.payload.signature`.
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`], [`Error::Malformed`] (not three parts, no protected
    /// header), [`Error::Base64`], [`Error::ForbiddenHeader`], [`Error::Unsupported`].
    pub fn parse_compact(compact: &str) -> Result<Self> {
        const OUTER: &str = "compact JWS";
        header::check_len(OUTER, compact.len())?;
        let mut parts = compact.split('.');
        let (Some(protected), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::malformed(
                OUTER,
                "a compact JWS has exactly three parts",
            ));
        };
        if protected.is_empty() {
            return Err(Error::malformed(OUTER, "the protected header is empty"));
        }
        let signature = Signature::parse(Some(protected.to_string()), Map::new(), signature)?;
        Ok(Jws {
            payload: payload.to_string(),
            signatures: vec![signature],
        })
    }

    /// Parses the flattened (RFC 7515 §7.2.2) or general (§7.2.1) JSON serialization.
    /// In a general JWS, signatures with algorithms this crate does not implement are
    /// dropped.
    ///
    /// # Errors
    ///
    /// As [`parse_compact`](Self::parse_compact), for JSON structure.
    pub fn parse_json(json: &[u8]) -> Result<Self> {
        Self::parse_json_inner(json, true)
    }

    /// Parses only the flattened JSON serialization (what Key Vault sends).
    ///
    /// # Errors
    ///
    /// As [`parse_json`](Self::parse_json), and [`Error::Malformed`] for a general JWS.
    pub fn parse_flattened(json: &[u8]) -> Result<Self> {
        Self::parse_json_inner(json, false)
    }

    fn parse_json_inner(json: &[u8], allow_general: bool) -> Result<Self> {
        const OUTER: &str = "JWS JSON";
        header::check_len(OUTER, json.len())?;
        let mut map = header::parse_object(OUTER, json)?;
        let payload = header::take_str(&mut map, OUTER, "payload")?;
        let signatures = match map.remove("signatures") {
            Some(_) if !allow_general => {
                return Err(Error::malformed(
                    OUTER,
                    "a flattened JWS was expected, not a general one",
                ));
            }
            Some(Value::Array(items)) => {
                if ["protected", "header", "signature"]
                    .iter()
                    .any(|k| map.contains_key(*k))
                {
                    return Err(Error::malformed(
                        OUTER,
                        "`signatures` cannot be mixed with flattened members",
                    ));
                }
                if items.is_empty() || items.len() > MAX_SIGNATURES {
                    return Err(Error::malformed(
                        OUTER,
                        "`signatures` must hold 1 to 16 signatures",
                    ));
                }
                keep_supported(items.into_iter().map(|item| match item {
                    Value::Object(mut s) => parse_signature(&mut s),
                    _ => Err(Error::malformed(OUTER, "each signature must be an object")),
                }))?
            }
            Some(_) => return Err(Error::malformed(OUTER, "`signatures` must be an array")),
            None => vec![parse_signature(&mut map)?],
        };
        Ok(Jws {
            payload,
            signatures,
        })
    }

    /// The header of the first signature, not yet authenticated: use it only to choose
    /// which pinned key to try.
    pub fn unverified_header(&self) -> &JwsHeader {
        // A Jws always has at least one signature.
        &self.signatures[0].header
    }

    /// Whether every signature's header is wholly protected (no unprotected `header`).
    /// A signature covers only the protected header, so protocols that rely on header
    /// values (Key Vault message protection's `at` and `ts`) must require it.
    pub fn is_fully_protected(&self) -> bool {
        self.signatures.iter().all(|s| s.unprotected.is_empty())
    }

    /// The headers of all signatures, not yet authenticated.
    pub fn unverified_headers(&self) -> impl Iterator<Item = &JwsHeader> {
        self.signatures.iter().map(|s| &s.header)
    }

    /// The first signature's protected header exactly as it appears on the wire.
    pub fn protected(&self) -> &str {
        &self.signatures[0].protected
    }

    /// Verifies with a pinned key and allowed algorithms, then decodes the payload.
    /// With several signatures, the first that verifies under `key` is the one used.
    ///
    /// # Errors
    ///
    /// [`Error::NotAllowed`] if no signature uses an allowed algorithm,
    /// [`Error::BadSignature`] if none verifies, [`Error::Base64`] for a bad payload.
    pub fn verify(&self, key: &RsaPublicKey, allowed: &[SigAlg]) -> Result<VerifiedJws> {
        let mut outcome = None;
        for s in &self.signatures {
            let alg = s.header.alg;
            if !allowed.contains(&alg) {
                outcome.get_or_insert(Error::NotAllowed {
                    what: "JWS alg",
                    name: alg.as_str(),
                });
                continue;
            }
            let input = signing_input(&s.protected, &self.payload);
            match key.verify(alg, &input, &s.signature) {
                Ok(()) => {
                    return Ok(VerifiedJws {
                        header: s.header.clone(),
                        payload: b64::decode("payload", &self.payload)?,
                        signing_input: input,
                    });
                }
                Err(e) => outcome = Some(e),
            }
        }
        Err(outcome.unwrap_or(Error::BadSignature))
    }

    /// The compact serialization.
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`] for several signatures or an unprotected header, which the
    /// compact form cannot carry.
    pub fn to_compact(&self) -> Result<String> {
        match self.signatures.as_slice() {
            [s] if s.unprotected.is_empty() && !s.protected.is_empty() => Ok(format!(
                "{}.{}.{}",
                s.protected,
                self.payload,
                b64::encode(&s.signature)
            )),
            _ => Err(Error::malformed(
                "compact JWS",
                "only one signature with a protected header only fits the compact form",
            )),
        }
    }

    /// Compact JSON text: flattened for one signature, general for several.
    pub fn to_json(&self) -> String {
        match self.signatures.as_slice() {
            [s] => {
                let mut v = s.to_value();
                if let Some(o) = v.as_object_mut() {
                    o.insert("payload".into(), self.payload.clone().into());
                }
                v.to_string()
            }
            _ => self.to_general_json(),
        }
    }

    /// The general JSON serialization, whatever the number of signatures.
    pub fn to_general_json(&self) -> String {
        serde_json::json!({
            "payload": self.payload,
            "signatures": self.signatures.iter().map(Signature::to_value).collect::<Vec<_>>(),
        })
        .to_string()
    }
}

/// In a general serialization, entries for algorithms this crate does not implement
/// are skipped (another signer may use them); any other fault fails the whole parse,
/// and so does having no supported entry at all.
pub(crate) fn keep_supported<T>(items: impl Iterator<Item = Result<T>>) -> Result<Vec<T>> {
    let mut kept = Vec::new();
    let mut unsupported = None;
    for item in items {
        match item {
            Ok(t) => kept.push(t),
            Err(e @ Error::Unsupported { .. }) => {
                unsupported.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    match (kept.is_empty(), unsupported) {
        (true, Some(e)) => Err(e),
        _ => Ok(kept),
    }
}

fn parse_signature(map: &mut Map<String, Value>) -> Result<Signature> {
    const OUTER: &str = "JWS signature";
    let protected = header::take_opt_str(map, OUTER, "protected")?;
    let unprotected = header::take_opt_object(map, OUTER, "header")?;
    let signature = header::take_str(map, OUTER, "signature")?;
    Signature::parse(protected, unprotected, &signature)
}

/// A JWS whose signature verified: the only holder of its payload.
#[derive(Clone)]
pub struct VerifiedJws {
    header: JwsHeader,
    payload: Vec<u8>,
    signing_input: Vec<u8>,
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
    /// The header of the signature that verified.
    pub fn header(&self) -> &JwsHeader {
        &self.header
    }

    /// The authenticated payload.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The bytes the verified signature covers (`BASE64URL(protected) '.'
    /// BASE64URL(payload)`, as received). Two JWSs with the same signing input are the
    /// same signed message however their JSON is laid out, so this is what a replay
    /// cache should remember.
    ///
    /// ```
    /// use kv_jose::{Jws, JwsHeader, SigAlg};
    /// # let key = kv_jose::test_keys::rsa_2048_a();
    /// let jws = Jws::sign(&JwsHeader::new(SigAlg::Rs256), b"hello", &key)?;
    /// let spaced = jws.to_json().replace(':', " : ");
    /// let a = jws.verify(key.public(), &[SigAlg::Rs256])?;
    /// let b = Jws::parse_flattened(spaced.as_bytes())?.verify(key.public(), &[SigAlg::Rs256])?;
    /// assert_eq!(a.signing_input(), b.signing_input());
    /// # Ok::<(), kv_jose::Error>(())
    /// ```
    pub fn signing_input(&self) -> &[u8] {
        &self.signing_input
    }

    /// Takes the payload.
    pub fn into_payload(self) -> Vec<u8> {
        self.payload
    }
}
