//! The challenge cache: one discovery per vault, a stale challenge replaced once
//! (with its token), never a loop, and challenges that must not be trusted.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use kv_auth::{AccessToken, StaticTokenCredential};
use kv_client::{CreateKeyOptions, EncryptionAlgorithm, Error, KeyVaultClient};
use kv_transport::Transport;

use common::{CLIENT_ID, CLIENT_SECRET, Recording};

#[test]
fn a_restarted_vault_with_new_keys_is_rediscovered_once() {
    let port = common::free_port();
    let start = |signing, encryption| {
        kv_emulator::Emulator::builder()
            .port(port)
            .client(CLIENT_ID, CLIENT_SECRET)
            .message_keys(signing, encryption)
            .start()
            .unwrap()
    };
    let first = start(
        kv_jose::test_keys::rsa_2048_a(),
        kv_jose::test_keys::rsa_2048_b(),
    );
    let recording = Recording::new();
    let client = common::client(&first, recording.clone());
    client
        .create_key("k", &CreateKeyOptions::rsa(2048))
        .unwrap();
    client
        .wrap_key("k", None, EncryptionAlgorithm::RsaOaep, &[1; 16])
        .unwrap();
    first.shutdown();

    // Same address, new message keys, and none of the old tokens.
    let second = start(
        kv_jose::test_keys::rsa_2048_c(),
        kv_jose::test_keys::rsa_2048_a(),
    );
    let before = recording.exchanges().len();
    client
        .create_key("k", &CreateKeyOptions::rsa(2048))
        .unwrap();
    client
        .wrap_key("k", None, EncryptionAlgorithm::RsaOaep, &[2; 16])
        .unwrap();
    let after: Vec<_> = recording.exchanges().into_iter().skip(before).collect();
    let refusals = after.iter().filter(|x| x.response.status() == 401).count();
    assert_eq!(
        refusals, 1,
        "one stale-challenge refusal, then the new challenge is used"
    );
    assert!(second.vault().stats().protected_requests >= 1);
}

/// A vault that refuses everything with a 401 challenge, counting requests.
#[derive(Debug, Default)]
struct AlwaysUnauthorized(Mutex<usize>);

impl Transport for AlwaysUnauthorized {
    fn send(
        &self,
        _r: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, kv_transport::Error> {
        *self.0.lock().unwrap() += 1;
        Ok(http::Response::builder()
            .status(401)
            .header("www-authenticate", r#"Bearer authorization="https://login.microsoftonline.com/contoso.onmicrosoft.com", resource="https://vault.azure.net""#)
            .body(br#"{"error":{"code":"Unauthorized","message":"no"}}"#.to_vec())
            .unwrap())
    }
}

#[test]
fn a_vault_that_always_answers_401_is_not_retried_in_a_loop() {
    let transport = Arc::new(AlwaysUnauthorized::default());
    let client = KeyVaultClient::builder("https://myvault.vault.azure.net")
        .credential(Arc::new(StaticTokenCredential::new(AccessToken::bearer(
            "t",
            SystemTime::now() + Duration::from_secs(3600),
        ))))
        .transport(transport.clone())
        .build()
        .unwrap();
    let err = client.get_key("k", None).unwrap_err();
    assert_eq!(err.service().map(|e| e.status), Some(401));
    assert_eq!(
        *transport.0.lock().unwrap(),
        2,
        "probe, then one authenticated attempt"
    );
    let err = client.get_key("k", None).unwrap_err();
    assert_eq!(err.service().map(|e| e.status), Some(401));
    assert_eq!(
        *transport.0.lock().unwrap(),
        4,
        "one attempt, one rediscovery retry"
    );
}

/// A vault whose challenge asks for something a real one never would.
#[derive(Debug)]
struct Challenging(&'static str);

impl Transport for Challenging {
    fn send(
        &self,
        _r: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, kv_transport::Error> {
        Ok(http::Response::builder()
            .status(401)
            .header("www-authenticate", self.0)
            .body(Vec::new())
            .unwrap())
    }
}

fn challenge_error(vault: &str, www: &'static str) -> Error {
    KeyVaultClient::builder(vault)
        .credential(Arc::new(StaticTokenCredential::new(AccessToken::bearer(
            "t",
            SystemTime::now(),
        ))))
        .transport(Arc::new(Challenging(www)))
        .build()
        .unwrap()
        .get_key("k", None)
        .unwrap_err()
}

#[test]
fn a_challenge_for_another_resource_is_refused() {
    // A fake vault collecting tokens for the real Key Vault or for Graph.
    for www in [
        r#"Bearer authorization="https://login.microsoftonline.com/common", resource="https://graph.microsoft.com""#,
        r#"Bearer authorization="https://login.microsoftonline.com/common", resource="https://vault.azure.net.evil.example""#,
        r#"Bearer authorization="https://login.microsoftonline.com/common", scope="https://evil.example/.default""#,
        r#"Bearer authorization="https://login.microsoftonline.com/common""#,
    ] {
        let err = challenge_error("https://myvault.vault.azure.net", www);
        assert!(
            matches!(&err, Error::Auth(kv_auth::Error::Challenge(m)) if m.contains("not the vault's host")),
            "{www}: {err}"
        );
    }
}

#[test]
fn a_challenge_naming_an_unknown_authority_is_refused() {
    let err = challenge_error(
        "https://myvault.vault.azure.net",
        r#"Bearer authorization="https://login.evil.example/common", resource="https://vault.azure.net""#,
    );
    assert!(
        matches!(&err, Error::Auth(kv_auth::Error::Challenge(m)) if m.contains("trust_authority_host")),
        "{err}"
    );
    // Plain http to a known host is not the known host.
    let err = challenge_error(
        "https://myvault.vault.azure.net",
        r#"Bearer authorization="http://login.microsoftonline.com/common", resource="https://vault.azure.net""#,
    );
    assert!(matches!(err, Error::Auth(kv_auth::Error::Challenge(_))));
}

#[test]
fn an_explicitly_trusted_authority_is_accepted() {
    let transport = Arc::new(AlwaysUnauthorized::default());
    let client = KeyVaultClient::builder("https://myvault.vault.azure.net")
        .credential(Arc::new(StaticTokenCredential::new(AccessToken::bearer(
            "t",
            SystemTime::now(),
        ))))
        .transport(transport)
        .trust_authority_host("https://login.microsoftonline.com")
        .build()
        .unwrap();
    // The challenge is accepted; the vault still refuses the token.
    assert_eq!(
        client
            .get_key("k", None)
            .unwrap_err()
            .service()
            .map(|e| e.status),
        Some(401)
    );
}

/// A vault whose list answer links to another host.
#[derive(Debug, Default)]
struct LinksElsewhere(Mutex<Vec<String>>);

impl Transport for LinksElsewhere {
    fn send(
        &self,
        r: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, kv_transport::Error> {
        self.0.lock().unwrap().push(r.uri().to_string());
        if !r.headers().contains_key("authorization") {
            return AlwaysUnauthorized::default().send(r);
        }
        Ok(http::Response::builder()
            .status(200)
            .body(br#"{"value":[{"kid":"https://myvault.vault.azure.net/keys/a"}],"nextLink":"https://evil.example/keys?api-version=7.5&$skiptoken=1"}"#.to_vec())
            .unwrap())
    }
}

#[test]
fn a_next_link_outside_the_vault_is_not_followed() {
    let transport = Arc::new(LinksElsewhere::default());
    let client = KeyVaultClient::builder("https://myvault.vault.azure.net")
        .credential(Arc::new(StaticTokenCredential::new(AccessToken::bearer(
            "t",
            SystemTime::now() + Duration::from_secs(3600),
        ))))
        .transport(transport.clone())
        .build()
        .unwrap();
    let items: Vec<_> = client.list_keys().collect();
    assert_eq!(
        items.len(),
        2,
        "the first page's item, then the error that ends the list"
    );
    assert!(items[0].is_ok());
    assert!(
        matches!(&items[1], Err(Error::UnexpectedAnswer(m)) if m.contains("outside")),
        "{items:?}"
    );
    assert!(
        transport
            .0
            .lock()
            .unwrap()
            .iter()
            .all(|u| u.starts_with("https://myvault.vault.azure.net/"))
    );
}
