//! The main job over real HTTP on loopback: client → emulator with message protection,
//! checked on the wire through a recording transport.
#![allow(clippy::unwrap_used)]

mod common;

use kv_client::{CreateKeyOptions, EncryptionAlgorithm};
use serde_json::Value;

use common::{Recording, client, emulator};

fn content_type<B>(m: &http::HeaderMap, _b: &B) -> String {
    m.get(http::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// A flattened JWS: exactly `protected`, `payload`, `signature`, all base64url strings.
fn assert_flattened_jws(body: &[u8], what: &str) -> Value {
    let v: Value = serde_json::from_slice(body).unwrap_or_else(|e| panic!("{what}: not JSON: {e}"));
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("{what}: not an object"));
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["payload", "protected", "signature"], "{what}");
    for k in keys {
        kv_jose::b64::decode("member", obj[k].as_str().unwrap())
            .unwrap_or_else(|e| panic!("{what} {k}: {e}"));
    }
    let protected: Value = serde_json::from_slice(
        &kv_jose::b64::decode("p", v["protected"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    protected
}

#[test]
fn create_wrap_unwrap_delete_with_message_protection_on_the_wire() {
    let emulator = emulator();
    let recording = Recording::new();
    let client = client(&emulator, recording.clone());

    let key = client
        .create_key("e2e-key", &CreateKeyOptions::rsa(2048))
        .unwrap();
    assert_eq!(key.name(), "e2e-key");
    assert!(
        key.id()
            .starts_with(&format!("{}/keys/e2e-key/", emulator.url()))
    );
    let fetched = client.get_key("e2e-key", None).unwrap();
    assert_eq!(fetched.id(), key.id());

    let secret = *b"sixteen byte key";
    let wrapped = client
        .wrap_key(
            "e2e-key",
            Some(key.version()),
            EncryptionAlgorithm::RsaOaep,
            &secret,
        )
        .unwrap();
    assert_eq!(wrapped.kid, key.id());
    assert_eq!(wrapped.value.len(), 256);
    assert_ne!(wrapped.value[..16], secret);
    let unwrapped = client
        .unwrap_key(
            "e2e-key",
            Some(key.version()),
            EncryptionAlgorithm::RsaOaep,
            &wrapped.value,
        )
        .unwrap();
    assert_eq!(unwrapped.value.expose_secret(), &secret);
    client.delete_key("e2e-key").unwrap();
    let gone = client.get_key("e2e-key", None).unwrap_err();
    assert_eq!(
        gone.service().map(|e| (e.status, e.code.as_str())),
        Some((404, "KeyNotFound"))
    );

    let log = recording.exchanges();
    // First contact: an unauthenticated, empty-body probe answered by the challenge.
    let probe = &log[0];
    assert!(
        probe
            .request
            .headers()
            .get(http::header::AUTHORIZATION)
            .is_none()
    );
    assert!(probe.request.body().is_empty());
    assert_eq!(probe.response.status(), 401);
    assert!(
        probe
            .response
            .headers()
            .contains_key("x-ms-message-signing-key")
    );
    assert!(
        probe
            .response
            .headers()
            .contains_key("x-ms-message-encryption-key")
    );

    let ops: Vec<_> = log
        .iter()
        .filter(|x| x.request.uri().path().ends_with("wrapkey"))
        .collect();
    assert_eq!(ops.len(), 2, "one wrapkey and one unwrapkey call");
    for x in ops {
        let path = x.request.uri().path().to_string();
        assert_eq!(
            content_type(x.request.headers(), &()),
            "application/jose+json",
            "{path}"
        );
        let header = assert_flattened_jws(x.request.body(), &path);
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["typ"], "PoP");
        assert!(header["ts"].is_u64());
        // The secret never crosses the wire in clear: neither raw nor base64url.
        let wire = String::from_utf8_lossy(x.request.body()).to_string();
        assert!(!wire.contains(&kv_jose::b64::encode(&secret)), "{path}");
        assert_eq!(x.response.status(), 200);
        assert!(
            content_type(x.response.headers(), &()).starts_with("application/jose+json"),
            "{path}"
        );
        let answer_header = assert_flattened_jws(x.response.body(), &path);
        assert_eq!(answer_header["alg"], "RS256");
        let answer = String::from_utf8_lossy(x.response.body()).to_string();
        assert!(!answer.contains(&kv_jose::b64::encode(&secret)), "{path}");
    }
    // Plain operations go as plain JSON with a bearer token.
    let create = log
        .iter()
        .find(|x| x.request.uri().path().ends_with("/create") && x.response.status() == 200)
        .unwrap();
    assert_eq!(
        content_type(create.request.headers(), &()),
        "application/json"
    );
    assert!(emulator.vault().stats().protected_requests >= 2);
}

#[test]
fn the_challenge_is_cached_per_vault_and_tokens_are_reused() {
    let emulator = emulator();
    let recording = Recording::new();
    let client = client(&emulator, recording.clone());
    client
        .create_key("cache-key", &CreateKeyOptions::rsa(2048))
        .unwrap();
    for _ in 0..3 {
        client
            .wrap_key("cache-key", None, EncryptionAlgorithm::RsaOaep, &[1; 32])
            .unwrap();
    }
    let log = recording.exchanges();
    let probes = log.iter().filter(|x| x.response.status() == 401).count();
    assert_eq!(probes, 1, "one discovery for the whole session");
    let stats = emulator.vault().stats();
    assert_eq!(
        (stats.tokens_issued, stats.pop_tokens_issued),
        (2, 1),
        "one bearer and one PoP token"
    );
}

#[test]
fn all_rsa_algorithms_round_trip_through_protected_encrypt_and_decrypt() {
    let emulator = emulator();
    let client = client(&emulator, Recording::new());
    client
        .create_key("algs", &CreateKeyOptions::rsa(2048))
        .unwrap();
    for alg in [
        EncryptionAlgorithm::RsaOaep,
        EncryptionAlgorithm::RsaOaep256,
        EncryptionAlgorithm::Rsa1_5,
    ] {
        let ct = client.encrypt("algs", None, alg, b"hello vault").unwrap();
        let pt = client.decrypt("algs", None, alg, &ct.value).unwrap();
        assert_eq!(pt.value.expose_secret(), b"hello vault", "{alg}");
    }
}

#[test]
fn one_client_serves_many_threads() {
    let emulator = emulator();
    let client = client(&emulator, Recording::new());
    client
        .create_key("shared", &CreateKeyOptions::rsa(2048))
        .unwrap();
    std::thread::scope(|s| {
        for i in 0..4u8 {
            let client = client.clone();
            s.spawn(move || {
                let w = client
                    .wrap_key("shared", None, EncryptionAlgorithm::RsaOaep, &[i; 16])
                    .unwrap();
                let u = client
                    .unwrap_key("shared", None, EncryptionAlgorithm::RsaOaep, &w.value)
                    .unwrap();
                assert_eq!(u.value.expose_secret(), &[i; 16]);
            });
        }
    });
}

#[test]
fn after_warm_up_no_request_generates_a_key_or_opens_a_connection() {
    use std::sync::Arc;
    let emulator = emulator();
    let keys = Arc::new(kv_client::RotatingKeys::new());
    let transport = Recording::new();
    let credential = kv_auth::ClientSecretCredential::new(common::CLIENT_ID, common::CLIENT_SECRET)
        .with_transport(transport.clone());
    let client = kv_client::KeyVaultClient::builder(emulator.url())
        .credential(Arc::new(credential))
        .transport(transport)
        .response_keys(keys.clone())
        .build()
        .unwrap();
    client
        .create_key("warm", &CreateKeyOptions::rsa(2048))
        .unwrap();
    let w = client
        .wrap_key("warm", None, EncryptionAlgorithm::RsaOaep, &[1; 16])
        .unwrap();
    let (keys_before, conns_before) = (
        keys.generated_on_request_path(),
        emulator.vault().stats().connections_accepted,
    );
    for _ in 0..20 {
        client
            .wrap_key("warm", None, EncryptionAlgorithm::RsaOaep, &[1; 16])
            .unwrap();
        client
            .unwrap_key("warm", None, EncryptionAlgorithm::RsaOaep, &w.value)
            .unwrap();
        client.get_key("warm", None).unwrap();
    }
    assert_eq!(
        keys.generated_on_request_path(),
        keys_before,
        "no key generation on the request path"
    );
    assert_eq!(
        emulator.vault().stats().connections_accepted,
        conns_before,
        "one kept-alive connection served all 60 calls"
    );
}

#[test]
fn every_provider_pair_interoperates_over_the_wire() {
    use kv_jose::CryptoProvider;
    use std::sync::Arc;
    for server in CryptoProvider::all() {
        let emulator = common::emulator_builder()
            .crypto_provider(server)
            .start()
            .unwrap();
        for client_side in CryptoProvider::all() {
            let transport = Recording::new();
            let credential =
                kv_auth::ClientSecretCredential::new(common::CLIENT_ID, common::CLIENT_SECRET)
                    .with_transport(transport.clone())
                    .crypto_provider(client_side);
            let client = kv_client::KeyVaultClient::builder(emulator.url())
                .credential(Arc::new(credential))
                .transport(transport)
                .crypto_provider(client_side)
                .build()
                .unwrap();
            let name = format!(
                "pair-{}-{}",
                server.name().replace(['+', '-'], ""),
                client_side.name().replace(['+', '-'], "")
            );
            client
                .create_key(&name, &CreateKeyOptions::rsa(2048))
                .unwrap();
            let w = client
                .wrap_key(&name, None, EncryptionAlgorithm::RsaOaep, &[9; 32])
                .unwrap();
            let u = client
                .unwrap_key(&name, None, EncryptionAlgorithm::RsaOaep, &w.value)
                .unwrap();
            assert_eq!(
                u.value.expose_secret(),
                &[9; 32],
                "server {} client {}",
                server.name(),
                client_side.name()
            );
            let digest = [3u8; 48];
            let sig = client
                .sign(&name, None, kv_client::SignatureAlgorithm::Ps384, &digest)
                .unwrap();
            assert!(
                client
                    .verify(
                        &name,
                        None,
                        kv_client::SignatureAlgorithm::Ps384,
                        &digest,
                        &sig.value
                    )
                    .unwrap()
            );
            client.delete_key(&name).unwrap();
        }
    }
}
