//! The connection loop: accepting TCP connections and serving HTTP/1.1 on them with
//! limits, so that idle, slow or numerous connections cannot lock clients out.
//!
//! `axum::serve` gives hyper no timer, so hyper's header timeout never ran: 500 idle
//! sockets, slowloris headers and slow bodies all stayed open, and 1,100 idle sockets
//! used up a 1,024 file-descriptor limit. Here:
//! 1. the open-file limit is raised to its hard maximum at start-up, and the connection
//!    cap kept below it;
//! 2. at most [`Limits::max_connections`] connections are served at once; past the cap the
//!    service stops accepting (new clients wait in the kernel's queue) until one closes;
//! 3. at most [`Limits::max_per_client`] of them from one address: a further connection
//!    from it is closed at once, so one host cannot take every slot;
//! 4. a request's head (request line and headers) must arrive within
//!    [`Limits::header_read`] of the connection becoming ready for it — which is also how
//!    long an idle keep-alive connection is kept;
//! 5. a request's body must arrive within [`BODY_READ_TIMEOUT`] of the handler starting
//!    to read it ([`body_deadline`], part of the router so that it holds however the
//!    router is served; 408 otherwise).

use std::collections::HashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

/// The limits the loop applies.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time for a request's head to arrive, and the longest an idle keep-alive
    /// connection is kept.
    pub header_read: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// Connections served at once from one client address.
    pub max_per_client: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read: Duration::from_secs(10),
            max_connections: 1_000,
            max_per_client: 128,
        }
    }
}

/// How long a request body may take to arrive, once a handler starts reading it: a body
/// of the 1 MB limit in 30 s is 270 kbit/s, slower than a weak mobile connection.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// File descriptors kept for the data files, the journal and the log, beyond connections.
const RESERVED_FDS: u64 = 64;

/// Raises the open-file limit as far as allowed and returns the connection cap that fits
/// under it (at most `wanted`).
pub fn fit_connections(wanted: usize) -> usize {
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    let room = limit.saturating_sub(RESERVED_FDS).max(16);
    wanted.min(usize::try_from(room).unwrap_or(usize::MAX))
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets open requests finish
/// (for up to ten seconds).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let per_client: Arc<Mutex<HashMap<IpAddr, usize>>> = Arc::default();
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .keep_alive(true);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            s = Arc::clone(&slots).acquire_owned() => match s {
                Ok(s) => s,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors or a connection reset before it was
                    // accepted: say so, wait a moment, go on.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(client) = ClientSlot::take(&per_client, peer.ip(), limits.max_per_client) else {
            tracing::warn!(client = %peer.ip(), "too many connections from one client: closing the newest");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = tower_http::add_extension::AddExtension::new(app.clone(), ConnectInfo(peer));
        let service = hyper_util::service::TowerToHyperService::new(service);
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(client = %peer, error = %e, "connection ended");
            }
            drop(client);
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(10), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still open after 10 s at shutdown: leaving them");
    }
    Ok(())
}

/// One connection counted against its client's share.
struct ClientSlot {
    map: Arc<Mutex<HashMap<IpAddr, usize>>>,
    ip: IpAddr,
}

impl ClientSlot {
    fn take(map: &Arc<Mutex<HashMap<IpAddr, usize>>>, ip: IpAddr, max: usize) -> Option<Self> {
        let mut m = map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = m.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(ClientSlot {
            map: Arc::clone(map),
            ip,
        })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut m = self
            .map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = m.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.ip);
            }
        }
    }
}

/// Middleware: gives every request body a deadline of [`BODY_READ_TIMEOUT`], counted
/// from the first time the handler asks for it.
pub async fn body_deadline(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let (parts, body) = req.into_parts();
    let body = Body::new(DeadlineBody {
        inner: body,
        timeout: BODY_READ_TIMEOUT,
        deadline: None,
    });
    next.run(axum::extract::Request::from_parts(parts, body))
        .await
}

/// The error a body gives when its deadline passes.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}")]
pub struct BodyTimeout(pub Duration);

struct DeadlineBody {
    inner: Body,
    timeout: Duration,
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let timeout = self.timeout;
        let deadline = self
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        if deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(Box::new(BodyTimeout(timeout)))));
        }
        Pin::new(&mut self.inner)
            .poll_frame(cx)
            .map_err(axum::BoxError::from)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Whether an error (a body rejection's cause) is a body deadline that passed.
pub fn is_body_timeout(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if err.is::<BodyTimeout>() {
            return true;
        }
        cur = err.source();
    }
    false
}
