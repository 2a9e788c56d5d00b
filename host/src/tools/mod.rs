//! The core MCP tools, written against the [`registry`] and the [`crate::storage`]
//! trait. Nothing here knows about rmcp or JSON-RPC: a tool takes typed arguments and
//! returns a typed result, and [`crate::mcp`] does the protocol.

mod backup;
mod campaign;
mod character;
mod confirm;
pub(crate) mod dice;
mod error;
pub mod health;
mod host_tools;
pub mod house_rules;
pub mod images;
pub mod initiative;
pub mod library;
pub mod paging;
pub mod plugins;
mod portable;
pub mod registry;
mod session;
pub mod toolsets;
mod validate;

pub use error::ToolError;
pub use host_tools::{CampaignScopedTools, PLUGIN_CALLABLE_TOOLS};
pub use registry::{
    Attachment, Attachments, Consent, ConsentAnswer, ToolCall, ToolHandler, ToolHints, ToolRegistry, ToolSpec,
};

/// A registry holding every core tool.
pub fn core_registry() -> ToolRegistry {
    let registry = ToolRegistry::new();
    let all = [
        campaign::tools(),
        session::tools(),
        character::tools(),
        initiative::tools(),
        dice::tools(),
        plugins::tools(),
        library::tools(),
        house_rules::tools(),
        health::tools(),
        backup::tools(),
        images::tools(),
        portable::tools(),
    ];
    for tool in all.into_iter().flatten() {
        // Core tool names are distinct by construction; a clash is a bug caught by the tests.
        if let Err(err) = registry.register(tool) {
            tracing::error!("{err}");
        }
    }
    registry
}

fn shared_core_registry() -> &'static ToolRegistry {
    static REGISTRY: std::sync::OnceLock<ToolRegistry> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(core_registry)
}

/// The names of the core tools (a plugin's namespaced tools must not collide with them).
pub fn core_tool_names() -> &'static [String] {
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| shared_core_registry().names())
}

/// A core tool by name (what a plugin granted `host-tools` calls).
pub fn core_tool(name: &str) -> Option<std::sync::Arc<dyn ToolHandler>> {
    shared_core_registry().get(name)
}
