//! The host imports, once for every API version: the grant check of each function, the
//! limits (faces, kv keys and values, the kv quota, kv listings, search queries, filters and
//! hits, `call-tool` arguments), the JSON shape of what a plugin hands in (search filters,
//! `call-tool` arguments), and the call into [`HostServices`](crate::HostServices).
//!
//! The limits exist so that one plugin cannot hurt anyone else: every request is refused
//! with [`ServiceError::Invalid`] naming the limit before any work is done for it, so the
//! work the host does on a plugin's behalf (parsing its JSON, scoring its search) is
//! bounded by these numbers, not by the plugin's memory. The kv quota is checked by the
//! services, in the storage write itself ([`HostServices::kv_set`](crate::HostServices::kv_set)),
//! since only the write can see concurrent writes.
//!
//! These functions work on [`crate::model`] types and answer with [`ServiceError`]; an API
//! version's module (`v0_1_0.rs`) only converts its generated types, calls them and maps
//! the error once into its WIT `host-error`. A rule changes here, for every version.

use crate::model::{Capability, LogLevel, SearchHit};
use crate::services::ServiceError;
use crate::state::PluginState;

/// Most faces one `roll-faces` call may return.
pub(crate) const MAX_FACES: u32 = 10_000;
/// Longest kv key.
pub(crate) const MAX_KV_KEY: usize = 256;
/// Largest kv value.
pub(crate) const MAX_KV_VALUE: usize = 1 << 20;
/// Most keys one `kv-list` returns.
pub(crate) const MAX_KV_LIST: usize = 1000;
/// Most hits one `search` returns.
pub(crate) const MAX_SEARCH_HITS: u32 = 50;
/// Longest `search` query, in bytes: the host scores every record of the campaign's
/// system against every term, so the query bounds that work.
pub const MAX_SEARCH_QUERY_BYTES: usize = 1024;
/// Most whitespace-separated terms in one `search` query.
pub const MAX_SEARCH_TERMS: usize = 64;
/// Longest `search` filter (JSON text), in bytes.
pub const MAX_SEARCH_FILTER_BYTES: usize = 16 << 10;
/// Longest collection name a `search` may name, in bytes.
pub(crate) const MAX_SEARCH_COLLECTION_BYTES: usize = 64;
/// Largest `call-tool` arguments (JSON text), in bytes.
pub const MAX_CALL_TOOL_ARGUMENTS_BYTES: usize = 1 << 20;

/// `log`: writes a line (cut at 4 KiB) to the host's log. Needs `log`.
pub(crate) fn log(state: &PluginState, level: LogLevel, message: &str) -> Result<(), ServiceError> {
    require(state, Capability::Log, "log")?;
    state.log(level, message);
    Ok(())
}

/// `random-u64`: the next 64 bits of the call's seeded source. Needs `random`.
pub(crate) fn random_u64(state: &mut PluginState) -> Result<u64, ServiceError> {
    require(state, Capability::Random, "random-u64")?;
    Ok(state.random.next_u64())
}

/// `roll-faces`: `count` faces in `1..=sides` from the call's seeded source. Needs
/// `random`; at least 1 side, at most [`MAX_FACES`] faces.
pub(crate) fn roll_faces(state: &mut PluginState, sides: u32, count: u32) -> Result<Vec<u32>, ServiceError> {
    require(state, Capability::Random, "roll-faces")?;
    if sides == 0 {
        return Err(ServiceError::Invalid("roll-faces: a die needs at least 1 side".into()));
    }
    if count > MAX_FACES {
        return Err(ServiceError::Invalid(format!(
            "roll-faces: {count} faces asked; at most {MAX_FACES} per call"
        )));
    }
    Ok(state.random.faces(sides, count))
}

/// `kv-get`. Needs `kv` and a campaign.
pub(crate) async fn kv_get(state: &mut PluginState, key: &str) -> Result<Option<Vec<u8>>, ServiceError> {
    require(state, Capability::Kv, "kv-get")?;
    check_key(key)?;
    let campaign = campaign(state, "kv-get")?;
    state.services.kv_get(&state.plugin_id, &campaign, key).await
}

/// `kv-set`: values up to [`MAX_KV_VALUE`] bytes, the space held to the call's kv quota
/// (by the services, atomically with the write). Needs `kv` and a campaign.
pub(crate) async fn kv_set(state: &mut PluginState, key: &str, value: Vec<u8>) -> Result<(), ServiceError> {
    require(state, Capability::Kv, "kv-set")?;
    check_key(key)?;
    if value.len() > MAX_KV_VALUE {
        return Err(ServiceError::Invalid(format!(
            "kv-set: value of {} bytes; at most {MAX_KV_VALUE} are accepted",
            value.len()
        )));
    }
    let campaign = campaign(state, "kv-set")?;
    state.services.kv_set(&state.plugin_id, &campaign, key, value, state.kv_quota_bytes).await
}

/// `kv-delete`. Needs `kv` and a campaign.
pub(crate) async fn kv_delete(state: &mut PluginState, key: &str) -> Result<bool, ServiceError> {
    require(state, Capability::Kv, "kv-delete")?;
    check_key(key)?;
    let campaign = campaign(state, "kv-delete")?;
    state.services.kv_delete(&state.plugin_id, &campaign, key).await
}

/// `kv-list`: at most [`MAX_KV_LIST`] keys. Needs `kv` and a campaign.
pub(crate) async fn kv_list(state: &mut PluginState, prefix: &str) -> Result<Vec<String>, ServiceError> {
    require(state, Capability::Kv, "kv-list")?;
    check_key(prefix)?;
    let campaign = campaign(state, "kv-list")?;
    state.services.kv_list(&state.plugin_id, &campaign, prefix, MAX_KV_LIST).await
}

/// `search`: a query of at most [`MAX_SEARCH_QUERY_BYTES`] bytes and [`MAX_SEARCH_TERMS`]
/// terms, `filter` a JSON object text (empty for none) of at most
/// [`MAX_SEARCH_FILTER_BYTES`], `limit` clamped to `1..=`[`MAX_SEARCH_HITS`]. Needs
/// `search` and a campaign. (How long the host may spend scoring is the services' budget.)
pub(crate) async fn search(
    state: &mut PluginState,
    collection: &str,
    query: &str,
    filter: &str,
    limit: u32,
) -> Result<Vec<SearchHit>, ServiceError> {
    require(state, Capability::Search, "search")?;
    check_search(collection, query, filter)?;
    let campaign = campaign(state, "search")?;
    let limit = limit.clamp(1, MAX_SEARCH_HITS) as usize;
    let filter = match filter.trim() {
        "" => serde_json::Value::Object(Default::default()),
        text => json_object(text).ok_or_else(|| {
            ServiceError::Invalid(format!("search: filter must be a JSON object, got {text:?}"))
        })?,
    };
    state.services.search(&campaign, collection, query, &filter, limit).await
}

/// `call-tool`: `arguments` must be a JSON object text; the result is the tool's JSON.
/// Needs `host-tools` and a campaign; which tools are reachable is the services' rule.
pub(crate) async fn call_tool(
    state: &mut PluginState,
    name: &str,
    arguments: &str,
) -> Result<serde_json::Value, ServiceError> {
    require(state, Capability::HostTools, "call-tool")?;
    if arguments.len() > MAX_CALL_TOOL_ARGUMENTS_BYTES {
        return Err(ServiceError::Invalid(format!(
            "call-tool {name}: arguments of {} bytes; at most {MAX_CALL_TOOL_ARGUMENTS_BYTES} are accepted",
            arguments.len()
        )));
    }
    let campaign = campaign(state, "call-tool")?;
    let arguments = json_object(arguments)
        .ok_or_else(|| ServiceError::Invalid(format!("call-tool {name}: arguments must be a JSON object")))?;
    let session = state.session_id.clone();
    state.services.call_host_tool(&campaign, session.as_deref(), name, arguments).await
}

/// `Err(NotGranted)` unless `capability` was granted for this call.
fn require(state: &PluginState, capability: Capability, function: &'static str) -> Result<(), ServiceError> {
    if state.grants.allows(capability) {
        Ok(())
    } else {
        Err(ServiceError::NotGranted { function, capability, plugin: state.plugin_id.clone() })
    }
}

/// The campaign of this call; campaign-scoped functions are unavailable outside one.
fn campaign(state: &PluginState, function: &str) -> Result<String, ServiceError> {
    state.campaign_id.clone().ok_or_else(|| {
        ServiceError::Unavailable(format!("{function} is only available during a campaign call"))
    })
}

/// The size limits of a `search` request, checked before anything is parsed or scored.
fn check_search(collection: &str, query: &str, filter: &str) -> Result<(), ServiceError> {
    if collection.len() > MAX_SEARCH_COLLECTION_BYTES {
        return Err(ServiceError::Invalid(format!(
            "search: a collection name of {} bytes; at most {MAX_SEARCH_COLLECTION_BYTES} are accepted",
            collection.len()
        )));
    }
    if query.len() > MAX_SEARCH_QUERY_BYTES {
        return Err(ServiceError::Invalid(format!(
            "search: a query of {} bytes; at most {MAX_SEARCH_QUERY_BYTES} bytes are accepted",
            query.len()
        )));
    }
    let terms = query.split_whitespace().count();
    if terms > MAX_SEARCH_TERMS {
        return Err(ServiceError::Invalid(format!(
            "search: a query of {terms} terms; at most {MAX_SEARCH_TERMS} terms are accepted"
        )));
    }
    if filter.len() > MAX_SEARCH_FILTER_BYTES {
        return Err(ServiceError::Invalid(format!(
            "search: a filter of {} bytes; at most {MAX_SEARCH_FILTER_BYTES} bytes are accepted",
            filter.len()
        )));
    }
    Ok(())
}

fn check_key(key: &str) -> Result<(), ServiceError> {
    if key.len() > MAX_KV_KEY {
        Err(ServiceError::Invalid(format!("key of {} bytes; at most {MAX_KV_KEY} are accepted", key.len())))
    } else {
        Ok(())
    }
}

/// `text` parsed, if it is a JSON object.
fn json_object(text: &str) -> Option<serde_json::Value> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value @ serde_json::Value::Object(_)) => Some(value),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::RuntimeConfig;
    use crate::model::CallContext;
    use crate::services::{Grants, NoServices};

    fn state(grants: &[Capability], campaign: Option<&str>) -> PluginState {
        state_with(grants, campaign, Arc::new(NoServices))
    }

    fn state_with(
        grants: &[Capability],
        campaign: Option<&str>,
        services: Arc<dyn crate::HostServices>,
    ) -> PluginState {
        let config = RuntimeConfig::new(std::env::temp_dir());
        let context = campaign.map(|id| CallContext { campaign_id: id.into(), session_id: None });
        let grants = Grants::of(grants.iter().copied());
        PluginState::new(&config, "probe", context.as_ref(), &grants, services, 3)
    }

    /// Services that note the quota a `kv-set` arrives with (and otherwise have nothing).
    #[derive(Default)]
    struct QuotaProbe {
        seen: std::sync::Mutex<Option<u64>>,
    }

    #[async_trait::async_trait]
    impl crate::HostServices for QuotaProbe {
        async fn kv_get(&self, p: &str, c: &str, k: &str) -> Result<Option<Vec<u8>>, ServiceError> {
            NoServices.kv_get(p, c, k).await
        }
        async fn kv_set(
            &self,
            _: &str,
            _: &str,
            _: &str,
            _: Vec<u8>,
            quota: u64,
        ) -> Result<(), ServiceError> {
            *self.seen.lock().unwrap() = Some(quota);
            Ok(())
        }
        async fn kv_delete(&self, p: &str, c: &str, k: &str) -> Result<bool, ServiceError> {
            NoServices.kv_delete(p, c, k).await
        }
        async fn kv_list(&self, p: &str, c: &str, k: &str, n: usize) -> Result<Vec<String>, ServiceError> {
            NoServices.kv_list(p, c, k, n).await
        }
        async fn search(
            &self,
            c: &str,
            k: &str,
            q: &str,
            f: &serde_json::Value,
            n: usize,
        ) -> Result<Vec<SearchHit>, ServiceError> {
            NoServices.search(c, k, q, f, n).await
        }
        async fn call_host_tool(
            &self,
            c: &str,
            s: Option<&str>,
            n: &str,
            a: serde_json::Value,
        ) -> Result<serde_json::Value, ServiceError> {
            NoServices.call_host_tool(c, s, n, a).await
        }
    }

    #[tokio::test]
    async fn search_queries_are_capped_in_length_terms_and_filter_size() {
        let mut s = state(&[Capability::Search], Some("c"));
        let megabyte = "x".repeat(1 << 20);
        let err = search(&mut s, "", &megabyte, "", 5).await.unwrap_err();
        assert!(
            matches!(&err, ServiceError::Invalid(m) if m.contains("1048576 bytes") && m.contains("at most 1024")),
            "{err}"
        );
        let many = vec!["goblin"; MAX_SEARCH_TERMS + 1].join(" ");
        assert!(many.len() <= MAX_SEARCH_QUERY_BYTES);
        let err = search(&mut s, "", &many, "", 5).await.unwrap_err();
        assert!(
            matches!(&err, ServiceError::Invalid(m) if m.contains("65 terms") && m.contains("64")),
            "{err}"
        );
        let filter = format!("{{\"name\": \"{}\"}}", "x".repeat(MAX_SEARCH_FILTER_BYTES));
        assert!(
            matches!(search(&mut s, "", "q", &filter, 5).await, Err(ServiceError::Invalid(m)) if m.contains("filter"))
        );
        let collection = "c".repeat(MAX_SEARCH_COLLECTION_BYTES + 1);
        assert!(matches!(search(&mut s, &collection, "q", "", 5).await, Err(ServiceError::Invalid(_))));
        // At the limits, the request reaches the services (which have nothing here).
        let at_limit = vec!["a"; MAX_SEARCH_TERMS].join(" ");
        assert!(matches!(search(&mut s, "", &at_limit, "", 5).await, Err(ServiceError::Unavailable(_))));
        // Without the grant, the answer is not-granted, whatever the query's size.
        let mut none = state(&[], Some("c"));
        assert!(matches!(
            search(&mut none, "", &megabyte, "", 5).await,
            Err(ServiceError::NotGranted { .. })
        ));
    }

    #[test]
    fn each_function_checks_its_grant() {
        let mut none = state(&[], Some("c"));
        let err = random_u64(&mut none).unwrap_err();
        assert_eq!(
            err,
            ServiceError::NotGranted {
                function: "random-u64",
                capability: Capability::Random,
                plugin: "probe".into()
            }
        );
        assert!(err.to_string().contains("`random`") && err.to_string().contains("not granted"), "{err}");
        assert!(matches!(log(&none, LogLevel::Info, "hi"), Err(ServiceError::NotGranted { .. })));
        let mut granted = state(&[Capability::Random], Some("c"));
        assert!(random_u64(&mut granted).is_ok());
    }

    #[test]
    fn faces_are_bounded_and_seeded() {
        let mut granted = state(&[Capability::Random], None);
        assert!(matches!(roll_faces(&mut granted, 0, 1), Err(ServiceError::Invalid(_))));
        assert!(matches!(roll_faces(&mut granted, 6, MAX_FACES + 1), Err(ServiceError::Invalid(_))));
        let faces = roll_faces(&mut granted, 6, 8).unwrap();
        assert!(faces.iter().all(|f| (1..=6).contains(f)), "{faces:?}");
        let mut again = state(&[Capability::Random], None);
        assert_eq!(roll_faces(&mut again, 6, 8).unwrap(), faces, "the same seed gives the same faces");
    }

    #[tokio::test]
    async fn kv_search_and_call_tool_check_their_arguments_before_the_services() {
        let mut s = state(&[Capability::Kv, Capability::Search, Capability::HostTools], Some("c"));
        let long = "k".repeat(MAX_KV_KEY + 1);
        assert!(matches!(kv_get(&mut s, &long).await, Err(ServiceError::Invalid(_))));
        let big = vec![0; MAX_KV_VALUE + 1];
        assert!(matches!(kv_set(&mut s, "k", big).await, Err(ServiceError::Invalid(_))));
        assert!(
            matches!(search(&mut s, "", "q", "[1]", 5).await, Err(ServiceError::Invalid(m)) if m.contains("filter"))
        );
        assert!(matches!(call_tool(&mut s, "roll_dice", "[]").await, Err(ServiceError::Invalid(_))));
        let huge = format!("{{\"x\": \"{}\"}}", "a".repeat(MAX_CALL_TOOL_ARGUMENTS_BYTES));
        assert!(
            matches!(call_tool(&mut s, "roll_dice", &huge).await, Err(ServiceError::Invalid(m)) if m.contains("at most"))
        );
        // Well-formed requests reach the services, which have nothing here.
        assert!(matches!(kv_get(&mut s, "k").await, Err(ServiceError::Unavailable(_))));
        assert!(matches!(search(&mut s, "", "q", "", 5).await, Err(ServiceError::Unavailable(_))));
        assert!(matches!(call_tool(&mut s, "roll_dice", "{}").await, Err(ServiceError::Unavailable(_))));
        // The kv quota reaches the services with the write.
        let quota = Arc::new(QuotaProbe::default());
        let mut q = state_with(&[Capability::Kv], Some("c"), quota.clone());
        kv_set(&mut q, "k", b"v".to_vec()).await.unwrap();
        assert_eq!(*quota.seen.lock().unwrap(), Some(RuntimeConfig::new(".").kv_quota_bytes));
        // Outside a campaign, campaign-scoped functions are unavailable.
        let mut outside = state(&[Capability::Kv], None);
        assert!(
            matches!(kv_list(&mut outside, "").await, Err(ServiceError::Unavailable(m)) if m.contains("campaign"))
        );
    }
}
