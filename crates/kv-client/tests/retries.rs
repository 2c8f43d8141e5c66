//! Retries against the emulator's fault injection: bounded, honouring Retry-After,
//! protected afresh on every attempt, and never repeating a create that may have run.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use kv_client::{CreateKeyOptions, EncryptionAlgorithm, Error, KeyVaultClient};
use kv_emulator::{Fault, FaultRule};
use kv_transport::{RetryPolicy, Sent};
use serde_json::Value;

use common::{CLIENT_ID, CLIENT_SECRET, Recording, emulator};

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(4)
        .initial_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(20))
}

fn client_with(
    emulator: &kv_emulator::EmulatorHandle,
    recording: Arc<Recording>,
    policy: RetryPolicy,
) -> KeyVaultClient {
    let credential = kv_auth::ClientSecretCredential::new(CLIENT_ID, CLIENT_SECRET)
        .with_transport(recording.clone());
    KeyVaultClient::builder(emulator.url())
        .credential(Arc::new(credential))
        .transport(recording)
        .retry(policy)
        .build()
        .unwrap()
}

fn sent_to(recording: &Recording, suffix: &str) -> Vec<common::Exchange> {
    recording
        .exchanges()
        .into_iter()
        .filter(|x| x.request.uri().path().ends_with(suffix))
        .collect()
}

/// The JWE inside a protected request body: (iv, encrypted_key) as sent.
fn jwe_parts(body: &[u8]) -> (String, String) {
    let jws: Value = serde_json::from_slice(body).unwrap();
    let payload = kv_jose::b64::decode("p", jws["payload"].as_str().unwrap()).unwrap();
    let jwe: Value = serde_json::from_slice(&payload).unwrap();
    (
        jwe["iv"].as_str().unwrap().into(),
        jwe["encrypted_key"].as_str().unwrap().into(),
    )
}

#[test]
fn throttled_wraps_are_retried_after_retry_after_and_protected_afresh() {
    let emulator = emulator();
    let recording = Recording::new();
    let client = client_with(&emulator, recording.clone(), fast_retries());
    client
        .create_key("k", &CreateKeyOptions::rsa(2048))
        .unwrap();
    emulator.inject([FaultRule::new(
        Fault::Throttle {
            retry_after_ms: 120,
        },
        "/wrapkey",
    )
    .times(2)]);

    let started = Instant::now();
    client
        .wrap_key("k", None, EncryptionAlgorithm::RsaOaep, &[1; 16])
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(240),
        "waited as told: {:?}",
        started.elapsed()
    );

    let attempts = sent_to(&recording, "/wrapkey");
    assert_eq!(
        attempts
            .iter()
            .map(|x| x.response.status().as_u16())
            .collect::<Vec<_>>(),
        [429, 429, 200]
    );
    let ids: Vec<_> = attempts
        .iter()
        .map(|x| x.request.headers()["x-ms-client-request-id"].clone())
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] == w[1]),
        "one client request id across the retries"
    );
    let parts: Vec<_> = attempts
        .iter()
        .map(|x| jwe_parts(x.request.body()))
        .collect();
    for i in 0..parts.len() {
        for j in i + 1..parts.len() {
            assert_ne!(parts[i].0, parts[j].0, "a fresh IV on each attempt");
            assert_ne!(parts[i].1, parts[j].1, "a fresh CEK on each attempt");
        }
    }
    assert_eq!(emulator.vault().stats().faults_injected, 2);
}

#[test]
fn retries_are_bounded_by_attempts() {
    let emulator = emulator();
    let recording = Recording::new();
    let client = client_with(&emulator, recording.clone(), fast_retries().max_attempts(3));
    client
        .create_key("k", &CreateKeyOptions::rsa(2048))
        .unwrap();
    emulator.inject([FaultRule::new(Fault::Unavailable, "/wrapkey").times(10)]);
    let err = client
        .wrap_key("k", None, EncryptionAlgorithm::RsaOaep, &[1; 16])
        .unwrap_err();
    assert_eq!(
        err.service().map(|e| (e.status, e.code.as_str())),
        Some((503, "ServiceUnavailable"))
    );
    assert_eq!(sent_to(&recording, "/wrapkey").len(), 3);
}

#[test]
fn a_retry_after_beyond_the_cap_is_not_waited_for() {
    let emulator = emulator();
    let recording = Recording::new();
    let client = client_with(
        &emulator,
        recording.clone(),
        fast_retries().max_retry_after(Duration::from_millis(100)),
    );
    client
        .create_key("k", &CreateKeyOptions::rsa(2048))
        .unwrap();
    emulator.inject([FaultRule::new(
        Fault::Throttle {
            retry_after_ms: 30_000,
        },
        "/wrapkey",
    )]);
    let started = Instant::now();
    let err = client
        .wrap_key("k", None, EncryptionAlgorithm::RsaOaep, &[1; 16])
        .unwrap_err();
    assert_eq!(err.service().map(|e| e.status), Some(429));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(sent_to(&recording, "/wrapkey").len(), 1);
}

#[test]
fn retries_are_bounded_by_total_time() {
    let emulator = emulator();
    let recording = Recording::new();
    let policy = fast_retries()
        .max_attempts(50)
        .max_total(Duration::from_millis(300));
    let client = client_with(&emulator, recording.clone(), policy);
    client
        .create_key("k", &CreateKeyOptions::rsa(2048))
        .unwrap();
    emulator.inject([FaultRule::new(
        Fault::Throttle {
            retry_after_ms: 100,
        },
        "/wrapkey",
    )
    .times(50)]);
    let started = Instant::now();
    assert!(
        client
            .wrap_key("k", None, EncryptionAlgorithm::RsaOaep, &[1; 16])
            .is_err()
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(sent_to(&recording, "/wrapkey").len() <= 4);
}

#[test]
fn a_dropped_connection_is_retried_for_a_wrap() {
    let emulator = emulator();
    let recording = Recording::new();
    let client = client_with(&emulator, recording.clone(), fast_retries());
    client
        .create_key("k", &CreateKeyOptions::rsa(2048))
        .unwrap();
    emulator.inject([
        FaultRule::new(Fault::DropBefore, "/wrapkey"),
        FaultRule::new(Fault::DropAfter, "/wrapkey"),
    ]);
    let w = client
        .wrap_key("k", None, EncryptionAlgorithm::RsaOaep, &[3; 16])
        .unwrap();
    let u = client
        .unwrap_key("k", None, EncryptionAlgorithm::RsaOaep, &w.value)
        .unwrap();
    assert_eq!(u.value.expose_secret(), &[3; 16]);
    assert_eq!(emulator.vault().stats().faults_injected, 2);
    assert_eq!(
        recording.attempts_to("/wrapkey"),
        3,
        "two dropped, one answered"
    );
}

#[test]
fn a_create_whose_answer_was_lost_is_not_repeated() {
    let emulator = emulator();
    let recording = Recording::new();
    let client = client_with(&emulator, recording.clone(), fast_retries());
    client.get_key("warm-up", None).unwrap_err(); // learn the challenge and get a token
    // The vault creates the key, then the connection drops before the answer.
    emulator.inject([FaultRule::new(Fault::DropAfter, "/create")]);
    let err = client
        .create_key("once", &CreateKeyOptions::rsa(2048))
        .unwrap_err();
    match &err {
        Error::Transport(e) => assert_eq!(e.sent(), Sent::Maybe, "{e}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(recording.attempts_to("/create"), 1, "not retried");
    assert_eq!(
        emulator.vault().key_versions("once"),
        1,
        "exactly one version exists"
    );
}

#[test]
fn a_throttled_create_is_retried_and_makes_one_version() {
    let emulator = emulator();
    let recording = Recording::new();
    let client = client_with(&emulator, recording.clone(), fast_retries());
    client.get_key("warm-up", None).unwrap_err();
    // 429 says the request was not processed: safe to repeat even a create.
    emulator.inject([
        FaultRule::new(Fault::Throttle { retry_after_ms: 10 }, "/create"),
        FaultRule::new(Fault::Throttle { retry_after_ms: 10 }, "/create"),
    ]);
    client
        .create_key("retried", &CreateKeyOptions::rsa(2048))
        .unwrap();
    assert_eq!(recording.attempts_to("/create"), 3);
    assert_eq!(emulator.vault().key_versions("retried"), 1);
}

#[test]
fn a_create_answered_unavailable_is_not_retried() {
    let emulator = emulator();
    let recording = Recording::new();
    let client = client_with(&emulator, recording.clone(), fast_retries());
    client.get_key("warm-up", None).unwrap_err();
    // A 503 may come from a gateway after the vault acted: a create is not repeated.
    emulator.inject([FaultRule::new(Fault::Unavailable, "/create")]);
    let err = client
        .create_key("unavailable", &CreateKeyOptions::rsa(2048))
        .unwrap_err();
    assert_eq!(err.service().map(|e| e.status), Some(503), "{err:?}");
    assert_eq!(recording.attempts_to("/create"), 1);
}
