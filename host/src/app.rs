//! The application: configuration, storage and dice limits, shared by the CLI and
//! every MCP session.

use std::sync::Arc;

use anyhow::Context;
use ttrpg_dice::DiceLimits;

use crate::config::Config;
use crate::storage::{self, MigrateOnOpen, Storage};

/// What every command and tool works with.
pub struct App {
    /// The configuration in force.
    pub config: Config,
    /// The structured database.
    pub storage: Arc<dyn Storage>,
    /// Limits every dice expression is held to.
    pub dice_limits: DiceLimits,
}

impl App {
    /// Opens the database the configuration names (bringing its schema up to date)
    /// and builds the application.
    pub async fn open(config: Config) -> anyhow::Result<Arc<App>> {
        let url = config.database_url();
        let storage = storage::open(&url, MigrateOnOpen::Apply)
            .await
            .with_context(|| format!("opening the database {}", storage::redact_url(&url)))?;
        Ok(Arc::new(App::with_storage(config, storage)))
    }

    /// Builds the application over an already opened store.
    pub fn with_storage(config: Config, storage: Arc<dyn Storage>) -> App {
        let dice_limits = DiceLimits { max_dice: config.dice.max_dice, ..DiceLimits::default() };
        App { config, storage, dice_limits }
    }
}
