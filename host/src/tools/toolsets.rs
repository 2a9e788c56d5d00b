//! Toolsets: the tools in groups, so that a client can list a few groups instead of every
//! tool at once.
//!
//! Every core tool belongs to exactly one [`Toolset`] of [`TOOLSETS`] (a test checks it);
//! the tools of the plugins enabled in a session's campaign make the [`SYSTEM`] toolset.
//! A [`Selection`] is which toolsets a session lists. Toolsets shape the listing only: what
//! a caller may call is decided by its role (`crate::access`), listed or not.

use std::collections::BTreeSet;

use thiserror::Error;

use crate::plugins::TOOL_NAMESPACE_SEPARATOR;

/// One group of tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Toolset {
    /// Its name (`combat`), as `server.toolsets` and `toolset_enable` take it.
    pub name: &'static str,
    /// What its tools are for, for a model choosing which to enable.
    pub description: &'static str,
    /// Its tools' names; empty for [`SYSTEM`], whose tools come from plugins.
    pub tools: &'static [&'static str],
}

/// The toolset of the campaign's plugin tools (`<plugin>__<tool>`).
pub const SYSTEM: &str = "system";

/// Every toolset, core groups first and the plugins' last.
pub const TOOLSETS: &[Toolset] = &[
    Toolset {
        name: "campaigns",
        description: "Campaigns: create, find, update and archive them; members and invitations; choose \
                      the campaign this session works on",
        tools: &[
            "campaign_create",
            "campaign_get",
            "campaign_list",
            "campaign_update",
            "campaign_archive",
            "campaign_invite",
            "campaign_members",
            "campaign_remove_member",
            "campaign_use",
        ],
    },
    Toolset {
        name: "sessions",
        description: "Game sessions and notes: start and end a session, session and campaign notes, search \
                      notes, reveal a GM note to players",
        tools: &[
            "session_start",
            "session_end",
            "session_list",
            "session_notes",
            "session_add_note",
            "note_add",
            "note_search",
            "note_reveal",
        ],
    },
    Toolset {
        name: "characters",
        description: "Player characters and NPCs: create, read, list and update",
        tools: &["character_create", "character_get", "character_list", "character_update"],
    },
    Toolset {
        name: "combat",
        description: "The initiative tracker: start a fight, add combatants, step turns, damage, heal, \
                      conditions, reveal hidden combatants, end it",
        tools: &[
            "initiative_start",
            "initiative_add",
            "initiative_get",
            "initiative_next",
            "initiative_prev",
            "initiative_damage",
            "initiative_heal",
            "initiative_condition",
            "initiative_remove",
            "initiative_reveal",
            "initiative_end",
        ],
    },
    Toolset {
        name: "dice",
        description: "Dice: roll any expression (with the campaign's system grammar) and read the roll history",
        tools: &["roll_dice", "roll_history"],
    },
    Toolset {
        name: "rules",
        description: "Rulebooks: search the rules with citations, read a page, ingest, list, reveal and remove \
                      books, and the table's house rules",
        tools: &[
            "search_rules",
            "get_page",
            "ingest_document",
            "book_list",
            "book_reveal",
            "book_remove",
            "house_rule_add",
            "house_rule_list",
            "house_rule_remove",
        ],
    },
    Toolset {
        name: "maps",
        description: "Maps and handouts: add, list, read, update and remove images",
        tools: &["image_add", "image_get", "image_list", "image_update", "image_remove"],
    },
    Toolset {
        name: "plugins",
        description: "Game-system plugins: list installed ones, enable or disable one in a campaign",
        tools: &["plugin_list", "plugin_enable", "plugin_disable"],
    },
    Toolset {
        name: "admin",
        description: "Running the server: health, backups and restores, and moving a campaign between servers \
                      (export, import)",
        tools: &["server_health", "backup_create", "backup_restore", "campaign_export", "campaign_import"],
    },
    Toolset {
        name: SYSTEM,
        description: "The tools of the game-system plugins enabled in this session's campaign \
                      (<plugin>__<tool>; choose the campaign with campaign_use)",
        tools: &[],
    },
];

/// The toolset a tool belongs to: its core group, [`SYSTEM`] for a plugin tool, `None` for a
/// name no toolset holds (the toolset tools themselves, listed whenever toolsets are dynamic).
pub fn toolset_of(tool: &str) -> Option<&'static str> {
    if tool.contains(TOOL_NAMESPACE_SEPARATOR) {
        return Some(SYSTEM);
    }
    TOOLSETS.iter().find(|set| set.tools.contains(&tool)).map(|set| set.name)
}

/// A toolset name no toolset has.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("no toolset named {name:?}; the toolsets are all, {}", known())]
pub struct UnknownToolset {
    /// The name given.
    pub name: String,
}

fn known() -> String {
    TOOLSETS.iter().map(|set| set.name).collect::<Vec<_>>().join(", ")
}

/// Which toolsets are listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection(BTreeSet<&'static str>);

impl Selection {
    /// Every toolset.
    pub fn all() -> Self {
        Selection(TOOLSETS.iter().map(|set| set.name).collect())
    }

    /// The toolsets named (`all` names every one); a name no toolset has is an error naming it.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Self, UnknownToolset> {
        let mut chosen = BTreeSet::new();
        for name in names.iter().map(|n| n.as_ref().trim()).filter(|n| !n.is_empty()) {
            if name.eq_ignore_ascii_case("all") {
                return Ok(Self::all());
            }
            let set = TOOLSETS
                .iter()
                .find(|set| set.name.eq_ignore_ascii_case(name))
                .ok_or_else(|| UnknownToolset { name: name.to_string() })?;
            chosen.insert(set.name);
        }
        Ok(Selection(chosen))
    }

    /// The toolsets named that exist, without complaint about the others (names a session
    /// kept, which an older or newer server may not know).
    pub fn known<S: AsRef<str>>(names: &[S]) -> Self {
        Selection(
            names
                .iter()
                .filter_map(|n| TOOLSETS.iter().find(|set| set.name == n.as_ref()))
                .map(|set| set.name)
                .collect(),
        )
    }

    /// Whether the toolset named is listed.
    pub fn holds(&self, toolset: &str) -> bool {
        self.0.contains(toolset)
    }

    /// Whether the tool is listed: its toolset is. A tool of no toolset is not.
    pub fn lists(&self, tool: &str) -> bool {
        toolset_of(tool).is_some_and(|set| self.holds(set))
    }

    /// Adds the toolsets of `other`; returns those that were not listed before.
    pub fn add(&mut self, other: &Selection) -> Vec<&'static str> {
        other.0.iter().copied().filter(|name| self.0.insert(name)).collect()
    }

    /// The names listed, in [`TOOLSETS`] order.
    pub fn names(&self) -> Vec<&'static str> {
        TOOLSETS.iter().map(|set| set.name).filter(|name| self.0.contains(name)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_tool_is_in_exactly_one_toolset() {
        let registry = super::super::core_registry();
        for name in registry.names() {
            let holding: Vec<&str> = TOOLSETS
                .iter()
                .filter(|set| set.tools.contains(&name.as_str()))
                .map(|set| set.name)
                .collect();
            assert_eq!(holding.len(), 1, "{name} is in toolsets {holding:?}");
        }
        for set in TOOLSETS {
            for tool in set.tools {
                assert!(
                    registry.get(tool).is_some() || *tool == "campaign_use",
                    "toolset {} names {tool}, which is no tool",
                    set.name
                );
            }
        }
    }

    #[test]
    fn selections_parse_names_and_all_and_refuse_unknown_ones() {
        let dice = Selection::parse(&["dice", " Combat "]).unwrap();
        assert_eq!(dice.names(), vec!["combat", "dice"]);
        assert!(dice.lists("roll_dice") && dice.lists("initiative_next"));
        assert!(!dice.lists("campaign_create") && !dice.lists("dnd5e__monster_lookup"));
        assert!(!dice.lists("toolset_list"), "a tool of no toolset is listed by no selection");
        assert_eq!(Selection::parse(&["all"]).unwrap(), Selection::all());
        assert!(Selection::all().lists("dnd5e__monster_lookup"));
        assert_eq!(Selection::parse::<&str>(&[]).unwrap().names(), Vec::<&str>::new());
        let err = Selection::parse(&["dice", "bogus"]).unwrap_err();
        assert_eq!(err.name, "bogus");
        assert!(err.to_string().contains("combat"), "{err}");

        assert_eq!(Selection::known(&["maps", "retired"]).names(), vec!["maps"]);
        let mut listed = Selection::parse(&["dice"]).unwrap();
        assert_eq!(listed.add(&Selection::parse(&["dice", "maps"]).unwrap()), vec!["maps"]);
        assert!(listed.lists("image_add"));
    }
}
