//! What one call's store holds: the sandbox (WASI with nothing granted), the limits, the
//! grants and the services behind the host imports.

use std::sync::Arc;

use wasmtime::StoreLimits;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::model::{Capability, LogLevel};
use crate::output::CapturedOutput;
use crate::services::{Grants, HostServices};

/// Longest log line a plugin may write through `host.log`.
pub(crate) const MAX_LOG_LINE: usize = 4096;
/// Most faces one `roll-faces` call may return.
pub(crate) const MAX_FACES: u32 = 10_000;
/// Longest kv key.
pub(crate) const MAX_KV_KEY: usize = 256;
/// Largest kv value.
pub(crate) const MAX_KV_VALUE: usize = 1 << 20;
/// Most keys one `kv-list` returns.
pub(crate) const MAX_KV_LIST: usize = 1000;
/// Most hits one `search` returns.
pub(crate) const MAX_SEARCH_HITS: u32 = 50;

/// The data of a store that runs one plugin call.
pub(crate) struct PluginState {
    pub(crate) plugin_id: String,
    pub(crate) campaign_id: Option<String>,
    pub(crate) session_id: Option<String>,
    pub(crate) grants: Grants,
    pub(crate) services: Arc<dyn HostServices>,
    pub(crate) rng: rand_chacha::ChaCha8Rng,
    pub(crate) limits: StoreLimits,
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) stdout: CapturedOutput,
    pub(crate) stderr: CapturedOutput,
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl PluginState {
    /// `Err(message)` unless `capability` was granted.
    pub(crate) fn require(&self, capability: Capability, function: &str) -> Result<(), String> {
        if self.grants.allows(capability) {
            Ok(())
        } else {
            Err(format!(
                "{function} needs the `{}` capability, which was not granted to plugin {} in this campaign",
                capability.name(),
                self.plugin_id
            ))
        }
    }

    /// The campaign of this call, or an error for calls made outside one.
    pub(crate) fn campaign(&self, function: &str) -> Result<&str, String> {
        self.campaign_id
            .as_deref()
            .ok_or_else(|| format!("{function} is only available during a campaign call"))
    }

    /// Writes a plugin log line to the host's log.
    pub(crate) fn log(&self, level: LogLevel, message: &str) {
        let mut end = message.len().min(MAX_LOG_LINE);
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        let line = &message[..end];
        let plugin = self.plugin_id.as_str();
        let campaign = self.campaign_id.as_deref().unwrap_or("-");
        match level {
            LogLevel::Trace => tracing::trace!(plugin, campaign, "{line}"),
            LogLevel::Debug => tracing::debug!(plugin, campaign, "{line}"),
            LogLevel::Info => tracing::info!(plugin, campaign, "{line}"),
            LogLevel::Warn => tracing::warn!(plugin, campaign, "{line}"),
            LogLevel::Error => tracing::error!(plugin, campaign, "{line}"),
        }
    }
}
