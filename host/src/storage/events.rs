//! Messages between the hosts that share a database: PostgreSQL's `LISTEN`/`NOTIFY`.
//!
//! A notification is delivered to every connection listening on its channel, on any host,
//! when the transaction that sent it commits (a lone `pg_notify` commits at once). Nothing is
//! kept for a listener that is not connected: messages sent while a host's listening
//! connection is down are lost to it, so what they announce must also be readable from the
//! database. SQLite is one host's database: there is nobody to tell, and [`NotifyStore::listen`]
//! gives no listener.

use async_trait::async_trait;
use sqlx::Pool;

use super::StorageResult;
use super::sql::{SqlEngine, SqlStorage};

/// A connection listening on one channel.
pub struct EventListener {
    inner: sqlx::postgres::PgListener,
}

impl EventListener {
    pub(super) async fn postgres(pool: &Pool<sqlx::Postgres>, channel: &str) -> StorageResult<EventListener> {
        let mut inner = sqlx::postgres::PgListener::connect_with(pool).await?;
        inner.listen(channel).await?;
        Ok(EventListener { inner })
    }

    /// The next message's payload; `None` when the connection was lost, so messages sent
    /// meanwhile were missed (the next call connects and listens again). An error means it
    /// could not connect again.
    pub async fn recv(&mut self) -> StorageResult<Option<String>> {
        Ok(self.inner.try_recv().await?.map(|notification| notification.payload().to_string()))
    }
}

/// Messages to and from the other hosts on the same database.
#[async_trait]
pub trait NotifyStore: Send + Sync {
    /// Sends `payload` to every host listening on `channel` (at most 8000 bytes).
    async fn notify(&self, channel: &str, payload: &str) -> StorageResult<()>;
    /// Listens on `channel`; `None` when this engine has no other hosts to hear from.
    async fn listen(&self, channel: &str) -> StorageResult<Option<EventListener>>;
}

#[async_trait]
impl<DB: SqlEngine> NotifyStore for SqlStorage<DB> {
    async fn notify(&self, channel: &str, payload: &str) -> StorageResult<()> {
        if let Some(notify) = DB::NOTIFY {
            sqlx::query(notify)
                .bind(channel.to_string())
                .bind(payload.to_string())
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    async fn listen(&self, channel: &str) -> StorageResult<Option<EventListener>> {
        DB::listener(&self.pool, channel).await
    }
}
