//! Table 4: the Python reference client (`azure-keyvault` 1.1.0) doing the same
//! protected wrap + unwrap against the same emulators, and the ratios.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::e2e::{CLIENT, E2e};

fn venv() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("tmp").join("reference-client-venv")
}

/// The venv's python, installing the reference package once (as the interop test does).
fn python() -> Result<PathBuf, String> {
    let venv = venv();
    let python = venv.join("bin").join("python");
    let marker = venv.join(".installed-azure-keyvault-1.1.0");
    if !marker.exists() {
        let ok = |c: &mut Command| c.status().map(|s| s.success()).unwrap_or(false);
        if !ok(Command::new("python3").args(["-m", "venv"]).arg(&venv))
            || !ok(Command::new(&python).args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "azure-keyvault==1.1.0",
            ]))
        {
            return Err("could not install azure-keyvault==1.1.0 (needs python3 and PyPI)".into());
        }
        std::fs::write(&marker, "azure-keyvault==1.1.0").map_err(|e| e.to_string())?;
    }
    Ok(python)
}

pub(crate) fn run(client_cost: &BTreeMap<&'static str, Duration>, e2e: &E2e, quick: bool) {
    println!("## 4. The Python reference client against the same emulators\n");
    let python = match python() {
        Ok(p) => p,
        Err(e) => {
            println!("skipped: {e}\n");
            return;
        }
    };
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("reference_bench.py");
    let pairs = if quick { "8" } else { "30" };
    println!(
        "| emulator provider | reference pairs/s | reference key + protect + unprotect p50 ms | ours pairs/s (c=1) | **e2e ratio** | our protect + unprotect µs | **client-side ratio** |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (name, emulator) in &e2e.emulators {
        let out = Command::new(&python)
            .arg(&script)
            .arg(pairs)
            .env("AZURE_VAULT_URL", emulator.url())
            .env("AZURE_CLIENT_ID", CLIENT.0)
            .env("AZURE_CLIENT_SECRET", CLIENT.1)
            .output();
        let report: serde_json::Value = match out {
            Ok(o) if o.status.success() => serde_json::from_slice(&o.stdout).unwrap_or_default(),
            Ok(o) => {
                println!(
                    "| {name} | failed: {} |",
                    String::from_utf8_lossy(&o.stderr)
                        .lines()
                        .last()
                        .unwrap_or_default()
                );
                continue;
            }
            Err(e) => {
                println!("| {name} | failed: {e} |");
                continue;
            }
        };
        let theirs = report["pairs_per_second"].as_f64().unwrap_or_default();
        let field = |k: &str| report[k].as_f64().unwrap_or_default();
        let (security, protect, unprotect) = (
            field("message_security_p50_ms"),
            field("protect_request_p50_ms"),
            field("unprotect_response_p50_ms"),
        );
        let theirs_ms = security + protect + unprotect;
        let ours = e2e.pairs_per_second.get(name).copied().unwrap_or_default();
        let our_cost = client_cost.get(name).copied().unwrap_or_default();
        println!(
            "| {name} | {theirs:.1} | {theirs_ms:.1} ({security:.1} + {protect:.1} + {unprotect:.1}) | {ours:.0} | **{:.1}×** | {:.0} | **{:.0}×** |",
            ours / theirs.max(1e-9),
            our_cost.as_secs_f64() * 1e6,
            theirs_ms / 1e3 / our_cost.as_secs_f64().max(1e-9)
        );
    }
    println!(
        "\nThe reference's client-side protection cost is `_get_message_security` (where it generates the per-request response key) + `protect_request` + `unprotect_response`, medians; ours is table 2's protect + unprotect with the same provider as the emulator.\n"
    );
}
