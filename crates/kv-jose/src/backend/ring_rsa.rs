//! The default provider: `ring` signs and verifies, the `rsa` crate encrypts and
//! decrypts (ring has no RSA encryption).

use ring::signature::{self as rs, RsaKeyPair, RsaPublicKeyComponents};
use rsa::{BoxedUint, Oaep, Pkcs1v15Encrypt, Pkcs1v15Sign, Pss};
use zeroize::Zeroizing;

use super::{PrivateOps, PrivateParts, PublicOps, RsaBackend};
use crate::{Error, KeyAlg, Result, SigAlg};

#[derive(Debug)]
pub(crate) struct RingRsa;

struct Public {
    n: Vec<u8>,
    e: Vec<u8>,
    encrypter: rsa::PublicKey,
}

struct Private {
    signer: RsaKeyPair,
    decrypter: rsa::PrivateKey,
}

fn ring_params(alg: SigAlg) -> &'static rs::RsaParameters {
    match alg {
        SigAlg::Rs256 => &rs::RSA_PKCS1_2048_8192_SHA256,
        SigAlg::Rs384 => &rs::RSA_PKCS1_2048_8192_SHA384,
        SigAlg::Rs512 => &rs::RSA_PKCS1_2048_8192_SHA512,
        SigAlg::Ps256 => &rs::RSA_PSS_2048_8192_SHA256,
        SigAlg::Ps384 => &rs::RSA_PSS_2048_8192_SHA384,
        SigAlg::Ps512 => &rs::RSA_PSS_2048_8192_SHA512,
    }
}

impl RsaBackend for RingRsa {
    fn name(&self) -> &'static str {
        "ring+rsa"
    }

    fn public(&self, n: &[u8], e: &[u8]) -> Result<Box<dyn PublicOps>> {
        let encrypter = rsa::PublicKey::new(
            BoxedUint::from_be_slice_vartime(n),
            BoxedUint::from_be_slice_vartime(e),
        )
        .map_err(|_| Error::InvalidKey("RSA public key is invalid"))?;
        Ok(Box::new(Public {
            n: n.to_vec(),
            e: e.to_vec(),
            encrypter,
        }))
    }

    fn private(
        &self,
        n: &[u8],
        e: &[u8],
        parts: &PrivateParts,
        validated: rsa::PrivateKey,
    ) -> Result<Box<dyn PrivateOps>> {
        let signer = RsaKeyPair::from_components(&ring::rsa::KeyPairComponents {
            public_key: ring::rsa::PublicKeyComponents { n, e },
            d: parts.d.as_slice(),
            p: parts.p.as_slice(),
            q: parts.q.as_slice(),
            dP: parts.dp.as_slice(),
            dQ: parts.dq.as_slice(),
            qInv: parts.qi.as_slice(),
        })
        .map_err(|_| Error::InvalidKey("RSA private key rejected by ring"))?;
        Ok(Box::new(Private {
            signer,
            decrypter: validated,
        }))
    }
}

impl PublicOps for Public {
    fn verify(&self, alg: SigAlg, message: &[u8], signature: &[u8]) -> Result<()> {
        RsaPublicKeyComponents {
            n: &self.n,
            e: &self.e,
        }
        .verify(ring_params(alg), message, signature)
        .map_err(|_| Error::BadSignature)
    }

    fn verify_digest(&self, alg: SigAlg, digest: &[u8], signature: &[u8]) -> Result<()> {
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

    fn encrypt(&self, alg: KeyAlg, message: &[u8]) -> Result<Vec<u8>> {
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

impl PrivateOps for Private {
    fn sign(&self, alg: SigAlg, message: &[u8]) -> Result<Vec<u8>> {
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

    fn sign_digest(&self, alg: SigAlg, digest: &[u8]) -> Result<Vec<u8>> {
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

    fn decrypt(&self, alg: KeyAlg, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
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
