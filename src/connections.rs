//! Serving HTTP/1.1 connections: at most `max_connections` at once; each must send a request's
//! headers within `header_timeout` of opening or of its previous answer (which also closes idle
//! keep-alive connections) and may leave an answer unread for at most `write_timeout`; and a
//! shutdown that answers every request already sent, within `shutdown_grace`.

mod io;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, Request};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tower::ServiceExt;

/// How connections are bounded.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub write_timeout: Duration,
    pub shutdown_grace: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 1000,
            header_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(20),
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// Set once shutdown starts: readiness answers 503 (load balancers stop sending) and every
/// answer closes its connection.
#[derive(Debug, Default)]
pub struct Draining(AtomicBool);

impl Draining {
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    pub fn start(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// How long a connection accepted during shutdown may take to start its request.
const FIRST_REQUEST_WAIT: Duration = Duration::from_millis(500);

/// Log lines about the same condition come at most this often.
const LOG_EVERY: Duration = Duration::from_secs(60);

/// Serves `app` on `listener` until `shutdown` resolves, then answers what was already sent
/// and returns, within the grace period whatever clients do.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    draining: Arc<Draining>,
    shutdown: impl Future<Output = ()>,
) {
    let max = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let slots = Arc::new(Semaphore::new(max));
    let (stop, stopping) = watch::channel(false);
    let spawn = |stream: TcpStream, peer: SocketAddr, permit: OwnedSemaphorePermit| {
        let connection = Connection {
            app: app.clone(),
            peer,
            limits,
            draining: draining.clone(),
            stopping: stopping.clone(),
        };
        tokio::spawn(connection.serve(stream, permit));
    };
    let mut logged = Logged::default();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            (permit, accepted) = next(&listener, &slots, max, &mut logged) => match accepted {
                Ok((stream, peer)) => spawn(stream, peer, permit),
                Err(error) => accept_failed(&error, &mut logged).await,
            },
        }
    }
    draining.start();
    let _ = stop.send(true);
    let deadline = Instant::now() + limits.shutdown_grace;
    tracing::info!(
        grace_seconds = limits.shutdown_grace.as_secs_f64(),
        "shutting down: answering the requests already sent"
    );
    // Until the connections open at the signal are answered, new ones are still taken (and
    // answered once, then closed): a load balancer's probes see `/readyz` say 503 meanwhile.
    // When none is open, what the kernel holds in the listen backlog is taken before the
    // socket closes: those connections were accepted, their requests perhaps already sent.
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    loop {
        if slots.available_permits() == max {
            let permit = slots
                .clone()
                .try_acquire_owned()
                .expect("every slot is free");
            match backlogged(&listener) {
                Some((stream, peer)) => spawn(stream, peer, permit),
                None => break,
            }
            continue;
        }
        tokio::select! {
            biased;
            () = tokio::time::sleep_until(deadline) => {
                tracing::warn!(
                    open = max - slots.available_permits(),
                    "shutdown grace period over: closing the connections still open"
                );
                break;
            }
            (permit, accepted) = next(&listener, &slots, max, &mut logged) => match accepted {
                Ok((stream, peer)) => spawn(stream, peer, permit),
                Err(error) => accept_failed(&error, &mut logged).await,
            },
            _ = tick.tick() => {}
        }
    }
}

/// A slot, then the next connection to fill it.
async fn next(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
    max: usize,
    logged: &mut Logged,
) -> (
    OwnedSemaphorePermit,
    std::io::Result<(TcpStream, SocketAddr)>,
) {
    let permit = slot(slots, max, logged).await;
    (permit, listener.accept().await)
}

/// A free connection slot; when none is free, says so (once a minute) and waits for one.
async fn slot(slots: &Arc<Semaphore>, max: usize, logged: &mut Logged) -> OwnedSemaphorePermit {
    if let Ok(permit) = slots.clone().try_acquire_owned() {
        return permit;
    }
    if logged.full.is_none_or(|at| at.elapsed() >= LOG_EVERY) {
        logged.full = Some(Instant::now());
        tracing::warn!(
            max_connections = max,
            "connection limit reached: new connections wait in the listen backlog until one \
             closes (raise --max-connections, and the process's file limit with it)"
        );
    }
    slots
        .clone()
        .acquire_owned()
        .await
        .expect("the semaphore is never closed")
}

#[derive(Default)]
struct Logged {
    full: Option<Instant>,
    accept: Option<Instant>,
}

/// Out of file descriptors (or memory), accepting again at once would spin: wait a little.
async fn accept_failed(error: &std::io::Error, logged: &mut Logged) {
    let exhausted = matches!(error.raw_os_error(), Some(23 | 24 | 12 | 105)); // ENFILE EMFILE ENOMEM ENOBUFS
    if !exhausted {
        // The client gave up before it was accepted (ECONNABORTED and the like).
        tracing::debug!(%error, "a connection failed before it was accepted");
        return;
    }
    if logged.accept.is_none_or(|at| at.elapsed() >= LOG_EVERY) {
        logged.accept = Some(Instant::now());
        tracing::error!(
            %error,
            "cannot accept connections: lower --max-connections or raise the process's file \
             limit (ulimit -n)"
        );
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// The next connection already waiting in the listen backlog, without waiting for one.
fn backlogged(listener: &TcpListener) -> Option<(TcpStream, SocketAddr)> {
    // The listener is non-blocking: an empty backlog is `WouldBlock`, at once. (tokio's own
    // `accept` would wait for the reactor to report readiness, which may lag the kernel.)
    let (socket, peer) = socket2::SockRef::from(listener).accept().ok()?;
    let peer = peer.as_socket()?;
    let stream = std::net::TcpStream::from(socket);
    stream.set_nonblocking(true).ok()?;
    Some((TcpStream::from_std(stream).ok()?, peer))
}

/// One client connection and what its task needs.
struct Connection {
    app: Router,
    peer: SocketAddr,
    limits: ConnectionLimits,
    draining: Arc<Draining>,
    stopping: watch::Receiver<bool>,
}

impl Connection {
    async fn serve(mut self, stream: TcpStream, _slot: OwnedSemaphorePermit) {
        let opened = Instant::now();
        let _ = stream.set_nodelay(true);
        let (socket, watch) = io::Watched::new(stream, self.limits.write_timeout);
        let (app, peer, draining) = (self.app, self.peer, self.draining);
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let mut request = request.map(axum::body::Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            let answer = app.clone().oneshot(request);
            let draining = draining.clone();
            async move {
                let Ok(mut response) = answer.await;
                if draining.is_set() {
                    let close = HeaderValue::from_static("close");
                    response.headers_mut().insert(header::CONNECTION, close);
                }
                Ok::<_, Infallible>(response)
            }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.header_timeout)
            .serve_connection(TokioIo::new(socket), service);
        tokio::pin!(connection);
        tokio::select! {
            result = connection.as_mut() => return closed(result, peer),
            _ = self.stopping.wait_for(|stop| *stop) => {}
        }
        // Shutting down: answers now close their connection; one with nothing under way is
        // closed once no request waits unread in it (a connection opened moments ago has
        // usually not sent its request yet: it gets a moment).
        while !watch.is_quiet() || (!watch.has_read() && opened.elapsed() < FIRST_REQUEST_WAIT) {
            tokio::select! {
                result = connection.as_mut() => return closed(result, peer),
                () = tokio::time::sleep(Duration::from_millis(10)) => {}
            }
        }
        connection.as_mut().graceful_shutdown();
        closed(connection.await, peer);
    }
}

fn closed(result: Result<(), hyper::Error>, peer: SocketAddr) {
    if let Err(error) = result {
        // Slow, idle-too-long and vanished clients are routine: nothing for the operator.
        tracing::debug!(%peer, %error, "connection closed");
    }
}
