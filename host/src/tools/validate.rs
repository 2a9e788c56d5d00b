//! Checks on argument values shared by the tools.

use super::ToolError;

/// Longest name or title accepted, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest free text (notes, summaries) accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 50_000;

/// A required short text (a name): trimmed, not empty, not too long.
pub fn name(field: &str, value: &str) -> Result<String, ToolError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ToolError::invalid(format!("{field} must not be empty")));
    }
    short(field, trimmed)
}

/// An optional short text: trimmed; empty becomes `None`.
pub fn optional_name(field: &str, value: Option<String>) -> Result<Option<String>, ToolError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(trimmed) => short(field, trimmed).map(Some),
    }
}

fn short(field: &str, trimmed: &str) -> Result<String, ToolError> {
    let chars = trimmed.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(ToolError::invalid(format!(
            "{field} is {chars} characters long; at most {MAX_NAME_CHARS} are accepted"
        )));
    }
    Ok(trimmed.to_string())
}

/// A free text: not too long (empty allowed unless `required`).
pub fn text(field: &str, value: &str, required: bool) -> Result<String, ToolError> {
    if required && value.trim().is_empty() {
        return Err(ToolError::invalid(format!("{field} must not be empty")));
    }
    let chars = value.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(ToolError::invalid(format!(
            "{field} is {chars} characters long; at most {MAX_TEXT_CHARS} are accepted"
        )));
    }
    Ok(value.to_string())
}

/// A JSON value that must be an object (settings, stats).
pub fn object(field: &str, value: serde_json::Value) -> Result<serde_json::Value, ToolError> {
    if value.is_object() {
        Ok(value)
    } else {
        Err(ToolError::invalid(format!("{field} must be a JSON object, got {value}")))
    }
}

/// A whole number within `range`.
pub fn within(field: &str, value: i64, range: std::ops::RangeInclusive<i64>) -> Result<i64, ToolError> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(ToolError::invalid(format!(
            "{field} = {value} is out of range; expected {} to {}",
            range.start(),
            range.end()
        )))
    }
}
