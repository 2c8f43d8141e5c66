//! The async form of the transport seam, and an adapter from the blocking one.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::{Error, Transport};

/// Sends one HTTP request asynchronously. Same contract as [`Transport`]: any status
/// is an `Ok` response; `Err` means no complete response arrived.
#[async_trait::async_trait]
pub trait AsyncTransport: Send + Sync + std::fmt::Debug {
    /// Sends `request`.
    ///
    /// # Errors
    ///
    /// [`Error`] when no complete response was received.
    async fn send(&self, request: http::Request<Vec<u8>>)
    -> Result<http::Response<Vec<u8>>, Error>;
}

/// Runs a blocking [`Transport`] on its own thread per request, so it can serve an
/// async caller on any executor without blocking it.
///
/// ```
/// use kv_transport::{AsyncTransport, BlockingAsAsync, UreqTransport};
/// let transport = BlockingAsAsync::new(UreqTransport::new());
/// # let _ = &transport as &dyn AsyncTransport;
/// ```
#[derive(Debug, Clone)]
pub struct BlockingAsAsync<T> {
    inner: Arc<T>,
}

impl<T: Transport + 'static> BlockingAsAsync<T> {
    /// Wraps `transport`.
    pub fn new(transport: T) -> Self {
        BlockingAsAsync {
            inner: Arc::new(transport),
        }
    }
}

type Slot = Arc<
    Mutex<(
        Option<Result<http::Response<Vec<u8>>, Error>>,
        Option<Waker>,
    )>,
>;

/// Resolves when the worker thread has put the answer in the slot.
struct Pending(Slot);

impl Future for Pending {
    type Output = Result<http::Response<Vec<u8>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.0.take() {
            Some(answer) => Poll::Ready(answer),
            None => {
                slot.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

#[async_trait::async_trait]
impl<T: Transport + 'static> AsyncTransport for BlockingAsAsync<T> {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        let slot: Slot = Arc::new(Mutex::new((None, None)));
        let (inner, filled) = (self.inner.clone(), slot.clone());
        std::thread::Builder::new()
            .name("kv-transport-blocking".into())
            .spawn(move || {
                let answer = inner.send(request);
                let mut s = filled.lock().unwrap_or_else(PoisonError::into_inner);
                s.0 = Some(answer);
                if let Some(w) = s.1.take() {
                    w.wake();
                }
            })
            .map_err(|e| Error::Connect {
                host: String::new(),
                source: Box::new(e),
            })?;
        Pending(slot).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Echo;

    impl Transport for Echo {
        fn send(&self, r: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Error> {
            Ok(http::Response::new(r.into_body()))
        }
    }

    /// A minimal executor: polls on this thread, parking until woken.
    fn block_on<F: Future>(f: F) -> F::Output {
        struct ThreadWaker(std::thread::Thread);
        impl std::task::Wake for ThreadWaker {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut f = std::pin::pin!(f);
        loop {
            if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
            std::thread::park();
        }
    }

    #[test]
    fn the_adapter_answers_an_async_caller() {
        let t = BlockingAsAsync::new(Echo);
        let request = http::Request::post("https://v.example/")
            .body(b"ping".to_vec())
            .unwrap();
        let response = block_on(AsyncTransport::send(&t, request)).unwrap();
        assert_eq!(response.body(), b"ping");
    }
}
