//! MCP prompts (`prompts/list`, `prompts/get`): what a GM does every session, as slash
//! commands a client offers, plus the prompts of the system plugins enabled in the
//! session's campaign (plugin API 0.3 `prompts`/`get-prompt`, named `<plugin>__<prompt>`).
//!
//! A core prompt gathers its material through the core tools ([`Runner`]), so it holds only
//! what the caller may see; `recap_for_players` reads as a player even for the GM. Each
//! argument a person types has completions ([`super::completions`]).

mod builders;

use std::collections::BTreeMap;

use rmcp::model::{GetPromptResult, Prompt, PromptArgument, PromptMessage, Role as Speaker};

use super::runner::Runner;
use crate::access::{Need, Role};
use crate::plugins::{TOOL_NAMESPACE_SEPARATOR, namespaced_tool};
use crate::tools::ToolError;
use crate::tools::plugins::need_of_plugin_tool;

/// One argument of a core prompt.
pub struct ArgumentSpec {
    /// Its name.
    pub name: &'static str,
    /// What to give.
    pub description: &'static str,
    /// Whether the prompt needs it.
    pub required: bool,
}

/// A core prompt.
pub struct PromptDef {
    /// Its name.
    pub name: &'static str,
    /// Title for people.
    pub title: &'static str,
    /// What it gives.
    pub description: &'static str,
    /// Its arguments.
    pub arguments: &'static [ArgumentSpec],
    /// Who may use it.
    pub need: Need,
}

const fn arg(name: &'static str, description: &'static str, required: bool) -> ArgumentSpec {
    ArgumentSpec { name, description, required }
}

const CAMPAIGN: ArgumentSpec = arg("campaign", "The campaign: its name or id", true);
const SESSION: ArgumentSpec = arg("session", "The session's number (default: the latest)", false);
const TAG: ArgumentSpec =
    arg("tag", "Only the notes with this tag, e.g. loot or npc (default: every note)", false);

/// Every core prompt.
pub const CORE_PROMPTS: &[PromptDef] = &[
    PromptDef {
        name: "session_recap",
        title: "Session recap",
        description: "The last session's notes, rolls and combat outcomes, ready to be told as a recap at the \
                      start of the next one (GM: everything, hidden notes too)",
        arguments: &[CAMPAIGN, SESSION, TAG],
        need: Need::Gm,
    },
    PromptDef {
        name: "recap_for_players",
        title: "Recap for the players",
        description: "A recap of a session built only from what the players may see: shared notes, rolls, \
                      the combat as the table saw it",
        arguments: &[CAMPAIGN, SESSION, TAG],
        need: Need::Player,
    },
    PromptDef {
        name: "prep_encounter",
        title: "Prepare an encounter",
        description: "A balanced encounter for the party from the campaign system's encounter builder, with \
                      each monster's stat block and the page it is printed on",
        arguments: &[
            CAMPAIGN,
            arg("difficulty", "easy, medium (default), hard or deadly", false),
            arg("environment", "Where it happens, e.g. forest, underdark, coast", false),
            arg("party", "The characters' levels, e.g. 3,3,4,5 (default: the campaign's PCs)", false),
        ],
        need: Need::Gm,
    },
    PromptDef {
        name: "rules_ruling",
        title: "Rules ruling",
        description: "A question answered from the rulebooks' cited passages (and the table's house rules): \
                      the model rules from them and names the page",
        arguments: &[
            arg("question", "The rules question, in your own words", true),
            arg("campaign", "Search this campaign's books and house rules too: its name or id", false),
            arg("book", "Only this book (its title)", false),
        ],
        need: Need::Player,
    },
    PromptDef {
        name: "npc_quick",
        title: "Quick NPC",
        description: "An NPC who fits a place, consistent with the campaign's notes on it and unlike the NPCs \
                      it already has",
        arguments: &[
            CAMPAIGN,
            arg("place", "The place, as the campaign's notes name it (\"the Stonehill Inn\")", true),
            arg("role", "What they do there, e.g. innkeeper, guard captain", false),
        ],
        need: Need::Gm,
    },
];

/// The core prompt named `name`.
pub fn core_prompt(name: &str) -> Option<&'static PromptDef> {
    CORE_PROMPTS.iter().find(|p| p.name == name)
}

fn to_rmcp(def: &PromptDef) -> Prompt {
    let arguments = def
        .arguments
        .iter()
        .map(|a| PromptArgument::new(a.name).with_description(a.description).with_required(a.required))
        .collect();
    Prompt::new(def.name, Some(def.description), Some(arguments)).with_title(def.title)
}

/// The prompts a caller with `role` (and operator standing or not) may use in the session's
/// `campaign`: the core ones, then its plugins'.
pub async fn list(
    runner: &Runner,
    campaign: Option<&str>,
    role: Role,
    operator: bool,
) -> Result<Vec<Prompt>, ToolError> {
    let mut prompts: Vec<Prompt> =
        CORE_PROMPTS.iter().filter(|p| p.need.allows(role, operator)).map(to_rmcp).collect();
    if let Some(campaign_id) = campaign {
        for enabled in runner.app.plugins.enabled(campaign_id).await? {
            let manifest = enabled.plugin.manifest();
            for prompt in enabled.plugin.prompts() {
                if !need_of_plugin_tool(prompt.role).allows(role, operator) {
                    continue;
                }
                let arguments = prompt
                    .arguments
                    .iter()
                    .map(|a| {
                        PromptArgument::new(&a.name)
                            .with_description(&a.description)
                            .with_required(a.required)
                    })
                    .collect();
                prompts.push(
                    Prompt::new(
                        namespaced_tool(&manifest.id, &prompt.name),
                        Some(format!("[{} {}] {}", manifest.name, manifest.version, prompt.description)),
                        Some(arguments),
                    )
                    .with_title(prompt.title.clone()),
                );
            }
        }
    }
    Ok(prompts)
}

/// Builds prompt `name` with `arguments` for the runner's caller; `campaign` is the
/// session's (a plugin prompt runs there).
pub async fn get(
    runner: &Runner,
    campaign: Option<&str>,
    name: &str,
    arguments: BTreeMap<String, String>,
) -> Result<GetPromptResult, ToolError> {
    if let Some(def) = core_prompt(name) {
        for argument in def.arguments.iter().filter(|a| a.required) {
            if arguments.get(argument.name).is_none_or(|v| v.trim().is_empty()) {
                return Err(ToolError::invalid(format!(
                    "prompt {name} needs the argument {:?}: {}",
                    argument.name, argument.description
                )));
            }
        }
        if let Some(unknown) = arguments.keys().find(|k| !def.arguments.iter().any(|a| a.name == k.as_str()))
        {
            let known: Vec<&str> = def.arguments.iter().map(|a| a.name).collect();
            return Err(ToolError::invalid(format!(
                "prompt {name} has no argument {unknown:?}; its arguments are {}",
                known.join(", ")
            )));
        }
        let built = builders::build(runner, def, &arguments).await?;
        return Ok(GetPromptResult::new(built.messages).with_description(built.description));
    }
    if name.contains(TOOL_NAMESPACE_SEPARATOR) {
        let Some(campaign_id) = campaign else {
            return Err(ToolError::Conflict(format!(
                "{name} is a plugin prompt: choose the campaign it runs in with campaign_use first"
            )));
        };
        return plugin_prompt(runner, campaign_id, name, &arguments).await;
    }
    let known: Vec<&str> = CORE_PROMPTS.iter().map(|p| p.name).collect();
    Err(ToolError::NotFound(format!("no prompt named {name:?}; the core prompts are: {}", known.join(", "))))
}

/// A plugin's prompt, built by the plugin in the campaign's sandbox.
async fn plugin_prompt(
    runner: &Runner,
    campaign_id: &str,
    name: &str,
    arguments: &BTreeMap<String, String>,
) -> Result<GetPromptResult, ToolError> {
    let (plugin_id, prompt) = crate::plugins::split_tool_name(name)
        .ok_or_else(|| ToolError::NotFound(format!("no prompt named {name:?}")))?;
    let enabled = runner
        .app
        .plugins
        .enabled(campaign_id)
        .await?
        .into_iter()
        .find(|e| e.plugin.manifest().id == plugin_id)
        .ok_or_else(|| {
            ToolError::NotFound(format!("no plugin {plugin_id:?} is enabled in campaign {campaign_id:?}"))
        })?;
    let spec =
        enabled.plugin.prompts().iter().find(|p| p.name == prompt).cloned().ok_or_else(|| {
            ToolError::NotFound(format!("plugin {plugin_id:?} offers no prompt {prompt:?}"))
        })?;
    let need = need_of_plugin_tool(spec.role);
    let scope = serde_json::json!({ "campaign_id": campaign_id });
    crate::access::authorize(&runner.app, &runner.caller, name, need, &scope).await?;
    let messages = crate::tools::plugins::get_plugin_prompt(
        runner.app.clone(),
        &runner.caller,
        campaign_id,
        &enabled,
        prompt,
        arguments,
    )
    .await?;
    let messages = messages
        .into_iter()
        .map(|m| {
            let speaker = match m.speaker {
                ttrpg_plugin_runtime::model::PromptSpeaker::User => Speaker::User,
                ttrpg_plugin_runtime::model::PromptSpeaker::Assistant => Speaker::Assistant,
            };
            PromptMessage::new_text(speaker, m.text)
        })
        .collect();
    Ok(GetPromptResult::new(messages).with_description(spec.description))
}

/// What a core prompt builds.
pub struct Built {
    /// Shown with the prompt.
    pub description: String,
    /// The messages.
    pub messages: Vec<PromptMessage>,
}
