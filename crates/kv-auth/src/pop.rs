//! Proof-of-possession keys (PROTOCOL.md §2).

use std::fmt;
use std::sync::Arc;

use kv_jose::{CryptoProvider, Jwk, RsaPrivateKey};

use crate::{Error, Result};

/// The RSA-2048 key a PoP token is bound to, with its `kid`.
///
/// The authority records the public half when it issues the token; the client signs
/// each protected request with the private half. `Debug` shows only the `kid`.
#[derive(Clone)]
pub struct PopKey {
    kid: String,
    key: Arc<RsaPrivateKey>,
}

impl fmt::Debug for PopKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PopKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl PopKey {
    /// Generates a fresh RSA-2048 key with a random UUID `kid`. Slow (key generation):
    /// done once per token, never per request.
    ///
    /// # Errors
    ///
    /// [`Error::PopKey`] if key generation fails.
    pub fn generate() -> Result<Self> {
        PopKey::generate_with(CryptoProvider::default())
    }

    /// As [`generate`](Self::generate), with `provider`.
    ///
    /// # Errors
    ///
    /// [`Error::PopKey`] if key generation fails.
    pub fn generate_with(provider: CryptoProvider) -> Result<Self> {
        let key = RsaPrivateKey::generate_with(2048, provider).map_err(Error::PopKey)?;
        Ok(PopKey::from_key(
            uuid::Uuid::new_v4().to_string(),
            Arc::new(key),
        ))
    }

    /// Wraps an existing key.
    pub fn from_key(kid: impl Into<String>, key: Arc<RsaPrivateKey>) -> Self {
        PopKey {
            kid: kid.into(),
            key,
        }
    }

    /// The key id written in the JWS header of protected requests.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The private key.
    pub fn key(&self) -> &RsaPrivateKey {
        &self.key
    }

    /// The public JWK sent as `pop_jwk`: `kty`, `n`, `e`, `kid`, `key_ops`.
    pub fn public_jwk(&self) -> Jwk {
        let mut jwk = self.key.public().to_jwk();
        jwk.kid = Some(self.kid.clone());
        jwk.key_ops = Some(vec!["verify".into()]);
        jwk
    }
}
