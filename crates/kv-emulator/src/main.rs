//! `kv-emulator`: run the local Key Vault and token authority on its own.

use std::process::ExitCode;

use clap::Parser;
use kv_emulator::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_TENANT, Emulator, Fault, RandomFault,
};

/// A local Azure Key Vault and token authority with message protection, on 127.0.0.1.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Port to listen on (0 picks a free port; the URL is printed).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Tenant served by the token authority.
    #[arg(long, default_value = DEFAULT_TENANT)]
    tenant: String,
    /// The only client id the authority accepts.
    #[arg(long, default_value = DEFAULT_CLIENT_ID)]
    client_id: String,
    /// The secret of that client.
    #[arg(long, default_value = DEFAULT_CLIENT_SECRET, hide_default_value = false)]
    client_secret: String,
    /// Serve key operations without message protection.
    #[arg(long)]
    no_message_encryption: bool,
    /// Keep the vault's state in this directory (crash-safe); without it, in memory.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<std::path::PathBuf>,
    /// Inject a fault into this share of requests (0.0 to 1.0), for client tests.
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// The fault --fault-rate injects: throttle (429, Retry-After 1 s), unavailable
    /// (503), drop (connection closed before handling) or delay (500 ms).
    #[arg(long, default_value = "unavailable", value_parser = ["throttle", "unavailable", "drop", "delay"])]
    fault: String,
    /// Do not log a line per request.
    #[arg(long)]
    quiet: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !(0.0..=1.0).contains(&args.fault_rate) {
        eprintln!("kv-emulator: --fault-rate must be between 0 and 1");
        return ExitCode::FAILURE;
    }
    let mut builder = Emulator::builder();
    if let Some(dir) = &args.data_dir {
        builder = builder.data_dir(dir);
    }
    let started = builder
        .port(args.port)
        .tenant(&args.tenant)
        .client(&args.client_id, &args.client_secret)
        .message_protection(!args.no_message_encryption)
        .log_requests(!args.quiet)
        .start();
    let emulator = match started {
        Ok(e) => e,
        Err(e) => {
            eprintln!("kv-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    if args.fault_rate > 0.0 {
        let fault = match args.fault.as_str() {
            "throttle" => Fault::Throttle {
                retry_after_ms: 1000,
            },
            "drop" => Fault::DropBefore,
            "delay" => Fault::Delay { ms: 500 },
            _ => Fault::Unavailable,
        };
        emulator.vault().inject_random(RandomFault {
            rate: args.fault_rate,
            fault,
            path: Some("/keys".into()),
        });
    }
    println!(
        "kv-emulator: vault and token authority at {}",
        emulator.url()
    );
    println!(
        "kv-emulator: tenant {}, client id {}, message protection {}, state {}",
        args.tenant,
        args.client_id,
        if args.no_message_encryption {
            "off"
        } else {
            "on"
        },
        args.data_dir
            .as_ref()
            .map_or("in memory".to_string(), |d| format!("in {}", d.display())),
    );
    println!(
        "kv-emulator: try  AZURE_VAULT_URL={} AZURE_CLIENT_ID={} AZURE_CLIENT_SECRET=<secret> cargo run --release -p kv-sample",
        emulator.url(),
        args.client_id
    );
    emulator.wait();
    ExitCode::SUCCESS
}
