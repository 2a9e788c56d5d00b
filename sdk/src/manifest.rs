//! The plugin's manifest as an author writes it.

use crate::{API_VERSION, Capability, bindings::ttrpg::plugin::types as wit};

/// Who a plugin is and what it asks for, as returned by [`Plugin::manifest`](crate::Plugin::manifest).
///
/// The SDK turns it into the WIT `manifest` the host reads: it fills in `api-version` with
/// [`API_VERSION`] and, unless [`Manifest::version`] set one, the plugin's version with the
/// plugin crate's `CARGO_PKG_VERSION` (the [`export_plugin!`](crate::export_plugin) macro
/// reads it from the crate that invokes it).
///
/// ```
/// use ttrpg_plugin_sdk::{Capability, Manifest};
///
/// let manifest = Manifest::new("fate-core", "fate", "Fate Core", "Fate dice, aspects and stunts.")
///     .capability(Capability::Random);
/// assert_eq!(manifest.version, None); // taken from Cargo.toml when exported
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// Unique plugin id: lowercase ASCII letters, digits and `-`, 1 to 32 characters, starting
    /// with a letter (`dnd5e`, `fate-core`). The host publishes each tool as `<id>__<tool>`.
    pub id: String,
    /// The plugin's semver version; `None` means the plugin crate's `CARGO_PKG_VERSION`.
    pub version: Option<String>,
    /// The game system it implements (`dnd5e`, `fate`); campaigns name systems the same way.
    pub system: String,
    /// A name for people ("D&D 5e (SRD 5.1)").
    pub name: String,
    /// One paragraph on what the plugin offers.
    pub description: String,
    /// The capabilities it asks for. A GM grants them per campaign; a host call whose
    /// capability was not granted fails with [`HostError::NotGranted`](crate::HostError::NotGranted).
    pub capabilities: Vec<Capability>,
}

impl Manifest {
    /// A manifest asking for no capabilities, versioned from the plugin's `Cargo.toml`.
    pub fn new(
        id: impl Into<String>,
        system: impl Into<String>,
        name: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            version: None,
            system: system.into(),
            name: name.into(),
            description: description.into(),
            capabilities: Vec::new(),
        }
    }

    /// Sets the version explicitly instead of taking the crate's `CARGO_PKG_VERSION`.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// Adds one capability to those asked for (a repeated one is kept once).
    pub fn capability(mut self, capability: Capability) -> Self {
        if !self.capabilities.contains(&capability) {
            self.capabilities.push(capability);
        }
        self
    }

    /// Adds several capabilities to those asked for.
    pub fn capabilities(self, capabilities: impl IntoIterator<Item = Capability>) -> Self {
        capabilities.into_iter().fold(self, Manifest::capability)
    }

    /// The WIT manifest the host reads: `api-version` is [`API_VERSION`] and a missing version
    /// is `package_version` (the plugin crate's `CARGO_PKG_VERSION`).
    pub fn to_wit(&self, package_version: &str) -> wit::Manifest {
        wit::Manifest {
            id: self.id.clone(),
            version: self.version.clone().unwrap_or_else(|| package_version.to_owned()),
            system: self.system.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            api_version: API_VERSION.to_owned(),
            capabilities: self.capabilities.clone(),
        }
    }
}
