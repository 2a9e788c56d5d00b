//! What one call's store holds: the sandbox (WASI with nothing granted), the limits, the
//! grants, the randomness and the services behind the host imports.

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::config::RuntimeConfig;
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
            .tables(64)
            .memories(16)
            .build();
        PluginState {
            plugin_id: plugin_id.to_string(),
            campaign_id: context.map(|c| c.campaign_id.clone()),
            session_id: context.and_then(|c| c.session_id.clone()),
            grants: grants.clone(),
            services,
            random: CallRandomness::new(seed),
            limits: CallLimits::new(config.memory_limit, others),
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

/// The store's [`ResourceLimiter`]: linear memory up to `memory_limit` bytes, tables,
/// instances and memories (and what a failed growth does) as `others` allows. A growth
/// past the memory limit traps, and the limiter notes it, so the call's error says
/// "memory limit" from a flag rather than from the text of the trap.
pub(crate) struct CallLimits {
    memory_limit: usize,
    others: StoreLimits,
    refused_memory: Option<usize>,
}

impl CallLimits {
    /// Limits of `memory_limit` bytes of linear memory; `others` bounds the rest.
    pub(crate) fn new(memory_limit: usize, others: StoreLimits) -> Self {
        CallLimits { memory_limit, others, refused_memory: None }
    }

    /// The size in bytes a memory asked to grow to when a growth past the limit was
    /// refused during this call.
    pub(crate) fn refused_memory_growth(&self) -> Option<usize> {
        self.refused_memory
    }
}

/// What the trap of a refused memory growth carries (the call's error is built from
/// [`CallLimits::refused_memory_growth`], not from this).
#[derive(Debug, thiserror::Error)]
#[error("memory growth to {desired} bytes refused: the limit is {limit} bytes")]
struct MemoryGrowthRefused {
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
        if desired > self.memory_limit {
            self.refused_memory = Some(desired);
            return Err(MemoryGrowthRefused { desired, limit: self.memory_limit }.into());
        }
        self.others.memory_growing(current, desired, maximum)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.others.memory_grow_failed(error)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.others.table_growing(current, desired, maximum)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
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
