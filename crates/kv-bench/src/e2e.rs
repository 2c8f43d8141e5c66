//! Table 3: end to end on loopback against the emulator.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kv_client::{CreateKeyOptions, EncryptionAlgorithm, KeyVaultClient};
use kv_emulator::{Emulator, EmulatorHandle};
use kv_jose::CryptoProvider;

use crate::timing::{ms, quantile};

pub(crate) const CLIENT: (&str, &str) = ("bench-client", "bench-secret");

/// Per provider: the emulator (kept running for the reference client), and the
/// protected wrap+unwrap pairs per second at concurrency 1.
pub(crate) struct E2e {
    pub(crate) emulators: BTreeMap<&'static str, EmulatorHandle>,
    pub(crate) pairs_per_second: BTreeMap<&'static str, f64>,
}

pub(crate) fn emulator(provider: CryptoProvider) -> EmulatorHandle {
    Emulator::builder()
        .client(CLIENT.0, CLIENT.1)
        .crypto_provider(provider)
        .message_keys(
            kv_jose::test_keys::rsa_2048_b(),
            kv_jose::test_keys::rsa_2048_c(),
        )
        .start()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn client(url: &str, provider: CryptoProvider) -> KeyVaultClient {
    let credential =
        kv_auth::ClientSecretCredential::new(CLIENT.0, CLIENT.1).crypto_provider(provider);
    KeyVaultClient::builder(url)
        .credential(Arc::new(credential))
        .crypto_provider(provider)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `op` on `threads` threads for `seconds`; returns (ops per second, sorted latencies).
fn load(threads: usize, seconds: f64, op: impl Fn() + Sync) -> (f64, Vec<Duration>) {
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let mut latencies: Vec<Duration> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    while Instant::now() < deadline {
                        let t = Instant::now();
                        op();
                        mine.push(t.elapsed());
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    (latencies.len() as f64 / elapsed, latencies)
}

/// The crypto floor of one protected wrap + unwrap, client and emulator together: each
/// of the two requests costs an exchange on each side (sign, encrypt, verify, decrypt),
/// and the operations themselves an RSA encrypt (wrap) and decrypt (unwrap).
fn pair_floor(f: &crate::floor::Floor) -> Duration {
    f.exchange() * 4 + f.encrypt + f.decrypt
}

pub(crate) fn run(seconds: f64, floors: &BTreeMap<&'static str, crate::floor::Floor>) -> E2e {
    println!("## 3. End to end on loopback against the emulator ({seconds} s per cell)\n");
    println!("Client and emulator share this machine's cores; each uses the same provider.\n");
    println!(
        "| provider | operation | concurrency | ops/s | p50 ms | p99 ms | p50 / crypto floor |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut out = E2e {
        emulators: BTreeMap::new(),
        pairs_per_second: BTreeMap::new(),
    };
    for provider in CryptoProvider::all() {
        let emulator = emulator(provider);
        let client = client(emulator.url(), provider);
        client
            .create_key("bench", &CreateKeyOptions::rsa(2048))
            .unwrap_or_else(|e| panic!("{e}"));
        let wrapped = client
            .wrap_key("bench", None, EncryptionAlgorithm::RsaOaep, &[7; 32])
            .unwrap_or_else(|e| panic!("{e}"))
            .value;
        let pair = || {
            let w = client.wrap_key("bench", None, EncryptionAlgorithm::RsaOaep, &[7; 32]);
            let u = client.unwrap_key("bench", None, EncryptionAlgorithm::RsaOaep, &wrapped);
            assert!(w.is_ok() && u.is_ok(), "{w:?} {u:?}");
        };
        let get = || assert!(client.get_key("bench", None).is_ok());
        for _ in 0..5 {
            pair();
        }
        for (name, op) in [
            ("protected wrap + unwrap", &pair as &(dyn Fn() + Sync)),
            ("bearer get_key", &get),
        ] {
            for threads in [1, 2, 4, 8] {
                let (rate, lat) = load(threads, seconds, op);
                let ratio = match (name.starts_with("protected"), floors.get(provider.name())) {
                    (true, Some(f)) if threads == 1 => format!(
                        "{:.2}",
                        quantile(&lat, 0.5).as_secs_f64() / pair_floor(f).as_secs_f64()
                    ),
                    _ => String::new(),
                };
                println!(
                    "| {} | {name} | {threads} | {rate:.0} | {} | {} | {ratio} |",
                    provider.name(),
                    ms(quantile(&lat, 0.5)),
                    ms(quantile(&lat, 0.99))
                );
                if threads == 1 && name.starts_with("protected") {
                    out.pairs_per_second.insert(provider.name(), rate);
                }
            }
        }
        out.emulators.insert(provider.name(), emulator);
    }
    println!();
    out
}
