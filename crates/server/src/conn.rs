//! The accept loop: a connection cap overall and per client address, a TLS handshake and
//! header-read timeout, an idle timeout, a write timeout, and graceful shutdown.
//!
//! Over the cap a connection is accepted and closed at once, so it never waits in the
//! kernel's backlog holding a slot nobody serves. A connection with no request in progress
//! is closed after the idle timeout (the first request must start within the header
//! timeout), and a request body that stalls for the idle timeout fails; a response the
//! client has not read from for the write timeout is dropped with its connection. A stalled
//! response is noticed two ways: a socket write that makes no progress (HTTP/1), and a
//! response body that hyper has not asked for more data for the write timeout (HTTP/2, where a
//! client that grants no flow-control window leaves the socket idle, not blocked).

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

use crate::listen::ConnLimits;
use crate::slots::PerClient;
use crate::Scheme;

/// How long shutdown waits for open connections to finish.
const GRACE: Duration = Duration::from_secs(10);

/// How long the loop pauses after a failed `accept` (for example out of file descriptors).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves connections from `listener` until `shutdown` resolves, then waits up to
/// [`GRACE`] for open connections to finish.
pub(crate) async fn run(
    listener: TcpListener,
    app: Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let limits = limits.clamped();
    let max = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    let slots = Arc::new(Semaphore::new(max as usize));
    let per_client = PerClient::new(limits.max_connections_per_ip);
    let (stop_tx, stop_rx) = watch::channel(false);
    let scheme = if tls.is_some() {
        Scheme::Https
    } else {
        Scheme::Http
    };
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    let refusals = Refusals::default();
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            refusals.note(peer, "the server's connection limit is reached");
            continue;
        };
        let Some(client_slot) = per_client.try_take(Some(peer.ip())) else {
            refusals.note(peer, "this client's connection limit is reached");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let conn = Conn {
            stream,
            peer,
            accepted: Instant::now(),
            tls: tls.clone(),
            app: app.clone(),
            builder: Arc::clone(&builder),
            limits,
            scheme,
            stop: stop_rx.clone(),
        };
        tokio::spawn(async move {
            conn.serve().await;
            drop(client_slot);
            drop(slot);
        });
    }
    let _ = stop_tx.send(true);
    drop(listener);
    if tokio::time::timeout(GRACE, slots.acquire_many(max))
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the shutdown grace period are dropped");
    }
}

/// Logs refused connections, at most one warning every ten seconds.
#[derive(Default)]
struct Refusals {
    last: Mutex<Option<(Instant, u64)>>,
}

impl Refusals {
    fn note(&self, peer: SocketAddr, why: &str) {
        tracing::debug!(peer = %peer, "connection refused: {why}");
        let now = Instant::now();
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        match &mut *last {
            Some((at, n)) if now.duration_since(*at) < Duration::from_secs(10) => *n += 1,
            _ => {
                let earlier = last.map_or(0, |(_, n)| n);
                tracing::warn!(
                    peer = %peer,
                    refused_since_last_warning = earlier,
                    "connection refused: {why}"
                );
                *last = Some((now, 0));
            }
        }
    }
}

/// One accepted connection and what serving it needs.
struct Conn {
    stream: TcpStream,
    peer: SocketAddr,
    accepted: Instant,
    tls: Option<tokio_rustls::TlsAcceptor>,
    app: Router,
    builder: Arc<auto::Builder<TokioExecutor>>,
    limits: ConnLimits,
    scheme: Scheme,
    stop: watch::Receiver<bool>,
}

impl Conn {
    async fn serve(self) {
        let io = WriteDeadline::new(self.stream, self.limits.write_timeout);
        match self.tls.clone() {
            None => {
                serve_http(
                    TokioIo::new(io),
                    self.peer,
                    self.accepted,
                    self.app,
                    &self.builder,
                    self.limits,
                    self.scheme,
                    self.stop,
                )
                .await
            }
            Some(acceptor) => {
                let handshake =
                    tokio::time::timeout(self.limits.header_timeout, acceptor.accept(io)).await;
                match handshake {
                    Ok(Ok(tls)) => {
                        serve_http(
                            TokioIo::new(tls),
                            self.peer,
                            self.accepted,
                            self.app,
                            &self.builder,
                            self.limits,
                            self.scheme,
                            self.stop,
                        )
                        .await
                    }
                    Ok(Err(e)) => {
                        tracing::debug!(peer = %self.peer, error = %e, "TLS handshake failed")
                    }
                    Err(_) => tracing::debug!(peer = %self.peer, "TLS handshake timed out"),
                }
            }
        }
    }
}

/// Serves HTTP/1 or HTTP/2 on `io` until the client leaves, a timeout closes it or the
/// server stops.
#[allow(clippy::too_many_arguments)]
async fn serve_http<I>(
    io: I,
    peer: SocketAddr,
    accepted: Instant,
    app: Router,
    builder: &auto::Builder<TokioExecutor>,
    limits: ConnLimits,
    scheme: Scheme,
    mut stop: watch::Receiver<bool>,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let activity = Arc::new(Activity::new(accepted));
    let service = {
        let activity = Arc::clone(&activity);
        hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            req.extensions_mut().insert(scheme);
            let busy = activity.begin();
            let app = app.clone();
            let req = req.map(|b| Body::new(StallLimited::new(b, limits.idle_timeout)));
            async move {
                let resp = match app.oneshot(req).await {
                    Ok(resp) => resp,
                    Err(never) => match never {},
                };
                let delivery = busy.0.deliver();
                Ok::<_, Infallible>(resp.map(|inner| Tracked {
                    inner,
                    delivery,
                    _busy: busy,
                }))
            }
        })
    };
    let mut conn = pin!(builder.serve_connection(io, service));
    // When a graceful close began: what is still queued for a client that reads nothing
    // must not keep the connection past the write timeout.
    let mut closing: Option<Instant> = None;
    loop {
        let deadline = activity.idle_deadline(&limits);
        let stall = activity.stall_deadline(limits.write_timeout);
        let hard_close = closing.map_or(stall, |at| (at + limits.write_timeout).min(stall));
        tokio::select! {
            r = conn.as_mut() => {
                if let Err(e) = r {
                    tracing::debug!(peer = %peer, error = %e, "connection ended with an error");
                }
                return;
            }
            () = tokio::time::sleep_until(deadline), if closing.is_none() => {
                if activity.idle_deadline(&limits) <= Instant::now() {
                    tracing::debug!(peer = %peer, "closing an idle connection");
                    conn.as_mut().graceful_shutdown();
                    closing = Some(Instant::now());
                }
            }
            () = tokio::time::sleep_until(hard_close) => {
                let now = Instant::now();
                if closing.is_some_and(|at| at + limits.write_timeout <= now) {
                    tracing::debug!(peer = %peer, "dropping a connection that did not close in time");
                    return;
                }
                if activity.stall_deadline(limits.write_timeout) <= now {
                    tracing::debug!(
                        peer = %peer,
                        "dropping a connection whose client stopped accepting a response"
                    );
                    return;
                }
            }
            _ = stop.changed(), if closing.is_none() => {
                conn.as_mut().graceful_shutdown();
                closing = Some(Instant::now());
            }
        }
    }
}

/// Whether a connection has a request in progress, since when it has had none, and how its
/// responses are being delivered.
struct Activity {
    busy: AtomicUsize,
    served: AtomicUsize,
    idle_since: Mutex<Instant>,
    deliveries: Mutex<Vec<Weak<Delivery>>>,
}

/// How one response body is being delivered: when hyper last took a frame from it, and
/// whether the body itself is producing the next one (the handler's pace, not the client's).
struct Delivery {
    last: Mutex<Instant>,
    producing: AtomicBool,
}

impl Activity {
    fn new(accepted: Instant) -> Activity {
        Activity {
            busy: AtomicUsize::new(0),
            served: AtomicUsize::new(0),
            idle_since: Mutex::new(accepted),
            deliveries: Mutex::new(Vec::new()),
        }
    }

    /// Starts following the delivery of a new response body.
    fn deliver(&self) -> Arc<Delivery> {
        let d = Arc::new(Delivery {
            last: Mutex::new(Instant::now()),
            producing: AtomicBool::new(false),
        });
        let mut all = self.deliveries.lock().unwrap_or_else(|p| p.into_inner());
        all.retain(|w| w.strong_count() > 0);
        all.push(Arc::downgrade(&d));
        d
    }

    /// When a response counts as stalled: `timeout` after hyper last took a frame from a
    /// body that has its next frame ready (or could make it) but is not asked for it. Far in
    /// the future when no response is waiting on the client.
    fn stall_deadline(&self, timeout: Duration) -> Instant {
        let all = self.deliveries.lock().unwrap_or_else(|p| p.into_inner());
        all.iter()
            .filter_map(Weak::upgrade)
            .filter(|d| !d.producing.load(Ordering::SeqCst))
            .map(|d| *d.last.lock().unwrap_or_else(|p| p.into_inner()) + timeout)
            .min()
            .unwrap_or_else(|| Instant::now() + timeout)
    }

    /// Marks a request in progress until the guard (moved into its response body) drops.
    fn begin(self: &Arc<Self>) -> Busy {
        self.busy.fetch_add(1, Ordering::SeqCst);
        self.served.fetch_add(1, Ordering::SeqCst);
        Busy(Arc::clone(self))
    }

    /// When the connection counts as idle for too long: the idle timeout after its last
    /// request ended, or the header timeout after it was accepted if it has sent none.
    fn idle_deadline(&self, limits: &ConnLimits) -> Instant {
        if self.busy.load(Ordering::SeqCst) > 0 {
            return Instant::now() + limits.idle_timeout;
        }
        let since = *self.idle_since.lock().unwrap_or_else(|p| p.into_inner());
        let allowed = if self.served.load(Ordering::SeqCst) == 0 {
            limits.header_timeout.min(limits.idle_timeout)
        } else {
            limits.idle_timeout
        };
        since + allowed
    }
}

/// A request in progress on a connection.
struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        *self.0.idle_since.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A response body that keeps its request counted as in progress until it is done, and
/// reports when hyper takes its frames.
struct Tracked {
    inner: Body,
    delivery: Arc<Delivery>,
    _busy: Busy,
}

impl hyper::body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        this.delivery.producing.store(true, Ordering::SeqCst);
        // The body wakes this waker when its next frame is ready: from then on the wait is
        // hyper's and the client's, so the stall clock starts at the wake.
        let waker = Waker::from(Arc::new(ReadyWake {
            delivery: Arc::downgrade(&this.delivery),
            inner: cx.waker().clone(),
        }));
        let r = Pin::new(&mut this.inner).poll_frame(&mut Context::from_waker(&waker));
        if r.is_ready() {
            this.delivery.taken();
        }
        r
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Delivery {
    /// The body's next frame is ready or was just taken: the stall clock restarts.
    fn taken(&self) {
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        self.producing.store(false, Ordering::SeqCst);
    }
}

/// The waker a response body gets: marks its next frame ready, then wakes hyper.
struct ReadyWake {
    delivery: Weak<Delivery>,
    inner: Waker,
}

impl Wake for ReadyWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(d) = self.delivery.upgrade() {
            d.taken();
        }
        self.inner.wake_by_ref();
    }
}

/// A request body that fails when the client sends nothing more for `timeout` before its
/// end: a client cannot hold a request open by trickling its body.
struct StallLimited {
    inner: Incoming,
    timeout: Duration,
    sleep: Pin<Box<Sleep>>,
    armed: bool,
}

impl StallLimited {
    fn new(inner: Incoming, timeout: Duration) -> StallLimited {
        StallLimited {
            inner,
            timeout,
            sleep: Box::pin(tokio::time::sleep(timeout)),
            armed: false,
        }
    }
}

impl hyper::body::Body for StallLimited {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(r) => {
                this.armed = false;
                Poll::Ready(r.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                if !this.armed {
                    let at = Instant::now() + this.timeout;
                    this.sleep.as_mut().reset(at);
                    this.armed = true;
                }
                match this.sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the client stopped sending the request body",
                    ))))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A socket whose writes fail with `TimedOut` when they make no progress for `timeout`: a
/// client that stops reading cannot hold a response (and what it holds) forever.
pub(crate) struct WriteDeadline<S> {
    inner: S,
    timeout: Duration,
    sleep: Pin<Box<Sleep>>,
    armed: bool,
}

impl<S> WriteDeadline<S> {
    pub(crate) fn new(inner: S, timeout: Duration) -> WriteDeadline<S> {
        WriteDeadline {
            inner,
            timeout,
            sleep: Box::pin(tokio::time::sleep(timeout)),
            armed: false,
        }
    }

    /// After a write that returned `Pending`: starts the clock if it is not running, and
    /// fails once it has run out.
    fn pending<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        if !self.armed {
            let at = Instant::now() + self.timeout;
            self.sleep.as_mut().reset(at);
            self.armed = true;
        }
        match self.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client did not read the response in time",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn progress<T>(&mut self, cx: &mut Context<'_>, r: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match r {
            Poll::Pending => self.pending(cx),
            ready => {
                self.armed = false;
                ready
            }
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WriteDeadline<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteDeadline<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.progress(cx, r)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.progress(cx, r)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_flush(cx);
        this.progress(cx, r)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.progress(cx, r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn a_write_nobody_reads_times_out() {
        // A duplex pipe with a 16-byte buffer that nobody reads.
        let (a, _b) = tokio::io::duplex(16);
        let mut w = WriteDeadline::new(a, Duration::from_millis(300));
        let started = Instant::now();
        let err = w.write_all(&[0u8; 1024]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() >= Duration::from_millis(300));
    }

    #[tokio::test]
    async fn a_slow_but_steady_reader_is_not_cut() {
        let (a, mut b) = tokio::io::duplex(16);
        let mut w = WriteDeadline::new(a, Duration::from_millis(300));
        let reader = tokio::spawn(async move {
            let mut got = 0;
            let mut buf = [0u8; 16];
            while got < 128 {
                tokio::time::sleep(Duration::from_millis(150)).await;
                got += tokio::io::AsyncReadExt::read(&mut b, &mut buf)
                    .await
                    .unwrap();
            }
            got
        });
        w.write_all(&[1u8; 128]).await.unwrap();
        assert_eq!(reader.await.unwrap(), 128);
    }
}
