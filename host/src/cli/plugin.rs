//! `ttrpg plugin`: install, list, check, remove, enable and disable game-system plugins.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::app::App;
use crate::config::Config;
use crate::plugins::describe;
use crate::tools::core_tool_names;

/// Arguments of `ttrpg plugin`.
#[derive(Debug, Args)]
pub struct PluginArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: PluginAction,
}

/// The plugin actions.
#[derive(Debug, Subcommand)]
pub enum PluginAction {
    /// Load a component file in the sandbox and print its manifest, tools, collections,
    /// dice grammar and API compatibility, without installing it (the author's dev loop).
    Check {
        /// The .wasm component.
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Install a component file (kept under the data folder by id and version).
    Install {
        /// The .wasm component.
        file: PathBuf,
        /// Refuse the file unless its SHA-256 is this (hex).
        #[arg(long, value_name = "HEX")]
        sha256: Option<String>,
    },
    /// List installed plugins.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove an installed plugin (one version, or all of them).
    Remove {
        /// The plugin id.
        id: String,
        /// Only this version.
        #[arg(long)]
        version: Option<String>,
    },
    /// Enable a plugin in a campaign.
    Enable {
        /// The plugin id.
        id: String,
        /// The campaign id.
        #[arg(long)]
        campaign: String,
        /// Semver requirement, e.g. ^1.2 (default: any version; the highest installed match is used).
        #[arg(long, default_value = "*")]
        version: String,
        /// Capabilities to grant, comma-separated: log, random, kv, search, host-tools (default: none).
        #[arg(long, value_delimiter = ',')]
        grant: Vec<String>,
    },
    /// Disable a plugin in a campaign.
    Disable {
        /// The plugin id.
        id: String,
        /// The campaign id.
        #[arg(long)]
        campaign: String,
    },
}

/// Runs the plugin action.
pub async fn run(config: Config, args: PluginArgs) -> anyhow::Result<ExitCode> {
    let app = App::open(config).await?;
    match args.action {
        PluginAction::Check { file, json } => {
            let plugin = app.plugins.check_file(&file).await?;
            let described = describe(&plugin);
            if json {
                super::print_json(&described)?;
            } else {
                let m = plugin.manifest();
                println!("{} {} — {}", m.id, m.version, m.name);
                println!("  system:       {}", m.system);
                println!(
                    "  API:          {} (this host supports {})",
                    m.api_version,
                    ttrpg_plugin_runtime::SUPPORTED_API_VERSIONS.join(", ")
                );
                let caps: Vec<&str> = m.capabilities.iter().map(|c| c.name()).collect();
                println!(
                    "  asks for:     {}",
                    if caps.is_empty() { "nothing".into() } else { caps.join(", ") }
                );
                println!(
                    "  dice grammar: {}",
                    plugin.dice_grammar().unwrap_or("none (the host's core grammar)")
                );
                println!("  sha256:       {}", plugin.sha256());
                println!("  tools (who may call each):");
                for tool in plugin.tools() {
                    println!("    {}__{:<24} {:<7} {}", m.id, tool.name, tool.role.name(), tool.title);
                }
                println!("  collections:");
                for c in plugin.collections() {
                    let fields: Vec<&str> = c.fields.iter().map(|f| f.name.as_str()).collect();
                    println!("    {:<16} {}", c.name, fields.join(", "));
                }
            }
        }
        PluginAction::Install { file, sha256 } => {
            let outcome = app.plugins.install_file(&file, sha256.as_deref()).await?;
            let p = &outcome.plugin;
            if outcome.already_installed {
                println!("{}@{} is already installed (same file, sha256 {})", p.id, p.version, p.sha256);
            } else {
                println!(
                    "Installed {}@{} (system {}, API {}, sha256 {})",
                    p.id, p.version, p.system, p.api_version, p.sha256
                );
            }
        }
        PluginAction::List { json } => {
            let installed = app.plugins.installed().await?;
            if json {
                super::print_json(&installed)?;
            } else if installed.is_empty() {
                println!("No plugins installed. Install one with: ttrpg plugin install FILE.wasm");
            } else {
                for p in installed {
                    println!("{:<16} {:<10} system {:<12} API {}", p.id, p.version, p.system, p.api_version);
                }
            }
        }
        PluginAction::Remove { id, version } => {
            let removed = app.plugins.remove(&id, version.as_deref()).await?;
            println!("Removed {id} {}", removed.join(", "));
        }
        PluginAction::Enable { id, campaign, version, grant } => {
            let enabled = app.plugins.enable(&campaign, &id, &version, &grant, core_tool_names()).await?;
            println!(
                "Enabled {}@{} in campaign {campaign} (granted: {})",
                id,
                enabled.record.version,
                if enabled.record.grants.is_empty() {
                    "nothing".to_string()
                } else {
                    enabled.record.grants.join(", ")
                }
            );
        }
        PluginAction::Disable { id, campaign } => {
            app.plugins.disable(&campaign, &id).await?;
            println!("Disabled {id} in campaign {campaign}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
