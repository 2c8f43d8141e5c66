//! Symmetric keys (`kty` `oct`) and the key enums JWE takes.

use std::fmt;
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::{Error, Jwk, Result, RsaPrivateKey, RsaPublicKey, Secret};

/// A symmetric key: an AES key-wrap key, or a CEK for `dir`. `Debug` shows its length.
#[derive(Clone)]
pub struct OctKey(Secret<Vec<u8>>);

impl fmt::Debug for OctKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OctKey").field("len", &self.len()).finish()
    }
}

impl OctKey {
    /// Wraps key bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        OctKey(Secret::new(bytes))
    }

    /// Reads an `oct` JWK.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for another `kty`, or a missing or empty `k`.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self> {
        if jwk.kty != "oct" {
            return Err(Error::InvalidKey("JWK `kty` is not oct"));
        }
        let k = jwk
            .k
            .as_ref()
            .ok_or(Error::InvalidKey("oct JWK has no `k`"))?;
        if k.expose_secret().is_empty() {
            return Err(Error::InvalidKey("oct JWK has an empty `k`"));
        }
        Ok(OctKey(k.clone()))
    }

    /// The `oct` JWK (no `kid`).
    pub fn to_jwk(&self) -> Jwk {
        Jwk {
            kty: "oct".into(),
            k: Some(self.0.clone()),
            ..Jwk::default()
        }
    }

    /// Key length in bytes.
    pub fn len(&self) -> usize {
        self.0.expose_secret().len()
    }

    /// Whether the key is empty (never, for a key from [`OctKey::from_jwk`]).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The key bytes, for a primitive that takes them (as [`crate::hazmat`] does).
    ///
    /// ```
    /// let key = kv_jose::OctKey::new(vec![7; 16]);
    /// assert_eq!(key.expose_secret(), &[7; 16]);
    /// ```
    pub fn expose_secret(&self) -> &[u8] {
        self.0.expose_secret()
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        self.0.expose_secret()
    }

    pub(crate) fn to_zeroizing(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.bytes().to_vec())
    }
}

/// A key a JWE can be encrypted to.
#[derive(Debug, Clone, Copy)]
pub enum EncryptionKey<'a> {
    /// An RSA public key (`RSA-OAEP`, `RSA-OAEP-256`, `RSA1_5`).
    Rsa(&'a RsaPublicKey),
    /// A symmetric key (`A128KW`…, `dir`).
    Oct(&'a OctKey),
}

/// A key a JWE can be decrypted with.
#[derive(Debug, Clone, Copy)]
pub enum DecryptionKey<'a> {
    /// An RSA private key.
    Rsa(&'a RsaPrivateKey),
    /// A symmetric key.
    Oct(&'a OctKey),
}

impl<'a> From<&'a RsaPublicKey> for EncryptionKey<'a> {
    fn from(k: &'a RsaPublicKey) -> Self {
        EncryptionKey::Rsa(k)
    }
}

impl<'a> From<&'a OctKey> for EncryptionKey<'a> {
    fn from(k: &'a OctKey) -> Self {
        EncryptionKey::Oct(k)
    }
}

impl<'a> From<&'a RsaPrivateKey> for DecryptionKey<'a> {
    fn from(k: &'a RsaPrivateKey) -> Self {
        DecryptionKey::Rsa(k)
    }
}

impl<'a> From<&'a Arc<RsaPrivateKey>> for DecryptionKey<'a> {
    fn from(k: &'a Arc<RsaPrivateKey>) -> Self {
        DecryptionKey::Rsa(k)
    }
}

impl<'a> From<&'a OctKey> for DecryptionKey<'a> {
    fn from(k: &'a OctKey) -> Self {
        DecryptionKey::Oct(k)
    }
}
