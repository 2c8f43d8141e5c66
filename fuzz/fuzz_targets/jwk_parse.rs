//! JWK parsing and key conversion: typed errors, never panics.
#![no_main]

use kv_jose::{Jwk, OctKey, RsaPrivateKey, RsaPublicKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(jwk) = Jwk::from_json(data) {
        let _ = RsaPublicKey::from_jwk(&jwk);
        let _ = OctKey::from_jwk(&jwk);
        let _ = jwk.thumbprint_sha256();
        // Private-key import runs bignum arithmetic; bound it to plausible sizes.
        if data.len() < 4096 {
            let _ = RsaPrivateKey::from_jwk(&jwk);
        }
    }
});
