//! The task that hears other hosts' invalidations: it subscribes to the invalidation channel,
//! and subscribes again a second after the subscription is lost, for as long as the cache
//! lives.

use std::sync::Weak;
use std::time::Duration;

use super::{Inner, InvalidationSink};

/// How long after a lost subscription the next attempt waits.
const RESUBSCRIBE_AFTER: Duration = Duration::from_secs(1);

/// Starts listening for the cache behind `inner`.
pub(super) fn spawn(inner: Weak<Inner>) {
    tokio::spawn(async move {
        loop {
            let Some((l2, channel)) = inner.upgrade().and_then(|i| i.l2.clone().map(|l2| (l2, i.channel())))
            else {
                return;
            };
            let outcome = l2.listen(&channel, &inner).await;
            if let Some(cache) = inner.upgrade() {
                cache.generations.unsubscribed();
            }
            if !inner.alive() {
                return;
            }
            if let Err(err) = outcome {
                tracing::debug!("the cache's invalidation channel: {err}");
            }
            tokio::time::sleep(RESUBSCRIBE_AFTER).await;
        }
    });
}
