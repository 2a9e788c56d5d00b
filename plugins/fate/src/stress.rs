//! Stress tracks per character, kept in the plugin's key-value space (needs `kv`):
//! the `stress_track` tool shows, hits, clears or resizes one track.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ttrpg_plugin_sdk::{Context, HostError, ToolError, host};

/// Key prefix of stress tracks.
const PREFIX: &str = "stress/";
/// Boxes a track starts with (Fate Core: two, more with a high Physique or Will).
const DEFAULT_BOXES: u32 = 2;
/// Most boxes on a track.
const MAX_BOXES: u32 = 10;
/// Longest character name.
const MAX_CHARACTER: usize = 120;

/// Which track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Track {
    /// Physical stress (Physique adds boxes).
    Physical,
    /// Mental stress (Will adds boxes).
    Mental,
}

/// What to do with the track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Show it, changing nothing.
    Show,
    /// Absorb a hit of `shifts`: check the box worth `shifts`, or the next free higher one.
    Hit,
    /// Uncheck every box (the conflict is over).
    Clear,
    /// Set the number of boxes to `boxes` (checked boxes that remain stay checked).
    Resize,
}

/// Arguments of `stress_track`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StressArgs {
    /// The character's name (any case).
    pub character: String,
    /// `physical` or `mental`.
    pub track: Track,
    /// `show`, `hit`, `clear` or `resize`.
    pub action: Action,
    /// For `hit`: the shifts of the hit, 1..=20.
    #[serde(default)]
    pub shifts: Option<u32>,
    /// For `resize`: the number of boxes, 1..=10.
    #[serde(default)]
    pub boxes: Option<u32>,
}

/// A stress track as stored and returned.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct StressTrack {
    /// The character.
    pub character: String,
    /// The track.
    pub track: Track,
    /// The boxes, lowest first: box `i` (0-based) is worth `i + 1` shifts; true when checked.
    pub boxes: Vec<bool>,
}

/// Result of `stress_track`.
#[derive(Serialize, JsonSchema)]
pub struct StressResult {
    /// The track after the action.
    pub stress: StressTrack,
    /// For `hit`: the value of the box checked, if a box could take the hit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_box: Option<u32>,
    /// For `hit`: whether the track absorbed the hit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub absorbed: Option<bool>,
    /// What happened, for people.
    pub message: String,
}

fn key(character: &str, track: Track) -> String {
    let name: Vec<String> = character.split_whitespace().map(str::to_lowercase).collect();
    let track = match track {
        Track::Physical => "physical",
        Track::Mental => "mental",
    };
    format!("{PREFIX}{}/{track}", name.join(" "))
}

fn kv_error(error: HostError) -> ToolError {
    if error.is_not_granted() {
        ToolError::failed(format!(
            "`stress_track` keeps tracks in the plugin's key-value space and needs the `kv` capability: \
             enable the plugin for this campaign with grants [\"kv\"] ({})",
            error.message()
        ))
    } else {
        ToolError::from(error)
    }
}

/// `stress_track`: show, hit, clear or resize a character's stress track.
pub fn stress_track(_ctx: &Context, args: StressArgs) -> Result<StressResult, ToolError> {
    let character = args.character.split_whitespace().collect::<Vec<_>>().join(" ");
    if character.is_empty() || character.chars().count() > MAX_CHARACTER {
        return Err(ToolError::invalid_arguments(format!(
            "`character` must be 1 to {MAX_CHARACTER} characters"
        )));
    }
    let key = key(&character, args.track);
    let stored = host::kv_get(&key).map_err(kv_error)?;
    let mut stress = match stored {
        Some(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| ToolError::failed(format!("the stored track `{key}` is unreadable: {e}")))?,
        None => StressTrack { character, track: args.track, boxes: vec![false; DEFAULT_BOXES as usize] },
    };
    let (mut checked_box, mut absorbed) = (None, None);
    let message = match args.action {
        Action::Show => "unchanged".to_owned(),
        Action::Clear => {
            stress.boxes.iter_mut().for_each(|b| *b = false);
            "all boxes cleared".to_owned()
        }
        Action::Resize => {
            let boxes = args.boxes.filter(|b| (1..=MAX_BOXES).contains(b)).ok_or_else(|| {
                ToolError::invalid_arguments(format!("`resize` needs `boxes`, 1 to {MAX_BOXES}"))
            })?;
            stress.boxes.resize(boxes as usize, false);
            format!("the track has {boxes} boxes")
        }
        Action::Hit => {
            let shifts = args
                .shifts
                .filter(|s| (1..=20).contains(s))
                .ok_or_else(|| ToolError::invalid_arguments("`hit` needs `shifts`, 1 to 20".to_owned()))?;
            let free =
                stress.boxes.iter().enumerate().skip(shifts as usize - 1).find(|(_, checked)| !**checked);
            match free.map(|(i, _)| i) {
                Some(i) => {
                    stress.boxes[i] = true;
                    checked_box = Some(i as u32 + 1);
                    absorbed = Some(true);
                    format!("checked the {} box: the hit of {shifts} is absorbed", i + 1)
                }
                None => {
                    absorbed = Some(false);
                    format!(
                        "no free box of {shifts} or more: take a consequence (mild 2, moderate 4, severe 6) \
                         or be taken out"
                    )
                }
            }
        }
    };
    if args.action != Action::Show {
        let bytes = serde_json::to_vec(&stress).map_err(|e| ToolError::failed(e.to_string()))?;
        host::kv_set(&key, &bytes).map_err(kv_error)?;
    }
    Ok(StressResult { stress, checked_box, absorbed, message })
}
