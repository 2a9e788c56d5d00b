//! Scale-out backend: a Qdrant server over gRPC (`qdrant-client` 1.20).
//!
//! Same collection layout as the embedded backend: a cosine `dense` vector, an IDF-modified
//! `sparse` vector and keyword/integer payload indexes; hybrid search uses the server's
//! prefetch + RRF Query API. Writes are sent with `wait=true`, so they are in the server's WAL
//! (which the server replays after a crash) when a call returns.

mod convert;
mod peers;

use std::collections::HashMap;
use std::sync::RwLock;

use async_trait::async_trait;
use qdrant_client::qdrant::vectors_config::Config as VectorsConfigKind;
use qdrant_client::qdrant::{
    self, CountPointsBuilder, CreateCollectionBuilder, CreateFieldIndexCollectionBuilder,
    DeletePointsBuilder, Distance, FieldType, Fusion, Modifier, PayloadSchemaType, PointId, PointStruct,
    PrefetchQueryBuilder, Query, QueryPointsBuilder, SparseVectorParamsBuilder, SparseVectorsConfigBuilder,
    UpsertPointsBuilder, VectorInput, VectorParamsBuilder, VectorsConfigBuilder,
};

use crate::error::IndexError;
use crate::fusion::reciprocal_rank_fusion;
use crate::index::VectorIndex;
use crate::types::{
    CollectionSpec, CollectionStats, DENSE_VECTOR_NAME, Filter, Hit, HybridQuery, Payload, Point,
    SPARSE_VECTOR_NAME,
};
use crate::validate;
use convert::{grpc_filter, hit, json_payload, point_id, point_struct};
use peers::Peers;
pub use peers::{MINIMUM_SERVER_VERSION, RemoteOptions};

/// Runs `client.method(arg)` on the peer in use, failing over to the next ones
/// ([`Peers::call`]); `arg` is evaluated afresh for each peer tried.
macro_rules! on_peer {
    ($index:expr, $collection:expr, $operation:literal, $method:ident($arg:expr)) => {
        $index.peers.call($collection, $operation, |client| {
            let arg = $arg;
            async move { client.$method(arg).await }
        })
    };
}

/// Points per upsert request.
const UPSERT_CHUNK: usize = 256;

/// A Qdrant server (one peer, or any peers of a cluster) holding the collections.
pub struct RemoteIndex {
    peers: Peers,
    options: RemoteOptions,
    server_version: String,
    /// Dense dimension per collection, learned from the server on first use.
    dense_dims: RwLock<HashMap<String, usize>>,
}

impl RemoteIndex {
    /// Connects to the peers at `urls` (gRPC, e.g. `http://localhost:6334`; one server, or
    /// several peers of a cluster to fail over between) and checks that one answers with a
    /// version this backend supports ([`MINIMUM_SERVER_VERSION`]).
    pub async fn connect(urls: &[String], options: RemoteOptions) -> Result<Self, IndexError> {
        let (peers, server_version) = Peers::connect(urls, options.api_key.as_deref()).await?;
        Ok(Self { peers, options, server_version, dense_dims: RwLock::default() })
    }

    /// The version the server reported when the index connected.
    pub fn server_version(&self) -> &str {
        &self.server_version
    }

    async fn dense_dim(&self, collection: &str) -> Result<usize, IndexError> {
        if let Some(dim) = self.dense_dims.read().ok().and_then(|dims| dims.get(collection).copied()) {
            return Ok(dim);
        }
        if !self.exists(collection).await? {
            return Err(IndexError::CollectionNotFound { collection: collection.to_owned() });
        }
        let info = on_peer!(self, collection, "read collection", collection_info(collection)).await?;
        let params = info.result.and_then(|i| i.config).and_then(|c| c.params);
        let dense = params.as_ref().and_then(|p| p.vectors_config.clone()).and_then(|v| v.config).and_then(
            |c| match c {
                VectorsConfigKind::ParamsMap(map) => map.map.get(DENSE_VECTOR_NAME).map(|p| p.size as usize),
                VectorsConfigKind::Params(_) => None,
            },
        );
        let dim = dense.ok_or_else(|| IndexError::SchemaMismatch {
            collection: collection.to_owned(),
            reason: format!("no named `{DENSE_VECTOR_NAME}` vector"),
        })?;
        if let Ok(mut dims) = self.dense_dims.write() {
            dims.insert(collection.to_owned(), dim);
        }
        Ok(dim)
    }

    async fn exists(&self, collection: &str) -> Result<bool, IndexError> {
        self.peers
            .call(collection, "check collection", |c| async move { c.collection_exists(collection).await })
            .await
    }

    async fn add_missing_payload_indexes(&self, spec: &CollectionSpec) -> Result<(), IndexError> {
        let name = &spec.name;
        let info = on_peer!(self, name, "read collection", collection_info(name.as_str())).await?;
        let existing = info.result.map(|i| i.payload_schema).unwrap_or_default();
        let wanted =
            spec.keyword_fields.iter().map(|f| (f, FieldType::Keyword, PayloadSchemaType::Keyword)).chain(
                spec.integer_fields.iter().map(|f| (f, FieldType::Integer, PayloadSchemaType::Integer)),
            );
        for (field, field_type, schema_type) in wanted {
            match existing.get(field.as_str()) {
                Some(info) if info.data_type == schema_type as i32 => {}
                Some(info) => {
                    return Err(IndexError::SchemaMismatch {
                        collection: name.clone(),
                        reason: format!(
                            "field `{field}` is indexed as type {}, not {schema_type:?}",
                            info.data_type
                        ),
                    });
                }
                None => {
                    let request =
                        CreateFieldIndexCollectionBuilder::new(name.as_str(), field.as_str(), field_type)
                            .wait(true);
                    on_peer!(self, name, "create payload index", create_field_index(request.clone())).await?;
                }
            }
        }
        Ok(())
    }

    /// Runs one arm alone and returns its ids, best first.
    async fn arm_ids(
        &self,
        collection: &str,
        vector: VectorInput,
        using: &str,
        filter: Option<qdrant::Filter>,
        limit: usize,
    ) -> Result<Vec<u64>, IndexError> {
        let mut request = QueryPointsBuilder::new(collection)
            .query(Query::new_nearest(vector))
            .using(using)
            .limit(limit as u64);
        if let Some(filter) = filter {
            request = request.filter(filter);
        }
        let response = on_peer!(self, collection, "search", query(request.clone())).await?;
        response.result.iter().map(|p| point_id(collection, p.id.clone())).collect()
    }
}

#[async_trait]
impl VectorIndex for RemoteIndex {
    async fn ensure_collection(&self, spec: &CollectionSpec) -> Result<(), IndexError> {
        validate::spec(spec)?;
        let name = spec.name.as_str();
        if !self.exists(name).await? {
            let mut dense = VectorsConfigBuilder::default();
            dense.add_named_vector_params(
                DENSE_VECTOR_NAME,
                VectorParamsBuilder::new(spec.dense_dim as u64, Distance::Cosine),
            );
            let mut sparse = SparseVectorsConfigBuilder::default();
            sparse.add_named_vector_params(
                SPARSE_VECTOR_NAME,
                SparseVectorParamsBuilder::default().modifier(Modifier::Idf),
            );
            let mut request = CreateCollectionBuilder::new(name)
                .vectors_config(dense)
                .sparse_vectors_config(sparse)
                .on_disk_payload(true);
            if let Some(factor) = self.options.replication_factor {
                // A write is acknowledged once one replica has it; the others catch up, and a
                // replica that missed writes while its peer was down is recovered by the cluster.
                request = request.replication_factor(factor).write_consistency_factor(1);
            }
            if let Some(shards) = self.options.shard_number {
                request = request.shard_number(shards);
            }
            let created = on_peer!(self, name, "create collection", create_collection(request.clone())).await;
            // Another host may have created it in the meantime: then it is checked below
            // like one that existed.
            if let Err(err) = created
                && !self.exists(name).await?
            {
                return Err(err);
            }
        }
        let dim = self.dense_dim(name).await?;
        if dim != spec.dense_dim {
            return Err(IndexError::SchemaMismatch {
                collection: name.to_owned(),
                reason: format!("dense vectors have {dim} dimensions, the spec asks for {}", spec.dense_dim),
            });
        }
        self.add_missing_payload_indexes(spec).await
    }

    async fn drop_collection(&self, collection: &str) -> Result<bool, IndexError> {
        validate::collection_name(collection)?;
        if let Ok(mut dims) = self.dense_dims.write() {
            dims.remove(collection);
        }
        if !self.exists(collection).await? {
            return Ok(false);
        }
        on_peer!(self, collection, "drop collection", delete_collection(collection)).await?;
        Ok(true)
    }

    async fn upsert(&self, collection: &str, points: Vec<Point>) -> Result<(), IndexError> {
        let dim = self.dense_dim(collection).await?;
        validate::points(collection, &points, dim)?;
        let mut points = points.into_iter().peekable();
        while points.peek().is_some() {
            let chunk: Vec<PointStruct> = points.by_ref().take(UPSERT_CHUNK).map(point_struct).collect();
            let request = UpsertPointsBuilder::new(collection, chunk).wait(true);
            on_peer!(self, collection, "upsert points", upsert_points(request.clone())).await?;
        }
        Ok(())
    }

    async fn delete(&self, collection: &str, filter: &Filter) -> Result<(), IndexError> {
        validate::delete_filter(collection, filter)?;
        self.dense_dim(collection).await?;
        let request = DeletePointsBuilder::new(collection).points(grpc_filter(filter)).wait(true);
        on_peer!(self, collection, "delete points", delete_points(request.clone())).await?;
        Ok(())
    }

    async fn count(&self, collection: &str, filter: &Filter) -> Result<u64, IndexError> {
        self.dense_dim(collection).await?;
        let mut request = CountPointsBuilder::new(collection).exact(true);
        if !filter.is_empty() {
            request = request.filter(grpc_filter(filter));
        }
        let response = on_peer!(self, collection, "count points", count(request.clone())).await?;
        Ok(response.result.map(|r| r.count).unwrap_or(0))
    }

    async fn search(&self, collection: &str, query: &HybridQuery) -> Result<Vec<Hit>, IndexError> {
        let dim = self.dense_dim(collection).await?;
        validate::query(collection, query, dim)?;
        let mut arms: Vec<(&str, VectorInput)> = Vec::new();
        if !query.dense.is_empty() {
            arms.push((DENSE_VECTOR_NAME, VectorInput::new_dense(query.dense.clone())));
        }
        if !query.sparse.is_empty() {
            arms.push((
                SPARSE_VECTOR_NAME,
                VectorInput::new_sparse(query.sparse.indices.clone(), query.sparse.values.clone()),
            ));
        }
        if arms.is_empty() || query.limit == 0 {
            return Ok(Vec::new());
        }
        let filter = (!query.filter.is_empty()).then(|| grpc_filter(&query.filter));
        let per_arm = query.prefetch.max(query.limit);
        if query.explain {
            return explain_search(self, collection, arms, filter, query).await;
        }
        let mut request = QueryPointsBuilder::new(collection)
            .query(Query::new_fusion(Fusion::Rrf))
            .limit(query.limit as u64)
            .with_payload(true);
        for (using, vector) in arms {
            request = request.add_prefetch(
                PrefetchQueryBuilder::default()
                    .query(Query::new_nearest(vector))
                    .using(using)
                    .limit(per_arm as u64),
            );
        }
        if let Some(filter) = filter {
            request = request.filter(filter);
        }
        let response = on_peer!(self, collection, "search", query(request.clone())).await?;
        response.result.into_iter().map(|p| hit(collection, p)).collect()
    }

    async fn flush(&self) -> Result<(), IndexError> {
        // Every write was acknowledged with wait=true: it is in the server's WAL already.
        Ok(())
    }

    async fn stats(&self) -> Result<Vec<CollectionStats>, IndexError> {
        let listed =
            self.peers.call("*", "list collections", |c| async move { c.list_collections().await }).await?;
        let mut stats = Vec::new();
        for collection in listed.collections {
            let name = collection.name;
            let info = on_peer!(self, &name, "read collection", collection_info(name.as_str())).await?;
            let info = info.result.unwrap_or_default();
            stats.push(CollectionStats {
                points: info.points_count.unwrap_or(0),
                segments: info.segments_count,
                name,
            });
        }
        stats.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(stats)
    }

    fn describe(&self) -> String {
        let urls = self.peers.urls();
        let peers = if urls.len() == 1 {
            format!("at {}", urls[0])
        } else {
            format!("through {} peers ({}; now {})", urls.len(), urls.join(", "), self.peers.current_url())
        };
        let replication = match self.options.replication_factor {
            Some(factor) => format!(", new collections replicated {factor}x"),
            None => String::new(),
        };
        format!(
            "qdrant server {} {peers} via qdrant-client 1.20 (gRPC, api key {}{replication})",
            self.server_version,
            if self.options.api_key.is_some() { "set" } else { "not set" }
        )
    }
}

/// Runs each arm separately and fuses here, to report per-arm ranks; payloads come from a
/// final `has_id` query.
async fn explain_search(
    index: &RemoteIndex,
    collection: &str,
    arms: Vec<(&str, VectorInput)>,
    filter: Option<qdrant::Filter>,
    query: &HybridQuery,
) -> Result<Vec<Hit>, IndexError> {
    let per_arm = query.prefetch.max(query.limit);
    let mut rankings = Vec::new();
    let mut arm_names = Vec::new();
    for (using, vector) in arms {
        rankings.push(index.arm_ids(collection, vector, using, filter.clone(), per_arm).await?);
        arm_names.push(using);
    }
    let fused = reciprocal_rank_fusion(&rankings, query.limit);
    let ids: Vec<PointId> = fused.iter().map(|f| PointId::from(f.id)).collect();
    let mut payloads: HashMap<u64, Payload> = HashMap::new();
    if !ids.is_empty() {
        let request = qdrant::GetPointsBuilder::new(collection, ids).with_payload(true);
        let response = on_peer!(index, collection, "retrieve payloads", get_points(request.clone())).await?;
        for record in response.result {
            let id = point_id(collection, record.id)?;
            payloads.insert(id, json_payload(record.payload));
        }
    }
    Ok(fused
        .into_iter()
        .map(|f| {
            let rank_of = |arm| arm_names.iter().position(|n| *n == arm).and_then(|i| f.ranks[i]);
            Hit {
                id: f.id,
                score: f.score,
                payload: payloads.remove(&f.id).unwrap_or_default(),
                dense_rank: rank_of(DENSE_VECTOR_NAME),
                sparse_rank: rank_of(SPARSE_VECTOR_NAME),
            }
        })
        .collect())
}
