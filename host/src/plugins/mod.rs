//! Plugins on this host: installing component files, enabling them per campaign with a
//! semver requirement and grants, and finding the plugin behind a namespaced tool name.
//!
//! The sandbox itself is the `ttrpg-plugin-runtime` crate; this module is the host's
//! bookkeeping around it. Files live under `<data dir>/plugins/<id>/<version>/plugin.wasm`,
//! compiled code under `<data dir>/plugins/.compiled/`, and the records (sha256, manifest,
//! which campaign enables what) in the structured database.

mod chunker;
mod error;
mod glossary;
mod services;

pub use chunker::PluginChunker;
pub use glossary::PluginGlossaries;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::RwLock;
use ttrpg_plugin_runtime::model::{Capability, PluginToolSpec};
use ttrpg_plugin_runtime::{Grants, LoadedPlugin, PluginRuntime, RuntimeConfig, sha256_hex};

pub use error::PluginHostError;
pub use services::{HostTools, PluginServices, RecordRights, SEARCH_BUDGET};

use crate::config::PluginsConfig;
use crate::storage::{CampaignPluginRecord, InstalledPluginRecord, Storage};

/// Separates a plugin id from its tool's name in the MCP tool list: `echo__add`.
pub const TOOL_NAMESPACE_SEPARATOR: &str = "__";
/// Largest component file accepted.
const MAX_COMPONENT_BYTES: u64 = 64 << 20;

/// The MCP name of a plugin's tool.
pub fn namespaced_tool(plugin_id: &str, tool: &str) -> String {
    format!("{plugin_id}{TOOL_NAMESPACE_SEPARATOR}{tool}")
}

/// Splits an MCP tool name into plugin id and tool name, if it is a plugin's.
pub fn split_tool_name(name: &str) -> Option<(&str, &str)> {
    name.split_once(TOOL_NAMESPACE_SEPARATOR)
}

/// A plugin enabled in a campaign, loaded and ready to call.
#[derive(Clone)]
pub struct EnabledPlugin {
    /// The enablement record.
    pub record: CampaignPluginRecord,
    /// The loaded component.
    pub plugin: LoadedPlugin,
    /// What the GM granted.
    pub grants: Grants,
}

/// A plugin enabled in a campaign that cannot be loaded now, and why.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct UnavailablePlugin {
    /// The plugin id.
    pub plugin_id: String,
    /// The enabled version.
    pub version: String,
    /// Why it cannot be loaded (e.g. its file no longer matches the recorded sha256).
    pub error: String,
}

/// The outcome of `install`.
#[derive(Debug, Clone, Serialize)]
pub struct InstallOutcome {
    /// What is installed now.
    pub plugin: InstalledPluginRecord,
    /// True when this exact file was already installed.
    pub already_installed: bool,
}

/// The host's plugins: the runtime plus the records.
pub struct PluginHost {
    runtime: PluginRuntime,
    dir: PathBuf,
    storage: Arc<dyn Storage>,
    loaded: RwLock<HashMap<(String, String), LoadedPlugin>>,
}

impl PluginHost {
    /// A plugin host keeping files under `dir`.
    pub fn new(dir: PathBuf, runtime: RuntimeConfig, storage: Arc<dyn Storage>) -> anyhow::Result<Self> {
        let runtime = PluginRuntime::new(runtime)?;
        Ok(PluginHost { runtime, dir, storage, loaded: RwLock::new(HashMap::new()) })
    }

    /// The runtime's configuration for a plugin folder and the `[plugins]` settings: the
    /// compiled cache in `<dir>/.compiled` (private to the server's user), the memory limit
    /// and deadline of a call, and the kv quota per plugin and campaign.
    pub fn runtime_config(dir: &Path, plugins: &PluginsConfig) -> RuntimeConfig {
        let mut config = RuntimeConfig::new(dir.join(".compiled"));
        config.memory_limit = (plugins.memory_limit_mb as usize) << 20;
        config.call_timeout = std::time::Duration::from_millis(plugins.call_timeout_ms);
        config.kv_quota_bytes = plugins.kv_quota_kb.saturating_mul(1024);
        config
    }

    /// The sandbox runtime.
    pub fn runtime(&self) -> &PluginRuntime {
        &self.runtime
    }

    /// Loads a component file without installing it (`ttrpg plugin check`).
    pub async fn check_file(&self, path: &Path) -> Result<LoadedPlugin, PluginHostError> {
        let bytes = read_component(path)?;
        Ok(self.runtime.load(&bytes).await?)
    }

    /// Installs a component file: validates and describes it in the sandbox, copies it
    /// under the data folder, then records it. If `expected_sha256` is given the file must
    /// match it. Nothing is recorded unless every step succeeded.
    pub async fn install_file(
        &self,
        path: &Path,
        expected_sha256: Option<&str>,
    ) -> Result<InstallOutcome, PluginHostError> {
        let bytes = read_component(path)?;
        let sha256 = sha256_hex(&bytes);
        if let Some(expected) = expected_sha256
            && !expected.eq_ignore_ascii_case(&sha256)
        {
            return Err(PluginHostError::Conflict(format!(
                "{} does not match the expected sha256: expected {expected}, the file has {sha256}; it may have \
                 been tampered with or corrupted",
                path.display()
            )));
        }
        let plugin = self.runtime.load(&bytes).await?;
        let manifest = plugin.manifest();
        let version = manifest.version.to_string();
        let existing = self.storage.list_plugins().await?;
        let already_installed =
            existing.iter().any(|p| p.id == manifest.id && p.version == version && p.sha256 == sha256);
        if let Some(other) =
            existing.iter().find(|p| p.id == manifest.id && p.version == version && p.sha256 != sha256)
        {
            return Err(PluginHostError::Conflict(format!(
                "plugin {}@{version} is already installed from a different file (sha256 {}); remove it first or \
                 bump the plugin's version",
                manifest.id, other.sha256
            )));
        }
        let target = self.component_path(&manifest.id, &version);
        write_atomically(&target, &bytes)?;
        // Every host on the database can load it from there (checked against the sha256).
        self.storage.save_plugin_component(&sha256, &bytes).await?;
        let record = InstalledPluginRecord {
            id: manifest.id.clone(),
            version: version.clone(),
            sha256,
            api_version: manifest.api_version.to_string(),
            system: manifest.system.clone(),
            manifest: describe(&plugin),
            installed_at: chrono::Utc::now(),
        };
        let record = match self.storage.record_plugin(record).await {
            Ok(record) => record,
            Err(err) => {
                if !already_installed {
                    let _ = std::fs::remove_file(&target);
                }
                return Err(err.into());
            }
        };
        self.loaded.write().await.insert((record.id.clone(), record.version.clone()), plugin);
        tracing::info!(plugin = %record.id, version = %record.version, "plugin installed");
        Ok(InstallOutcome { plugin: record, already_installed })
    }

    /// How many plugin versions are loaded (compiled and ready) in this process.
    pub async fn loaded_count(&self) -> usize {
        self.loaded.read().await.len()
    }

    /// Every installed plugin version.
    pub async fn installed(&self) -> Result<Vec<InstalledPluginRecord>, PluginHostError> {
        Ok(self.storage.list_plugins().await?)
    }

    /// Removes one version of a plugin (or every version when `version` is `None`).
    /// Refused while a campaign has that version enabled. Returns the removed versions.
    pub async fn remove(&self, id: &str, version: Option<&str>) -> Result<Vec<String>, PluginHostError> {
        let versions: Vec<String> = self
            .storage
            .list_plugins()
            .await?
            .into_iter()
            .filter(|p| p.id == id && version.is_none_or(|v| p.version == v))
            .map(|p| p.version)
            .collect();
        if versions.is_empty() {
            return Err(PluginHostError::NotFound(match version {
                Some(v) => format!("plugin {id}@{v} is not installed"),
                None => format!("plugin {id} is not installed"),
            }));
        }
        // Refuse before deleting anything when any of those versions is in use.
        for v in &versions {
            let users = self.storage.plugin_users(id, v).await?;
            if !users.is_empty() {
                return Err(PluginHostError::Conflict(format!(
                    "plugin {id}@{v} is enabled in campaign(s) {}; disable it there first (nothing was removed)",
                    users.join(", ")
                )));
            }
        }
        for v in &versions {
            self.storage.delete_plugin(id, v).await?;
            self.loaded.write().await.remove(&(id.to_string(), v.clone()));
            let folder = self.dir.join(id).join(v);
            if let Err(err) = std::fs::remove_dir_all(&folder) {
                tracing::warn!(path = %folder.display(), "cannot remove the plugin's files: {err}");
            }
        }
        Ok(versions)
    }

    /// The loaded plugin `id@version`, loading it (and checking its file against the
    /// recorded sha256) on first use.
    pub async fn load(&self, id: &str, version: &str) -> Result<LoadedPlugin, PluginHostError> {
        let key = (id.to_string(), version.to_string());
        if let Some(plugin) = self.loaded.read().await.get(&key) {
            return Ok(plugin.clone());
        }
        let record = self
            .storage
            .list_plugins()
            .await?
            .into_iter()
            .find(|p| p.id == id && p.version == version)
            .ok_or_else(|| PluginHostError::NotFound(format!("plugin {id}@{version} is not installed")))?;
        let path = self.component_path(id, version);
        let bytes = if path.exists() {
            let bytes = read_component(&path)?;
            if sha256_hex(&bytes) == record.sha256 {
                // Installed before components were kept in the database: keep it there now.
                self.storage.save_plugin_component(&record.sha256, &bytes).await?;
            }
            bytes
        } else {
            self.fetch_component(&record, &path).await?
        };
        let found = sha256_hex(&bytes);
        if found != record.sha256 {
            return Err(PluginHostError::Conflict(format!(
                "plugin {id}@{version} was changed on disk since it was installed (sha256 expected {}, found \
                 {found}); refusing to load it — reinstall it from a trusted file",
                record.sha256
            )));
        }
        let plugin = self.runtime.load(&bytes).await?;
        self.loaded.write().await.insert(key, plugin.clone());
        Ok(plugin)
    }

    /// The component of `record`, installed through another host: read from the database,
    /// checked against the recorded sha256, and kept at `path` for the next start.
    async fn fetch_component(
        &self,
        record: &InstalledPluginRecord,
        path: &Path,
    ) -> Result<Vec<u8>, PluginHostError> {
        let (id, version) = (&record.id, &record.version);
        let bytes = self.storage.plugin_component(&record.sha256).await?.ok_or_else(|| {
            PluginHostError::Io(format!(
                "plugin {id}@{version} is recorded as installed, but neither {} nor the database holds its \
                 component; install it again",
                path.display()
            ))
        })?;
        let found = sha256_hex(&bytes);
        if found != record.sha256 {
            return Err(PluginHostError::Conflict(format!(
                "the database's copy of plugin {id}@{version} does not match the sha256 recorded at install \
                 (expected {}, found {found}); refusing to load it — reinstall it from a trusted file",
                record.sha256
            )));
        }
        write_atomically(path, &bytes)?;
        tracing::info!(plugin = %id, version = %version, "plugin component fetched from the database");
        Ok(bytes)
    }

    /// Enables the highest installed version of `plugin_id` that matches `requirement`
    /// in a campaign, with `grants` (each must be a capability the plugin asks for).
    pub async fn enable(
        &self,
        campaign_id: &str,
        plugin_id: &str,
        requirement: &str,
        grants: &[String],
        core_tool_names: &[String],
    ) -> Result<EnabledPlugin, PluginHostError> {
        let req = semver::VersionReq::parse(requirement).map_err(|err| {
            PluginHostError::Invalid(format!(
                "version requirement {requirement:?} is not valid semver (try \"^1.2\", \"=1.0.0\" or \"*\"): {err}"
            ))
        })?;
        self.storage.get_campaign(campaign_id).await?;
        let installed = self.storage.list_plugins().await?;
        let versions: Vec<semver::Version> = installed
            .iter()
            .filter(|p| p.id == plugin_id)
            .filter_map(|p| semver::Version::parse(&p.version).ok())
            .collect();
        if versions.is_empty() {
            let ids: BTreeSet<&str> = installed.iter().map(|p| p.id.as_str()).collect();
            return Err(PluginHostError::NotFound(format!(
                "plugin {plugin_id:?} is not installed (installed: {})",
                if ids.is_empty() {
                    "none".to_string()
                } else {
                    ids.into_iter().collect::<Vec<_>>().join(", ")
                }
            )));
        }
        let Some(version) = versions.iter().filter(|v| req.matches(v)).max().cloned() else {
            let listed: Vec<String> = versions.iter().map(|v| v.to_string()).collect();
            return Err(PluginHostError::NotFound(format!(
                "no installed version of plugin {plugin_id} matches {requirement} (installed: {})",
                listed.join(", ")
            )));
        };
        let plugin = self.load(plugin_id, &version.to_string()).await?;
        let granted = parse_grants(&plugin, grants)?;
        self.check_collisions(campaign_id, &plugin, core_tool_names).await?;
        let record = self
            .storage
            .enable_plugin(CampaignPluginRecord {
                campaign_id: campaign_id.to_string(),
                plugin_id: plugin_id.to_string(),
                version_req: requirement.to_string(),
                version: version.to_string(),
                grants: granted.iter().map(|c| c.name().to_string()).collect(),
                enabled_at: chrono::Utc::now(),
            })
            .await?;
        tracing::info!(campaign_id, plugin = plugin_id, %version, "plugin enabled");
        Ok(EnabledPlugin { record, plugin, grants: granted })
    }

    /// Disables a plugin in a campaign.
    pub async fn disable(&self, campaign_id: &str, plugin_id: &str) -> Result<(), PluginHostError> {
        if self.storage.disable_plugin(campaign_id, plugin_id).await? {
            tracing::info!(campaign_id, plugin = plugin_id, "plugin disabled");
            Ok(())
        } else {
            Err(PluginHostError::NotFound(format!(
                "plugin {plugin_id} is not enabled in campaign {campaign_id:?}"
            )))
        }
    }

    /// The plugins a campaign has enabled that load, plus those that do not (a file
    /// changed on disk, a component this host can no longer run) with the reason. One
    /// broken plugin never takes the campaign's other plugins down with it.
    pub async fn enabled_and_unavailable(
        &self,
        campaign_id: &str,
    ) -> Result<(Vec<EnabledPlugin>, Vec<UnavailablePlugin>), PluginHostError> {
        let mut enabled = Vec::new();
        let mut unavailable = Vec::new();
        for record in self.storage.campaign_plugins(campaign_id).await? {
            match self.load(&record.plugin_id, &record.version).await {
                Ok(plugin) => {
                    let grants = Grants::of(record.grants.iter().filter_map(|g| Capability::parse(g)));
                    enabled.push(EnabledPlugin { record, plugin, grants });
                }
                Err(err) => {
                    tracing::warn!(campaign_id, plugin = %record.plugin_id, version = %record.version, "plugin unavailable: {err}");
                    unavailable.push(UnavailablePlugin {
                        plugin_id: record.plugin_id,
                        version: record.version,
                        error: err.to_string(),
                    });
                }
            }
        }
        Ok((enabled, unavailable))
    }

    /// The plugins a campaign has enabled that load (see [`Self::enabled_and_unavailable`]).
    pub async fn enabled(&self, campaign_id: &str) -> Result<Vec<EnabledPlugin>, PluginHostError> {
        Ok(self.enabled_and_unavailable(campaign_id).await?.0)
    }

    /// The enabled plugin that owns a namespaced tool, with that tool's spec. The error
    /// names the tool, the plugin and the campaign.
    pub async fn resolve_tool(
        &self,
        campaign_id: &str,
        tool_name: &str,
    ) -> Result<(EnabledPlugin, PluginToolSpec), PluginHostError> {
        let Some((plugin_id, tool)) = split_tool_name(tool_name) else {
            return Err(PluginHostError::NotFound(format!("{tool_name:?} is not a plugin tool")));
        };
        let records = self.storage.campaign_plugins(campaign_id).await?;
        let Some(record) = records.into_iter().find(|r| r.plugin_id == plugin_id) else {
            return Err(PluginHostError::NotFound(format!(
                "tool {tool_name} belongs to plugin {plugin_id}, which is not enabled in campaign {campaign_id:?}; \
                 enable it with plugin_enable"
            )));
        };
        let plugin = self.load(&record.plugin_id, &record.version).await?;
        let spec = plugin.tools().iter().find(|t| t.name == tool).cloned().ok_or_else(|| {
            PluginHostError::NotFound(format!(
                "plugin {plugin_id}@{} has no tool named {tool:?}",
                record.version
            ))
        })?;
        let grants = Grants::of(record.grants.iter().filter_map(|g| Capability::parse(g)));
        Ok((EnabledPlugin { record, plugin, grants }, spec))
    }

    /// The enabled plugin that supplies the dice grammar of a campaign's system. Only
    /// plugins installed for that system are loaded, so a broken plugin of another system
    /// does not stop the campaign's rolls; a broken plugin of this system is an error.
    pub async fn grammar_for(
        &self,
        campaign_id: &str,
        system: &str,
    ) -> Result<Option<EnabledPlugin>, PluginHostError> {
        for record in self.enabled_of_system(campaign_id, system).await? {
            let plugin = self.load(&record.plugin_id, &record.version).await?;
            if plugin.dice_grammar().is_some() {
                let grants = Grants::of(record.grants.iter().filter_map(|g| Capability::parse(g)));
                return Ok(Some(EnabledPlugin { record, plugin, grants }));
            }
        }
        Ok(None)
    }

    /// The enablement records of a campaign whose plugin is installed for `system`.
    pub(crate) async fn enabled_of_system(
        &self,
        campaign_id: &str,
        system: &str,
    ) -> Result<Vec<CampaignPluginRecord>, PluginHostError> {
        let installed = self.storage.list_plugins().await?;
        let mut records = self.storage.campaign_plugins(campaign_id).await?;
        records.retain(|record| {
            installed
                .iter()
                .any(|p| p.id == record.plugin_id && p.version == record.version && p.system == system)
        });
        Ok(records)
    }

    async fn check_collisions(
        &self,
        campaign_id: &str,
        plugin: &LoadedPlugin,
        core_tool_names: &[String],
    ) -> Result<(), PluginHostError> {
        let id = &plugin.manifest().id;
        let mut taken: HashMap<String, String> =
            core_tool_names.iter().map(|n| (n.clone(), "the host's core tools".to_string())).collect();
        for other in self.enabled(campaign_id).await? {
            if &other.record.plugin_id == id {
                continue;
            }
            for tool in other.plugin.tools() {
                taken.insert(
                    namespaced_tool(&other.record.plugin_id, &tool.name),
                    format!("plugin {}", other.record.plugin_id),
                );
            }
        }
        for tool in plugin.tools() {
            let name = namespaced_tool(id, &tool.name);
            if let Some(owner) = taken.get(&name) {
                return Err(PluginHostError::Conflict(format!(
                    "cannot enable plugin {id}: its tool {name} has the same name as a tool of {owner}"
                )));
            }
        }
        Ok(())
    }

    fn component_path(&self, id: &str, version: &str) -> PathBuf {
        self.dir.join(id).join(version).join("plugin.wasm")
    }
}

/// The grants, checked against what the plugin asks for.
fn parse_grants(plugin: &LoadedPlugin, grants: &[String]) -> Result<Grants, PluginHostError> {
    let asked = &plugin.manifest().capabilities;
    let mut granted = Vec::new();
    for name in grants {
        let capability = Capability::parse(name).ok_or_else(|| {
            PluginHostError::Invalid(format!(
                "unknown capability {name:?}; the capabilities are log, random, kv, search and host-tools"
            ))
        })?;
        if !asked.contains(&capability) {
            let asked: Vec<&str> = asked.iter().map(|c| c.name()).collect();
            return Err(PluginHostError::Invalid(format!(
                "plugin {} does not ask for the `{name}` capability (it asks for: {})",
                plugin.manifest().id,
                if asked.is_empty() { "nothing".to_string() } else { asked.join(", ") }
            )));
        }
        granted.push(capability);
    }
    Ok(Grants::of(granted))
}

/// How two installed versions of a plugin order: by semver, or as text when either is not
/// semver. The newest is the one a system's chunker and glossary come from.
pub(crate) fn version_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (semver::Version::parse(a), semver::Version::parse(b)) {
        (Ok(a), Ok(b)) => a.cmp(&b),
        _ => a.cmp(b),
    }
}

/// What `plugin check` and the install record show of a plugin.
pub fn describe(plugin: &LoadedPlugin) -> serde_json::Value {
    let manifest = plugin.manifest();
    serde_json::json!({
        "id": manifest.id,
        "version": manifest.version.to_string(),
        "name": manifest.name,
        "system": manifest.system,
        "description": manifest.description,
        "api_version": manifest.api_version.to_string(),
        "capabilities": manifest.capabilities.iter().map(|c| c.name()).collect::<Vec<_>>(),
        "tools": plugin.tools().iter().map(|t| serde_json::json!({
            "name": t.name,
            "mcp_name": namespaced_tool(&manifest.id, &t.name),
            "title": t.title,
            "description": t.description,
            "role": t.role.name(),
        })).collect::<Vec<_>>(),
        "collections": plugin.collections(),
        "dice_grammar": plugin.dice_grammar(),
        "glossary_terms": plugin.glossary().len(),
        "prompts": plugin.prompts().iter().map(|p| serde_json::json!({
            "name": p.name,
            "title": p.title,
            "arguments": p.arguments.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
            "role": p.role.name(),
        })).collect::<Vec<_>>(),
        "sha256": plugin.sha256(),
    })
}

fn read_component(path: &Path) -> Result<Vec<u8>, PluginHostError> {
    let metadata = std::fs::metadata(path)
        .map_err(|err| PluginHostError::Io(format!("cannot read {}: {err}", path.display())))?;
    if metadata.len() > MAX_COMPONENT_BYTES {
        return Err(PluginHostError::Invalid(format!(
            "{} is {} MiB; plugin components are limited to {} MiB",
            path.display(),
            metadata.len() >> 20,
            MAX_COMPONENT_BYTES >> 20
        )));
    }
    std::fs::read(path).map_err(|err| PluginHostError::Io(format!("cannot read {}: {err}", path.display())))
}

fn write_atomically(target: &Path, bytes: &[u8]) -> Result<(), PluginHostError> {
    let io = |err: std::io::Error| PluginHostError::Io(format!("cannot write {}: {err}", target.display()));
    let folder =
        target.parent().ok_or_else(|| PluginHostError::Io(format!("{} has no folder", target.display())))?;
    std::fs::create_dir_all(folder).map_err(io)?;
    let partial = target.with_extension(format!("partial-{}", std::process::id()));
    std::fs::write(&partial, bytes).map_err(io)?;
    std::fs::File::open(&partial).and_then(|f| f.sync_all()).map_err(io)?;
    std::fs::rename(&partial, target).map_err(io)
}
