//! Session tools: start and end a session of play, list them, take notes.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::registry::{ToolCall, ToolHandler, ToolHints, typed_tool};
use super::{ToolError, validate};
use crate::access::Need;
use crate::storage::{Session, SessionNote, Visibility};

/// Arguments of `session_start`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartArgs {
    /// The campaign to play.
    pub campaign_id: String,
    /// An optional title for the session.
    #[serde(default)]
    pub title: Option<String>,
}

/// Arguments of `session_end`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndArgs {
    /// The running session.
    pub session_id: String,
    /// A recap of what happened, kept with the session.
    #[serde(default)]
    pub summary: Option<String>,
}

/// Arguments of `session_list`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// The campaign.
    pub campaign_id: String,
    /// Where to continue: the previous page's next_cursor.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Items per page (1–200, default 50).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// Arguments of `session_add_note`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddNoteArgs {
    /// The session the note belongs to.
    pub session_id: String,
    /// The note's text.
    pub body: String,
    /// Tags such as "npc", "loot", "plot".
    #[serde(default)]
    pub tags: Vec<String>,
    /// gm (default: only the GM sees it) or players (shared with the table).
    #[serde(default)]
    pub visibility: Option<Visibility>,
}

/// Arguments of `session_notes`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotesArgs {
    /// The session.
    pub session_id: String,
    /// Where to continue: the previous page's next_cursor.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Items per page (1–200, default 50).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// A session's notes.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NoteList {
    /// Oldest first.
    pub notes: Vec<SessionNote>,
    /// Pass as cursor to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A session.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SessionResult {
    /// The session.
    pub session: Session,
}

/// A campaign's sessions.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SessionList {
    /// Newest first.
    pub sessions: Vec<Session>,
    /// Pass as cursor to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A recorded note.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NoteResult {
    /// The note.
    pub note: SessionNote,
}

/// The session tools.
pub fn tools() -> Vec<Arc<dyn ToolHandler>> {
    vec![
        typed_tool(
            "session_start",
            "Start a session",
            "Start the next session of play in a campaign (numbered 1, 2, 3, …). A campaign has at most one \
             running session: end it with session_end before starting another. Returns the session id that \
             roll_dice, initiative_start and session_add_note accept.",
            ToolHints::ADD,
            Need::Gm,
            start,
        ),
        typed_tool(
            "session_end",
            "End a session",
            "End a running session, optionally with a summary (a recap for next time).",
            ToolHints::CHANGE,
            Need::Gm,
            end,
        ),
        typed_tool(
            "session_list",
            "List sessions",
            "List a campaign's sessions, newest first, with their status, titles and summaries.",
            ToolHints::READ,
            Need::Player,
            list,
        ),
        typed_tool(
            "session_add_note",
            "Add a session note",
            "Record a note in a session: something that happened, an NPC met, loot found. Notes are kept in \
             order with their tags.",
            ToolHints::ADD,
            Need::Gm,
            add_note,
        ),
        typed_tool(
            "session_notes",
            "List a session's notes",
            "List a session's notes in the order they were taken. A player sees the notes the GM shared with \
             the players.",
            ToolHints::READ,
            Need::Player,
            notes,
        ),
    ]
}

async fn start(app: ToolCall, args: StartArgs) -> Result<SessionResult, ToolError> {
    let title = validate::optional_name("title", args.title)?;
    let session = app.storage.start_session(&args.campaign_id, title).await?;
    tracing::info!(campaign_id = %session.campaign_id, session_id = %session.id, number = session.number, "session started");
    session_started_or_ended(&app, &session).await;
    Ok(SessionResult { session })
}

async fn end(app: ToolCall, args: EndArgs) -> Result<SessionResult, ToolError> {
    let summary = args.summary.map(|s| validate::text("summary", &s, false)).transpose()?;
    let session = app.storage.end_session(&args.session_id, summary).await?;
    tracing::info!(campaign_id = %session.campaign_id, session_id = %session.id, "session ended");
    session_started_or_ended(&app, &session).await;
    Ok(SessionResult { session })
}

async fn list(app: ToolCall, args: ListArgs) -> Result<SessionList, ToolError> {
    let sessions = app.storage.list_sessions(&args.campaign_id).await?;
    let (sessions, next_cursor) = super::paging::page(sessions, args.cursor.as_deref(), args.limit)?;
    Ok(SessionList { sessions, next_cursor })
}

async fn add_note(app: ToolCall, args: AddNoteArgs) -> Result<NoteResult, ToolError> {
    let body = validate::text("body", &args.body, true)?;
    let tags = args.tags.iter().map(|t| validate::name("tag", t)).collect::<Result<Vec<_>, _>>()?;
    let visibility = args.visibility.unwrap_or_default();
    let note = app.storage.add_session_note(&args.session_id, &body, &tags, visibility).await?;
    session_log_changed(&app, &args.session_id).await;
    Ok(NoteResult { note })
}

/// Tells subscribed clients a session's log changed (a note or a roll was added). The write
/// has happened: a session that cannot be read back now is logged, not an error of the call.
pub(super) async fn session_log_changed(app: &crate::app::App, session_id: &str) {
    match app.storage.get_session(session_id).await {
        Ok(session) => {
            let uri = crate::app::events::uri::session_log(&session.campaign_id, session.number);
            app.resource_updated(&session.campaign_id, uri).await;
        }
        Err(err) => tracing::warn!(session_id, "subscribers were not told the session log changed: {err}"),
    }
}

/// Tells subscribed clients a session started or ended: its log, and its campaign (which
/// shows the session running now).
async fn session_started_or_ended(app: &crate::app::App, session: &crate::storage::Session) {
    let campaign_id = &session.campaign_id;
    app.resource_updated(campaign_id, crate::app::events::uri::session_log(campaign_id, session.number))
        .await;
    app.resource_updated(campaign_id, crate::app::events::uri::campaign(campaign_id)).await;
}

async fn notes(app: ToolCall, args: NotesArgs) -> Result<NoteList, ToolError> {
    let notes = app.storage.list_session_notes(&args.session_id, !app.viewer.is_gm()).await?;
    let (notes, next_cursor) = super::paging::page(notes, args.cursor.as_deref(), args.limit)?;
    Ok(NoteList { notes, next_cursor })
}
