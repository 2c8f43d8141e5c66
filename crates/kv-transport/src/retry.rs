//! The pieces of a retry policy: which answers are worth another attempt, how long
//! to wait, and when to give up. The loop itself lives above message protection (in
//! `kv-client`), because every attempt of a protected request must be protected
//! afresh.

use std::time::{Duration, SystemTime};

use crate::{Error, Sent};

/// Statuses that may succeed on another attempt.
const RETRYABLE: [u16; 6] = [408, 429, 500, 502, 503, 504];
/// Statuses by which the server says it did not act on the request. Not 503: a
/// gateway may answer 503 after the service behind it acted.
const NOT_PROCESSED: [u16; 2] = [408, 429];

/// Whether an answer with `status` may succeed on another attempt (408, 429, 500,
/// 502, 503, 504), whatever the operation.
///
/// ```
/// assert!(kv_transport::is_retryable_status(429));
/// assert!(!kv_transport::is_retryable_status(404));
/// ```
pub fn is_retryable_status(status: u16) -> bool {
    RETRYABLE.contains(&status)
}

/// Retry settings: capped exponential backoff with equal jitter, honouring the
/// server's `Retry-After`, within a number of attempts and a total time.
///
/// ```
/// use std::time::Duration;
/// let policy = kv_transport::RetryPolicy::default()
///     .max_attempts(5)
///     .initial_delay(Duration::from_millis(100));
/// assert!(policy.backoff(3) <= Duration::from_millis(800));
/// ```
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
    max_total: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts, 800 ms initial delay doubling to at most 30 s, `Retry-After`
    /// honoured up to 60 s, 2 minutes in all.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_delay: Duration::from_millis(800),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
            max_total: Duration::from_secs(120),
        }
    }
}

/// Whether and why an attempt may be repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Try again after this delay.
    RetryAfter(Duration),
    /// Stop and report what happened.
    Stop,
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Delay before the first retry; it doubles each time.
    pub fn initial_delay(mut self, d: Duration) -> Self {
        self.initial_delay = d;
        self
    }

    /// Largest backoff delay.
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// Largest `Retry-After` honoured; a longer one stops retrying.
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// Largest total time spent across attempts and waits.
    pub fn max_total(mut self, d: Duration) -> Self {
        self.max_total = d;
        self
    }

    /// The capped exponential delay before retry number `retry` (1-based), without
    /// jitter.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.initial_delay
            .saturating_mul(factor)
            .min(self.max_delay)
    }

    /// Equal jitter: a random delay in `[backoff/2, backoff]`, so a retry never comes
    /// much sooner than the backoff asks.
    fn jittered(&self, retry: u32) -> Duration {
        let base = self.backoff(retry);
        let mut b = [0u8; 2];
        let _ = getrandom::fill(&mut b);
        let fraction = f64::from(u16::from_be_bytes(b)) / f64::from(u16::MAX);
        base.mul_f64(0.5 + fraction / 2.0)
    }

    fn bounded(&self, attempt: u32, elapsed: Duration, wait: Duration) -> Decision {
        if attempt >= self.max_attempts || elapsed.saturating_add(wait) > self.max_total {
            Decision::Stop
        } else {
            Decision::RetryAfter(wait)
        }
    }

    /// After attempt number `attempt` (1-based) got `response`: retry?
    ///
    /// Retries 408, 429, 500, 502, 503, 504. Only 408 and 429 say the server did not
    /// act; the others may follow a change, so they are retried only for an
    /// idempotent operation. The server's
    /// `Retry-After` wins over backoff; one longer than the cap stops retrying.
    pub fn after_response<B>(
        &self,
        attempt: u32,
        elapsed: Duration,
        response: &http::Response<B>,
        idempotent: bool,
    ) -> Decision {
        let status = response.status().as_u16();
        if !is_retryable_status(status) || (!idempotent && !NOT_PROCESSED.contains(&status)) {
            return Decision::Stop;
        }
        let wait = match retry_after(response.headers(), SystemTime::now()) {
            Some(d) if d > self.max_retry_after => return Decision::Stop,
            Some(d) => d,
            None => self.jittered(attempt),
        };
        self.bounded(attempt, elapsed, wait)
    }

    /// After attempt number `attempt` failed with `error`: retry? A request that may
    /// have reached the server is retried only for an idempotent operation.
    pub fn after_error(
        &self,
        attempt: u32,
        elapsed: Duration,
        error: &Error,
        idempotent: bool,
    ) -> Decision {
        let retryable = match error {
            Error::InsecureUrl { .. } | Error::InvalidRequest { .. } | Error::TooLarge { .. } => {
                false
            }
            e => e.sent() == Sent::No || idempotent,
        };
        if !retryable {
            return Decision::Stop;
        }
        self.bounded(attempt, elapsed, self.jittered(attempt))
    }
}

/// The server's requested delay: `retry-after-ms`, `x-ms-retry-after-ms`, or
/// `Retry-After` as seconds or an HTTP-date (relative to `now`).
///
/// ```
/// let mut h = http::HeaderMap::new();
/// h.insert("retry-after", "2".parse().unwrap());
/// assert_eq!(kv_transport::retry_after(&h, std::time::SystemTime::now()), Some(std::time::Duration::from_secs(2)));
/// ```
pub fn retry_after(headers: &http::HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = text(name).and_then(|v| v.parse::<u64>().ok()) {
            return Some(Duration::from_millis(ms));
        }
    }
    let value = text("retry-after")?;
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, headers: &[(&str, &str)]) -> http::Response<()> {
        let mut b = http::Response::builder().status(status);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap()
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        let h = |k: &str, v: &str| answer(429, &[(k, v)]).headers().clone();
        assert_eq!(
            retry_after(&h("retry-after", "3"), now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after(&h("retry-after-ms", "250"), now),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            retry_after(&h("x-ms-retry-after-ms", "40"), now),
            Some(Duration::from_millis(40))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(
            retry_after(&h("retry-after", &date), now),
            Some(Duration::from_secs(7))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(7));
        assert_eq!(
            retry_after(&h("retry-after", &past), now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&h("retry-after", "soon"), now), None);
    }

    #[test]
    fn which_statuses_are_retried() {
        let p = RetryPolicy::default().initial_delay(Duration::from_millis(10));
        for status in [408, 429] {
            assert!(
                matches!(
                    p.after_response(1, Duration::ZERO, &answer(status, &[]), false),
                    Decision::RetryAfter(_)
                ),
                "{status}"
            );
        }
        for status in [500, 502, 503, 504] {
            assert!(
                matches!(
                    p.after_response(1, Duration::ZERO, &answer(status, &[]), true),
                    Decision::RetryAfter(_)
                ),
                "{status}"
            );
            assert_eq!(
                p.after_response(1, Duration::ZERO, &answer(status, &[]), false),
                Decision::Stop,
                "{status} may have acted"
            );
        }
        for status in [200, 400, 401, 403, 404, 409] {
            assert_eq!(
                p.after_response(1, Duration::ZERO, &answer(status, &[]), true),
                Decision::Stop,
                "{status}"
            );
        }
    }

    #[test]
    fn attempts_total_time_and_retry_after_are_bounded() {
        let p = RetryPolicy::default()
            .max_attempts(3)
            .max_total(Duration::from_secs(10));
        let throttled = answer(429, &[("retry-after", "2")]);
        assert_eq!(
            p.after_response(1, Duration::ZERO, &throttled, true),
            Decision::RetryAfter(Duration::from_secs(2))
        );
        assert_eq!(
            p.after_response(3, Duration::ZERO, &throttled, true),
            Decision::Stop
        );
        assert_eq!(
            p.after_response(1, Duration::from_secs(9), &throttled, true),
            Decision::Stop
        );
        let too_long = answer(429, &[("retry-after", "3600")]);
        assert_eq!(
            p.after_response(1, Duration::ZERO, &too_long, true),
            Decision::Stop
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_inside() {
        let p = RetryPolicy::default()
            .initial_delay(Duration::from_millis(100))
            .max_delay(Duration::from_millis(500));
        assert_eq!(
            [1, 2, 3, 4, 10].map(|r| p.backoff(r).as_millis()),
            [100, 200, 400, 500, 500]
        );
        for retry in 1..6 {
            let j = p.jittered(retry);
            assert!(j >= p.backoff(retry) / 2 && j <= p.backoff(retry), "{j:?}");
        }
    }

    #[test]
    fn maybe_sent_failures_are_retried_only_when_idempotent() {
        let p = RetryPolicy::default();
        let maybe = Error::Io {
            host: "h".into(),
            source: "reset".into(),
        };
        let not_sent = Error::Connect {
            host: "h".into(),
            source: "refused".into(),
        };
        assert!(matches!(
            p.after_error(1, Duration::ZERO, &maybe, true),
            Decision::RetryAfter(_)
        ));
        assert_eq!(
            p.after_error(1, Duration::ZERO, &maybe, false),
            Decision::Stop
        );
        assert!(matches!(
            p.after_error(1, Duration::ZERO, &not_sent, false),
            Decision::RetryAfter(_)
        ));
        assert_eq!(
            p.after_error(
                1,
                Duration::ZERO,
                &Error::InsecureUrl { host: "h".into() },
                true
            ),
            Decision::Stop
        );
    }
}
