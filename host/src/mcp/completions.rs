//! `completion/complete`: what a person may type for a prompt's or a resource template's
//! argument. Candidates come from what the caller may see (the same tools a call would use,
//! through [`Runner`]), are kept for a few seconds per caller and scope, and are matched
//! against what was typed: prefix matches first, then matches anywhere, case-insensitively.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use rmcp::model::{CompletionInfo, Reference};
use serde_json::json;

use super::runner::Runner;
use crate::access::{Caller, Role};
use crate::tools::ToolError;

/// How long a caller's candidates are reused (a person typing asks once per key stroke).
const FRESH_FOR: Duration = Duration::from_secs(10);

/// The most values one answer holds (the protocol's limit).
const MAX_VALUES: usize = CompletionInfo::MAX_VALUES;

/// The encounter difficulties a system's encounter builder knows.
const DIFFICULTIES: &[&str] = &["easy", "medium", "hard", "deadly"];

/// The SRD's environments, which monster records are tagged with.
const ENVIRONMENTS: &[&str] = &[
    "arctic",
    "coastal",
    "desert",
    "forest",
    "grassland",
    "hill",
    "mountain",
    "swamp",
    "underdark",
    "underwater",
    "urban",
];

/// The sizes of an image resource.
const IMAGE_SIZES: &[&str] = &["original", "thumbnail", "preview", "display"];

/// One candidate: the value to insert and the words it is also found by (a campaign id is
/// found by the campaign's name).
#[derive(Debug, Clone)]
struct Candidate {
    value: String,
    also: String,
}

/// Candidates by (caller, what, scope), for [`FRESH_FOR`].
static CANDIDATES: LazyLock<moka::sync::Cache<String, Arc<Vec<Candidate>>>> =
    LazyLock::new(|| moka::sync::Cache::builder().max_capacity(10_000).time_to_live(FRESH_FOR).build());

fn caller_key(caller: &Caller) -> String {
    match caller {
        Caller::Local => "local".to_string(),
        Caller::Token(token) => format!("{}:{}", token.user.id, token.role.as_str()),
    }
}

/// What kind of thing an argument names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    CampaignName,
    CampaignId,
    SessionNumber,
    CharacterId,
    BookTitle,
    DocumentId,
    NoteTag,
    Place,
    PluginId,
    PluginVersion,
    Difficulty,
    Environment,
    Party,
    ImageHash,
    ImageSize,
}

/// The kind of a prompt's argument, by the prompt and argument names.
fn prompt_argument(prompt: &str, argument: &str) -> Option<Kind> {
    Some(match (prompt, argument) {
        (_, "campaign") => Kind::CampaignName,
        (_, "session") => Kind::SessionNumber,
        (_, "book") => Kind::BookTitle,
        (_, "tag") => Kind::NoteTag,
        ("npc_quick", "place") => Kind::Place,
        (_, "difficulty") => Kind::Difficulty,
        (_, "environment") => Kind::Environment,
        ("prep_encounter", "party") => Kind::Party,
        _ => return None,
    })
}

/// The kind of a resource template's variable.
fn template_argument(argument: &str) -> Option<Kind> {
    Some(match argument {
        "campaign_id" => Kind::CampaignId,
        "character_id" => Kind::CharacterId,
        "session_number" => Kind::SessionNumber,
        "document_id" => Kind::DocumentId,
        "plugin_id" => Kind::PluginId,
        "version" => Kind::PluginVersion,
        "hash" => Kind::ImageHash,
        "size" => Kind::ImageSize,
        _ => return None,
    })
}

/// Completes `argument` (typed so far: `typed`) of `reference`; `context` holds the other
/// arguments already given, and `campaign` is the session's campaign.
pub async fn complete(
    runner: &Runner,
    campaign: Option<&str>,
    reference: &Reference,
    argument: &str,
    typed: &str,
    context: &HashMap<String, String>,
) -> Result<CompletionInfo, ToolError> {
    let kind = match reference {
        Reference::Prompt(prompt) => prompt_argument(&prompt.name, argument),
        Reference::Resource(_) => template_argument(argument),
        _ => None,
    };
    let Some(kind) = kind else { return Ok(CompletionInfo::default()) };
    // The campaign the other arguments name (a name or an id), else the session's.
    let named = context.get("campaign_id").or_else(|| context.get("campaign")).map(String::as_str);
    let campaign_id = match named {
        Some(given) => runner.resolve_campaign(given).await.ok(),
        None => campaign.map(str::to_string),
    };
    let scope = match kind {
        Kind::PluginVersion => context.get("plugin_id").cloned().unwrap_or_default(),
        _ => campaign_id.clone().unwrap_or_default(),
    };
    let key = format!("{}|{kind:?}|{scope}", caller_key(&runner.caller));
    let candidates = match CANDIDATES.get(&key) {
        Some(found) => found,
        None => {
            let found = Arc::new(candidates(runner, kind, campaign_id.as_deref(), &scope).await?);
            CANDIDATES.insert(key, found.clone());
            found
        }
    };
    Ok(matching(&candidates, typed))
}

/// The candidates that match `typed`, prefix matches first, at most [`MAX_VALUES`].
fn matching(candidates: &[Candidate], typed: &str) -> CompletionInfo {
    let typed = typed.trim().to_lowercase();
    let (mut prefix, mut inside) = (Vec::new(), Vec::new());
    for candidate in candidates {
        let value = candidate.value.to_lowercase();
        let also = candidate.also.to_lowercase();
        if value.starts_with(&typed) || also.starts_with(&typed) {
            prefix.push(candidate.value.clone());
        } else if value.contains(&typed) || also.contains(&typed) {
            inside.push(candidate.value.clone());
        }
    }
    prefix.extend(inside);
    let mut seen = BTreeSet::new();
    prefix.retain(|v| seen.insert(v.clone()));
    let total = prefix.len();
    prefix.truncate(MAX_VALUES);
    CompletionInfo::with_pagination(
        prefix,
        Some(u32::try_from(total).unwrap_or(u32::MAX)),
        total > MAX_VALUES,
    )
    .unwrap_or_default()
}

fn plain(values: impl IntoIterator<Item = String>) -> Vec<Candidate> {
    values.into_iter().map(|value| Candidate { value, also: String::new() }).collect()
}

/// Every candidate of `kind` the caller may see.
async fn candidates(
    runner: &Runner,
    kind: Kind,
    campaign_id: Option<&str>,
    scope: &str,
) -> Result<Vec<Candidate>, ToolError> {
    let fixed = |values: &[&str]| plain(values.iter().map(|v| v.to_string()));
    Ok(match kind {
        Kind::Difficulty => fixed(DIFFICULTIES),
        Kind::Environment => fixed(ENVIRONMENTS),
        Kind::ImageSize => fixed(IMAGE_SIZES),
        Kind::CampaignName => {
            plain(runner.campaigns().await?.iter().filter_map(|c| c["name"].as_str().map(str::to_string)))
        }
        Kind::CampaignId => runner
            .campaigns()
            .await?
            .iter()
            .filter_map(|c| {
                Some(Candidate {
                    value: c["id"].as_str()?.to_string(),
                    also: c["name"].as_str()?.to_string(),
                })
            })
            .collect(),
        Kind::BookTitle | Kind::DocumentId => {
            let books = runner.every("book_list", json!({}), "books").await?;
            books
                .iter()
                .filter_map(|b| {
                    let (id, title) = (b["id"].as_str()?, b["book"].as_str()?);
                    Some(match kind {
                        Kind::BookTitle => Candidate { value: title.to_string(), also: String::new() },
                        _ => Candidate { value: id.to_string(), also: title.to_string() },
                    })
                })
                .collect()
        }
        Kind::PluginId | Kind::PluginVersion => {
            let installed = runner.every("plugin_list", json!({}), "installed").await?;
            let values = installed.iter().filter_map(|p| {
                let id = p["id"].as_str()?;
                match kind {
                    Kind::PluginId => Some(id.to_string()),
                    _ if scope.is_empty() || scope == id => p["version"].as_str().map(str::to_string),
                    _ => None,
                }
            });
            plain(values)
        }
        Kind::SessionNumber
        | Kind::CharacterId
        | Kind::NoteTag
        | Kind::Place
        | Kind::Party
        | Kind::ImageHash => {
            let Some(campaign_id) = campaign_id else { return Ok(Vec::new()) };
            in_campaign(runner, kind, campaign_id).await?
        }
    })
}

/// Candidates that live in one campaign.
async fn in_campaign(runner: &Runner, kind: Kind, campaign_id: &str) -> Result<Vec<Candidate>, ToolError> {
    let scoped = json!({ "campaign_id": campaign_id });
    Ok(match kind {
        Kind::SessionNumber => {
            let sessions = runner.sessions(campaign_id).await?;
            let mut numbers: Vec<i64> = sessions.iter().filter_map(|s| s["number"].as_i64()).collect();
            numbers.sort_unstable_by(|a, b| b.cmp(a));
            plain(numbers.into_iter().map(|n| n.to_string()))
        }
        Kind::CharacterId => {
            let characters = runner.every("character_list", scoped, "characters").await?;
            characters
                .iter()
                .filter_map(|c| {
                    Some(Candidate {
                        value: c["id"].as_str()?.to_string(),
                        also: c["name"].as_str()?.to_string(),
                    })
                })
                .collect()
        }
        Kind::Party => {
            let levels: Vec<String> =
                runner.party_levels(campaign_id).await?.iter().map(|l| l.to_string()).collect();
            if levels.is_empty() { Vec::new() } else { plain([levels.join(",")]) }
        }
        Kind::ImageHash => {
            let images = runner.every("image_list", scoped, "images").await?;
            images
                .iter()
                .filter_map(|i| {
                    Some(Candidate {
                        value: i["hash"].as_str()?.to_string(),
                        also: i["title"].as_str()?.to_string(),
                    })
                })
                .collect()
        }
        Kind::NoteTag | Kind::Place => {
            // Notes are read as the caller's role allows: a player completes from shared notes only.
            let Some(role) = runner.role_in(campaign_id).await else { return Ok(Vec::new()) };
            let players_only = role != Role::Gm;
            let notes = runner.app.storage.campaign_notes(campaign_id, None, false, players_only).await?;
            let values: BTreeSet<String> = match kind {
                Kind::Place => {
                    notes.iter().filter(|n| n.kind == "location").map(|n| n.title.clone()).collect()
                }
                _ => notes.iter().flat_map(|n| n.tags.iter().cloned()).collect(),
            };
            let mut values: BTreeSet<String> = values;
            if kind == Kind::NoteTag {
                for session in runner.app.storage.list_sessions(campaign_id).await? {
                    for note in runner.app.storage.list_session_notes(&session.id, players_only).await? {
                        values.extend(note.tags);
                    }
                }
            }
            plain(values)
        }
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(pairs: &[(&str, &str)]) -> Vec<Candidate> {
        pairs.iter().map(|(v, a)| Candidate { value: v.to_string(), also: a.to_string() }).collect()
    }

    #[test]
    fn prefix_matches_come_first_and_names_find_ids() {
        let candidates =
            named(&[("c-1", "Lost Mine"), ("c-2", "Curse of Strahd"), ("c-3", "Mines of Moria")]);
        assert_eq!(matching(&candidates, "mine").values, vec!["c-3", "c-1"]);
        assert_eq!(matching(&candidates, "CURSE").values, vec!["c-2"]);
        assert_eq!(matching(&candidates, "").values.len(), 3);
        assert!(matching(&candidates, "zzz").values.is_empty());
    }

    #[test]
    fn an_answer_holds_at_most_the_protocols_limit_and_says_there_is_more() {
        let many: Vec<Candidate> =
            (0..250).map(|n| Candidate { value: format!("v{n}"), also: String::new() }).collect();
        let info = matching(&many, "v");
        assert_eq!(info.values.len(), MAX_VALUES);
        assert_eq!(info.total, Some(250));
        assert_eq!(info.has_more, Some(true));
    }

    #[test]
    fn arguments_are_known_by_name() {
        assert_eq!(prompt_argument("session_recap", "campaign"), Some(Kind::CampaignName));
        assert_eq!(prompt_argument("npc_quick", "place"), Some(Kind::Place));
        assert_eq!(prompt_argument("test_prompt_with_arguments", "arg1"), None);
        assert_eq!(template_argument("character_id"), Some(Kind::CharacterId));
    }
}
