//! What one call's store holds: the sandbox (WASI with nothing granted), the limits, the
//! grants, the randomness and the services behind the host imports.

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::config::RuntimeConfig;
use crate::limits::{MAX_MEMORIES, MAX_TABLE_ELEMENTS, MAX_TABLES};
use crate::model::{CallContext, LogLevel};
use crate::output::CapturedOutput;
use crate::random::{self, CallRandomness};
use crate::services::{Grants, HostServices};

/// Longest log line a plugin may write through `host.log`.
pub(crate) const MAX_LOG_LINE: usize = 4096;

/// The data of a store that runs one plugin call.
pub(crate) struct PluginState {
    pub(crate) plugin_id: String,
    pub(crate) campaign_id: Option<String>,
    pub(crate) session_id: Option<String>,
    pub(crate) grants: Grants,
    pub(crate) services: Arc<dyn HostServices>,
    pub(crate) random: CallRandomness,
    pub(crate) limits: CallLimits,
    /// Most bytes the plugin's kv space in this campaign may hold (handed to `kv-set`).
    pub(crate) kv_quota_bytes: u64,
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
    /// The state of one call of `plugin_id`: WASI with nothing granted (no files, network,
    /// environment or arguments; stdout and stderr captured, capped), the memory limit,
    /// and every random draw, WASI's included, from `seed`.
    pub(crate) fn new(
        config: &RuntimeConfig,
        plugin_id: &str,
        context: Option<&CallContext>,
        grants: &Grants,
        services: Arc<dyn HostServices>,
        seed: u64,
    ) -> Self {
        let stdout = CapturedOutput::new(config.captured_output_bytes);
        let stderr = CapturedOutput::new(config.captured_output_bytes);
        let mut wasi = WasiCtxBuilder::new();
        wasi.stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        random::seed_wasi(&mut wasi, seed);
        let others = StoreLimitsBuilder::new()
            .trap_on_grow_failure(true)
            .instances(64)
            .tables(MAX_TABLES as usize)
            .memories(MAX_MEMORIES as usize)
            .table_elements(MAX_TABLE_ELEMENTS)
            .build();
        PluginState {
            plugin_id: plugin_id.to_string(),
            campaign_id: context.map(|c| c.campaign_id.clone()),
            session_id: context.and_then(|c| c.session_id.clone()),
            grants: grants.clone(),
            services,
            random: CallRandomness::new(seed),
            limits: CallLimits::new(config.memory_limit, MAX_TABLE_ELEMENTS, others),
            kv_quota_bytes: config.kv_quota_bytes,
            wasi: wasi.build(),
            table: ResourceTable::new(),
            stdout,
            stderr,
        }
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

/// The store's [`ResourceLimiter`]: linear memory up to `memory_limit` bytes over all the
/// call's memories together, table elements up to `table_limit` over all its tables,
/// instances, tables and memories (and what a failed growth does) as `others` allows. A
/// growth past either limit traps, and the limiter notes it, so the call's error says
/// "memory limit" or "table limit" from a flag rather than from the text of the trap.
///
/// Every memory and table of a store starts through [`ResourceLimiter::memory_growing`] /
/// [`ResourceLimiter::table_growing`] (from 0 to its initial size) and only ever grows,
/// so the sums below are what the call holds.
pub(crate) struct CallLimits {
    memory_limit: usize,
    table_limit: usize,
    others: StoreLimits,
    /// Bytes of all memories, as granted so far.
    memory_in_use: usize,
    /// The last memory growth granted, taken back if it then fails.
    last_memory_growth: usize,
    /// Elements of all tables, as granted so far.
    table_elements: usize,
    /// The last table growth granted, taken back if it then fails.
    last_table_growth: usize,
    refused_memory: Option<usize>,
    refused_table: Option<usize>,
}

impl CallLimits {
    /// Limits of `memory_limit` bytes of linear memory and `table_limit` table elements;
    /// `others` bounds the rest.
    pub(crate) fn new(memory_limit: usize, table_limit: usize, others: StoreLimits) -> Self {
        CallLimits {
            memory_limit,
            table_limit,
            others,
            memory_in_use: 0,
            last_memory_growth: 0,
            table_elements: 0,
            last_table_growth: 0,
            refused_memory: None,
            refused_table: None,
        }
    }

    /// The bytes all memories together would have held when a growth past the limit was
    /// refused during this call.
    pub(crate) fn refused_memory_growth(&self) -> Option<usize> {
        self.refused_memory
    }

    /// The elements all tables together would have held when a growth past the limit was
    /// refused during this call.
    pub(crate) fn refused_table_growth(&self) -> Option<usize> {
        self.refused_table
    }
}

/// What the trap of a refused memory growth carries (the call's error is built from
/// [`CallLimits::refused_memory_growth`], not from this).
#[derive(Debug, thiserror::Error)]
#[error("memory growth to {desired} bytes (all memories together) refused: the limit is {limit} bytes")]
struct MemoryGrowthRefused {
    desired: usize,
    limit: usize,
}

/// What the trap of a refused table growth carries (the call's error is built from
/// [`CallLimits::refused_table_growth`], not from this).
#[derive(Debug, thiserror::Error)]
#[error("table growth to {desired} elements (all tables together) refused: the limit is {limit} elements")]
struct TableGrowthRefused {
    desired: usize,
    limit: usize,
}

impl ResourceLimiter for CallLimits {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let growth = desired.saturating_sub(current);
        let total = self.memory_in_use.saturating_add(growth);
        if total > self.memory_limit {
            self.refused_memory = Some(total);
            return Err(MemoryGrowthRefused { desired: total, limit: self.memory_limit }.into());
        }
        let allowed = self.others.memory_growing(current, desired, maximum)?;
        if allowed {
            self.memory_in_use = total;
            self.last_memory_growth = growth;
        }
        Ok(allowed)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.memory_in_use = self.memory_in_use.saturating_sub(std::mem::take(&mut self.last_memory_growth));
        self.others.memory_grow_failed(error)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let growth = desired.saturating_sub(current);
        let total = self.table_elements.saturating_add(growth);
        if total > self.table_limit {
            self.refused_table = Some(total);
            return Err(TableGrowthRefused { desired: total, limit: self.table_limit }.into());
        }
        let allowed = self.others.table_growing(current, desired, maximum)?;
        if allowed {
            self.table_elements = total;
            self.last_table_growth = growth;
        }
        Ok(allowed)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.table_elements = self.table_elements.saturating_sub(std::mem::take(&mut self.last_table_growth));
        self.others.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.others.instances()
    }

    fn tables(&self) -> usize {
        self.others.tables()
    }

    fn memories(&self) -> usize {
        self.others.memories()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> CallLimits {
        CallLimits::new(100, 10, StoreLimitsBuilder::new().trap_on_grow_failure(true).build())
    }

    #[test]
    fn the_memory_limit_holds_over_all_memories_together() {
        let mut limits = limits();
        // Two memories start at 40 bytes each: 80 of 100.
        assert!(limits.memory_growing(0, 40, None).unwrap());
        assert!(limits.memory_growing(0, 40, None).unwrap());
        assert_eq!(limits.refused_memory_growth(), None);
        // Either growing by 30 would make 110: refused, though each alone stays under 100.
        assert!(limits.memory_growing(40, 70, None).is_err());
        assert_eq!(limits.refused_memory_growth(), Some(110));
        // A growth that fits is still allowed, and one that failed afterwards (a trap here)
        // is given back.
        assert!(limits.memory_growing(40, 60, None).unwrap());
        assert!(limits.memory_grow_failed(wasmtime::format_err!("no room")).is_err());
        assert!(limits.memory_growing(40, 60, None).unwrap());
    }

    #[test]
    fn the_table_limit_holds_over_all_tables_together() {
        let mut limits = limits();
        assert!(limits.table_growing(0, 6, None).unwrap());
        assert!(limits.table_growing(0, 4, None).unwrap());
        assert!(limits.table_growing(4, 5, None).is_err());
        assert_eq!(limits.refused_table_growth(), Some(11));
        assert_eq!(limits.refused_memory_growth(), None);
        let mut fresh = super::CallLimits::new(100, 10, StoreLimitsBuilder::new().build());
        assert!(fresh.table_growing(0, 5_000_000, None).is_err(), "a table of millions is refused");
    }
}
