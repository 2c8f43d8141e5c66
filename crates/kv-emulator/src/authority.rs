//! The token authority: AAD-shaped client-credentials endpoint that binds PoP keys.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use kv_jose::{Jwk, RsaPublicKey};
use serde_json::json;
use subtle::ConstantTimeEq;

use crate::service::{Answer, now_secs, random_token};
use crate::{Config, RESOURCE};

/// What the authority remembers about a token it issued.
/// Only tokens for the configured tenant are issued, so none names another.
#[derive(Debug)]
pub(crate) struct TokenRecord {
    pub(crate) expires_at: u64,
    /// The PoP key the token is bound to: (kid, key).
    pub(crate) pop_key: Option<(String, RsaPublicKey)>,
}

#[derive(Default)]
pub(crate) struct Authority {
    tokens: Mutex<HashMap<String, Arc<TokenRecord>>>,
}

// By hand: the map's keys are live tokens.
impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let issued = self
            .tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("Authority")
            .field("issued", &issued)
            .finish()
    }
}

fn aad_error(status: u16, error: &str, code: u32, description: &str) -> Answer {
    Answer::json(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {description}"),
            "error_codes": [code],
            "timestamp": now_secs().to_string(),
            "trace_id": random_token(8),
            "correlation_id": random_token(8),
        }),
    )
}

impl Authority {
    /// The token record for `token`, if it was issued here and has not expired.
    pub(crate) fn lookup(&self, token: &str) -> Option<Arc<TokenRecord>> {
        let tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        tokens
            .get(token)
            .filter(|r| r.expires_at > now_secs())
            .cloned()
    }

    /// `POST /{tenant}/oauth2/token` (v1, `resource`) or `/{tenant}/oauth2/v2.0/token`
    /// (v2, `scope`), client credentials only.
    pub(crate) fn token(
        &self,
        config: &Config,
        tenant: &str,
        v2: bool,
        body: &[u8],
    ) -> (Answer, bool) {
        if !tenant.eq_ignore_ascii_case(&config.tenant) {
            return (
                aad_error(
                    400,
                    "invalid_request",
                    90002,
                    &format!("Tenant '{tenant}' not found. Check the tenant id."),
                ),
                false,
            );
        }
        let form: HashMap<String, String> = form_urlencoded::parse(body).into_owned().collect();
        let field = |name: &str| form.get(name).map(String::as_str).filter(|v| !v.is_empty());
        if field("grant_type") != Some("client_credentials") {
            return (
                aad_error(
                    400,
                    "unsupported_grant_type",
                    70003,
                    "The app requested an unsupported grant type; only client_credentials is served here.",
                ),
                false,
            );
        }
        let Some(client_id) = field("client_id") else {
            return (
                aad_error(
                    400,
                    "invalid_request",
                    900144,
                    "The request body must contain the following parameter: 'client_id'.",
                ),
                false,
            );
        };
        let secret_ok: bool = field("client_secret")
            .unwrap_or_default()
            .as_bytes()
            .ct_eq(config.client_secret.expose_secret().as_bytes())
            .into();
        if client_id != config.client_id {
            return (
                aad_error(
                    400,
                    "unauthorized_client",
                    700016,
                    &format!(
                        "Application with identifier '{client_id}' was not found in the directory '{tenant}'."
                    ),
                ),
                false,
            );
        }
        if !secret_ok {
            return (
                aad_error(
                    401,
                    "invalid_client",
                    7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.",
                ),
                false,
            );
        }
        let audience = if v2 {
            match field("scope") {
                Some(s)
                    if s.trim_end_matches("/.default")
                        .eq_ignore_ascii_case(RESOURCE) =>
                {
                    RESOURCE
                }
                _ => {
                    return (
                        aad_error(
                            400,
                            "invalid_scope",
                            1002012,
                            &format!(
                                "The provided scope is not valid; this authority issues tokens for '{RESOURCE}/.default'."
                            ),
                        ),
                        false,
                    );
                }
            }
        } else {
            match field("resource") {
                Some(r) if r.trim_end_matches('/').eq_ignore_ascii_case(RESOURCE) => RESOURCE,
                Some(r) => {
                    return (
                        aad_error(
                            400,
                            "invalid_resource",
                            500011,
                            &format!(
                                "The resource principal named {r} was not found in the tenant."
                            ),
                        ),
                        false,
                    );
                }
                None => {
                    return (
                        aad_error(
                            400,
                            "invalid_request",
                            900144,
                            "The request body must contain the following parameter: 'resource'.",
                        ),
                        false,
                    );
                }
            }
        };
        let pop_key = match field("pop_jwk") {
            None => None,
            Some(text) => match parse_pop_jwk(text, config.provider) {
                Ok(k) => Some(k),
                Err(why) => {
                    return (
                        aad_error(
                            400,
                            "invalid_request",
                            50000,
                            &format!("The pop_jwk is invalid: {why}"),
                        ),
                        false,
                    );
                }
            },
        };
        let is_pop = pop_key.is_some();
        let token = random_token(32);
        let issued = now_secs();
        let expires_at = issued + config.token_lifetime_secs;
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        // Forget expired tokens, so a long run does not grow without bound.
        tokens.retain(|_, r| r.expires_at > issued);
        tokens.insert(
            token.clone(),
            Arc::new(TokenRecord {
                expires_at,
                pop_key,
            }),
        );
        drop(tokens);
        let lifetime = config.token_lifetime_secs.to_string();
        let answer = if v2 {
            json!({
                "token_type": if is_pop { "pop" } else { "Bearer" },
                "expires_in": config.token_lifetime_secs,
                "ext_expires_in": config.token_lifetime_secs,
                "access_token": token,
            })
        } else {
            // AAD v1 sends numbers as strings.
            json!({
                "token_type": if is_pop { "pop" } else { "Bearer" },
                "expires_in": lifetime,
                "ext_expires_in": lifetime,
                "expires_on": expires_at.to_string(),
                "not_before": issued.to_string(),
                "resource": audience,
                "access_token": token,
            })
        };
        (Answer::json(200, &answer), is_pop)
    }
}

fn parse_pop_jwk(
    text: &str,
    provider: kv_jose::CryptoProvider,
) -> Result<(String, RsaPublicKey), String> {
    let jwk = Jwk::from_json(text.as_bytes()).map_err(|e| e.to_string())?;
    let kid = jwk
        .kid
        .clone()
        .filter(|k| !k.is_empty())
        .ok_or("it has no kid")?;
    if jwk.is_private() {
        return Err("it contains private key material".into());
    }
    let key = RsaPublicKey::from_jwk_with(&jwk, provider).map_err(|e| e.to_string())?;
    Ok((kid, key))
}
