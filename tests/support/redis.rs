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

/// A `redis-server` of the test's own on a free port (nothing kept on disk), killed when
/// dropped; for tests that must not share, or that stop, Redis. [`RedisServer::down`] and
/// [`RedisServer::up`] stop it and start it again on the same port.
pub struct RedisServer {
    child: Option<std::process::Child>,
    /// Its port.
    pub port: u16,
    /// `redis://127.0.0.1:PORT`
    pub url: String,
}

impl RedisServer {
    /// Starts one, or says why it cannot.
    pub fn start() -> Result<RedisServer, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|err| format!("finding a free port: {err}"))?
            .port();
        let mut server = RedisServer { child: None, port, url: format!("redis://127.0.0.1:{port}") };
        server.up()?;
        Ok(server)
    }

    /// Starts it (again) on its port and waits until it answers.
    pub fn up(&mut self) -> Result<(), String> {
        let port = self.port.to_string();
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .map_err(|err| format!("starting redis-server: {err}"))?;
        self.child = Some(child);
        for _ in 0..100 {
            let ping = std::process::Command::new("redis-cli").args(["-p", &port, "ping"]).output();
            if ping.is_ok_and(|o| o.status.success()) {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Err(format!("redis-server on port {port} did not answer within 5 s"))
    }

    /// Kills it (as a crash would); [`RedisServer::up`] starts it again.
    pub fn down(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.down();
    }
}
