//! The response encryption key (`rek`): what the vault encrypts each answer to.

use std::fmt;
use std::sync::Arc;

use kv_jose::{Jwk, RsaPrivateKey};

use crate::{Error, ProtectionError, Result};

/// An RSA key whose public half goes into a protected request as `rek`, and whose
/// private half decrypts the answer. `Debug` shows only the kid.
pub struct ResponseKey {
    kid: String,
    key: RsaPrivateKey,
}

impl fmt::Debug for ResponseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl ResponseKey {
    /// A fresh RSA-2048 key with a random UUID kid (slow: tens of milliseconds).
    ///
    /// # Errors
    ///
    /// [`Error::Protection`] if key generation fails.
    pub fn generate() -> Result<Self> {
        let key = RsaPrivateKey::generate(2048)
            .map_err(|e| Error::Protection(ProtectionError::Protect(e)))?;
        Ok(ResponseKey::from_key(uuid::Uuid::new_v4().to_string(), key))
    }

    /// Wraps an existing key.
    pub fn from_key(kid: impl Into<String>, key: RsaPrivateKey) -> Self {
        ResponseKey {
            kid: kid.into(),
            key,
        }
    }

    /// The kid the answer's JWE must name.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The private key that decrypts the answer.
    pub fn key(&self) -> &RsaPrivateKey {
        &self.key
    }

    /// The public JWK sent as `rek.jwk` (PROTOCOL.md §3 step 1).
    pub fn public_jwk(&self) -> Jwk {
        let mut jwk = self.key.public().to_jwk();
        jwk.kid = Some(self.kid.clone());
        jwk.key_ops = Some(vec!["encrypt".into(), "wrapKey".into(), "verify".into()]);
        jwk
    }
}

/// Where response keys come from: the seam that decides how `rek` keys are made and
/// reused.
///
/// Each protected request asks for one key; its answer must be encrypted to that
/// key's kid, which is what binds an answer to its request.
pub trait ResponseKeySource: Send + Sync + fmt::Debug {
    /// The key for the next protected request.
    ///
    /// # Errors
    ///
    /// When no key can be made.
    fn next_key(&self) -> Result<Arc<ResponseKey>>;
}

/// A fresh key for every request, as the reference client does: the strongest
/// binding of answer to request, and the slowest (a key generation per call).
#[derive(Debug, Clone, Copy, Default)]
pub struct FreshKeyPerRequest;

impl ResponseKeySource for FreshKeyPerRequest {
    fn next_key(&self) -> Result<Arc<ResponseKey>> {
        ResponseKey::generate().map(Arc::new)
    }
}
