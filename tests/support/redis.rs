//! The Redis on 127.0.0.1:6379 that cache tests and benches share: whether it answers, and
//! deleting the keys a test wrote under its own prefix.
#![allow(dead_code)] // each test uses what it needs of these helpers

/// Whether Redis answers on 127.0.0.1:6379.
pub fn up() -> bool {
    std::process::Command::new("redis-cli")
        .args(["-p", "6379", "ping"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The keys under `prefix` (found with `SCAN`).
pub fn keys(prefix: &str) -> Vec<String> {
    let keys = std::process::Command::new("redis-cli")
        .args(["-p", "6379", "--scan", "--pattern", &format!("{prefix}:*")])
        .output();
    keys.map(|k| {
        String::from_utf8_lossy(&k.stdout).lines().filter(|k| !k.is_empty()).map(String::from).collect()
    })
    .unwrap_or_default()
}

/// Deletes every key under `prefix`.
pub fn delete_prefix(prefix: &str) {
    for key in keys(prefix) {
        let _ = std::process::Command::new("redis-cli").args(["-p", "6379", "del", &key]).output();
    }
}
