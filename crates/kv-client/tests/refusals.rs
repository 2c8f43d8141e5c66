//! Faults on the wire, each with its own typed error: the emulator refuses an
//! unprotected key operation, and the client refuses tampered answers.
#![allow(clippy::unwrap_used)]

mod common;

use kv_client::{CreateKeyOptions, EncryptionAlgorithm, Error, ProtectionError};
use kv_jose::b64;
use serde_json::Value;

use common::{CLIENT_ID, CLIENT_SECRET, Recording, Tampering, client, emulator};

fn is_wrap(req: &http::Request<Vec<u8>>) -> bool {
    req.uri().path().ends_with("/wrapkey")
}

fn edit_jws(
    response: http::Response<Vec<u8>>,
    f: impl FnOnce(&mut Value),
) -> http::Response<Vec<u8>> {
    let (parts, body) = response.into_parts();
    let mut v: Value = serde_json::from_slice(&body).unwrap();
    f(&mut v);
    http::Response::from_parts(parts, v.to_string().into_bytes())
}

fn wrap_through(
    tamper: impl Fn(&http::Request<Vec<u8>>, http::Response<Vec<u8>>) -> http::Response<Vec<u8>>
    + Send
    + Sync
    + 'static,
) -> Error {
    let emulator = emulator();
    let client = client(&emulator, Tampering::new(tamper));
    client
        .create_key("victim", &CreateKeyOptions::rsa(2048))
        .unwrap();
    client
        .wrap_key("victim", None, EncryptionAlgorithm::RsaOaep, &[9; 16])
        .unwrap_err()
}

#[test]
fn the_emulator_refuses_an_unprotected_wrap() {
    let emulator = emulator();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    // A valid bearer token from the emulator's own authority.
    let mut token = agent
        .post(&format!("{}/emulator.local/oauth2/token", emulator.url()))
        .content_type("application/x-www-form-urlencoded")
        .send(format!("grant_type=client_credentials&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}&resource=https%3A%2F%2Fvault.azure.net"))
        .unwrap();
    let token: Value = serde_json::from_str(&token.body_mut().read_to_string().unwrap()).unwrap();
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let client = client(&emulator, Recording::new());
    client
        .create_key("plain", &CreateKeyOptions::rsa(2048))
        .unwrap();

    let mut answer = agent
        .post(&format!(
            "{}/keys/plain/wrapkey?api-version=7.4",
            emulator.url()
        ))
        .header("authorization", &bearer)
        .content_type("application/json")
        .send(r#"{"alg":"RSA-OAEP","value":"AAECAwQFBgcICQoLDA0ODw"}"#)
        .unwrap();
    assert_eq!(answer.status(), 400);
    let body: Value = serde_json::from_str(&answer.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "BadParameter");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("requires message protection")
    );
    assert_eq!(emulator.vault().stats().refused_unprotected, 1);
}

#[test]
fn a_flipped_signature_byte_is_refused_as_bad_signature() {
    let err = wrap_through(|req, resp| {
        if !is_wrap(req) {
            return resp;
        }
        edit_jws(resp, |v| {
            let mut sig = b64::decode("s", v["signature"].as_str().unwrap()).unwrap();
            sig[17] ^= 0x80;
            v["signature"] = b64::encode(&sig).into();
        })
    });
    assert!(
        matches!(err, Error::Protection(ProtectionError::BadSignature)),
        "{err:?}"
    );
}

#[test]
fn an_answer_signed_under_another_kid_is_refused_as_kid_mismatch() {
    let err = wrap_through(|req, resp| {
        if !is_wrap(req) {
            return resp;
        }
        edit_jws(resp, |v| {
            let mut header: Value = serde_json::from_slice(
                &b64::decode("p", v["protected"].as_str().unwrap()).unwrap(),
            )
            .unwrap();
            header["kid"] = "https://attacker.example/keys/signing".into();
            v["protected"] = b64::encode(header.to_string().as_bytes()).into();
        })
    });
    match err {
        Error::Protection(ProtectionError::SigningKidMismatch { found, .. }) => {
            assert_eq!(
                found.as_deref(),
                Some("https://attacker.example/keys/signing")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_plain_json_answer_to_a_protected_request_is_refused() {
    let err = wrap_through(|req, resp| {
        if !is_wrap(req) {
            return resp;
        }
        // A downgrading man in the middle: strip protection, answer in the clear.
        http::Response::builder()
            .status(200)
            .header("content-type", "application/json; charset=utf-8")
            .body(br#"{"kid":"k","value":"AAECAwQFBgcICQoLDA0ODw"}"#.to_vec())
            .unwrap()
    });
    match err {
        Error::Protection(ProtectionError::NotProtected { content_type }) => {
            assert_eq!(content_type, "application/json; charset=utf-8");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_replayed_answer_to_an_earlier_request_is_refused() {
    use std::sync::Mutex;
    // Capture the first wrap answer, then serve it again for the second wrap.
    let first: Mutex<Option<http::Response<Vec<u8>>>> = Mutex::new(None);
    let emulator = emulator();
    let transport = Tampering::new(move |req, resp| {
        if !is_wrap(req) {
            return resp;
        }
        let mut first = first.lock().unwrap();
        match first.as_ref() {
            None => {
                let (parts, body) = resp.into_parts();
                let copy = http::Response::builder()
                    .status(parts.status)
                    .header("content-type", parts.headers["content-type"].clone())
                    .body(body.clone())
                    .unwrap();
                *first = Some(copy);
                http::Response::from_parts(parts, body)
            }
            Some(old) => http::Response::builder()
                .status(200)
                .header("content-type", old.headers()["content-type"].clone())
                .body(old.body().clone())
                .unwrap(),
        }
    });
    let client = client(&emulator, transport);
    client
        .create_key("replay", &CreateKeyOptions::rsa(2048))
        .unwrap();
    client
        .wrap_key("replay", None, EncryptionAlgorithm::RsaOaep, &[1; 16])
        .unwrap();
    let err = client
        .wrap_key("replay", None, EncryptionAlgorithm::RsaOaep, &[2; 16])
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Protection(ProtectionError::EncryptionKidMismatch { .. })
        ),
        "{err:?}"
    );
}

#[test]
fn service_errors_carry_status_code_message_and_request_id() {
    let emulator = emulator();
    let client = client(&emulator, Recording::new());
    let err = client.get_key("missing", None).unwrap_err();
    let service = err.service().unwrap();
    assert_eq!(
        (service.status, service.code.as_str()),
        (404, "KeyNotFound")
    );
    assert!(service.message.contains("missing"));
    assert!(service.request_id.is_some());
    // A protected operation on a missing key: the error answer is plain JSON, typed.
    let err = client
        .wrap_key("missing", None, EncryptionAlgorithm::RsaOaep, &[0; 16])
        .unwrap_err();
    assert_eq!(err.service().map(|e| e.code.as_str()), Some("KeyNotFound"));
}

#[test]
fn bad_client_credentials_are_a_typed_authority_error() {
    let emulator = emulator();
    let transport = Recording::new();
    let credential = kv_auth::ClientSecretCredential::new(CLIENT_ID, "wrong-secret")
        .with_transport(transport.clone());
    let client = kv_client::KeyVaultClient::builder(emulator.url())
        .credential(std::sync::Arc::new(credential))
        .transport(transport)
        .build()
        .unwrap();
    let err = client.get_key("any", None).unwrap_err();
    match &err {
        Error::Auth(kv_auth::Error::Authority(e)) => {
            assert_eq!((e.status, e.error.as_str()), (401, "invalid_client"));
            assert_eq!(e.error_codes, [7000215]);
        }
        other => panic!("{other:?}"),
    }
    assert!(!format!("{err} {err:?}").contains("wrong-secret"));
}

#[test]
fn require_message_protection_refuses_a_vault_without_it() {
    let emulator = common::emulator_builder()
        .message_protection(false)
        .start()
        .unwrap();
    let transport = Recording::new();
    let credential = kv_auth::ClientSecretCredential::new(CLIENT_ID, CLIENT_SECRET)
        .with_transport(transport.clone());
    let strict = kv_client::KeyVaultClient::builder(emulator.url())
        .credential(std::sync::Arc::new(credential))
        .transport(transport.clone())
        .require_message_protection(true)
        .build()
        .unwrap();
    strict
        .create_key("k", &CreateKeyOptions::rsa(2048))
        .unwrap();
    let err = strict
        .wrap_key("k", None, EncryptionAlgorithm::RsaOaep, &[0; 16])
        .unwrap_err();
    assert!(
        matches!(err, Error::Protection(ProtectionError::Unavailable)),
        "{err:?}"
    );
    // Without the requirement the same call goes unprotected, as the protocol says.
    let lenient = client(&emulator, transport);
    lenient
        .wrap_key("k", None, EncryptionAlgorithm::RsaOaep, &[0; 16])
        .unwrap();
}

/// Downgrade: after the vault has offered protection, a 401 whose challenge drops
/// `supportspop` and the message keys (anyone on the path can forge one; it is not
/// signed) must not make the client resend the wrap unprotected.
#[test]
fn a_challenge_stripped_of_protection_is_refused_as_a_downgrade() {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let wraps = std::sync::Arc::new(AtomicUsize::new(0));
    let seen_challenge: Mutex<Option<String>> = Mutex::new(None);
    let counted = wraps.clone();
    let transport = Tampering::new(move |req, resp| {
        if resp.status() == 401 {
            let www = resp.headers()["www-authenticate"].to_str().unwrap();
            *seen_challenge.lock().unwrap() = Some(www.replace(r#", supportspop="true""#, ""));
        }
        if !is_wrap(req) {
            return resp;
        }
        let n = counted.fetch_add(1, Ordering::SeqCst);
        if n == 0 {
            return resp;
        }
        let stripped = seen_challenge.lock().unwrap().clone().unwrap();
        assert!(!stripped.contains("supportspop"), "{stripped}");
        http::Response::builder()
            .status(401)
            .header("www-authenticate", stripped)
            .body(Vec::new())
            .unwrap()
    });
    let emulator = emulator();
    let client = client(&emulator, transport);
    client
        .create_key("sticky", &CreateKeyOptions::rsa(2048))
        .unwrap();
    client
        .wrap_key("sticky", None, EncryptionAlgorithm::RsaOaep, &[1; 16])
        .unwrap();
    let err = client
        .wrap_key("sticky", None, EncryptionAlgorithm::RsaOaep, &[2; 16])
        .unwrap_err();
    assert!(
        matches!(err, Error::Protection(ProtectionError::Downgrade)),
        "{err:?}"
    );
    assert_eq!(
        wraps.load(Ordering::SeqCst),
        2,
        "the refused wrap is not resent, protected or not"
    );
    // The protected challenge is still the cached one: the next wrap is still sent
    // protected (the vault counts it), and the forged answer is refused again.
    let before = emulator.vault().stats().protected_requests;
    let err = client
        .wrap_key("sticky", None, EncryptionAlgorithm::RsaOaep, &[3; 16])
        .unwrap_err();
    assert!(
        matches!(err, Error::Protection(ProtectionError::Downgrade)),
        "{err:?}"
    );
    assert_eq!(emulator.vault().stats().protected_requests, before + 1);
}
