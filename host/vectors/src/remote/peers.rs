//! The Qdrant peers a [`super::RemoteIndex`] may talk to, and the failover between them.
//!
//! Every peer of a Qdrant cluster answers every request (it forwards to the peers holding
//! the shards), so the index talks to one peer at a time and moves to the next only when
//! the one it uses cannot be reached. A request the server refused is not retried
//! elsewhere: another peer would refuse it too.
//!
//! qdrant-client reports a peer it cannot connect to as an `Internal` status, the same code
//! a server-side failure has, so after such an error the index opens a TCP connection to
//! the peer's address: when that fails too, the peer is down and the next one is tried.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use qdrant_client::{Qdrant, QdrantError};

use crate::error::IndexError;

/// The oldest server this backend works with: the Query API with prefetch and RRF fusion,
/// and the IDF modifier on sparse vectors, arrived in Qdrant 1.10.
pub const MINIMUM_SERVER_VERSION: (u64, u64) = (1, 10);

/// How a [`super::RemoteIndex`] reaches its server and creates collections there.
#[derive(Debug, Clone, Default)]
pub struct RemoteOptions {
    /// The server's API key, if it needs one.
    pub api_key: Option<String>,
    /// Copies of each shard kept on different peers (Qdrant's `replication_factor`). Unset:
    /// the server's default (1). A collection that exists keeps the factor it was made with.
    pub replication_factor: Option<u32>,
    /// Shards per collection. Unset: the server's default (one per peer in a cluster).
    pub shard_number: Option<u32>,
}

/// One peer: its URL and a client connected to it.
struct Peer {
    url: String,
    client: Qdrant,
}

/// The peers, and which one requests go to now.
pub(super) struct Peers {
    peers: Vec<Peer>,
    current: AtomicUsize,
}

impl Peers {
    /// Connects to each URL and checks that at least one answers, with a version this
    /// backend supports. Returns the peers and the version the first answering one reported.
    pub(super) async fn connect(
        urls: &[String],
        api_key: Option<&str>,
    ) -> Result<(Peers, String), IndexError> {
        let Some(first) = urls.first() else {
            return Err(IndexError::Connect { url: String::new(), message: "no server URL given".into() });
        };
        let mut peers = Vec::new();
        for url in urls {
            // The client's own version check prints to stdout; the version is checked here instead.
            let client = Qdrant::from_url(url)
                .api_key(api_key.map(str::to_owned))
                .skip_compatibility_check()
                .build()
                .map_err(|e| IndexError::Connect { url: url.clone(), message: e.to_string() })?;
            peers.push(Peer { url: url.clone(), client });
        }
        let mut failures = Vec::new();
        for (i, peer) in peers.iter().enumerate() {
            match peer.client.health_check().await {
                Ok(health) => {
                    check_version(&peer.url, &health.version)?;
                    let version = health.version;
                    return Ok((Peers { peers, current: AtomicUsize::new(i) }, version));
                }
                Err(e) => failures.push(format!("{}: {e}", peer.url)),
            }
        }
        let url = if urls.len() == 1 { first.clone() } else { urls.join(", ") };
        Err(IndexError::Connect { url, message: failures.join("; ") })
    }

    /// The URLs, in order.
    pub(super) fn urls(&self) -> Vec<&str> {
        self.peers.iter().map(|p| p.url.as_str()).collect()
    }

    /// The URL requests go to now.
    pub(super) fn current_url(&self) -> &str {
        &self.peers[self.current.load(Ordering::Relaxed) % self.peers.len()].url
    }

    /// Runs `request` on the current peer; when that peer cannot be reached, on the next,
    /// until one answers or every peer was tried. The peer that answered becomes current.
    pub(super) async fn call<T, F, Fut>(
        &self,
        collection: &str,
        operation: &'static str,
        request: F,
    ) -> Result<T, IndexError>
    where
        F: Fn(Qdrant) -> Fut,
        Fut: Future<Output = Result<T, QdrantError>>,
    {
        let start = self.current.load(Ordering::Relaxed);
        let mut unreachable = Vec::new();
        for step in 0..self.peers.len() {
            let i = (start + step) % self.peers.len();
            match request(self.peers[i].client.clone()).await {
                Ok(value) => {
                    if step > 0 {
                        self.current.store(i, Ordering::Relaxed);
                    }
                    return Ok(value);
                }
                Err(e) if is_unreachable(&e, &self.peers[i].url).await => {
                    unreachable.push(format!("{}: {e}", self.peers[i].url))
                }
                Err(e) => {
                    return Err(IndexError::Remote {
                        collection: collection.to_owned(),
                        operation,
                        message: e.to_string(),
                    });
                }
            }
        }
        Err(IndexError::Remote {
            collection: collection.to_owned(),
            operation,
            message: format!("no peer could be reached: {}", unreachable.join("; ")),
        })
    }
}

/// Whether an error means the peer at `url` could not be reached (so another might answer),
/// rather than that the server refused the request.
async fn is_unreachable(error: &QdrantError, url: &str) -> bool {
    let QdrantError::ResponseError { status } = error else { return false };
    match status.code() {
        tonic::Code::Unavailable | tonic::Code::DeadlineExceeded | tonic::Code::Cancelled => true,
        tonic::Code::Internal | tonic::Code::Unknown => !accepts_connections(url).await,
        _ => false,
    }
}

/// How long the probe of a peer's port may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// Whether something accepts TCP connections at the host and port of `url`.
async fn accepts_connections(url: &str) -> bool {
    let Some(address) = socket_address(url) else { return true };
    matches!(tokio::time::timeout(PROBE_TIMEOUT, tokio::net::TcpStream::connect(address)).await, Ok(Ok(_)))
}

/// `host:port` of a peer URL (`http://host:6334/…`; the port defaults to the scheme's).
fn socket_address(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split('/').next()?.rsplit('@').next()?;
    if authority.is_empty() {
        return None;
    }
    let has_port = authority.rsplit_once(':').is_some_and(|(_, port)| port.parse::<u16>().is_ok());
    Some(if has_port {
        authority.to_string()
    } else {
        format!("{authority}:{}", if scheme == "https" { 443 } else { 80 })
    })
}

/// Refuses a server older than [`MINIMUM_SERVER_VERSION`], naming both versions.
fn check_version(url: &str, version: &str) -> Result<(), IndexError> {
    let mut parts = version
        .trim_start_matches('v')
        .split('.')
        .map(|p| p.chars().take_while(char::is_ascii_digit).collect::<String>().parse::<u64>().ok());
    let major = parts.next().flatten();
    let minor = parts.next().flatten();
    let (want_major, want_minor) = MINIMUM_SERVER_VERSION;
    match (major, minor) {
        (Some(major), Some(minor)) if (major, minor) >= (want_major, want_minor) => Ok(()),
        (Some(_), Some(_)) => Err(IndexError::ServerTooOld {
            url: url.to_owned(),
            version: version.to_owned(),
            minimum: format!("{want_major}.{want_minor}"),
        }),
        _ => Err(IndexError::Connect {
            url: url.to_owned(),
            message: format!("the server reports version {version:?}, which is not a version number"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_the_minimum_on_are_accepted() {
        for version in ["1.10.0", "1.16.3", "2.0.0", "v1.12.1", "1.11.0-rc1"] {
            assert!(check_version("http://q:6334", version).is_ok(), "{version}");
        }
    }

    #[test]
    fn an_older_server_is_refused_with_both_versions_named() {
        let error = check_version("http://q:6334", "1.9.4").unwrap_err();
        assert!(matches!(error, IndexError::ServerTooOld { .. }), "{error:?}");
        let message = error.to_string();
        assert!(
            message.contains("1.9.4") && message.contains("1.10") && message.contains("http://q:6334"),
            "{message}"
        );
    }

    #[test]
    fn peer_urls_give_their_socket_address() {
        assert_eq!(socket_address("http://127.0.0.1:6334").as_deref(), Some("127.0.0.1:6334"));
        assert_eq!(socket_address("http://qdrant-2:6334/").as_deref(), Some("qdrant-2:6334"));
        assert_eq!(socket_address("https://key@q.example.com").as_deref(), Some("q.example.com:443"));
        assert_eq!(socket_address("not a url"), None);
    }

    #[tokio::test]
    async fn a_closed_port_does_not_accept_connections() {
        assert!(!accepts_connections("http://127.0.0.1:9").await);
    }

    #[test]
    fn a_version_that_is_no_number_is_refused() {
        assert!(matches!(check_version("http://q:6334", "dev"), Err(IndexError::Connect { .. })));
    }
}
