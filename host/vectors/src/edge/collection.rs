//! One collection of the embedded backend: a Qdrant Edge shard behind a read-write lock.

use std::path::{Path, PathBuf};
use std::sync::RwLock;

use qdrant_edge::{
    CreateIndex, Distance, EdgeConfig, EdgeShard, EdgeSparseVectorParams, EdgeVectorParams,
    FieldIndexOperations, JsonPath, Modifier, OperationResult, PayloadSchemaType, UpdateOperation,
    WalOptions,
};

use crate::error::IndexError;
use crate::types::{CollectionSpec, CollectionStats, DENSE_VECTOR_NAME, SPARSE_VECTOR_NAME};

/// File Qdrant Edge writes at the root of every shard directory.
const EDGE_CONFIG_FILE: &str = "edge_config.json";

/// Prefix of the directory a collection is built in before being renamed into place.
const CREATION_PREFIX: &str = ".creating-";

/// WAL segment size. Edge never truncates its WAL itself ([`EdgeCollection::truncate_wal`]
/// does), so keep each preallocated file small.
const WAL_SEGMENT_BYTES: usize = 4 * 1024 * 1024;

/// Folder of a shard's WAL, and the prefix of its closed files (`closed-<first op>`).
const WAL_DIR: &str = "wal";
const WAL_CLOSED_PREFIX: &str = "closed-";

/// True if `path` looks like a Qdrant Edge shard.
pub(super) fn is_shard(path: &Path) -> bool {
    path.join(EDGE_CONFIG_FILE).is_file()
}

/// True for the temporary directory of a collection creation that never finished.
pub(super) fn is_creation_leftover(dir_name: &str) -> bool {
    dir_name.starts_with(CREATION_PREFIX)
}

/// A loaded collection.
pub(super) struct EdgeCollection {
    pub(super) name: String,
    pub(super) dense_dim: usize,
    /// The shard's folder.
    path: PathBuf,
    /// `None` once the collection has been dropped (other tasks may still hold this value).
    shard: RwLock<Option<EdgeShard>>,
}

impl EdgeCollection {
    /// Loads the shard at `path`.
    pub(super) fn load(name: &str, path: &Path) -> Result<Self, IndexError> {
        let shard = EdgeShard::load(path, None).map_err(|e| edge_error(name, "load the shard", e))?;
        let dense_dim = shard.config().vectors.get(DENSE_VECTOR_NAME).map(|v| v.size).ok_or_else(|| {
            IndexError::SchemaMismatch {
                collection: name.to_owned(),
                reason: format!("the shard at {} has no `{DENSE_VECTOR_NAME}` vector", path.display()),
            }
        })?;
        Ok(Self { name: name.to_owned(), dense_dim, path: path.to_owned(), shard: RwLock::new(Some(shard)) })
    }

    /// Creates the shard in a temporary directory, adds the payload indexes, flushes, and renames
    /// it to `<root>/<name>`, so a crash never leaves a half-created collection behind.
    pub(super) fn create(root: &Path, spec: &CollectionSpec) -> Result<Self, IndexError> {
        let name = &spec.name;
        let final_path = root.join(name);
        if final_path.exists() {
            return Err(IndexError::SchemaMismatch {
                collection: name.clone(),
                reason: format!("{} exists but is not a Qdrant Edge shard", final_path.display()),
            });
        }
        let building = root.join(format!("{CREATION_PREFIX}{name}"));
        if building.exists() {
            std::fs::remove_dir_all(&building).map_err(|e| IndexError::io(&building, e))?;
        }
        std::fs::create_dir_all(&building).map_err(|e| IndexError::io(&building, e))?;
        {
            let shard = EdgeShard::new(&building, edge_config(spec.dense_dim))
                .map_err(|e| edge_error(name, "create the shard", e))?;
            let created = Self {
                name: name.clone(),
                dense_dim: spec.dense_dim,
                path: building.clone(),
                shard: RwLock::new(Some(shard)),
            };
            created.add_missing_payload_indexes(spec)?;
            created.flush()?;
        } // dropping the shard flushes it again and releases its files
        std::fs::rename(&building, &final_path).map_err(|e| IndexError::io(&final_path, e))?;
        std::fs::File::open(root).and_then(|dir| dir.sync_all()).map_err(|e| IndexError::io(root, e))?;
        Self::load(name, &final_path)
    }

    /// Checks an existing collection against `spec` and adds any missing payload index.
    pub(super) fn conform_to(&self, spec: &CollectionSpec) -> Result<(), IndexError> {
        let mismatch = |reason: String| IndexError::SchemaMismatch { collection: self.name.clone(), reason };
        if self.dense_dim != spec.dense_dim {
            return Err(mismatch(format!(
                "dense vectors have {} dimensions, the spec asks for {}",
                self.dense_dim, spec.dense_dim
            )));
        }
        let sparse_has_idf = self.read("read config", |shard| {
            Ok(shard
                .config()
                .sparse_vectors
                .get(SPARSE_VECTOR_NAME)
                .map(|s| s.modifier == Some(Modifier::Idf)))
        })?;
        if sparse_has_idf != Some(true) {
            return Err(mismatch(format!("no `{SPARSE_VECTOR_NAME}` sparse vector with the IDF modifier")));
        }
        self.add_missing_payload_indexes(spec)
    }

    fn add_missing_payload_indexes(&self, spec: &CollectionSpec) -> Result<(), IndexError> {
        let existing = self.read("read payload indexes", |shard| Ok(shard.info().payload_schema))?;
        let wanted = spec
            .keyword_fields
            .iter()
            .map(|f| (f, PayloadSchemaType::Keyword))
            .chain(spec.integer_fields.iter().map(|f| (f, PayloadSchemaType::Integer)));
        let mut operations = Vec::new();
        for (field, schema_type) in wanted {
            let path: JsonPath = field.parse().map_err(|()| {
                IndexError::invalid(&self.name, format!("`{field}` is not a valid payload key"))
            })?;
            match existing.get(&path) {
                Some(info) if info.data_type == schema_type => {}
                Some(info) => {
                    return Err(IndexError::SchemaMismatch {
                        collection: self.name.clone(),
                        reason: format!(
                            "field `{field}` is indexed as {:?}, not {schema_type:?}",
                            info.data_type
                        ),
                    });
                }
                None => {
                    operations.push(UpdateOperation::FieldIndexOperation(FieldIndexOperations::CreateIndex(
                        CreateIndex { field_name: path, field_schema: Some(schema_type.into()) },
                    )))
                }
            }
        }
        self.update("create payload index", operations)
    }

    /// Applies update operations under the exclusive lock.
    pub(super) fn update(
        &self,
        operation: &'static str,
        operations: Vec<UpdateOperation>,
    ) -> Result<(), IndexError> {
        if operations.is_empty() {
            return Ok(());
        }
        let guard = self.shard.write().map_err(|_| self.poisoned())?;
        let shard = guard.as_ref().ok_or_else(|| self.dropped())?;
        for update in operations {
            shard.update(update).map_err(|e| edge_error(&self.name, operation, e))?;
        }
        Ok(())
    }

    /// Runs a read-only call under the shared lock (concurrent with other reads).
    pub(super) fn read<T>(
        &self,
        operation: &'static str,
        call: impl FnOnce(&EdgeShard) -> OperationResult<T>,
    ) -> Result<T, IndexError> {
        let guard = self.shard.read().map_err(|_| self.poisoned())?;
        let shard = guard.as_ref().ok_or_else(|| self.dropped())?;
        call(shard).map_err(|e| edge_error(&self.name, operation, e))
    }

    /// Persists WAL and segments (exclusive lock: edge 0.7.2 panics on a contended flush).
    pub(super) fn flush(&self) -> Result<(), IndexError> {
        let guard = self.shard.write().map_err(|_| self.poisoned())?;
        if let Some(shard) = guard.as_ref() {
            shard.flush();
        }
        Ok(())
    }

    /// Closes the shard (flushing it) and deletes its directory; later calls through other
    /// handles get `CollectionNotFound`.
    pub(super) fn drop_files(&self, path: &Path) -> Result<(), IndexError> {
        let mut guard = self.shard.write().map_err(|_| self.poisoned())?;
        drop(guard.take());
        std::fs::remove_dir_all(path).map_err(|e| IndexError::io(path, e))
    }

    /// Runs the edge optimizers to completion.
    pub(super) fn optimize(&self) -> Result<bool, IndexError> {
        let guard = self.shard.write().map_err(|_| self.poisoned())?;
        let shard = guard.as_ref().ok_or_else(|| self.dropped())?;
        let changed = shard.optimize().map_err(|e| edge_error(&self.name, "optimize", e))?;
        shard.flush();
        Ok(changed)
    }

    /// Truncates the WAL, which Edge 0.7.2 only ever appends to: closes the shard (dropping
    /// it flushes the WAL and every segment, so the segments hold every operation), deletes
    /// the closed WAL files but the newest, and loads the shard again. The newest closed
    /// file stays because the numbering of later operations continues from it (a WAL
    /// restarting at 0 would hand out numbers the segments already hold, and they would skip
    /// those writes). Files go oldest first, so a kill part way leaves a contiguous WAL
    /// that replays into the same state. Returns the bytes freed.
    pub(super) fn truncate_wal(&self) -> Result<u64, IndexError> {
        let mut guard = self.shard.write().map_err(|_| self.poisoned())?;
        if guard.is_none() {
            return Err(self.dropped());
        }
        drop(guard.take());
        let freed = remove_replayed_wal_files(&self.path.join(WAL_DIR));
        let shard =
            EdgeShard::load(&self.path, None).map_err(|e| edge_error(&self.name, "reload the shard", e));
        match shard {
            Ok(shard) => {
                *guard = Some(shard);
                freed
            }
            Err(err) => Err(err),
        }
    }

    /// The collection's points and segments (waits for a write in progress).
    pub(super) fn stats(&self) -> Result<CollectionStats, IndexError> {
        let guard = self.shard.read().map_err(|_| self.poisoned())?;
        let shard = guard.as_ref().ok_or_else(|| self.dropped())?;
        let info = shard.info();
        Ok(CollectionStats {
            name: self.name.clone(),
            points: info.points_count as u64,
            segments: info.segments_count as u64,
        })
    }

    /// `name: N points, S segments, ...` without waiting for a busy lock.
    pub(super) fn describe(&self) -> String {
        let Ok(guard) = self.shard.try_read() else {
            return format!("{}: busy (a write is in progress)", self.name);
        };
        let Some(shard) = guard.as_ref() else {
            return format!("{}: dropped", self.name);
        };
        let info = shard.info();
        let mut indexes: Vec<String> = info
            .payload_schema
            .iter()
            .map(|(field, index)| format!("{field}:{:?}", index.data_type))
            .collect();
        indexes.sort();
        format!(
            "{}: {} points, {} segments, {} HNSW-indexed vectors, dense dim {}, payload indexes [{}]",
            self.name,
            info.points_count,
            info.segments_count,
            info.indexed_vectors_count,
            self.dense_dim,
            indexes.join(", ")
        )
    }

    fn dropped(&self) -> IndexError {
        IndexError::CollectionNotFound { collection: self.name.clone() }
    }

    fn poisoned(&self) -> IndexError {
        IndexError::Poisoned { collection: self.name.clone() }
    }
}

/// Shard configuration: cosine dense vector and IDF-modified sparse vector, payload on disk.
fn edge_config(dense_dim: usize) -> EdgeConfig {
    let wal = WalOptions { segment_capacity: WAL_SEGMENT_BYTES, ..WalOptions::default() };
    EdgeConfig::builder()
        .vector(DENSE_VECTOR_NAME, EdgeVectorParams::builder(dense_dim, Distance::Cosine).build())
        .sparse_vector(SPARSE_VECTOR_NAME, EdgeSparseVectorParams::builder().modifier(Modifier::Idf).build())
        .on_disk_payload(true)
        .wal_options(wal)
        .build()
}

/// Deletes a closed shard's closed WAL files except the newest, oldest first; returns the
/// bytes freed.
fn remove_replayed_wal_files(wal: &Path) -> Result<u64, IndexError> {
    let mut closed: Vec<(u64, PathBuf, u64)> = Vec::new();
    for entry in std::fs::read_dir(wal).map_err(|e| IndexError::io(wal, e))? {
        let entry = entry.map_err(|e| IndexError::io(wal, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(start) = name.strip_prefix(WAL_CLOSED_PREFIX).and_then(|n| n.parse::<u64>().ok()) {
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            closed.push((start, entry.path(), size));
        }
    }
    closed.sort_by_key(|(start, _, _)| *start);
    closed.pop(); // the newest carries the numbering on
    let mut freed = 0;
    for (_, path, size) in closed {
        std::fs::remove_file(&path).map_err(|e| IndexError::io(&path, e))?;
        freed += size;
    }
    if freed > 0 {
        std::fs::File::open(wal).and_then(|dir| dir.sync_all()).map_err(|e| IndexError::io(wal, e))?;
    }
    Ok(freed)
}

fn edge_error(collection: &str, operation: &'static str, error: qdrant_edge::OperationError) -> IndexError {
    IndexError::Edge { collection: collection.to_owned(), operation, message: error.to_string() }
}
