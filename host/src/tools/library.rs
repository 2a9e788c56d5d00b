//! Rulebook and note tools: ingest a book, search the rules, read a page, keep and find
//! campaign notes.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::registry::{ToolCall, ToolHandler, ToolHints, typed_tool};
use super::{ToolError, validate};
use crate::access::{self, Need, Viewer};
use crate::app::App;
use crate::library::books::BookRemoved;
use crate::library::ingest::{
    IngestError, IngestReport, IngestRequest, NoProgress, Progress, current_progress,
};
use crate::library::notes::NoteHit;
use crate::library::search::{Reader, RulesHit, RulesQuery};
use crate::library::{Library, LibraryError};
use crate::storage::{CampaignNote, DocumentRecord, NewCampaignNote, PageRecord, Visibility};

/// Arguments of `ingest_document`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IngestArgs {
    /// Path of the PDF inside one of the server's library folders (absolute, or relative to the first).
    pub path: String,
    /// The book's title as citations should show it ("SRD 5.1").
    pub book: String,
    /// The game system (`dnd5e`): its plugin's chunker recognizes stat blocks and spells.
    #[serde(default)]
    pub system: Option<String>,
    /// Put the book in this campaign only (default: the shared library, which takes an
    /// admin token).
    #[serde(default)]
    pub campaign_id: Option<String>,
    /// An adventure or other GM material: only the GM sees it until sections are revealed
    /// with book_reveal (its visibility defaults to gm; a rulebook's to players).
    #[serde(default)]
    pub adventure: bool,
    /// Who may read it: players or gm (default: gm for an adventure, players otherwise).
    #[serde(default)]
    pub visibility: Option<Visibility>,
}

/// Arguments of `book_reveal`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BookRevealArgs {
    /// The book's document id (from book_list).
    pub document_id: String,
    /// A section path as search hits show it ("Chapter 2 › Cragmaw Hideout"): it and every
    /// section under it change. Leave out to change the whole book.
    #[serde(default)]
    pub section: Option<String>,
    /// players (default) reveals it; gm hides it again.
    #[serde(default)]
    pub visibility: Option<Visibility>,
    /// The person's yes, for a client that cannot ask them (no MCP elicitation); where the
    /// client can ask, they are asked whatever this says.
    #[serde(default)]
    pub confirm: Option<bool>,
}

/// What `book_reveal` changed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BookRevealed {
    /// The book.
    pub document_id: String,
    /// The section changed, or none for the whole book.
    pub section: Option<String>,
    /// Its visibility now.
    pub visibility: Visibility,
    /// How many passages changed (0: they already had it, or no section has that path).
    pub passages: u64,
}

/// Arguments of `book_remove`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BookRemoveArgs {
    /// The book's document id (from book_list).
    pub document_id: String,
}

/// Arguments of `note_reveal`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRevealArgs {
    /// The note's id.
    pub note_id: String,
    /// players (default) shares it; gm takes it back.
    #[serde(default)]
    pub visibility: Option<Visibility>,
    /// The person's yes, for a client that cannot ask them (no MCP elicitation); where the
    /// client can ask, they are asked whatever this says.
    #[serde(default)]
    pub confirm: Option<bool>,
}

/// Arguments of `get_page`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PageArgs {
    /// The book's title (as in search hits) or its document id.
    pub book: String,
    /// The page (1-based page of the file, as search hits cite it).
    pub page: i64,
}

/// A page of a book.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PageResult {
    /// The book's title.
    pub book: String,
    /// The document id.
    pub document_id: String,
    /// The page number.
    pub page: i64,
    /// Pages in the book.
    pub page_count: i64,
    /// The page's text in reading order (light Markdown).
    pub text: String,
    /// Why the page has no text, when it has none.
    pub problem: Option<String>,
}

/// Hits of `search_rules`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RulesResult {
    /// Best first.
    pub hits: Vec<RulesHit>,
}

/// Arguments of `book_list`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BookListArgs {
    /// Where to continue: the previous page's next_cursor.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Items per page (1–200, default 50).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// The library's books.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BookList {
    /// The ingested documents the caller may see (status `ready` is searchable).
    pub books: Vec<DocumentRecord>,
    /// Pass as cursor to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Arguments of `note_add`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteAddArgs {
    /// The campaign.
    pub campaign_id: String,
    /// `npc`, `location`, `plot`, `lore` or `other`.
    pub kind: String,
    /// A short title ("Sildar Hallwinter").
    pub title: String,
    /// The note.
    pub body: String,
    /// Free tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// gm (default: only the GM sees it) or players (shared with the table).
    #[serde(default)]
    pub visibility: Option<Visibility>,
}

/// A written note.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NoteAdded {
    /// The note.
    pub note: CampaignNote,
}

/// Arguments of `note_search`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteSearchArgs {
    /// The campaign.
    pub campaign_id: String,
    /// What to look for ("the dwarf who runs the mine").
    pub query: String,
    /// Only notes of this kind.
    #[serde(default)]
    pub kind: Option<String>,
    /// How many (1–50, default 5).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// Hits of `note_search`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NoteSearchResult {
    /// Best first.
    pub hits: Vec<NoteHit>,
}

/// The rulebook and note tools.
pub fn tools() -> Vec<Arc<dyn ToolHandler>> {
    vec![
        typed_tool(
            "ingest_document",
            "Ingest a rulebook",
            "Ingest a PDF rulebook from the server's disk so search_rules can answer from it: text is read \
             column by column, split by heading into passages and indexed. A file already ingested is a no-op \
             that says so; an interrupted ingestion is resumed. Reports progress to clients that ask. With \
             `system` (e.g. dnd5e) the system plugin's chunker recognizes stat blocks and spells.",
            ToolHints::SET,
            Need::Gm,
            ingest,
        ),
        typed_tool(
            "search_rules",
            "Search the rules",
            "Search the ingested rulebooks by meaning and keywords. Each hit has the book, pages, section path \
             and the passage, plus a ready citation such as \"SRD 5.1, p. 358, Conditions › Grappled\". Filter \
             by book, content_type (rules, monsters, spells, …), system or campaign. With a campaign, a hit \
             whose passage the table has ruled on carries the ruling in house_rules: it overrides the book.",
            ToolHints::READ,
            Need::Player,
            search_rules,
        ),
        typed_tool(
            "get_page",
            "Read a rulebook page",
            "Return one page of an ingested book as text in reading order (the page a search hit cites).",
            ToolHints::READ,
            Need::Player,
            get_page,
        ),
        typed_tool(
            "book_list",
            "List rulebooks",
            "List the ingested books with their page and chunk counts and status.",
            ToolHints::READ,
            Need::Player,
            book_list,
        ),
        typed_tool(
            "note_add",
            "Add a campaign note",
            "Keep a campaign note (kind npc, location, plot, lore or other) that note_search finds later by \
             meaning or keywords.",
            ToolHints::ADD,
            Need::Gm,
            note_add,
        ),
        typed_tool(
            "note_search",
            "Search campaign notes",
            "Search a campaign's notes by meaning and keywords, optionally of one kind. A player finds only \
             the notes the GM shared with the players.",
            ToolHints::READ,
            Need::Player,
            note_search,
        ),
        typed_tool(
            "note_reveal",
            "Share a note with the players",
            "Share a campaign note with the players (visibility players, the default) or make it the GM's \
             again (gm). Players' note_search sees the change at once.",
            ToolHints::SET,
            Need::Gm,
            note_reveal,
        ),
        typed_tool(
            "book_remove",
            "Remove a rulebook",
            "Remove an ingested book with its pages, passages, search vectors and the records (monsters, spells, \
             …) recognized in it; look-ups fall back to any other source of the same records. A shared-library \
             book needs an admin token. Cannot be undone (ingest the file again to bring it back).",
            ToolHints::CHANGE,
            Need::Gm,
            book_remove,
        ),
        typed_tool(
            "book_reveal",
            "Reveal a book's section to the players",
            "Reveal a section of a GM-only book (an adventure) to the players, with every section under it, or \
             the whole book; visibility gm hides it again. Players' search_rules finds revealed passages at once.",
            ToolHints::SET,
            Need::Gm,
            book_reveal,
        ),
    ]
}

/// The library, or an error that says why it cannot be opened.
pub(crate) async fn library(app: &App) -> Result<Arc<Library>, ToolError> {
    app.library().await.map_err(|err| ToolError::Internal(format!("rulebook search is unavailable: {err:#}")))
}

pub(crate) fn library_error(err: LibraryError) -> ToolError {
    match err {
        LibraryError::Invalid(message) => ToolError::InvalidArguments(message),
        LibraryError::Storage(err) => err.into(),
        err @ (LibraryError::Embedding(_) | LibraryError::Index(_)) => ToolError::Internal(err.to_string()),
    }
}

async fn ingest(app: ToolCall, args: IngestArgs) -> Result<IngestReport, ToolError> {
    let book = validate::name("book", &args.book)?;
    // Over MCP only the library folders are readable (the CLI reads any path it is given).
    let path = crate::library::sandbox::resolve(
        &app.config.library_roots(),
        &args.path,
        app.config.library.max_file_mb,
    )
    .map_err(|err| ToolError::InvalidArguments(err.to_string()))?;
    let library = library(&app).await?;
    if let Some(campaign_id) = &args.campaign_id {
        app.storage.get_campaign(campaign_id).await?;
    }
    let chunker = match &args.system {
        Some(system) => app
            .plugins
            .chunker_for(system, args.campaign_id.as_deref())
            .await
            .map_err(|err| ToolError::Plugin(err.to_string()))?,
        None => None,
    };
    let visibility =
        args.visibility.unwrap_or(if args.adventure { Visibility::Gm } else { Visibility::Players });
    let request = IngestRequest {
        book,
        system: args.system.clone(),
        campaign_id: args.campaign_id.clone(),
        visibility,
    };
    let progress: Arc<dyn Progress> = current_progress().unwrap_or_else(|| Arc::new(NoProgress));
    let chunker_ref = chunker.as_ref().map(|c| c as &dyn crate::library::ingest::SystemChunker);
    let report =
        library.ingest(&path, &request, chunker_ref, progress.as_ref()).await.map_err(|err| match err {
            IngestError::Other(other) => ToolError::Internal(format!("{other:#}")),
            refused => ToolError::InvalidArguments(refused.to_string()),
        })?;
    if !report.already_ingested {
        app.metrics.ingested(u64::from(report.pages), report.indexed_now);
    }
    Ok(report)
}

/// What a search may show `viewer`: the shared library and the campaign of the call, with
/// GM-only passages only where the viewer is GM (the shared library's: the operator only).
pub fn reader_for(viewer: &Viewer) -> Reader {
    let operator = viewer.caller.is_operator();
    match (&viewer.campaign_id, operator) {
        (None, true) => Reader::everything(),
        (None, false) => Reader { scopes: Some(vec!["global".into()]), gm_hidden: vec!["global".into()] },
        (Some(campaign_id), _) => {
            let scopes = vec!["global".to_string(), campaign_id.clone()];
            let gm_hidden = match (viewer.is_gm(), operator) {
                (true, true) => Vec::new(),
                (true, false) => vec!["global".to_string()],
                (false, _) => scopes.clone(),
            };
            Reader { scopes: Some(scopes), gm_hidden }
        }
    }
}

async fn search_rules(app: ToolCall, args: RulesQuery) -> Result<RulesResult, ToolError> {
    let library = library(&app).await?;
    let reader = reader_for(&app.viewer);
    let mut hits = library.search_rules(&args, &reader).await.map_err(library_error)?;
    // The campaign's table rulings go on the hits they are about (never cached with them).
    if let Some(campaign_id) = args.campaign_id.as_ref().or(app.viewer.campaign_id.as_ref()) {
        let rules = app.storage.house_rules(campaign_id).await?;
        crate::library::house_rules::attach(&mut hits, &rules);
    }
    Ok(RulesResult { hits })
}

/// The document a book title or id names, among those the caller may see.
pub(crate) async fn find_book(app: &ToolCall, book: &str) -> Result<DocumentRecord, ToolError> {
    let documents = access::visible_documents(app, &app.viewer.caller).await?;
    let matching: Vec<&DocumentRecord> =
        documents.iter().filter(|d| d.id == book || d.book.eq_ignore_ascii_case(book)).collect();
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] => {
            let known: Vec<&str> = documents.iter().map(|d| d.book.as_str()).collect();
            Err(ToolError::NotFound(format!(
                "no book {book:?} in the library; books: {}",
                if known.is_empty() {
                    "none yet (use ingest_document)".to_string()
                } else {
                    known.join(", ")
                }
            )))
        }
        _ => Err(ToolError::Conflict(format!(
            "several books are titled {book:?}: give the document id instead"
        ))),
    }
}

async fn get_page(app: ToolCall, args: PageArgs) -> Result<PageResult, ToolError> {
    let document = find_book(&app, &args.book).await?;
    if !(1..=document.page_count).contains(&args.page) {
        return Err(ToolError::InvalidArguments(format!(
            "{} has pages 1 to {}, not {}",
            document.book, document.page_count, args.page
        )));
    }
    let PageRecord { text, problem, number, .. } = app.storage.get_page(&document.id, args.page).await?;
    Ok(PageResult {
        book: document.book,
        document_id: document.id,
        page: number,
        page_count: document.page_count,
        text,
        problem,
    })
}

async fn book_list(app: ToolCall, args: BookListArgs) -> Result<BookList, ToolError> {
    let books = access::visible_documents(&app, &app.viewer.caller).await?;
    let (books, next_cursor) = super::paging::page(books, args.cursor.as_deref(), args.limit)?;
    Ok(BookList { books, next_cursor })
}

async fn book_reveal(app: ToolCall, args: BookRevealArgs) -> Result<BookRevealed, ToolError> {
    let document = app.storage.get_document(&args.document_id).await?;
    if document.campaign_id.is_none() && !app.viewer.caller.is_operator() {
        return Err(ToolError::Forbidden(
            "book_reveal of a shared-library book needs an admin token (or the server's own console)".into(),
        ));
    }
    let section = args.section.map(|s| validate::text("section", &s, true)).transpose()?;
    let visibility = args.visibility.unwrap_or(Visibility::Players);
    if visibility == Visibility::Players {
        let part =
            section.as_deref().map(|s| format!("the section {s:?} of")).unwrap_or_else(|| "all of".into());
        let question = format!(
            "Show {part} the book {:?} to the players? They will find it in searches.",
            document.book
        );
        super::confirm::require_confirmation(&app, "book_reveal", &question, args.confirm).await?;
    }
    let library = library(&app).await?;
    let passages = library
        .set_book_visibility(&document.id, section.as_deref(), visibility)
        .await
        .map_err(|err| ToolError::Internal(format!("{err:#}")))?;
    tracing::info!(document_id = %document.id, ?section, visibility = visibility.as_str(), passages, "book visibility set");
    Ok(BookRevealed { document_id: document.id, section, visibility, passages })
}

async fn book_remove(app: ToolCall, args: BookRemoveArgs) -> Result<BookRemoved, ToolError> {
    let document = app.storage.get_document(&args.document_id).await?;
    if document.campaign_id.is_none() && !app.viewer.caller.is_operator() {
        return Err(ToolError::Forbidden(
            "book_remove of a shared-library book needs an admin token (or the server's own console)".into(),
        ));
    }
    let library = library(&app).await?;
    library.remove_book(&document.id).await.map_err(library_error)
}

async fn note_reveal(app: ToolCall, args: NoteRevealArgs) -> Result<NoteAdded, ToolError> {
    let library = library(&app).await?;
    let visibility = args.visibility.unwrap_or(Visibility::Players);
    if visibility == Visibility::Players {
        let note = app.storage.get_campaign_note(&args.note_id).await?;
        let question = format!("Share the note {:?} with the players?", note.title);
        super::confirm::require_confirmation(&app, "note_reveal", &question, args.confirm).await?;
    }
    let note = library.set_note_visibility(&args.note_id, visibility).await.map_err(library_error)?;
    Ok(NoteAdded { note })
}

async fn note_add(app: ToolCall, args: NoteAddArgs) -> Result<NoteAdded, ToolError> {
    let title = validate::name("title", &args.title)?;
    let body = validate::text("body", &args.body, true)?;
    let tags = args.tags.iter().map(|t| validate::name("tag", t)).collect::<Result<Vec<_>, _>>()?;
    app.storage.get_campaign(&args.campaign_id).await?;
    let library = library(&app).await?;
    let note = library
        .add_note(NewCampaignNote {
            campaign_id: args.campaign_id,
            kind: args.kind,
            title,
            body,
            tags,
            visibility: args.visibility.unwrap_or_default(),
        })
        .await
        .map_err(library_error)?;
    Ok(NoteAdded { note })
}

async fn note_search(app: ToolCall, args: NoteSearchArgs) -> Result<NoteSearchResult, ToolError> {
    app.storage.get_campaign(&args.campaign_id).await?;
    let library = library(&app).await?;
    let hits = library
        .search_notes(
            &args.campaign_id,
            &args.query,
            args.kind.as_deref(),
            args.limit.unwrap_or(5),
            !app.viewer.is_gm(),
        )
        .await
        .map_err(library_error)?;
    Ok(NoteSearchResult { hits })
}
