//! Table 2: protect a request and unprotect its answer, in process, no network.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use kv_auth::{AccessToken, MessageKeys, PopKey};
use kv_client::protection::Protector;
use kv_client::{FreshKeyPerRequest, ResponseKeySource, RotatingKeys};
use kv_jose::{
    CryptoProvider, EncAlg, Jwe, JweHeader, Jws, JwsHeader, KeyAlg, RsaPrivateKey, SigAlg,
};

use crate::floor::Floor;
use crate::timing::{quantile, us};

const BODY: &[u8] = br#"{"alg":"RSA-OAEP","value":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"}"#;
const ANSWER: &[u8] = br#"{"kid":"https://vault.example/keys/k/0123456789abcdef0123456789abcdef","value":"c2l4dGVlbiBieXRlIGtleQ"}"#;

/// What the vault would send back: the answer encrypted to the request's `rek`, signed.
fn answer(rek: &kv_client::ResponseKey, signing: &RsaPrivateKey) -> http::Response<Vec<u8>> {
    let jwe = Jwe::encrypt(
        ANSWER,
        &JweHeader::new(KeyAlg::RsaOaep, EncAlg::A128CbcHs256).with_kid(rek.kid()),
        rek.key().public(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let jws = Jws::sign(
        &JwsHeader::new(SigAlg::Rs256)
            .with_kid("vault-signing")
            .with_param("ts", 1.into()),
        jwe.to_json().as_bytes(),
        signing,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    http::Response::builder()
        .status(200)
        .header("content-type", "application/jose+json")
        .body(jws.to_json().into_bytes())
        .unwrap_or_default()
}

/// Client-side time per protected exchange (protect + unprotect), median, per provider.
pub(crate) fn run(
    floors: &BTreeMap<&'static str, Floor>,
    quick: bool,
) -> BTreeMap<&'static str, Duration> {
    let n = if quick { 200 } else { 1000 };
    println!(
        "## 2. Protect a request + unprotect its answer, in process (client CPU, {n} exchanges)\n"
    );
    println!(
        "| provider | response keys | protect p50 µs | unprotect p50 µs | **protect + unprotect p50 µs** | crypto floor µs | ratio to floor |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut costs = BTreeMap::new();
    for provider in CryptoProvider::all() {
        let vault_signing = kv_jose::test_keys::rsa_2048_b()
            .with_provider(provider)
            .unwrap_or_else(|e| panic!("{e}"));
        let vault_encryption = kv_jose::test_keys::rsa_2048_c()
            .with_provider(provider)
            .unwrap_or_else(|e| panic!("{e}"));
        let keys = Arc::new(MessageKeys::new(
            vault_signing.public().clone(),
            "vault-signing",
            vault_encryption.public().clone(),
            "vault-encryption",
        ));
        let protector = Protector::new(keys);
        let pop = PopKey::from_key(
            "pop",
            Arc::new(
                kv_jose::test_keys::rsa_2048_a()
                    .with_provider(provider)
                    .unwrap_or_else(|e| panic!("{e}")),
            ),
        );
        let token = AccessToken::pop(
            "x".repeat(1200),
            SystemTime::now() + Duration::from_secs(3600),
            Arc::new(pop),
        );
        let sources: Vec<(&str, Box<dyn ResponseKeySource>, usize)> = vec![
            (
                "rotating (default)",
                Box::new(RotatingKeys::with_provider(provider)),
                n,
            ),
            (
                "fresh per request (reference)",
                Box::new(FreshKeyPerRequest::with_provider(provider)),
                n / 20,
            ),
        ];
        for (label, source, count) in sources {
            let (mut protect, mut unprotect, mut both) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..count + 5 {
                let t0 = Instant::now();
                let rek = source.next_key().unwrap_or_else(|e| panic!("{e}"));
                let (_, context) = protector
                    .protect(BODY, &token, rek, 1)
                    .unwrap_or_else(|e| panic!("{e}"));
                let t1 = Instant::now();
                let response = answer(context.response_key(), &vault_signing);
                let t2 = Instant::now();
                context
                    .unprotect(&response)
                    .unwrap_or_else(|e| panic!("{e}"));
                let t3 = Instant::now();
                protect.push(t1 - t0);
                unprotect.push(t3 - t2);
                both.push((t1 - t0) + (t3 - t2));
            }
            for v in [&mut protect, &mut unprotect, &mut both] {
                v.drain(..5); // warm-up
                v.sort_unstable();
            }
            let p50 = quantile(&both, 0.5);
            let floor = floors
                .get(provider.name())
                .map(Floor::exchange)
                .unwrap_or_default();
            println!(
                "| {} | {label} | {} | {} | **{}** | {} | {:.2} |",
                provider.name(),
                us(quantile(&protect, 0.5)),
                us(quantile(&unprotect, 0.5)),
                us(p50),
                us(floor),
                p50.as_secs_f64() / floor.as_secs_f64().max(1e-9)
            );
            if label.starts_with("rotating") {
                costs.insert(provider.name(), p50);
            }
        }
    }
    println!();
    costs
}
