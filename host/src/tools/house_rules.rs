//! House-rule tools: record a ruling against the passage it changes, list and remove them.
//! `search_rules` (in `library.rs`) puts them on its hits.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::library::{library, library_error, reader_for};
use super::registry::{ToolCall, ToolHandler, ToolHints, typed_tool};
use super::{ToolError, validate};
use crate::access::Need;
use crate::library::search::RulesHit;
use crate::storage::HouseRule;

/// Arguments of `house_rule_add`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HouseRuleAddArgs {
    /// The campaign whose table rules it.
    pub campaign_id: String,
    /// The ruling, as it should be read at the table ("Standing up from prone costs 10 feet,
    /// not half your speed.").
    pub text: String,
    /// The rule it changes, as a search would find it ("Prone condition", "standing up").
    pub about: String,
    /// The exact passage, when a search already found it: a hit's chunk_id (it must be among
    /// the hits for `about`). Default: the best hit for `about`.
    #[serde(default)]
    pub chunk_id: Option<String>,
}

/// What `house_rule_add` recorded.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HouseRuleAdded {
    /// The ruling.
    pub house_rule: HouseRule,
    /// The passage it is kept against, carrying it: check that it is the one you meant.
    pub passage: RulesHit,
}

/// Arguments of `house_rule_list`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HouseRuleListArgs {
    /// The campaign.
    pub campaign_id: String,
}

/// A campaign's house rules.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HouseRuleList {
    /// Oldest first.
    pub house_rules: Vec<HouseRule>,
}

/// Arguments of `house_rule_remove`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HouseRuleRemoveArgs {
    /// The campaign.
    pub campaign_id: String,
    /// The ruling's id (from house_rule_list or a search hit).
    pub house_rule_id: String,
}

/// What `house_rule_remove` removed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HouseRuleRemoved {
    /// The ruling's id.
    pub house_rule_id: String,
}

/// The house-rule tools.
pub fn tools() -> Vec<Arc<dyn ToolHandler>> {
    vec![
        typed_tool(
            "house_rule_add",
            "Record a house rule",
            "Record the table's ruling against the rulebook passage it changes: `about` is searched in the \
             campaign's books and the ruling is kept with the best passage (or the hit named by chunk_id). \
             From then on every search_rules hit in this campaign about that passage (or its section) \
             carries the ruling, marked as the table's, with its date. Returns the passage to check.",
            ToolHints::ADD,
            Need::Gm,
            add,
        ),
        typed_tool(
            "house_rule_list",
            "List house rules",
            "List a campaign's house rules, oldest first, each with the book, pages and section it changes.",
            ToolHints::READ,
            Need::Player,
            list,
        ),
        typed_tool(
            "house_rule_remove",
            "Remove a house rule",
            "Remove one of the campaign's house rules: search hits stop carrying it at once.",
            ToolHints::CHANGE,
            Need::Gm,
            remove,
        ),
    ]
}

async fn add(app: ToolCall, args: HouseRuleAddArgs) -> Result<HouseRuleAdded, ToolError> {
    let text = validate::text("text", &args.text, true)?;
    let about = validate::text("about", &args.about, true)?;
    let library = library(&app).await?;
    let reader = reader_for(&app.viewer);
    let (house_rule, passage) = library
        .add_house_rule(&args.campaign_id, &text, &about, args.chunk_id.as_deref(), &reader)
        .await
        .map_err(library_error)?;
    Ok(HouseRuleAdded { house_rule, passage })
}

async fn list(app: ToolCall, args: HouseRuleListArgs) -> Result<HouseRuleList, ToolError> {
    app.storage.get_campaign(&args.campaign_id).await?;
    Ok(HouseRuleList { house_rules: app.storage.house_rules(&args.campaign_id).await? })
}

async fn remove(app: ToolCall, args: HouseRuleRemoveArgs) -> Result<HouseRuleRemoved, ToolError> {
    app.storage.remove_house_rule(&args.campaign_id, &args.house_rule_id).await?;
    Ok(HouseRuleRemoved { house_rule_id: args.house_rule_id })
}
