//! Credentials: where tokens come from.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use kv_jose::Secret;
use kv_transport::{Transport, UreqTransport};

use crate::token::{build_client_credentials_request, parse_token_response, token_endpoint};
use crate::{AccessToken, Clock, Error, PopKey, Result, TokenCache, TokenRequest, TokenScheme};

/// A source of access tokens.
///
/// Implementations cache as they see fit and honour [`TokenRequest::force_refresh`].
pub trait TokenCredential: Send + Sync + fmt::Debug {
    /// Returns a token for `request`; for [`TokenScheme::Pop`] it must carry its key.
    ///
    /// # Errors
    ///
    /// Whatever kept the credential from producing a token.
    fn get_token(&self, request: &TokenRequest) -> Result<Arc<AccessToken>>;
}

impl<T: TokenCredential + ?Sized> TokenCredential for Arc<T> {
    fn get_token(&self, request: &TokenRequest) -> Result<Arc<AccessToken>> {
        (**self).get_token(request)
    }
}

/// Client credentials (application id and secret) against Azure AD, v1 or v2
/// endpoint, with a [`TokenCache`]. PoP tokens get a fresh [`PopKey`] per token.
///
/// ```no_run
/// use kv_auth::{ClientSecretCredential, TokenCredential, TokenRequest, TokenScheme};
/// let credential = ClientSecretCredential::new("my-app-id", "my-secret");
/// let token = credential.get_token(&TokenRequest::new(
///     "https://login.microsoftonline.com",
///     "contoso.onmicrosoft.com",
///     Some("https://vault.azure.net".into()),
///     None,
///     TokenScheme::Bearer,
/// ))?;
/// # Ok::<(), kv_auth::Error>(())
/// ```
pub struct ClientSecretCredential {
    client_id: String,
    client_secret: Secret<String>,
    transport: Arc<dyn Transport>,
    cache: TokenCache,
}

impl fmt::Debug for ClientSecretCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSecretCredential")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .finish_non_exhaustive()
    }
}

impl ClientSecretCredential {
    /// A credential for `client_id` and `client_secret`, over a default [`UreqTransport`].
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        ClientSecretCredential {
            client_id: client_id.into(),
            client_secret: Secret::new(client_secret.into()),
            transport: Arc::new(UreqTransport::new()),
            cache: TokenCache::default(),
        }
    }

    /// Sends token requests through `transport` instead.
    pub fn with_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = transport;
        self
    }

    /// Uses `cache` (for example one with an injected [`Clock`]).
    pub fn with_cache(mut self, cache: TokenCache) -> Self {
        self.cache = cache;
        self
    }

    /// The application (client) id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    fn fetch(&self, request: &TokenRequest, now: impl Fn() -> SystemTime) -> Result<AccessToken> {
        let pop_key = match request.scheme {
            TokenScheme::Pop => Some(Arc::new(PopKey::generate()?)),
            TokenScheme::Bearer => None,
        };
        let pop_jwk = pop_key.as_ref().map(|k| k.public_jwk().to_json());
        let http = build_client_credentials_request(
            request,
            &self.client_id,
            &self.client_secret,
            pop_jwk.as_deref(),
        )?;
        let response = self
            .transport
            .send(http)
            .map_err(|source| Error::Transport {
                endpoint: token_endpoint(request),
                source,
            })?;
        let (token, expires_on) = parse_token_response(&response, now())?;
        Ok(match pop_key {
            Some(key) => AccessToken::pop(token.expose_secret().clone(), expires_on, key),
            None => AccessToken::bearer(token.expose_secret().clone(), expires_on),
        })
    }
}

impl TokenCredential for ClientSecretCredential {
    fn get_token(&self, request: &TokenRequest) -> Result<Arc<AccessToken>> {
        let clock: &Arc<dyn Clock> = self.cache.clock();
        self.cache
            .get_or_fetch(request, || self.fetch(request, || clock.now()))
    }
}

/// A fixed token, for tests and for callers that obtain tokens elsewhere.
#[derive(Debug, Clone)]
pub struct StaticTokenCredential {
    token: Arc<AccessToken>,
}

impl StaticTokenCredential {
    /// Always answers with `token`.
    pub fn new(token: AccessToken) -> Self {
        StaticTokenCredential {
            token: Arc::new(token),
        }
    }
}

impl TokenCredential for StaticTokenCredential {
    fn get_token(&self, request: &TokenRequest) -> Result<Arc<AccessToken>> {
        if request.scheme == TokenScheme::Pop && self.token.pop_key().is_none() {
            return Err(Error::Config(
                "a PoP token was requested but the static token has no PoP key".into(),
            ));
        }
        Ok(self.token.clone())
    }
}
