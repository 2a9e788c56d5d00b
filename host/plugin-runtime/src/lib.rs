//! The plugin runtime: game-system plugins are WebAssembly components built against the
//! versioned WIT interface in `wit/`, run by wasmtime in a sandbox.
//!
//! This crate is the only place that knows wasmtime. It gives the host:
//! - [`PluginRuntime`]: one engine (pooling allocator where the machine allows it, epoch
//!   deadlines), one linker per supported API version ([`SUPPORTED_API_VERSIONS`]), and a
//!   compiled-component cache on disk keyed by content hash and engine, so the second
//!   start skips compilation;
//! - [`LoadedPlugin`]: a validated description (manifest, tools, collections, dice grammar)
//!   and calls (`call_tool`, `roll`, `chunk`), each in a fresh store with a memory limit
//!   and a deadline. A trap, a panic, an endless loop or a memory bomb ends that call with
//!   a [`CallError`] and nothing else;
//! - [`HostServices`]: what the host provides behind the imports (key-value space,
//!   search), called only when the campaign granted the capability ([`Grants`]).
//!
//! WASI is linked with nothing granted: no files, no network, no environment variables,
//! no arguments; stdout and stderr are captured (capped) into the host's log.
//!
//! # Budgets
//! What one plugin may take is bounded, so a hostile plugin hurts only its own calls:
//! - **memory**: [`RuntimeConfig::memory_limit`] per call over all its linear memories
//!   together; a component may define [`MAX_MEMORIES`] (one), refused at load otherwise;
//! - **tables**: [`MAX_TABLES`] per component and [`MAX_TABLE_ELEMENTS`] per call over all
//!   of them, in the pooling and the on-demand allocator alike ([`CallError::TableLimit`]);
//! - **time**: [`RuntimeConfig::call_timeout`] per call, the guest yielding every epoch tick;
//! - **results**: [`RuntimeConfig::max_result_bytes`]; captured output
//!   [`RuntimeConfig::captured_output_bytes`];
//! - **host imports**: faces per roll, kv keys (256 B) and values (1 MiB), the kv quota
//!   ([`RuntimeConfig::kv_quota_bytes`], default 1 MiB per plugin and campaign, counted as
//!   keys + values + [`KV_ENTRY_OVERHEAD`] per entry, enforced by the host in the write),
//!   `search` queries ([`MAX_SEARCH_QUERY_BYTES`], [`MAX_SEARCH_TERMS`]) and filters
//!   ([`MAX_SEARCH_FILTER_BYTES`]), `call-tool` arguments
//!   ([`MAX_CALL_TOOL_ARGUMENTS_BYTES`]); each refused with [`ServiceError::Invalid`] (or
//!   [`ServiceError::QuotaExceeded`]) naming the limit, before the host does the work;
//! - **compiled code**: the on-disk cache is private to the server's user and each entry is
//!   verified against the SHA-256 recorded when it was written before it is deserialized; a
//!   mismatch is logged and recompiled, never loaded.
//!
//! # Tool roles
//! Every [`model::PluginToolSpec`] has a [`model::ToolRole`] (`role`): a plugin built against
//! API 0.2.x declares it per tool (`gm` or `player`); every tool of a 0.1.x plugin is
//! [`model::ToolRole::Gm`]. What a session may call is the host's rule.
//!
//! Randomness: every [`LoadedPlugin`] call takes its seed from the caller (the host picks
//! fresh ones with `ttrpg_dice::fresh_seed`). What the plugin draws during the call — the
//! `random` host imports and WASI's generators — all comes from that seed, the host
//! imports with the dice engine's own stream and face mapping, so a stored seed replays a
//! plugin's roll or tool result. The runtime never picks a seed itself.
//!
//! # API versions
//! A component names the API it was built against in its export
//! (`ttrpg:plugin/plugin@0.3.0`); it runs on the binding of a semver-compatible version
//! (the 0.1.0 binding runs any 0.1.x, the 0.2.0 binding any 0.2.x, the 0.3.0 binding any
//! 0.3.x; 0.4.0 or 1.0.0 are refused with both versions named). The rules of the host
//! imports (grants, limits, JSON shapes) live once, in version-independent code over
//! [`model`] types; a version's module only converts its generated types and forwards, and
//! what every version shares is one macro (`adapter.rs`). Adding a version, e.g. 0.4.0:
//! 1. freeze the new WIT in `wit/0.4.0/` (never edit a released folder);
//! 2. add a module `v0_4_0.rs` like `v0_3_0.rs`: its `bindgen!` over `wit/0.4.0`,
//!    `shared_adapter!` for what has not changed, the conversions of what has, and its
//!    `BINDING` (version, linker setup, pre-linking);
//! 3. add `v0_4_0::BINDING` to the version table (`API_BINDINGS` in `api.rs`) and
//!    `mod v0_4_0;` below; [`SUPPORTED_API_VERSIONS`] and the refusal message follow.
//!
//! What the new version adds goes into the version-independent code (a host import rule
//! in `host_imports.rs`, a model type) so older adapters can forward to it too.

mod adapter;
mod api;
mod config;
mod engine;
mod error;
mod host_imports;
mod limits;
pub mod model;
mod output;
mod plugin;
mod random;
mod raw;
mod runtime;
mod services;
mod state;
mod v0_1_0;
mod v0_2_0;
mod v0_3_0;
mod validate;

pub use config::RuntimeConfig;
pub use engine::sha256_hex;
pub use error::{CallError, LoadError, RefusalKind};
pub use host_imports::{
    MAX_CALL_TOOL_ARGUMENTS_BYTES, MAX_SEARCH_FILTER_BYTES, MAX_SEARCH_QUERY_BYTES, MAX_SEARCH_TERMS,
};
pub use limits::{MAX_MEMORIES, MAX_TABLE_ELEMENTS, MAX_TABLES};
pub use plugin::LoadedPlugin;
pub use runtime::{PluginRuntime, SUPPORTED_API_VERSIONS};
pub use services::{Grants, HostServices, KV_ENTRY_OVERHEAD, NoServices, ServiceError};
pub use validate::{MAX_GLOSSARY_ALIASES, MAX_GLOSSARY_ENTRIES, MAX_GLOSSARY_PHRASE, is_valid_plugin_id};
