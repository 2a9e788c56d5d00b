//! The lease an ingestion holds on its document while it works (see
//! [`crate::storage::IngestLeaseStore`]): taken before the file is read, renewed in the
//! background, and given up when the ingestion ends, however it ends.

use std::sync::Arc;
use std::time::Duration;

use crate::storage::{IngestClaim, Storage};

/// How often a waiting call asks again whether the holder is done (at most).
const POLL_AT_MOST: Duration = Duration::from_millis(500);

/// What waiting for a document's lease ended in.
pub(super) enum Turn {
    /// This call holds the lease: it does the work.
    Ours(Lease),
    /// Another call finished the document meanwhile.
    Done,
}

/// Takes the lease of `document_id`, waiting while another call (on any host) holds a lease
/// that has not run out.
pub(super) async fn take_turn(
    storage: &Arc<dyn Storage>,
    document_id: &str,
    duration: Duration,
) -> anyhow::Result<Turn> {
    let holder = uuid::Uuid::now_v7().simple().to_string();
    let mut said = false;
    loop {
        match storage.claim_ingest(document_id, &holder, until(duration)).await? {
            IngestClaim::Claimed => {
                return Ok(Turn::Ours(Lease::keep(storage.clone(), document_id, holder, duration)));
            }
            IngestClaim::Ready => return Ok(Turn::Done),
            IngestClaim::Held { holder: other, until } => {
                if !said {
                    tracing::info!(
                        document = document_id,
                        holder = %other,
                        %until,
                        "another ingestion of the same file is running; waiting for it"
                    );
                    said = true;
                }
                tokio::time::sleep(POLL_AT_MOST.min(duration / 4)).await;
            }
        }
    }
}

fn until(duration: Duration) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
        + chrono::Duration::from_std(duration).unwrap_or_else(|_| chrono::Duration::seconds(30))
}

/// A held lease, renewed every third of its duration until dropped; dropping it gives the
/// lease up, so a call that failed or was cancelled leaves the document to the next one at
/// once (a host that died leaves it once the lease runs out).
pub(super) struct Lease {
    renewing: tokio::task::JoinHandle<()>,
    storage: Arc<dyn Storage>,
    document_id: String,
    holder: String,
}

impl Lease {
    fn keep(storage: Arc<dyn Storage>, document_id: &str, holder: String, duration: Duration) -> Lease {
        let renewing = {
            let (storage, document_id, holder) = (storage.clone(), document_id.to_string(), holder.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(duration / 3).await;
                    match storage.renew_ingest(&document_id, &holder, until(duration)).await {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::warn!(
                                document = %document_id,
                                "this ingestion's lease was taken over; the other call finishes the same work"
                            );
                            return;
                        }
                        Err(err) => {
                            tracing::warn!(document = %document_id, "renewing the ingestion's lease failed: {err}")
                        }
                    }
                }
            })
        };
        Lease { renewing, storage, document_id: document_id.to_string(), holder }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.renewing.abort();
        let (storage, document_id, holder) =
            (self.storage.clone(), std::mem::take(&mut self.document_id), std::mem::take(&mut self.holder));
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(err) = storage.release_ingest(&document_id, &holder).await {
                    tracing::debug!(document = %document_id, "giving up the ingestion's lease failed: {err}");
                }
            });
        }
    }
}
