//! WWW-Authenticate parsing: typed errors, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(challenges) = kv_auth::parse_challenges(text) {
            assert!(!challenges.is_empty());
        }
    }
});
