//! `--data-dir`: a `kill -9` at any moment loses no acknowledged write, and many
//! clients at once lose or tear none.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kv_client::{CreateKeyOptions, EncryptionAlgorithm, KeyVaultClient};
use kv_emulator::Emulator;

use common::{CLIENT_ID, CLIENT_SECRET, Recording};

const CHILD: &str = "KV_EMULATOR_CHILD";

fn fresh_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Not a test of its own: the emulator process the kill test starts and kills. It
/// runs only when this binary is re-executed with `KV_EMULATOR_CHILD=port|dir`.
#[test]
fn child_emulator_process() {
    let Ok(spec) = std::env::var(CHILD) else {
        return;
    };
    let (port, dir) = spec.split_once('|').unwrap();
    let _emulator = common::emulator_builder()
        .port(port.parse().unwrap())
        .data_dir(dir)
        .start()
        .unwrap();
    println!("emulator-ready");
    loop {
        std::thread::park();
    }
}

fn spawn_child(port: u16, dir: &Path) -> Child {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_emulator_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, format!("{port}|{}", dir.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    loop {
        let line = lines
            .next()
            .expect("the child emulator exited before it was ready")
            .unwrap();
        if line.contains("emulator-ready") {
            break;
        }
    }
    // Keep draining its output so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    child
}

fn client(port: u16) -> KeyVaultClient {
    let transport = Recording::new();
    let credential = kv_auth::ClientSecretCredential::new(CLIENT_ID, CLIENT_SECRET)
        .with_transport(transport.clone());
    KeyVaultClient::builder(format!("http://127.0.0.1:{port}"))
        .credential(Arc::new(credential))
        .transport(transport)
        .retry(kv_transport::RetryPolicy::none())
        .build()
        .unwrap()
}

#[cfg(unix)]
#[test]
fn a_kill_9_mid_run_loses_no_acknowledged_write() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    let dir = fresh_dir("kill9");
    let port = common::free_port();
    let mut child = spawn_child(port, &dir);
    // (key name, a value wrapped with it) for every write the vault acknowledged.
    type Acked = Arc<Mutex<Vec<(String, Vec<u8>)>>>;
    let acked: Acked = Arc::default();
    let writer = {
        let acked = acked.clone();
        std::thread::spawn(move || {
            let client = client(port);
            for i in 0.. {
                let name = format!("durable-{i}");
                let key = match client.create_key(&name, &CreateKeyOptions::rsa(2048)) {
                    Ok(k) => k,
                    Err(_) => return,
                };
                let secret = [u8::try_from(i % 251).unwrap(); 16];
                match client.wrap_key(
                    &name,
                    Some(key.version()),
                    EncryptionAlgorithm::RsaOaep,
                    &secret,
                ) {
                    Ok(w) => acked.lock().unwrap().push((name, w.value)),
                    Err(_) => return,
                }
            }
        })
    };
    // Let it acknowledge some writes, then kill it without warning.
    // (A writer that failed early ends the wait; the count is asserted below.)
    while acked.lock().unwrap().len() < 5 && !writer.is_finished() {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(137));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    writer.join().unwrap();

    let mut child = spawn_child(port, &dir);
    let client = client(port);
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 5);
    for (i, (name, wrapped)) in acked.iter().enumerate() {
        let key = client
            .get_key(name, None)
            .unwrap_or_else(|e| panic!("{name} was acknowledged, then lost: {e}"));
        let unwrapped = client
            .unwrap_key(
                name,
                Some(key.version()),
                EncryptionAlgorithm::RsaOaep,
                wrapped,
            )
            .unwrap();
        assert_eq!(
            unwrapped.value.expose_secret(),
            &[u8::try_from(i % 251).unwrap(); 16]
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn many_clients_at_once_lose_and_tear_nothing_and_it_all_persists() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    let dir = fresh_dir("concurrent");
    let start = || common::emulator_builder().data_dir(&dir).start().unwrap();
    let emulator = start();
    let url = emulator.url().to_string();
    const THREADS: usize = 8;
    const EACH: usize = 3;
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let url = url.clone();
            s.spawn(move || {
                let transport = Recording::new();
                let credential = kv_auth::ClientSecretCredential::new(CLIENT_ID, CLIENT_SECRET)
                    .with_transport(transport.clone());
                let client = KeyVaultClient::builder(url)
                    .credential(Arc::new(credential))
                    .transport(transport)
                    .build()
                    .unwrap();
                for i in 0..EACH {
                    client
                        .create_key(&format!("own-{t}-{i}"), &CreateKeyOptions::rsa(2048))
                        .unwrap();
                    client
                        .create_key("shared", &CreateKeyOptions::rsa(2048))
                        .unwrap();
                    client
                        .update_key(
                            &format!("own-{t}-{i}"),
                            None,
                            &kv_client::UpdateKeyOptions::default().tag("by", t.to_string()),
                        )
                        .unwrap();
                }
            });
        }
    });
    let check = |vault: &kv_emulator::Vault| {
        assert_eq!(
            vault.key_versions("shared"),
            THREADS * EACH,
            "no version of the shared key was lost"
        );
        for t in 0..THREADS {
            for i in 0..EACH {
                assert_eq!(vault.key_versions(&format!("own-{t}-{i}")), 1);
            }
        }
    };
    check(emulator.vault());
    let port = emulator.port();
    emulator.shutdown();
    let restarted = Emulator::builder()
        .port(port)
        .data_dir(&dir)
        .client(CLIENT_ID, CLIENT_SECRET)
        .start()
        .unwrap();
    check(restarted.vault());
    let client = common::client(&restarted, Recording::new());
    assert_eq!(
        client.get_key("own-3-1", None).unwrap().tags["by"],
        "3",
        "updates persisted too"
    );
    let versions: std::collections::HashSet<_> = client
        .list_key_versions("shared")
        .unwrap()
        .map(|v| v.unwrap().kid)
        .collect();
    assert_eq!(versions.len(), THREADS * EACH, "every version distinct");
    drop(restarted);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The state file holds every key's private material: owner-only on Unix.
#[cfg(unix)]
#[test]
fn the_data_dir_and_state_file_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    let dir = fresh_dir("modes").join("nested");
    let emulator = common::emulator_builder().data_dir(&dir).start().unwrap();
    common::client(&emulator, Recording::new())
        .create_key("k", &CreateKeyOptions::rsa(2048))
        .unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("state.json")), 0o600);
    drop(emulator);
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}
