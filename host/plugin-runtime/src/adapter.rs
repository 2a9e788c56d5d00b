//! What every API version's adapter has in common, written once.
//!
//! Each `v<major>_<minor>_<patch>.rs` runs `bindgen!` over its own frozen WIT folder, so
//! its generated types are its own; but the host imports, the types they carry and most of
//! the exports are the same in every version so far. [`shared_adapter!`] expands, inside a
//! version's module, to the code that converts between that module's generated types and
//! the version-independent ones: linking, pre-linking, the manifest and tool specs, the
//! `call-tool`, `roll` and
//! `chunk-document` calls (as inherent methods of `Prepared`, which the module's
//! `PreparedComponent` impl forwards to), the host imports, and the test of how
//! [`ServiceError`](crate::services::ServiceError)s become the version's `host-error`.
//!
//! Paths in a `macro_rules!` body resolve where the macro is invoked, so `wit::…` and
//! `wit_host::…` are the invoking module's generated types. The module must `use`:
//! `ttrpg::plugin::host::{self as wit_host, HostError}` and `ttrpg::plugin::types as wit`
//! (from its bindings), and `crate::model`. A version that changes one of these pieces
//! writes that piece by hand instead and leaves the macro to the older versions.

/// Expands to the adapter code every API version shares (see the module docs).
macro_rules! shared_adapter {
    ($version:literal) => {
        /// Adds the host imports (and nothing-granted WASI) to a linker.
        fn add_to_linker(
            linker: &mut wasmtime::component::Linker<crate::state::PluginState>,
        ) -> wasmtime::Result<()> {
            wasmtime_wasi::p2::add_to_linker_async(linker)?;
            GameSystem::add_to_linker::<
                crate::state::PluginState,
                wasmtime::component::HasSelf<crate::state::PluginState>,
            >(linker, |state| state)?;
            Ok(())
        }

        /// Pre-links `component`; fails when it does not fit this API version.
        fn prepare(
            linker: &wasmtime::component::Linker<crate::state::PluginState>,
            component: &wasmtime::component::Component,
        ) -> wasmtime::Result<Box<dyn crate::api::PreparedComponent>> {
            let pre = linker.instantiate_pre(component)?;
            Ok(Box::new(Prepared { pre: GameSystemPre::new(pre)? }))
        }

        /// A component pre-linked against this API version.
        struct Prepared {
            pre: GameSystemPre<crate::state::PluginState>,
        }

        impl Prepared {
            async fn instance(
                &self,
                store: &mut wasmtime::Store<crate::state::PluginState>,
            ) -> wasmtime::Result<GameSystem> {
                self.pre.instantiate_async(store).await
            }

            /// `call-tool`: the tool's JSON text or its own error.
            async fn shared_call_tool(
                &self,
                store: &mut wasmtime::Store<crate::state::PluginState>,
                context: &model::CallContext,
                name: &str,
                arguments: &str,
            ) -> wasmtime::Result<crate::raw::RawToolResult> {
                let instance = self.instance(store).await?;
                let result = instance
                    .ttrpg_plugin_plugin()
                    .call_call_tool(&mut *store, &call_context(context), name, arguments)
                    .await?;
                Ok(result.map_err(tool_error))
            }

            /// `roll`: the roll, or the grammar's refusal.
            async fn shared_roll(
                &self,
                store: &mut wasmtime::Store<crate::state::PluginState>,
                context: &model::CallContext,
                expression: &str,
            ) -> wasmtime::Result<Result<crate::raw::RawRoll, String>> {
                let instance = self.instance(store).await?;
                let result = instance
                    .ttrpg_plugin_plugin()
                    .call_roll(&mut *store, &call_context(context), expression)
                    .await?;
                Ok(result.map(|r| crate::raw::RawRoll {
                    expression: r.expression,
                    total: r.total,
                    rendered: r.rendered,
                    crit: match r.crit {
                        wit::Crit::None => model::Crit::None,
                        wit::Crit::Success => model::Crit::Success,
                        wit::Crit::Failure => model::Crit::Failure,
                    },
                    detail: r.detail,
                }))
            }

            /// `chunk-document`: `None` when the plugin leaves chunking to the host.
            async fn shared_chunk(
                &self,
                store: &mut wasmtime::Store<crate::state::PluginState>,
                document: &model::Document,
            ) -> wasmtime::Result<Option<Result<Vec<crate::raw::RawChunk>, String>>> {
                let instance = self.instance(store).await?;
                let document = wit::Document {
                    book: document.book.clone(),
                    pages: document
                        .pages
                        .iter()
                        .map(|p| wit::Page { number: p.number, text: p.text.clone() })
                        .collect(),
                };
                let result =
                    instance.ttrpg_plugin_plugin().call_chunk_document(&mut *store, &document).await?;
                Ok(result.map(|chunks| {
                    chunks.map(|list| {
                        list.into_iter()
                            .map(|c| crate::raw::RawChunk {
                                page_start: c.page_start,
                                page_end: c.page_end,
                                section_path: c.section_path,
                                content_type: c.content_type,
                                text: c.text,
                                metadata: c.metadata,
                            })
                            .collect()
                    })
                }))
            }
        }

        fn tool_error(err: wit::ToolError) -> (crate::error::RefusalKind, String) {
            use crate::error::RefusalKind;
            match err {
                wit::ToolError::InvalidArguments(m) => (RefusalKind::InvalidArguments, m),
                wit::ToolError::NotFound(m) => (RefusalKind::NotFound, m),
                wit::ToolError::Failed(m) => (RefusalKind::Failed, m),
            }
        }

        /// A tool spec as every version has it, with the role the version declares (or
        /// [`model::ToolRole::Gm`] for one without roles).
        fn raw_tool(t: wit::ToolSpec, role: model::ToolRole) -> crate::raw::RawTool {
            crate::raw::RawTool {
                name: t.name,
                title: t.title,
                description: t.description,
                input_schema: t.input_schema,
                output_schema: t.output_schema,
                read_only: t.read_only,
                destructive: t.destructive,
                idempotent: t.idempotent,
                role,
            }
        }

        fn manifest(manifest: wit::Manifest) -> crate::raw::RawManifest {
            crate::raw::RawManifest {
                id: manifest.id,
                version: manifest.version,
                system: manifest.system,
                name: manifest.name,
                description: manifest.description,
                api_version: manifest.api_version,
                capabilities: manifest.capabilities.into_iter().map(capability).collect(),
            }
        }

        fn call_context(context: &model::CallContext) -> wit::CallContext {
            wit::CallContext { campaign_id: context.campaign_id.clone(), session_id: context.session_id.clone() }
        }

        fn capability(c: wit::Capability) -> model::Capability {
            use model::Capability;
            match c {
                wit::Capability::Log => Capability::Log,
                wit::Capability::Random => Capability::Random,
                wit::Capability::Kv => Capability::Kv,
                wit::Capability::Search => Capability::Search,
                wit::Capability::HostTools => Capability::HostTools,
            }
        }

        fn collection(c: wit::CollectionSchema) -> model::CollectionSchema {
            model::CollectionSchema {
                name: c.name,
                description: c.description,
                fields: c
                    .fields
                    .into_iter()
                    .map(|f| model::Field {
                        name: f.name,
                        field_type: match f.field_type {
                            wit::FieldType::Text => model::FieldType::Text,
                            wit::FieldType::Keyword => model::FieldType::Keyword,
                            wit::FieldType::Integer => model::FieldType::Integer,
                            wit::FieldType::Float => model::FieldType::Float,
                            wit::FieldType::Boolean => model::FieldType::Boolean,
                            wit::FieldType::Json => model::FieldType::Json,
                        },
                        indexed: f.indexed,
                        description: f.description,
                    })
                    .collect(),
            }
        }

        /// What this API version tells a plugin when a host function refuses: the three
        /// cases every version has. A request a plugin may not make is `invalid` (granting
        /// more would not help), and so is a write over the kv quota; a function not
        /// offered in this call is `failed`.
        fn host_error(error: crate::services::ServiceError) -> HostError {
            use crate::services::ServiceError;
            match error {
                ServiceError::NotGranted { .. } => HostError::NotGranted(error.to_string()),
                ServiceError::Invalid(message) | ServiceError::Forbidden(message) => {
                    HostError::Invalid(message)
                }
                ServiceError::QuotaExceeded { .. } => HostError::Invalid(error.to_string()),
                ServiceError::Unavailable(message) | ServiceError::Failed(message) => {
                    HostError::Failed(message)
                }
            }
        }

        impl wit::Host for crate::state::PluginState {}

        impl wit_host::Host for crate::state::PluginState {
            async fn log(&mut self, level: wit_host::LogLevel, message: String) -> Result<(), HostError> {
                use model::LogLevel;
                let level = match level {
                    wit_host::LogLevel::Trace => LogLevel::Trace,
                    wit_host::LogLevel::Debug => LogLevel::Debug,
                    wit_host::LogLevel::Info => LogLevel::Info,
                    wit_host::LogLevel::Warn => LogLevel::Warn,
                    wit_host::LogLevel::Error => LogLevel::Error,
                };
                crate::host_imports::log(self, level, &message).map_err(host_error)
            }

            async fn random_u64(&mut self) -> Result<u64, HostError> {
                crate::host_imports::random_u64(self).map_err(host_error)
            }

            async fn roll_faces(&mut self, sides: u32, count: u32) -> Result<Vec<u32>, HostError> {
                crate::host_imports::roll_faces(self, sides, count).map_err(host_error)
            }

            async fn kv_get(&mut self, key: String) -> Result<Option<Vec<u8>>, HostError> {
                crate::host_imports::kv_get(self, &key).await.map_err(host_error)
            }

            async fn kv_set(&mut self, key: String, value: Vec<u8>) -> Result<(), HostError> {
                crate::host_imports::kv_set(self, &key, value).await.map_err(host_error)
            }

            async fn kv_delete(&mut self, key: String) -> Result<bool, HostError> {
                crate::host_imports::kv_delete(self, &key).await.map_err(host_error)
            }

            async fn kv_list(&mut self, prefix: String) -> Result<Vec<String>, HostError> {
                crate::host_imports::kv_list(self, &prefix).await.map_err(host_error)
            }

            async fn search(
                &mut self,
                collection: String,
                query: String,
                filter: String,
                limit: u32,
            ) -> Result<Vec<wit::SearchHit>, HostError> {
                let hits = crate::host_imports::search(self, &collection, &query, &filter, limit)
                    .await
                    .map_err(host_error)?;
                Ok(hits
                    .into_iter()
                    .map(|h| wit::SearchHit {
                        collection: h.collection,
                        text: h.text,
                        score: h.score,
                        payload: h.payload.to_string(),
                    })
                    .collect())
            }

            async fn call_tool(&mut self, name: String, arguments: String) -> Result<String, HostError> {
                let result =
                    crate::host_imports::call_tool(self, &name, &arguments).await.map_err(host_error)?;
                Ok(result.to_string())
            }
        }

        #[cfg(test)]
        mod shared_adapter_tests {
            use super::*;
            use crate::model::Capability;
            use crate::services::ServiceError;

            #[test]
            fn service_errors_become_the_three_host_errors() {
                let version = $version;
                let not_granted = ServiceError::NotGranted {
                    function: "kv-get",
                    capability: Capability::Kv,
                    plugin: "p".into(),
                };
                assert!(
                    matches!(host_error(not_granted), HostError::NotGranted(m) if m.contains("`kv`")),
                    "{version}"
                );
                assert!(matches!(host_error(ServiceError::Invalid("a".into())), HostError::Invalid(m) if m == "a"));
                assert!(
                    matches!(host_error(ServiceError::Forbidden("b".into())), HostError::Invalid(m) if m == "b")
                );
                assert!(
                    matches!(host_error(ServiceError::Unavailable("c".into())), HostError::Failed(m) if m == "c")
                );
                assert!(matches!(host_error(ServiceError::Failed("d".into())), HostError::Failed(m) if m == "d"));
                let full = ServiceError::QuotaExceeded {
                    plugin: "p".into(),
                    quota: 1 << 20,
                    would_hold: (1 << 20) + 1,
                };
                assert!(
                    matches!(host_error(full), HostError::Invalid(m) if m.contains("quota") && m.contains("1024 KiB"))
                );
            }
        }
    };
}

pub(crate) use shared_adapter;
