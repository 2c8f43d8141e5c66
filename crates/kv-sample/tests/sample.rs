//! The sample binary as a user runs it: the embedded default succeeds; a dead vault or
//! bad credentials end in one readable line and a non-zero exit, never a panic.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

fn sample(env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kv-sample"));
    for var in [
        "AZURE_VAULT_URL",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_TENANT_ID",
        "AZURE_AUTHORITY_HOST",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied()).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The value printed after `label:`.
fn field<'a>(stdout: &'a str, label: &str) -> &'a str {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{label}:")))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no `{label}:` line in\n{stdout}"))
}

fn assert_one_line_failure(out: &Output, secret: Option<&str>) -> String {
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line, got:\n{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
    if let Some(secret) = secret {
        assert!(!text(&out.stdout).contains(secret) && !stderr.contains(secret));
    }
    stderr
}

#[test]
fn the_embedded_default_wraps_and_unwraps() {
    let out = sample(&[]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("started the embedded Key Vault emulator"));
    let original = field(&stdout, "original");
    assert_eq!(original.len(), 32, "16 bytes in hex");
    assert_eq!(field(&stdout, "unwrapped"), original);
    assert!(
        field(&stdout, "wrapped").len() > 300,
        "a 256-byte RSA-OAEP ciphertext, base64url"
    );
    assert!(field(&stdout, "key name").starts_with("sample-"));
}

#[test]
fn a_sample_pointed_at_a_standalone_emulator_runs_there() {
    let emulator = kv_emulator::Emulator::builder()
        .client("app", "app-secret")
        .message_keys(
            kv_jose::test_keys::rsa_2048_a(),
            kv_jose::test_keys::rsa_2048_b(),
        )
        .start()
        .unwrap();
    let out = sample(&[
        ("AZURE_VAULT_URL", emulator.url()),
        ("AZURE_CLIENT_ID", "app"),
        ("AZURE_CLIENT_SECRET", "app-secret"),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(!stdout.contains("embedded"));
    assert_eq!(field(&stdout, "vault"), emulator.url());
    assert_eq!(emulator.vault().stats().protected_requests, 2);
}

#[test]
fn a_vault_that_is_down_is_one_readable_line() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let out = sample(&[
        ("AZURE_VAULT_URL", &url),
        ("AZURE_CLIENT_ID", "app"),
        ("AZURE_CLIENT_SECRET", "s3cret-value"),
    ]);
    let line = assert_one_line_failure(&out, Some("s3cret-value"));
    assert!(line.contains("could not reach the vault"), "{line}");
}

#[test]
fn bad_credentials_are_one_readable_line_without_the_secret() {
    let emulator = kv_emulator::Emulator::builder()
        .client("app", "right-secret")
        .message_keys(
            kv_jose::test_keys::rsa_2048_a(),
            kv_jose::test_keys::rsa_2048_b(),
        )
        .start()
        .unwrap();
    let out = sample(&[
        ("AZURE_VAULT_URL", emulator.url()),
        ("AZURE_CLIENT_ID", "app"),
        ("AZURE_CLIENT_SECRET", "wrong-secret-value"),
    ]);
    let line = assert_one_line_failure(&out, Some("wrong-secret-value"));
    assert!(line.contains("invalid_client"), "{line}");
}

#[test]
fn missing_credentials_for_a_given_vault_are_explained() {
    let out = sample(&[("AZURE_VAULT_URL", "https://myvault.vault.azure.net")]);
    let line = assert_one_line_failure(&out, None);
    assert!(line.contains("AZURE_CLIENT_ID"), "{line}");
}
