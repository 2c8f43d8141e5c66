//! RSA keys, parsed once into a provider's own key objects.
//!
//! Which library does the work is the [`CryptoProvider`]'s business (by default
//! `ring` signs and verifies, the `rsa` crate encrypts, decrypts and generates); the
//! key objects are built when the key is made, never per operation.

use std::fmt;
use std::sync::Arc;

use rsa::BoxedUint;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use zeroize::Zeroizing;

use crate::backend::{CryptoProvider, PrivateOps, PrivateParts, PublicOps};
use crate::jwk::trim_leading_zeros;
use crate::{Error, Jwk, KeyAlg, Result, Secret, SigAlg};

/// Smallest RSA modulus accepted anywhere in this crate, in bits.
pub const MIN_RSA_BITS: usize = 2048;
/// Largest RSA modulus accepted, in bits (ring's verification limit).
pub const MAX_RSA_BITS: usize = 8192;

/// An RSA public key: verifies signatures and encrypts.
#[derive(Clone)]
pub struct RsaPublicKey {
    n: Vec<u8>,
    e: Vec<u8>,
    bits: usize,
    provider: CryptoProvider,
    ops: Arc<dyn PublicOps>,
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field("bits", &self.bits)
            .field("provider", &self.provider.name())
            .finish_non_exhaustive()
    }
}

impl PartialEq for RsaPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.n == other.n && self.e == other.e
    }
}

impl Eq for RsaPublicKey {}

fn bit_len(n: &[u8]) -> usize {
    match n.first() {
        None => 0,
        Some(&b) => (n.len() - 1) * 8 + (8 - b.leading_zeros() as usize),
    }
}

fn check_digest(alg: SigAlg, digest: &[u8]) -> Result<()> {
    if digest.len() == alg.digest_len() {
        Ok(())
    } else {
        Err(Error::InvalidKey(
            "the digest length does not match the algorithm",
        ))
    }
}

impl RsaPublicKey {
    /// Builds a key from big-endian modulus and public exponent (leading zeros
    /// allowed), with the default provider.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for a modulus outside
    /// [`MIN_RSA_BITS`]..=[`MAX_RSA_BITS`] or an invalid exponent.
    pub fn from_components(n: &[u8], e: &[u8]) -> Result<Self> {
        RsaPublicKey::from_components_with(n, e, CryptoProvider::default())
    }

    /// As [`from_components`](Self::from_components), with `provider`.
    ///
    /// # Errors
    ///
    /// As [`from_components`](Self::from_components).
    pub fn from_components_with(n: &[u8], e: &[u8], provider: CryptoProvider) -> Result<Self> {
        let n = trim_leading_zeros(n).to_vec();
        let e = trim_leading_zeros(e).to_vec();
        let bits = bit_len(&n);
        if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
            return Err(Error::InvalidKey("RSA modulus must be 2048 to 8192 bits"));
        }
        if e.len() > 4 || e.last().is_none_or(|b| b % 2 == 0) {
            return Err(Error::InvalidKey("RSA public exponent is invalid"));
        }
        let ops = provider.backend().public(&n, &e)?;
        Ok(RsaPublicKey {
            n,
            e,
            bits,
            provider,
            ops: Arc::from(ops),
        })
    }

    /// Builds a key from an RSA JWK (`kty` `RSA` or `RSA-HSM`); private members are
    /// ignored. Default provider.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for another `kty`, a missing `n` or `e`, or a bad size.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self> {
        RsaPublicKey::from_jwk_with(jwk, CryptoProvider::default())
    }

    /// As [`from_jwk`](Self::from_jwk), with `provider`.
    ///
    /// # Errors
    ///
    /// As [`from_jwk`](Self::from_jwk).
    pub fn from_jwk_with(jwk: &Jwk, provider: CryptoProvider) -> Result<Self> {
        check_rsa_kty(jwk)?;
        let (n, e) = jwk.rsa_n_e()?;
        RsaPublicKey::from_components_with(n, e, provider)
    }

    /// The public JWK (`kty`, `n`, `e`; no `kid`).
    pub fn to_jwk(&self) -> Jwk {
        Jwk::rsa_public(self.n.clone(), self.e.clone())
    }

    /// Modulus length in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// Minimal big-endian modulus.
    pub fn n(&self) -> &[u8] {
        &self.n
    }

    /// Minimal big-endian public exponent.
    pub fn e(&self) -> &[u8] {
        &self.e
    }

    /// The provider doing this key's operations.
    pub fn provider(&self) -> CryptoProvider {
        self.provider
    }

    /// Verifies `signature` over `message` with `alg`.
    ///
    /// # Errors
    ///
    /// [`Error::BadSignature`] when it does not verify.
    pub fn verify(&self, alg: SigAlg, message: &[u8], signature: &[u8]) -> Result<()> {
        self.ops.verify(alg, message, signature)
    }

    /// Verifies `signature` over an already computed `digest` (Key Vault's `verify`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for a digest of the wrong length for `alg`;
    /// [`Error::BadSignature`] when it does not verify.
    pub fn verify_digest(&self, alg: SigAlg, digest: &[u8], signature: &[u8]) -> Result<()> {
        check_digest(alg, digest)?;
        self.ops.verify_digest(alg, digest, signature)
    }

    /// Encrypts a short `message` (a key, typically) with `alg`.
    ///
    /// # Errors
    ///
    /// [`Error::Crypto`] when the message is too long for the key and padding;
    /// [`Error::InvalidKey`] for a non-RSA `alg`.
    pub fn encrypt(&self, alg: KeyAlg, message: &[u8]) -> Result<Vec<u8>> {
        self.ops.encrypt(alg, message)
    }
}

fn check_rsa_kty(jwk: &Jwk) -> Result<()> {
    match jwk.kty.as_str() {
        "RSA" | "RSA-HSM" => Ok(()),
        _ => Err(Error::InvalidKey("JWK `kty` is not RSA")),
    }
}

/// An RSA private key: signs and decrypts.
///
/// `Debug` shows only the modulus size and provider. The private members are kept
/// (zeroized on drop) to export the key and to move it to another provider.
pub struct RsaPrivateKey {
    public: RsaPublicKey,
    parts: PrivateParts,
    ops: Box<dyn PrivateOps>,
}

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPrivateKey")
            .field("bits", &self.public.bits)
            .field("provider", &self.public.provider.name())
            .finish_non_exhaustive()
    }
}

fn secret_bytes(v: &BoxedUint) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(v.to_be_bytes_trimmed_vartime().into_vec())
}

fn uint(bytes: &[u8]) -> BoxedUint {
    BoxedUint::from_be_slice_vartime(trim_leading_zeros(bytes))
}

impl RsaPrivateKey {
    /// Generates a fresh key with public exponent 65537, with the default provider.
    ///
    /// This is slow (tens of milliseconds for 2048 bits, optimised): keep it off hot paths.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for a size outside 2048..=8192 bits or not a multiple of 8,
    /// [`Error::Crypto`] if generation fails.
    pub fn generate(bits: usize) -> Result<Self> {
        RsaPrivateKey::generate_with(bits, CryptoProvider::default())
    }

    /// As [`generate`](Self::generate), with `provider` (generation itself is done by
    /// the `rsa` crate, which is the fastest here; the key is then imported).
    ///
    /// # Errors
    ///
    /// As [`generate`](Self::generate).
    pub fn generate_with(bits: usize, provider: CryptoProvider) -> Result<Self> {
        if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) || !bits.is_multiple_of(8) {
            return Err(Error::InvalidKey("RSA key size must be 2048 to 8192 bits"));
        }
        let key = rsa::PrivateKey::new(&mut getrandom::SysRng, bits)
            .map_err(|_| Error::Crypto("RSA key generation failed"))?;
        crate::stats::count_key_generation();
        let public = RsaPublicKey::from_components_with(&key.n_bytes(), &key.e_bytes(), provider)?;
        RsaPrivateKey::assemble(key, public)
    }

    /// Builds a key from an RSA private JWK, with the default provider. `d` is
    /// required; `p` and `q` come together or not at all (then they are recovered);
    /// `dp`, `dq` and `qi` are optional, but checked if present. Multi-prime keys
    /// (`oth`) are not supported.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for a missing member, a multi-prime key, or values that do
    /// not form a consistent key.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self> {
        RsaPrivateKey::from_jwk_with(jwk, CryptoProvider::default())
    }

    /// As [`from_jwk`](Self::from_jwk), with `provider`.
    ///
    /// # Errors
    ///
    /// As [`from_jwk`](Self::from_jwk).
    pub fn from_jwk_with(jwk: &Jwk, provider: CryptoProvider) -> Result<Self> {
        // The public half first: its size checks come before the costly consistency
        // checks of the private members, and it is built once.
        let public = RsaPublicKey::from_jwk_with(jwk, provider)?;
        let member = |m: &Option<Secret<Vec<u8>>>, msg| {
            m.as_ref()
                .map(|s| uint(s.expose_secret()))
                .ok_or(Error::InvalidKey(msg))
        };
        let d = member(&jwk.d, "RSA private JWK has no `d`")?;
        // `p` and `q` are optional in a JWK (RFC 7518 §6.3.2); without them the primes
        // are recovered from n, e and d.
        let primes = match (&jwk.p, &jwk.q) {
            (Some(_), Some(_)) => vec![
                member(&jwk.p, "RSA private JWK has no `p`")?,
                member(&jwk.q, "RSA private JWK has no `q`")?,
            ],
            (None, None) => Vec::new(),
            _ => {
                return Err(Error::InvalidKey(
                    "an RSA private JWK needs both `p` and `q`, or neither",
                ));
            }
        };
        let key = rsa::PrivateKey::from_components(uint(public.n()), uint(public.e()), d, primes)
            .map_err(|_| Error::InvalidKey("RSA private key members are inconsistent"))?;
        let this = RsaPrivateKey::assemble(key, public)?;
        for (given, ours) in [
            (&jwk.dp, &this.parts.dp),
            (&jwk.dq, &this.parts.dq),
            (&jwk.qi, &this.parts.qi),
        ] {
            if let Some(given) = given
                && trim_leading_zeros(given.expose_secret()) != ours.as_slice()
            {
                return Err(Error::InvalidKey("RSA CRT members do not match the key"));
            }
        }
        Ok(this)
    }

    /// The same key, done by another provider.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] if the provider refuses the key.
    pub fn with_provider(&self, provider: CryptoProvider) -> Result<Self> {
        let p = &self.parts;
        let key = rsa::PrivateKey::from_components(
            uint(self.public.n()),
            uint(self.public.e()),
            uint(&p.d),
            vec![uint(&p.p), uint(&p.q)],
        )
        .map_err(|_| Error::InvalidKey("RSA private key members are inconsistent"))?;
        let public =
            RsaPublicKey::from_components_with(self.public.n(), self.public.e(), provider)?;
        RsaPrivateKey::assemble(key, public)
    }

    /// Completes the members (CRT values) and builds the provider's key objects;
    /// `public` is the key's public half, done by the provider wanted.
    fn assemble(key: rsa::PrivateKey, public: RsaPublicKey) -> Result<Self> {
        let [p, q] = key.primes() else {
            return Err(Error::InvalidKey("multi-prime RSA keys are not supported"));
        };
        let missing = Error::InvalidKey("RSA CRT values could not be computed");
        let parts = PrivateParts {
            d: secret_bytes(key.d()),
            p: secret_bytes(p.as_ref()),
            q: secret_bytes(q.as_ref()),
            dp: secret_bytes(key.dp().ok_or(missing.clone())?),
            dq: secret_bytes(key.dq().ok_or(missing.clone())?),
            qi: secret_bytes(&key.crt_coefficient().ok_or(missing)?),
        };
        let ops = public
            .provider
            .backend()
            .private(public.n(), public.e(), &parts, key)?;
        Ok(RsaPrivateKey { public, parts, ops })
    }

    /// The public half.
    pub fn public(&self) -> &RsaPublicKey {
        &self.public
    }

    /// The provider doing this key's operations.
    pub fn provider(&self) -> CryptoProvider {
        self.public.provider
    }

    /// The full private JWK (all eight RSA members; no `kid`).
    pub fn to_private_jwk(&self) -> Jwk {
        let secret = |v: &Zeroizing<Vec<u8>>| Some(Secret::new(v.to_vec()));
        let mut jwk = self.public.to_jwk();
        jwk.d = secret(&self.parts.d);
        jwk.p = secret(&self.parts.p);
        jwk.q = secret(&self.parts.q);
        jwk.dp = secret(&self.parts.dp);
        jwk.dq = secret(&self.parts.dq);
        jwk.qi = secret(&self.parts.qi);
        jwk
    }

    /// Signs `message` with `alg`.
    ///
    /// # Errors
    ///
    /// [`Error::Crypto`] if the platform RNG fails.
    pub fn sign(&self, alg: SigAlg, message: &[u8]) -> Result<Vec<u8>> {
        self.ops.sign(alg, message)
    }

    /// Signs an already computed `digest` (Key Vault's `sign`), blinded.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for a digest of the wrong length for `alg`;
    /// [`Error::Crypto`] if signing fails.
    pub fn sign_digest(&self, alg: SigAlg, digest: &[u8]) -> Result<Vec<u8>> {
        check_digest(alg, digest)?;
        self.ops.sign_digest(alg, digest)
    }

    /// Decrypts `ciphertext` with `alg`.
    ///
    /// With the default provider, `RSA1_5` uses implicit rejection: a bad padding
    /// yields a pseudo-random message rather than an error, so callers must
    /// authenticate what they decrypt (JWE does). Other providers may return
    /// [`Error::Decrypt`] instead.
    ///
    /// # Errors
    ///
    /// [`Error::Decrypt`], without detail.
    pub fn decrypt(&self, alg: KeyAlg, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        self.ops.decrypt(alg, ciphertext)
    }
}
