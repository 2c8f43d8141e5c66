//! Fault injection, for testing clients: scripted or random throttling, outages,
//! dropped connections and delays.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use serde::Deserialize;

/// What to do to a request instead of (or around) answering it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Fault {
    /// Answer `429 Throttled` with `Retry-After` (whole seconds, rounded up) and
    /// `x-ms-retry-after-ms`.
    Throttle {
        /// The delay the answer asks for, in milliseconds.
        retry_after_ms: u64,
    },
    /// Answer `503 ServiceUnavailable`.
    Unavailable,
    /// Close the connection before the request is handled: nothing happens.
    DropBefore,
    /// Handle the request, then close the connection without answering: the client
    /// cannot know the operation happened.
    DropAfter,
    /// Wait, then handle the request normally.
    Delay {
        /// How long, in milliseconds.
        ms: u64,
    },
}

/// A fault for the next `times` requests whose path contains `path`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FaultRule {
    /// The fault.
    #[serde(flatten)]
    pub fault: Fault,
    /// Only requests whose path contains this (all requests when absent).
    #[serde(default)]
    pub path: Option<String>,
    /// How many matching requests get it (default 1).
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

impl FaultRule {
    /// `fault` for the next request whose path contains `path`.
    pub fn new(fault: Fault, path: impl Into<String>) -> Self {
        FaultRule {
            fault,
            path: Some(path.into()),
            times: 1,
        }
    }

    /// Applies to this many matching requests.
    pub fn times(mut self, n: u32) -> Self {
        self.times = n;
        self
    }
}

/// A fault applied at random to a share of requests.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomFault {
    /// Share of requests, 0.0 to 1.0.
    pub rate: f64,
    /// The fault.
    pub fault: Fault,
    /// Only requests whose path contains this.
    #[serde(default)]
    pub path: Option<String>,
}

/// The admin endpoint's body: `POST /_emulator/faults`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FaultPlan {
    #[serde(default)]
    pub(crate) script: Vec<FaultRule>,
    #[serde(default)]
    pub(crate) random: Option<RandomFault>,
}

#[derive(Debug, Default)]
pub(crate) struct Faults {
    script: Mutex<VecDeque<FaultRule>>,
    random: Mutex<Option<RandomFault>>,
}

fn matches(path: &str, filter: &Option<String>) -> bool {
    filter.as_deref().is_none_or(|f| path.contains(f))
}

impl Faults {
    pub(crate) fn plan(&self, plan: FaultPlan) {
        self.script
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(plan.script);
        if plan.random.is_some() {
            *self.random.lock().unwrap_or_else(PoisonError::into_inner) = plan.random;
        }
    }

    pub(crate) fn clear(&self) {
        self.script
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        *self.random.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// The fault for a request to `path`, if any: the first matching scripted rule,
    /// else the random one by chance.
    pub(crate) fn next(&self, path: &str) -> Option<Fault> {
        {
            let mut script = self.script.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(i) = script.iter().position(|r| matches(path, &r.path)) {
                let fault = script[i].fault.clone();
                script[i].times = script[i].times.saturating_sub(1);
                if script[i].times == 0 {
                    script.remove(i);
                }
                return Some(fault);
            }
        }
        let random = self.random.lock().unwrap_or_else(PoisonError::into_inner);
        let r = random.as_ref().filter(|r| matches(path, &r.path))?;
        let mut b = [0u8; 4];
        let _ = getrandom::fill(&mut b);
        let draw = f64::from(u32::from_be_bytes(b)) / f64::from(u32::MAX);
        (draw < r.rate).then(|| r.fault.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripted_rules_apply_in_order_and_by_path() {
        let f = Faults::default();
        f.plan(FaultPlan {
            script: vec![
                FaultRule::new(Fault::Unavailable, "/wrapkey").times(2),
                FaultRule::new(Fault::DropBefore, "/create"),
            ],
            random: None,
        });
        assert_eq!(f.next("/keys/k/create"), Some(Fault::DropBefore));
        assert_eq!(f.next("/keys/k/create"), None);
        assert_eq!(f.next("/keys/k/wrapkey"), Some(Fault::Unavailable));
        assert_eq!(f.next("/keys/k/wrapkey"), Some(Fault::Unavailable));
        assert_eq!(f.next("/keys/k/wrapkey"), None);
    }

    #[test]
    fn the_admin_body_parses() {
        let plan: FaultPlan = serde_json::from_str(
            r#"{"script":[{"kind":"throttle","retry_after_ms":50,"path":"/wrapkey","times":2},{"kind":"drop_after"}],"random":{"rate":1.0,"fault":{"kind":"delay","ms":5}}}"#,
        )
        .unwrap();
        assert_eq!(plan.script.len(), 2);
        let f = Faults::default();
        f.plan(plan);
        f.next("/x");
        f.next("/keys/k/wrapkey");
        f.next("/keys/k/wrapkey");
        assert_eq!(f.next("/anything"), Some(Fault::Delay { ms: 5 }));
        f.clear();
        assert_eq!(f.next("/anything"), None);
    }
}
