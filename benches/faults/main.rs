//! Faults under load: the mixed workload of `benches/load` (M clients, each with its own
//! token and campaign) runs against three hosts behind the round-robin proxy, on a PostgreSQL,
//! a Redis and a three-peer Qdrant cluster (replication 2) of this run's own, and one part is
//! made to fail a few seconds in:
//!
//! - `postgres`: the database server is stopped (`pg_ctl stop -m fast`) and started again;
//! - `host`: one of the three hosts is killed with SIGKILL (not restarted);
//! - `redis`: Redis is killed and started again on the same port;
//! - `qdrant`: the Qdrant peer the hosts talk to first is killed (not restarted).
//!
//! Each run prints what failed, when, which calls failed and for how long, and checks that
//! every acknowledged roll is stored exactly once.
//!
//! ```sh
//! cargo bench --profile dev -p ttrpg-host --bench faults -- [--fault postgres|host|redis|qdrant|all]
//!     [--clients 20] [--calls 400] [--after 4] [--outage 15]
//! ```
//! Needs root (the PostgreSQL server runs as the `postgres` user, started with `runuser`), the
//! PostgreSQL server binaries, `redis-server`, the Qdrant in `../shared/bin/`, the embedding
//! model and ONNX Runtime (`ORT_DYLIB_PATH`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // a benchmark harness

#[path = "../../tests/support/fixtures.rs"]
mod fixtures;
#[path = "../load/harness.rs"]
mod harness;
#[path = "../../tests/e2e/pdf.rs"]
mod pdf;
#[path = "../../host/vectors/tests/common/qdrant.rs"]
mod qdrant;
#[path = "../../tests/support/redis.rs"]
mod redis;
#[path = "../../tests/support/round_robin.rs"]
mod round_robin;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use harness::{Stage, check_rolls, report, run_mixed, set_table};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Postgres,
    Host,
    Redis,
    Qdrant,
}

struct Options {
    faults: Vec<Fault>,
    clients: usize,
    calls: usize,
    after: Duration,
    outage: Duration,
}

fn options() -> Options {
    let mut options = Options {
        faults: vec![Fault::Postgres, Fault::Host, Fault::Redis, Fault::Qdrant],
        clients: 20,
        calls: 400,
        after: Duration::from_secs(4),
        // Longer than a host waits for a database connection (10 s), so that calls fail.
        outage: Duration::from_secs(15),
    };
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_default();
        match pair[0].as_str() {
            "--fault" => {
                options.faults = match value.as_str() {
                    "postgres" => vec![Fault::Postgres],
                    "host" => vec![Fault::Host],
                    "redis" => vec![Fault::Redis],
                    "qdrant" => vec![Fault::Qdrant],
                    "all" => options.faults,
                    other => panic!("unknown fault {other}: postgres, host, redis, qdrant or all"),
                }
            }
            "--clients" => options.clients = value.parse().expect("--clients N"),
            "--calls" => options.calls = value.parse().expect("--calls N"),
            "--after" => options.after = Duration::from_secs(value.parse().expect("--after SECONDS")),
            "--outage" => options.outage = Duration::from_secs(value.parse().expect("--outage SECONDS")),
            other => panic!("unknown option {other}; see the comment at the top of benches/faults/main.rs"),
        }
    }
    options
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn run(command: &mut Command, what: &str) {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(output.status.success(), "{what}: {}", String::from_utf8_lossy(&output.stderr));
}

/// A PostgreSQL server of this run's own, which the run may stop and start.
struct OwnPostgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    _dir: tempfile::TempDir,
}

impl OwnPostgres {
    fn start() -> OwnPostgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("the PostgreSQL server binaries in /usr/lib/postgresql")
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .find(|b| b.join("initdb").exists())
            .expect("initdb");
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        run(Command::new("chown").args(["postgres", dir.path().to_str().unwrap()]), "chown");
        run(
            Command::new("runuser").args(["-u", "postgres", "--"]).arg(bin.join("initdb")).args([
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
            ]),
            "initdb",
        );
        let server = OwnPostgres { bin, data, port: free_port(), _dir: dir };
        server.up();
        server
    }

    fn ctl(&self, args: &[&str]) {
        let options = format!("-p {} -k {} -c listen_addresses=127.0.0.1", self.port, self.data.display());
        let log = self.data.join("log");
        run(
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(self.bin.join("pg_ctl"))
                .args(["-D", self.data.to_str().unwrap(), "-o", &options, "-l", log.to_str().unwrap(), "-w"])
                .args(args),
            "pg_ctl",
        );
    }

    fn up(&self) {
        self.ctl(&["start"]);
    }

    fn down(&self) {
        self.ctl(&["-m", "fast", "stop"]);
    }

    fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", self.data.to_str().unwrap(), "-m", "immediate", "stop"])
            .output();
    }
}

/// The seconds since `zero`, for the timeline.
fn at(zero: Instant, when: Instant) -> f64 {
    when.saturating_duration_since(zero).as_secs_f64()
}

async fn one_run(fault: Fault, options: &Options) -> usize {
    let postgres = tokio::task::spawn_blocking(OwnPostgres::start).await.unwrap();
    let mut redis = redis::RedisServer::start().expect("redis-server");
    let mut cluster =
        tokio::task::spawn_blocking(|| qdrant::QdrantServer::start(3)).await.unwrap().expect("Qdrant");
    let services = vec![
        ("TTRPG_REDIS_URL".to_string(), redis.url.clone()),
        ("TTRPG_QDRANT_URL".to_string(), cluster.urls.join(",")),
        ("TTRPG_QDRANT_REPLICATION".to_string(), "2".to_string()),
    ];
    let mut stage = Stage::set("faults", &postgres.admin_url(), services, options.clients).await;
    let mut hosts = Vec::new();
    for _ in 0..3 {
        hosts.push(stage.host().await);
    }
    let urls: Vec<&str> = hosts.iter().map(|h| h.url.as_str()).collect();
    let proxy = round_robin::RoundRobin::start(&urls).await;
    let mut tables = Vec::new();
    for (n, token) in stage.tokens.iter().enumerate() {
        tables.push(set_table(&proxy.url(), token, n).await);
    }
    let campaigns: Vec<String> = tables.iter().map(|t| t.campaign.clone()).collect();
    println!(
        "\n# fault: {fault:?} ({} clients x {} calls, 3 hosts behind the proxy)",
        options.clients, options.calls
    );

    let zero = Instant::now();
    let workload = tokio::spawn(run_mixed(tables, options.calls));
    tokio::time::sleep(options.after).await;
    let failed_at = Instant::now();
    let mut restored_at = None;
    match fault {
        Fault::Postgres => {
            tokio::task::block_in_place(|| postgres.down());
            tokio::time::sleep(options.outage).await;
            tokio::task::block_in_place(|| postgres.up());
            restored_at = Some(Instant::now());
        }
        Fault::Host => {
            let _ = hosts[1].child.kill().await;
        }
        Fault::Redis => {
            redis.down();
            tokio::time::sleep(options.outage).await;
            tokio::task::block_in_place(|| redis.up()).expect("redis-server again");
            restored_at = Some(Instant::now());
        }
        Fault::Qdrant => {
            tokio::task::block_in_place(|| cluster.kill_peer(0));
        }
    }
    let (tally, wall) = workload.await.unwrap();
    let done = at(zero, zero + wall);
    match restored_at {
        Some(back) => println!(
            "{fault:?} failed at {:.1} s and was back at {:.1} s; the workload ended at {done:.1} s",
            at(zero, failed_at),
            at(zero, back)
        ),
        None => println!(
            "{fault:?} failed at {:.1} s and stayed down; the workload ended at {done:.1} s",
            at(zero, failed_at)
        ),
    }
    match (tally.failed_at.iter().min(), tally.failed_at.iter().max()) {
        (Some(first), Some(last)) => println!(
            "{} calls failed, from {:.1} s to {:.1} s ({:.1} s of errors)",
            tally.failed_at.len(),
            at(zero, *first),
            at(zero, *last),
            last.saturating_duration_since(*first).as_secs_f64()
        ),
        _ => println!("no call failed"),
    }
    report(&format!("{fault:?}"), &tally, wall);
    let broken = check_rolls(&stage.db_url, &campaigns, &tally).await;
    for mut host in hosts {
        let _ = host.child.kill().await;
    }
    drop(proxy);
    stage.clear(&postgres.admin_url()).await;
    broken
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let options = options();
    let mut broken = 0;
    for &fault in &options.faults {
        broken += one_run(fault, &options).await;
    }
    assert_eq!(broken, 0, "acknowledged rolls were lost or stored twice (see above)");
}
