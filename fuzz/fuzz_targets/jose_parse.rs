//! JWK, JWS and JWE parsing, then verification and decryption with fixed keys:
//! nothing may panic, and nothing unauthenticated may verify or decrypt.
#![no_main]

use kv_jose::test_keys::{rsa_2048_a, rsa_2048_b};
use kv_jose::{EncAlg, Jwe, Jws, Jwk, KeyAlg, SigAlg};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(jwk) = Jwk::from_json(data) {
        let _ = kv_jose::RsaPublicKey::from_jwk(&jwk);
        let _ = jwk.thumbprint_sha256();
    }
    if let Ok(jws) = Jws::parse_flattened(data) {
        assert!(jws.verify(rsa_2048_a().public(), &SigAlg::ALL).is_err(), "a fuzzed JWS verified");
    }
    if let Ok(jwe) = Jwe::parse_flattened(data) {
        assert!(jwe.decrypt(&rsa_2048_b(), KeyAlg::ALL, EncAlg::ALL).is_err(), "a fuzzed JWE decrypted");
    }
});
