//! The Key Vault message-protection sample (PROTOCOL.md §7).
//!
//! Creates an RSA key with a random name, wraps 16 random bytes with RSA-OAEP,
//! unwraps them, deletes the key, and succeeds only if the unwrapped bytes equal the
//! original. Wrap and unwrap travel message-protected (JWE inside a PoP-signed JWS).
//!
//! Environment: `AZURE_VAULT_URL`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`, and
//! optionally `AZURE_TENANT_ID` (used when the vault's challenge names no tenant) and
//! `AZURE_AUTHORITY_HOST` (another cloud's authority, asked and trusted).
//! Without `AZURE_VAULT_URL`, the sample starts the embedded local emulator and runs
//! against it.
#![forbid(unsafe_code)]

use std::error::Error;
use std::process::ExitCode;
use std::sync::Arc;

use kv_auth::EnvironmentCredential;
use kv_client::{CreateKeyOptions, EncryptionAlgorithm, KeyVaultClient};
use kv_emulator::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorHandle};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn random_bytes<const N: usize>() -> Result<[u8; N], Box<dyn Error>> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf)
        .map_err(|e| format!("the system random number generator failed: {e}"))?;
    Ok(buf)
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    // Keep the emulator alive until the end of the run.
    let mut _embedded: Option<EmulatorHandle> = None;
    // The credential is read from the environment; for the embedded emulator, the
    // client id and secret default to the ones it accepts.
    let (vault_url, credential) = match env("AZURE_VAULT_URL") {
        Some(url) => {
            let credential = EnvironmentCredential::new().map_err(|e| {
                format!("AZURE_VAULT_URL is set, so the credential comes from the environment: {e}")
            })?;
            println!("vault:      {url}");
            (url, credential)
        }
        None => {
            let defaults = |name: &str| match name {
                "AZURE_CLIENT_ID" => Some(DEFAULT_CLIENT_ID.to_string()),
                "AZURE_CLIENT_SECRET" => Some(DEFAULT_CLIENT_SECRET.to_string()),
                _ => None,
            };
            let credential =
                EnvironmentCredential::from_lookup(|n| env(n).or_else(|| defaults(n)))?;
            let secret = env("AZURE_CLIENT_SECRET").unwrap_or_else(|| DEFAULT_CLIENT_SECRET.into());
            let emulator = Emulator::builder()
                .client(credential.inner().client_id(), &secret)
                .start()
                .map_err(|e| format!("could not start the embedded emulator: {e}"))?;
            let url = emulator.url().to_string();
            println!("AZURE_VAULT_URL is not set: started the embedded Key Vault emulator");
            println!("vault:      {url} (local emulator, message protection on)");
            _embedded = Some(emulator);
            (url, credential)
        }
    };

    let mut builder = KeyVaultClient::builder(&vault_url).credential(Arc::new(credential));
    if let Some(host) = env("AZURE_AUTHORITY_HOST") {
        // A sovereign or private cloud's authority: the credential asks it (it read
        // the same variable); the client must trust it too.
        builder = builder.trust_authority_host(host);
    }
    let client = builder.build()?;

    let key_name = format!("sample-{}", hex(&random_bytes::<4>()?));
    let key = client.create_key(&key_name, &CreateKeyOptions::rsa(2048))?;
    println!("key name:   {key_name}");
    println!("key id:     {}", key.id());

    let original = random_bytes::<16>()?;
    println!("original:   {}", hex(&original));
    let outcome = wrap_and_unwrap(&client, &key_name, key.version(), &original);
    // Delete the key whatever happened, then report the first failure.
    let deleted = client.delete_key(&key_name);
    let unwrapped = outcome?;
    deleted?;
    println!("deleted:    {key_name}");

    if unwrapped != original {
        return Err(format!(
            "the unwrapped value {} differs from the original {}",
            hex(&unwrapped),
            hex(&original)
        )
        .into());
    }
    println!("success:    the unwrapped value equals the original");
    Ok(())
}

fn wrap_and_unwrap(
    client: &KeyVaultClient,
    name: &str,
    version: &str,
    original: &[u8],
) -> Result<Vec<u8>, Box<dyn Error>> {
    let wrapped = client.wrap_key(name, Some(version), EncryptionAlgorithm::RsaOaep, original)?;
    println!("wrapped:    {}", kv_jose::b64::encode(&wrapped.value));
    let unwrapped = client.unwrap_key(
        name,
        Some(version),
        EncryptionAlgorithm::RsaOaep,
        &wrapped.value,
    )?;
    let bytes = unwrapped.value.expose_secret().clone();
    println!("unwrapped:  {}", hex(&bytes));
    Ok(bytes)
}
