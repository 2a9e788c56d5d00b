//! What one plugin component may hold: its linear memories, tables and core instances.
//!
//! A call's memory limit ([`RuntimeConfig::memory_limit`](crate::RuntimeConfig::memory_limit))
//! is held over every memory of the call together, and its table elements over every table,
//! so a component cannot multiply its share by defining more of them. The same numbers size
//! the pooling allocator's slots (`engine.rs`), so the pool always fits
//! [`RuntimeConfig::max_concurrent_instances`](crate::RuntimeConfig::max_concurrent_instances)
//! components at their largest and one plugin cannot exhaust it for the others. The
//! on-demand allocator, which has no slots, is held to them by each call's
//! `ResourceLimiter` (`state.rs`). A component that needs more is refused when it is loaded
//! ([`check`]), before any of its code runs.
//!
//! Real plugins are far inside these: a Rust component built for `wasm32-wasip2` defines one
//! memory, two tables of a few hundred functions and three core instances.

use wasmtime::component::Component;

use crate::error::LoadError;

/// Most linear memories one component may define: one (the plugin's own heap).
pub const MAX_MEMORIES: u32 = 1;
/// Most tables one component may define.
pub const MAX_TABLES: u32 = 4;
/// Most table elements one call may hold, over all its tables together.
pub const MAX_TABLE_ELEMENTS: usize = 65_536;
/// Most core instances one component may create (checked by the pooling allocator when it
/// compiles a component).
pub(crate) const MAX_CORE_INSTANCES: u32 = 8;
/// Most memories or tables one core module may define for the pooling allocator to compile
/// it; [`check`] then holds the component to [`MAX_MEMORIES`] and [`MAX_TABLES`] with its
/// own error. (A pooled slot reserves room for this many definitions: a few bytes each.)
pub(crate) const MAX_DEFINITIONS_PER_MODULE: u32 = 16;

/// Refuses a compiled component that needs more than these limits allow: more than
/// [`MAX_MEMORIES`] memories or [`MAX_TABLES`] tables, a memory that starts larger than
/// `memory_limit` bytes, or a table that starts larger than [`MAX_TABLE_ELEMENTS`].
pub(crate) fn check(component: &Component, memory_limit: usize) -> Result<(), LoadError> {
    let Some(needs) = component.resources_required() else {
        // Only a component importing core modules has no static answer, and no host
        // linker provides core modules: it could not link anyway.
        return Err(LoadError::Resources("it imports core modules, which no plugin may".into()));
    };
    if needs.num_memories > MAX_MEMORIES {
        return Err(LoadError::Resources(format!(
            "it defines {} linear memories; a plugin may have at most {MAX_MEMORIES}",
            needs.num_memories
        )));
    }
    if needs.num_tables > MAX_TABLES {
        return Err(LoadError::Resources(format!(
            "it defines {} tables; a plugin may have at most {MAX_TABLES}",
            needs.num_tables
        )));
    }
    let initial_memory = needs.max_initial_memory_size.unwrap_or(0).saturating_mul(64 << 10);
    if initial_memory > memory_limit as u64 {
        return Err(LoadError::Resources(format!(
            "its memory starts at {initial_memory} bytes, over the memory limit of {memory_limit} bytes"
        )));
    }
    let initial_table = needs.max_initial_table_size.unwrap_or(0);
    if initial_table > MAX_TABLE_ELEMENTS as u64 {
        return Err(LoadError::Resources(format!(
            "a table starts with {initial_table} elements; a plugin may have at most {MAX_TABLE_ELEMENTS}"
        )));
    }
    Ok(())
}
