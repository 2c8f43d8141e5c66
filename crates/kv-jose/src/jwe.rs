//! JSON Web Encryption (RFC 7516): compact, flattened and general JSON serializations.
//!
//! Plaintext is reachable only through [`Jwe::decrypt`], with a key and the algorithms
//! the caller allows. Decryption authenticates before it decrypts, and every
//! cryptographic failure is the one opaque [`Error::Decrypt`].

use std::fmt;

use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::header::{self, ParamNames};
use crate::{DecryptionKey, EncAlg, EncryptionKey, Error, KeyAlg, Result, b64, content, keymgmt};

const WHAT: &str = "JWE header";

/// Most recipients accepted in one general-serialization JWE.
const MAX_RECIPIENTS: usize = 16;

/// A JWE header (the JOSE Header of one recipient): `alg`, `enc`, optional `kid`, and
/// any other parameters.
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

    fn from_map(mut map: Map<String, Value>) -> Result<Self> {
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

#[derive(Clone)]
struct Recipient {
    unprotected: Map<String, Value>,
    header: JweHeader,
    encrypted_key: Vec<u8>,
}

/// A JWE in any serialization.
///
/// ```
/// use kv_jose::{EncAlg, Jwe, JweHeader, KeyAlg};
/// # let key = kv_jose::test_keys::rsa_2048_a();
/// let header = JweHeader::new(KeyAlg::RsaOaep, EncAlg::A128CbcHs256).with_kid("k1");
/// let jwe = Jwe::encrypt(b"secret", &header, key.public())?;
/// let parsed = Jwe::parse_flattened(jwe.to_json().as_bytes())?;
/// let plain = parsed.decrypt(&*key, &[KeyAlg::RsaOaep], &[EncAlg::A128CbcHs256])?;
/// assert_eq!(&plain[..], b"secret");
/// # Ok::<(), kv_jose::Error>(())
/// ```
#[derive(Clone)]
pub struct Jwe {
    protected: String,
    shared: Map<String, Value>,
    aad: Option<String>,
    iv: Vec<u8>,
    ciphertext: Vec<u8>,
    tag: Vec<u8>,
    recipients: Vec<Recipient>,
}

impl fmt::Debug for Jwe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwe")
            .field(
                "headers",
                &self
                    .recipients
                    .iter()
                    .map(|r| &r.header)
                    .collect::<Vec<_>>(),
            )
            .field("ciphertext_len", &self.ciphertext.len())
            .finish_non_exhaustive()
    }
}

impl Jwe {
    /// Encrypts `plaintext` to `key` with a fresh random CEK (or the shared key, for
    /// `dir`) and IV; the whole `header` is protected.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] when the key does not fit `alg`; [`Error::Crypto`] if the
    /// RNG or the key encryption fails.
    pub fn encrypt<'k>(
        plaintext: &[u8],
        header: &JweHeader,
        key: impl Into<EncryptionKey<'k>>,
    ) -> Result<Self> {
        let key = key.into();
        let cek = keymgmt::new_cek(header.alg, key, header.enc)?;
        let iv = keymgmt::random(header.enc.iv_len())?;
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
    pub fn encrypt_with_cek<'k>(
        plaintext: &[u8],
        header: &JweHeader,
        key: impl Into<EncryptionKey<'k>>,
        cek: &[u8],
        iv: &[u8],
    ) -> Result<Self> {
        let recipient = Recipient {
            unprotected: Map::new(),
            header: header.clone(),
            encrypted_key: keymgmt::wrap(header.alg, key.into(), cek)?,
        };
        let protected = b64::encode(header.to_json().as_bytes());
        Jwe::seal(protected, header.enc, cek, iv, plaintext, vec![recipient])
    }

    /// Encrypts `plaintext` under `cek` with `protected` as the AAD, for `recipients`.
    fn seal(
        protected: String,
        enc: EncAlg,
        cek: &[u8],
        iv: &[u8],
        plaintext: &[u8],
        recipients: Vec<Recipient>,
    ) -> Result<Self> {
        let sealed = content::seal(enc, cek, iv, protected.as_bytes(), plaintext)?;
        Ok(Jwe {
            protected,
            shared: Map::new(),
            aad: None,
            iv: iv.to_vec(),
            ciphertext: sealed.ciphertext,
            tag: sealed.tag,
            recipients,
        })
    }

    /// Encrypts `plaintext` once for several recipients (general serialization): the
    /// protected header holds `enc`, each recipient's header its `alg` and `kid`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for `dir` (it cannot share a CEK), a key that does not fit
    /// its `alg`, or no recipient.
    pub fn encrypt_to_many(
        plaintext: &[u8],
        enc: EncAlg,
        recipients: &[(KeyAlg, Option<&str>, EncryptionKey<'_>)],
    ) -> Result<Self> {
        if recipients.is_empty() || recipients.iter().any(|(alg, _, _)| *alg == KeyAlg::Dir) {
            return Err(Error::InvalidKey(
                "encrypt_to_many needs recipients, none of them `dir`",
            ));
        }
        let cek = keymgmt::random(enc.key_len())?;
        let iv = keymgmt::random(enc.iv_len())?;
        let protected = b64::encode(
            serde_json::json!({ "enc": enc.as_str() })
                .to_string()
                .as_bytes(),
        );
        let recipients = recipients
            .iter()
            .map(|(alg, kid, key)| {
                let mut unprotected = Map::new();
                unprotected.insert("alg".into(), alg.as_str().into());
                let mut header = JweHeader::new(*alg, enc);
                if let Some(kid) = kid {
                    unprotected.insert("kid".into(), (*kid).into());
                    header = header.with_kid(*kid);
                }
                Ok(Recipient {
                    unprotected,
                    header,
                    encrypted_key: keymgmt::wrap(*alg, *key, &cek)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Jwe::seal(protected, enc, &cek, &iv, plaintext, recipients)
    }

    /// Parses the compact serialization (five parts).
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`], [`Error::Malformed`], [`Error::Base64`],
    /// [`Error::ForbiddenHeader`], [`Error::Unsupported`].
    pub fn parse_compact(compact: &str) -> Result<Self> {
        const OUTER: &str = "compact JWE";
        header::check_len(OUTER, compact.len())?;
        let parts: Vec<&str> = compact.split('.').collect();
        let [protected, encrypted_key, iv, ciphertext, tag] = parts.as_slice() else {
            return Err(Error::malformed(
                OUTER,
                "a compact JWE has exactly five parts",
            ));
        };
        if protected.is_empty() {
            return Err(Error::malformed(OUTER, "the protected header is empty"));
        }
        Self::assemble(
            protected.to_string(),
            Map::new(),
            None,
            (iv, ciphertext, tag),
            vec![(Map::new(), encrypted_key.to_string())],
        )
    }

    /// Parses the flattened (RFC 7516 §7.2.2) or general (§7.2.1) JSON serialization.
    /// In a general JWE, recipients with algorithms this crate does not implement are
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
    /// As [`parse_json`](Self::parse_json), and [`Error::Malformed`] for a general JWE.
    pub fn parse_flattened(json: &[u8]) -> Result<Self> {
        Self::parse_json_inner(json, false)
    }

    fn parse_json_inner(json: &[u8], allow_general: bool) -> Result<Self> {
        const OUTER: &str = "JWE JSON";
        header::check_len(OUTER, json.len())?;
        let mut map = header::parse_object(OUTER, json)?;
        let protected = header::take_opt_str(&mut map, OUTER, "protected")?.unwrap_or_default();
        let shared = header::take_opt_object(&mut map, OUTER, "unprotected")?;
        let aad = header::take_opt_str(&mut map, OUTER, "aad")?;
        let iv = header::take_str(&mut map, OUTER, "iv")?;
        let ciphertext = header::take_str(&mut map, OUTER, "ciphertext")?;
        let tag = header::take_str(&mut map, OUTER, "tag")?;
        let recipients = match map.remove("recipients") {
            Some(_) if !allow_general => {
                return Err(Error::malformed(
                    OUTER,
                    "a flattened JWE was expected, not a general one",
                ));
            }
            Some(Value::Array(items)) => {
                if map.contains_key("header") || map.contains_key("encrypted_key") {
                    return Err(Error::malformed(
                        OUTER,
                        "`recipients` cannot be mixed with flattened members",
                    ));
                }
                if items.is_empty() || items.len() > MAX_RECIPIENTS {
                    return Err(Error::malformed(
                        OUTER,
                        "`recipients` must hold 1 to 16 recipients",
                    ));
                }
                items
                    .into_iter()
                    .map(|item| match item {
                        Value::Object(mut r) => take_recipient(&mut r),
                        _ => Err(Error::malformed(OUTER, "each recipient must be an object")),
                    })
                    .collect::<Result<Vec<_>>>()?
            }
            Some(_) => return Err(Error::malformed(OUTER, "`recipients` must be an array")),
            None => vec![take_recipient(&mut map)?],
        };
        Self::assemble(protected, shared, aad, (&iv, &ciphertext, &tag), recipients)
    }

    fn assemble(
        protected: String,
        shared: Map<String, Value>,
        aad: Option<String>,
        (iv, ciphertext, tag): (&str, &str, &str),
        recipients: Vec<(Map<String, Value>, String)>,
    ) -> Result<Self> {
        let protected_map = if protected.is_empty() {
            Map::new()
        } else {
            header::decode_protected(WHAT, &protected)?
        };
        if let Some(aad) = &aad {
            b64::decode("aad", aad)?;
        }
        let recipients = crate::jws::keep_supported(recipients.into_iter().map(
            |(unprotected, encrypted_key)| {
                let merged = header::merge(WHAT, &[&protected_map, &shared, &unprotected])?;
                Ok(Recipient {
                    header: JweHeader::from_map(merged)?,
                    unprotected,
                    encrypted_key: b64::decode("encrypted_key", &encrypted_key)?,
                })
            },
        ))?;
        Ok(Jwe {
            protected,
            shared,
            aad,
            iv: b64::decode("iv", iv)?,
            ciphertext: b64::decode("ciphertext", ciphertext)?,
            tag: b64::decode("tag", tag)?,
            recipients,
        })
    }

    /// Whether every header parameter is in the protected header (no `unprotected`,
    /// no per-recipient `header`). Protocols that rely on header values (Key Vault
    /// message protection does) should require it.
    pub fn is_fully_protected(&self) -> bool {
        self.shared.is_empty() && self.recipients.iter().all(|r| r.unprotected.is_empty())
    }

    /// The first recipient's header (the only one, for compact and flattened JWEs).
    /// Authenticated only once [`decrypt`](Self::decrypt) succeeds.
    pub fn header(&self) -> &JweHeader {
        // A Jwe always has at least one recipient.
        &self.recipients[0].header
    }

    /// Every recipient's header.
    pub fn headers(&self) -> impl Iterator<Item = &JweHeader> {
        self.recipients.iter().map(|r| &r.header)
    }

    /// Recovers the CEK with `key` from the first recipient whose `alg` is allowed and
    /// fits the key, checks the tag, then decrypts.
    ///
    /// # Errors
    ///
    /// [`Error::NotAllowed`] when no recipient uses an allowed `alg` and `enc`;
    /// otherwise every failure is the opaque [`Error::Decrypt`]. For `RSA1_5` a failed
    /// unwrap carries on with a random CEK (RFC 7516 §11.5), so it fails at the tag
    /// like any other forgery.
    pub fn decrypt<'k>(
        &self,
        key: impl Into<DecryptionKey<'k>>,
        allowed_alg: &[KeyAlg],
        allowed_enc: &[EncAlg],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let key = key.into();
        let aad = self.aad_bytes();
        let mut outcome = None;
        for r in &self.recipients {
            let (alg, enc) = (r.header.alg, r.header.enc);
            if !allowed_alg.contains(&alg) {
                outcome.get_or_insert(Error::NotAllowed {
                    what: "JWE alg",
                    name: alg.as_str(),
                });
                continue;
            }
            if !allowed_enc.contains(&enc) {
                outcome.get_or_insert(Error::NotAllowed {
                    what: "JWE enc",
                    name: enc.as_str(),
                });
                continue;
            }
            if !keymgmt::fits(alg, key) {
                continue;
            }
            let opened = keymgmt::unwrap(alg, key, &r.encrypted_key, enc).and_then(|cek| {
                content::open(enc, &cek, &self.iv, &aad, &self.ciphertext, &self.tag)
            });
            match opened {
                Ok(plain) => return Ok(plain),
                Err(_) => outcome = Some(Error::Decrypt),
            }
        }
        Err(outcome.unwrap_or(Error::Decrypt))
    }

    /// RFC 7516 §5.1 step 14: ASCII(protected), then `.` and the `aad` member if present.
    fn aad_bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        match &self.aad {
            None => self.protected.as_bytes().into(),
            Some(extra) => {
                let mut aad = self.protected.as_bytes().to_vec();
                aad.push(b'.');
                aad.extend_from_slice(extra.as_bytes());
                aad.into()
            }
        }
    }

    /// The compact serialization.
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`] for several recipients, unprotected headers or `aad`,
    /// which the compact form cannot carry.
    pub fn to_compact(&self) -> Result<String> {
        match self.recipients.as_slice() {
            [r] if r.unprotected.is_empty()
                && self.shared.is_empty()
                && self.aad.is_none()
                && !self.protected.is_empty() =>
            {
                Ok(format!(
                    "{}.{}.{}.{}.{}",
                    self.protected,
                    b64::encode(&r.encrypted_key),
                    b64::encode(&self.iv),
                    b64::encode(&self.ciphertext),
                    b64::encode(&self.tag)
                ))
            }
            _ => Err(Error::malformed(
                "compact JWE",
                "only one recipient with a protected header only fits the compact form",
            )),
        }
    }

    fn shared_members(&self) -> Map<String, Value> {
        let mut o = Map::new();
        if !self.protected.is_empty() {
            o.insert("protected".into(), self.protected.clone().into());
        }
        if !self.shared.is_empty() {
            o.insert("unprotected".into(), Value::Object(self.shared.clone()));
        }
        if let Some(aad) = &self.aad {
            o.insert("aad".into(), aad.clone().into());
        }
        o.insert("iv".into(), b64::encode(&self.iv).into());
        o.insert("ciphertext".into(), b64::encode(&self.ciphertext).into());
        o.insert("tag".into(), b64::encode(&self.tag).into());
        o
    }

    fn recipient_members(r: &Recipient) -> Map<String, Value> {
        let mut o = Map::new();
        if !r.unprotected.is_empty() {
            o.insert("header".into(), Value::Object(r.unprotected.clone()));
        }
        if !r.encrypted_key.is_empty() {
            o.insert("encrypted_key".into(), b64::encode(&r.encrypted_key).into());
        }
        o
    }

    /// Compact JSON text: flattened for one recipient, general for several.
    pub fn to_json(&self) -> String {
        match self.recipients.as_slice() {
            [r] => {
                let mut o = self.shared_members();
                o.extend(Self::recipient_members(r));
                Value::Object(o).to_string()
            }
            _ => self.to_general_json(),
        }
    }

    /// The general JSON serialization, whatever the number of recipients.
    pub fn to_general_json(&self) -> String {
        let mut o = self.shared_members();
        o.insert(
            "recipients".into(),
            Value::Array(
                self.recipients
                    .iter()
                    .map(|r| Value::Object(Self::recipient_members(r)))
                    .collect(),
            ),
        );
        Value::Object(o).to_string()
    }
}

fn take_recipient(map: &mut Map<String, Value>) -> Result<(Map<String, Value>, String)> {
    const OUTER: &str = "JWE recipient";
    let unprotected = header::take_opt_object(map, OUTER, "header")?;
    let encrypted_key = header::take_opt_str(map, OUTER, "encrypted_key")?.unwrap_or_default();
    Ok((unprotected, encrypted_key))
}
