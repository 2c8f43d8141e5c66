//! JWS parsing (compact and JSON) and verification with a pinned key: nothing
//! panics, and nothing the fuzzer makes verifies.
#![no_main]

use kv_jose::test_keys::rsa_2048_a;
use kv_jose::{Jws, SigAlg};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = rsa_2048_a();
    let parsed = [
        Jws::parse_json(data).ok(),
        std::str::from_utf8(data).ok().and_then(|s| Jws::parse_compact(s).ok()),
    ];
    for jws in parsed.into_iter().flatten() {
        let _ = jws.to_json();
        let _ = jws.to_compact();
        assert!(jws.verify(key.public(), SigAlg::ALL).is_err(), "a fuzzed JWS verified");
    }
});
