//! The response encryption key (`rek`): what the vault encrypts each answer to.
//!
//! Each protected request carries a `rek` JWK with a `kid`; the vault must encrypt
//! its answer to that key and name that `kid` in the answer's JWE header, which it
//! signs. That `kid` is what binds an answer to its request: a replayed older answer
//! names another `kid` and is refused. It stays unique per request whatever the
//! source below, so reusing the key *material* does not weaken the binding; what
//! reuse changes is how many answers one private key can decrypt if it leaks.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use kv_jose::{CryptoProvider, Jwk, RsaPrivateKey};

use crate::{Error, ProtectionError, Result};

/// An RSA key whose public half goes into a protected request as `rek`, and whose
/// private half decrypts the answer. `Debug` shows only the kid.
pub struct ResponseKey {
    kid: String,
    key: Arc<RsaPrivateKey>,
}

impl fmt::Debug for ResponseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

fn generate(provider: CryptoProvider) -> Result<RsaPrivateKey> {
    RsaPrivateKey::generate_with(2048, provider)
        .map_err(|e| Error::Protection(ProtectionError::Protect(e)))
}

impl ResponseKey {
    /// A fresh RSA-2048 key with a random UUID kid (slow: tens of milliseconds).
    ///
    /// # Errors
    ///
    /// [`Error::Protection`] if key generation fails.
    pub fn generate() -> Result<Self> {
        ResponseKey::generate_with(CryptoProvider::default())
    }

    /// As [`generate`](Self::generate), the key done by `provider`.
    ///
    /// # Errors
    ///
    /// As [`generate`](Self::generate).
    pub fn generate_with(provider: CryptoProvider) -> Result<Self> {
        Ok(ResponseKey::from_key(
            uuid::Uuid::new_v4().to_string(),
            generate(provider)?,
        ))
    }

    /// Wraps an existing key.
    pub fn from_key(kid: impl Into<String>, key: impl Into<Arc<RsaPrivateKey>>) -> Self {
        ResponseKey {
            kid: kid.into(),
            key: key.into(),
        }
    }

    /// The kid the answer's JWE must name.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The private key that decrypts the answer.
    pub fn key(&self) -> &RsaPrivateKey {
        &self.key
    }

    /// The public JWK sent as `rek.jwk` (PROTOCOL.md §3 step 1).
    pub fn public_jwk(&self) -> Jwk {
        let mut jwk = self.key.public().to_jwk();
        jwk.kid = Some(self.kid.clone());
        jwk.key_ops = Some(vec!["encrypt".into(), "wrapKey".into(), "verify".into()]);
        jwk
    }
}

/// Where response keys come from: the seam that decides how `rek` keys are made and
/// reused.
///
/// Each protected request asks for one key, and every key handed out must have a
/// `kid` never handed out before (that is what binds an answer to its request).
pub trait ResponseKeySource: Send + Sync + fmt::Debug {
    /// The key for the next protected request.
    ///
    /// # Errors
    ///
    /// When no key can be made.
    fn next_key(&self) -> Result<Arc<ResponseKey>>;
}

/// A fresh key generated for every request, on the request path, as the reference
/// client does: each private key decrypts exactly one answer, and every protected
/// call pays a key generation (tens of milliseconds). For comparison and for the
/// most cautious deployments; [`RotatingKeys`] is the default.
///
/// ```
/// use kv_client::{FreshKeyPerRequest, ResponseKeySource};
/// let keys = FreshKeyPerRequest::new();
/// assert_ne!(keys.next_key()?.public_jwk().n, keys.next_key()?.public_jwk().n);
/// # Ok::<(), kv_client::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct FreshKeyPerRequest {
    provider: CryptoProvider,
}

impl FreshKeyPerRequest {
    /// Keys done by the default provider.
    pub fn new() -> Self {
        FreshKeyPerRequest::default()
    }

    /// Keys done by `provider`.
    pub fn with_provider(provider: CryptoProvider) -> Self {
        FreshKeyPerRequest { provider }
    }
}

impl ResponseKeySource for FreshKeyPerRequest {
    fn next_key(&self) -> Result<Arc<ResponseKey>> {
        ResponseKey::generate_with(self.provider).map(Arc::new)
    }
}

/// The key generated ahead of need by a background thread.
#[derive(Default)]
struct Next {
    key: Option<Arc<RsaPrivateKey>>,
    in_flight: bool,
}

struct Current {
    key: Arc<RsaPrivateKey>,
    uses: u64,
    born: Instant,
}

struct Shared {
    next: Mutex<Next>,
    ready: Condvar,
    generated_in_background: AtomicU64,
}

/// The default source: one RSA key pair for many requests, each with its own fresh
/// `kid`, replaced after `max_uses` requests or `max_age`; the replacement is
/// generated in the background before it is needed, so no request waits for a key
/// generation once the first key exists.
///
/// The trade-off against [`FreshKeyPerRequest`]: answers stay bound to their requests
/// (unique `kid`s, signed by the vault), but if the current private key leaked from
/// this process, the answers encrypted to it during its lifetime could be decrypted.
/// `max_uses(1)` gives every request its own key and still keeps generation off the
/// request path while requests come slower than keys are made.
///
/// ```
/// use kv_client::{ResponseKeySource, RotatingKeys};
/// let keys = RotatingKeys::new().max_uses(100);
/// let (a, b) = (keys.next_key()?, keys.next_key()?);
/// assert_ne!(a.kid(), b.kid(), "one kid per request");
/// assert_eq!(a.public_jwk().n, b.public_jwk().n, "the same key pair");
/// # Ok::<(), kv_client::Error>(())
/// ```
pub struct RotatingKeys {
    current: Mutex<Option<Current>>,
    shared: Arc<Shared>,
    max_uses: u64,
    max_age: Duration,
    provider: CryptoProvider,
    generated_on_request_path: AtomicU64,
}

impl fmt::Debug for RotatingKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RotatingKeys")
            .field("max_uses", &self.max_uses)
            .field("max_age", &self.max_age)
            .finish_non_exhaustive()
    }
}

impl Default for RotatingKeys {
    fn default() -> Self {
        RotatingKeys::new()
    }
}

impl RotatingKeys {
    /// A source with the defaults (a new key pair every 10 000 requests or hour),
    /// starting the first key generation in the background now.
    pub fn new() -> Self {
        RotatingKeys::with_provider(CryptoProvider::default())
    }

    /// As [`new`](Self::new), making keys with `provider`.
    pub fn with_provider(provider: CryptoProvider) -> Self {
        let keys = RotatingKeys {
            current: Mutex::new(None),
            shared: Arc::new(Shared {
                next: Mutex::new(Next::default()),
                ready: Condvar::new(),
                generated_in_background: AtomicU64::new(0),
            }),
            max_uses: 10_000,
            max_age: Duration::from_secs(3600),
            provider,
            generated_on_request_path: AtomicU64::new(0),
        };
        keys.prepare_next();
        keys
    }

    /// Requests per key pair (at least 1).
    pub fn max_uses(mut self, n: u64) -> Self {
        self.max_uses = n.max(1);
        self
    }

    /// Lifetime of a key pair.
    pub fn max_age(mut self, age: Duration) -> Self {
        self.max_age = age;
        self
    }

    /// Key generations a request had to wait for because no prepared key was ready
    /// (after warm-up this should stay at zero).
    pub fn generated_on_request_path(&self) -> u64 {
        self.generated_on_request_path.load(Ordering::Relaxed)
    }

    /// Key generations done ahead of need, in the background.
    pub fn generated_in_background(&self) -> u64 {
        self.shared.generated_in_background.load(Ordering::Relaxed)
    }

    /// Starts generating the next key pair on a background thread, unless one is ready
    /// or already being made.
    fn prepare_next(&self) {
        {
            let mut next = self
                .shared
                .next
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if next.key.is_some() || next.in_flight {
                return;
            }
            next.in_flight = true;
        }
        let (shared, provider) = (self.shared.clone(), self.provider);
        let spawned = std::thread::Builder::new()
            .name("kv-client-rek".into())
            .spawn(move || {
                let key = generate(provider).ok().map(Arc::new);
                let mut next = shared.next.lock().unwrap_or_else(PoisonError::into_inner);
                next.in_flight = false;
                if key.is_some() {
                    shared
                        .generated_in_background
                        .fetch_add(1, Ordering::Relaxed);
                }
                next.key = key;
                shared.ready.notify_all();
            });
        if spawned.is_err() {
            let mut next = self
                .shared
                .next
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            next.in_flight = false;
        }
    }

    /// The prepared key pair, waiting for one in the making; generated here only if
    /// none is on its way.
    fn take_next(&self) -> Result<Arc<RsaPrivateKey>> {
        let mut next = self
            .shared
            .next
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(key) = next.key.take() {
                return Ok(key);
            }
            if !next.in_flight {
                drop(next);
                self.generated_on_request_path
                    .fetch_add(1, Ordering::Relaxed);
                return generate(self.provider).map(Arc::new);
            }
            next = self
                .shared
                .ready
                .wait(next)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl ResponseKeySource for RotatingKeys {
    fn next_key(&self) -> Result<Arc<ResponseKey>> {
        // Held while a worn pair is replaced, so concurrent requests share the one
        // prepared replacement instead of each taking one.
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        let c = match current.as_mut() {
            Some(c) if c.uses < self.max_uses && c.born.elapsed() < self.max_age => c,
            _ => {
                let key = self.take_next()?;
                self.prepare_next();
                current.insert(Current {
                    key,
                    uses: 0,
                    born: Instant::now(),
                })
            }
        };
        c.uses += 1;
        Ok(Arc::new(ResponseKey::from_key(
            uuid::Uuid::new_v4().to_string(),
            c.key.clone(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kids_are_unique_and_keys_rotate_without_waiting() {
        let keys = RotatingKeys::new().max_uses(3);
        let mut kids = std::collections::HashSet::new();
        let mut moduli = Vec::new();
        for _ in 0..9 {
            let k = keys.next_key().unwrap();
            assert!(
                kids.insert(k.kid().to_string()),
                "a kid was handed out twice"
            );
            moduli.push(k.public_jwk().n.unwrap());
            // Give the background generator time to prepare the next pair.
            std::thread::sleep(Duration::from_millis(if kids.len() % 3 == 0 {
                400
            } else {
                0
            }));
        }
        assert_eq!(moduli[0], moduli[2]);
        assert_ne!(moduli[2], moduli[3], "rotated after 3 uses");
        assert_ne!(moduli[5], moduli[6]);
        assert_eq!(
            keys.generated_on_request_path(),
            0,
            "every pair was prepared in the background"
        );
        assert!(keys.generated_in_background() >= 3);
    }
}
