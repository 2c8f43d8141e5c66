//! Interop with the real reference client: the Python package `azure-keyvault` 1.1.0
//! runs the seed's flow (create, wrap with RSA-OAEP, unwrap, delete, with a PoP key
//! bound by `pop_jwk`) against this emulator with message protection on, then every
//! protected operation with each of its algorithms, and get, list, delete, recover
//! and purge.
//!
//! The virtualenv is built once under the target directory and reused. Set
//! `KV_SKIP_REFERENCE_INTEROP=1` to skip (for machines without Python or PyPI).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

const PACKAGE: &str = "azure-keyvault==1.1.0";

fn venv_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("reference-client-venv")
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: could not start: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The venv's python, after installing the reference package into it once.
fn reference_python() -> PathBuf {
    let venv = venv_dir();
    let python = venv.join("bin").join("python");
    let marker = venv.join(".installed-azure-keyvault-1.1.0");
    if !marker.exists() {
        let _ = std::fs::remove_dir_all(&venv);
        run(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            "python3 -m venv",
        );
        run(
            Command::new(&python).args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                PACKAGE,
            ]),
            "pip install azure-keyvault==1.1.0",
        );
        std::fs::write(&marker, PACKAGE).unwrap();
    }
    python
}

#[test]
fn the_reference_python_client_runs_the_seed_flow_against_the_emulator() {
    if std::env::var_os("KV_SKIP_REFERENCE_INTEROP").is_some() {
        eprintln!(
            "notice: KV_SKIP_REFERENCE_INTEROP is set; skipping the reference-client interop test"
        );
        return;
    }
    let python = reference_python();
    // The same flow against the emulator under every crypto provider.
    for provider in kv_jose::CryptoProvider::all() {
        let emulator = kv_emulator::Emulator::builder()
            .client("interop-client", "interop-secret")
            .crypto_provider(provider)
            .message_keys(
                kv_jose::test_keys::rsa_2048_a(),
                kv_jose::test_keys::rsa_2048_b(),
            )
            .start()
            .unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/reference_flow.py");
        let out = Command::new(&python)
            .arg(&script)
            .env("AZURE_VAULT_URL", emulator.url())
            .env("AZURE_CLIENT_ID", "interop-client")
            .env("AZURE_CLIENT_SECRET", "interop-secret")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "reference flow failed ({}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
        assert_eq!(report["match"], true);
        assert_eq!(report["original"], report["unwrapped"]);
        assert_eq!(report["wrapped_len"], 256);
        let operations = report["operations"].as_object().unwrap();
        assert_eq!(operations.len(), 3 * 2 + 6 + 8, "{operations:?}");
        for (name, ok) in operations {
            assert_eq!(ok, true, "the reference client's {name} failed");
        }
        // Every key operation reached the vault protected, with a PoP token: the seed's
        // wrap and unwrap, 3 algorithms x (encrypt, decrypt, wrap, unwrap), and
        // 6 algorithms x (sign, verify good, verify bad).
        let stats = emulator.vault().stats();
        assert_eq!(stats.protected_requests, 2 + 12 + 18, "{stats:?}");
        assert!(stats.pop_tokens_issued >= 1, "{stats:?}");
        assert_eq!(stats.refused_unprotected, 0, "{stats:?}");
    }
}
