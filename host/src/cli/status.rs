//! `ttrpg status`: how a server is — asked of a running one over HTTP (`--url`, its
//! `/status.json`, with an admin token), or read from the data folder the configuration
//! names (the database, cache and plugins as this process finds them; nothing is changed).

use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;

use crate::config::Config;
use crate::storage::{self, MigrateOnOpen};
use crate::tools::health::{ServerHealth, gather};

/// Arguments of `ttrpg status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// A running server's address (`http://127.0.0.1:8080`); without it, the data folder is read.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// The admin token to ask with [env: TTRPG_TOKEN].
    #[arg(long, env = "TTRPG_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Prints the status; exits 1 when the server cannot be asked.
pub async fn run(config: Config, args: StatusArgs) -> anyhow::Result<ExitCode> {
    let (health, extra) = match &args.url {
        Some(url) => {
            let figures = fetch(url, args.token.as_deref()).await?;
            let health: ServerHealth = serde_json::from_value(figures["health"].clone())
                .context("the server's /status.json does not hold the health this ttrpg reads")?;
            (serde_json::to_value(&health)?, Some(figures))
        }
        None => {
            let store =
                storage::open(&config.database_url(), MigrateOnOpen::Skip).await.with_context(|| {
                    format!("opening the database {}", storage::redact_url(&config.database_url()))
                })?;
            let app = crate::app::App::with_storage(config, store)?;
            (serde_json::to_value(gather(&app).await?)?, None)
        }
    };
    if args.json {
        super::print_json(&extra.unwrap_or(health))?;
        return Ok(ExitCode::SUCCESS);
    }
    let health: ServerHealth = serde_json::from_value(health)?;
    print(&health, extra.as_ref());
    Ok(ExitCode::SUCCESS)
}

fn print(h: &ServerHealth, figures: Option<&serde_json::Value>) {
    println!("ttrpg {} · up {} s", h.version, h.uptime_seconds);
    if let Some(figures) = figures {
        println!(
            "tool calls    {} ({} failed) · {} HTTP sessions",
            figures["tools"]["calls"], figures["tools"]["errors"], figures["http_sessions"]
        );
    }
    let db = &h.database;
    println!(
        "database      {} {} · {} · WAL {} · pool {} open, {} idle, {} max · schema {} ({} pending)",
        db.engine,
        db.version,
        size(db.size_bytes),
        size(db.wal_bytes),
        db.pool_open,
        db.pool_idle,
        db.pool_max,
        db.schema_version.map_or("none".to_string(), |v| v.to_string()),
        db.pending_migrations
    );
    let v = &h.vectors;
    let collections: Vec<String> = v
        .collections
        .iter()
        .map(|c| format!("{} {} points in {} segments", c.name, c.points, c.segments))
        .collect();
    println!(
        "vectors       {} · {}",
        v.backend,
        match (&v.error, v.opened) {
            (Some(err), _) => format!("error: {err}"),
            (None, false) => "not opened by this process".to_string(),
            (None, true) if collections.is_empty() => "no collections".to_string(),
            (None, true) => collections.join("; "),
        }
    );
    let c = &h.cache;
    println!(
        "cache         Redis {} · in process {} · hit rate {:.1} %",
        c.shared_level,
        size(Some(i64::try_from(c.l1_bytes).unwrap_or(i64::MAX))),
        c.hit_rate * 100.0
    );
    for kind in c.kinds.iter().filter(|k| k.l1_hits + k.misses + k.bypassed > 0) {
        println!(
            "  {:<16} {} L1 hits, {} L2 hits, {} misses, {} bypassed, {} errors",
            kind.kind, kind.l1_hits, kind.l2_hits, kind.misses, kind.bypassed, kind.errors
        );
    }
    println!("plugins       {} installed, {} loaded", h.plugins.installed, h.plugins.loaded);
    for p in &h.plugins.calls {
        println!(
            "  {:<16} {} calls, {} failed, p50 {:.2} ms, p99 {:.2} ms",
            p.plugin, p.calls, p.errors, p.p50_ms, p.p99_ms
        );
    }
    if h.ingests.is_empty() {
        println!("ingestions    none running");
    }
    for i in &h.ingests {
        println!(
            "ingesting     {} ({}): {} {}/{} · {} s",
            i.book, i.file, i.stage, i.done, i.total, i.seconds
        );
    }
}

fn size(bytes: Option<i64>) -> String {
    match bytes {
        None => "n/a".into(),
        Some(b) if b < 1 << 20 => format!("{:.1} KiB", b as f64 / 1024.0),
        Some(b) => format!("{:.1} MiB", b as f64 / f64::from(1 << 20)),
    }
}

/// `GET {url}/status.json` over plain HTTP/1.1.
async fn fetch(url: &str, token: Option<&str>) -> anyhow::Result<serde_json::Value> {
    let uri: hyper::Uri = format!("{}/status.json", url.trim_end_matches('/'))
        .parse()
        .with_context(|| format!("{url} is not a URL (try http://127.0.0.1:8080)"))?;
    anyhow::ensure!(
        uri.scheme_str() == Some("http"),
        "ttrpg status speaks plain http:// (put a TLS proxy's inner address here, not {url})"
    );
    let host = uri.host().context("the URL names no host")?.to_string();
    let port = uri.port_u16().unwrap_or(80);
    let stream = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .with_context(|| format!("cannot reach {host}:{port}; is `ttrpg serve --transport http` running?"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let mut request = hyper::Request::get(uri.clone()).header(hyper::header::HOST, format!("{host}:{port}"));
    if let Some(token) = token {
        request = request.header(hyper::header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = sender.send_request(request.body(http_body_util::Empty::<bytes::Bytes>::new())?).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    match status.as_u16() {
        200 => Ok(serde_json::from_slice(&body).context("the server's /status.json is not JSON")?),
        401 => anyhow::bail!("the server wants a token: pass --token (or TTRPG_TOKEN) with an admin token"),
        403 => {
            anyhow::bail!("the token is not an admin token: make one with `ttrpg token create --role admin`")
        }
        code => anyhow::bail!("the server answered {code}: {}", String::from_utf8_lossy(&body).trim()),
    }
}
