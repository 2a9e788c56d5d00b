//! Initiative tools: run a combat's turn order, hit points and conditions.
//!
//! The rules live in [`ttrpg_initiative`]; these tools load the campaign's running
//! combat from storage, apply one operation and save it back with optimistic locking,
//! so every step survives a restart and two clients cannot overwrite each other.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ttrpg_initiative::{
    Audience, CombatantKind, CombatantSummary, ConditionAdded, ConditionRemoved, Encounter, GroupMember,
    HpChange, InitiativeError, MAX_ABS_INIT_MODIFIER, MAX_AC, MAX_HP, NewCombatant, NewGroup, Removal,
    TurnBoundary, TurnChange,
};

use super::dice::{RollResult, record, roll_unrecorded};
use super::registry::{ToolCall, ToolHandler, ToolHints, typed_tool};
use super::{ToolError, validate};
use crate::access::Need;
use crate::app::App;
use crate::app::events::uri;
use crate::storage::{CharacterKind, CharacterPatch, EncounterRecord, StorageError};

/// How often a save is retried when another request saved the combat in between.
const SAVE_ATTEMPTS: usize = 5;

/// Arguments that name a campaign's running combat.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignArgs {
    /// The campaign whose combat it is.
    pub campaign_id: String,
}

/// Arguments of `initiative_start`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartArgs {
    /// The campaign.
    pub campaign_id: String,
    /// The session the fight happens in.
    #[serde(default)]
    pub session_id: Option<String>,
    /// A name for the fight, e.g. "Ambush at the ford".
    #[serde(default)]
    pub name: Option<String>,
}

/// Arguments of `initiative_add`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddArgs {
    /// The campaign.
    pub campaign_id: String,
    /// Name, e.g. "Aria" or "Goblin" (a group of 3 becomes "Goblin 1".."Goblin 3"). Defaults to the
    /// character's name when character_id is given.
    #[serde(default)]
    pub name: Option<String>,
    /// Add a group of this many alike combatants, each rolling its own initiative and HP (1-50).
    #[serde(default)]
    pub count: Option<u32>,
    /// A campaign character (PC or NPC) joining the fight: name, HP, AC and initiative modifier are
    /// taken from its sheet.
    #[serde(default)]
    pub character_id: Option<String>,
    /// An initiative total already rolled at the table; if left out the host rolls 1d20 + init_modifier.
    #[serde(default)]
    pub initiative: Option<i64>,
    /// Added to the initiative roll and breaks ties.
    #[serde(default)]
    pub init_modifier: Option<i64>,
    /// Fixed hit points.
    #[serde(default)]
    pub hp: Option<i64>,
    /// Hit points rolled per combatant, e.g. "2d6" or "7d8+14".
    #[serde(default)]
    pub hp_dice: Option<String>,
    /// Armour class.
    #[serde(default)]
    pub ac: Option<i64>,
    /// player, npc or monster (default monster, or from the character).
    #[serde(default)]
    pub kind: Option<CombatantKind>,
    /// Hidden from the players until revealed.
    #[serde(default)]
    pub hidden: bool,
}

/// Arguments that name one combatant.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CombatantArgs {
    /// The campaign.
    pub campaign_id: String,
    /// The combatant's id ("c3") or its unique name ("Goblin 2").
    pub combatant: String,
}

/// Arguments of `initiative_damage` and `initiative_heal`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HpArgs {
    /// The campaign.
    pub campaign_id: String,
    /// The combatant's id ("c3") or its unique name.
    pub combatant: String,
    /// Hit points (0 or more).
    pub amount: i64,
    /// initiative_heal only: grant this many temporary hit points instead of healing (they do not
    /// stack: the higher value is kept).
    #[serde(default)]
    pub temporary: bool,
}

/// Arguments of `initiative_reveal`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealArgs {
    /// The campaign.
    pub campaign_id: String,
    /// The combatant's id ("c3") or its unique name.
    pub combatant: String,
    /// false reveals a hidden combatant to the players; true hides it.
    #[serde(default)]
    pub hidden: Option<bool>,
    /// true shows the players this NPC's or monster's hit points and AC as numbers; false
    /// shows them as a state ("bloodied") again.
    #[serde(default)]
    pub hp: Option<bool>,
}

/// Add or remove.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConditionAction {
    /// Apply the condition (replacing one of the same name).
    Add,
    /// Take it off.
    Remove,
}

/// Arguments of `initiative_condition`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionArgs {
    /// The campaign.
    pub campaign_id: String,
    /// The affected combatant's id or unique name.
    pub combatant: String,
    /// add or remove.
    pub action: ConditionAction,
    /// The condition, e.g. "Prone", "Blessed", "Hexed".
    pub condition: String,
    /// Lasts this many rounds (leave out for "until removed").
    #[serde(default)]
    pub duration_rounds: Option<u32>,
    /// Which edge of the anchor's turn counts it down: start_of_turn (default) or end_of_turn
    /// ("until the end of its next turn").
    #[serde(default)]
    pub ends: Option<TurnBoundary>,
    /// Whose turns count the duration (id or name), e.g. the caster for "until the start of the
    /// caster's next turn". Default: the affected combatant.
    #[serde(default)]
    pub anchor: Option<String>,
    /// Who or what imposed it.
    #[serde(default)]
    pub source: Option<String>,
}

/// A combat as the tools show it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EncounterView {
    /// The combat's id.
    pub encounter_id: String,
    /// Its name.
    pub name: Option<String>,
    /// Still running?
    pub active: bool,
    /// 0 before the first turn, then 1, 2, …
    pub round: u32,
    /// Whose turn it is (combatant id).
    pub current: Option<String>,
    /// In turn order.
    pub combatants: Vec<CombatantSummary>,
    /// The tracker as text, one line per combatant, ">" marking whose turn it is.
    pub text: String,
}

/// A combat after a step.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EncounterResult {
    /// The combat now.
    pub encounter: EncounterView,
}

/// The result of `initiative_add`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AddResult {
    /// Who joined, with their rolled initiative and HP.
    pub added: Vec<CombatantSummary>,
    /// The dice rolled for them (also in roll_history).
    pub rolls: Vec<String>,
    /// The combat now.
    pub encounter: EncounterView,
}

/// The result of `initiative_next` and `initiative_prev`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TurnResult {
    /// What changed: the new round and turn, conditions that ticked or expired.
    pub turn: TurnChange,
    /// The combat now.
    pub encounter: EncounterView,
}

/// The result of `initiative_remove`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RemoveResult {
    /// Who left, and how the turn moved if it was theirs.
    pub removal: Removal,
    /// The combat now.
    pub encounter: EncounterView,
}

/// The result of `initiative_damage` and `initiative_heal`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HpResult {
    /// Hit points before and after, temp HP absorbed, overkill, dropped to 0.
    pub change: HpChange,
    /// The combat now.
    pub encounter: EncounterView,
}

/// What `initiative_condition` did.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConditionChange {
    /// A condition was applied.
    Added(ConditionAdded),
    /// A condition was taken off.
    Removed(ConditionRemoved),
}

/// The result of `initiative_condition`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ConditionResult {
    /// What changed.
    pub change: ConditionChange,
    /// The combat now.
    pub encounter: EncounterView,
}

/// The initiative tools.
pub fn tools() -> Vec<Arc<dyn ToolHandler>> {
    vec![
        typed_tool(
            "initiative_start",
            "Start a combat",
            "Start an initiative tracker (a combat) in a campaign. A campaign has one running combat at a time; \
             add combatants with initiative_add, then initiative_next begins round 1. The tracker is saved after \
             every step, so a server restart resumes the fight exactly.",
            ToolHints::ADD,
            Need::Gm,
            start,
        ),
        typed_tool(
            "initiative_add",
            "Add combatants",
            "Add a combatant, or a group like 3 goblins (count: 3, name: \"Goblin\", hp_dice: \"2d6\"), to the \
             running combat. Initiative is rolled by the host as 1d20 + init_modifier unless given; HP is fixed \
             (hp) or rolled per creature (hp_dice). With character_id, a PC or NPC joins with its sheet's HP, AC \
             and modifier. Rolls are recorded in the roll history.",
            ToolHints::ADD,
            Need::Gm,
            add,
        ),
        typed_tool(
            "initiative_next",
            "Next turn",
            "Advance to the next combatant's turn (the first call starts round 1; after the last combatant a new \
             round begins). Conditions whose duration ends at this turn boundary expire and are reported.",
            ToolHints::CHANGE,
            Need::Gm,
            next,
        ),
        typed_tool(
            "initiative_prev",
            "Previous turn",
            "Step the turn marker back one combatant (to correct a mistake). Durations do not tick back.",
            ToolHints::CHANGE,
            Need::Gm,
            prev,
        ),
        typed_tool(
            "initiative_remove",
            "Remove a combatant",
            "Remove a combatant (fled, dead, dismissed) from the combat. If it was their turn, the turn passes on.",
            ToolHints::CHANGE,
            Need::Gm,
            remove,
        ),
        typed_tool(
            "initiative_damage",
            "Damage a combatant",
            "Deal damage to a combatant: temporary HP absorbs it first, HP stops at 0 and overkill is reported. A \
             PC's current HP on their character sheet is updated too.",
            ToolHints::CHANGE,
            Need::Gm,
            damage,
        ),
        typed_tool(
            "initiative_heal",
            "Heal a combatant",
            "Heal a combatant up to their maximum HP, or with temporary: true grant temporary hit points (they do \
             not stack; the higher value is kept). A PC's sheet is updated too.",
            ToolHints::CHANGE,
            Need::Gm,
            heal,
        ),
        typed_tool(
            "initiative_condition",
            "Add or remove a condition",
            "Apply or remove a condition (Prone, Blessed, Frightened…) on a combatant, optionally lasting \
             duration_rounds. A duration counts down at the start (default) or end of the anchor's turns, the \
             anchor being the affected combatant unless given (e.g. the caster), and expires on exactly that turn.",
            ToolHints::CHANGE,
            Need::Gm,
            condition,
        ),
        typed_tool(
            "initiative_get",
            "Show the combat",
            "Show the campaign's running combat: round, whose turn it is, every combatant in order with HP, AC \
             and conditions. A player sees what players see: hidden combatants are left out, and NPCs' and \
             monsters' hit points are a state (unhurt, hurt, bloodied, down) unless the GM revealed them.",
            ToolHints::READ,
            Need::Player,
            get,
        ),
        typed_tool(
            "initiative_end",
            "End the combat",
            "End the campaign's running combat. Its final state is kept; a new combat can then be started.",
            ToolHints::CHANGE,
            Need::Gm,
            end,
        ),
        typed_tool(
            "initiative_reveal",
            "Reveal a combatant",
            "Show the players a hidden combatant (hidden: false) or hide it again, and show them an NPC's or \
             monster's hit points and AC as numbers (hp: true) instead of a state such as \"bloodied\".",
            ToolHints::SET,
            Need::Gm,
            reveal,
        ),
    ]
}

fn view(record: &EncounterRecord, encounter: &Encounter) -> EncounterView {
    view_for(record, encounter, Audience::Gm)
}

/// The combat as `audience` may see it (players: no hidden combatants, monsters' hit
/// points as a state).
fn view_for(record: &EncounterRecord, encounter: &Encounter, audience: Audience) -> EncounterView {
    let summary = encounter.summary_for(audience);
    let text = match audience {
        Audience::Gm => encounter.render(),
        Audience::Players => encounter.render_for_players(),
    };
    EncounterView {
        encounter_id: record.id.clone(),
        name: record.name.clone(),
        active: record.active,
        round: summary.round,
        current: summary.current,
        combatants: summary.combatants,
        text,
    }
}

fn initiative_error(err: InitiativeError) -> ToolError {
    ToolError::InvalidArguments(err.to_string())
}

/// The campaign's running combat, or an error saying there is none.
async fn load(app: &App, campaign_id: &str) -> Result<(EncounterRecord, Encounter), ToolError> {
    let record = app.storage.active_encounter(campaign_id).await?.ok_or_else(|| {
        ToolError::Conflict(format!(
            "campaign {campaign_id:?} has no combat running; start one with initiative_start"
        ))
    })?;
    let encounter = decode(&record)?;
    Ok((record, encounter))
}

/// The combat a stored record holds, checked to be consistent.
fn decode(record: &EncounterRecord) -> Result<Encounter, ToolError> {
    let encounter: Encounter = serde_json::from_value(record.state.clone())
        .map_err(|err| ToolError::Internal(format!("combat {:?} cannot be read: {err}", record.id)))?;
    encounter
        .check()
        .map_err(|err| ToolError::Internal(format!("combat {:?} is inconsistent: {err}", record.id)))?;
    Ok(encounter)
}

/// Loads the running combat, applies `step` and saves it; retried from a fresh read
/// when another request saved in between. Returns what `step` returned and the saved
/// combat.
async fn update<T>(
    app: &App,
    campaign_id: &str,
    mut step: impl FnMut(&mut Encounter) -> Result<T, InitiativeError>,
) -> Result<(T, EncounterView, Encounter), ToolError> {
    for _ in 0..SAVE_ATTEMPTS {
        let (record, mut encounter) = load(app, campaign_id).await?;
        let outcome = step(&mut encounter).map_err(initiative_error)?;
        let state = serde_json::to_value(&encounter)
            .map_err(|err| ToolError::Internal(format!("cannot serialize the combat: {err}")))?;
        match app.storage.save_encounter(&record.id, record.version, i64::from(encounter.round), state).await
        {
            Ok(saved) => {
                tracing::info!(campaign_id, encounter_id = %saved.id, round = encounter.round, "combat saved");
                app.resource_updated(campaign_id, uri::combat(campaign_id)).await;
                let shown = view(&saved, &encounter);
                return Ok((outcome, shown, encounter));
            }
            Err(StorageError::Stale { .. }) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(ToolError::Conflict(format!(
        "the combat of campaign {campaign_id:?} is being changed by other requests; try again"
    )))
}

async fn start(app: ToolCall, args: StartArgs) -> Result<EncounterResult, ToolError> {
    let name = validate::optional_name("name", args.name)?;
    let encounter = Encounter::new();
    let state = serde_json::to_value(&encounter)
        .map_err(|err| ToolError::Internal(format!("cannot serialize the combat: {err}")))?;
    let record = app
        .storage
        .create_encounter(&args.campaign_id, args.session_id.as_deref(), name.as_deref(), state)
        .await?;
    app.resource_updated(&args.campaign_id, uri::combat(&args.campaign_id)).await;
    Ok(EncounterResult { encounter: view(&record, &encounter) })
}

async fn add(app: ToolCall, args: AddArgs) -> Result<AddResult, ToolError> {
    let campaign_id = args.campaign_id.clone();
    load(&app, &campaign_id).await?;
    let count = args.count.unwrap_or(1);
    if !(1..=ttrpg_initiative::MAX_GROUP_SIZE as u32).contains(&count) {
        return Err(ToolError::invalid(format!(
            "count = {count} is out of range; a group has 1 to {} members",
            ttrpg_initiative::MAX_GROUP_SIZE
        )));
    }
    if args.hp.is_some() && args.hp_dice.is_some() {
        return Err(ToolError::invalid("give hp or hp_dice, not both"));
    }
    let character = match &args.character_id {
        Some(id) => {
            let character = app.storage.get_character(id).await?;
            if character.fields.campaign_id != campaign_id {
                return Err(ToolError::invalid(format!(
                    "character {id:?} belongs to campaign {:?}, not {campaign_id:?}",
                    character.fields.campaign_id
                )));
            }
            Some(character)
        }
        None => None,
    };
    let name = match (&args.name, &character) {
        (Some(name), _) => validate::name("name", name)?,
        (None, Some(character)) => character.fields.name.clone(),
        (None, None) => return Err(ToolError::invalid("name is required (or give character_id)")),
    };
    let init_modifier =
        args.init_modifier.or(character.as_ref().map(|c| c.fields.init_modifier)).unwrap_or(0);
    let kind = args.kind.unwrap_or(match character.as_ref().map(|c| c.fields.kind) {
        Some(CharacterKind::Pc) => CombatantKind::Player,
        Some(CharacterKind::Npc) => CombatantKind::Npc,
        _ => CombatantKind::Monster,
    });
    let ac = args.ac.or(character.as_ref().and_then(|c| c.fields.armor_class));

    validate::within("init_modifier", init_modifier, -MAX_ABS_INIT_MODIFIER..=MAX_ABS_INIT_MODIFIER)?;
    if let Some(hp) = args.hp {
        validate::within("hp", hp, 0..=MAX_HP)?;
    }
    if let Some(ac) = ac {
        validate::within("ac", ac, 0..=MAX_AC)?;
    }

    // Roll everything first, so a retried save never rolls twice, and record the rolls
    // only once the combat is saved, so a refused addition leaves no trace.
    let mut pending: Vec<(RollResult, String)> = Vec::new();
    let mut members = Vec::new();
    for index in 0..count {
        let label = if count > 1 { format!("{name} {}", index + 1) } else { name.clone() };
        let initiative = match args.initiative {
            Some(total) => total,
            None => {
                let expression = format!("1d20{init_modifier:+}");
                let roll = roll_unrecorded(&app, &expression, Some(&campaign_id), None, None).await?;
                let total = roll.total;
                pending.push((roll, format!("initiative: {label}")));
                total
            }
        };
        let hp = match (&args.hp_dice, args.hp, &character) {
            (Some(dice), _, _) => {
                let roll = roll_unrecorded(&app, dice, Some(&campaign_id), None, None)
                    .await
                    .map_err(|err| ToolError::invalid(format!("hp_dice: {err}")))?;
                let total = roll.total.max(1);
                pending.push((roll, format!("hit points: {label}")));
                Some(total)
            }
            (None, Some(hp), _) => Some(hp),
            (None, None, Some(character)) => character.fields.current_hp,
            (None, None, None) => None,
        };
        members.push(GroupMember { initiative, hp });
    }
    let max_hp = character.as_ref().and_then(|c| c.fields.max_hp);
    let character_id = character.as_ref().map(|c| c.id.clone());
    let (added, encounter, _) = update(&app, &campaign_id, |encounter| {
        if count == 1 {
            let member = members[0];
            let added = encounter.add(NewCombatant {
                name: name.clone(),
                initiative: member.initiative,
                init_modifier,
                hp: member.hp,
                max_hp: max_hp.or(member.hp),
                ac,
                kind,
                character_id: character_id.clone(),
                hidden: args.hidden,
            })?;
            Ok(vec![added.id])
        } else {
            let group = NewGroup {
                base_name: name.clone(),
                init_modifier,
                ac,
                kind,
                hidden: args.hidden,
                members: members.clone(),
            };
            Ok(encounter.add_group(group)?.into_iter().map(|c| c.id).collect())
        }
    })
    .await?;
    let added = encounter.combatants.iter().filter(|c| added.contains(&c.id)).cloned().collect();
    let mut rolls = Vec::new();
    for (roll, purpose) in pending {
        let line = format!("{purpose}: {}", roll.rendered);
        record(&app, roll, Some(campaign_id.clone()), None, Some(purpose)).await?;
        rolls.push(line);
    }
    Ok(AddResult { added, rolls, encounter })
}

async fn next(app: ToolCall, args: CampaignArgs) -> Result<TurnResult, ToolError> {
    let (turn, encounter, _) = update(&app, &args.campaign_id, Encounter::next).await?;
    Ok(TurnResult { turn, encounter })
}

async fn prev(app: ToolCall, args: CampaignArgs) -> Result<TurnResult, ToolError> {
    let (turn, encounter, _) = update(&app, &args.campaign_id, Encounter::prev).await?;
    Ok(TurnResult { turn, encounter })
}

async fn remove(app: ToolCall, args: CombatantArgs) -> Result<RemoveResult, ToolError> {
    let (removal, encounter, _) = update(&app, &args.campaign_id, |e| e.remove(&args.combatant)).await?;
    Ok(RemoveResult { removal, encounter })
}

async fn damage(app: ToolCall, args: HpArgs) -> Result<HpResult, ToolError> {
    if args.temporary {
        return Err(ToolError::invalid("temporary applies to initiative_heal only"));
    }
    let (change, encounter, state) =
        update(&app, &args.campaign_id, |e| e.damage(&args.combatant, args.amount)).await?;
    sync_character_hp(&app, &state, &change).await?;
    Ok(HpResult { change, encounter })
}

async fn heal(app: ToolCall, args: HpArgs) -> Result<HpResult, ToolError> {
    let (change, encounter, state) = update(&app, &args.campaign_id, |e| {
        if args.temporary {
            e.set_temp_hp(&args.combatant, args.amount)
        } else {
            e.heal(&args.combatant, args.amount)
        }
    })
    .await?;
    sync_character_hp(&app, &state, &change).await?;
    Ok(HpResult { change, encounter })
}

/// Keeps a PC's or NPC's sheet in step with the hit points the tracker holds.
async fn sync_character_hp(app: &App, encounter: &Encounter, change: &HpChange) -> Result<(), ToolError> {
    let linked = encounter
        .combatants
        .iter()
        .find(|c| c.id == change.combatant_id)
        .and_then(|c| c.character_id.clone());
    if let (Some(character_id), Some(hp)) = (linked, change.hp) {
        let patch = CharacterPatch { current_hp: Some(hp), ..CharacterPatch::default() };
        app.storage.update_character(&character_id, patch).await?;
    }
    Ok(())
}

async fn condition(app: ToolCall, args: ConditionArgs) -> Result<ConditionResult, ToolError> {
    let name = validate::name("condition", &args.condition)?;
    let source = validate::optional_name("source", args.source)?;
    let (change, encounter, _) = update(&app, &args.campaign_id, |e| match args.action {
        ConditionAction::Add => e
            .add_condition(
                &args.combatant,
                &name,
                args.duration_rounds,
                args.ends.unwrap_or_default(),
                args.anchor.as_deref(),
                source.clone(),
            )
            .map(ConditionChange::Added),
        ConditionAction::Remove => e.remove_condition(&args.combatant, &name).map(ConditionChange::Removed),
    })
    .await?;
    Ok(ConditionResult { change, encounter })
}

async fn get(app: ToolCall, args: CampaignArgs) -> Result<EncounterResult, ToolError> {
    let (record, encounter) = load(&app, &args.campaign_id).await?;
    let audience = if app.viewer.is_gm() { Audience::Gm } else { Audience::Players };
    Ok(EncounterResult { encounter: view_for(&record, &encounter, audience) })
}

async fn reveal(app: ToolCall, args: RevealArgs) -> Result<EncounterResult, ToolError> {
    if args.hidden.is_none() && args.hp.is_none() {
        return Err(ToolError::invalid("initiative_reveal: say what to change: hidden, hp or both"));
    }
    let (_, encounter, _) = update(&app, &args.campaign_id, |e| {
        if let Some(hidden) = args.hidden {
            e.set_hidden(&args.combatant, hidden)?;
        }
        if let Some(hp) = args.hp {
            e.set_hp_revealed(&args.combatant, hp)?;
        }
        Ok(())
    })
    .await?;
    Ok(EncounterResult { encounter })
}

async fn end(app: ToolCall, args: CampaignArgs) -> Result<EncounterResult, ToolError> {
    let (record, encounter) = load(&app, &args.campaign_id).await?;
    let ended = app.storage.end_encounter(&record.id).await?;
    app.resource_updated(&args.campaign_id, uri::combat(&args.campaign_id)).await;
    Ok(EncounterResult { encounter: view(&ended, &encounter) })
}

/// Every combat of a session as `audience` may see it, oldest first (what a session recap
/// tells of its fights). The caller checks the session belongs to a campaign the reader is in.
pub async fn session_combats(
    app: &App,
    session_id: &str,
    audience: Audience,
) -> Result<Vec<EncounterView>, ToolError> {
    let mut views = Vec::new();
    for record in app.storage.session_encounters(session_id).await? {
        views.push(view_for(&record, &decode(&record)?, audience));
    }
    Ok(views)
}
