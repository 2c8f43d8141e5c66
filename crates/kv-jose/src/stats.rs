//! Counters a caller can read to check where expensive work happens.

use std::sync::atomic::{AtomicU64, Ordering};

static KEY_GENERATIONS: AtomicU64 = AtomicU64::new(0);

pub(crate) fn count_key_generation() {
    KEY_GENERATIONS.fetch_add(1, Ordering::Relaxed);
}

/// RSA key generations done by this process so far (any thread).
pub fn rsa_key_generations() -> u64 {
    KEY_GENERATIONS.load(Ordering::Relaxed)
}
