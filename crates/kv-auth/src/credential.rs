//! Credentials: where tokens come from.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use kv_jose::{CryptoProvider, Secret};
use kv_transport::{Transport, UreqTransport};

use crate::token::{
    Endpoint, build_client_credentials_request, parse_token_response, token_endpoint,
};
use crate::vault::is_valid_tenant;
use crate::{AccessToken, Error, PopKey, Result, TokenCache, TokenRequest, TokenScheme};

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
/// By default it asks the authority host the caller names (from the vault's
/// challenge) for the tenant the caller names; [`authority_host`](Self::authority_host)
/// pins the host, and [`tenant`](Self::tenant) supplies a tenant when the caller has none.
///
/// ```no_run
/// use kv_auth::{ClientSecretCredential, TokenCredential, TokenRequest, TokenScheme};
/// let credential = ClientSecretCredential::new("my-app-id", "my-secret")
///     .tenant("contoso.onmicrosoft.com");
/// let token = credential.get_token(&TokenRequest::new(
///     "https://login.microsoftonline.com",
///     None,
///     Some("https://vault.azure.net".into()),
///     None,
///     TokenScheme::Bearer,
/// ))?;
/// # Ok::<(), kv_auth::Error>(())
/// ```
pub struct ClientSecretCredential {
    client_id: String,
    client_secret: Secret<String>,
    authority_host: Option<String>,
    tenant: Option<String>,
    transport: Arc<dyn Transport>,
    cache: TokenCache,
    provider: CryptoProvider,
}

impl fmt::Debug for ClientSecretCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSecretCredential")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("authority_host", &self.authority_host)
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

impl ClientSecretCredential {
    /// A credential for `client_id` and `client_secret`, over a default [`UreqTransport`].
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        ClientSecretCredential {
            client_id: client_id.into(),
            client_secret: Secret::new(client_secret.into()),
            authority_host: None,
            tenant: None,
            transport: Arc::new(UreqTransport::new()),
            cache: TokenCache::default(),
            provider: CryptoProvider::default(),
        }
    }

    /// Makes PoP keys with `provider` (default: [`CryptoProvider::default`]).
    pub fn crypto_provider(mut self, provider: CryptoProvider) -> Self {
        self.provider = provider;
        self
    }

    /// Always asks this authority host (`https://login.microsoftonline.us`), whatever
    /// the request names.
    pub fn authority_host(mut self, host: impl Into<String>) -> Self {
        self.authority_host = Some(host.into().trim_end_matches('/').to_string());
        self
    }

    /// The tenant to use when a request names none.
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// Sends token requests through `transport` instead.
    pub fn with_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = transport;
        self
    }

    /// Uses `cache` (for example one with an injected [`Clock`](crate::Clock)).
    pub fn with_cache(mut self, cache: TokenCache) -> Self {
        self.cache = cache;
        self
    }

    /// The application (client) id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    fn endpoint(&self, request: &TokenRequest) -> Result<Endpoint> {
        let tenant = request
            .tenant
            .clone()
            .or_else(|| self.tenant.clone())
            .ok_or_else(|| {
                Error::Config(
                    "no tenant: the vault's challenge names none; configure one (AZURE_TENANT_ID)"
                        .into(),
                )
            })?;
        if !is_valid_tenant(&tenant) {
            return Err(Error::Config(format!(
                "`{tenant}` is not a tenant: use a GUID, a domain, `common` or `organizations`"
            )));
        }
        Ok(Endpoint {
            authority_host: self
                .authority_host
                .clone()
                .unwrap_or_else(|| request.authority_host.trim_end_matches('/').to_string()),
            tenant,
        })
    }

    fn fetch(
        &self,
        endpoint: &Endpoint,
        request: &TokenRequest,
        now: SystemTime,
    ) -> Result<AccessToken> {
        let pop_key = match request.scheme {
            TokenScheme::Pop => Some(Arc::new(PopKey::generate_with(self.provider)?)),
            TokenScheme::Bearer => None,
        };
        let pop_jwk = pop_key.as_ref().map(|k| k.public_jwk().to_json());
        let http = build_client_credentials_request(
            endpoint,
            request,
            &self.client_id,
            &self.client_secret,
            pop_jwk.as_deref(),
        )?;
        let response = self
            .transport
            .send(http)
            .map_err(|source| Error::Transport {
                endpoint: token_endpoint(endpoint, request),
                source,
            })?;
        let (token, expires_on) = parse_token_response(&response, now)?;
        Ok(AccessToken::new(token, expires_on, pop_key))
    }
}

impl TokenCredential for ClientSecretCredential {
    fn get_token(&self, request: &TokenRequest) -> Result<Arc<AccessToken>> {
        let endpoint = self.endpoint(request)?;
        self.cache
            .get_or_fetch(&endpoint, request, &self.client_id, || {
                // Expiry counts from before the request is sent: the token is taken
                // to expire no later than it really does.
                let now = self.cache.clock().now();
                self.fetch(&endpoint, request, now)
            })
    }
}

/// A [`ClientSecretCredential`] configured from the environment: `AZURE_CLIENT_ID`,
/// `AZURE_CLIENT_SECRET` (required), `AZURE_TENANT_ID` (used when the vault's
/// challenge names no tenant) and `AZURE_AUTHORITY_HOST` (pins the authority host).
///
/// ```no_run
/// let credential = kv_auth::EnvironmentCredential::new()?;
/// # Ok::<(), kv_auth::Error>(())
/// ```
#[derive(Debug)]
pub struct EnvironmentCredential(ClientSecretCredential);

impl EnvironmentCredential {
    /// Reads the process environment.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the variable that is missing.
    pub fn new() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the variables through `lookup` (for tests and other configuration sources).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the variable that is missing.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let required =
            |name: &str| get(name).ok_or_else(|| Error::Config(format!("{name} is not set")));
        let mut credential = ClientSecretCredential::new(
            required("AZURE_CLIENT_ID")?,
            required("AZURE_CLIENT_SECRET")?,
        );
        if let Some(tenant) = get("AZURE_TENANT_ID") {
            credential = credential.tenant(tenant);
        }
        if let Some(host) = get("AZURE_AUTHORITY_HOST") {
            credential = credential.authority_host(host);
        }
        Ok(EnvironmentCredential(credential))
    }

    /// Sends token requests through `transport`.
    pub fn with_transport(self, transport: Arc<dyn Transport>) -> Self {
        EnvironmentCredential(self.0.with_transport(transport))
    }

    /// The credential it configured.
    pub fn inner(&self) -> &ClientSecretCredential {
        &self.0
    }
}

impl TokenCredential for EnvironmentCredential {
    fn get_token(&self, request: &TokenRequest) -> Result<Arc<AccessToken>> {
        self.0.get_token(request)
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

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// An authority that records what it was asked and answers with a token.
    #[derive(Debug, Default)]
    struct Authority(Mutex<Vec<(String, String)>>);

    impl Transport for Authority {
        fn send(
            &self,
            r: http::Request<Vec<u8>>,
        ) -> std::result::Result<http::Response<Vec<u8>>, kv_transport::Error> {
            let body = String::from_utf8(r.body().clone()).unwrap();
            self.0.lock().unwrap().push((r.uri().to_string(), body));
            Ok(http::Response::builder()
                .status(200)
                .body(br#"{"access_token":"tok","expires_in":3600}"#.to_vec())
                .unwrap())
        }
    }

    fn request(tenant: Option<&str>) -> TokenRequest {
        TokenRequest::new(
            "https://login.challenge.example",
            tenant.map(str::to_string),
            Some("https://vault.azure.net".into()),
            None,
            TokenScheme::Bearer,
        )
    }

    #[test]
    fn the_environment_configures_tenant_and_authority_host() {
        let authority = Arc::new(Authority::default());
        let env = |name: &str| match name {
            "AZURE_CLIENT_ID" => Some("app".to_string()),
            "AZURE_CLIENT_SECRET" => Some("s3cret".to_string()),
            "AZURE_TENANT_ID" => Some("contoso.onmicrosoft.com".to_string()),
            "AZURE_AUTHORITY_HOST" => Some("https://login.microsoftonline.us/".to_string()),
            _ => None,
        };
        let credential = EnvironmentCredential::from_lookup(env)
            .unwrap()
            .with_transport(authority.clone());
        credential.get_token(&request(None)).unwrap();
        credential
            .get_token(&request(Some("fabrikam.example")))
            .unwrap();
        let seen = authority.0.lock().unwrap().clone();
        assert_eq!(
            seen[0].0,
            "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/token"
        );
        assert_eq!(
            seen[1].0, "https://login.microsoftonline.us/fabrikam.example/oauth2/token",
            "the request's tenant wins"
        );
        assert!(seen[0].1.contains("client_id=app"));
        assert!(!format!("{credential:?}").contains("s3cret"));
    }

    #[test]
    fn missing_variables_are_named() {
        let err = EnvironmentCredential::from_lookup(|n| {
            (n == "AZURE_CLIENT_ID").then(|| "app".to_string())
        })
        .unwrap_err();
        assert!(err.to_string().contains("AZURE_CLIENT_SECRET"), "{err}");
    }

    #[test]
    fn no_tenant_anywhere_is_a_clear_error_and_bad_tenants_are_refused() {
        let credential =
            ClientSecretCredential::new("app", "s").with_transport(Arc::new(Authority::default()));
        assert!(
            matches!(credential.get_token(&request(None)), Err(Error::Config(m)) if m.contains("tenant"))
        );
        assert!(matches!(
            credential.get_token(&request(Some("../../evil"))),
            Err(Error::Config(_))
        ));
    }

    #[test]
    fn two_clients_sharing_nothing_get_their_own_tokens() {
        let authority = Arc::new(Authority::default());
        let a = ClientSecretCredential::new("app-a", "s").with_transport(authority.clone());
        let b = ClientSecretCredential::new("app-b", "s").with_transport(authority.clone());
        a.get_token(&request(Some("common"))).unwrap();
        b.get_token(&request(Some("common"))).unwrap();
        a.get_token(&request(Some("common"))).unwrap();
        assert_eq!(authority.0.lock().unwrap().len(), 2);
    }
}
