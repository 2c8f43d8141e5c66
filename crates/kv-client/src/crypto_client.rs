//! Local cryptography with a vault key's public half.

use kv_jose::{KeyKind, RsaPublicKey};

use crate::{
    EncryptionAlgorithm, Error, KeyBundle, KeyOperationResult, KeyVaultClient, PlaintextResult,
    Result, SignatureAlgorithm,
};

/// Cryptography with one key version: encrypt, wrap and verify run locally with the
/// public key fetched once (no round trip, nothing to protect), honouring the key's
/// `key_ops` and validity; decrypt, unwrap and sign always run in the vault.
///
/// The public key comes from a key GET, which message protection does not cover
/// (only the key operations are protected): its integrity rests on TLS alone. Where
/// the key you wrap to must carry the protocol's end-to-end assurance, use
/// [`force_remote(true)`](Self::force_remote) so every operation is a protected call.
///
/// ```
/// use std::sync::Arc;
/// use kv_client::{CreateKeyOptions, EncryptionAlgorithm, KeyVaultClient};
/// # let emulator = kv_emulator::Emulator::builder().start()?;
/// let client = KeyVaultClient::builder(emulator.url())
///     .credential(Arc::new(kv_auth::ClientSecretCredential::new("kv-sample", "kv-sample-secret")))
///     .build()?;
/// client.create_key("local", &CreateKeyOptions::rsa(2048))?;
/// let crypto = client.cryptography_client("local", None)?;
/// let wrapped = crypto.wrap_key(EncryptionAlgorithm::RsaOaep, &[7; 32])?; // local
/// let unwrapped = crypto.unwrap_key(EncryptionAlgorithm::RsaOaep, &wrapped.value)?; // remote
/// assert_eq!(unwrapped.value.expose_secret(), &[7; 32]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct CryptographyClient {
    client: KeyVaultClient,
    bundle: KeyBundle,
    name: String,
    version: String,
    public: Option<RsaPublicKey>,
    force_remote: bool,
}

impl CryptographyClient {
    pub(crate) fn new(client: KeyVaultClient, bundle: KeyBundle) -> Result<Self> {
        let id = bundle.key_id()?;
        let public = match bundle.key.kty.as_str() {
            "RSA" | "RSA-HSM" => Some(
                RsaPublicKey::from_jwk_with(&bundle.key, client.provider()).map_err(|e| {
                    Error::UnexpectedAnswer(format!("the vault's key is not usable: {e}"))
                })?,
            ),
            _ => None,
        };
        Ok(CryptographyClient {
            name: id.name().to_string(),
            version: id.version().unwrap_or_default().to_string(),
            client,
            bundle,
            public,
            force_remote: false,
        })
    }

    /// Sends every operation to the vault, local ones included.
    pub fn force_remote(mut self, remote: bool) -> Self {
        self.force_remote = remote;
        self
    }

    /// The key this client works with.
    pub fn key(&self) -> &KeyBundle {
        &self.bundle
    }

    fn version(&self) -> Option<&str> {
        Some(self.version.as_str()).filter(|v| !v.is_empty())
    }

    /// The public key, when the operation may run locally: not forced remote, an RSA
    /// key, permitted by `key_ops`, and within its validity.
    fn local(&self, op: &str) -> Result<Option<&RsaPublicKey>> {
        if self.force_remote {
            return Ok(None);
        }
        let Some(public) = &self.public else {
            return Ok(None);
        };
        if !self.bundle.key.allows_op(op) {
            return Err(Error::InvalidArgument(format!(
                "the key's key_ops do not permit {op}"
            )));
        }
        let a = &self.bundle.attributes;
        let now = crate::pipeline::now_secs();
        let valid = a.enabled != Some(false)
            && a.not_before.is_none_or(|nbf| now >= nbf)
            && a.expires.is_none_or(|exp| now < exp);
        // An invalid key is the vault's to refuse, with its own error.
        Ok(valid.then_some(public))
    }

    fn encrypt_locally(
        &self,
        public: &RsaPublicKey,
        alg: EncryptionAlgorithm,
        plaintext: &[u8],
    ) -> Result<KeyOperationResult> {
        if alg.key_kind() != KeyKind::Rsa {
            return Err(Error::InvalidArgument(format!(
                "{alg} is not an RSA encryption algorithm"
            )));
        }
        let value = public
            .encrypt(alg, plaintext)
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        Ok(KeyOperationResult {
            kid: self.bundle.id().to_string(),
            value,
        })
    }

    /// Encrypts locally (or remotely when forced or the key is not RSA).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when `key_ops` forbid it or the plaintext is too long;
    /// remote errors as [`KeyVaultClient::encrypt`].
    pub fn encrypt(
        &self,
        alg: EncryptionAlgorithm,
        plaintext: &[u8],
    ) -> Result<KeyOperationResult> {
        match self.local("encrypt")? {
            Some(public) => self.encrypt_locally(public, alg, plaintext),
            None => self
                .client
                .encrypt(&self.name, self.version(), alg, plaintext),
        }
    }

    /// Wraps locally (or remotely when forced or the key is not RSA).
    ///
    /// # Errors
    ///
    /// As [`encrypt`](Self::encrypt).
    pub fn wrap_key(&self, alg: EncryptionAlgorithm, key: &[u8]) -> Result<KeyOperationResult> {
        match self.local("wrapKey")? {
            Some(public) => self.encrypt_locally(public, alg, key),
            None => self.client.wrap_key(&self.name, self.version(), alg, key),
        }
    }

    /// Verifies a signature over a digest locally (or remotely when forced).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when `key_ops` forbid it or the digest length is wrong.
    pub fn verify(&self, alg: SignatureAlgorithm, digest: &[u8], signature: &[u8]) -> Result<bool> {
        match self.local("verify")? {
            Some(public) => match public.verify_digest(alg, digest, signature) {
                Ok(()) => Ok(true),
                Err(kv_jose::Error::BadSignature) => Ok(false),
                Err(e) => Err(Error::InvalidArgument(e.to_string())),
            },
            None => self
                .client
                .verify(&self.name, self.version(), alg, digest, signature),
        }
    }

    /// Decrypts in the vault (the private key never leaves it).
    ///
    /// # Errors
    ///
    /// As [`KeyVaultClient::decrypt`].
    pub fn decrypt(&self, alg: EncryptionAlgorithm, ciphertext: &[u8]) -> Result<PlaintextResult> {
        self.client
            .decrypt(&self.name, self.version(), alg, ciphertext)
    }

    /// Unwraps in the vault.
    ///
    /// # Errors
    ///
    /// As [`KeyVaultClient::unwrap_key`].
    pub fn unwrap_key(&self, alg: EncryptionAlgorithm, wrapped: &[u8]) -> Result<PlaintextResult> {
        self.client
            .unwrap_key(&self.name, self.version(), alg, wrapped)
    }

    /// Signs a digest in the vault.
    ///
    /// # Errors
    ///
    /// As [`KeyVaultClient::sign`].
    pub fn sign(&self, alg: SignatureAlgorithm, digest: &[u8]) -> Result<KeyOperationResult> {
        self.client.sign(&self.name, self.version(), alg, digest)
    }
}
