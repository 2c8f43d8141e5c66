//! The request path: challenge, token, protection, send, and the one retry after a
//! stale challenge.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use http::Method;
use kv_auth::{AccessToken, TokenRequest, TokenScheme, VaultChallenge};
use kv_transport::Decision;

use crate::client::Inner;
use crate::protection::{self, Protector, ResponseContext};
use crate::{Error, ProtectionError, Result, ServiceError};

/// One vault call, before authentication: method, path under the vault, JSON body.
#[derive(Clone)]
pub(crate) struct Operation {
    pub(crate) method: Method,
    pub(crate) path: String,
    /// The whole query, when not just `api-version` (a `nextLink`'s).
    pub(crate) query: Option<String>,
    pub(crate) body: Option<Vec<u8>>,
    /// Whether repeating the operation after it may have run is harmless.
    pub(crate) idempotent: bool,
    /// `x-ms-client-request-id`, the same on every attempt.
    pub(crate) request_id: String,
}

// By hand: the body is plaintext (key material to import, bytes to wrap).
impl std::fmt::Debug for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operation")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("body_len", &self.body.as_ref().map(Vec::len))
            .field("idempotent", &self.idempotent)
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Why an attempt did not produce a 2xx answer.
enum Failure {
    /// No complete answer; `idempotent` says whether repeating is safe if it was sent.
    Transport(kv_transport::Error, bool),
    /// A final non-2xx answer.
    Status(Box<http::Response<Vec<u8>>>, bool),
    /// Anything else: not retried.
    Other(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Other(e)
    }
}

impl Failure {
    fn into_error(self) -> Error {
        match self {
            Failure::Transport(e, _) => Error::Transport(e),
            Failure::Status(r, _) => Error::Service(Box::new(ServiceError::from_response(&r))),
            Failure::Other(e) => e,
        }
    }
}

impl Inner {
    /// Runs `op` with retries, returning the (unprotected) answer of a 2xx, or a typed
    /// error. Each attempt is built and protected afresh: a new `ts`, CEK, IV and
    /// response key, never a resend of the same bytes.
    pub(crate) fn execute(&self, op: &Operation) -> Result<Vec<u8>> {
        let span = tracing::debug_span!("kv.operation", method = %op.method, path = %op.path);
        let _entered = span.enter();
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let failure = match self.attempt(op) {
                Ok(body) => return Ok(body),
                Err(f) => f,
            };
            let elapsed = started.elapsed();
            let decision = match &failure {
                Failure::Transport(e, idempotent) => {
                    self.retry.after_error(attempt, elapsed, e, *idempotent)
                }
                Failure::Status(r, idempotent) => {
                    self.retry.after_response(attempt, elapsed, r, *idempotent)
                }
                Failure::Other(_) => Decision::Stop,
            };
            match decision {
                Decision::RetryAfter(wait) => {
                    tracing::info!(attempt, wait_ms = wait.as_millis() as u64, "retrying");
                    std::thread::sleep(wait);
                }
                Decision::Stop => return Err(failure.into_error()),
            }
        }
    }

    /// One attempt: challenge, token, protection, send, and the one rediscovery after
    /// a stale challenge.
    fn attempt(&self, op: &Operation) -> Result<Vec<u8>, Failure> {
        let mut challenge = self.cached_challenge();
        let mut fresh_challenge = false;
        if challenge.is_none() {
            challenge = Some(self.discover(op)?);
            fresh_challenge = true;
        }
        let mut force_refresh = false;
        loop {
            let Some(current) = challenge.clone() else {
                return Err(Error::Config("no challenge".into()).into());
            };
            let protect = protection::applies(&current, &op.path, op.body.is_some());
            if !protect && self.require_protection && protection::is_protectable_path(&op.path) {
                return Err(Error::from(ProtectionError::Unavailable).into());
            }
            let token = self.token(&current, protect, force_refresh)?;
            let (request, context) = self.build(op, &current, &token, protect)?;
            let response = self
                .transport
                .send(request)
                .map_err(|e| Failure::Transport(e, op.idempotent))?;
            if response.status() == http::StatusCode::UNAUTHORIZED && !fresh_challenge {
                // The cached challenge is stale (new keys, new tenant, token refused):
                // learn the new one from this answer, drop the token, retry once.
                let renewed = match VaultChallenge::from_response_with(&response, self.provider) {
                    Ok(c) => self.accept_challenge(c)?,
                    Err(_) => self.discover(op)?,
                };
                challenge = Some(renewed);
                fresh_challenge = true;
                force_refresh = true;
                continue;
            }
            if !response.status().is_success() {
                return Err(Failure::Status(Box::new(response), op.idempotent));
            }
            return match context {
                Some(context) => Ok(context.unprotect(&response).map_err(Error::from)?),
                None => Ok(response.into_body()),
            };
        }
    }

    fn cached_challenge(&self) -> Option<Arc<VaultChallenge>> {
        self.challenge
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Sends the request without credentials and with an empty body, so nothing leaves
    /// before the vault's keys are known, and reads the 401 challenge.
    fn discover(&self, op: &Operation) -> Result<Arc<VaultChallenge>, Failure> {
        let request = self
            .request(op)
            .header(http::header::CONTENT_LENGTH, "0")
            .body(Vec::new())
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        // The probe carries nothing and changes nothing: always safe to repeat.
        let response = self
            .transport
            .send(request)
            .map_err(|e| Failure::Transport(e, true))?;
        if response.status() != http::StatusCode::UNAUTHORIZED {
            // A throttled or failing probe is worth another attempt; the retry policy
            // decides.
            if kv_transport::is_retryable_status(response.status().as_u16()) {
                return Err(Failure::Status(Box::new(response), true));
            }
            return Err(Error::Auth(kv_auth::Error::Challenge(format!(
                "the vault answered the unauthenticated probe with HTTP {}, not 401 with a challenge",
                response.status().as_u16()
            )))
            .into());
        }
        Ok(self.accept_challenge(
            VaultChallenge::from_response_with(&response, self.provider).map_err(Error::from)?,
        )?)
    }

    /// Checks that a challenge may be trusted with our credentials, then caches it.
    fn accept_challenge(&self, challenge: VaultChallenge) -> Result<Arc<VaultChallenge>> {
        self.challenge_policy.check(&challenge, &self.base_url)?;
        let challenge = Arc::new(challenge);
        let mut cached = self
            .challenge
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Protection is sticky: an unauthenticated 401 could otherwise strip it.
        if !challenge.supports_message_protection()
            && cached
                .as_ref()
                .is_some_and(|p| p.supports_message_protection())
        {
            return Err(ProtectionError::Downgrade.into());
        }
        let previous = cached.replace(challenge.clone());
        drop(cached);
        if previous.is_some_and(|p| *p != *challenge) {
            // A changed vault (new keys, new tenant): every cached token is suspect.
            self.stale_tokens
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend([TokenScheme::Bearer, TokenScheme::Pop]);
        }
        Ok(challenge)
    }

    fn token(
        &self,
        challenge: &VaultChallenge,
        protect: bool,
        force_refresh: bool,
    ) -> Result<Arc<AccessToken>> {
        // The challenge's tenant, else the configured one, else the credential's own.
        let tenant = challenge
            .tenant()
            .or(self.tenant.as_deref())
            .map(str::to_string);
        let (resource, scope) = (challenge.resource(), challenge.scope());
        let scheme = if protect {
            TokenScheme::Pop
        } else {
            TokenScheme::Bearer
        };
        let stale = self
            .stale_tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&scheme);
        let force_refresh = force_refresh || stale;
        // PoP tokens come from the v1 endpoint, which takes a resource.
        let resource = match (scheme, resource, scope) {
            (_, Some(r), _) => Some(r.to_string()),
            (TokenScheme::Pop, None, Some(s)) => Some(s.trim_end_matches("/.default").to_string()),
            _ => None,
        };
        let mut request = TokenRequest::new(
            challenge.authority_host(),
            tenant,
            resource,
            scope.map(str::to_string),
            scheme,
        );
        if force_refresh {
            request = request.forcing_refresh();
        }
        Ok(self.credential.get_token(&request)?)
    }

    fn request(&self, op: &Operation) -> http::request::Builder {
        http::Request::builder()
            .method(op.method.clone())
            .uri(match &op.query {
                Some(q) => format!("{}{}?{q}", self.base_url, op.path),
                None => format!(
                    "{}{}?api-version={}",
                    self.base_url, op.path, self.api_version
                ),
            })
            .header(http::header::ACCEPT, "application/json")
            // One id per operation, kept across its retries, to trace it end to end.
            .header("x-ms-client-request-id", op.request_id.as_str())
    }

    fn build(
        &self,
        op: &Operation,
        challenge: &VaultChallenge,
        token: &AccessToken,
        protect: bool,
    ) -> Result<(http::Request<Vec<u8>>, Option<ResponseContext>)> {
        let builder = self.request(op).header(
            http::header::AUTHORIZATION,
            // The service requires the scheme `Bearer`, even for a PoP token.
            format!("Bearer {}", token.token().expose_secret()),
        );
        let (builder, body, context) = match (&op.body, protect, challenge.message_keys()) {
            (Some(body), true, Some(keys)) => {
                let rek = self.response_keys.next_key()?;
                let (protected, context) =
                    Protector::new(keys.clone()).protect(body, token, rek, now_secs())?;
                (
                    builder.header(http::header::CONTENT_TYPE, "application/jose+json"),
                    protected,
                    Some(context),
                )
            }
            (Some(body), _, _) => (
                builder.header(http::header::CONTENT_TYPE, "application/json"),
                body.clone(),
                None,
            ),
            (None, _, _) => (builder, Vec::new(), None),
        };
        let request = builder
            .body(body)
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        Ok((request, context))
    }
}
