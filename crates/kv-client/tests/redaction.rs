//! No secret (client secret, access tokens, PoP and response private keys, unwrapped
//! key bytes) appears in any `Debug` or `Display` output, any log line of ours at
//! TRACE level, or the emulator's request log, across successful and failing calls.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kv_auth::{AccessToken, ClientSecretCredential, TokenCredential, TokenRequest};
use kv_client::{
    CreateKeyOptions, EncryptionAlgorithm, FreshKeyPerRequest, KeyVaultClient, ResponseKey,
    ResponseKeySource,
};
use kv_emulator::{Fault, FaultRule};
use kv_jose::b64;

use common::{CLIENT_ID, CLIENT_SECRET, Tampering};

/// Every secret the run produced, in the forms it could leak in.
#[derive(Debug, Default)]
struct Secrets(Mutex<Vec<String>>);

impl Secrets {
    fn add(&self, s: String) {
        self.0.lock().unwrap().push(s);
    }

    fn add_key(&self, key: &kv_jose::RsaPrivateKey) {
        let jwk = key.to_private_jwk();
        for member in [&jwk.d, &jwk.p, &jwk.q] {
            let bytes = member.as_ref().unwrap().expose_secret();
            self.add(b64::encode(&bytes[..24]));
            self.add(
                format!("{:?}", &bytes[..8])
                    .trim_end_matches(']')
                    .to_string(),
            );
        }
    }
}

/// Passes tokens through and remembers them and their PoP keys. Its `Debug` shows
/// only the credential, so the test's own notes cannot leak into the output.
struct Spy(ClientSecretCredential, Arc<Secrets>);

impl std::fmt::Debug for Spy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Spy").field(&self.0).finish()
    }
}

impl TokenCredential for Spy {
    fn get_token(&self, request: &TokenRequest) -> kv_auth::Result<Arc<AccessToken>> {
        let token = self.0.get_token(request)?;
        self.1.add(token.token().expose_secret().clone());
        if let Some(pop) = token.pop_key() {
            self.1.add_key(pop.key());
        }
        Ok(token)
    }
}

struct SpyKeys(Arc<Secrets>);

impl std::fmt::Debug for SpyKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SpyKeys")
    }
}

impl ResponseKeySource for SpyKeys {
    fn next_key(&self) -> kv_client::Result<Arc<ResponseKey>> {
        let key = FreshKeyPerRequest::new().next_key()?;
        self.0.add_key(key.key());
        Ok(key)
    }
}

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn secrets_never_reach_debug_display_or_logs() {
    let secrets = Arc::new(Secrets::default());
    secrets.add(CLIENT_SECRET.into());
    let unwrapped_secret = *b"do-not-log-this!";
    secrets.add(String::from_utf8_lossy(&unwrapped_secret).into_owned());
    secrets.add(b64::encode(&unwrapped_secret));

    let emulator_log = Arc::new(Mutex::new(String::new()));
    let sink = emulator_log.clone();
    let emulator = common::emulator_builder()
        .request_log(move |line| {
            sink.lock().unwrap().push_str(line);
            sink.lock().unwrap().push('\n');
        })
        .start()
        .unwrap();

    let logs = Buffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let mut outputs: Vec<String> = Vec::new();

    tracing::subscriber::with_default(subscriber, || {
        let transport = Arc::new(kv_transport::UreqTransport::new());
        let credential = Spy(
            ClientSecretCredential::new(CLIENT_ID, CLIENT_SECRET).with_transport(transport.clone()),
            secrets.clone(),
        );
        let client = KeyVaultClient::builder(emulator.url())
            .credential(Arc::new(credential))
            .transport(transport)
            .response_keys(Arc::new(SpyKeys(secrets.clone())))
            .retry(kv_transport::RetryPolicy::default().initial_delay(Duration::from_millis(1)))
            .build()
            .unwrap();
        outputs.push(format!("{client:?}"));

        let key = client
            .create_key("redact", &CreateKeyOptions::rsa(2048))
            .unwrap();
        emulator.inject([FaultRule::new(
            Fault::Throttle { retry_after_ms: 5 },
            "/wrapkey",
        )]);
        let wrapped = client
            .wrap_key(
                "redact",
                None,
                EncryptionAlgorithm::RsaOaep,
                &unwrapped_secret,
            )
            .unwrap();
        let unwrapped = client
            .unwrap_key("redact", None, EncryptionAlgorithm::RsaOaep, &wrapped.value)
            .unwrap();
        assert_eq!(unwrapped.value.expose_secret(), &unwrapped_secret);
        outputs.push(format!("{key:?} {wrapped:?} {unwrapped:?}"));

        // Failures: unknown key, bad secret, tampered answer.
        let missing = client.get_key("missing", None).unwrap_err();
        outputs.push(format!("{missing} {missing:?}"));
        let bad = KeyVaultClient::builder(emulator.url())
            .credential(Arc::new(ClientSecretCredential::new(
                CLIENT_ID,
                "wrong-secret-value",
            )))
            .build()
            .unwrap();
        secrets.add("wrong-secret-value".into());
        let denied = bad.get_key("redact", None).unwrap_err();
        outputs.push(format!("{denied} {denied:?} {bad:?}"));
        let tampering = Tampering::new(|req, resp| {
            if !req.uri().path().ends_with("/unwrapkey") {
                return resp;
            }
            let (parts, mut body) = resp.into_parts();
            let n = body.len();
            body[n / 2] ^= 1;
            http::Response::from_parts(parts, body)
        });
        let credential = Spy(
            ClientSecretCredential::new(CLIENT_ID, CLIENT_SECRET).with_transport(tampering.clone()),
            secrets.clone(),
        );
        let victim = KeyVaultClient::builder(emulator.url())
            .credential(Arc::new(credential))
            .transport(tampering)
            .response_keys(Arc::new(SpyKeys(secrets.clone())))
            .build()
            .unwrap();
        let tampered = victim
            .unwrap_key("redact", None, EncryptionAlgorithm::RsaOaep, &wrapped.value)
            .unwrap_err();
        outputs.push(format!("{tampered} {tampered:?} {victim:?}"));
    });

    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("http.request"),
        "the transport's spans were captured"
    );
    assert!(logs.contains("authorization: REDACTED"), "{logs}");
    let emulator_log = emulator_log.lock().unwrap().clone();
    assert!(
        emulator_log.contains("/wrapkey -> 200 protected"),
        "{emulator_log}"
    );
    let haystack = format!("{}\n{logs}\n{emulator_log}", outputs.join("\n"));
    let secrets = secrets.0.lock().unwrap();
    assert!(
        secrets.len() > 10,
        "tokens and keys were seen: {}",
        secrets.len()
    );
    for secret in secrets.iter() {
        if let Some(at) = haystack.find(secret.as_str()) {
            let from = at.saturating_sub(300);
            panic!(
                "a secret leaked: {secret:?} in ...{}...",
                &haystack[from..(at + 50).min(haystack.len())]
            );
        }
    }
}
