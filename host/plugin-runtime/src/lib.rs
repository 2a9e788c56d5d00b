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
//! Adding an API version: freeze `wit/<version>/`, add a module like `v0_1_0` with its
//! own `bindgen!` and adapter into [`model`], a linker for it in [`PluginRuntime`], and a
//! match arm in `PluginRuntime::load`.

mod config;
mod engine;
mod error;
pub mod model;
mod output;
mod plugin;
mod runtime;
mod services;
mod state;
mod v0_1_0;
mod validate;

pub use config::RuntimeConfig;
pub use engine::sha256_hex;
pub use error::{CallError, LoadError};
pub use plugin::LoadedPlugin;
pub use runtime::{PluginRuntime, SUPPORTED_API_VERSIONS};
pub use services::{Grants, HostServices, NoServices};
pub use validate::is_valid_plugin_id;
