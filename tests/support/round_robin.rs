//! A round-robin HTTP load balancer for the multi-host tests: every request, not every
//! connection, goes to the next upstream in turn, so consecutive requests of one MCP session
//! land on different hosts (the hardest case for a server that keeps sessions). Responses,
//! SSE streams included, are passed through as they arrive. An upstream that refuses the
//! connection is skipped for that request, as a proxy's health check would.

#![allow(dead_code, reason = "not every test binary uses every helper")]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

/// A running proxy.
pub struct RoundRobin {
    /// Where it listens (`http://127.0.0.1:PORT/mcp` is the MCP endpoint through it).
    pub address: SocketAddr,
    counts: Arc<Vec<AtomicUsize>>,
    task: tokio::task::JoinHandle<()>,
}

struct Upstreams {
    addresses: Vec<SocketAddr>,
    next: AtomicUsize,
    counts: Arc<Vec<AtomicUsize>>,
}

impl RoundRobin {
    /// Starts a proxy over the servers at `urls` (`http://127.0.0.1:PORT/mcp`).
    pub async fn start(urls: &[&str]) -> RoundRobin {
        let addresses: Vec<SocketAddr> = urls
            .iter()
            .map(|u| {
                u.trim_start_matches("http://").trim_end_matches("/mcp").parse().expect("a socket address")
            })
            .collect();
        let counts = Arc::new((0..addresses.len()).map(|_| AtomicUsize::new(0)).collect::<Vec<_>>());
        let upstreams = Arc::new(Upstreams { addresses, next: AtomicUsize::new(0), counts: counts.clone() });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binding the proxy");
        let address = listener.local_addr().expect("the proxy's address");
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let _ = stream.set_nodelay(true);
                let upstreams = upstreams.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let upstreams = upstreams.clone();
                        async move { Ok::<_, Infallible>(upstreams.forward(request).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        RoundRobin { address, counts, task }
    }

    /// The MCP endpoint through the proxy.
    pub fn url(&self) -> String {
        format!("http://{}/mcp", self.address)
    }

    /// Requests forwarded to each upstream so far.
    pub fn counts(&self) -> Vec<usize> {
        self.counts.iter().map(|c| c.load(Ordering::SeqCst)).collect()
    }
}

impl Drop for RoundRobin {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Body = BoxBody<Bytes, hyper::Error>;

fn text(status: StatusCode, message: String) -> Response<Body> {
    let body = http_body_util::Full::new(Bytes::from(message)).map_err(|never| match never {}).boxed();
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
}

impl Upstreams {
    async fn forward(&self, request: Request<Incoming>) -> Response<Body> {
        let first = self.next.fetch_add(1, Ordering::SeqCst);
        for step in 0..self.addresses.len() {
            let i = (first + step) % self.addresses.len();
            let Ok(stream) = tokio::net::TcpStream::connect(self.addresses[i]).await else { continue };
            let _ = stream.set_nodelay(true);
            let (mut sender, connection) =
                match hyper::client::conn::http1::handshake(TokioIo::new(stream)).await {
                    Ok(pair) => pair,
                    Err(_) => continue,
                };
            tokio::spawn(connection);
            self.counts[i].fetch_add(1, Ordering::SeqCst);
            return match sender.send_request(request).await {
                Ok(response) => response.map(BodyExt::boxed),
                Err(err) => {
                    text(StatusCode::BAD_GATEWAY, format!("upstream {} failed: {err}", self.addresses[i]))
                }
            };
        }
        text(StatusCode::BAD_GATEWAY, "no upstream accepts connections".into())
    }
}
