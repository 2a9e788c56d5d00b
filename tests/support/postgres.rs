//! A PostgreSQL database of a test's own on the machine's server (127.0.0.1:5432), dropped
//! at the end.
#![allow(dead_code, reason = "not every test binary uses every helper")]

use sqlx::{Connection, Executor};

/// The server's maintenance database, where test databases are created and dropped.
pub const ADMIN_PG: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database of this test's own, dropped by [`TestDb::drop_now`].
pub struct TestDb {
    /// Its name.
    pub name: String,
    /// Its URL.
    pub url: String,
}

impl TestDb {
    /// Creates `ttrpg_<purpose>_<uuid>`, or says why it cannot.
    pub async fn create(purpose: &str) -> Result<TestDb, String> {
        let mut admin =
            sqlx::PgConnection::connect(ADMIN_PG).await.map_err(|e| format!("PostgreSQL: {e}"))?;
        let name = format!("ttrpg_{purpose}_{}", uuid::Uuid::now_v7().simple());
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .map_err(|e| e.to_string())?;
        Ok(TestDb { url: format!("postgres://postgres@127.0.0.1:5432/{name}"), name })
    }

    /// Drops it, whoever is still connected.
    pub async fn drop_now(self) {
        if let Ok(mut admin) = sqlx::PgConnection::connect(ADMIN_PG).await {
            let _ = admin
                .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)))
                .await;
        }
    }
}
