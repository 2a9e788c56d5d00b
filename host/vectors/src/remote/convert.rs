//! Conversions between this crate's types and `qdrant-client`'s gRPC types.

use std::collections::HashMap;

use qdrant_client::qdrant::{self, NamedVectors, PointId, PointStruct, ScoredPoint, Vector};

use crate::error::IndexError;
use crate::types::{Condition, DENSE_VECTOR_NAME, Filter, Hit, Payload, Point, SPARSE_VECTOR_NAME};

pub(super) fn point_struct(point: Point) -> PointStruct {
    let mut vectors = NamedVectors::default().add_vector(DENSE_VECTOR_NAME, Vector::new_dense(point.dense));
    if !point.sparse.is_empty() {
        vectors = vectors
            .add_vector(SPARSE_VECTOR_NAME, Vector::new_sparse(point.sparse.indices, point.sparse.values));
    }
    PointStruct::new(point.id, vectors, qdrant_client::Payload::from(point.payload))
}

pub(super) fn grpc_filter(filter: &Filter) -> qdrant::Filter {
    let mut grpc = qdrant::Filter::must(filter.must.iter().map(grpc_condition));
    grpc.must_not = filter.must_not.iter().map(grpc_condition).collect();
    grpc
}

fn grpc_condition(condition: &Condition) -> qdrant::Condition {
    match condition {
        Condition::Keyword { key, any_of } => qdrant::Condition::matches(key.as_str(), any_of.clone()),
        Condition::Integer { key, value } => qdrant::Condition::matches(key.as_str(), *value),
        Condition::IntegerRange { key, gte, lte } => qdrant::Condition::range(
            key.as_str(),
            qdrant::Range { gte: gte.map(|v| v as f64), lte: lte.map(|v| v as f64), gt: None, lt: None },
        ),
        Condition::IdIn { ids } => qdrant::Condition::has_id(ids.iter().copied()),
    }
}

pub(super) fn point_id(collection: &str, id: Option<PointId>) -> Result<u64, IndexError> {
    use qdrant::point_id::PointIdOptions;
    match id.and_then(|id| id.point_id_options) {
        Some(PointIdOptions::Num(id)) => Ok(id),
        other => Err(IndexError::Remote {
            collection: collection.to_owned(),
            operation: "read point ids",
            message: format!("unexpected point id {other:?}; this crate only writes numeric ids"),
        }),
    }
}

pub(super) fn json_payload(payload: HashMap<String, qdrant::Value>) -> Payload {
    payload.into_iter().map(|(k, v)| (k, serde_json::Value::from(v))).collect()
}

pub(super) fn hit(collection: &str, point: ScoredPoint) -> Result<Hit, IndexError> {
    Ok(Hit {
        id: point_id(collection, point.id)?,
        score: point.score,
        payload: json_payload(point.payload),
        dense_rank: None,
        sparse_rank: None,
    })
}
