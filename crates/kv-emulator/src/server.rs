//! The HTTP/1.1 server on loopback: a thin async loop around [`Vault::handle`].

use std::net::{Ipv4Addr, TcpListener};
use std::sync::Arc;
use std::thread::JoinHandle;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

use crate::Fault;
use crate::error::{KvError, StartError};
use crate::service::Vault;

/// Largest request body accepted.
const MAX_BODY: usize = 1024 * 1024;

/// A running emulator. Dropping it (or [`shutdown`](Self::shutdown)) stops the server.
#[derive(Debug)]
pub struct EmulatorHandle {
    vault: Arc<Vault>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl EmulatorHandle {
    /// The vault URL, `http://127.0.0.1:{port}`.
    pub fn url(&self) -> &str {
        self.vault.base_url()
    }

    /// The authority URL the challenge names, `http://127.0.0.1:{port}/{tenant}`.
    pub fn authority_url(&self) -> String {
        format!("{}/{}", self.vault.base_url(), self.vault.config.tenant)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.vault
            .base_url()
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_default()
    }

    /// Adds scripted faults for the next matching requests (see [`Fault`]).
    pub fn inject(&self, rules: impl IntoIterator<Item = crate::FaultRule>) {
        self.vault.inject(rules);
    }

    /// The service behind the server, for inspection.
    pub fn vault(&self) -> &Arc<Vault> {
        &self.vault
    }

    /// Stops the server and waits for its thread.
    pub fn shutdown(mut self) {
        self.stop();
    }

    /// Blocks until the server stops (it does not stop on its own: this is for the
    /// binary, which is stopped by a signal).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

pub(crate) fn bind(port: u16) -> Result<TcpListener, StartError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        .map_err(|source| StartError::Io { port, source })?;
    listener
        .set_nonblocking(true)
        .map_err(|source| StartError::Io { port, source })?;
    Ok(listener)
}

pub(crate) fn start(
    listener: TcpListener,
    vault: Arc<Vault>,
    workers: usize,
) -> Result<EmulatorHandle, StartError> {
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    let io = |source| StartError::Io { port, source };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers.max(1))
        .thread_name("kv-emulator")
        .enable_all()
        .build()
        .map_err(io)?;
    let (tx, rx) = oneshot::channel();
    let served = vault.clone();
    let thread = std::thread::Builder::new()
        .name("kv-emulator-accept".into())
        .spawn(move || runtime.block_on(serve(listener, served, rx)))
        .map_err(io)?;
    Ok(EmulatorHandle {
        vault,
        shutdown: Some(tx),
        thread: Some(thread),
    })
}

async fn serve(listener: TcpListener, vault: Arc<Vault>, mut shutdown: oneshot::Receiver<()>) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                vault.count_connection();
                let _ = stream.set_nodelay(true);
                let vault = vault.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| answer(vault.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
}

/// Returned by the service to make hyper close the connection without answering.
#[derive(Debug)]
struct DroppedByFault;

impl std::fmt::Display for DroppedByFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DroppedByFault {}

async fn answer(
    vault: Arc<Vault>,
    request: http::Request<Incoming>,
) -> Result<http::Response<Full<Bytes>>, DroppedByFault> {
    let (parts, body) = request.into_parts();
    let fault = vault.fault_for(parts.uri.path());
    match &fault {
        Some(Fault::DropBefore) => return Err(DroppedByFault),
        Some(Fault::Delay { ms }) => {
            tokio::time::sleep(std::time::Duration::from_millis(*ms)).await;
        }
        Some(f) => {
            if let Some(r) = Vault::fault_answer(f) {
                return Ok(r.map(|b| Full::new(Bytes::from(b))));
            }
        }
        None => {}
    }
    let response = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => {
            let request = http::Request::from_parts(parts, collected.to_bytes().to_vec());
            // Crypto is CPU-bound: keep it off the async workers.
            tokio::task::spawn_blocking(move || vault.handle(request))
                .await
                .unwrap_or_else(|_| internal_error())
        }
        Err(_) => too_large(),
    };
    if fault == Some(Fault::DropAfter) {
        return Err(DroppedByFault);
    }
    Ok(response.map(|b| Full::new(Bytes::from(b))))
}

fn error_response(e: KvError) -> http::Response<Vec<u8>> {
    e.into_answer().into_response(&crate::service::random_hex())
}

fn too_large() -> http::Response<Vec<u8>> {
    error_response(KvError::new(
        413,
        "RequestTooLarge",
        format!("The request body is larger than {MAX_BODY} bytes."),
    ))
}

fn internal_error() -> http::Response<Vec<u8>> {
    error_response(KvError::new(
        500,
        "InternalError",
        "The emulator failed to answer.",
    ))
}
