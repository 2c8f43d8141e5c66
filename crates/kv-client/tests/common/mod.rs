//! Shared set-up for the client's integration tests: an emulator on loopback and
//! transports that record or tamper with what crosses the wire.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use kv_auth::ClientSecretCredential;
use kv_client::KeyVaultClient;
use kv_emulator::{Emulator, EmulatorBuilder, EmulatorHandle};
use kv_jose::test_keys;
use kv_transport::{Error, Transport, UreqTransport};

pub(crate) const CLIENT_ID: &str = "test-client";
pub(crate) const CLIENT_SECRET: &str = "test-client-secret-value";

/// An emulator builder for the test client with fixed message keys (fast start).
pub(crate) fn emulator_builder() -> EmulatorBuilder {
    Emulator::builder()
        .client(CLIENT_ID, CLIENT_SECRET)
        .message_keys(test_keys::rsa_2048_a(), test_keys::rsa_2048_b())
}

/// An emulator with fixed message keys (fast start), protection on.
pub(crate) fn emulator() -> EmulatorHandle {
    emulator_builder().start().unwrap()
}

/// A loopback port free at the time of asking.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) fn client(emulator: &EmulatorHandle, transport: Arc<dyn Transport>) -> KeyVaultClient {
    let credential =
        ClientSecretCredential::new(CLIENT_ID, CLIENT_SECRET).with_transport(transport.clone());
    KeyVaultClient::builder(emulator.url())
        .credential(Arc::new(credential))
        .transport(transport)
        .build()
        .unwrap()
}

/// One exchange as it crossed the wire.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    pub(crate) request: http::Request<Vec<u8>>,
    pub(crate) response: http::Response<Vec<u8>>,
}

fn copy_request(r: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut b = http::Request::builder()
        .method(r.method().clone())
        .uri(r.uri().clone());
    for (k, v) in r.headers() {
        b = b.header(k, v);
    }
    b.body(r.body().clone()).unwrap()
}

fn copy_response(r: &http::Response<Vec<u8>>) -> http::Response<Vec<u8>> {
    let mut b = http::Response::builder().status(r.status());
    for (k, v) in r.headers() {
        b = b.header(k, v);
    }
    b.body(r.body().clone()).unwrap()
}

/// Records every exchange, then passes it on unchanged.
#[derive(Debug)]
pub(crate) struct Recording {
    inner: UreqTransport,
    pub(crate) log: Mutex<Vec<Exchange>>,
    /// Every request path sent, answered or not.
    pub(crate) attempts: Mutex<Vec<String>>,
}

impl Recording {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Recording {
            inner: UreqTransport::new(),
            log: Mutex::new(Vec::new()),
            attempts: Mutex::new(Vec::new()),
        })
    }

    /// How many requests were sent to a path ending in `suffix`, answered or not.
    pub(crate) fn attempts_to(&self, suffix: &str) -> usize {
        self.attempts
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.ends_with(suffix))
            .count()
    }

    pub(crate) fn exchanges(&self) -> Vec<Exchange> {
        self.log.lock().unwrap().clone()
    }
}

impl Transport for Recording {
    fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Error> {
        let copy = copy_request(&request);
        self.attempts
            .lock()
            .unwrap()
            .push(request.uri().path().to_string());
        let response = self.inner.send(request)?;
        self.log.lock().unwrap().push(Exchange {
            request: copy,
            response: copy_response(&response),
        });
        Ok(response)
    }
}

type Tamper = dyn Fn(&http::Request<Vec<u8>>, http::Response<Vec<u8>>) -> http::Response<Vec<u8>>
    + Send
    + Sync;

/// Passes requests on, and lets a test rewrite the answers.
pub(crate) struct Tampering {
    inner: UreqTransport,
    tamper: Box<Tamper>,
}

impl std::fmt::Debug for Tampering {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tampering")
    }
}

impl Tampering {
    pub(crate) fn new(
        tamper: impl Fn(&http::Request<Vec<u8>>, http::Response<Vec<u8>>) -> http::Response<Vec<u8>>
        + Send
        + Sync
        + 'static,
    ) -> Arc<Self> {
        Arc::new(Tampering {
            inner: UreqTransport::new(),
            tamper: Box::new(tamper),
        })
    }
}

impl Transport for Tampering {
    fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Error> {
        let copy = copy_request(&request);
        let response = self.inner.send(request)?;
        Ok((self.tamper)(&copy, response))
    }
}
