//! Proof against the real service's shapes: every recorded exchange in
//! `../shared/vectors/kv_rest_examples.json` (Azure SDK recordings of Key Vault) is
//! replayed through a replaying `Transport` and decoded by the typed client. The
//! recorded RS256 signature verifies, and the recorded decrypt matches.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use kv_auth::{AccessToken, StaticTokenCredential};
use kv_client::{
    CreateKeyOptions, EncryptionAlgorithm, ImportKeyOptions, KeyVaultClient, SignatureAlgorithm,
};
use kv_jose::{Jwk, KeyAlg, RsaPrivateKey, RsaPublicKey, SigAlg, b64};
use kv_transport::{RetryPolicy, Transport};
use serde_json::Value;

// The vector tests' locator and skip notice, shared rather than written again.
#[path = "../../kv-jose/tests/common/mod.rs"]
mod vectors;

fn recordings() -> Option<Vec<Value>> {
    let v = vectors::load_shared("kv_rest_examples.json")?;
    Some(v["pairs"].as_array().unwrap().clone())
}

/// Answers each request with the first unused recording of the same host, method
/// and path (Key Vault paths compare case-insensitively, a trailing slash is the
/// same as none); an unauthenticated request gets a recorded 401 challenge.
#[derive(Debug)]
struct Replay {
    pairs: Vec<Value>,
    used: Mutex<Vec<bool>>,
    sent: Mutex<Vec<(String, Value)>>,
}

fn normal(path: &str) -> String {
    path.trim_end_matches('/').to_ascii_lowercase()
}

fn response_of(pair: &Value) -> http::Response<Vec<u8>> {
    let mut b =
        http::Response::builder().status(u16::try_from(pair["status"].as_u64().unwrap()).unwrap());
    for (k, v) in pair["response_headers"].as_object().unwrap() {
        if !k.eq_ignore_ascii_case("content-length") {
            b = b.header(k.as_str(), v.as_str().unwrap());
        }
    }
    let body = match &pair["response_body"] {
        Value::Null => Vec::new(),
        v => serde_json::to_vec(v).unwrap(),
    };
    b.body(body).unwrap()
}

impl Transport for Replay {
    fn send(
        &self,
        r: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, kv_transport::Error> {
        let host = r.uri().host().unwrap().to_string();
        let body: Value = serde_json::from_slice(r.body()).unwrap_or(Value::Null);
        self.sent
            .lock()
            .unwrap()
            .push((format!("{} {}", r.method(), r.uri().path()), body));
        if !r.headers().contains_key(http::header::AUTHORIZATION) {
            let challenge = self.pairs.iter().find(|p| p["status"] == 401).unwrap();
            return Ok(response_of(challenge));
        }
        let mut used = self.used.lock().unwrap();
        let found = self.pairs.iter().enumerate().find(|(i, p)| {
            !used[*i]
                && p["status"] != 401
                && p["host"] == host.as_str()
                && p["method"] == r.method().as_str()
                && normal(p["path"].as_str().unwrap()) == normal(r.uri().path())
        });
        let (i, pair) = found.unwrap_or_else(|| {
            panic!("no recording for {} {}{}", r.method(), host, r.uri().path())
        });
        used[i] = true;
        Ok(response_of(pair))
    }
}

fn client_for(pairs: &[Value], host: &str, api_version: &str) -> (KeyVaultClient, Arc<Replay>) {
    let replay = Arc::new(Replay {
        pairs: pairs.to_vec(),
        used: Mutex::new(vec![false; pairs.len()]),
        sent: Mutex::new(Vec::new()),
    });
    let token = AccessToken::bearer("recorded", SystemTime::now() + Duration::from_secs(3600));
    let client = KeyVaultClient::builder(format!("https://{host}"))
        .credential(Arc::new(StaticTokenCredential::new(token)))
        .transport(replay.clone())
        .api_version(api_version)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    (client, replay)
}

fn pair<'a>(pairs: &'a [Value], name_starts: &str) -> &'a Value {
    pairs
        .iter()
        .find(|p| p["name"].as_str().unwrap().starts_with(name_starts))
        .unwrap_or_else(|| panic!("no recording named {name_starts}"))
}

fn b64_member(v: &Value, member: &str) -> Vec<u8> {
    b64::decode("value", v[member].as_str().unwrap()).unwrap()
}

/// The body our client sent for the request ending in `suffix` equals the recorded one.
fn assert_sent_like(replay: &Replay, suffix: &str, recorded: &Value) {
    let sent = replay.sent.lock().unwrap();
    let (_, body) = sent
        .iter()
        .rev()
        .find(|(line, _)| line.to_ascii_lowercase().ends_with(suffix))
        .unwrap();
    for member in ["alg", "value", "digest"] {
        assert_eq!(
            body.get(member),
            recorded.get(member),
            "{suffix}: `{member}`"
        );
    }
}

#[test]
fn crud_and_errors_decode_as_the_service_sends_them() {
    let Some(pairs) = recordings() else { return };
    let (client, _) = client_for(&pairs, "keyvault_name.vault.azure.net", "7.3");
    let err = client
        .get_key("CRUDKeyName-deletenonexistingkey-", None)
        .unwrap_err();
    let service = err.service().unwrap();
    assert_eq!(
        (service.status, service.code.as_str()),
        (404, "KeyNotFound")
    );
    assert!(
        service
            .message
            .starts_with("A key with (name/id) CRUDKeyName-deletenonexistingkey- was not found")
    );
    assert_eq!(
        service.request_id.as_deref(),
        Some("ef51d93c-515a-4d50-b1e9-e6b93cc35e5a")
    );

    let created = client
        .create_key("CRUDKeyName-cangetakey-", &CreateKeyOptions::rsa(2048))
        .unwrap();
    let recorded = &pair(&pairs, "create RSA key")["response_body"];
    assert_eq!(created.id(), recorded["key"]["kid"].as_str().unwrap());
    assert_eq!(
        (created.name(), created.version()),
        (
            "CRUDKeyName-cangetakey-",
            "6b53e2e4117b49a6987d545955a95042"
        )
    );
    assert_eq!(created.key.key_ops.as_ref().unwrap().len(), 6);
    assert_eq!(
        created.attributes.recovery_level.as_deref(),
        recorded["attributes"]["recoveryLevel"].as_str()
    );
    assert!(RsaPublicKey::from_jwk(&created.key).is_ok());
    assert_eq!(
        client
            .get_key("CRUDKeyName-cangetakey-", None)
            .unwrap()
            .id(),
        created.id()
    );

    let deleted = client.delete_key("CRUDKeyName-cangetakey-").unwrap();
    assert_eq!(
        deleted.recovery_id.as_deref(),
        Some("https://keyvault_name.vault.azure.net/deletedkeys/CRUDKeyName-cangetakey-")
    );
    assert_eq!(
        (deleted.deleted_date, deleted.scheduled_purge_date),
        (Some(1668014512), Some(1668619312))
    );
    let err = client
        .get_deleted_key("CRUDKeyName-cangetakey-")
        .unwrap_err();
    assert_eq!(
        err.service().map(|e| e.message.as_str()),
        Some("Deleted Key not found: CRUDKeyName-cangetakey-")
    );
}

#[test]
fn the_recorded_rs256_signature_verifies_and_verify_decodes() {
    let Some(pairs) = recordings() else { return };
    let (client, replay) = client_for(&pairs, "keyvault_name.vault.azure.net", "7.4-preview.1");
    let key = client
        .create_key("RSA-17424", &CreateKeyOptions::rsa(2048))
        .unwrap();
    let sign = pair(&pairs, "sign RS256");
    let digest = b64_member(&sign["request_body"], "value");
    assert_eq!(digest, b"32 byte signature in ascii chars");
    let signature = client
        .sign(
            "RSA-17424",
            Some(key.version()),
            SignatureAlgorithm::Rs256,
            &digest,
        )
        .unwrap();
    assert_sent_like(&replay, "/sign", &sign["request_body"]);
    assert_eq!(signature.kid, key.id());
    // The service's signature verifies offline with the key the service returned.
    RsaPublicKey::from_jwk(&key.key)
        .unwrap()
        .verify_digest(SigAlg::Rs256, &digest, &signature.value)
        .unwrap();
    let verified = client
        .verify(
            "RSA-17424",
            Some(key.version()),
            SignatureAlgorithm::Rs256,
            &digest,
            &signature.value,
        )
        .unwrap();
    assert_sent_like(
        &replay,
        "/verify",
        &pair(&pairs, "verify RS256")["request_body"],
    );
    assert!(verified);
}

#[test]
fn wrap_unwrap_encrypt_decrypt_round_trip_as_recorded() {
    let Some(pairs) = recordings() else { return };
    let (client, replay) = client_for(&pairs, "vaultname-0001.vault.azure.net", "7.3");
    let key = client
        .create_key("1832349105", &CreateKeyOptions::rsa(2048))
        .unwrap();
    let wrap = pair(&pairs, "wrapKey RSA-OAEP");
    let secret = b64_member(&wrap["request_body"], "value");
    let wrapped = client
        .wrap_key(
            "1832349105",
            Some(key.version()),
            EncryptionAlgorithm::RsaOaep,
            &secret,
        )
        .unwrap();
    assert_sent_like(&replay, "/wrapkey", &wrap["request_body"]);
    assert_eq!(wrapped.value.len(), 256);
    let unwrapped = client
        .unwrap_key(
            "1832349105",
            Some(key.version()),
            EncryptionAlgorithm::RsaOaep,
            &wrapped.value,
        )
        .unwrap();
    assert_eq!(unwrapped.value.expose_secret(), &secret);

    let (client, _) = client_for(&pairs, "dotnettestvault.vault.azure.net", "7.0");
    let encrypt = pair(&pairs, "encrypt RSA-OAEP");
    let plain = b64_member(&encrypt["request_body"], "value");
    let version = "c5fa815df39a46dc9c47d1772f8708ab";
    let ct = client
        .encrypt(
            "1573891537",
            Some(version),
            EncryptionAlgorithm::RsaOaep,
            &plain,
        )
        .unwrap();
    let pt = client
        .decrypt(
            "1573891537",
            Some(version),
            EncryptionAlgorithm::RsaOaep,
            &ct.value,
        )
        .unwrap();
    assert_eq!(pt.value.expose_secret(), &plain);
}

#[test]
fn the_recorded_decrypt_matches_with_the_imported_key() {
    let Some(pairs) = recordings() else { return };
    let (client, replay) = client_for(&pairs, "vaultname.vault.azure.net", "7.3");
    let import = pair(&pairs, "import RSA key");
    // Key Vault sends n (and the private members) with a leading zero byte.
    let jwk: Jwk = serde_json::from_value(import["request_body"]["key"].clone()).unwrap();
    assert_eq!(jwk.n.as_ref().unwrap().len(), 257);
    let private = RsaPrivateKey::from_jwk(&jwk).unwrap();
    let imported = client
        .import_key("livekvtestkeycrypt9b7a2f6e", &ImportKeyOptions::new(jwk))
        .unwrap();
    assert_eq!(
        RsaPublicKey::from_jwk(&imported.key).unwrap(),
        *private.public()
    );
    let decrypt = pair(&pairs, "decrypt RSA-OAEP with the imported key");
    let ct = b64_member(&decrypt["request_body"], "value");
    let pt = client
        .decrypt(
            "livekvtestkeycrypt9b7a2f6e",
            Some(imported.version()),
            EncryptionAlgorithm::RsaOaep,
            &ct,
        )
        .unwrap();
    assert_sent_like(&replay, "/decrypt", &decrypt["request_body"]);
    assert_eq!(
        pt.value.expose_secret(),
        &b64_member(&decrypt["response_body"], "value")
    );
    // And offline: the imported private key decrypts the request to the same value.
    assert_eq!(
        &private.decrypt(KeyAlg::RsaOaep, &ct).unwrap()[..],
        &pt.value.expose_secret()[..]
    );
}
