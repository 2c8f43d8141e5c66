//! JSON Web Encryption (RFC 7516), flattened JSON serialization, RSA key management.
//!
//! Plaintext is reachable only through [`FlattenedJwe::decrypt`], with a key and the
//! algorithms the caller allows. Decryption checks the tag before it decrypts.

use std::fmt;

use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::header::{self, ParamNames};
use crate::{EncAlg, Error, KeyAlg, Result, RsaPrivateKey, RsaPublicKey, b64, cbc_hmac};

const WHAT: &str = "JWE protected header";

/// A JWE protected header: `alg`, `enc`, optional `kid`, and any other parameters.
#[derive(Clone, PartialEq)]
pub struct JweHeader {
    alg: KeyAlg,
    enc: EncAlg,
    kid: Option<String>,
    params: Map<String, Value>,
}

impl fmt::Debug for JweHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JweHeader")
            .field("alg", &self.alg)
            .field("enc", &self.enc)
            .field("kid", &self.kid)
            .field("params", &ParamNames(&self.params))
            .finish()
    }
}

impl JweHeader {
    /// A header with `alg` and `enc`.
    pub fn new(alg: KeyAlg, enc: EncAlg) -> Self {
        JweHeader {
            alg,
            enc,
            kid: None,
            params: Map::new(),
        }
    }

    /// Sets `kid`.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// Adds another parameter; `alg`, `enc` and `kid` take precedence over it.
    pub fn with_param(mut self, name: impl Into<String>, value: Value) -> Self {
        self.params.insert(name.into(), value);
        self
    }

    /// The key management algorithm.
    pub fn alg(&self) -> KeyAlg {
        self.alg
    }

    /// The content encryption algorithm.
    pub fn enc(&self) -> EncAlg {
        self.enc
    }

    /// The key identifier, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Another parameter by name.
    pub fn param(&self, name: &str) -> Option<&Value> {
        self.params.get(name)
    }

    fn to_json(&self) -> String {
        let mut map = self.params.clone();
        map.insert("alg".into(), Value::String(self.alg.as_str().into()));
        map.insert("enc".into(), Value::String(self.enc.as_str().into()));
        match &self.kid {
            Some(kid) => map.insert("kid".into(), Value::String(kid.clone())),
            None => map.remove("kid"),
        };
        Value::Object(map).to_string()
    }

    fn from_protected(protected: &str) -> Result<Self> {
        let mut map = header::decode_protected(WHAT, protected)?;
        let alg = KeyAlg::from_name(&header::take_str(&mut map, WHAT, "alg")?)?;
        let enc = EncAlg::from_name(&header::take_str(&mut map, WHAT, "enc")?)?;
        let kid = header::take_opt_str(&mut map, WHAT, "kid")?;
        Ok(JweHeader {
            alg,
            enc,
            kid,
            params: map,
        })
    }
}

/// A JWE in flattened JSON serialization (RFC 7516 §7.2.2).
///
/// ```
/// use kv_jose::{EncAlg, FlattenedJwe, JweHeader, KeyAlg};
/// # let key = kv_jose::test_keys::rsa_2048_a();
/// let header = JweHeader::new(KeyAlg::RsaOaep, EncAlg::A128CbcHs256).with_kid("k1");
/// let jwe = FlattenedJwe::encrypt(b"secret", &header, key.public())?;
/// let parsed = FlattenedJwe::parse(jwe.to_json().as_bytes())?;
/// let plain = parsed.decrypt(&key, &[KeyAlg::RsaOaep], &[EncAlg::A128CbcHs256])?;
/// assert_eq!(&plain[..], b"secret");
/// # Ok::<(), kv_jose::Error>(())
/// ```
#[derive(Clone)]
pub struct FlattenedJwe {
    protected: String,
    header: JweHeader,
    aad: Option<String>,
    encrypted_key: Vec<u8>,
    iv: Vec<u8>,
    ciphertext: Vec<u8>,
    tag: Vec<u8>,
}

impl fmt::Debug for FlattenedJwe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlattenedJwe")
            .field("header", &self.header)
            .field("ciphertext_len", &self.ciphertext.len())
            .finish_non_exhaustive()
    }
}

fn random(len: usize) -> Result<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(vec![0u8; len]);
    getrandom::fill(&mut buf).map_err(|_| Error::Crypto("the system RNG failed"))?;
    Ok(buf)
}

impl FlattenedJwe {
    /// Encrypts `plaintext` to `key` with a fresh random CEK and IV.
    ///
    /// # Errors
    ///
    /// [`Error::Crypto`] if the RNG or the key encryption fails.
    pub fn encrypt(plaintext: &[u8], header: &JweHeader, key: &RsaPublicKey) -> Result<Self> {
        let cek = random(header.enc.key_len())?;
        let iv = random(header.enc.iv_len())?;
        Self::encrypt_with_cek(plaintext, header, key, &cek, &iv)
    }

    /// Encrypts with a caller-chosen CEK and IV.
    ///
    /// Only for reproducing published test vectors: reusing a CEK or IV breaks the
    /// encryption. Use [`encrypt`](Self::encrypt).
    ///
    /// # Errors
    ///
    /// As [`encrypt`](Self::encrypt), and [`Error::Decrypt`] for wrong CEK or IV lengths.
    #[doc(hidden)]
    pub fn encrypt_with_cek(
        plaintext: &[u8],
        header: &JweHeader,
        key: &RsaPublicKey,
        cek: &[u8],
        iv: &[u8],
    ) -> Result<Self> {
        let encrypted_key = key.encrypt(header.alg, cek)?;
        let protected = b64::encode(header.to_json().as_bytes());
        let sealed = cbc_hmac::seal(header.enc, cek, iv, protected.as_bytes(), plaintext)?;
        Ok(FlattenedJwe {
            protected,
            header: header.clone(),
            aad: None,
            encrypted_key,
            iv: iv.to_vec(),
            ciphertext: sealed.ciphertext,
            tag: sealed.tag,
        })
    }

    /// Parses flattened JWE JSON.
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`], [`Error::Malformed`] (not an object, a member missing or not
    /// a string, an unprotected header, several `recipients`), [`Error::Base64`],
    /// [`Error::ForbiddenHeader`], [`Error::Unsupported`] (`alg`, `enc`).
    pub fn parse(json: &[u8]) -> Result<Self> {
        const OUTER: &str = "flattened JWE";
        header::check_len(OUTER, json.len())?;
        let mut map = header::parse_object(OUTER, json)?;
        for refused in ["header", "unprotected", "recipients"] {
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
        let aad = header::take_opt_str(&mut map, OUTER, "aad")?;
        if let Some(aad) = &aad {
            b64::decode("aad", aad)?;
        }
        let mut bytes = |name: &'static str| -> Result<Vec<u8>> {
            b64::decode(name, &header::take_str(&mut map, OUTER, name)?)
        };
        let encrypted_key = bytes("encrypted_key")?;
        let iv = bytes("iv")?;
        let ciphertext = bytes("ciphertext")?;
        let tag = bytes("tag")?;
        let header = JweHeader::from_protected(&protected)?;
        Ok(FlattenedJwe {
            protected,
            header,
            aad,
            encrypted_key,
            iv,
            ciphertext,
            tag,
        })
    }

    /// The protected header (authenticated only once [`decrypt`](Self::decrypt) succeeds).
    pub fn header(&self) -> &JweHeader {
        &self.header
    }

    /// Unwraps the CEK with `key`, checks the tag, then decrypts.
    ///
    /// # Errors
    ///
    /// [`Error::NotAllowed`] when `alg` or `enc` is not allowed; otherwise every failure
    /// is the opaque [`Error::Decrypt`]. For `RSA1_5` a failed unwrap carries on with a
    /// random CEK (RFC 7516 §11.5), so it fails at the tag like any other forgery.
    pub fn decrypt(
        &self,
        key: &RsaPrivateKey,
        allowed_alg: &[KeyAlg],
        allowed_enc: &[EncAlg],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let (alg, enc) = (self.header.alg, self.header.enc);
        if !allowed_alg.contains(&alg) {
            return Err(Error::NotAllowed {
                what: "JWE alg",
                name: alg.as_str(),
            });
        }
        if !allowed_enc.contains(&enc) {
            return Err(Error::NotAllowed {
                what: "JWE enc",
                name: enc.as_str(),
            });
        }
        let cek = match (alg, key.decrypt(alg, &self.encrypted_key)) {
            (_, Ok(cek)) if cek.len() == enc.key_len() => cek,
            (KeyAlg::Rsa1_5, _) => random(enc.key_len())?,
            _ => return Err(Error::Decrypt),
        };
        let aad = self.aad_bytes();
        cbc_hmac::open(enc, &cek, &self.iv, &aad, &self.ciphertext, &self.tag)
    }

    /// RFC 7516 §5.1 step 14: ASCII(protected), then `.` and the `aad` member if present.
    fn aad_bytes(&self) -> Vec<u8> {
        let mut aad = self.protected.as_bytes().to_vec();
        if let Some(extra) = &self.aad {
            aad.push(b'.');
            aad.extend_from_slice(extra.as_bytes());
        }
        aad
    }

    /// Compact JSON text with `protected`, `encrypted_key`, `iv`, `ciphertext`, `tag`
    /// (and `aad` if present).
    pub fn to_json(&self) -> String {
        let mut v = serde_json::json!({
            "protected": self.protected,
            "encrypted_key": b64::encode(&self.encrypted_key),
            "iv": b64::encode(&self.iv),
            "ciphertext": b64::encode(&self.ciphertext),
            "tag": b64::encode(&self.tag),
        });
        if let (Some(aad), Some(obj)) = (&self.aad, v.as_object_mut()) {
            obj.insert("aad".into(), Value::String(aad.clone()));
        }
        v.to_string()
    }
}
