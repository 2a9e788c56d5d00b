//! The shared level on Redis: a multiplexed connection that reconnects by itself, every
//! command under a deadline, one warning per outage, and a subscription to the invalidation
//! channel on a connection of its own (pinged every [`PING_EVERY`], so a hung server ends it).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::Mutex;

use super::{CacheError, InvalidationSink, SharedCache};
use crate::config::redact_url;

/// How long a cache command may take before the caller goes on without it.
pub const DEADLINE: Duration = Duration::from_millis(50);
/// How often a listening host checks that the store still answers.
pub const PING_EVERY: Duration = Duration::from_millis(500);
/// How many keys one `SCAN` step looks at.
const SCAN_COUNT: usize = 500;
/// How long after a failed connection the next attempt waits.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// Redis as the shared cache level.
pub struct RedisL2 {
    client: redis::Client,
    shown: String,
    connection: Mutex<Option<ConnectionManager>>,
    last_attempt: Mutex<Option<tokio::time::Instant>>,
    down: AtomicBool,
}

impl RedisL2 {
    /// A level on the Redis at `url`; it connects on first use (the host starts without it).
    pub fn new(url: &str) -> Result<Self, CacheError> {
        let client = redis::Client::open(url)
            .map_err(|err| CacheError::Store(format!("{}: {err}", redact_url(url))))?;
        Ok(RedisL2 {
            client,
            shown: redact_url(url),
            connection: Mutex::new(None),
            last_attempt: Mutex::new(None),
            down: AtomicBool::new(false),
        })
    }

    /// The connection, connecting when there is none (at most once per [`RECONNECT_AFTER`]).
    async fn connection(&self) -> Result<ConnectionManager, CacheError> {
        let mut connection = self.connection.lock().await;
        if let Some(connection) = connection.as_ref() {
            return Ok(connection.clone());
        }
        let mut last = self.last_attempt.lock().await;
        if last.is_some_and(|at| at.elapsed() < RECONNECT_AFTER) {
            return Err(CacheError::Store(format!("{} is down; trying again shortly", self.shown)));
        }
        *last = Some(tokio::time::Instant::now());
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(DEADLINE * 4))
            .set_response_timeout(Some(DEADLINE))
            .set_number_of_retries(1);
        let made = tokio::time::timeout(
            DEADLINE * 4,
            ConnectionManager::new_with_config(self.client.clone(), config),
        )
        .await
        .map_err(|_| CacheError::Timeout(DEADLINE * 4))?
        .map_err(|err| CacheError::Store(err.to_string()))?;
        *connection = Some(made.clone());
        Ok(made)
    }

    /// Runs one command under the deadline, noting outages and recoveries.
    async fn run<T, F, Fut>(&self, command: F) -> Result<T, CacheError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let outcome = match self.connection().await {
            Ok(connection) => match tokio::time::timeout(DEADLINE, command(connection)).await {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(err)) => Err(CacheError::Store(err.to_string())),
                Err(_) => Err(CacheError::Timeout(DEADLINE)),
            },
            Err(err) => Err(err),
        };
        match &outcome {
            Ok(_) => {
                if self.down.swap(false, Ordering::AcqRel) {
                    tracing::info!("the Redis cache at {} answers again", self.shown);
                }
            }
            Err(err) => {
                if !self.down.swap(true, Ordering::AcqRel) {
                    tracing::warn!(
                        "the Redis cache at {} is unavailable ({err}); serving without it",
                        self.shown
                    );
                }
            }
        }
        outcome
    }
}

#[async_trait::async_trait]
impl SharedCache for RedisL2 {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
        self.run(|mut c| async move { c.get::<_, Option<Vec<u8>>>(key).await }).await
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CacheError> {
        let seconds = ttl.as_secs().max(1);
        self.run(|mut c| async move { c.set_ex::<_, _, ()>(key, value, seconds).await }).await
    }

    async fn counter(&self, key: &str) -> Result<u64, CacheError> {
        self.run(|mut c| async move { c.get::<_, Option<u64>>(key).await.map(|v| v.unwrap_or(0)) }).await
    }

    async fn bump(&self, key: &str, channel: &str, message: &str) -> Result<u64, CacheError> {
        let (generation, _receivers): (u64, u64) = self
            .run(|mut c| async move {
                redis::pipe().atomic().incr(key, 1u64).publish(channel, message).query_async(&mut c).await
            })
            .await?;
        Ok(generation)
    }

    async fn delete_matching(
        &self,
        pattern: &str,
        stale: &(dyn for<'k> Fn(&'k str) -> bool + Send + Sync),
    ) -> Result<usize, CacheError> {
        let mut cursor: u64 = 0;
        let mut deleted = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = self
                .run(|mut c| async move {
                    redis::cmd("SCAN")
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(pattern)
                        .arg("COUNT")
                        .arg(SCAN_COUNT)
                        .query_async(&mut c)
                        .await
                })
                .await?;
            let doomed: Vec<String> = keys.into_iter().filter(|key| stale(key)).collect();
            if !doomed.is_empty() {
                let doomed = &doomed;
                deleted += self.run(|mut c| async move { c.unlink::<_, usize>(doomed).await }).await?;
            }
            if next == 0 {
                return Ok(deleted);
            }
            cursor = next;
        }
    }

    async fn listen(&self, channel: &str, sink: &dyn InvalidationSink) -> Result<(), CacheError> {
        let mut pubsub = tokio::time::timeout(DEADLINE * 4, self.client.get_async_pubsub())
            .await
            .map_err(|_| CacheError::Timeout(DEADLINE * 4))?
            .map_err(|err| CacheError::Store(err.to_string()))?;
        tokio::time::timeout(DEADLINE * 4, pubsub.subscribe(channel))
            .await
            .map_err(|_| CacheError::Timeout(DEADLINE * 4))?
            .map_err(|err| CacheError::Store(err.to_string()))?;
        // The store must answer commands too, or other hosts' bumps cannot reach it.
        self.ping().await?;
        sink.subscribed();
        let mut messages = pubsub.on_message();
        let mut ping = tokio::time::interval(PING_EVERY);
        loop {
            tokio::select! {
                message = messages.next() => {
                    let Some(message) = message else {
                        return Err(CacheError::Store("the invalidation subscription was closed".into()));
                    };
                    match message.get_payload::<String>() {
                        Ok(tag) => sink.invalidated(&tag),
                        Err(err) => tracing::debug!("an invalidation message that is not text: {err}"),
                    }
                }
                _ = ping.tick() => {
                    if !sink.alive() {
                        return Ok(());
                    }
                    self.ping().await?;
                }
            }
        }
    }

    async fn ping(&self) -> Result<(), CacheError> {
        self.run(|mut c| async move { redis::cmd("PING").query_async::<String>(&mut c).await })
            .await
            .map(|_| ())
    }

    fn is_up(&self) -> bool {
        !self.down.load(Ordering::Acquire)
    }
}
