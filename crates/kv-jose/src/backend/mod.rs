//! Crypto providers: the implementations behind [`RsaPublicKey`](crate::RsaPublicKey)
//! and [`RsaPrivateKey`](crate::RsaPrivateKey).
//!
//! As in rustls 0.24, a provider is a value the caller passes where keys are made
//! (`from_jwk_with`, `generate_with`), never a process-wide default picked by cargo
//! features: turning on the `aws-lc-rs` feature only makes
//! [`CryptoProvider::aws_lc_rs`] available, and nothing changes for code that does
//! not ask for it. Keys remember their provider; operations never name one.

use std::fmt;

use zeroize::Zeroizing;

use crate::{KeyAlg, Result, SigAlg};

#[cfg(feature = "aws-lc-rs")]
mod aws_lc;
mod ring_rsa;

/// The private members of an RSA key, minimal big-endian, complete (CRT included).
pub(crate) struct PrivateParts {
    pub(crate) d: Zeroizing<Vec<u8>>,
    pub(crate) p: Zeroizing<Vec<u8>>,
    pub(crate) q: Zeroizing<Vec<u8>>,
    pub(crate) dp: Zeroizing<Vec<u8>>,
    pub(crate) dq: Zeroizing<Vec<u8>>,
    pub(crate) qi: Zeroizing<Vec<u8>>,
}

/// Public-key operations of one key, in one provider.
pub(crate) trait PublicOps: Send + Sync {
    fn verify(&self, alg: SigAlg, message: &[u8], signature: &[u8]) -> Result<()>;
    fn verify_digest(&self, alg: SigAlg, digest: &[u8], signature: &[u8]) -> Result<()>;
    fn encrypt(&self, alg: KeyAlg, message: &[u8]) -> Result<Vec<u8>>;
}

/// Private-key operations of one key, in one provider.
pub(crate) trait PrivateOps: Send + Sync {
    fn sign(&self, alg: SigAlg, message: &[u8]) -> Result<Vec<u8>>;
    fn sign_digest(&self, alg: SigAlg, digest: &[u8]) -> Result<Vec<u8>>;
    fn decrypt(&self, alg: KeyAlg, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>>;
}

/// What a provider must do: turn key members into operation objects, once per key.
pub(crate) trait RsaBackend: Send + Sync + fmt::Debug {
    fn name(&self) -> &'static str;
    fn public(&self, n: &[u8], e: &[u8]) -> Result<Box<dyn PublicOps>>;
    /// `validated` is the `rsa` crate's form of the same key, already checked; a
    /// provider that uses it keeps it instead of building it again.
    fn private(
        &self,
        n: &[u8],
        e: &[u8],
        parts: &PrivateParts,
        validated: rsa::PrivateKey,
    ) -> Result<Box<dyn PrivateOps>>;
}

/// A set of cryptographic implementations for RSA keys.
///
/// ```
/// use kv_jose::{CryptoProvider, RsaPrivateKey, SigAlg};
/// let provider = CryptoProvider::default(); // ring + rsa
/// # let jwk = kv_jose::test_keys::rsa_2048_a_jwk();
/// let key = RsaPrivateKey::from_jwk_with(&jwk, provider)?;
/// let sig = key.sign(SigAlg::Rs256, b"msg")?;
/// assert_eq!(key.provider().name(), "ring+rsa");
/// for other in CryptoProvider::all() {
///     // The same key in every compiled-in provider verifies the same signature.
///     other_verifies(&key.with_provider(other)?, &sig);
/// }
/// # fn other_verifies(k: &RsaPrivateKey, sig: &[u8]) { k.public().verify(SigAlg::Rs256, b"msg", sig).unwrap() }
/// # Ok::<(), kv_jose::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct CryptoProvider {
    backend: &'static dyn RsaBackend,
}

impl fmt::Debug for CryptoProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CryptoProvider").field(&self.name()).finish()
    }
}

impl PartialEq for CryptoProvider {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

impl Eq for CryptoProvider {}

impl Default for CryptoProvider {
    /// [`CryptoProvider::ring_rsa`], whatever features are on.
    fn default() -> Self {
        CryptoProvider::ring_rsa()
    }
}

static RING_RSA: ring_rsa::RingRsa = ring_rsa::RingRsa;
#[cfg(feature = "aws-lc-rs")]
static AWS_LC: aws_lc::AwsLc = aws_lc::AwsLc;

impl CryptoProvider {
    /// `ring` for RSA signatures, the `rsa` crate for RSA encryption and decryption
    /// (blinded, constant-time bignums). The default.
    pub fn ring_rsa() -> Self {
        CryptoProvider { backend: &RING_RSA }
    }

    /// AWS-LC (via `aws-lc-rs`) for every RSA operation: several times faster private
    /// key operations, constant-time. Key generation still uses the `rsa` crate, whose
    /// keys are imported. Needs the `aws-lc-rs` feature.
    #[cfg(feature = "aws-lc-rs")]
    pub fn aws_lc_rs() -> Self {
        CryptoProvider { backend: &AWS_LC }
    }

    /// Every provider compiled in, the default first (for tests and benchmarks).
    pub fn all() -> Vec<CryptoProvider> {
        [
            Some(CryptoProvider::ring_rsa()),
            #[cfg(feature = "aws-lc-rs")]
            Some(CryptoProvider::aws_lc_rs()),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The provider's name: `ring+rsa` or `aws-lc-rs`.
    pub fn name(&self) -> &'static str {
        self.backend.name()
    }

    pub(crate) fn backend(&self) -> &'static dyn RsaBackend {
        self.backend
    }
}
