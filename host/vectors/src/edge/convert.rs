//! Conversions between this crate's types and Qdrant Edge 0.7.2's request types.

use qdrant_edge::external::ordered_float::OrderedFloat;
use qdrant_edge::{
    Condition as EdgeCondition, FieldCondition, Filter as EdgeFilter, Fusion, JsonPath, Match, NamedQuery,
    PointId, PointStruct, Prefetch, QueryEnum, QueryRequest, Range, ScoredPoint, ScoringQuery, Vector,
    VectorInternal, Vectors,
};

use crate::error::IndexError;
use crate::fusion::RRF_K;
use crate::types::{
    Condition, DENSE_VECTOR_NAME, Filter, Hit, HybridQuery, Point, SPARSE_VECTOR_NAME, SparseVector,
};

/// Our filter as an edge filter (`None` for the empty filter).
pub(super) fn filter(collection: &str, filter: &Filter) -> Result<Option<EdgeFilter>, IndexError> {
    if filter.is_empty() {
        return Ok(None);
    }
    let convert_all = |conditions: &[Condition]| -> Result<Option<Vec<EdgeCondition>>, IndexError> {
        if conditions.is_empty() {
            return Ok(None);
        }
        conditions.iter().map(|c| condition(collection, c)).collect::<Result<Vec<_>, _>>().map(Some)
    };
    let mut edge_filter = EdgeFilter::new();
    edge_filter.must = convert_all(&filter.must)?;
    edge_filter.must_not = convert_all(&filter.must_not)?;
    Ok(Some(edge_filter))
}

fn condition(collection: &str, condition: &Condition) -> Result<EdgeCondition, IndexError> {
    let field = |key: &str, r#match: Option<Match>, range: Option<Range<OrderedFloat<f64>>>| {
        let path: JsonPath = key
            .parse()
            .map_err(|()| IndexError::invalid(collection, format!("`{key}` is not a valid payload key")))?;
        Ok(EdgeCondition::Field(match (r#match, range) {
            (Some(r#match), _) => FieldCondition::new_match(path, r#match),
            (None, Some(range)) => FieldCondition::new_range(path, range),
            (None, None) => unreachable!("conditions always carry a match or a range"),
        }))
    };
    match condition {
        Condition::Keyword { key, any_of } => field(key, Some(Match::from(any_of.clone())), None),
        Condition::Integer { key, value } => field(key, Some(Match::from(*value)), None),
        Condition::IntegerRange { key, gte, lte } => {
            let bound = |b: &Option<i64>| b.map(|v| OrderedFloat(v as f64));
            field(key, None, Some(Range { gte: bound(gte), lte: bound(lte), gt: None, lt: None }))
        }
        // HasIdCondition is built from an ahash set; its JSON form avoids that dependency.
        Condition::IdIn { ids } => serde_json::from_value(serde_json::json!({ "has_id": ids }))
            .map_err(|e| IndexError::invalid(collection, format!("cannot build id condition: {e}"))),
    }
}

/// Our point as an edge point with a named dense and (if non-empty) a named sparse vector.
pub(super) fn point(collection: &str, point: Point) -> Result<PointStruct, IndexError> {
    let mut vectors = vec![(DENSE_VECTOR_NAME, Vector::new_dense(point.dense))];
    if !point.sparse.is_empty() {
        vectors.push((SPARSE_VECTOR_NAME, sparse_vector(collection, point.sparse)?));
    }
    Ok(PointStruct::new(point.id, Vectors::new_named(vectors), serde_json::Value::Object(point.payload)))
}

fn sparse_vector(collection: &str, sparse: SparseVector) -> Result<Vector, IndexError> {
    Vector::new_sparse(sparse.indices, sparse.values)
        .map_err(|e| IndexError::invalid(collection, format!("bad sparse vector: {e}")))
}

/// Nearest-neighbour scoring on one named vector.
fn nearest(vector: VectorInternal, using: &str) -> ScoringQuery {
    ScoringQuery::Vector(QueryEnum::Nearest(NamedQuery { query: vector, using: Some(using.into()) }))
}

/// The arms of a hybrid query that have a non-empty vector, as (name, scoring query).
pub(super) fn arms(
    collection: &str,
    query: &HybridQuery,
) -> Result<Vec<(&'static str, ScoringQuery)>, IndexError> {
    let mut arms = Vec::with_capacity(2);
    if !query.dense.is_empty() {
        arms.push((
            DENSE_VECTOR_NAME,
            nearest(VectorInternal::Dense(query.dense.clone()), DENSE_VECTOR_NAME),
        ));
    }
    if !query.sparse.is_empty() {
        let Vector(sparse) = sparse_vector(collection, query.sparse.clone())?;
        arms.push((SPARSE_VECTOR_NAME, nearest(sparse, SPARSE_VECTOR_NAME)));
    }
    Ok(arms)
}

/// A single-arm request (used for `explain`).
pub(super) fn arm_request(scoring: ScoringQuery, filter: Option<EdgeFilter>, limit: usize) -> QueryRequest {
    QueryRequest {
        prefetches: Vec::new(),
        query: Some(scoring),
        filter,
        score_threshold: None,
        limit,
        offset: 0,
        params: None,
        with_vector: false.into(),
        with_payload: false.into(),
    }
}

/// The fused request: one prefetch per arm, RRF on top, filter at the root (edge propagates it
/// to every prefetch), payload returned.
pub(super) fn fused_request(
    arms: Vec<(&'static str, ScoringQuery)>,
    filter: Option<EdgeFilter>,
    query: &HybridQuery,
) -> QueryRequest {
    let prefetches = arms
        .into_iter()
        .map(|(_, scoring)| Prefetch {
            prefetches: Vec::new(),
            query: Some(scoring),
            limit: query.prefetch.max(query.limit),
            params: None,
            filter: None,
            score_threshold: None,
        })
        .collect();
    QueryRequest {
        prefetches,
        query: Some(ScoringQuery::Fusion(Fusion::Rrf { k: RRF_K, weights: None })),
        filter,
        score_threshold: None,
        limit: query.limit,
        offset: 0,
        params: None,
        with_vector: false.into(),
        with_payload: true.into(),
    }
}

pub(super) fn point_id(collection: &str, id: PointId) -> Result<u64, IndexError> {
    match id {
        PointId::NumId(id) => Ok(id),
        PointId::Uuid(uuid) => Err(IndexError::Edge {
            collection: collection.to_owned(),
            operation: "read point ids",
            message: format!("found UUID point id {uuid}; this crate only writes numeric ids"),
        }),
    }
}

pub(super) fn hit(collection: &str, point: ScoredPoint) -> Result<Hit, IndexError> {
    Ok(Hit {
        id: point_id(collection, point.id)?,
        score: point.score,
        payload: point.payload.map(|p| p.0).unwrap_or_default(),
        dense_rank: None,
        sparse_rank: None,
    })
}
