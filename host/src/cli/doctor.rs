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
    let dir = &config.data_dir;
    let outcome = std::fs::create_dir_all(dir).and_then(|_| {
        let probe = dir.join(".doctor-write-test");
        std::fs::write(&probe, b"ok")?;
        std::fs::remove_file(&probe)
    });
    PartReport {
        part: "data dir",
        version: "-".into(),
        ok: outcome.is_ok(),
        detail: match outcome {
            Ok(()) => format!("{} is writable", dir.display()),
            Err(err) => format!("{}: {err}", dir.display()),
        },
    }
}

async fn check_database(config: &Config) -> PartReport {
    let url = config.database_url();
    let engine = Engine::from_url(&url).map(Engine::name).unwrap_or("unknown");
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
