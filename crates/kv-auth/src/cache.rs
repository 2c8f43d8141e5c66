//! A token cache that refreshes ahead of expiry, one fetch per key at a time.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use crate::{AccessToken, Endpoint, Result, TokenRequest, TokenScheme};

/// A source of the current time, injectable so expiry can be tested.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// Default: refresh a token this long before it expires.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// What a cached token is for. Authority, tenant, resource and scope compare
/// case-insensitively (they are URLs and tenant names); the client id exactly.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    authority_host: String,
    tenant: String,
    resource: Option<String>,
    scope: Option<String>,
    scheme: TokenScheme,
    client: String,
}

impl CacheKey {
    fn of(endpoint: &Endpoint, r: &TokenRequest, client: &str) -> Self {
        let lower = |s: &Option<String>| s.as_ref().map(|s| s.to_ascii_lowercase());
        CacheKey {
            authority_host: endpoint
                .authority_host
                .trim_end_matches('/')
                .to_ascii_lowercase(),
            tenant: endpoint.tenant.to_ascii_lowercase(),
            resource: lower(&r.resource),
            scope: lower(&r.scope),
            scheme: r.scheme,
            client: client.to_string(),
        }
    }
}

#[derive(Debug)]
struct Entry {
    token: Arc<AccessToken>,
    refresh_at: SystemTime,
}

/// Caches tokens per (authority, tenant, resource, scope, scheme, client).
///
/// A token is refreshed once `now` passes `expires_on - margin`, where the margin is
/// the configured one or half the token's lifetime if that is shorter (so a short-lived
/// token does not cause a refresh on every call). If a refresh fails while the old
/// token is still valid, the old token is returned. Callers for the same key wait for
/// one fetch instead of each making their own.
#[derive(Debug)]
pub struct TokenCache {
    slots: Mutex<HashMap<CacheKey, Arc<Mutex<Option<Entry>>>>>,
    margin: Duration,
    clock: Arc<dyn Clock>,
}

impl Default for TokenCache {
    fn default() -> Self {
        TokenCache::new(DEFAULT_REFRESH_MARGIN, Arc::new(SystemClock))
    }
}

impl TokenCache {
    /// A cache with a refresh margin and a clock.
    pub fn new(margin: Duration, clock: Arc<dyn Clock>) -> Self {
        TokenCache {
            slots: Mutex::new(HashMap::new()),
            margin,
            clock,
        }
    }

    /// The cache's clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Returns the cached token for `request` to `endpoint` for `client`, or runs
    /// `fetch` (once, for all concurrent callers with the same key) and caches its
    /// answer.
    ///
    /// # Errors
    ///
    /// The error of `fetch`, when no still-valid token can stand in.
    pub fn get_or_fetch(
        &self,
        endpoint: &Endpoint,
        request: &TokenRequest,
        client: &str,
        fetch: impl FnOnce() -> Result<AccessToken>,
    ) -> Result<Arc<AccessToken>> {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            slots
                .entry(CacheKey::of(endpoint, request, client))
                .or_default()
                .clone()
        };
        // Holding the slot lock during the fetch is what makes it single-flight.
        let mut entry = slot.lock().unwrap_or_else(PoisonError::into_inner);
        let now = self.clock.now();
        if let Some(e) = entry.as_ref()
            && !request.force_refresh
            && now < e.refresh_at
        {
            return Ok(e.token.clone());
        }
        match fetch() {
            Ok(token) => {
                let lifetime = token.expires_on().duration_since(now).unwrap_or_default();
                let margin = self.margin.min(lifetime / 2);
                let token = Arc::new(token);
                *entry = Some(Entry {
                    refresh_at: token.expires_on() - margin,
                    token: token.clone(),
                });
                Ok(token)
            }
            Err(err) => match entry.as_ref() {
                Some(e) if !request.force_refresh && now < e.token.expires_on() => {
                    Ok(e.token.clone())
                }
                _ => Err(err),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::Error;

    #[derive(Debug)]
    struct FakeClock(Mutex<SystemTime>);

    impl FakeClock {
        fn advance(&self, d: Duration) {
            *self.0.lock().unwrap() += d;
        }
    }

    impl Clock for FakeClock {
        fn now(&self) -> SystemTime {
            *self.0.lock().unwrap()
        }
    }

    fn ep() -> Endpoint {
        Endpoint {
            authority_host: "https://login.example".into(),
            tenant: "common".into(),
        }
    }

    fn setup() -> (Arc<FakeClock>, TokenCache, TokenRequest) {
        let clock = Arc::new(FakeClock(Mutex::new(
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000),
        )));
        let cache = TokenCache::new(DEFAULT_REFRESH_MARGIN, clock.clone());
        let req = TokenRequest::new(
            "https://login.example",
            Some("common".into()),
            Some("https://vault.azure.net".into()),
            None,
            TokenScheme::Bearer,
        );
        (clock, cache, req)
    }

    fn token(clock: &FakeClock, name: &str, lifetime: u64) -> AccessToken {
        AccessToken::bearer(name, clock.now() + Duration::from_secs(lifetime))
    }

    #[test]
    fn refreshes_ahead_of_expiry_not_before() {
        let (clock, cache, req) = setup();
        let t1 = cache
            .get_or_fetch(&ep(), &req, "client", || Ok(token(&clock, "t1", 3600)))
            .unwrap();
        clock.advance(Duration::from_secs(3600 - 301));
        let same = cache
            .get_or_fetch(&ep(), &req, "client", || panic!("must not refetch yet"))
            .unwrap();
        assert!(Arc::ptr_eq(&t1, &same));
        clock.advance(Duration::from_secs(2));
        let t2 = cache
            .get_or_fetch(&ep(), &req, "client", || Ok(token(&clock, "t2", 3600)))
            .unwrap();
        assert_eq!(t2.token().expose_secret(), "t2");
    }

    #[test]
    fn keys_differ_by_scheme_and_match_case_insensitively() {
        let (clock, cache, req) = setup();
        cache
            .get_or_fetch(&ep(), &req, "client", || Ok(token(&clock, "bearer", 3600)))
            .unwrap();
        // The key is the resolved endpoint (not the request's authority host) plus
        // resource, scope and scheme.
        let upper_ep = Endpoint {
            authority_host: "HTTPS://LOGIN.EXAMPLE/".into(),
            tenant: "COMMON".into(),
        };
        let mut upper = req.clone();
        upper.resource = Some("HTTPS://VAULT.AZURE.NET".into());
        assert_eq!(
            cache
                .get_or_fetch(&upper_ep, &upper, "client", || panic!("same key"))
                .unwrap()
                .token()
                .expose_secret(),
            "bearer"
        );
        let mut pop = req.clone();
        pop.scheme = TokenScheme::Pop;
        assert_eq!(
            cache
                .get_or_fetch(&ep(), &pop, "client", || Ok(token(&clock, "pop", 3600)))
                .unwrap()
                .token()
                .expose_secret(),
            "pop"
        );
    }

    #[test]
    fn a_failed_refresh_keeps_the_still_valid_token() {
        let (clock, cache, req) = setup();
        cache
            .get_or_fetch(&ep(), &req, "client", || Ok(token(&clock, "t1", 3600)))
            .unwrap();
        clock.advance(Duration::from_secs(3400));
        let kept = cache
            .get_or_fetch(&ep(), &req, "client", || {
                Err(Error::Config("authority down".into()))
            })
            .unwrap();
        assert_eq!(kept.token().expose_secret(), "t1");
        clock.advance(Duration::from_secs(200));
        assert!(
            cache
                .get_or_fetch(&ep(), &req, "client", || Err(Error::Config("down".into())))
                .is_err()
        );
    }

    #[test]
    fn a_short_lifetime_does_not_refresh_on_every_call() {
        let (clock, cache, req) = setup();
        let fetches = AtomicUsize::new(0);
        let fetch = || {
            fetches.fetch_add(1, Ordering::SeqCst);
            Ok(token(&clock, "short", 120))
        };
        cache.get_or_fetch(&ep(), &req, "client", fetch).unwrap();
        for _ in 0..10 {
            cache
                .get_or_fetch(&ep(), &req, "client", || panic!("refresh storm"))
                .unwrap();
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        clock.advance(Duration::from_secs(61));
        cache
            .get_or_fetch(&ep(), &req, "client", || Ok(token(&clock, "again", 120)))
            .unwrap();
    }

    #[test]
    fn force_refresh_skips_the_cache() {
        let (clock, cache, req) = setup();
        cache
            .get_or_fetch(&ep(), &req, "client", || Ok(token(&clock, "t1", 3600)))
            .unwrap();
        let t2 = cache
            .get_or_fetch(&ep(), &req.clone().forcing_refresh(), "client", || {
                Ok(token(&clock, "t2", 3600))
            })
            .unwrap();
        assert_eq!(t2.token().expose_secret(), "t2");
    }

    #[test]
    fn sixteen_concurrent_callers_make_one_request() {
        let (clock, cache, req) = setup();
        let fetches = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..16 {
                s.spawn(|| {
                    cache
                        .get_or_fetch(&ep(), &req, "client", || {
                            fetches.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(50));
                            Ok(token(&clock, "one", 3600))
                        })
                        .unwrap()
                });
            }
        });
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }
}
