//! The typed vault client and its builder.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex, RwLock};

use http::Method;
use kv_auth::{ChallengePolicy, TokenCredential, TokenScheme, VaultChallenge};
use kv_jose::CryptoProvider;
use kv_transport::{RetryPolicy, Transport, UreqTransport};

use crate::pipeline::Operation;
use crate::{Error, ResponseKeySource, Result, RotatingKeys};

/// The api-version sent by default.
pub const DEFAULT_API_VERSION: &str = "7.5";

pub(crate) struct Inner {
    /// `scheme://host[:port]`, lowercase, default port left out.
    pub(crate) base_url: String,
    pub(crate) api_version: String,
    pub(crate) tenant: Option<String>,
    pub(crate) challenge_policy: ChallengePolicy,
    pub(crate) require_protection: bool,
    pub(crate) credential: Arc<dyn TokenCredential>,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) response_keys: Arc<dyn ResponseKeySource>,
    pub(crate) retry: RetryPolicy,
    pub(crate) provider: CryptoProvider,
    /// The vault's last accepted challenge.
    pub(crate) challenge: RwLock<Option<Arc<VaultChallenge>>>,
    /// Token kinds to refresh on next use, because the vault's challenge changed.
    pub(crate) stale_tokens: Mutex<HashSet<TokenScheme>>,
}

/// A client for one vault's keys, with message protection.
///
/// Cheap to clone (the clones share connections, the challenge cache and the
/// credential's token cache), `Send + Sync`. Protected operations (encrypt, decrypt,
/// wrap, unwrap) are protected whenever the vault's challenge offers it, and their
/// answers are verified before they are decrypted.
///
/// ```
/// use std::sync::Arc;
/// use kv_client::{CreateKeyOptions, EncryptionAlgorithm, KeyVaultClient};
///
/// # let emulator = kv_emulator::Emulator::builder().start()?;
/// # let vault_url = emulator.url();
/// let credential = kv_auth::ClientSecretCredential::new("kv-sample", "kv-sample-secret");
/// let client = KeyVaultClient::builder(vault_url)
///     .credential(Arc::new(credential))
///     .build()?;
///
/// let key = client.create_key("doc-example", &CreateKeyOptions::rsa(2048))?;
/// let wrapped = client.wrap_key("doc-example", Some(key.version()), EncryptionAlgorithm::RsaOaep, b"0123456789abcdef")?;
/// let unwrapped = client.unwrap_key("doc-example", Some(key.version()), EncryptionAlgorithm::RsaOaep, &wrapped.value)?;
/// assert_eq!(unwrapped.value.expose_secret(), b"0123456789abcdef");
/// client.delete_key("doc-example")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct KeyVaultClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for KeyVaultClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyVaultClient")
            .field("vault", &self.inner.base_url)
            .field("api_version", &self.inner.api_version)
            .field("credential", &self.inner.credential)
            .field("transport", &self.inner.transport)
            .finish_non_exhaustive()
    }
}

/// Configures a [`KeyVaultClient`].
pub struct KeyVaultClientBuilder {
    vault_url: String,
    credential: Option<Arc<dyn TokenCredential>>,
    transport: Option<Arc<dyn Transport>>,
    response_keys: Option<Arc<dyn ResponseKeySource>>,
    retry: RetryPolicy,
    provider: CryptoProvider,
    api_version: String,
    tenant: Option<String>,
    challenge_policy: ChallengePolicy,
    require_protection: bool,
    allow_insecure_http: bool,
}

impl fmt::Debug for KeyVaultClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyVaultClientBuilder")
            .field("vault_url", &self.vault_url)
            .field("api_version", &self.api_version)
            .finish_non_exhaustive()
    }
}

impl KeyVaultClientBuilder {
    /// The credential that provides tokens (required).
    pub fn credential(mut self, credential: Arc<dyn TokenCredential>) -> Self {
        self.credential = Some(credential);
        self
    }

    /// The transport (default: a [`UreqTransport`]).
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Where response encryption keys come from (default: [`RotatingKeys`], a key pair
    /// prepared in the background and a fresh kid per request; see the [`ResponseKeySource`]
    /// implementations for the trade-offs).
    pub fn response_keys(mut self, source: Arc<dyn ResponseKeySource>) -> Self {
        self.response_keys = Some(source);
        self
    }

    /// The crypto provider for the vault's message keys and the default response keys
    /// (default: [`CryptoProvider::default`], ring + rsa). Give the credential the same
    /// one for its PoP keys
    /// ([`ClientSecretCredential::crypto_provider`](kv_auth::ClientSecretCredential::crypto_provider)).
    pub fn crypto_provider(mut self, provider: CryptoProvider) -> Self {
        self.provider = provider;
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]: 4 attempts; 408, 429, 503
    /// always, 500, 502, 504 and connection failures only when repeating is safe).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The `api-version` to send (default [`DEFAULT_API_VERSION`]).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// The tenant to use when the challenge names none that is valid.
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// Trusts an authority host (`https://login.example.com`) besides the Azure AD
    /// clouds' own. The client secret is sent there.
    pub fn trust_authority_host(mut self, host: impl Into<String>) -> Self {
        self.challenge_policy = self.challenge_policy.trust_authority_host(host);
        self
    }

    /// Accepts challenges whose resource names `host` although it is not the vault's
    /// own (a custom domain in front of a vault). Tokens for that resource are sent to
    /// this vault.
    pub fn allow_challenge_resource_host(mut self, host: impl Into<String>) -> Self {
        self.challenge_policy = self.challenge_policy.allow_resource_host(host);
        self
    }

    /// Fails protectable operations instead of sending them unprotected when the vault
    /// does not offer message protection.
    pub fn require_message_protection(mut self, required: bool) -> Self {
        self.require_protection = required;
        self
    }

    /// Allows an `http://` vault URL to a host that is not loopback; the default
    /// transport is then built to allow it too. A transport you pass must allow it
    /// itself (as with
    /// [`UreqTransportBuilder::danger_allow_insecure_http`](kv_transport::UreqTransportBuilder::danger_allow_insecure_http)).
    /// Tokens then cross the network in clear text.
    pub fn danger_allow_insecure_http(mut self) -> Self {
        self.allow_insecure_http = true;
        self
    }

    /// Validates the configuration and builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] without a credential, or for a vault URL that is not an
    /// absolute `https://` URL (or `http://` to loopback) with no path, query or fragment.
    pub fn build(self) -> Result<KeyVaultClient> {
        let credential = self.credential.ok_or_else(|| {
            Error::Config("a credential is required: call `.credential(..)`".into())
        })?;
        let uri: http::Uri = self
            .vault_url
            .parse()
            .map_err(|_| Error::Config(format!("`{}` is not a valid URL", self.vault_url)))?;
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(Error::Config(format!(
                "`{}` is not an absolute URL like https://myvault.vault.azure.net",
                self.vault_url
            )));
        };
        let scheme = scheme.to_ascii_lowercase();
        let host = kv_transport::check_url(&uri, self.allow_insecure_http).map_err(|e| match e {
            kv_transport::Error::InsecureUrl { host } => Error::Config(format!(
                "refusing plain http:// to `{host}`: use https://, or opt in with `danger_allow_insecure_http`"
            )),
            _ => Error::Config("the vault URL must be https://".into()),
        })?;
        if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
            return Err(Error::Config(
                "the vault URL must have no path or query: https://myvault.vault.azure.net".into(),
            ));
        }
        if self.api_version.is_empty()
            || !self
                .api_version
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        {
            return Err(Error::Config(format!(
                "`{}` is not an api-version",
                self.api_version
            )));
        }
        let default_port = if scheme == "https" { 443 } else { 80 };
        let port = authority.port_u16().unwrap_or(default_port);
        let origin_port = if port == default_port {
            String::new()
        } else {
            format!(":{port}")
        };
        let base_url = format!("{scheme}://{host}{origin_port}");
        Ok(KeyVaultClient {
            inner: Arc::new(Inner {
                base_url,
                api_version: self.api_version,
                tenant: self.tenant,
                challenge_policy: self.challenge_policy,
                require_protection: self.require_protection,
                credential,
                transport: self.transport.unwrap_or_else(|| {
                    let mut transport = UreqTransport::builder();
                    if self.allow_insecure_http {
                        transport = transport.danger_allow_insecure_http();
                    }
                    Arc::new(transport.build())
                }),
                response_keys: self
                    .response_keys
                    .unwrap_or_else(|| Arc::new(RotatingKeys::with_provider(self.provider))),
                retry: self.retry,
                provider: self.provider,
                challenge: RwLock::new(None),
                stale_tokens: Mutex::new(HashSet::new()),
            }),
        })
    }
}

impl KeyVaultClient {
    /// Starts configuring a client for the vault at `vault_url`
    /// (`https://myvault.vault.azure.net`).
    pub fn builder(vault_url: impl Into<String>) -> KeyVaultClientBuilder {
        KeyVaultClientBuilder {
            vault_url: vault_url.into(),
            credential: None,
            transport: None,
            response_keys: None,
            retry: RetryPolicy::default(),
            provider: CryptoProvider::default(),
            api_version: DEFAULT_API_VERSION.into(),
            tenant: None,
            challenge_policy: ChallengePolicy::default(),
            require_protection: false,
            allow_insecure_http: false,
        }
    }

    /// The crypto provider this client was built with.
    pub fn provider(&self) -> CryptoProvider {
        self.inner.provider
    }

    /// The vault URL, normalised (`https://myvault.vault.azure.net`).
    pub fn vault_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Runs one operation. `query` replaces the default `api-version=…` query (a
    /// `nextLink` carries its own).
    pub(crate) fn call(
        &self,
        method: Method,
        path: String,
        query: Option<String>,
        body: Option<Vec<u8>>,
        idempotent: bool,
    ) -> Result<Vec<u8>> {
        self.inner.execute(&Operation {
            method,
            path,
            query,
            body,
            idempotent,
            request_id: uuid::Uuid::new_v4().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn the_client_is_send_and_sync() {
        assert_send_sync::<KeyVaultClient>();
    }

    fn builder(url: &str) -> KeyVaultClientBuilder {
        KeyVaultClient::builder(url).credential(Arc::new(kv_auth::StaticTokenCredential::new(
            kv_auth::AccessToken::bearer("t", std::time::SystemTime::now()),
        )))
    }

    /// The opt-in reaches the default transport: the request goes out (and meets a
    /// closed port) instead of being refused as insecure by the transport.
    #[test]
    fn insecure_http_opt_in_applies_to_the_default_transport() {
        let client = builder("http://0.0.0.0:1")
            .danger_allow_insecure_http()
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        match client.get_key("k", None).unwrap_err() {
            Error::Transport(e) => {
                assert!(!matches!(e, kv_transport::Error::InsecureUrl { .. }), "{e}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn vault_urls_are_validated_and_normalised() {
        assert_eq!(
            builder("https://V.vault.azure.net/")
                .build()
                .unwrap()
                .vault_url(),
            "https://v.vault.azure.net"
        );
        assert_eq!(
            builder("https://v.vault.azure.net:443")
                .build()
                .unwrap()
                .vault_url(),
            "https://v.vault.azure.net"
        );
        assert_eq!(
            builder("http://127.0.0.1:8443")
                .build()
                .unwrap()
                .vault_url(),
            "http://127.0.0.1:8443"
        );
        for bad in [
            "http://v.vault.azure.net",
            "v.vault.azure.net",
            "https://v.vault.azure.net/keys",
            "https://v.vault.azure.net?x=1",
            "ftp://v",
            "",
        ] {
            assert!(
                matches!(builder(bad).build(), Err(Error::Config(_))),
                "{bad}"
            );
        }
        assert!(
            builder("http://v.example")
                .danger_allow_insecure_http()
                .build()
                .is_ok()
        );
        assert!(matches!(
            KeyVaultClient::builder("https://v.vault.azure.net").build(),
            Err(Error::Config(_))
        ));
    }
}
