//! Token requests and answers (AAD v1 and v2 client credentials), sans I/O.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use kv_jose::Secret;
use serde_json::Value;

use crate::error::AuthorityError;
use crate::{Error, PopKey, Result};

/// Which kind of token to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenScheme {
    /// A plain bearer token.
    Bearer,
    /// A proof-of-possession token, bound to a [`PopKey`].
    Pop,
}

/// What a caller needs a token for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenRequest {
    /// Scheme, host and port of the authority (`https://login.microsoftonline.com`).
    pub authority_host: String,
    /// The tenant (GUID, domain, `common` or `organizations`), if the caller knows
    /// it; a credential may fall back to its own.
    pub tenant: Option<String>,
    /// AAD v1 resource (`https://vault.azure.net`).
    pub resource: Option<String>,
    /// AAD v2 scope (`https://vault.azure.net/.default`).
    pub scope: Option<String>,
    /// Bearer or PoP.
    pub scheme: TokenScheme,
    /// Skip any cached token (the service refused the last one).
    pub force_refresh: bool,
}

impl TokenRequest {
    /// A request for a token from `authority_host` (and `tenant`), for `resource`
    /// (AAD v1) or `scope` (AAD v2).
    pub fn new(
        authority_host: impl Into<String>,
        tenant: Option<String>,
        resource: Option<String>,
        scope: Option<String>,
        scheme: TokenScheme,
    ) -> Self {
        TokenRequest {
            authority_host: authority_host.into(),
            tenant,
            resource,
            scope,
            scheme,
            force_refresh: false,
        }
    }

    /// The same request, skipping any cached token.
    pub fn forcing_refresh(mut self) -> Self {
        self.force_refresh = true;
        self
    }
}

/// Where a token request goes: the authority host and tenant, resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// Scheme, host and port, no trailing slash.
    pub authority_host: String,
    /// The tenant.
    pub tenant: String,
}

/// An access token with its expiry and, for PoP, the key it is bound to.
///
/// `Debug` never shows the token.
#[derive(Clone, Debug)]
pub struct AccessToken {
    token: Secret<String>,
    expires_on: SystemTime,
    pop_key: Option<Arc<PopKey>>,
}

impl AccessToken {
    /// A bearer token.
    pub fn bearer(token: impl Into<String>, expires_on: SystemTime) -> Self {
        AccessToken::new(Secret::new(token.into()), expires_on, None)
    }

    /// A PoP token bound to `key`.
    pub fn pop(token: impl Into<String>, expires_on: SystemTime, key: Arc<PopKey>) -> Self {
        AccessToken::new(Secret::new(token.into()), expires_on, Some(key))
    }

    pub(crate) fn new(
        token: Secret<String>,
        expires_on: SystemTime,
        pop_key: Option<Arc<PopKey>>,
    ) -> Self {
        AccessToken {
            token,
            expires_on,
            pop_key,
        }
    }

    /// The token.
    pub fn token(&self) -> &Secret<String> {
        &self.token
    }

    /// When it expires.
    pub fn expires_on(&self) -> SystemTime {
        self.expires_on
    }

    /// Bearer or PoP.
    pub fn scheme(&self) -> TokenScheme {
        if self.pop_key.is_some() {
            TokenScheme::Pop
        } else {
            TokenScheme::Bearer
        }
    }

    /// The PoP key, for a PoP token.
    pub fn pop_key(&self) -> Option<&Arc<PopKey>> {
        self.pop_key.as_ref()
    }
}

/// The token endpoint: AAD v1 (`/oauth2/token`) when a resource is given, else v2
/// (`/oauth2/v2.0/token`).
pub fn token_endpoint(endpoint: &Endpoint, request: &TokenRequest) -> String {
    let base = endpoint.authority_host.trim_end_matches('/');
    match request.resource {
        Some(_) => format!("{base}/{}/oauth2/token", endpoint.tenant),
        None => format!("{base}/{}/oauth2/v2.0/token", endpoint.tenant),
    }
}

/// Builds the client-credentials token request (form body).
///
/// `pop_jwk` is the JSON text of the PoP public key, for a PoP token (v1 only).
///
/// # Errors
///
/// [`Error::Config`] when neither resource nor scope is given, or the URL is invalid.
pub fn build_client_credentials_request(
    endpoint: &Endpoint,
    request: &TokenRequest,
    client_id: &str,
    client_secret: &Secret<String>,
    pop_jwk: Option<&str>,
) -> Result<http::Request<Vec<u8>>> {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", "client_credentials")
        .append_pair("client_id", client_id)
        .append_pair("client_secret", client_secret.expose_secret());
    match (&request.resource, &request.scope) {
        (Some(resource), _) => {
            form.append_pair("resource", resource)
                .append_pair("response_type", "token");
        }
        (None, Some(scope)) => {
            form.append_pair("scope", scope);
        }
        (None, None) => {
            return Err(Error::Config(
                "a token request needs a resource or a scope".into(),
            ));
        }
    }
    if let Some(jwk) = pop_jwk {
        form.append_pair("pop_jwk", jwk);
    }
    http::Request::post(token_endpoint(endpoint, request))
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(http::header::ACCEPT, "application/json")
        .body(form.finish().into_bytes())
        .map_err(|_| Error::Config("the authority URL is not valid".into()))
}

/// Longest token lifetime accepted (AAD's are hours).
const MAX_LIFETIME: Duration = Duration::from_secs(366 * 24 * 3600);

/// A number that AAD sends either as a JSON number or as a numeric string.
fn number(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn string(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_string)
}

/// Reads a token answer. Expiry comes from `expires_in` counted from `received_at`
/// (so clock skew with the authority does not matter), else from `expires_on`.
///
/// # Errors
///
/// [`Error::Authority`] for a non-2xx answer, [`Error::InvalidTokenResponse`] for a 2xx
/// answer without a usable token or expiry.
pub fn parse_token_response(
    response: &http::Response<Vec<u8>>,
    received_at: SystemTime,
) -> Result<(Secret<String>, SystemTime)> {
    let status = response.status();
    let json: Option<Value> = serde_json::from_slice(response.body()).ok();
    if !status.is_success() {
        let field = |name| json.as_ref().and_then(|j| string(j.get(name)));
        return Err(Error::Authority(Box::new(AuthorityError {
            status: status.as_u16(),
            error: field("error").unwrap_or_else(|| "unknown_error".into()),
            description: field("error_description")
                .unwrap_or_else(|| "the authority sent no error description".into()),
            error_codes: json
                .as_ref()
                .and_then(|j| j.get("error_codes"))
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_i64).collect())
                .unwrap_or_default(),
            trace_id: field("trace_id"),
            correlation_id: field("correlation_id"),
        })));
    }
    let json = json.ok_or_else(|| Error::InvalidTokenResponse("the body is not JSON".into()))?;
    let token = json
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::InvalidTokenResponse("no `access_token`".into()))?;
    // An absurd lifetime is refused rather than overflowing the clock arithmetic.
    let expiry = if let Some(secs) = number(json.get("expires_in")) {
        received_at.checked_add(Duration::from_secs(secs))
    } else if let Some(at) = number(json.get("expires_on")) {
        SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(at))
    } else {
        return Err(Error::InvalidTokenResponse(
            "no `expires_in` or `expires_on`".into(),
        ));
    };
    let expires_on = expiry
        .filter(|e| e.duration_since(received_at).unwrap_or_default() <= MAX_LIFETIME)
        .ok_or_else(|| {
            Error::InvalidTokenResponse("the token's lifetime is out of range".into())
        })?;
    Ok((Secret::new(token.to_string()), expires_on))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(host: &str, tenant: &str) -> Endpoint {
        Endpoint {
            authority_host: host.into(),
            tenant: tenant.into(),
        }
    }

    fn answer(status: u16, body: &str) -> http::Response<Vec<u8>> {
        http::Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn expiry_as_number_or_string_from_receipt_time() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        for body in [
            r#"{"access_token":"t","expires_in":3599}"#,
            r#"{"access_token":"t","expires_in":"3599","expires_on":"1"}"#,
            r#"{"access_token":"t","expires_on":4599}"#,
            r#"{"access_token":"t","expires_on":" 4599"}"#,
        ] {
            let (t, exp) = parse_token_response(&answer(200, body), now).unwrap();
            assert_eq!(t.expose_secret(), "t");
            assert_eq!(
                exp,
                SystemTime::UNIX_EPOCH + Duration::from_secs(4_599),
                "{body}"
            );
        }
    }

    #[test]
    fn aad_errors_are_typed() {
        let err = parse_token_response(
            &answer(401, r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215],"trace_id":"tr","correlation_id":"co"}"#),
            SystemTime::now(),
        )
        .unwrap_err();
        let Error::Authority(e) = err else {
            panic!("{err:?}")
        };
        assert_eq!(
            (e.status, e.error.as_str(), e.error_codes.as_slice()),
            (401, "invalid_client", &[7000215][..])
        );
        assert_eq!(
            (e.trace_id.as_deref(), e.correlation_id.as_deref()),
            (Some("tr"), Some("co"))
        );
        // An HTML error page is still a typed error.
        assert!(matches!(
            parse_token_response(&answer(502, "<html>"), SystemTime::now()),
            Err(Error::Authority(_))
        ));
    }

    #[test]
    fn unusable_success_answers_are_refused() {
        for body in [
            r#"{"access_token":"t","expires_in":"18446744073709551615"}"#,
            r#"{"access_token":"t","expires_on":18446744073709551615}"#,
            r#"{"access_token":"t","expires_in":99999999999}"#,
            "",
            "[]",
            r#"{"expires_in":1}"#,
            r#"{"access_token":"","expires_in":1}"#,
            r#"{"access_token":"t"}"#,
        ] {
            assert!(
                matches!(
                    parse_token_response(&answer(200, body), SystemTime::now()),
                    Err(Error::InvalidTokenResponse(_))
                ),
                "{body}"
            );
        }
    }

    #[test]
    fn v1_request_carries_resource_and_pop_jwk() {
        let req = TokenRequest::new(
            "https://login.example/",
            None,
            Some("https://vault.azure.net".into()),
            None,
            TokenScheme::Pop,
        );
        let http = build_client_credentials_request(
            &endpoint("https://login.example/", "t.example"),
            &req,
            "cid",
            &Secret::new("s3cr&t=".into()),
            Some(r#"{"kty":"RSA"}"#),
        )
        .unwrap();
        assert_eq!(http.uri(), "https://login.example/t.example/oauth2/token");
        let form: Vec<(String, String)> =
            form_urlencoded::parse(http.body()).into_owned().collect();
        let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("client_secret"), Some("s3cr&t="));
        assert_eq!(get("resource"), Some("https://vault.azure.net"));
        assert_eq!(get("pop_jwk"), Some(r#"{"kty":"RSA"}"#));
        assert_eq!(get("grant_type"), Some("client_credentials"));
    }

    #[test]
    fn v2_request_uses_scope() {
        let req = TokenRequest::new(
            "https://login.example",
            None,
            None,
            Some("https://vault.azure.net/.default".into()),
            TokenScheme::Bearer,
        );
        let http = build_client_credentials_request(
            &endpoint("https://login.example", "common"),
            &req,
            "cid",
            &Secret::new("s".into()),
            None,
        )
        .unwrap();
        assert_eq!(http.uri(), "https://login.example/common/oauth2/v2.0/token");
    }
}
