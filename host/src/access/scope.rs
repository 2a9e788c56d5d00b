//! The campaign a call's arguments name.

use serde_json::Value;

use super::AccessError;
use crate::app::App;
use crate::storage::StorageError;

/// The campaign a call acts in, and what to say when the caller may not know of it.
pub(super) struct Scope {
    /// The campaign.
    pub campaign_id: String,
    /// The message an unknown id of the first argument that named it gets.
    pub unknown_message: String,
}

/// The id arguments whose campaign a call acts in, in the order they are checked.
const SCOPED_ARGUMENTS: [&str; 6] =
    ["campaign_id", "character_id", "session_id", "document_id", "note_id", "image_id"];

/// The campaign of every id argument of `arguments`; they must all name the same one. A
/// `document_id` of the shared library names none. `None` when no argument names one.
pub(super) async fn campaign_of(app: &App, arguments: &Value) -> Result<Option<Scope>, AccessError> {
    let Value::Object(map) = arguments else { return Ok(None) };
    let mut scope: Option<Scope> = None;
    for key in SCOPED_ARGUMENTS {
        let Some(Value::String(id)) = map.get(key) else { continue };
        let campaign = match key {
            "campaign_id" => Some(app.storage.get_campaign(id).await?.id),
            "character_id" => Some(app.storage.get_character(id).await?.fields.campaign_id),
            "session_id" => Some(app.storage.get_session(id).await?.campaign_id),
            "document_id" => app.storage.get_document(id).await?.campaign_id,
            "image_id" => Some(app.storage.get_image(id).await?.campaign_id),
            _ => Some(app.storage.get_campaign_note(id).await?.campaign_id),
        };
        let Some(campaign_id) = campaign else { continue };
        let kind = match key {
            "campaign_id" => "campaign",
            "character_id" => "character",
            "session_id" => "session",
            "document_id" => "document",
            "image_id" => "image",
            _ => "note",
        };
        let unknown_message = StorageError::not_found(kind, id.clone()).to_string();
        match &scope {
            None => scope = Some(Scope { campaign_id, unknown_message }),
            // An id of another campaign is, in this one, an id that does not exist: the
            // message never says it exists elsewhere.
            Some(first) if first.campaign_id != campaign_id => {
                return Err(AccessError::Mismatch(unknown_message));
            }
            Some(_) => {}
        }
    }
    Ok(scope)
}
