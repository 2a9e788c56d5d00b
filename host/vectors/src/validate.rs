//! Input checks shared by both backends, so both reject the same things with the same messages.

use std::collections::HashSet;

use crate::error::IndexError;
use crate::types::{CollectionSpec, Filter, HybridQuery, Point, SparseVector};

/// Collection names become directory names (edge) and URL segments (remote).
pub(crate) fn collection_name(name: &str) -> Result<(), IndexError> {
    let valid = !name.is_empty()
        && name.len() <= 128
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && !name.starts_with('-');
    if valid {
        Ok(())
    } else {
        Err(IndexError::invalid(
            name,
            "collection names must be 1-128 ASCII letters, digits, '_' or '-' and not start with '-'",
        ))
    }
}

pub(crate) fn spec(spec: &CollectionSpec) -> Result<(), IndexError> {
    collection_name(&spec.name)?;
    if spec.dense_dim == 0 {
        return Err(IndexError::invalid(&spec.name, "dense_dim must be positive"));
    }
    let mut seen = HashSet::new();
    for field in spec.keyword_fields.iter().chain(&spec.integer_fields) {
        if field.is_empty() || !seen.insert(field) {
            return Err(IndexError::invalid(
                &spec.name,
                format!("payload index field `{field}` is empty or listed twice"),
            ));
        }
    }
    Ok(())
}

pub(crate) fn dense(collection: &str, what: &str, dense: &[f32], dim: usize) -> Result<(), IndexError> {
    if dense.len() != dim {
        return Err(IndexError::invalid(
            collection,
            format!("{what}: dense vector has {} dimensions, the collection has {dim}", dense.len()),
        ));
    }
    if dense.iter().any(|v| !v.is_finite()) {
        return Err(IndexError::invalid(collection, format!("{what}: dense vector has a NaN or infinity")));
    }
    Ok(())
}

pub(crate) fn sparse(collection: &str, what: &str, sparse: &SparseVector) -> Result<(), IndexError> {
    if sparse.indices.len() != sparse.values.len() {
        return Err(IndexError::invalid(
            collection,
            format!(
                "{what}: sparse vector has {} indices but {} values",
                sparse.indices.len(),
                sparse.values.len()
            ),
        ));
    }
    let mut seen = HashSet::with_capacity(sparse.indices.len());
    if !sparse.indices.iter().all(|index| seen.insert(*index)) {
        return Err(IndexError::invalid(collection, format!("{what}: sparse vector repeats an index")));
    }
    if sparse.values.iter().any(|v| !v.is_finite()) {
        return Err(IndexError::invalid(collection, format!("{what}: sparse vector has a NaN or infinity")));
    }
    Ok(())
}

pub(crate) fn points(collection: &str, points: &[Point], dim: usize) -> Result<(), IndexError> {
    for point in points {
        let what = format!("point {}", point.id);
        dense(collection, &what, &point.dense, dim)?;
        sparse(collection, &what, &point.sparse)?;
    }
    Ok(())
}

pub(crate) fn query(collection: &str, query: &HybridQuery, dim: usize) -> Result<(), IndexError> {
    if !query.dense.is_empty() {
        dense(collection, "query", &query.dense, dim)?;
    }
    sparse(collection, "query", &query.sparse)
}

pub(crate) fn delete_filter(collection: &str, filter: &Filter) -> Result<(), IndexError> {
    if filter.is_empty() {
        return Err(IndexError::invalid(
            collection,
            "refusing to delete with an empty filter (it would delete every point)",
        ));
    }
    Ok(())
}
