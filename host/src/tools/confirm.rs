//! Asking the person before a tool does something they must decide: archiving a campaign,
//! revealing GM content to the players. Through MCP elicitation where the client can ask;
//! where it cannot, the tool refuses with the question it would have asked, and the caller
//! confirms by calling again with `confirm: true` (so no client is left stuck).

use super::ToolError;
use super::registry::{ConsentAnswer, ToolCall};

/// Goes ahead only when the person agreed: asked through the client (`confirm` does not
/// skip the question where it can be asked), or, where it cannot be asked, `confirm` is
/// true. `tool` names the tool in the refusal.
pub async fn require_confirmation(
    app: &ToolCall,
    tool: &str,
    question: &str,
    confirm: Option<bool>,
) -> Result<(), ToolError> {
    match app.confirm(question).await {
        ConsentAnswer::Confirmed => Ok(()),
        ConsentAnswer::Declined => Err(ToolError::Forbidden(format!(
            "{tool}: the person at the client said no to \"{question}\"; nothing changed"
        ))),
        ConsentAnswer::Unavailable if confirm == Some(true) => Ok(()),
        ConsentAnswer::Unavailable => Err(ToolError::Conflict(format!(
            "{tool} needs the person's yes, and this client cannot ask (no MCP elicitation). The question is: \
             \"{question}\" Ask them; if they agree, call {tool} again with the same arguments and \"confirm\": true. \
             Nothing changed."
        ))),
    }
}
