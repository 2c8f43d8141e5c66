//! The emulator as a sans-I/O service: one `http::Request` in, one `http::Response` out.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Instant, SystemTime};

use http::{Method, StatusCode};
use kv_jose::{OctKey, RsaPrivateKey, b64};
use serde_json::Value;

use crate::authority::{Authority, TokenRecord};
use crate::error::KvError;
use crate::faults::{Fault, FaultPlan, Faults};
use crate::persist::{DataDir, StoredState, VaultKeys};
use crate::protection::{ResponseKey, SeenRequests};
use crate::store::KeyStore;
use crate::{Config, RESOURCE, Stats};

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// `bytes` random bytes, base64url.
pub(crate) fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // The OS RNG does not fail on supported platforms; an all-zero id is still unique
    // enough for a request id, and tokens are checked by lookup, not by entropy.
    let _ = getrandom::fill(&mut buf);
    b64::encode(&buf)
}

/// 16 random bytes as 32 lowercase hex digits (a Key Vault key version).
pub(crate) fn random_hex() -> String {
    let mut buf = [0u8; 16];
    let _ = getrandom::fill(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// An answer before it becomes an `http::Response`.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: Vec<u8>,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) protected: bool,
}

impl Answer {
    pub(crate) fn json(status: u16, body: &Value) -> Self {
        Answer {
            status,
            content_type: "application/json; charset=utf-8",
            body: body.to_string().into_bytes(),
            headers: Vec::new(),
            protected: false,
        }
    }

    pub(crate) fn empty(status: u16) -> Self {
        Answer {
            status,
            content_type: "application/json; charset=utf-8",
            body: Vec::new(),
            headers: Vec::new(),
            protected: false,
        }
    }

    pub(crate) fn jose(body: String) -> Self {
        Answer {
            status: 200,
            content_type: "application/jose+json; charset=utf-8",
            body: body.into_bytes(),
            headers: Vec::new(),
            protected: true,
        }
    }

    pub(crate) fn into_response(self, request_id: &str) -> http::Response<Vec<u8>> {
        let mut b = http::Response::builder()
            .status(StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
            .header(http::header::CONTENT_TYPE, self.content_type)
            .header("x-ms-request-id", request_id);
        for (name, value) in &self.headers {
            b = b.header(*name, value);
        }
        b.body(self.body).unwrap_or_else(|_| {
            let mut r = http::Response::new(Vec::new());
            *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            r
        })
    }
}

/// The vault's message-protection key pair with their published forms.
pub(crate) struct MessageKeys {
    pub(crate) signing: Arc<RsaPrivateKey>,
    pub(crate) signing_kid: String,
    pub(crate) encryption: Arc<RsaPrivateKey>,
    pub(crate) encryption_kid: String,
    signing_header: String,
    encryption_header: String,
}

impl MessageKeys {
    /// New kids under `base_url` for the two keys.
    pub(crate) fn new(
        base_url: &str,
        signing: Arc<RsaPrivateKey>,
        encryption: Arc<RsaPrivateKey>,
    ) -> Self {
        let signing_kid = format!("{base_url}/message-keys/signing/{}", random_hex());
        let encryption_kid = format!("{base_url}/message-keys/encryption/{}", random_hex());
        MessageKeys::with_kids(signing, signing_kid, encryption, encryption_kid)
    }

    /// The two keys under kids already chosen (a restarted vault keeps its kids).
    pub(crate) fn with_kids(
        signing: Arc<RsaPrivateKey>,
        signing_kid: String,
        encryption: Arc<RsaPrivateKey>,
        encryption_kid: String,
    ) -> Self {
        let published = |key: &RsaPrivateKey, kid: &str, ops: &[&str]| {
            let mut jwk = key.public().to_jwk();
            jwk.kid = Some(kid.to_string());
            jwk.key_ops = Some(ops.iter().map(|s| s.to_string()).collect());
            jwk.to_json()
        };
        MessageKeys {
            signing_header: published(&signing, &signing_kid, &["verify"]),
            encryption_header: published(&encryption, &encryption_kid, &["encrypt", "wrapKey"]),
            signing,
            signing_kid,
            encryption,
            encryption_kid,
        }
    }
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    protected_requests: AtomicU64,
    refused_unprotected: AtomicU64,
    tokens_issued: AtomicU64,
    pop_tokens_issued: AtomicU64,
    faults_injected: AtomicU64,
    connections_accepted: AtomicU64,
}

/// The vault and token authority, with no network attached.
///
/// [`Vault::handle`] answers one request; the HTTP server of
/// [`Emulator`](crate::Emulator) is a thin loop around it, so tests and fuzzers can
/// drive the whole service without sockets.
pub struct Vault {
    pub(crate) config: Config,
    pub(crate) base_url: String,
    pub(crate) message_keys: MessageKeys,
    pub(crate) authority: Authority,
    pub(crate) keys: RwLock<KeyStore>,
    pub(crate) faults: Faults,
    pub(crate) backup_key: OctKey,
    pub(crate) data_dir: Option<(DataDir, VaultKeys)>,
    /// Held by a persisted write from its copy to its swap, so the disk sees writes in
    /// the order memory does while readers go on against the live state.
    write_turn: Mutex<()>,
    /// Digests of protected requests seen inside the freshness window, with their `ts`.
    pub(crate) seen: Mutex<SeenRequests>,
    counters: Counters,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("base_url", &self.base_url)
            .field("tenant", &self.config.tenant)
            .field("message_protection", &self.config.message_protection)
            .finish_non_exhaustive()
    }
}

/// A vault operation, from method and path.
enum Route<'a> {
    List,
    Restore,
    Create(&'a str),
    Import(&'a str),
    Versions(&'a str),
    Get(&'a str, &'a str),
    Update(&'a str, &'a str),
    Delete(&'a str),
    Backup(&'a str),
    Crypto {
        name: &'a str,
        version: &'a str,
        op: CryptoOp,
    },
    ListDeleted,
    GetDeleted(&'a str),
    Purge(&'a str),
    Recover(&'a str),
}

/// The six protectable key operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CryptoOp {
    Encrypt,
    Decrypt,
    WrapKey,
    UnwrapKey,
    Sign,
    Verify,
}

impl CryptoOp {
    fn from_segment(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "encrypt" => Some(CryptoOp::Encrypt),
            "decrypt" => Some(CryptoOp::Decrypt),
            "wrapkey" => Some(CryptoOp::WrapKey),
            "unwrapkey" => Some(CryptoOp::UnwrapKey),
            "sign" => Some(CryptoOp::Sign),
            "verify" => Some(CryptoOp::Verify),
            _ => None,
        }
    }

    /// The `key_ops` entry that permits this operation.
    pub(crate) fn key_op(self) -> &'static str {
        match self {
            CryptoOp::Encrypt => "encrypt",
            CryptoOp::Decrypt => "decrypt",
            CryptoOp::WrapKey => "wrapKey",
            CryptoOp::UnwrapKey => "unwrapKey",
            CryptoOp::Sign => "sign",
            CryptoOp::Verify => "verify",
        }
    }
}

fn route<'a>(method: &Method, segments: &[&'a str]) -> Option<Route<'a>> {
    let op = |s: &str| CryptoOp::from_segment(s);
    Some(match (method.clone(), segments) {
        (Method::GET, ["keys"] | ["keys", ""]) => Route::List,
        (Method::POST, ["keys", "restore"]) => Route::Restore,
        (Method::POST, ["keys", name, "create"]) => Route::Create(name),
        (Method::PUT, ["keys", name]) => Route::Import(name),
        (Method::GET, ["keys", name, "versions"]) => Route::Versions(name),
        (Method::GET, ["keys", name]) => Route::Get(name, ""),
        (Method::GET, ["keys", name, version]) => Route::Get(name, version),
        (Method::PATCH, ["keys", name]) => Route::Update(name, ""),
        (Method::PATCH, ["keys", name, version]) => Route::Update(name, version),
        (Method::DELETE, ["keys", name]) => Route::Delete(name),
        (Method::POST, ["keys", name, "backup"]) => Route::Backup(name),
        (Method::POST, ["keys", name, o]) if op(o).is_some() => Route::Crypto {
            name,
            version: "",
            op: op(o)?,
        },
        (Method::POST, ["keys", name, version, o]) if op(o).is_some() => Route::Crypto {
            name,
            version,
            op: op(o)?,
        },
        (Method::GET, ["deletedkeys"] | ["deletedkeys", ""]) => Route::ListDeleted,
        (Method::GET, ["deletedkeys", name]) => Route::GetDeleted(name),
        (Method::DELETE, ["deletedkeys", name]) => Route::Purge(name),
        (Method::POST, ["deletedkeys", name, "recover"]) => Route::Recover(name),
        _ => return None,
    })
}

pub(crate) fn query_param<'a>(query: &'a str, name: &str) -> Option<std::borrow::Cow<'a, str>> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// api-version must be 7.0 or later (`7.4`, `7.5-preview.1`, …).
fn check_api_version(query: &str) -> Result<(), KvError> {
    let Some(v) = query_param(query, "api-version") else {
        return Err(KvError::bad_parameter(
            "The api-version query parameter is missing (use 7.0 or later).",
        ));
    };
    let major = v.split('.').next().and_then(|m| m.parse::<u32>().ok());
    match major {
        Some(m) if (7..100).contains(&m) => Ok(()),
        _ => Err(KvError::bad_parameter(format!(
            "The api-version '{v}' is not supported here (use 7.0 or later)."
        ))),
    }
}

/// Key Vault object names: 1–127 of `0-9 a-z A-Z -`.
pub(crate) fn check_name(name: &str) -> Result<(), KvError> {
    let ok = (1..=127).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(KvError::bad_parameter(
            "The key name is invalid: it must be 1 to 127 characters of 0-9, a-z, A-Z and -.",
        ))
    }
}

impl Vault {
    pub(crate) fn new(
        config: Config,
        base_url: String,
        message_keys: MessageKeys,
        backup_key: OctKey,
        store: KeyStore,
        data_dir: Option<(DataDir, VaultKeys)>,
    ) -> Self {
        Vault {
            config,
            base_url,
            message_keys,
            authority: Authority::default(),
            keys: RwLock::new(store),
            faults: Faults::default(),
            backup_key,
            data_dir,
            write_turn: Mutex::new(()),
            seen: Mutex::new(SeenRequests::default()),
            counters: Counters::default(),
        }
    }

    pub(crate) fn read_store(&self) -> std::sync::RwLockReadGuard<'_, KeyStore> {
        self.keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Applies a change to the keys. With a data directory, on a copy that is written
    /// durably before it replaces the live state, so an acknowledged write is a
    /// durable one. `change` must fail before it changes anything: in memory it runs
    /// on the live state.
    pub(crate) fn mutate<T>(
        &self,
        change: impl FnOnce(&mut KeyStore) -> Result<T, KvError>,
    ) -> Result<T, KvError> {
        let Some((dir, vault_keys)) = &self.data_dir else {
            return change(
                &mut self
                    .keys
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            );
        };
        let _turn = self
            .write_turn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut next = self.read_store().clone();
        let out = change(&mut next)?;
        dir.save(&StoredState::of(vault_keys, &next)).map_err(|e| {
            KvError::new(
                500,
                "InternalError",
                format!("could not write the data directory: {e}"),
            )
        })?;
        *self
            .keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = next;
        Ok(out)
    }

    /// The base URL the vault writes into key ids and challenges.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Counts of what the vault has served.
    pub fn stats(&self) -> Stats {
        let c = &self.counters;
        Stats {
            requests: c.requests.load(Ordering::Relaxed),
            protected_requests: c.protected_requests.load(Ordering::Relaxed),
            refused_unprotected: c.refused_unprotected.load(Ordering::Relaxed),
            tokens_issued: c.tokens_issued.load(Ordering::Relaxed),
            pop_tokens_issued: c.pop_tokens_issued.load(Ordering::Relaxed),
            faults_injected: c.faults_injected.load(Ordering::Relaxed),
            connections_accepted: c.connections_accepted.load(Ordering::Relaxed),
        }
    }

    /// How many versions the key `name` has (0 if it does not exist).
    pub fn key_versions(&self, name: &str) -> usize {
        self.read_store().version_count(name)
    }

    pub(crate) fn count_connection(&self) {
        self.counters
            .connections_accepted
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Adds scripted faults for the next matching requests.
    pub fn inject(&self, rules: impl IntoIterator<Item = crate::FaultRule>) {
        self.faults.plan(FaultPlan {
            script: rules.into_iter().collect(),
            random: None,
        });
    }

    /// Applies `fault` to a random share (`rate`, 0.0 to 1.0) of requests.
    pub fn inject_random(&self, random: crate::RandomFault) {
        self.faults.plan(FaultPlan {
            script: Vec::new(),
            random: Some(random),
        });
    }

    /// Removes every pending fault.
    pub fn clear_faults(&self) {
        self.faults.clear();
    }

    /// The fault for this request, if one is due (used by the HTTP server; faults
    /// that drop connections need it).
    pub(crate) fn fault_for(&self, path: &str) -> Option<Fault> {
        if path.starts_with("/_emulator/") {
            return None;
        }
        let fault = self.faults.next(path);
        if fault.is_some() {
            self.counters
                .faults_injected
                .fetch_add(1, Ordering::Relaxed);
        }
        fault
    }

    /// The answer to a throttling or outage fault.
    pub(crate) fn fault_answer(fault: &Fault) -> Option<http::Response<Vec<u8>>> {
        let answer = match fault {
            Fault::Throttle { retry_after_ms } => {
                let mut a = KvError::new(429, "Throttled", "Request was not processed because too many requests were received. Retry after the delay given.").into_answer();
                a.headers
                    .push(("retry-after", retry_after_ms.div_ceil(1000).to_string()));
                a.headers
                    .push(("x-ms-retry-after-ms", retry_after_ms.to_string()));
                a
            }
            Fault::Unavailable => KvError::new(
                503,
                "ServiceUnavailable",
                "The service is temporarily unavailable; retry.",
            )
            .into_answer(),
            _ => return None,
        };
        Some(answer.into_response(&random_hex()))
    }

    /// Answers one request, as the HTTP server would.
    pub fn handle(&self, request: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
        let started = Instant::now();
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let answer = self.route(&request);
        if answer.protected {
            self.counters
                .protected_requests
                .fetch_add(1, Ordering::Relaxed);
        }
        if let Some(log) = &self.config.request_log {
            // Path only: queries and bodies may carry values, headers carry tokens.
            log.write(&format!(
                "kv-emulator: {} {} -> {} {} {:.1} ms",
                request.method(),
                request.uri().path(),
                answer.status,
                if answer.protected {
                    "protected"
                } else {
                    "plain"
                },
                started.elapsed().as_secs_f64() * 1000.0,
            ));
        }
        answer.into_response(&random_hex())
    }

    fn route(&self, request: &http::Request<Vec<u8>>) -> Answer {
        let path = request.uri().path();
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let method = request.method();
        match segments.as_slice() {
            [tenant, "oauth2", rest @ ..] if *method == Method::POST => {
                let v2 = match rest {
                    ["token"] => false,
                    ["v2.0", "token"] => true,
                    _ => return not_found(),
                };
                let (answer, pop) = self
                    .authority
                    .token(&self.config, tenant, v2, request.body());
                if answer.status == 200 {
                    self.counters.tokens_issued.fetch_add(1, Ordering::Relaxed);
                    if pop {
                        self.counters
                            .pop_tokens_issued
                            .fetch_add(1, Ordering::Relaxed);
                    }
                }
                answer
            }
            ["_emulator", "faults"] => self.admin_faults(request),
            ["keys" | "deletedkeys", ..] => match self.vault(request, &segments) {
                Ok(answer) => answer,
                Err(e) => e.into_answer(),
            },
            _ => not_found(),
        }
    }

    /// `POST /_emulator/faults` adds a plan, `DELETE` clears. The server is loopback-only.
    fn admin_faults(&self, request: &http::Request<Vec<u8>>) -> Answer {
        match *request.method() {
            Method::DELETE => {
                self.faults.clear();
                Answer::json(200, &serde_json::json!({"cleared": true}))
            }
            Method::POST => match serde_json::from_slice::<FaultPlan>(request.body()) {
                Ok(plan) => {
                    let n = plan.script.len();
                    self.faults.plan(plan);
                    Answer::json(200, &serde_json::json!({"scheduled": n}))
                }
                Err(e) => KvError::bad_parameter(format!("not a fault plan: {e}")).into_answer(),
            },
            _ => not_found(),
        }
    }

    /// The 401 challenge (PROTOCOL.md §1), with the message keys when protection is on.
    fn challenge(&self, message: &str) -> Answer {
        let mut answer = KvError::unauthorized(message).into_answer();
        let pop = if self.config.message_protection {
            r#", supportspop="true""#
        } else {
            ""
        };
        answer.headers.push((
            "www-authenticate",
            format!(
                r#"Bearer authorization="{}/{}", resource="{RESOURCE}"{pop}"#,
                self.base_url, self.config.tenant
            ),
        ));
        if self.config.message_protection {
            let k = &self.message_keys;
            answer
                .headers
                .push(("x-ms-message-signing-key", k.signing_header.clone()));
            answer
                .headers
                .push(("x-ms-message-encryption-key", k.encryption_header.clone()));
        }
        answer
    }

    fn authenticate(
        &self,
        request: &http::Request<Vec<u8>>,
    ) -> Result<(String, Arc<TokenRecord>), Answer> {
        let header = request
            .headers()
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let Some(header) = header else {
            return Err(self.challenge("AKV10000: Request is missing a Bearer or PoP token."));
        };
        let token = header
            .split_once(' ')
            .filter(|(scheme, _)| {
                scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("pop")
            })
            .map(|(_, t)| t.trim())
            .filter(|t| !t.is_empty());
        let Some(token) = token else {
            return Err(
                self.challenge("AKV10001: The Authorization header is not a Bearer or PoP token.")
            );
        };
        match self.authority.lookup(token) {
            Some(record) => Ok((token.to_string(), record)),
            None => Err(self.challenge("AKV10022: The token is invalid or has expired.")),
        }
    }

    fn vault(
        &self,
        request: &http::Request<Vec<u8>>,
        segments: &[&str],
    ) -> Result<Answer, KvError> {
        let (token, record) = match self.authenticate(request) {
            Ok(t) => t,
            Err(challenge) => return Ok(challenge),
        };
        let query = request.uri().query().unwrap_or_default();
        check_api_version(query)?;
        let Some(route) = route(request.method(), segments) else {
            return Err(KvError::new(
                404,
                "NotFound",
                "No such operation on this vault.",
            ));
        };
        let body = || parse_json(request.body());
        let ok = |v: Value| Answer::json(200, &v);
        match route {
            Route::List => self.list_keys(query).map(ok),
            Route::Restore => self.restore(&body()?).map(ok),
            Route::Create(name) => self.create(name, &body()?).map(ok),
            Route::Import(name) => self.import(name, &body()?).map(ok),
            Route::Versions(name) => self.list_versions(name, query).map(ok),
            Route::Get(name, version) => self.get(name, version).map(ok),
            Route::Update(name, version) => self.update(name, version, &body()?).map(ok),
            Route::Delete(name) => self.delete(name).map(ok),
            Route::Backup(name) => self.backup(name).map(ok),
            Route::ListDeleted => self.list_deleted(query).map(ok),
            Route::GetDeleted(name) => self.get_deleted(name).map(ok),
            Route::Purge(name) => self.purge(name).map(|()| Answer::empty(204)),
            Route::Recover(name) => self.recover(name).map(ok),
            Route::Crypto { name, version, op } => {
                let is_jose = request
                    .headers()
                    .get(http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|ct| ct.to_ascii_lowercase().contains("application/jose+json"));
                match (self.config.message_protection, is_jose) {
                    (true, true) => {
                        let (body, rek): (Value, ResponseKey) =
                            self.unprotect(request.body(), &token, &record)?;
                        let answer = self.crypto(name, version, op, &body)?;
                        self.protect(&answer, &rek)
                    }
                    (true, false) => {
                        self.counters
                            .refused_unprotected
                            .fetch_add(1, Ordering::Relaxed);
                        Err(KvError::bad_parameter(
                            "This vault requires message protection for key operations: send the body as a flattened JWS (Content-Type: application/jose+json) signed with a PoP key and carrying a JWE.",
                        ))
                    }
                    (false, true) => Err(KvError::bad_parameter(
                        "Message protection is not enabled on this vault: send a plain JSON body.",
                    )),
                    (false, false) => self.crypto(name, version, op, &body()?).map(ok),
                }
            }
        }
    }
}

fn not_found() -> Answer {
    KvError::new(404, "NotFound", "Not found.").into_answer()
}

pub(crate) fn parse_json(body: &[u8]) -> Result<Value, KvError> {
    if body.is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(body).map_err(|e| {
        KvError::bad_parameter(format!(
            "The request body is not valid JSON (line {} column {}).",
            e.line(),
            e.column()
        ))
    })
}
