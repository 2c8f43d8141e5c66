//! JWE parsing (compact and JSON) and decryption with fixed RSA and symmetric keys:
//! nothing panics, and nothing the fuzzer makes decrypts.
#![no_main]

use kv_jose::test_keys::rsa_2048_a;
use kv_jose::{EncAlg, Jwe, KeyAlg, OctKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let rsa = rsa_2048_a();
    let octs = [OctKey::new(vec![7; 16]), OctKey::new(vec![7; 32]), OctKey::new(vec![7; 64])];
    let parsed = [
        Jwe::parse_json(data).ok(),
        std::str::from_utf8(data).ok().and_then(|s| Jwe::parse_compact(s).ok()),
    ];
    for jwe in parsed.into_iter().flatten() {
        let _ = jwe.to_json();
        assert!(jwe.decrypt(&*rsa, KeyAlg::ALL, EncAlg::ALL).is_err(), "a fuzzed JWE decrypted");
        for oct in &octs {
            assert!(jwe.decrypt(oct, KeyAlg::ALL, EncAlg::ALL).is_err(), "a fuzzed JWE decrypted");
        }
    }
});
