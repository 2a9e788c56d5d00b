//! Fate's chunker: rules by heading section, skill blocks as typed `skills` records.
//!
//! A heading is a Markdown heading (`#`, `##`, …) or a line in capitals (`ATHLETICS`, at
//! least three letters, at most 60 characters), which sits one level below the last
//! Markdown heading. A section whose body has paragraphs starting with the four actions'
//! names (`Overcome:`, `Create an Advantage:`, `Attack:`, `Defend:`, at least Overcome and
//! one other) is a skill: one `skills` chunk with the fields as metadata. Every other section
//! becomes `rules` chunks of at most [`MAX_CHUNK`] characters, split at paragraphs. Every
//! non-blank line of every page, headings included, ends up in exactly one chunk.

use serde_json::json;
use ttrpg_plugin_sdk::{Chunk, Document};

/// Longest `rules` chunk, in characters (a skill block is kept whole).
pub const MAX_CHUNK: usize = 2000;

/// The four actions, by metadata field and the names books use for them.
const ACTIONS: [(&str, &[&str]); 4] = [
    ("overcome", &["overcome"]),
    ("create_advantage", &["create an advantage", "create advantage"]),
    ("attack", &["attack"]),
    ("defend", &["defend"]),
];

/// A line with the page it is on.
#[derive(Debug, Clone)]
struct Line {
    page: u32,
    text: String,
}

/// A heading section: its path (own heading last) and its lines, heading lines first.
#[derive(Debug, Default)]
struct Section {
    path: Vec<String>,
    lines: Vec<Line>,
    has_body: bool,
}

/// The heading level and text of `line`, if it is a heading. `markdown_depth` is the level
/// of the last Markdown heading (capitals headings sit one below it).
fn heading(line: &str, markdown_depth: usize) -> Option<(usize, String)> {
    let trimmed = line.trim();
    let hashes = trimmed.chars().take_while(|&c| c == '#').count();
    if (1..=6).contains(&hashes) && trimmed[hashes..].starts_with(' ') {
        let text = trimmed[hashes..].trim();
        return (!text.is_empty()).then(|| (hashes, text.to_owned()));
    }
    let letters = trimmed.chars().filter(|c| c.is_alphabetic()).count();
    let visible = trimmed.chars().filter(|c| !c.is_whitespace()).count();
    let capitals = letters >= 3
        && trimmed.chars().count() <= 60
        && !trimmed.chars().any(char::is_lowercase)
        && letters * 10 >= visible * 7
        && !trimmed.ends_with(['.', ',', ';', ':']);
    capitals.then(|| (markdown_depth + 1, trimmed.to_owned()))
}

/// The sections of a document, in order.
fn sections(document: &Document) -> Vec<Section> {
    let mut sections: Vec<Section> = vec![Section::default()];
    let mut path: Vec<(usize, String)> = Vec::new();
    let mut markdown_depth = 0;
    for page in &document.pages {
        for raw in page.text.lines() {
            let line = Line { page: page.number, text: raw.trim_end().to_owned() };
            if let Some((level, title)) = heading(raw, markdown_depth) {
                if raw.trim_start().starts_with('#') {
                    markdown_depth = level;
                }
                path.retain(|(l, _)| *l < level);
                path.push((level, title));
                let current = sections.last_mut().expect("there is always a section");
                // A heading with nothing under it yet joins the next section's text.
                if current.has_body {
                    sections.push(Section::default());
                }
                let current = sections.last_mut().expect("there is always a section");
                current.path = path.iter().map(|(_, t)| t.clone()).collect();
                current.lines.push(line);
            } else {
                let current = sections.last_mut().expect("there is always a section");
                if !line.text.trim().is_empty() {
                    current.has_body = true;
                }
                if current.has_body || !line.text.trim().is_empty() {
                    current.lines.push(line);
                }
            }
        }
    }
    sections.retain(|s| s.lines.iter().any(|l| !l.text.trim().is_empty()));
    sections
}

/// Title case for a capitals heading (`CREATE AN ADVANTAGE` stays readable as a name).
fn display_name(heading: &str) -> String {
    if heading.chars().any(char::is_lowercase) {
        return heading.to_owned();
    }
    heading
        .split_whitespace()
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

/// The action a line starts, with the rest of the line: `Overcome: You can…`, `**Attack:**`,
/// or a glyph before the name (`O Overcome:`).
fn action_start(line: &str) -> Option<(&'static str, String)> {
    let stripped = line.trim().trim_start_matches(|c: char| !c.is_alphanumeric());
    let candidates =
        [stripped, stripped.split_once(' ').filter(|(g, _)| g.chars().count() == 1).map_or("", |(_, r)| r)];
    for text in candidates {
        let lower = text.to_lowercase();
        for (field, names) in ACTIONS {
            for name in names {
                let Some(after) = lower.strip_prefix(name) else { continue };
                let rest_start = text.len() - after.len();
                let rest = text[rest_start..].trim_start_matches('*');
                let rest = match rest.chars().next() {
                    None => "",
                    Some(':' | '.' | '\u{2014}' | '-') => {
                        &rest[rest.chars().next().map_or(0, char::len_utf8)..]
                    }
                    Some(_) => continue,
                };
                return Some((field, rest.trim_start_matches('*').trim().to_owned()));
            }
        }
    }
    None
}

/// The skill fields of a section's body, if it has the skill pattern.
fn skill_fields(section: &Section) -> Option<serde_json::Value> {
    let name = section.path.last()?;
    let mut description: Vec<&str> = Vec::new();
    let mut actions: Vec<(&str, Vec<String>)> = Vec::new();
    let headings = section.lines.iter().take_while(|l| heading(&l.text, 6).is_some()).count();
    for line in &section.lines[headings..] {
        match action_start(&line.text) {
            Some((field, rest)) if !actions.iter().any(|(f, _)| *f == field) => {
                actions.push((field, vec![rest]))
            }
            _ => match actions.last_mut() {
                Some((_, text)) => text.push(line.text.trim().to_owned()),
                None => description.push(line.text.trim()),
            },
        }
    }
    let has = |field: &str| actions.iter().any(|(f, _)| *f == field);
    if !has("overcome") || actions.len() < 2 {
        return None;
    }
    let join = |lines: &[String]| lines.join("\n").trim().to_owned();
    let mut fields = json!({
        "name": display_name(name),
        "description": description.join("\n").trim(),
    });
    for (field, _) in ACTIONS {
        let text = actions.iter().find(|(f, _)| *f == field).map(|(_, t)| join(t)).unwrap_or_default();
        fields[field] = json!(text);
    }
    Some(fields)
}

/// Paragraphs (runs of non-blank lines) of a section.
fn paragraphs(lines: &[Line]) -> Vec<Vec<&Line>> {
    let mut out: Vec<Vec<&Line>> = vec![Vec::new()];
    for line in lines {
        if line.text.trim().is_empty() {
            out.push(Vec::new());
        } else if let Some(last) = out.last_mut() {
            last.push(line);
        }
    }
    out.retain(|p| !p.is_empty());
    out
}

/// Cuts `text` into pieces of at most `max` characters, at whitespace where it can.
fn cut(text: &str, max: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest = text.trim();
    while rest.chars().count() > max {
        let limit = rest.char_indices().nth(max).map_or(rest.len(), |(i, _)| i);
        let at = rest[..limit].rfind(char::is_whitespace).filter(|&i| i > 0).unwrap_or(limit);
        pieces.push(rest[..at].trim_end().to_owned());
        rest = rest[at..].trim_start();
    }
    if !rest.is_empty() {
        pieces.push(rest.to_owned());
    }
    pieces
}

/// `rules` chunks of one section: paragraphs packed up to [`MAX_CHUNK`] characters.
fn rules_chunks(book: &str, section: &Section, out: &mut Vec<Chunk>) {
    let name = section.path.last().map_or_else(|| book.to_owned(), |h| display_name(h));
    let metadata = json!({ "name": name, "section": section.path.join(" > ") }).to_string();
    let mut pending: Option<(u32, u32, String)> = None;
    let mut flush = |pending: &mut Option<(u32, u32, String)>| {
        if let Some((start, end, text)) = pending.take() {
            out.push(Chunk {
                page_start: start,
                page_end: end,
                section_path: section.path.clone(),
                content_type: "rules".into(),
                text,
                metadata: metadata.clone(),
            });
        }
    };
    for paragraph in paragraphs(&section.lines) {
        let (first, last) = (paragraph[0].page, paragraph[paragraph.len() - 1].page);
        let text = paragraph.iter().map(|l| l.text.trim()).collect::<Vec<_>>().join("\n");
        for piece in cut(&text, MAX_CHUNK) {
            let fits = pending
                .as_ref()
                .is_some_and(|(_, _, t)| t.chars().count() + 2 + piece.chars().count() <= MAX_CHUNK);
            match pending.as_mut() {
                Some((_, end, t)) if fits => {
                    t.push_str("\n\n");
                    t.push_str(&piece);
                    *end = last;
                }
                _ => {
                    flush(&mut pending);
                    pending = Some((first, last, piece));
                }
            }
        }
    }
    flush(&mut pending);
}

/// Chunks a Fate book.
pub fn chunk(document: &Document) -> Result<Vec<Chunk>, String> {
    if document.pages.is_empty() {
        return Err(format!("document `{}` has no pages", document.book));
    }
    let mut chunks = Vec::new();
    for section in sections(document) {
        match skill_fields(&section) {
            Some(fields) => {
                let pages: Vec<u32> = section.lines.iter().map(|l| l.page).collect();
                let text = paragraphs(&section.lines)
                    .iter()
                    .map(|p| p.iter().map(|l| l.text.trim()).collect::<Vec<_>>().join("\n"))
                    .collect::<Vec<_>>()
                    .join("\n\n");
                chunks.push(Chunk {
                    page_start: pages.iter().copied().min().unwrap_or(1),
                    page_end: pages.iter().copied().max().unwrap_or(1),
                    section_path: section.path.clone(),
                    content_type: "skills".into(),
                    text,
                    metadata: fields.to_string(),
                });
            }
            None => rules_chunks(&document.book, &section, &mut chunks),
        }
    }
    Ok(chunks)
}

#[cfg(test)]
mod tests {
    use ttrpg_plugin_sdk::Page;

    use super::*;

    fn doc(pages: &[&str]) -> Document {
        Document {
            book: "Fate Test".into(),
            pages: pages
                .iter()
                .enumerate()
                .map(|(i, t)| Page { number: i as u32 + 1, text: (*t).to_owned() })
                .collect(),
        }
    }

    #[test]
    fn skills_and_rules() {
        let d = doc(&[
            "Intro text before any heading.\n\n# Skills\n\nSkills are what you can do.\n\nATHLETICS\nThe Athletics skill is physical fitness.\n",
            "Overcome: Jump over things.\nStill overcoming.\n\nCreate an Advantage: Find high ground.\n\nAttack: Not used.\n\nDefend: Dodge.\n\nBURGLARY\nBreaking in.\n\nO Overcome: Pick locks.\n\n**Create an Advantage:** Case a place.",
            "# Actions\n\n## Overcome\n\nOvercome: this is a rules section about the overcome action.",
        ]);
        let chunks = chunk(&d).unwrap();
        let skills: Vec<&Chunk> = chunks.iter().filter(|c| c.content_type == "skills").collect();
        assert_eq!(skills.len(), 2, "{chunks:#?}");
        let athletics: serde_json::Value = serde_json::from_str(&skills[0].metadata).unwrap();
        assert_eq!(athletics["name"], "Athletics");
        assert_eq!(athletics["overcome"], "Jump over things.\nStill overcoming.");
        assert_eq!(athletics["defend"], "Dodge.");
        assert_eq!(athletics["description"], "The Athletics skill is physical fitness.");
        assert_eq!((skills[0].page_start, skills[0].page_end), (1, 2));
        assert_eq!(skills[0].section_path, ["Skills", "ATHLETICS"]);
        let burglary: serde_json::Value = serde_json::from_str(&skills[1].metadata).unwrap();
        assert_eq!(burglary["create_advantage"], "Case a place.");
        assert_eq!(burglary["attack"], "");
        let last = chunks.last().unwrap();
        assert_eq!(last.content_type, "rules");
        assert_eq!(last.section_path, ["Actions", "Overcome"]);
        assert!(last.text.starts_with("# Actions"), "a heading-only section joins the next: {last:?}");
        let all: String = chunks.iter().map(|c| c.text.clone()).collect::<Vec<_>>().join("\n");
        for page in &d.pages {
            for line in page.text.lines().filter(|l| !l.trim().is_empty()) {
                assert!(all.contains(line.trim()), "lost {line:?}");
            }
        }
    }

    #[test]
    fn long_sections_are_cut() {
        let long = "word ".repeat(1000);
        let chunks = chunk(&doc(&[&format!("# Long\n\n{long}")])).unwrap();
        assert!(chunks.len() >= 3);
        assert!(chunks.iter().all(|c| c.text.chars().count() <= MAX_CHUNK));
    }
}
