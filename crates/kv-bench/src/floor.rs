//! Table 1: each primitive alone, per provider.

use std::collections::BTreeMap;
use std::time::Duration;

use kv_jose::hazmat::{content_open, content_seal};
use kv_jose::{CryptoProvider, EncAlg, KeyAlg, RsaPrivateKey, SigAlg};

use crate::timing::{per_op, us};

/// Per provider: the four RSA operations of one protected exchange.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Floor {
    pub(crate) sign: Duration,
    pub(crate) verify: Duration,
    pub(crate) encrypt: Duration,
    pub(crate) decrypt: Duration,
}

impl Floor {
    /// One RS256 sign + one OAEP encrypt + one RS256 verify + one OAEP decrypt.
    pub(crate) fn exchange(&self) -> Duration {
        self.sign + self.verify + self.encrypt + self.decrypt
    }
}

pub(crate) fn run(quick: bool) -> BTreeMap<&'static str, Floor> {
    let (rounds, min) = if quick {
        (3, Duration::from_millis(100))
    } else {
        (7, Duration::from_millis(300))
    };
    println!("## 1. The crypto floor (RSA-2048, µs per operation, median of {rounds} rounds)\n");
    println!(
        "| operation | {} |",
        CryptoProvider::all()
            .iter()
            .map(|p| p.name())
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!("|---|{}", "---|".repeat(CryptoProvider::all().len()));
    let message = vec![0x5au8; 2048];
    let cek = [7u8; 32];
    let mut floors = BTreeMap::new();
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let mut push = |name: &str, i: usize, v: String| {
        if rows.iter().all(|(n, _)| n != name) {
            rows.push((name.to_string(), Vec::new()));
        }
        if let Some((_, cells)) = rows.iter_mut().find(|(n, _)| n == name) {
            if cells.len() <= i {
                cells.resize(i + 1, String::new());
            }
            cells[i] = v;
        }
    };
    for (i, provider) in CryptoProvider::all().into_iter().enumerate() {
        let Ok(key) = kv_jose::test_keys::rsa_2048_a().with_provider(provider) else {
            continue;
        };
        let signature = key.sign(SigAlg::Rs256, &message).unwrap_or_default();
        let wrapped = key
            .public()
            .encrypt(KeyAlg::RsaOaep, &cek)
            .unwrap_or_default();
        let f = Floor {
            sign: per_op(rounds, min, || drop(key.sign(SigAlg::Rs256, &message))),
            verify: per_op(rounds, min, || {
                drop(key.public().verify(SigAlg::Rs256, &message, &signature))
            }),
            encrypt: per_op(rounds, min, || {
                drop(key.public().encrypt(KeyAlg::RsaOaep, &cek))
            }),
            decrypt: per_op(rounds, min, || drop(key.decrypt(KeyAlg::RsaOaep, &wrapped))),
        };
        push("RS256 sign (2 KiB)", i, us(f.sign));
        push("RS256 verify (2 KiB)", i, us(f.verify));
        push("RSA-OAEP encrypt (32 B)", i, us(f.encrypt));
        push("RSA-OAEP decrypt", i, us(f.decrypt));
        push(
            "**one exchange** (sign + encrypt + verify + decrypt)",
            i,
            format!("**{}**", us(f.exchange())),
        );
        for size in [256usize, 64 * 1024] {
            let plain = vec![1u8; size];
            let (iv, aad) = ([2u8; 16], [3u8; 64]);
            let (ct, tag) =
                content_seal(EncAlg::A128CbcHs256, &cek, &iv, &aad, &plain).unwrap_or_default();
            let label = if size == 256 { "256 B" } else { "64 KiB" };
            push(
                &format!("A128CBC-HS256 encrypt {label}"),
                i,
                us(per_op(rounds, min, || {
                    drop(content_seal(EncAlg::A128CbcHs256, &cek, &iv, &aad, &plain))
                })),
            );
            push(
                &format!("A128CBC-HS256 decrypt {label}"),
                i,
                us(per_op(rounds, min, || {
                    drop(content_open(
                        EncAlg::A128CbcHs256,
                        &cek,
                        &iv,
                        &aad,
                        &ct,
                        &tag,
                    ))
                })),
            );
        }
        let keygens = if quick { 5 } else { 21 };
        let mut times: Vec<Duration> = (0..keygens)
            .map(|_| {
                let start = std::time::Instant::now();
                drop(RsaPrivateKey::generate_with(2048, provider));
                start.elapsed()
            })
            .collect();
        times.sort_unstable();
        push(
            &format!("RSA-2048 key generation (median of {keygens}; min–max)"),
            i,
            format!(
                "{} ({}–{})",
                us(times[times.len() / 2]),
                us(times[0]),
                us(times[times.len() - 1])
            ),
        );
        floors.insert(provider.name(), f);
    }
    for (name, cells) in rows {
        println!("| {name} | {} |", cells.join(" | "));
    }
    println!(
        "\nThe content encryption is RustCrypto's in both providers; key generation is the `rsa` crate's in both (AWS-LC imports the key).\n"
    );
    floors
}
