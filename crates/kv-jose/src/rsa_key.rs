//! RSA keys, parsed once into the crypto libraries' own key types.
//!
//! Signing and verification use `ring`; RSA encryption, decryption and key generation
//! use the `rsa` crate (ring has none of them). Both forms are built when the key is
//! made, never per operation.

use std::fmt;

use ring::signature::{self as rs, RsaKeyPair, RsaPublicKeyComponents};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BoxedUint, Oaep, Pkcs1v15Encrypt, Pkcs1v15Sign, Pss};
use zeroize::Zeroizing;

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
    encrypter: rsa::PublicKey,
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field("bits", &self.bits)
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

impl RsaPublicKey {
    /// Builds a key from big-endian modulus and public exponent (leading zeros allowed).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for a modulus outside
    /// [`MIN_RSA_BITS`]..=[`MAX_RSA_BITS`] or an invalid exponent.
    pub fn from_components(n: &[u8], e: &[u8]) -> Result<Self> {
        let n = trim_leading_zeros(n).to_vec();
        let e = trim_leading_zeros(e).to_vec();
        let bits = bit_len(&n);
        if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
            return Err(Error::InvalidKey("RSA modulus must be 2048 to 8192 bits"));
        }
        if e.len() > 4 {
            return Err(Error::InvalidKey("RSA public exponent is too large"));
        }
        let encrypter = rsa::PublicKey::new(
            BoxedUint::from_be_slice_vartime(&n),
            BoxedUint::from_be_slice_vartime(&e),
        )
        .map_err(|_| Error::InvalidKey("RSA public key is invalid"))?;
        Ok(RsaPublicKey {
            n,
            e,
            bits,
            encrypter,
        })
    }

    /// Builds a key from an RSA JWK (`kty` `RSA` or `RSA-HSM`); private members are ignored.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for another `kty`, a missing `n` or `e`, or a bad size.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self> {
        check_rsa_kty(jwk)?;
        let n = jwk
            .n
            .as_deref()
            .ok_or(Error::InvalidKey("RSA JWK has no `n`"))?;
        let e = jwk
            .e
            .as_deref()
            .ok_or(Error::InvalidKey("RSA JWK has no `e`"))?;
        RsaPublicKey::from_components(n, e)
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

    /// Verifies `signature` over `message` with `alg`.
    ///
    /// # Errors
    ///
    /// [`Error::BadSignature`] when it does not verify.
    pub fn verify(&self, alg: SigAlg, message: &[u8], signature: &[u8]) -> Result<()> {
        let params: &rs::RsaParameters = match alg {
            SigAlg::Rs256 => &rs::RSA_PKCS1_2048_8192_SHA256,
            SigAlg::Rs384 => &rs::RSA_PKCS1_2048_8192_SHA384,
            SigAlg::Rs512 => &rs::RSA_PKCS1_2048_8192_SHA512,
            SigAlg::Ps256 => &rs::RSA_PSS_2048_8192_SHA256,
            SigAlg::Ps384 => &rs::RSA_PSS_2048_8192_SHA384,
            SigAlg::Ps512 => &rs::RSA_PSS_2048_8192_SHA512,
        };
        RsaPublicKeyComponents {
            n: &self.n,
            e: &self.e,
        }
        .verify(params, message, signature)
        .map_err(|_| Error::BadSignature)
    }

    /// Verifies `signature` over an already computed `digest` (Key Vault's `verify`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for a digest of the wrong length for `alg`;
    /// [`Error::BadSignature`] when it does not verify.
    pub fn verify_digest(&self, alg: SigAlg, digest: &[u8], signature: &[u8]) -> Result<()> {
        if digest.len() != alg.digest_len() {
            return Err(Error::InvalidKey(
                "the digest length does not match the algorithm",
            ));
        }
        let k = &self.encrypter;
        let outcome = match alg {
            SigAlg::Rs256 => k.verify(Pkcs1v15Sign::new::<sha2::Sha256>(), digest, signature),
            SigAlg::Rs384 => k.verify(Pkcs1v15Sign::new::<sha2::Sha384>(), digest, signature),
            SigAlg::Rs512 => k.verify(Pkcs1v15Sign::new::<sha2::Sha512>(), digest, signature),
            SigAlg::Ps256 => k.verify(Pss::<sha2::Sha256>::new(), digest, signature),
            SigAlg::Ps384 => k.verify(Pss::<sha2::Sha384>::new(), digest, signature),
            SigAlg::Ps512 => k.verify(Pss::<sha2::Sha512>::new(), digest, signature),
        };
        outcome.map_err(|_| Error::BadSignature)
    }

    /// Encrypts a short `message` (a key, typically) with `alg`.
    ///
    /// # Errors
    ///
    /// [`Error::Crypto`] when the message is too long for the key and padding;
    /// [`Error::InvalidKey`] for a non-RSA `alg`.
    pub fn encrypt(&self, alg: KeyAlg, message: &[u8]) -> Result<Vec<u8>> {
        let mut rng = getrandom::SysRng;
        let out = match alg {
            KeyAlg::RsaOaep => self
                .encrypter
                .encrypt(&mut rng, Oaep::<sha1::Sha1>::new(), message),
            KeyAlg::RsaOaep256 => {
                self.encrypter
                    .encrypt(&mut rng, Oaep::<sha2::Sha256>::new(), message)
            }
            KeyAlg::Rsa1_5 => self.encrypter.encrypt(&mut rng, Pkcs1v15Encrypt, message),
            _ => {
                return Err(Error::InvalidKey(
                    "an RSA key encrypts only with RSA-OAEP, RSA-OAEP-256 or RSA1_5",
                ));
            }
        };
        out.map_err(|_| Error::Crypto("RSA encryption failed (message too long for the key?)"))
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
/// Holds the key both as a `ring` key pair (signing) and as an `rsa` key (decryption),
/// built once. `Debug` shows only the modulus size.
pub struct RsaPrivateKey {
    public: RsaPublicKey,
    signer: RsaKeyPair,
    decrypter: rsa::PrivateKey,
}

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPrivateKey")
            .field("bits", &self.public.bits)
            .finish_non_exhaustive()
    }
}

fn secret_bytes(v: &BoxedUint) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(v.to_be_bytes_trimmed_vartime().into_vec())
}

impl RsaPrivateKey {
    /// Generates a fresh key with public exponent 65537.
    ///
    /// This is slow (tens of milliseconds for 2048 bits, optimised): keep it off hot paths.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for a size outside 2048..=8192 bits or not a multiple of 8,
    /// [`Error::Crypto`] if generation fails.
    pub fn generate(bits: usize) -> Result<Self> {
        if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) || !bits.is_multiple_of(8) {
            return Err(Error::InvalidKey("RSA key size must be 2048 to 8192 bits"));
        }
        let key = rsa::PrivateKey::new(&mut getrandom::SysRng, bits)
            .map_err(|_| Error::Crypto("RSA key generation failed"))?;
        RsaPrivateKey::from_rsa(key)
    }

    /// Builds a key from an RSA private JWK. `d` is required; `p` and `q` come together
    /// or not at all (then they are recovered); `dp`, `dq` and `qi` are optional, but
    /// checked if present. Multi-prime keys (`oth`) are not supported.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for a missing member, a multi-prime key, or values that do
    /// not form a consistent key.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self> {
        check_rsa_kty(jwk)?;
        let public = RsaPublicKey::from_jwk(jwk)?;
        let member = |m: &Option<Secret<Vec<u8>>>, msg| {
            m.as_ref()
                .map(|s| BoxedUint::from_be_slice_vartime(trim_leading_zeros(s.expose_secret())))
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
        let key = rsa::PrivateKey::from_components(
            BoxedUint::from_be_slice_vartime(public.n()),
            BoxedUint::from_be_slice_vartime(public.e()),
            d,
            primes,
        )
        .map_err(|_| Error::InvalidKey("RSA private key members are inconsistent"))?;
        let this = RsaPrivateKey::from_rsa(key)?;
        let computed = this.to_private_jwk();
        for (given, ours) in [
            (&jwk.dp, &computed.dp),
            (&jwk.dq, &computed.dq),
            (&jwk.qi, &computed.qi),
        ] {
            if let (Some(given), Some(ours)) = (given, ours)
                && trim_leading_zeros(given.expose_secret()) != ours.expose_secret().as_slice()
            {
                return Err(Error::InvalidKey("RSA CRT members do not match the key"));
            }
        }
        Ok(this)
    }

    fn from_rsa(key: rsa::PrivateKey) -> Result<Self> {
        let n = key.n_bytes();
        let e = key.e_bytes();
        let public = RsaPublicKey::from_components(&n, &e)?;
        let [p, q] = key.primes() else {
            return Err(Error::InvalidKey("multi-prime RSA keys are not supported"));
        };
        let d = secret_bytes(key.d());
        let p = secret_bytes(p.as_ref());
        let q = secret_bytes(q.as_ref());
        let missing = Error::InvalidKey("RSA CRT values could not be computed");
        let dp = secret_bytes(key.dp().ok_or(missing.clone())?);
        let dq = secret_bytes(key.dq().ok_or(missing.clone())?);
        let qi = secret_bytes(&key.crt_coefficient().ok_or(missing)?);
        let signer = RsaKeyPair::from_components(&ring::rsa::KeyPairComponents {
            public_key: ring::rsa::PublicKeyComponents {
                n: public.n(),
                e: public.e(),
            },
            d: d.as_slice(),
            p: p.as_slice(),
            q: q.as_slice(),
            dP: dp.as_slice(),
            dQ: dq.as_slice(),
            qInv: qi.as_slice(),
        })
        .map_err(|_| Error::InvalidKey("RSA private key rejected by ring"))?;
        Ok(RsaPrivateKey {
            public,
            signer,
            decrypter: key,
        })
    }

    /// The public half.
    pub fn public(&self) -> &RsaPublicKey {
        &self.public
    }

    /// The full private JWK (all eight RSA members; no `kid`).
    pub fn to_private_jwk(&self) -> Jwk {
        let k = &self.decrypter;
        let secret = |v: &BoxedUint| Some(Secret::new(secret_bytes(v).to_vec()));
        let mut jwk = self.public.to_jwk();
        jwk.d = secret(k.d());
        if let [p, q] = k.primes() {
            jwk.p = secret(p.as_ref());
            jwk.q = secret(q.as_ref());
        }
        jwk.dp = k.dp().and_then(secret);
        jwk.dq = k.dq().and_then(secret);
        jwk.qi = k.crt_coefficient().as_ref().and_then(secret);
        jwk
    }

    /// Signs `message` with `alg`.
    ///
    /// # Errors
    ///
    /// [`Error::Crypto`] if the platform RNG fails.
    pub fn sign(&self, alg: SigAlg, message: &[u8]) -> Result<Vec<u8>> {
        let padding: &dyn rs::RsaEncoding = match alg {
            SigAlg::Rs256 => &rs::RSA_PKCS1_SHA256,
            SigAlg::Rs384 => &rs::RSA_PKCS1_SHA384,
            SigAlg::Rs512 => &rs::RSA_PKCS1_SHA512,
            SigAlg::Ps256 => &rs::RSA_PSS_SHA256,
            SigAlg::Ps384 => &rs::RSA_PSS_SHA384,
            SigAlg::Ps512 => &rs::RSA_PSS_SHA512,
        };
        let mut signature = vec![0; self.signer.public().modulus_len()];
        self.signer
            .sign(
                padding,
                &ring::rand::SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| Error::Crypto("RSA signing failed"))?;
        Ok(signature)
    }

    /// Signs an already computed `digest` (Key Vault's `sign`), blinded.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for a digest of the wrong length for `alg`;
    /// [`Error::Crypto`] if signing fails.
    pub fn sign_digest(&self, alg: SigAlg, digest: &[u8]) -> Result<Vec<u8>> {
        if digest.len() != alg.digest_len() {
            return Err(Error::InvalidKey(
                "the digest length does not match the algorithm",
            ));
        }
        let k = &self.decrypter;
        let mut rng = getrandom::SysRng;
        let out = match alg {
            SigAlg::Rs256 => k.sign(Pkcs1v15Sign::new::<sha2::Sha256>(), digest),
            SigAlg::Rs384 => k.sign(Pkcs1v15Sign::new::<sha2::Sha384>(), digest),
            SigAlg::Rs512 => k.sign(Pkcs1v15Sign::new::<sha2::Sha512>(), digest),
            SigAlg::Ps256 => k.sign_with_rng(&mut rng, Pss::<sha2::Sha256>::new(), digest),
            SigAlg::Ps384 => k.sign_with_rng(&mut rng, Pss::<sha2::Sha384>::new(), digest),
            SigAlg::Ps512 => k.sign_with_rng(&mut rng, Pss::<sha2::Sha512>::new(), digest),
        };
        out.map_err(|_| Error::Crypto("RSA signing failed"))
    }

    /// Decrypts `ciphertext` with `alg`.
    ///
    /// `RSA1_5` uses implicit rejection: a bad padding yields a pseudo-random message
    /// rather than an error, so callers must authenticate what they decrypt.
    ///
    /// # Errors
    ///
    /// [`Error::Decrypt`], without detail.
    pub fn decrypt(&self, alg: KeyAlg, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let k = &self.decrypter;
        let out = match alg {
            KeyAlg::RsaOaep => k.decrypt(Oaep::<sha1::Sha1>::new(), ciphertext),
            KeyAlg::RsaOaep256 => k.decrypt(Oaep::<sha2::Sha256>::new(), ciphertext),
            KeyAlg::Rsa1_5 => k.decrypt(Pkcs1v15Encrypt, ciphertext),
            _ => return Err(Error::Decrypt),
        };
        out.map(Zeroizing::new).map_err(|_| Error::Decrypt)
    }
}
