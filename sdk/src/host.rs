//! Safe wrappers for the functions the host offers a plugin.
//!
//! Each needs a capability that the plugin asks for in its [`Manifest`](crate::Manifest) and
//! that the GM granted for the campaign the call runs in; without it the call returns
//! [`HostError::NotGranted`]. A [`HostError`] converts into a [`ToolError`](crate::ToolError)
//! with `?`, so inside a tool handler `host::kv_set("k", b"v")?;` is enough when the error
//! should simply end the call.
//!
//! These functions only work inside the host: in a native build (a `cargo test` of the plugin
//! crate) calling one panics.

use crate::{HostError, LogLevel, SearchHit, bindings::ttrpg::plugin::host as wit};

/// Writes a line to the host's log, tagged with the plugin and campaign. Needs
/// [`Capability::Log`](crate::Capability::Log). Lines over 4 KiB are cut.
///
/// `println!` and `eprintln!` also end up in the host's log (never in the MCP stream), but
/// without a level and whether or not `log` is granted; prefer this.
pub fn log(level: LogLevel, message: &str) -> Result<(), HostError> {
    wit::log(level, message)
}

/// A random 64-bit number from the host's seedable source (so rolls can be replayed and
/// audited). Needs [`Capability::Random`](crate::Capability::Random).
pub fn random_u64() -> Result<u64, HostError> {
    wit::random_u64()
}

/// `count` die faces, each uniform in `1..=sides`, from the host's seedable source. Needs
/// [`Capability::Random`](crate::Capability::Random).
///
/// # Errors
/// [`HostError::Invalid`] when `sides` is 0 or `count` is over 10 000 (roll in batches).
pub fn roll_faces(sides: u32, count: u32) -> Result<Vec<u32>, HostError> {
    wit::roll_faces(sides, count)
}

/// Reads a value from the plugin's key-value space for this campaign; `None` when the key
/// is not set. Needs [`Capability::Kv`](crate::Capability::Kv).
pub fn kv_get(key: &str) -> Result<Option<Vec<u8>>, HostError> {
    wit::kv_get(key)
}

/// Writes a value to the plugin's key-value space for this campaign. Needs
/// [`Capability::Kv`](crate::Capability::Kv).
///
/// The space is held to a quota the server sets (1 MiB per plugin and campaign by
/// default), counting every key's and value's bytes plus 64 bytes per entry.
///
/// # Errors
/// [`HostError::Invalid`] when the key is over 256 bytes, the value over 1 MiB, or the space
/// would go over its quota (the message names it; nothing is written: delete keys first).
pub fn kv_set(key: &str, value: &[u8]) -> Result<(), HostError> {
    wit::kv_set(key, value)
}

/// Deletes a key; returns whether it existed. Needs [`Capability::Kv`](crate::Capability::Kv).
pub fn kv_delete(key: &str) -> Result<bool, HostError> {
    wit::kv_delete(key)
}

/// Lists the keys starting with `prefix`, sorted, at most 1000. Needs
/// [`Capability::Kv`](crate::Capability::Kv).
pub fn kv_list(prefix: &str) -> Result<Vec<String>, HostError> {
    wit::kv_list(prefix)
}

/// Searches the campaign's collections (read-only); `collection` empty searches all of them.
/// `filter` is a JSON object of conditions on record fields (`{"type": "dragon"}`,
/// `{"challenge_rating": {"gte": 5}}`, `{"school": {"any": ["evocation"]}}`); pass
/// `serde_json::Value::Null` or an empty object for none. At most 50 hits, best first.
/// Needs the `search` capability.
///
/// # Errors
/// [`HostError::Invalid`] when the query is over 1 KiB or 64 terms, the filter over 16 KiB
/// or malformed, or scoring would take longer than the host's time budget (narrow the
/// query or add a filter).
pub fn search(
    collection: &str,
    query: &str,
    filter: &serde_json::Value,
    limit: u32,
) -> Result<Vec<SearchHit>, HostError> {
    let filter = if filter.is_null() { String::new() } else { filter.to_string() };
    wit::search(collection, query, &filter, limit)
}

/// Calls one of the host's core MCP tools (`initiative_add`, `roll_dice`, `character_get`, …)
/// as an MCP client would, in the campaign of the current call, and returns the tool's
/// structured result. Needs [`Capability::HostTools`](crate::Capability::HostTools).
///
/// `arguments` must be a JSON object; the host fills in a missing `campaign_id` with the
/// call's campaign and refuses another campaign's. Plugin tools cannot be called this way.
///
/// ```no_run
/// use ttrpg_plugin_sdk::{host, serde_json::json};
///
/// let added = host::call_tool("initiative_add", &json!({"name": "Goblin", "count": 3}))?;
/// println!("{}", added["rolls"]);
/// # Ok::<(), ttrpg_plugin_sdk::HostError>(())
/// ```
///
/// # Errors
/// [`HostError::NotGranted`] without the capability; [`HostError::Invalid`] or
/// [`HostError::Failed`] with the tool's message when the host refuses the call or the
/// tool fails; [`HostError::Failed`] when the host's answer is not JSON.
pub fn call_tool(name: &str, arguments: &serde_json::Value) -> Result<serde_json::Value, HostError> {
    let text = wit::call_tool(name, &arguments.to_string())?;
    serde_json::from_str(&text).map_err(|e| {
        HostError::Failed(format!("host tool `{name}` answered with something that is not JSON: {e}"))
    })
}
