//! The AWS-LC provider (`aws-lc-rs`): every RSA operation in AWS-LC.

use std::sync::OnceLock;

use aws_lc_rs::digest;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{
    KeyPair, KeyPairComponents, OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256,
    OaepPrivateDecryptingKey, OaepPublicEncryptingKey, Pkcs1PrivateDecryptingKey,
    Pkcs1PublicEncryptingKey, PrivateDecryptingKey, PublicEncryptingKey, PublicKeyComponents,
};
use aws_lc_rs::signature::{self as sig, RsaPublicKeyComponents};
use zeroize::Zeroizing;

use super::{PrivateOps, PrivateParts, PublicOps, RsaBackend};
use crate::{Error, KeyAlg, Result, SigAlg};

#[derive(Debug)]
pub(crate) struct AwsLc;

struct Public {
    n: Vec<u8>,
    e: Vec<u8>,
    oaep: OaepPublicEncryptingKey,
    pkcs1: Pkcs1PublicEncryptingKey,
    /// A verifier per `SigAlg::ALL` entry, parsed on first use (AWS-LC binds a parsed
    /// key to one algorithm), so no verification parses the key again.
    verifiers: [OnceLock<Option<sig::ParsedPublicKey>>; SigAlg::ALL.len()],
}

impl Public {
    fn verifier(&self, alg: SigAlg) -> Result<&sig::ParsedPublicKey> {
        let i = SigAlg::ALL
            .iter()
            .position(|a| *a == alg)
            .ok_or(Error::BadSignature)?;
        self.verifiers[i]
            .get_or_init(|| {
                RsaPublicKeyComponents {
                    n: &self.n,
                    e: &self.e,
                }
                .to_parsed_public_key(params(alg))
                .ok()
            })
            .as_ref()
            .ok_or(Error::BadSignature)
    }
}

struct Private {
    pair: KeyPair,
    oaep: OaepPrivateDecryptingKey,
    pkcs1: Pkcs1PrivateDecryptingKey,
}

fn params(alg: SigAlg) -> &'static sig::RsaParameters {
    match alg {
        SigAlg::Rs256 => &sig::RSA_PKCS1_2048_8192_SHA256,
        SigAlg::Rs384 => &sig::RSA_PKCS1_2048_8192_SHA384,
        SigAlg::Rs512 => &sig::RSA_PKCS1_2048_8192_SHA512,
        SigAlg::Ps256 => &sig::RSA_PSS_2048_8192_SHA256,
        SigAlg::Ps384 => &sig::RSA_PSS_2048_8192_SHA384,
        SigAlg::Ps512 => &sig::RSA_PSS_2048_8192_SHA512,
    }
}

fn encoding(alg: SigAlg) -> &'static dyn sig::RsaEncoding {
    match alg {
        SigAlg::Rs256 => &sig::RSA_PKCS1_SHA256,
        SigAlg::Rs384 => &sig::RSA_PKCS1_SHA384,
        SigAlg::Rs512 => &sig::RSA_PKCS1_SHA512,
        SigAlg::Ps256 => &sig::RSA_PSS_SHA256,
        SigAlg::Ps384 => &sig::RSA_PSS_SHA384,
        SigAlg::Ps512 => &sig::RSA_PSS_SHA512,
    }
}

fn digest_alg(alg: SigAlg) -> &'static digest::Algorithm {
    match alg {
        SigAlg::Rs256 | SigAlg::Ps256 => &digest::SHA256,
        SigAlg::Rs384 | SigAlg::Ps384 => &digest::SHA384,
        SigAlg::Rs512 | SigAlg::Ps512 => &digest::SHA512,
    }
}

impl RsaBackend for AwsLc {
    fn name(&self) -> &'static str {
        "aws-lc-rs"
    }

    fn public(&self, n: &[u8], e: &[u8]) -> Result<Box<dyn PublicOps>> {
        let bad = Error::InvalidKey("RSA public key rejected by aws-lc-rs");
        let spki = PublicKeyComponents { n, e }
            .as_der()
            .map_err(|_| bad.clone())?;
        let key = PublicEncryptingKey::from_der(spki.as_ref()).map_err(|_| bad)?;
        Ok(Box::new(Public {
            n: n.to_vec(),
            e: e.to_vec(),
            oaep: OaepPublicEncryptingKey::new(key.clone())
                .map_err(|_| Error::InvalidKey("RSA key unusable for OAEP"))?,
            pkcs1: Pkcs1PublicEncryptingKey::new(key)
                .map_err(|_| Error::InvalidKey("RSA key unusable for PKCS#1"))?,
            verifiers: Default::default(),
        }))
    }

    fn private(
        &self,
        n: &[u8],
        e: &[u8],
        parts: &PrivateParts,
        _validated: rsa::PrivateKey,
    ) -> Result<Box<dyn PrivateOps>> {
        let rejected = |_| Error::InvalidKey("RSA private key rejected by aws-lc-rs");
        let pair = KeyPair::from_components(&KeyPairComponents {
            public_key: PublicKeyComponents { n, e },
            d: parts.d.as_slice(),
            p: parts.p.as_slice(),
            q: parts.q.as_slice(),
            dP: parts.dp.as_slice(),
            dQ: parts.dq.as_slice(),
            qInv: parts.qi.as_slice(),
        })
        .map_err(rejected)?;
        let der = pair
            .as_der()
            .map_err(|_| Error::InvalidKey("RSA private key could not be encoded"))?;
        let decrypting = PrivateDecryptingKey::from_pkcs8(der.as_ref()).map_err(rejected)?;
        Ok(Box::new(Private {
            oaep: OaepPrivateDecryptingKey::new(decrypting.clone())
                .map_err(|_| Error::InvalidKey("RSA key unusable for OAEP"))?,
            pkcs1: Pkcs1PrivateDecryptingKey::new(decrypting)
                .map_err(|_| Error::InvalidKey("RSA key unusable for PKCS#1"))?,
            pair,
        }))
    }
}

impl PublicOps for Public {
    fn verify(&self, alg: SigAlg, message: &[u8], signature: &[u8]) -> Result<()> {
        self.verifier(alg)?
            .verify_sig(message, signature)
            .map_err(|_| Error::BadSignature)
    }

    fn verify_digest(&self, alg: SigAlg, digest_bytes: &[u8], signature: &[u8]) -> Result<()> {
        let digest = digest::Digest::import_less_safe(digest_bytes, digest_alg(alg))
            .map_err(|_| Error::BadSignature)?;
        self.verifier(alg)?
            .verify_digest_sig(&digest, signature)
            .map_err(|_| Error::BadSignature)
    }

    fn encrypt(&self, alg: KeyAlg, message: &[u8]) -> Result<Vec<u8>> {
        let failed = |_| Error::Crypto("RSA encryption failed (message too long for the key?)");
        match alg {
            KeyAlg::RsaOaep | KeyAlg::RsaOaep256 => {
                let oaep = if alg == KeyAlg::RsaOaep {
                    &OAEP_SHA1_MGF1SHA1
                } else {
                    &OAEP_SHA256_MGF1SHA256
                };
                let mut out = vec![0u8; self.oaep.ciphertext_size()];
                let len = self
                    .oaep
                    .encrypt(oaep, message, &mut out, None)
                    .map_err(failed)?
                    .len();
                out.truncate(len);
                Ok(out)
            }
            KeyAlg::Rsa1_5 => {
                let mut out = vec![0u8; self.pkcs1.ciphertext_size()];
                let len = self.pkcs1.encrypt(message, &mut out).map_err(failed)?.len();
                out.truncate(len);
                Ok(out)
            }
            _ => Err(Error::InvalidKey(
                "an RSA key encrypts only with RSA-OAEP, RSA-OAEP-256 or RSA1_5",
            )),
        }
    }
}

impl PrivateOps for Private {
    fn sign(&self, alg: SigAlg, message: &[u8]) -> Result<Vec<u8>> {
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                encoding(alg),
                &aws_lc_rs::rand::SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| Error::Crypto("RSA signing failed"))?;
        Ok(signature)
    }

    fn sign_digest(&self, alg: SigAlg, digest_bytes: &[u8]) -> Result<Vec<u8>> {
        let digest = digest::Digest::import_less_safe(digest_bytes, digest_alg(alg))
            .map_err(|_| Error::Crypto("bad digest"))?;
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign_digest(encoding(alg), &digest, &mut signature)
            .map_err(|_| Error::Crypto("RSA signing failed"))?;
        Ok(signature)
    }

    fn decrypt(&self, alg: KeyAlg, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let mut out = Zeroizing::new(vec![0u8; self.oaep.min_output_size()]);
        let len = match alg {
            KeyAlg::RsaOaep => self
                .oaep
                .decrypt(&OAEP_SHA1_MGF1SHA1, ciphertext, &mut out, None)
                .map(|p| p.len()),
            KeyAlg::RsaOaep256 => self
                .oaep
                .decrypt(&OAEP_SHA256_MGF1SHA256, ciphertext, &mut out, None)
                .map(|p| p.len()),
            KeyAlg::Rsa1_5 => self.pkcs1.decrypt(ciphertext, &mut out).map(|p| p.len()),
            _ => return Err(Error::Decrypt),
        }
        .map_err(|_| Error::Decrypt)?;
        out.truncate(len);
        Ok(out)
    }
}
