//! `ttrpg doctor`: what the host would run with, and whether each part answers.

use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use crate::config::{Config, ENV_VARS};
use crate::storage::{self, Engine, MigrateOnOpen};

/// Arguments of `ttrpg doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// One part of the host and its state.
#[derive(Debug, Serialize)]
struct PartReport {
    part: &'static str,
    version: String,
    ok: bool,
    detail: String,
}

/// Everything doctor found.
#[derive(Debug, Serialize)]
struct DoctorReport {
    ttrpg_version: &'static str,
    config: serde_json::Value,
    environment_variables: Vec<String>,
    parts: Vec<PartReport>,
}

/// Checks every part; exits 1 when one is not usable.
pub async fn run(config: Config, args: DoctorArgs) -> anyhow::Result<ExitCode> {
    let mut parts = vec![check_data_dir(&config), check_database(&config).await, check_dice(&config)];
    parts.push(check_plugins(&config).await);
    parts.push(check_onnxruntime(&config));
    parts.push(check_model(&config));
    parts.push(check_vectors(&config).await);
    parts.push(check_redis(&config).await);
    let report = DoctorReport {
        ttrpg_version: env!("CARGO_PKG_VERSION"),
        config: serde_json::to_value(toml::from_str::<toml::Value>(&config.to_toml()).ok())?,
        environment_variables: ENV_VARS
            .iter()
            .filter(|(name, _)| std::env::var_os(name).is_some())
            .map(|(name, _)| name.to_string())
            .collect(),
        parts,
    };
    let healthy = report.parts.iter().all(|p| p.ok);
    if args.json {
        super::print_json(&report)?;
    } else {
        println!("ttrpg {}\n", report.ttrpg_version);
        println!("# effective configuration (defaults < file < TTRPG_* environment < flags)");
        println!("{}", config.to_toml());
        if report.environment_variables.is_empty() {
            println!("# no TTRPG_* environment variables set");
        } else {
            println!("# set from the environment: {}", report.environment_variables.join(", "));
        }
        println!("\n# parts");
        for part in &report.parts {
            let mark = if part.ok { "ok  " } else { "FAIL" };
            println!("{mark}  {:<10} {:<28} {}", part.part, part.version, part.detail);
        }
    }
    Ok(if healthy { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn check_data_dir(config: &Config) -> PartReport {
    // Looked at, never written: doctor changes nothing.
    let dir = &config.data_dir;
    let (ok, detail) = match std::fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => (false, format!("{} is not a folder", dir.display())),
        Ok(meta) if meta.permissions().readonly() => (false, format!("{} is read-only", dir.display())),
        Ok(_) => (true, format!("{} exists and is writable", dir.display())),
        Err(_) => {
            let parent = dir.ancestors().skip(1).find(|a| a.exists());
            match parent.map(|p| (p, std::fs::metadata(p).map(|m| m.permissions().readonly()))) {
                Some((parent, Ok(false))) => (
                    true,
                    format!(
                        "{} does not exist yet; it is made in {} on first start",
                        dir.display(),
                        parent.display()
                    ),
                ),
                Some((parent, _)) => {
                    (false, format!("{} does not exist and {} is read-only", dir.display(), parent.display()))
                }
                None => (false, format!("{} does not exist and nothing above it does", dir.display())),
            }
        }
    };
    PartReport { part: "data dir", version: "-".into(), ok, detail }
}

/// The SQLite file a URL names, when it does not exist yet (opening would create it).
fn missing_sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = std::path::PathBuf::from(path.split('?').next().unwrap_or(path));
    (!path.as_os_str().is_empty() && !path.exists()).then_some(path)
}

async fn check_database(config: &Config) -> PartReport {
    let url = config.database_url();
    let engine = Engine::from_url(&url).map(Engine::name).unwrap_or("unknown");
    if let Some(path) = missing_sqlite_file(&url) {
        return PartReport {
            part: "database",
            version: engine.into(),
            ok: true,
            detail: format!("no database yet at {} (made and migrated on first start)", path.display()),
        };
    }
    let report = async {
        let store = storage::open(&url, MigrateOnOpen::Skip).await?;
        let version = store.ping().await?;
        let status = store.migration_status().await?;
        Ok::<_, storage::StorageError>((version, status))
    }
    .await;
    match report {
        Ok((version, status)) => PartReport {
            part: "database",
            version,
            ok: status.unknown_applied.is_empty(),
            detail: format!(
                "{engine} at {}; {} migration(s) pending{}",
                storage::redact_url(&url),
                status.pending(),
                if status.unknown_applied.is_empty() { "" } else { "; schema is newer than this ttrpg" }
            ),
        },
        Err(err) => {
            PartReport { part: "database", version: engine.into(), ok: false, detail: err.to_string() }
        }
    }
}

fn check_dice(config: &Config) -> PartReport {
    let limits = ttrpg_dice::DiceLimits { max_dice: config.dice.max_dice, ..Default::default() };
    let probe = ttrpg_dice::roll_seeded("4d6kh3", 1, &limits);
    PartReport {
        part: "dice",
        version: format!("ttrpg-dice {}", env!("CARGO_PKG_VERSION")),
        ok: probe.is_ok(),
        detail: match probe {
            Ok(roll) => format!("max {} dice per roll; self-test {}", config.dice.max_dice, roll.rendered),
            Err(err) => format!("self-test failed: {err}"),
        },
    }
}

async fn check_plugins(config: &Config) -> PartReport {
    let version = format!("plugin API {}", ttrpg_plugin_runtime::SUPPORTED_API_VERSIONS.join(", "));
    if missing_sqlite_file(&config.database_url()).is_some() {
        return PartReport {
            part: "plugins",
            version,
            ok: true,
            detail: format!(
                "none installed yet (no database); they go under {}",
                config.plugins_dir().display()
            ),
        };
    }
    // The store opened as it is: doctor never applies migrations or changes anything.
    let app = match storage::open(&config.database_url(), MigrateOnOpen::Skip).await {
        Ok(store) => crate::app::App::with_storage(config.clone(), store),
        Err(err) => Err(err.into()),
    };
    match app {
        Ok(app) => match app.plugins.installed().await {
            Ok(installed) => PartReport {
                part: "plugins",
                version,
                ok: true,
                detail: format!(
                    "{} installed under {}; {} allocator; {} MiB and {} ms per call",
                    installed.len(),
                    config.plugins_dir().display(),
                    app.plugins.runtime().allocator(),
                    config.plugins.memory_limit_mb,
                    config.plugins.call_timeout_ms
                ),
            },
            Err(err) => PartReport {
                part: "plugins",
                version,
                ok: false,
                detail: format!("{err} (is the schema up to date? `ttrpg migrate status`)"),
            },
        },
        Err(err) => PartReport { part: "plugins", version, ok: false, detail: format!("{err:#}") },
    }
}

fn check_onnxruntime(config: &Config) -> PartReport {
    let part = "onnxruntime";
    let configured = config.search.onnxruntime.as_deref();
    match crate::embed::locate::onnxruntime_library(configured) {
        None => PartReport {
            part,
            version: "-".into(),
            ok: false,
            detail: format!(
                "not found: {} (rules search and ingestion need it)",
                crate::embed::locate::INSTALL_ONNXRUNTIME
            ),
        },
        Some(path) => {
            let found_in_wheel = configured.is_none();
            let version = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.split(".so.").nth(1))
                .unwrap_or("-")
                .to_string();
            match std::fs::metadata(&path) {
                Ok(meta) if meta.is_file() => {
                    let how = if found_in_wheel { " (the python3 onnxruntime wheel's)" } else { "" };
                    PartReport { part, version, ok: true, detail: format!("{}{how}", path.display()) }
                }
                Ok(_) => PartReport {
                    part,
                    version,
                    ok: false,
                    detail: format!("{} is not a file", path.display()),
                },
                Err(err) => {
                    PartReport { part, version, ok: false, detail: format!("{}: {err}", path.display()) }
                }
            }
        }
    }
}

fn check_model(config: &Config) -> PartReport {
    let found = crate::embed::model_folder::find_configured(config);
    let dir = match found {
        Ok(folder) => folder,
        Err(missing) => {
            return PartReport {
                part: "model",
                version: "all-MiniLM-L6-v2".into(),
                ok: false,
                detail: missing.to_string(),
            };
        }
    };
    let name = dir.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let file = crate::embed::precision::choose(
        &dir.path,
        config.search.model_precision,
        crate::embed::precision::cpu_has_vnni(),
    );
    let bytes = std::fs::metadata(&file.path).map(|m| m.len()).unwrap_or(0);
    PartReport {
        part: "model",
        version: format!("{name} {}", file.variant),
        ok: true,
        detail: format!(
            "{} (found by {}; {} {:.1} MiB: {})",
            dir.path.display(),
            dir.found_by,
            file.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            bytes as f64 / f64::from(1 << 20),
            file.reason
        ),
    }
}

async fn check_vectors(config: &Config) -> PartReport {
    match &config.search.qdrant_url {
        None => {
            let dir = config.vectors_dir();
            PartReport {
                part: "vectors",
                version: "qdrant-edge 0.7.2".into(),
                ok: true,
                detail: if dir.exists() {
                    format!("in process, at {}", dir.display())
                } else {
                    format!("in process, at {} (made on first use)", dir.display())
                },
            }
        }
        Some(url) => {
            let shown = storage::redact_url(url);
            let connect = crate::library::connect_remote_index(config);
            match tokio::time::timeout(std::time::Duration::from_secs(5), connect).await {
                Ok(Ok(index)) => {
                    use ttrpg_vectors::VectorIndex;
                    PartReport {
                        part: "vectors",
                        version: "qdrant".into(),
                        ok: true,
                        detail: index.describe(),
                    }
                }
                Ok(Err(err)) => PartReport {
                    part: "vectors",
                    version: "qdrant".into(),
                    ok: false,
                    detail: err.to_string(),
                },
                Err(_) => PartReport {
                    part: "vectors",
                    version: "qdrant".into(),
                    ok: false,
                    detail: format!("{shown} did not answer within 5 s"),
                },
            }
        }
    }
}

async fn check_redis(config: &Config) -> PartReport {
    let Some(url) = &config.cache.redis_url else {
        return PartReport {
            part: "redis",
            version: "-".into(),
            ok: true,
            detail: "off: the cache is in process only (set cache.redis_url or TTRPG_REDIS_URL to share it)"
                .into(),
        };
    };
    let shown = storage::redact_url(url);
    let outcome = match crate::cache::RedisL2::new(url) {
        Ok(l2) => {
            use crate::cache::SharedCache;
            l2.ping().await
        }
        Err(err) => Err(err),
    };
    match outcome {
        Ok(()) => {
            PartReport { part: "redis", version: "-".into(), ok: true, detail: format!("{shown} answers") }
        }
        Err(err) => PartReport {
            part: "redis",
            version: "-".into(),
            ok: false,
            detail: format!("{shown}: {err} (the server runs without it, from the in-process cache)"),
        },
    }
}
