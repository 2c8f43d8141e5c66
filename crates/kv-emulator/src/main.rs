//! `kv-emulator`: run the local Key Vault and token authority on its own.

use std::process::ExitCode;

use clap::Parser;
use kv_emulator::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_TENANT, Emulator};

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
    /// Do not log a line per request.
    #[arg(long)]
    quiet: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let started = Emulator::builder()
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
    println!(
        "kv-emulator: vault and token authority at {}",
        emulator.url()
    );
    println!(
        "kv-emulator: tenant {}, client id {}, message protection {}",
        args.tenant,
        args.client_id,
        if args.no_message_encryption {
            "off"
        } else {
            "on"
        }
    );
    println!(
        "kv-emulator: try  AZURE_VAULT_URL={} AZURE_CLIENT_ID={} AZURE_CLIENT_SECRET=<secret> cargo run --release -p kv-sample",
        emulator.url(),
        args.client_id
    );
    emulator.wait();
    ExitCode::SUCCESS
}
