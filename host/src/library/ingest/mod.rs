//! Ingestion: a rulebook file in, searchable chunks out.
//!
//! The flow ([`Library::ingest`]): read the file and hash it (a file already ingested is a
//! no-op that says so; one whose ingestion was interrupted is resumed) → record the document
//! (status `ingesting`, invisible to search) and take its lease ([`crate::storage::IngestLeaseStore`]: a second
//! ingestion of the same file, on any host, waits for the first and then has nothing to do;
//! one whose holder died takes over once the lease runs out) → extract its pages with the
//! layout-aware extractor (`ttrpg-pdf`; a bad page is reported and skipped, a bad file is
//! refused and its document removed) → store the pages → chunk with the system plugin's chunker or the
//! built-in one ([`builtin`]), then hold every chunk to the embedding model's budget
//! ([`split`]) → store each distinct chunk once → embed and index the chunks not yet
//! indexed, batch by batch, marking each batch done only after the index has it durably →
//! mark the document `ready`, which makes it visible at once.
//!
//! A kill at any point leaves either no document row (nothing visible), or an `ingesting`
//! row whose pages and chunks are stored (or not yet) and partly indexed under deterministic ids: the next run of
//! the same file re-chunks identically, skips the stored chunks and the indexed ones, and
//! finishes. Search never shows chunks of a document that is not `ready`.

pub mod builtin;
mod lease;
pub mod progress;
pub mod records;
pub mod split;

use std::path::Path;
use std::time::Instant;

use crate::digest::sha256_hex;
use serde::Serialize;
use ttrpg_plugin_runtime::model::{Chunk, Document, Page};
use ttrpg_vectors::{Point, point_id};

use progress::BothProgress;
pub use progress::{
    CALL_PROGRESS, NoProgress, Progress, RunningIngest, RunningIngests, Stage, current_progress,
};

use crate::library::{Library, RULEBOOK_COLLECTION, embedding_text};
use crate::storage::{
    ChunkRecord, DocumentRecord, DocumentStatus, NewDocument, PageRecord, StorageError, Visibility,
};
use split::{Paragraph, TokenCounter, pack};

/// Chunks embedded and indexed per batch (one durable index write per batch).
const INDEX_BATCH: i64 = 128;

/// What to ingest.
#[derive(Debug, Clone)]
pub struct IngestRequest {
    /// The book's title as citations show it ("SRD 5.1").
    pub book: String,
    /// The game system whose plugin chunks it (`dnd5e`), if any.
    pub system: Option<String>,
    /// The campaign it belongs to; `None` puts it in the shared library.
    pub campaign_id: Option<String>,
    /// Who may read it: `players` for a rulebook, `gm` for an adventure (its sections can
    /// be revealed later).
    pub visibility: Visibility,
}

/// A system plugin's chunker, as ingestion sees it.
#[async_trait::async_trait]
pub trait SystemChunker: Send + Sync {
    /// Its name in reports (`dnd5e@1.0.0`).
    fn name(&self) -> String;
    /// Chunks the document, or `None` when the plugin leaves it to the built-in chunker.
    async fn chunk(&self, document: &Document) -> anyhow::Result<Option<Vec<Chunk>>>;
}

/// A page that has no text, and why.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PageProblem {
    /// The page.
    pub page: u32,
    /// What is wrong with it.
    pub problem: String,
}

/// What an ingestion did.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct IngestReport {
    /// The document as stored now.
    pub document: DocumentRecord,
    /// True when the file was already ingested and nothing was done.
    pub already_ingested: bool,
    /// True when an interrupted ingestion of this file was finished.
    pub resumed: bool,
    /// Pages in the file.
    pub pages: u32,
    /// Pages without text, each with the reason.
    pub page_problems: Vec<PageProblem>,
    /// Chunks the document has.
    pub chunks: u64,
    /// Chunks the chunker produced that repeated another one's text (stored once).
    pub duplicate_chunks: u64,
    /// Chunks embedded and indexed by this run.
    pub indexed_now: u64,
    /// Records recognized in it (monsters, spells, … by collection), written anew.
    pub records: u64,
    /// Which chunker split it.
    pub chunker: String,
    /// Seconds this run took.
    pub seconds: f64,
    /// Where those seconds went, by stage.
    pub timings: IngestTimings,
    /// Things the GM should know (e.g. no plugin for the book's system was installed).
    pub warnings: Vec<String>,
}

/// Why a file could not be ingested. Nothing was written when this is returned before a
/// document row existed; an interrupted document stays invisible and resumable.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path given.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a usable PDF.
    #[error("{path} is not a readable PDF: {message}")]
    NotPdf {
        /// The path given.
        path: String,
        /// What the extractor found.
        message: String,
    },
    /// The file as a whole is over a budget against hostile input (its object streams
    /// decompress past the limit): nothing was ingested.
    #[error("{path} was not read: {message}")]
    OverBudget {
        /// The path given.
        path: String,
        /// Which budget, and its limit.
        message: String,
    },
    /// No page of the file has text.
    #[error(
        "{path}: none of its {pages} pages has text (an image-only scan needs OCR first); first problem: {first}"
    )]
    NoText {
        /// The path given.
        path: String,
        /// Pages in the file.
        pages: u32,
        /// The first page's problem.
        first: String,
    },
    /// Anything else (database, index, model, plugin).
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl Library {
    /// Ingests the file at `path` (see the module documentation for the flow). `chunker` is
    /// the book's system plugin's chunker; when the request names a system but no chunker is
    /// given, the built-in one splits the book and the report says so.
    pub async fn ingest(
        &self,
        path: &Path,
        request: &IngestRequest,
        chunker: Option<&dyn SystemChunker>,
        progress: &dyn Progress,
    ) -> Result<IngestReport, IngestError> {
        let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tracked = self.running.start(&request.book, &file);
        let progress = &BothProgress(progress, &tracked);
        // One ingestion at a time by default: the rest wait their turn (a cancelled call
        // leaves the queue when its future is dropped).
        let _slot = self
            .ingest_slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|err| anyhow::anyhow!("the ingestion queue is closed: {err}"))?;
        let mut report = self.ingest_file(path, request, chunker, progress).await?;
        if let (Some(system), None) = (&request.system, chunker) {
            report.warnings.push(format!(
                "no plugin for the {system} system is installed, so the built-in chunker split the book"
            ));
        }
        Ok(report)
    }

    /// Reveals a book's section (and everything under it) to the players, or hides it
    /// again; with no section, the whole book. The chunks that changed are indexed again
    /// with their new visibility before this returns, so the next search sees it. Returns how
    /// many chunks changed.
    pub async fn set_book_visibility(
        &self,
        document_id: &str,
        section: Option<&str>,
        visibility: Visibility,
    ) -> Result<u64, IngestError> {
        let changed = self
            .storage
            .set_document_visibility(document_id, section, visibility)
            .await
            .map_err(anyhow::Error::from)?;
        let document = self.storage.get_document(document_id).await.map_err(anyhow::Error::from)?;
        self.index_pending(&document, changed, &NoProgress).await?;
        self.invalidate().await;
        Ok(changed)
    }

    async fn ingest_file(
        &self,
        path: &Path,
        request: &IngestRequest,
        chunker: Option<&dyn SystemChunker>,
        progress: &dyn Progress,
    ) -> Result<IngestReport, IngestError> {
        let started = Instant::now();
        let shown = path.display().to_string();
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|source| IngestError::Read { path: shown.clone(), source })?;
        let content_hash = sha256_hex(&bytes);
        let existing =
            self.storage.find_document_by_hash(&content_hash).await.map_err(anyhow::Error::from)?;
        if let Some(document) = existing.as_ref().filter(|d| d.status == DocumentStatus::Ready) {
            let records = self.rebuild_records(document).await?;
            let mut report = already_ingested(document.clone(), &shown, started);
            report.records = records;
            return Ok(report);
        }
        let chunker_name = chunker.map(|c| c.name()).unwrap_or_else(|| builtin::NAME.to_owned());
        // The document is recorded (invisible) before its file is read, so that a second
        // ingestion of the same file, on this host or another, finds it and waits its turn.
        let (document, created_now) = match existing {
            Some(document) => (document, false),
            None => {
                let new = NewDocument {
                    content_hash: content_hash.clone(),
                    book: request.book.clone(),
                    system: request.system.clone(),
                    campaign_id: request.campaign_id.clone(),
                    file_name: path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or(shown.clone()),
                    page_count: 0,
                    chunker: chunker_name.clone(),
                    visibility: request.visibility,
                };
                match self.storage.create_document(new).await {
                    Ok(document) => (document, true),
                    // Another ingestion of the same file recorded it a moment ago.
                    Err(StorageError::Conflict(_)) => {
                        let found = self
                            .storage
                            .find_document_by_hash(&content_hash)
                            .await
                            .map_err(anyhow::Error::from)?;
                        (
                            found.ok_or_else(|| {
                                anyhow::anyhow!("{shown}: its document vanished while being recorded")
                            })?,
                            false,
                        )
                    }
                    Err(err) => return Err(anyhow::Error::from(err).into()),
                }
            }
        };
        let _lease = match lease::take_turn(&self.storage, &document.id, self.lease).await? {
            lease::Turn::Ours(lease) => lease,
            lease::Turn::Done => {
                let document = self.storage.get_document(&document.id).await.map_err(anyhow::Error::from)?;
                return Ok(already_ingested(document, &shown, started));
            }
        };
        let resumed = !created_now;

        let mut timings = IngestTimings::default();
        let stage = Instant::now();
        let pages = match self.extract(&shown, bytes, progress).await {
            Ok(pages) => pages,
            Err(err) => {
                // A file refused as a whole leaves no document behind.
                if created_now && let Err(cleanup) = self.storage.delete_document(&document.id).await {
                    tracing::warn!(document = %document.id, "removing the refused file's document failed: {cleanup}");
                }
                return Err(err);
            }
        };
        let page_problems: Vec<PageProblem> = pages
            .iter()
            .filter_map(|p| p.problem.clone().map(|problem| PageProblem { page: p.number as u32, problem }))
            .collect();
        let page_rows: Vec<PageRecord> =
            pages.into_iter().map(|p| PageRecord { document_id: document.id.clone(), ..p }).collect();
        let page_count = page_rows.len() as u32;
        let as_document = Document {
            book: document.book.clone(),
            pages: page_rows
                .iter()
                .filter(|p| p.problem.is_none())
                .map(|p| Page { number: p.number as u32, text: p.text.clone() })
                .collect(),
        };
        self.storage.save_pages(page_rows).await.map_err(anyhow::Error::from)?;

        timings.extracting = stage.elapsed().as_secs_f64();
        let stage = Instant::now();
        progress.update(Stage::Chunking, 0, 1);
        let chunks = self.chunk(&as_document, chunker).await?;
        let (rows, duplicate_chunks) = chunk_rows(&document.id, document.visibility, chunks);
        let total = rows.len() as u64;
        let records = records::records_of(&document, &rows);
        self.storage.insert_chunks(rows).await.map_err(anyhow::Error::from)?;
        // Shown once the document is ready (the records' reads join on its status).
        let records = self
            .storage
            .replace_document_records(&document.id, records)
            .await
            .map_err(anyhow::Error::from)?;
        progress.update(Stage::Chunking, 1, 1);
        timings.chunking = stage.elapsed().as_secs_f64();

        let (indexed_now, spent) = self.index_pending_timed(&document, total, progress).await?;
        (timings.embedding, timings.indexing) = spent;
        let document = self.storage.finish_document(&document.id).await.map_err(anyhow::Error::from)?;
        let stage = Instant::now();
        self.maintain_index().await;
        timings.indexing += stage.elapsed().as_secs_f64();
        self.invalidate().await;
        Ok(IngestReport {
            chunks: document.chunk_count as u64,
            document,
            already_ingested: false,
            resumed,
            pages: page_count,
            page_problems,
            duplicate_chunks,
            indexed_now,
            records: records as u64,
            chunker: chunker_name,
            seconds: started.elapsed().as_secs_f64(),
            timings,
            warnings: Vec::new(),
        })
    }

    /// After a book is indexed: builds the HNSW index once the collection is large enough
    /// and truncates the index's write-ahead log ([`ttrpg_vectors::VectorIndex::maintain`]).
    /// A failure is logged, never the ingestion's: the book is searchable either way.
    async fn maintain_index(&self) {
        match self.index.maintain(RULEBOOK_COLLECTION).await {
            Ok(done) => tracing::info!(
                optimized = done.optimized,
                wal_bytes_freed = done.wal_bytes_freed,
                "vector index maintained"
            ),
            Err(err) => tracing::warn!("vector index maintenance failed (searches still work): {err}"),
        }
    }

    /// Writes a ready book's records anew from its stored chunks (a book ingested before
    /// records were recognized gets them when it is ingested again). Returns how many.
    async fn rebuild_records(&self, document: &DocumentRecord) -> anyhow::Result<u64> {
        let chunks = self.storage.typed_chunks(&document.id, records::RUNNING_TEXT).await?;
        let records = records::records_of(document, &chunks);
        Ok(self.storage.replace_document_records(&document.id, records).await? as u64)
    }

    /// Extracts every page on a blocking thread. The file as a whole must be a readable
    /// PDF with text on at least one page; single bad pages become page problems.
    async fn extract(
        &self,
        shown: &str,
        bytes: Vec<u8>,
        progress: &dyn Progress,
    ) -> Result<Vec<PageRecord>, IngestError> {
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<(u32, u32)>();
        // The reading threads hold the extraction slot themselves: if the call is cancelled,
        // its extraction (bounded by the file's time budget) still counts until it stops.
        let slot = self
            .extract_slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|err| anyhow::anyhow!("the extraction queue is closed: {err}"))?;
        let options = self.extract.clone();
        let task = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            let report = move |done: u32, total: u32| {
                let _ = sender.send((done, total));
            };
            ttrpg_pdf::extract_with(&bytes, &options, &report)
        });
        let mut task = std::pin::pin!(task);
        let extraction = loop {
            tokio::select! {
                Some((done, total)) = receiver.recv() => progress.update(Stage::Extracting, done.into(), total.into()),
                joined = &mut task => break joined.map_err(|err| anyhow::anyhow!("extraction task: {err}"))?,
            }
        };
        let extraction = extraction.map_err(|err| match err {
            err @ ttrpg_pdf::PdfError::OverBudget { .. } => {
                IngestError::OverBudget { path: shown.to_owned(), message: err.to_string() }
            }
            err => IngestError::NotPdf { path: shown.to_owned(), message: err.to_string() },
        })?;
        let pages: Vec<PageRecord> = extraction
            .pages
            .into_iter()
            .map(|outcome| match outcome.result {
                Ok(page) => {
                    let text = page.to_text();
                    let problem = text
                        .trim()
                        .is_empty()
                        .then(|| format!("page {}: no text on the page", outcome.number));
                    PageRecord { document_id: String::new(), number: outcome.number.into(), text, problem }
                }
                Err(err) => PageRecord {
                    document_id: String::new(),
                    number: outcome.number.into(),
                    text: String::new(),
                    problem: Some(err.to_string()),
                },
            })
            .collect();
        if pages.iter().all(|p| p.problem.is_some()) {
            let first = pages
                .first()
                .and_then(|p| p.problem.clone())
                .unwrap_or_else(|| "the file has no pages".into());
            return Err(IngestError::NoText { path: shown.to_owned(), pages: pages.len() as u32, first });
        }
        Ok(pages)
    }

    /// Chunks with the system's chunker (when it takes the job) or the built-in one, then
    /// cuts any chunk too long for the embedding model.
    async fn chunk(
        &self,
        document: &Document,
        chunker: Option<&dyn SystemChunker>,
    ) -> anyhow::Result<Vec<Chunk>> {
        let counter = EmbedderCounter(self.embedder.as_ref());
        if let Some(chunker) = chunker
            && let Some(chunks) = chunker.chunk(document).await?
        {
            return Ok(fit_to_budget(chunks, &counter, self.split));
        }
        Ok(builtin::chunk(document, &counter, self.split))
    }

    /// Indexes every chunk whose vector is not in the index, book by book (after a restore,
    /// whose database comes without vectors: the database is the source of truth). Returns
    /// how many chunks it indexed. One rebuild runs at a time; a second waits for the first
    /// and then finds what is left.
    pub async fn reindex(&self, progress: &dyn Progress) -> Result<u64, IngestError> {
        let _one_at_a_time = self.reindexing.lock().await;
        let mut indexed = 0;
        for document in self.storage.list_documents().await.map_err(anyhow::Error::from)? {
            let total = u64::try_from(document.chunk_count).unwrap_or(0);
            indexed += self.index_pending(&document, total, progress).await?;
        }
        if indexed > 0 {
            self.maintain_index().await;
        }
        self.invalidate().await;
        Ok(indexed)
    }

    /// Embeds and indexes the document's chunks that are not indexed yet, batch by batch.
    async fn index_pending(
        &self,
        document: &DocumentRecord,
        total: u64,
        progress: &dyn Progress,
    ) -> anyhow::Result<u64> {
        Ok(self.index_pending_timed(document, total, progress).await?.0)
    }

    /// [`Self::index_pending`], also returning the seconds spent embedding and indexing.
    async fn index_pending_timed(
        &self,
        document: &DocumentRecord,
        total: u64,
        progress: &dyn Progress,
    ) -> anyhow::Result<(u64, (f64, f64))> {
        let scope = document.campaign_id.clone().unwrap_or_else(|| "global".into());
        let mut indexed = 0u64;
        let (mut embedding, mut indexing) = (0.0, 0.0);
        loop {
            let batch = self.storage.unindexed_chunks(&document.id, INDEX_BATCH).await?;
            if batch.is_empty() {
                break;
            }
            let texts: Vec<String> = batch.iter().map(|c| embedding_text(&c.section, &c.text)).collect();
            let stage = Instant::now();
            let dense = self.embed(texts.clone()).await?;
            embedding += stage.elapsed().as_secs_f64();
            let stage = Instant::now();
            let points: Vec<Point> = batch
                .iter()
                .zip(dense)
                .zip(&texts)
                .map(|((chunk, dense), text)| Point {
                    id: point_id(&chunk.id),
                    dense,
                    sparse: self.bm25.encode_document(text),
                    payload: chunk_payload(document, &scope, chunk),
                })
                .collect();
            self.index.upsert(RULEBOOK_COLLECTION, points).await?;
            self.index.flush().await?;
            indexing += stage.elapsed().as_secs_f64();
            let ids: Vec<String> = batch.iter().map(|c| c.id.clone()).collect();
            self.storage.mark_chunks_indexed(&ids).await?;
            indexed += ids.len() as u64;
            progress.update(Stage::Indexing, indexed.min(total), total);
        }
        Ok((indexed, (embedding, indexing)))
    }
}

/// Counts tokens with the embedding model's tokenizer.
struct EmbedderCounter<'a>(&'a dyn crate::embed::Embedder);

impl TokenCounter for EmbedderCounter<'_> {
    fn count(&self, text: &str) -> usize {
        self.0.count_tokens(text)
    }
}

/// Cuts chunks longer than the budget into pieces (keeping their section, type, pages and
/// metadata); shorter ones pass unchanged.
fn fit_to_budget(chunks: Vec<Chunk>, counter: &dyn TokenCounter, config: split::SplitConfig) -> Vec<Chunk> {
    let mut out = Vec::with_capacity(chunks.len());
    for chunk in chunks {
        if counter.count(&chunk.text) <= config.max_tokens {
            out.push(chunk);
            continue;
        }
        let paragraphs: Vec<Paragraph> = chunk
            .text
            .split("\n\n")
            .map(|text| Paragraph {
                page: chunk.page_start,
                text: text.to_owned(),
                table: text.lines().count() > 1 && text.lines().all(|l| l.contains(" | ")),
            })
            .collect();
        for piece in pack(&paragraphs, counter, config) {
            out.push(Chunk { text: piece.text, ..chunk.clone() });
        }
    }
    out
}

/// The rows of a document's chunks, in order, each distinct text once; and how many
/// repeats were dropped.
fn chunk_rows(document_id: &str, visibility: Visibility, chunks: Vec<Chunk>) -> (Vec<ChunkRecord>, u64) {
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::with_capacity(chunks.len());
    let mut duplicates = 0;
    for chunk in chunks {
        let section = chunk.section_path.join(" › ");
        let text_hash = sha256_hex(format!("{}\u{1f}{}\u{1f}{}", chunk.content_type, section, chunk.text));
        if !seen.insert(text_hash.clone()) {
            duplicates += 1;
            continue;
        }
        let id = sha256_hex(format!("{document_id}\u{1f}{text_hash}"))[..32].to_owned();
        rows.push(ChunkRecord {
            id,
            document_id: document_id.to_owned(),
            ordinal: rows.len() as i64,
            page_start: chunk.page_start.into(),
            page_end: chunk.page_end.max(chunk.page_start).into(),
            section,
            content_type: chunk.content_type,
            text: chunk.text,
            metadata: chunk.metadata,
            text_hash,
            indexed: false,
            visibility,
        });
    }
    (rows, duplicates)
}

/// The payload stored with a chunk's vectors: what search filters on and cites.
fn chunk_payload(document: &DocumentRecord, scope: &str, chunk: &ChunkRecord) -> ttrpg_vectors::Payload {
    let mut payload = ttrpg_vectors::Payload::new();
    payload.insert("chunk_id".into(), chunk.id.clone().into());
    payload.insert("document_id".into(), document.id.clone().into());
    payload.insert("book".into(), document.book.clone().into());
    payload.insert("system".into(), document.system.clone().unwrap_or_default().into());
    payload.insert("scope".into(), scope.into());
    payload.insert("content_type".into(), chunk.content_type.clone().into());
    payload.insert("page_start".into(), chunk.page_start.into());
    payload.insert("page_end".into(), chunk.page_end.into());
    payload.insert("section".into(), chunk.section.clone().into());
    if chunk.visibility == Visibility::Gm {
        payload.insert("gm_scope".into(), scope.into());
    }
    payload
}

/// Seconds an ingestion spent in each stage (the rest of `seconds` is reading the file,
/// the database and waiting for a turn).
#[derive(Debug, Clone, Copy, Default, Serialize, schemars::JsonSchema)]
pub struct IngestTimings {
    /// Extracting the pages' text from the PDF.
    pub extracting: f64,
    /// Chunking, fitting chunks to the model's budget, storing chunks and records.
    pub chunking: f64,
    /// Running the embedding model.
    pub embedding: f64,
    /// BM25 encoding and writing the vectors to the index, durably.
    pub indexing: f64,
}

/// The report of a file whose document is ready already: nothing was done.
fn already_ingested(document: DocumentRecord, shown: &str, started: Instant) -> IngestReport {
    IngestReport {
        pages: document.page_count as u32,
        chunks: document.chunk_count as u64,
        chunker: document.chunker.clone(),
        warnings: vec![format!(
            "{} was already ingested as {:?} ({} pages, {} chunks): nothing to do",
            shown, document.book, document.page_count, document.chunk_count
        )],
        document,
        already_ingested: true,
        resumed: false,
        page_problems: Vec::new(),
        duplicate_chunks: 0,
        indexed_now: 0,
        records: 0,
        seconds: started.elapsed().as_secs_f64(),
        timings: IngestTimings::default(),
    }
}
