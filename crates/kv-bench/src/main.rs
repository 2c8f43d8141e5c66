//! `kv-bench`: what message protection costs, measured.
//!
//! ```sh
//! cargo run --release -p kv-bench            # every table, about two minutes
//! cargo run --release -p kv-bench -- --quick # shorter runs
//! ```
//!
//! Prints markdown tables: (1) the crypto floor per provider, (2) protect + unprotect
//! in process, (3) end to end on loopback against the emulator at concurrency 1, 2, 4
//! and 8, (4) the Python reference client against the same emulators, with ratios.
#![forbid(unsafe_code)]

mod e2e;
mod floor;
mod inproc;
mod reference;
mod timing;

use kv_jose::CryptoProvider;

/// Table 5: the sample binary from cold (process start, emulator start included).
fn sample_cold_run(quick: bool) {
    println!("## 5. The sample, cold (release binary, embedded emulator start included)\n");
    let Some(sample) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("kv-sample")))
        .filter(|p| p.exists())
    else {
        println!("skipped: build it first with `cargo build --release -p kv-sample`\n");
        return;
    };
    let runs = if quick { 3 } else { 9 };
    let mut times: Vec<std::time::Duration> = (0..runs)
        .filter_map(|_| {
            let start = std::time::Instant::now();
            let status = std::process::Command::new(&sample)
                .env_remove("AZURE_VAULT_URL")
                .stdout(std::process::Stdio::null())
                .status()
                .ok()?;
            status.success().then(|| start.elapsed())
        })
        .collect();
    times.sort_unstable();
    if times.is_empty() {
        println!("the sample failed\n");
        return;
    }
    println!(
        "{} runs: median {} ms, min {} ms, max {} ms\n",
        times.len(),
        timing::ms(times[times.len() / 2]),
        timing::ms(times[0]),
        timing::ms(times[times.len() - 1])
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let seconds = if quick { 1.0 } else { 3.0 };
    println!("# kv-bench\n");
    println!(
        "{} cores, release build, providers: {}\n",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        CryptoProvider::all()
            .iter()
            .map(|p| p.name())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let floors = floor::run(quick);
    let client_cost = inproc::run(&floors, quick);
    let e2e = e2e::run(seconds, &floors);
    reference::run(&client_cost, &e2e, quick);
    sample_cold_run(quick);
}
