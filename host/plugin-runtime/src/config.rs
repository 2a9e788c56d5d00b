//! Limits and locations of the plugin runtime.

use std::path::PathBuf;
use std::time::Duration;

/// How the runtime sandboxes and caches plugins.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeConfig {
    /// Where compiled components are cached (by content hash and engine).
    pub cache_dir: PathBuf,
    /// Most linear memory one call may use, in bytes.
    pub memory_limit: usize,
    /// Longest one call may run, instantiation included.
    pub call_timeout: Duration,
    /// Largest result (tool JSON, chunk list) accepted from a plugin, in bytes.
    pub max_result_bytes: usize,
    /// Bytes of stdout and of stderr kept per call for the log; the rest is dropped.
    pub captured_output_bytes: usize,
    /// How many calls may hold an instance at once (pooling allocator slots).
    pub max_concurrent_instances: u32,
    /// Whether to use the pooling allocator where the machine allows it (the default);
    /// `false` allocates every instance on demand. The limits hold either way.
    pub pooling: bool,
    /// Most bytes one plugin's key-value space may hold in one campaign: every key's and
    /// value's bytes plus [`KV_ENTRY_OVERHEAD`](crate::KV_ENTRY_OVERHEAD) per entry. A
    /// `kv-set` that would go past it is refused ([`crate::ServiceError::QuotaExceeded`]);
    /// the host's storage enforces it in the write itself, so concurrent writes cannot
    /// overshoot.
    pub kv_quota_bytes: u64,
}

impl RuntimeConfig {
    /// Defaults with the cache under `cache_dir`.
    pub fn new(cache_dir: impl Into<PathBuf>) -> Self {
        RuntimeConfig {
            cache_dir: cache_dir.into(),
            memory_limit: 128 << 20,
            call_timeout: Duration::from_secs(5),
            max_result_bytes: 8 << 20,
            captured_output_bytes: 64 << 10,
            max_concurrent_instances: 64,
            pooling: true,
            kv_quota_bytes: 1 << 20,
        }
    }
}
