//! Properties: every (alg, enc) pair round-trips in every serialization, and any
//! single-bit change to any part of a JWS or JWE makes it fail.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, OnceLock};

use kv_jose::{
    CryptoProvider, DecryptionKey, EncAlg, EncryptionKey, Jwe, JweHeader, Jws, JwsHeader, KeyAlg,
    KeyKind, OctKey, RsaPrivateKey, SigAlg, b64,
};
use proptest::prelude::*;

/// Test key A in every compiled-in provider, made once.
fn keys() -> &'static [Arc<RsaPrivateKey>] {
    static KEYS: OnceLock<Vec<Arc<RsaPrivateKey>>> = OnceLock::new();
    KEYS.get_or_init(|| {
        CryptoProvider::all()
            .into_iter()
            .map(|p| Arc::new(kv_jose::test_keys::rsa_2048_a().with_provider(p).unwrap()))
            .collect()
    })
}

fn rsa_2048_a() -> Arc<RsaPrivateKey> {
    keys()[0].clone()
}

fn provider_index() -> impl Strategy<Value = usize> {
    0..keys().len()
}

fn oct_for(alg: KeyAlg, enc: EncAlg) -> Option<OctKey> {
    match alg.key_kind() {
        KeyKind::Rsa => None,
        KeyKind::AesKw(len) => Some(OctKey::new(vec![0x5a; len])),
        KeyKind::Direct => Some(OctKey::new(vec![0xa5; enc.key_len()])),
    }
}

fn pairs() -> impl Strategy<Value = (KeyAlg, EncAlg)> {
    (0..KeyAlg::ALL.len(), 0..EncAlg::ALL.len()).prop_map(|(a, e)| (KeyAlg::ALL[a], EncAlg::ALL[e]))
}

fn encrypt(pi: usize, alg: KeyAlg, enc: EncAlg, plaintext: &[u8]) -> (Jwe, Option<OctKey>) {
    let oct = oct_for(alg, enc);
    let rsa = keys()[pi].clone();
    let key: EncryptionKey<'_> = match &oct {
        Some(k) => k.into(),
        None => rsa.public().into(),
    };
    (
        Jwe::encrypt(plaintext, &JweHeader::new(alg, enc).with_kid("k"), key).unwrap(),
        oct,
    )
}

fn decrypt(pi: usize, jwe: &Jwe, oct: &Option<OctKey>) -> Result<Vec<u8>, kv_jose::Error> {
    // Encrypt with one provider, decrypt with the other: they must interoperate.
    let rsa = keys()[(pi + 1) % keys().len()].clone();
    let key: DecryptionKey<'_> = match oct {
        Some(k) => k.into(),
        None => (&*rsa).into(),
    };
    jwe.decrypt(key, KeyAlg::ALL, EncAlg::ALL)
        .map(|p| p.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn jwe_round_trips_for_every_pair_and_serialization(pi in provider_index(), (alg, enc) in pairs(), plaintext in proptest::collection::vec(any::<u8>(), 0..200)) {
        let (jwe, oct) = encrypt(pi, alg, enc, &plaintext);
        let forms = [
            Jwe::parse_compact(&jwe.to_compact().unwrap()).unwrap(),
            Jwe::parse_flattened(jwe.to_json().as_bytes()).unwrap(),
            Jwe::parse_json(jwe.to_general_json().as_bytes()).unwrap(),
        ];
        for form in forms {
            prop_assert_eq!(form.header().alg(), alg);
            prop_assert_eq!(&decrypt(pi, &form, &oct).unwrap(), &plaintext);
        }
    }

    #[test]
    fn any_single_bit_flip_in_a_jwe_fails(pi in provider_index(), (alg, enc) in pairs(), part in 0usize..5, bit in any::<proptest::sample::Index>()) {
        let (jwe, oct) = encrypt(pi, alg, enc, b"attack at dawn");
        let compact = jwe.to_compact().unwrap();
        let mut parts: Vec<Vec<u8>> = compact.split('.').map(|p| b64::decode("p", p).unwrap()).collect();
        // `dir` has an empty encrypted key: flip the IV instead.
        let part = if parts[part].is_empty() { 2 } else { part };
        let bits = parts[part].len() * 8;
        let i = bit.index(bits);
        parts[part][i / 8] ^= 1 << (i % 8);
        let tampered: Vec<String> = parts.iter().map(|p| b64::encode(p)).collect();
        let outcome = Jwe::parse_compact(&tampered.join(".")).and_then(|j| decrypt(pi, &j, &oct));
        prop_assert!(outcome.is_err(), "flip of bit {} in part {} decrypted", i, part);
    }

    #[test]
    fn jws_round_trips_for_every_alg(pi in provider_index(), alg_index in 0..SigAlg::ALL.len(), payload in proptest::collection::vec(any::<u8>(), 0..200)) {
        let alg = SigAlg::ALL[alg_index];
        let key = keys()[pi].clone();
        let jws = Jws::sign(&JwsHeader::new(alg), &payload, &key).unwrap();
        for form in [Jws::parse_compact(&jws.to_compact().unwrap()).unwrap(), Jws::parse_flattened(jws.to_json().as_bytes()).unwrap(), Jws::parse_json(jws.to_general_json().as_bytes()).unwrap()] {
            let verified = form.verify(key.public(), &[alg]).unwrap();
            prop_assert_eq!(verified.payload(), &payload[..]);
        }
    }

    #[test]
    fn any_single_bit_flip_in_a_jws_fails(pi in provider_index(), alg_index in 0..SigAlg::ALL.len(), part in 0usize..3, bit in any::<proptest::sample::Index>()) {
        let alg = SigAlg::ALL[alg_index];
        let key = keys()[pi].clone();
        let compact = Jws::sign(&JwsHeader::new(alg).with_kid("k"), b"pay me", &key).unwrap().to_compact().unwrap();
        let mut parts: Vec<Vec<u8>> = compact.split('.').map(|p| b64::decode("p", p).unwrap()).collect();
        let i = bit.index(parts[part].len() * 8);
        parts[part][i / 8] ^= 1 << (i % 8);
        let tampered: Vec<String> = parts.iter().map(|p| b64::encode(p)).collect();
        let outcome = Jws::parse_compact(&tampered.join(".")).and_then(|j| j.verify(key.public(), SigAlg::ALL).map(|_| ()));
        prop_assert!(outcome.is_err(), "flip of bit {} in part {} verified", i, part);
    }
}

#[test]
fn several_recipients_each_decrypt() {
    let kek = OctKey::new(vec![3; 32]);
    let rsa = rsa_2048_a();
    let jwe = Jwe::encrypt_to_many(
        b"to many",
        EncAlg::A256CbcHs512,
        &[
            (KeyAlg::A256Kw, Some("sym"), (&kek).into()),
            (KeyAlg::RsaOaep256, Some("rsa"), rsa.public().into()),
        ],
    )
    .unwrap();
    let parsed = Jwe::parse_json(jwe.to_json().as_bytes()).unwrap();
    assert_eq!(
        parsed.headers().filter_map(|h| h.kid()).collect::<Vec<_>>(),
        ["sym", "rsa"]
    );
    assert_eq!(
        &parsed.decrypt(&kek, KeyAlg::ALL, EncAlg::ALL).unwrap()[..],
        b"to many"
    );
    assert_eq!(
        &parsed.decrypt(&*rsa, KeyAlg::ALL, EncAlg::ALL).unwrap()[..],
        b"to many"
    );
    assert!(
        parsed.to_compact().is_err(),
        "two recipients do not fit the compact form"
    );
}
