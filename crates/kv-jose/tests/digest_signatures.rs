//! Key Vault signs digests, not messages: the digest forms agree with the message
//! forms (ring) for every algorithm, and refuse digests of the wrong length.
#![allow(clippy::unwrap_used)]

use kv_jose::{CryptoProvider, Error, RsaPrivateKey, SigAlg};
use sha2::Digest;

fn digest(alg: SigAlg, msg: &[u8]) -> Vec<u8> {
    match alg.digest_len() {
        32 => sha2::Sha256::digest(msg).to_vec(),
        48 => sha2::Sha384::digest(msg).to_vec(),
        _ => sha2::Sha512::digest(msg).to_vec(),
    }
}

fn keys() -> Vec<RsaPrivateKey> {
    CryptoProvider::all()
        .into_iter()
        .map(|p| kv_jose::test_keys::rsa_2048_a().with_provider(p).unwrap())
        .collect()
}

#[test]
fn digest_and_message_signatures_interoperate() {
    for key in keys() {
        let msg = b"what Key Vault is asked to sign";
        for alg in SigAlg::ALL.iter().copied() {
            let d = digest(alg, msg);
            let over_digest = key.sign_digest(alg, &d).unwrap();
            key.public().verify(alg, msg, &over_digest).unwrap();
            let over_message = key.sign(alg, msg).unwrap();
            key.public().verify_digest(alg, &d, &over_message).unwrap();
            if matches!(alg, SigAlg::Rs256 | SigAlg::Rs384 | SigAlg::Rs512) {
                assert_eq!(
                    over_digest, over_message,
                    "{alg}: PKCS#1 v1.5 is deterministic"
                );
            }
            let mut bad = over_digest.clone();
            bad[9] ^= 1;
            assert_eq!(
                key.public().verify_digest(alg, &d, &bad),
                Err(Error::BadSignature)
            );
        }
    }
}

#[test]
fn wrong_digest_lengths_are_refused() {
    let key = kv_jose::test_keys::rsa_2048_a();
    for (alg, len) in [
        (SigAlg::Rs256, 31),
        (SigAlg::Rs256, 48),
        (SigAlg::Ps384, 32),
        (SigAlg::Rs512, 0),
    ] {
        assert!(
            matches!(
                key.sign_digest(alg, &vec![1; len]),
                Err(Error::InvalidKey(_))
            ),
            "{alg} {len}"
        );
        assert!(matches!(
            key.public().verify_digest(alg, &vec![1; len], &[0; 256]),
            Err(Error::InvalidKey(_))
        ));
    }
}
