//! Scale-out backend: a Qdrant server over gRPC (`qdrant-client` 1.20).
//!
//! Same collection layout as the embedded backend: a cosine `dense` vector, an IDF-modified
//! `sparse` vector and keyword/integer payload indexes; hybrid search uses the server's
//! prefetch + RRF Query API. Writes are sent with `wait=true`, so they are in the server's WAL
//! (which the server replays after a crash) when a call returns.

mod convert;

use std::collections::HashMap;
use std::sync::RwLock;

use async_trait::async_trait;
use qdrant_client::Qdrant;
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

/// Points per upsert request.
const UPSERT_CHUNK: usize = 256;

/// A Qdrant server holding the collections.
pub struct RemoteIndex {
    client: Qdrant,
    url: String,
    server_version: String,
    has_api_key: bool,
    /// Dense dimension per collection, learned from the server on first use.
    dense_dims: RwLock<HashMap<String, usize>>,
}

impl RemoteIndex {
    /// Connects to `url` (gRPC, e.g. `http://localhost:6334`) and checks the server answers.
    pub async fn connect(url: &str, api_key: Option<&str>) -> Result<Self, IndexError> {
        let connect_error =
            |e: qdrant_client::QdrantError| IndexError::Connect { url: url.into(), message: e.to_string() };
        // The client's own version check prints to stdout; the version goes into `describe` instead.
        let client = Qdrant::from_url(url)
            .api_key(api_key.map(str::to_owned))
            .skip_compatibility_check()
            .build()
            .map_err(connect_error)?;
        let health = client.health_check().await.map_err(connect_error)?;
        Ok(Self {
            client,
            url: url.to_owned(),
            server_version: health.version,
            has_api_key: api_key.is_some(),
            dense_dims: RwLock::default(),
        })
    }

    async fn dense_dim(&self, collection: &str) -> Result<usize, IndexError> {
        if let Some(dim) = self.dense_dims.read().ok().and_then(|dims| dims.get(collection).copied()) {
            return Ok(dim);
        }
        if !self.client.collection_exists(collection).await.map_err(remote(collection, "check collection"))? {
            return Err(IndexError::CollectionNotFound { collection: collection.to_owned() });
        }
        let info =
            self.client.collection_info(collection).await.map_err(remote(collection, "read collection"))?;
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

    async fn add_missing_payload_indexes(&self, spec: &CollectionSpec) -> Result<(), IndexError> {
        let name = &spec.name;
        let info =
            self.client.collection_info(name.as_str()).await.map_err(remote(name, "read collection"))?;
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
                    self.client
                        .create_field_index(request)
                        .await
                        .map_err(remote(name, "create payload index"))?;
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
        let response = self.client.query(request).await.map_err(remote(collection, "search"))?;
        response.result.iter().map(|p| point_id(collection, p.id.clone())).collect()
    }
}

#[async_trait]
impl VectorIndex for RemoteIndex {
    async fn ensure_collection(&self, spec: &CollectionSpec) -> Result<(), IndexError> {
        validate::spec(spec)?;
        let name = spec.name.as_str();
        if self.client.collection_exists(name).await.map_err(remote(name, "check collection"))? {
            let dim = self.dense_dim(name).await?;
            if dim != spec.dense_dim {
                return Err(IndexError::SchemaMismatch {
                    collection: name.to_owned(),
                    reason: format!(
                        "dense vectors have {dim} dimensions, the spec asks for {}",
                        spec.dense_dim
                    ),
                });
            }
        } else {
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
            let request = CreateCollectionBuilder::new(name)
                .vectors_config(dense)
                .sparse_vectors_config(sparse)
                .on_disk_payload(true);
            self.client.create_collection(request).await.map_err(remote(name, "create collection"))?;
        }
        self.add_missing_payload_indexes(spec).await
    }

    async fn drop_collection(&self, collection: &str) -> Result<bool, IndexError> {
        validate::collection_name(collection)?;
        if let Ok(mut dims) = self.dense_dims.write() {
            dims.remove(collection);
        }
        if !self.client.collection_exists(collection).await.map_err(remote(collection, "check collection"))? {
            return Ok(false);
        }
        self.client.delete_collection(collection).await.map_err(remote(collection, "drop collection"))?;
        Ok(true)
    }

    async fn upsert(&self, collection: &str, points: Vec<Point>) -> Result<(), IndexError> {
        let dim = self.dense_dim(collection).await?;
        validate::points(collection, &points, dim)?;
        let mut points = points.into_iter().peekable();
        while points.peek().is_some() {
            let chunk: Vec<PointStruct> = points.by_ref().take(UPSERT_CHUNK).map(point_struct).collect();
            let request = UpsertPointsBuilder::new(collection, chunk).wait(true);
            self.client.upsert_points(request).await.map_err(remote(collection, "upsert points"))?;
        }
        Ok(())
    }

    async fn delete(&self, collection: &str, filter: &Filter) -> Result<(), IndexError> {
        validate::delete_filter(collection, filter)?;
        self.dense_dim(collection).await?;
        let request = DeletePointsBuilder::new(collection).points(grpc_filter(filter)).wait(true);
        self.client.delete_points(request).await.map_err(remote(collection, "delete points"))?;
        Ok(())
    }

    async fn count(&self, collection: &str, filter: &Filter) -> Result<u64, IndexError> {
        self.dense_dim(collection).await?;
        let mut request = CountPointsBuilder::new(collection).exact(true);
        if !filter.is_empty() {
            request = request.filter(grpc_filter(filter));
        }
        let response = self.client.count(request).await.map_err(remote(collection, "count points"))?;
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
        let response = self.client.query(request).await.map_err(remote(collection, "search"))?;
        response.result.into_iter().map(|p| hit(collection, p)).collect()
    }

    async fn flush(&self) -> Result<(), IndexError> {
        // Every write was acknowledged with wait=true: it is in the server's WAL already.
        Ok(())
    }

    async fn stats(&self) -> Result<Vec<CollectionStats>, IndexError> {
        let listed = self.client.list_collections().await.map_err(remote("*", "list collections"))?;
        let mut stats = Vec::new();
        for collection in listed.collections {
            let name = collection.name;
            let info =
                self.client.collection_info(name.as_str()).await.map_err(remote(&name, "read collection"))?;
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
        format!(
            "qdrant server {} at {} via qdrant-client 1.20 (gRPC, api key {})",
            self.server_version,
            self.url,
            if self.has_api_key { "set" } else { "not set" }
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
        let response =
            index.client.get_points(request).await.map_err(remote(collection, "retrieve payloads"))?;
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

fn remote(collection: &str, operation: &'static str) -> impl Fn(qdrant_client::QdrantError) -> IndexError {
    let collection = collection.to_owned();
    move |e| IndexError::Remote { collection: collection.clone(), operation, message: e.to_string() }
}
