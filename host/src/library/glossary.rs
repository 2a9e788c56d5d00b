//! Query expansion from a game system's glossary.
//!
//! A system plugin (API 0.3.0) gives its own terms and what players call them instead
//! ("prone" ↔ "lying on the ground"). Before a rules question is searched, every alias it
//! says as whole words adds its term to the question, so the BM25 arm finds the heading
//! the book files the rule under and the dense arm sees the game's word beside the
//! player's. The question itself is kept: expansion only adds.
//!
//! Where the glossaries come from is a seam ([`GlossarySource`]): in a running host, the
//! installed plugins (`crate::plugins`); in a test, anything. The library keeps what a
//! source gave for [`GLOSSARY_TTL`], so a search does not ask the plugins every time and a
//! plugin installed on another host is used within that time.

use std::sync::Arc;
use std::time::Duration;

use ttrpg_plugin_runtime::model::GlossaryEntry;

/// How long the library keeps a source's glossaries before asking again.
pub const GLOSSARY_TTL: Duration = Duration::from_secs(30);
/// Most terms one question is expanded with: a question naming many aliases is already
/// specific, and each added term dilutes the rest.
pub const MAX_EXPANSIONS: usize = 4;

/// Where rules search gets glossaries: in a running host, the installed system plugins.
#[async_trait::async_trait]
pub trait GlossarySource: Send + Sync {
    /// The glossaries of `system`'s plugins, or of every installed system when `None`.
    async fn glossaries(&self, system: Option<&str>) -> anyhow::Result<Vec<Arc<Glossary>>>;
}

/// One system's glossary, ready to match questions against.
#[derive(Debug, Clone, PartialEq)]
pub struct Glossary {
    /// Whose it is (`dnd5e@1.2.0`), for logs.
    pub source: String,
    /// `(alias as lowercase words, term)`, longest alias first.
    aliases: Vec<(Vec<String>, String)>,
}

impl Glossary {
    /// A glossary from a plugin's entries.
    pub fn new(source: impl Into<String>, entries: &[GlossaryEntry]) -> Self {
        let mut aliases: Vec<(Vec<String>, String)> = entries
            .iter()
            .flat_map(|entry| {
                entry.aliases.iter().map(move |alias| (words(alias), entry.term.trim().to_owned()))
            })
            .filter(|(words, term)| !words.is_empty() && !term.is_empty())
            .collect();
        aliases.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Glossary { source: source.into(), aliases }
    }

    /// How many aliases it holds.
    pub fn len(&self) -> usize {
        self.aliases.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.aliases.is_empty()
    }
}

/// The terms `question` should also be searched for: those of every alias it says as
/// whole words (ignoring case), in the order the question says them, each once, none the
/// question already says, at most [`MAX_EXPANSIONS`].
pub fn expansions(question: &str, glossaries: &[Arc<Glossary>]) -> Vec<String> {
    let said = words(question);
    let mut found: Vec<(usize, String)> = Vec::new();
    for glossary in glossaries {
        for (alias, term) in &glossary.aliases {
            let Some(at) = position(&said, alias) else { continue };
            let term_words = words(term);
            let already_said = position(&said, &term_words).is_some();
            let known = found.iter().any(|(_, t)| t.eq_ignore_ascii_case(term));
            if !already_said && !known {
                found.push((at, term.clone()));
            }
        }
    }
    found.sort_by_key(|(at, _)| *at);
    found.into_iter().map(|(_, term)| term).take(MAX_EXPANSIONS).collect()
}

/// The question with its expansions appended ("… (prone, shove)"), or the question
/// itself when there are none.
pub fn expanded(question: &str, terms: &[String]) -> String {
    if terms.is_empty() { question.to_owned() } else { format!("{question} ({})", terms.join(", ")) }
}

/// Lowercase words: letters, digits and the apostrophe inside a word ("can't").
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\'').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Where `needle` starts in `haystack` as a run of whole words.
fn position(haystack: &[String], needle: &[String]) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glossary() -> Vec<Arc<Glossary>> {
        let entry = |term: &str, aliases: &[&str]| GlossaryEntry {
            term: term.into(),
            aliases: aliases.iter().map(|a| (*a).into()).collect(),
        };
        vec![Arc::new(Glossary::new(
            "test@1.0.0",
            &[
                entry("prone", &["lying on the ground", "knocked down"]),
                entry("shove", &["push"]),
                entry("opportunity attack", &["free swing", "runs past"]),
                entry("frightened", &["scared"]),
                entry("grappled", &["grab"]),
            ],
        ))]
    }

    #[test]
    fn aliases_said_as_whole_words_add_their_terms_in_the_order_said() {
        let terms = expansions("Can I PUSH him down while he's lying on the ground?", &glossary());
        assert_eq!(terms, ["shove", "prone"]);
        assert_eq!(
            expanded("Can I push him?", &expansions("Can I push him?", &glossary())),
            "Can I push him? (shove)"
        );
    }

    #[test]
    fn partial_words_terms_already_said_and_nothing_said_add_nothing() {
        assert!(expansions("Does pushing count?", &glossary()).is_empty(), "push ≠ pushing");
        assert!(expansions("Is a prone target knocked down?", &glossary()).is_empty(), "prone is said");
        assert!(expansions("How does Fireball work?", &glossary()).is_empty());
        assert!(expansions("", &glossary()).is_empty());
        assert!(expansions("push", &[]).is_empty());
    }

    #[test]
    fn a_term_is_added_once_and_at_most_four_are_added() {
        let terms = expansions("push, push again, scared, grab, free swing, knocked down", &glossary());
        assert_eq!(terms, ["shove", "frightened", "grappled", "opportunity attack"]);
    }
}
