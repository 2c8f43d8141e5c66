//! Small timing helpers: repeated rounds, medians, percentiles.

use std::time::{Duration, Instant};

/// Median over `rounds` rounds of the mean time per call, each round at least `min`.
pub(crate) fn per_op(rounds: usize, min: Duration, mut f: impl FnMut()) -> Duration {
    f(); // warm up
    let mut means: Vec<Duration> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            let mut n = 0u32;
            while start.elapsed() < min || n == 0 {
                f();
                n += 1;
            }
            start.elapsed() / n
        })
        .collect();
    means.sort_unstable();
    means[means.len() / 2]
}

/// The `q`-quantile (0.0 to 1.0) of sorted samples.
pub(crate) fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub(crate) fn us(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e6)
}

pub(crate) fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}
