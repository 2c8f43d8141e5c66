//! A local Azure Key Vault and token authority that speak message protection.
//!
//! `kv-emulator` serves, on `127.0.0.1` over plain HTTP, both sides a Key Vault
//! client talks to:
//!
//! - a token authority (`POST /{tenant}/oauth2/token`, AAD v1 with `resource` and an
//!   optional `pop_jwk`; `POST /{tenant}/oauth2/v2.0/token` with `scope`) that accepts
//!   only the configured client and binds PoP keys to the tokens it issues;
//! - a vault (`/keys/...`) that answers unauthenticated calls with the 401 challenge
//!   and its two message keys, and, with message protection on (the default), refuses
//!   unprotected key operations and checks every rule of the protocol before acting.
//!
//! It is the embedded default of the sample and the tests, and a tool on its own
//! (`cargo run -p kv-emulator -- --port 8443`).
//!
//! ```
//! let emulator = kv_emulator::Emulator::builder()
//!     .client("my-app", "my-secret")
//!     .start()?;
//! assert!(emulator.url().starts_with("http://127.0.0.1:"));
//! // ... point a client at emulator.url() ...
//! emulator.shutdown();
//! # Ok::<(), kv_emulator::StartError>(())
//! ```
//!
//! [`Vault::handle`] is the same service without sockets, for tests and fuzzing.
//!
//! For client tests it injects faults ([`Fault`]: throttling with `Retry-After`,
//! `503`, dropped connections before or after the request is handled, delays),
//! scripted per path or at a random rate, through [`EmulatorHandle::inject`] or the
//! loopback admin endpoint `POST /_emulator/faults` (`DELETE` clears):
//!
//! ```text
//! {"script": [{"kind": "throttle", "retry_after_ms": 50, "path": "/wrapkey", "times": 2}],
//!  "random": {"rate": 0.1, "fault": {"kind": "unavailable"}}}
//! ```
#![forbid(unsafe_code)]

mod authority;
mod crypto;
mod error;
mod faults;
mod keys;
mod persist;
mod protection;
mod server;
mod service;
mod store;

use std::path::PathBuf;
use std::sync::Arc;

use kv_jose::{CryptoProvider, OctKey, RsaPrivateKey};

pub use error::StartError;
pub use faults::{Fault, FaultRule, RandomFault};
pub use server::EmulatorHandle;
pub use service::Vault;

/// The resource (audience) the vault accepts tokens for.
pub const RESOURCE: &str = "https://vault.azure.net";
/// Default tenant.
pub const DEFAULT_TENANT: &str = "emulator.local";
/// Default accepted client id.
pub const DEFAULT_CLIENT_ID: &str = "kv-sample";
/// Default accepted client secret. Local use only: the emulator is not a security boundary.
pub const DEFAULT_CLIENT_SECRET: &str = "kv-sample-secret";

/// Counts of what a vault has served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Stats {
    /// Requests of any kind.
    pub requests: u64,
    /// Requests that arrived protected and were answered protected.
    pub protected_requests: u64,
    /// Key operations refused because they were not protected.
    pub refused_unprotected: u64,
    /// Tokens issued.
    pub tokens_issued: u64,
    /// Faults injected (scripted or random).
    pub faults_injected: u64,
    /// TCP connections accepted (clients that reuse connections keep this low).
    pub connections_accepted: u64,
    /// Of those, tokens bound to a PoP key.
    pub pop_tokens_issued: u64,
}

/// Where request log lines go.
#[derive(Clone)]
pub(crate) struct RequestLog(Arc<dyn Fn(&str) + Send + Sync>);

impl RequestLog {
    pub(crate) fn write(&self, line: &str) {
        (self.0)(line);
    }
}

impl std::fmt::Debug for RequestLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestLog(..)")
    }
}

/// The emulator's settings.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) tenant: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: kv_jose::Secret<String>,
    pub(crate) message_protection: bool,
    pub(crate) token_lifetime_secs: u64,
    pub(crate) request_log: Option<RequestLog>,
    pub(crate) provider: CryptoProvider,
}

/// Configures and starts an emulator.
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    config: Config,
    port: u16,
    workers: usize,
    message_keys: Option<(Arc<RsaPrivateKey>, Arc<RsaPrivateKey>)>,
    data_dir: Option<PathBuf>,
}

/// Entry point: `Emulator::builder()`.
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// A builder with the defaults: any free port, tenant [`DEFAULT_TENANT`], client
    /// [`DEFAULT_CLIENT_ID`] / [`DEFAULT_CLIENT_SECRET`], message protection on.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder {
            config: Config {
                tenant: DEFAULT_TENANT.into(),
                client_id: DEFAULT_CLIENT_ID.into(),
                client_secret: kv_jose::Secret::new(DEFAULT_CLIENT_SECRET.into()),
                message_protection: true,
                token_lifetime_secs: 3600,
                request_log: None,
                provider: CryptoProvider::default(),
            },
            port: 0,
            workers: 2,
            message_keys: None,
            data_dir: None,
        }
    }
}

impl EmulatorBuilder {
    /// The port to listen on; 0 (the default) picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The tenant the authority serves (a GUID or a domain).
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.config.tenant = tenant.into();
        self
    }

    /// The only client the authority accepts.
    pub fn client(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.config.client_id = client_id.into();
        self.config.client_secret = kv_jose::Secret::new(client_secret.into());
        self
    }

    /// Turns message protection on (default) or off.
    pub fn message_protection(mut self, on: bool) -> Self {
        self.config.message_protection = on;
        self
    }

    /// Lifetime of issued tokens, in seconds (default 3600).
    pub fn token_lifetime_secs(mut self, secs: u64) -> Self {
        self.config.token_lifetime_secs = secs;
        self
    }

    /// Writes one line per request to standard error (method, path, status, whether
    /// protected, latency; never headers or bodies).
    pub fn log_requests(mut self, on: bool) -> Self {
        self.config.request_log =
            on.then(|| RequestLog(Arc::new(|line: &str| eprintln!("{line}"))));
        self
    }

    /// Sends the request log lines to `sink` instead of standard error.
    pub fn request_log(mut self, sink: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.config.request_log = Some(RequestLog(Arc::new(sink)));
        self
    }

    /// Does the vault's cryptography with `provider` (default: ring + rsa).
    pub fn crypto_provider(mut self, provider: CryptoProvider) -> Self {
        self.config.provider = provider;
        self
    }

    /// Uses these keys as the vault's signing and encryption keys instead of generating
    /// fresh ones (tests reuse fixed keys to start fast).
    pub fn message_keys(
        mut self,
        signing: Arc<RsaPrivateKey>,
        encryption: Arc<RsaPrivateKey>,
    ) -> Self {
        self.message_keys = Some((signing, encryption));
        self
    }

    /// Keeps the vault's state in `dir` (created if needed): keys, versions, soft
    /// deletes, and the vault's own message and backup keys, so a restart serves the
    /// same vault. Every write is durable before it is acknowledged. Without it, state
    /// lives in memory.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// Builds the service without a server, for driving [`Vault::handle`] directly
    /// (tests, fuzzing). `base_url` is what key ids and challenges will name.
    ///
    /// # Errors
    ///
    /// As [`start`](Self::start), except for binding.
    pub fn into_vault(self, base_url: &str) -> Result<Vault, StartError> {
        self.check()?;
        self.build_vault(base_url)
    }

    fn check(&self) -> Result<(), StartError> {
        let c = &self.config;
        if c.client_id.is_empty() || c.client_secret.expose_secret().is_empty() {
            return Err(StartError::Config(
                "the client id and secret must not be empty".into(),
            ));
        }
        let tenant_ok = !c.tenant.is_empty()
            && c.tenant.len() <= 253
            && c.tenant
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            && c.tenant != "keys";
        if !tenant_ok {
            return Err(StartError::Config(
                "the tenant must be a GUID or a domain name (letters, digits, '-' and '.')".into(),
            ));
        }
        Ok(())
    }

    /// Loads the state from the data directory, or makes a fresh vault.
    fn build_vault(self, base_url: &str) -> Result<Vault, StartError> {
        let (dir, stored) = match &self.data_dir {
            Some(path) => {
                let (dir, state) = persist::DataDir::open(path).map_err(StartError::Config)?;
                (Some(dir), state)
            }
            None => (None, None),
        };
        let corrupt =
            |what: &str| StartError::Config(format!("the data directory's {what} is unusable"));
        let (message_keys, backup_key, store, vault_keys, fresh) = match stored {
            Some(state) => {
                let (vk, store) = state
                    .into_store(self.config.provider)
                    .map_err(StartError::Config)?;
                let signing = RsaPrivateKey::from_jwk_with(&vk.signing, self.config.provider)
                    .map_err(|_| corrupt("signing key"))?;
                let encryption = RsaPrivateKey::from_jwk_with(&vk.encryption, self.config.provider)
                    .map_err(|_| corrupt("encryption key"))?;
                let backup = OctKey::from_jwk(&vk.backup).map_err(|_| corrupt("backup key"))?;
                let keys = service::MessageKeys::with_kids(
                    Arc::new(signing),
                    vk.signing_kid.clone(),
                    Arc::new(encryption),
                    vk.encryption_kid.clone(),
                );
                (keys, backup, store, vk, false)
            }
            None => {
                let (signing, encryption) = match self.message_keys {
                    Some((s, e)) => {
                        let provider = self.config.provider;
                        let moved =
                            |k: Arc<RsaPrivateKey>| -> Result<Arc<RsaPrivateKey>, StartError> {
                                if k.provider() == provider {
                                    Ok(k)
                                } else {
                                    k.with_provider(provider)
                                        .map(Arc::new)
                                        .map_err(StartError::Keys)
                                }
                            };
                        (moved(s)?, moved(e)?)
                    }
                    None => (
                        Arc::new(
                            RsaPrivateKey::generate_with(2048, self.config.provider)
                                .map_err(StartError::Keys)?,
                        ),
                        Arc::new(
                            RsaPrivateKey::generate_with(2048, self.config.provider)
                                .map_err(StartError::Keys)?,
                        ),
                    ),
                };
                let mut secret = vec![0u8; 64];
                getrandom::fill(&mut secret)
                    .map_err(|_| StartError::Config("the system RNG failed".into()))?;
                let backup = OctKey::new(secret);
                let keys = service::MessageKeys::new(base_url, signing, encryption);
                let vk = persist::VaultKeys {
                    signing: keys.signing.to_private_jwk(),
                    signing_kid: keys.signing_kid.clone(),
                    encryption: keys.encryption.to_private_jwk(),
                    encryption_kid: keys.encryption_kid.clone(),
                    backup: backup.to_jwk(),
                };
                (keys, backup, store::KeyStore::default(), vk, true)
            }
        };
        let data_dir = match dir {
            Some(dir) => {
                if fresh {
                    dir.save(&persist::StoredState::of(&vault_keys, &store))
                        .map_err(|e| {
                            StartError::Config(format!("cannot write the data directory: {e}"))
                        })?;
                }
                Some((dir, vault_keys))
            }
            None => None,
        };
        Ok(Vault::new(
            self.config,
            base_url.to_string(),
            message_keys,
            backup_key,
            store,
            data_dir,
        ))
    }

    /// Binds `127.0.0.1:{port}` and starts serving on a background thread.
    ///
    /// # Errors
    ///
    /// [`StartError::Io`] if the port cannot be bound, [`StartError::Config`] for an
    /// empty client id or secret or a tenant that is not a GUID or domain,
    /// [`StartError::Keys`] if the message keys cannot be generated.
    pub fn start(self) -> Result<EmulatorHandle, StartError> {
        self.check()?;
        let (port, workers) = (self.port, self.workers);
        let listener = server::bind(port)?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
        let vault = Arc::new(self.build_vault(&format!("http://127.0.0.1:{port}"))?);
        server::start(listener, vault, workers)
    }
}
