//! The plugin API versions this host runs, and which one a component gets.
//!
//! Every released API is a frozen folder `wit/<version>/` and one adapter module here
//! (`v0_1_0.rs`, `v0_2_0.rs`, `v0_3_0.rs`): its own `bindgen!`, conversions from its generated types into
//! [`crate::model`] / [`crate::raw`] and back, and nothing else — the rules of the host
//! imports live once in [`crate::host_imports`], the checks of what a plugin returns in
//! `validate.rs` and `plugin.rs`. [`API_BINDINGS`] lists the adapters, one line each.
//!
//! A component declares its API version in the name of the interface it exports
//! (`ttrpg:plugin/plugin@0.1.0`). It runs on a binding whose version is semver-compatible
//! with it ([`compatible`], [`choose`]): a host with the 0.1.0, 0.2.0 and 0.3.0 bindings runs
//! plugins built against any 0.1.x, 0.2.x or 0.3.x, and refuses 0.4.0 or 1.0.0 with a message
//! naming both versions. This is the rule wasmtime resolves interface names by, so a compatible
//! component finds every function the binding defines; one that imports a function added
//! in a later 0.1.x than the host has fails to link, naming it.

use async_trait::async_trait;
use wasmtime::Store;
use wasmtime::component::{Component, Linker};

use crate::error::RefusalKind;
use crate::model::{CallContext, Document};
use crate::raw::{RawChunk, RawDescription, RawPromptResult, RawRoll, RawToolResult};
use crate::state::PluginState;
use crate::{v0_1_0, v0_2_0, v0_3_0};

/// One supported API version: the WIT package it was generated from and how to link and
/// prepare components built against it.
pub(crate) struct ApiBinding {
    /// The version of the frozen `wit/<version>/` folder.
    pub(crate) version: &'static str,
    /// Adds the version's host imports (and nothing-granted WASI) to a linker.
    pub(crate) add_to_linker: fn(&mut Linker<PluginState>) -> wasmtime::Result<()>,
    /// Pre-links a component against a linker of this version.
    pub(crate) prepare: PrepareFn,
}

/// How an [`ApiBinding`] pre-links a component against a linker of its version.
pub(crate) type PrepareFn =
    fn(&Linker<PluginState>, &Component) -> wasmtime::Result<Box<dyn PreparedComponent>>;

/// The version table, oldest first: one line per frozen `wit/<version>/` folder.
pub(crate) const API_BINDINGS: [ApiBinding; 3] = [v0_1_0::BINDING, v0_2_0::BINDING, v0_3_0::BINDING];

/// The versions of [`API_BINDINGS`], as [`crate::SUPPORTED_API_VERSIONS`] publishes them.
pub(crate) const fn binding_versions() -> [&'static str; API_BINDINGS.len()] {
    let mut versions = [""; API_BINDINGS.len()];
    let mut i = 0;
    while i < API_BINDINGS.len() {
        versions[i] = API_BINDINGS[i].version;
        i += 1;
    }
    versions
}

/// A component pre-linked against one API version: the plugin's exports, called in a
/// fresh instance in `store`, with results converted into version-independent types.
#[async_trait]
pub(crate) trait PreparedComponent: Send + Sync {
    /// `describe`, `tools`, `collections` and `dice-grammar`, in one instance.
    async fn describe(&self, store: &mut Store<PluginState>) -> wasmtime::Result<RawDescription>;

    /// `call-tool`: the tool's JSON text or its own error.
    async fn call_tool(
        &self,
        store: &mut Store<PluginState>,
        context: &CallContext,
        name: &str,
        arguments: &str,
    ) -> wasmtime::Result<RawToolResult>;

    /// `roll`: the roll, or the grammar's refusal.
    async fn roll(
        &self,
        store: &mut Store<PluginState>,
        context: &CallContext,
        expression: &str,
    ) -> wasmtime::Result<Result<RawRoll, String>>;

    /// `chunk-document`: `None` when the plugin leaves chunking to the host.
    async fn chunk(
        &self,
        store: &mut Store<PluginState>,
        document: &Document,
    ) -> wasmtime::Result<Option<Result<Vec<RawChunk>, String>>>;

    /// `get-prompt` (from API 0.3.0): the built prompt or the plugin's own error. Older
    /// versions have no prompts, so nothing is ever asked of them; the default answers
    /// `not-found`.
    async fn get_prompt(
        &self,
        store: &mut Store<PluginState>,
        context: &CallContext,
        name: &str,
        arguments: &str,
    ) -> wasmtime::Result<RawPromptResult> {
        let _ = (store, context, arguments);
        Ok(Err((RefusalKind::NotFound, format!("this plugin's API version has no prompts, so no {name:?}"))))
    }
}

/// Whether a component built against API `found` runs on a binding generated from API
/// `binding`: the same version, or one on the same semver track — the same major version
/// from 1.0.0 on, the same minor version before it (0.1.x). Pre-releases and 0.0.x
/// versions match only exactly, as in wasmtime's name resolution.
pub(crate) fn compatible(binding: &semver::Version, found: &semver::Version) -> bool {
    if binding == found {
        return true;
    }
    if !binding.pre.is_empty() || !found.pre.is_empty() {
        return false;
    }
    match (binding.major, binding.minor) {
        (0, 0) => false,
        (0, minor) => found.major == 0 && found.minor == minor,
        (major, _) => found.major == major,
    }
}

/// The index in [`API_BINDINGS`] of the binding a component built against `found` runs
/// on (see [`choose`]).
pub(crate) fn binding_for(found: &semver::Version) -> Option<usize> {
    choose(&binding_versions(), found)
}

/// Which of `bindings` (versions, oldest first) runs a component built against `found`:
/// among the compatible ones, the newest that is not newer than `found` — generated from
/// the WIT the component was built against or the last change before it, as Zed picks
/// its `since_v…` binding — else the oldest (a component older than every binding on its
/// track runs on the first one, whose imports are a superset of what it may use).
fn choose(bindings: &[&str], found: &semver::Version) -> Option<usize> {
    let compatible: Vec<(usize, semver::Version)> = bindings
        .iter()
        .enumerate()
        .filter_map(|(i, text)| semver::Version::parse(text).ok().map(|version| (i, version)))
        .filter(|(_, version)| compatible(version, found))
        .collect();
    compatible
        .iter()
        .filter(|(_, version)| version <= found)
        .max_by(|a, b| a.1.cmp(&b.1))
        .or_else(|| compatible.iter().min_by(|a, b| a.1.cmp(&b.1)))
        .map(|(i, _)| *i)
}

/// How [`LoadError::UnsupportedApi`](crate::LoadError::UnsupportedApi) names what this
/// host runs: each binding's version and the range it accepts (`0.1.0 (accepts 0.1.x)`).
pub(crate) fn supported_description() -> String {
    API_BINDINGS
        .iter()
        .map(|binding| match semver::Version::parse(binding.version) {
            Ok(v) if v.pre.is_empty() && v.major > 0 => {
                format!("{} (accepts {}.x)", binding.version, v.major)
            }
            Ok(v) if v.pre.is_empty() && v.minor > 0 => {
                format!("{} (accepts {}.{}.x)", binding.version, v.major, v.minor)
            }
            _ => binding.version.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> semver::Version {
        semver::Version::parse(text).unwrap()
    }

    #[test]
    fn a_binding_accepts_its_semver_track() {
        let binding = v("0.1.0");
        for found in ["0.1.0", "0.1.1", "0.1.7", "0.1.0+build.5"] {
            assert!(compatible(&binding, &v(found)), "0.1.0 runs {found}");
        }
        for found in ["0.2.0", "0.0.1", "1.0.0", "1.1.0", "9.0.0", "0.1.1-rc.1", "0.1.0-rc.1"] {
            assert!(!compatible(&binding, &v(found)), "0.1.0 refuses {found}");
        }
        // A later binding on the track still runs components of an earlier release.
        assert!(compatible(&v("0.1.4"), &v("0.1.0")));
    }

    #[test]
    fn from_one_point_zero_the_major_version_is_the_track() {
        let binding = v("1.2.0");
        for found in ["1.0.0", "1.2.0", "1.9.3"] {
            assert!(compatible(&binding, &v(found)), "1.2.0 runs {found}");
        }
        for found in ["0.9.0", "2.0.0", "1.3.0-beta"] {
            assert!(!compatible(&binding, &v(found)), "1.2.0 refuses {found}");
        }
    }

    #[test]
    fn zero_zero_and_pre_releases_match_only_exactly() {
        assert!(compatible(&v("0.0.3"), &v("0.0.3")));
        assert!(!compatible(&v("0.0.3"), &v("0.0.4")));
        assert!(compatible(&v("0.2.0-rc.1"), &v("0.2.0-rc.1")));
        assert!(!compatible(&v("0.2.0-rc.1"), &v("0.2.0")));
    }

    #[test]
    fn a_component_gets_the_binding_of_its_wit_or_the_last_change_before_it() {
        let bindings = ["0.1.0", "0.1.2", "0.2.0", "1.0.0", "1.3.0"];
        let chosen = |found: &str| choose(&bindings, &v(found)).map(|i| bindings[i]);
        assert_eq!(chosen("0.1.0"), Some("0.1.0"));
        assert_eq!(chosen("0.1.1"), Some("0.1.0"));
        assert_eq!(chosen("0.1.2"), Some("0.1.2"));
        assert_eq!(chosen("0.1.9"), Some("0.1.2"));
        assert_eq!(chosen("0.2.5"), Some("0.2.0"));
        assert_eq!(chosen("1.2.0"), Some("1.0.0"));
        assert_eq!(chosen("1.4.1"), Some("1.3.0"));
        assert_eq!(chosen("0.3.0"), None);
        assert_eq!(chosen("2.0.0"), None);
        // Older than every binding on its track: the oldest of them.
        assert_eq!(choose(&["0.1.2", "0.1.4"], &v("0.1.0")).map(|i| i + 1), Some(1));
    }

    #[test]
    fn this_hosts_table_runs_every_0_1_0_2_and_0_3_release_and_names_what_it_supports() {
        assert_eq!(binding_for(&v("0.1.0")).map(|i| API_BINDINGS[i].version), Some("0.1.0"));
        assert_eq!(binding_for(&v("0.1.3")).map(|i| API_BINDINGS[i].version), Some("0.1.0"));
        assert_eq!(binding_for(&v("0.2.0")).map(|i| API_BINDINGS[i].version), Some("0.2.0"));
        assert_eq!(binding_for(&v("0.2.4")).map(|i| API_BINDINGS[i].version), Some("0.2.0"));
        assert_eq!(binding_for(&v("0.3.0")).map(|i| API_BINDINGS[i].version), Some("0.3.0"));
        assert_eq!(binding_for(&v("0.3.2")).map(|i| API_BINDINGS[i].version), Some("0.3.0"));
        assert_eq!(binding_for(&v("0.4.0")), None);
        assert_eq!(binding_for(&v("1.0.0")), None);
        assert_eq!(
            supported_description(),
            "0.1.0 (accepts 0.1.x), 0.2.0 (accepts 0.2.x), 0.3.0 (accepts 0.3.x)"
        );
        assert_eq!(binding_versions(), ["0.1.0", "0.2.0", "0.3.0"]);
        for binding in &API_BINDINGS {
            assert!(semver::Version::parse(binding.version).is_ok(), "{} is semver", binding.version);
        }
    }
}
