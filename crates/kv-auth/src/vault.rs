//! Key Vault's reading of a 401 challenge (PROTOCOL.md §1).

use std::fmt;
use std::sync::Arc;

use kv_jose::{CryptoProvider, Jwk, RsaPublicKey};

use crate::challenge::{Challenge, parse_challenge_headers};
use crate::{Error, Result};

/// Header carrying the vault's response-signing key (a JWK).
pub const SIGNING_KEY_HEADER: &str = "x-ms-message-signing-key";
/// Header carrying the vault's request-encryption key (a JWK).
pub const ENCRYPTION_KEY_HEADER: &str = "x-ms-message-encryption-key";

/// The vault's two message-protection keys, parsed once when the challenge is read.
/// Equal when both kids and both keys are.
#[derive(Clone, PartialEq, Eq)]
pub struct MessageKeys {
    signing: RsaPublicKey,
    signing_kid: String,
    encryption: RsaPublicKey,
    encryption_kid: String,
}

impl fmt::Debug for MessageKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageKeys")
            .field("signing_kid", &self.signing_kid)
            .field("encryption_kid", &self.encryption_kid)
            .finish_non_exhaustive()
    }
}

impl MessageKeys {
    /// Builds the pair from already parsed keys.
    pub fn new(
        signing: RsaPublicKey,
        signing_kid: impl Into<String>,
        encryption: RsaPublicKey,
        encryption_kid: impl Into<String>,
    ) -> Self {
        MessageKeys {
            signing,
            signing_kid: signing_kid.into(),
            encryption,
            encryption_kid: encryption_kid.into(),
        }
    }

    /// The key the vault signs answers with.
    pub fn signing(&self) -> &RsaPublicKey {
        &self.signing
    }

    /// Its `kid`.
    pub fn signing_kid(&self) -> &str {
        &self.signing_kid
    }

    /// The key requests are encrypted to.
    pub fn encryption(&self) -> &RsaPublicKey {
        &self.encryption
    }

    /// Its `kid`.
    pub fn encryption_kid(&self) -> &str {
        &self.encryption_kid
    }
}

fn parse_key(
    provider: CryptoProvider,
    headers: &http::HeaderMap,
    header: &'static str,
) -> Option<Result<(RsaPublicKey, String)>> {
    let value = headers.get(header)?;
    let parsed = (|| {
        let jwk = Jwk::from_json(value.as_bytes())?;
        let kid = jwk
            .kid
            .clone()
            .filter(|k| !k.is_empty())
            .ok_or(kv_jose::Error::InvalidKey("the JWK has no `kid`"))?;
        Ok((RsaPublicKey::from_jwk_with(&jwk, provider)?, kid))
    })();
    Some(parsed.map_err(|source| Error::MessageKey { header, source }))
}

/// What a Key Vault 401 challenge says: where to get a token, for what, and whether
/// (and with which keys) messages are protected.
///
/// ```
/// let answer = http::Response::builder()
///     .status(401)
///     .header("www-authenticate", r#"Bearer authorization="https://login.microsoftonline.com/contoso.onmicrosoft.com", resource="https://vault.azure.net""#)
///     .body(())
///     .unwrap();
/// let c = kv_auth::VaultChallenge::from_response(&answer).unwrap();
/// assert_eq!(c.authority_host(), "https://login.microsoftonline.com");
/// assert_eq!(c.tenant(), Some("contoso.onmicrosoft.com"));
/// assert_eq!(c.resource(), Some("https://vault.azure.net"));
/// assert!(c.message_keys().is_none());
/// ```
#[derive(Debug, Clone)]
pub struct VaultChallenge {
    authority: http::Uri,
    authority_host: String,
    tenant: Option<String>,
    resource: Option<String>,
    scope: Option<String>,
    supports_pop: bool,
    message_keys: Option<Arc<MessageKeys>>,
}

impl PartialEq for VaultChallenge {
    /// Equal when they name the same authority, tenant, resource, scope, PoP support
    /// and message keys (kids and key material): a changed challenge means a changed
    /// vault.
    fn eq(&self, other: &Self) -> bool {
        self.authority == other.authority
            && self.resource == other.resource
            && self.scope == other.scope
            && self.supports_pop == other.supports_pop
            && self.message_keys.as_deref() == other.message_keys.as_deref()
    }
}

impl VaultChallenge {
    /// Reads the challenge from a vault's 401 answer: the first `Bearer` or `PoP`
    /// challenge of its `WWW-Authenticate` headers, and the message key headers.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedChallenge`], [`Error::Challenge`] (no Bearer/PoP challenge,
    /// no or a bad authority), [`Error::MessageKey`] for a key header that is present
    /// but unusable.
    pub fn from_response<B>(response: &http::Response<B>) -> Result<Self> {
        VaultChallenge::from_response_with(response, CryptoProvider::default())
    }

    /// As [`from_response`](Self::from_response), parsing the message keys with
    /// `provider`.
    ///
    /// # Errors
    ///
    /// As [`from_response`](Self::from_response).
    pub fn from_response_with<B>(
        response: &http::Response<B>,
        provider: CryptoProvider,
    ) -> Result<Self> {
        let challenges = parse_challenge_headers(response.headers())?;
        let challenge = challenges
            .iter()
            .find(|c| c.is_scheme("bearer") || c.is_scheme("pop"))
            .ok_or_else(|| {
                Error::Challenge(
                    "the answer has no Bearer or PoP WWW-Authenticate challenge".into(),
                )
            })?;
        VaultChallenge::from_challenge_with(challenge, response.headers(), provider)
    }

    /// Reads a Key Vault challenge from one parsed challenge and the answer's headers.
    ///
    /// # Errors
    ///
    /// As [`from_response`](Self::from_response).
    pub fn from_challenge(challenge: &Challenge, headers: &http::HeaderMap) -> Result<Self> {
        VaultChallenge::from_challenge_with(challenge, headers, CryptoProvider::default())
    }

    /// As [`from_challenge`](Self::from_challenge), parsing the message keys with
    /// `provider`.
    ///
    /// # Errors
    ///
    /// As [`from_response`](Self::from_response).
    pub fn from_challenge_with(
        challenge: &Challenge,
        headers: &http::HeaderMap,
        provider: CryptoProvider,
    ) -> Result<Self> {
        let authority_text = challenge
            .param("authorization_uri")
            .or_else(|| challenge.param("authorization"))
            .ok_or_else(|| Error::Challenge("no `authorization` or `authorization_uri`".into()))?;
        let authority: http::Uri = authority_text
            .parse()
            .map_err(|_| Error::Challenge("the authority is not a valid URL".into()))?;
        let (Some(scheme), Some(host)) = (authority.scheme_str(), authority.authority()) else {
            return Err(Error::Challenge(
                "the authority is not an absolute URL".into(),
            ));
        };
        if !matches!(scheme, "https" | "http") {
            return Err(Error::Challenge(
                "the authority must be an http(s) URL".into(),
            ));
        }
        let authority_host = format!("{scheme}://{}", host.as_str().to_ascii_lowercase());
        let tenant = authority
            .path()
            .split('/')
            .find(|s| !s.is_empty())
            .filter(|t| is_valid_tenant(t))
            .map(str::to_string);
        let supports_pop = challenge
            .param("supportspop")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let message_keys = match (
            parse_key(provider, headers, SIGNING_KEY_HEADER),
            parse_key(provider, headers, ENCRYPTION_KEY_HEADER),
        ) {
            (Some(s), Some(e)) => {
                let ((signing, signing_kid), (encryption, encryption_kid)) = (s?, e?);
                Some(Arc::new(MessageKeys {
                    signing,
                    signing_kid,
                    encryption,
                    encryption_kid,
                }))
            }
            (Some(Err(e)), None) | (None, Some(Err(e))) => return Err(e),
            _ => None,
        };
        Ok(VaultChallenge {
            authority,
            authority_host,
            tenant,
            resource: challenge.param("resource").map(str::to_string),
            scope: challenge.param("scope").map(str::to_string),
            supports_pop,
            message_keys,
        })
    }

    /// The authority URL exactly as the challenge gave it.
    pub fn authority(&self) -> &http::Uri {
        &self.authority
    }

    /// Scheme, host and port of the authority, lowercased (`https://login.microsoftonline.com`).
    pub fn authority_host(&self) -> &str {
        &self.authority_host
    }

    /// The tenant named by the authority's first path segment, if it is a GUID, a
    /// domain, `common` or `organizations`.
    pub fn tenant(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// The AAD v1 `resource`, if given.
    pub fn resource(&self) -> Option<&str> {
        self.resource.as_deref()
    }

    /// The AAD v2 `scope`, if given.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// Whether the vault accepts proof-of-possession tokens (`supportspop="true"`).
    pub fn supports_pop(&self) -> bool {
        self.supports_pop
    }

    /// The vault's message keys, when both headers were present.
    pub fn message_keys(&self) -> Option<&Arc<MessageKeys>> {
        self.message_keys.as_ref()
    }

    /// Whether message protection is on offer: PoP supported and both keys present.
    pub fn supports_message_protection(&self) -> bool {
        self.supports_pop && self.message_keys.is_some()
    }
}

/// A tenant is a GUID, a DNS domain, `common` or `organizations`.
pub(crate) fn is_valid_tenant(t: &str) -> bool {
    if t.eq_ignore_ascii_case("common") || t.eq_ignore_ascii_case("organizations") {
        return true;
    }
    // Hyphenated form only (36 characters): no braces, no `urn:uuid:`.
    let is_guid = t.len() == 36 && uuid::Uuid::try_parse(t).is_ok();
    let is_domain = t.len() <= 253
        && t.contains('.')
        && t.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    is_guid || is_domain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(www: &str, keys: Option<(String, String)>) -> http::Response<()> {
        let mut b = http::Response::builder()
            .status(401)
            .header("www-authenticate", www);
        if let Some((s, e)) = keys {
            b = b
                .header(SIGNING_KEY_HEADER, s)
                .header(ENCRYPTION_KEY_HEADER, e);
        }
        b.body(()).unwrap()
    }

    fn key_json(kid: Option<&str>) -> String {
        let mut jwk = kv_jose::test_keys::rsa_2048_a().public().to_jwk();
        jwk.kid = kid.map(str::to_string);
        jwk.to_json()
    }

    #[test]
    fn reads_pop_support_and_both_keys() {
        let c = VaultChallenge::from_response(&answer(
            r#"Bearer authorization="https://login.windows.net/00000000-0000-0000-0000-000000000001", resource="https://vault.azure.net", supportspop="true""#,
            Some((key_json(Some("s1")), key_json(Some("e1")))),
        ))
        .unwrap();
        assert!(c.supports_message_protection());
        assert_eq!(c.tenant(), Some("00000000-0000-0000-0000-000000000001"));
        let keys = c.message_keys().unwrap();
        assert_eq!((keys.signing_kid(), keys.encryption_kid()), ("s1", "e1"));
    }

    #[test]
    fn a_present_but_bad_key_header_is_an_error_not_a_downgrade() {
        for keys in [
            (key_json(None), key_json(Some("e1"))),
            ("{".to_string(), key_json(Some("e1"))),
            (
                key_json(Some("s1")),
                r#"{"kty":"oct","kid":"x","k":"AA"}"#.to_string(),
            ),
        ] {
            let err = VaultChallenge::from_response(&answer(
                r#"Bearer authorization="https://login.windows.net/common", supportspop="true""#,
                Some(keys),
            ))
            .unwrap_err();
            assert!(matches!(err, Error::MessageKey { .. }), "{err:?}");
        }
    }

    #[test]
    fn unusable_challenges_are_typed_errors() {
        for www in [
            r#"Basic realm="x""#,
            r#"Bearer resource="https://vault.azure.net""#,
            r#"Bearer authorization="not a url""#,
            r#"Bearer authorization="/relative/only""#,
            r#"Bearer authorization="ftp://login.example/t""#,
        ] {
            assert!(
                matches!(
                    VaultChallenge::from_response(&answer(www, None)),
                    Err(Error::Challenge(_))
                ),
                "{www}"
            );
        }
    }

    #[test]
    fn tenants() {
        for ok in [
            "common",
            "Organizations",
            "contoso.onmicrosoft.com",
            "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "emulator.local",
        ] {
            assert!(is_valid_tenant(ok), "{ok}");
        }
        for bad in [
            "",
            "..",
            "a..b",
            "-a.b",
            "x",
            "oauth2",
            "72f988bf-86f1-41af-91ab-2d7cd011db4",
            "a b.c",
            "a.b%2f",
        ] {
            assert!(!is_valid_tenant(bad), "{bad}");
        }
    }
}
