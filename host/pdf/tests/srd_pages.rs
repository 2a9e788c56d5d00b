//! Whole-book checks and hand-checked facts about specific SRD 5.1 pages: reading order,
//! headers/footers, hyphenation, tables, stat blocks, spells. Skips if the SRD is absent.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

mod common;

use common::{page_text, position, srd};
use ttrpg_pdf::BlockKind;

#[test]
fn every_page_has_text() {
    let Some(x) = srd() else { return };
    assert_eq!(x.page_count, 403);
    assert_eq!(x.pages.len(), 403);
    let failed: Vec<String> = x.errors().map(|e| e.to_string()).collect();
    println!("pages without text: {}", failed.len());
    for e in &failed {
        println!("  {e}");
    }
    assert!(failed.is_empty(), "pages without text: {failed:?}");
    for (i, page) in x.pages.iter().enumerate() {
        assert_eq!(page.number as usize, i + 1);
    }
}

#[test]
fn character_count_is_in_pdftotexts_ballpark() {
    let Some(x) = srd() else { return };
    let ours: usize =
        x.pages.iter().filter_map(|p| p.result.as_ref().ok()).map(|p| p.to_text().chars().count()).sum();
    let words: usize = x
        .pages
        .iter()
        .filter_map(|p| p.result.as_ref().ok())
        .map(|p| p.to_text().split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).count())
        .sum();
    println!("our text: {ours} characters, {words} words");
    if let Some(theirs) = common::pdftotext_pages(common::SRD_PATH) {
        let their_words: usize = theirs
            .iter()
            .map(|p| p.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).count())
            .sum();
        let their_chars: usize =
            theirs.iter().map(|p| p.split_whitespace().map(|w| w.chars().count() + 1).sum::<usize>()).sum();
        println!("pdftotext: {their_chars} characters (whitespace collapsed), {their_words} words");
        let ratio = words as f64 / their_words as f64;
        assert!((0.9..1.1).contains(&ratio), "word count ratio {ratio:.3}");
    }
    assert!(ours > 1_000_000, "{ours}");
}

#[test]
fn no_running_footer_or_page_numbers() {
    let Some(x) = srd() else { return };
    for page in x.pages.iter().filter_map(|p| p.result.as_ref().ok()) {
        for block in &page.blocks {
            assert_ne!(block.text, "System Reference Document 5.1", "footer on page {}", page.number);
            assert_ne!(block.text, page.number.to_string(), "page number on page {}", page.number);
        }
    }
}

#[test]
fn no_ligature_or_odd_space_characters() {
    let Some(x) = srd() else { return };
    let all: String = x.pages.iter().filter_map(|p| p.result.as_ref().ok()).map(|p| p.to_text()).collect();
    for c in ['\u{FB00}', '\u{FB01}', '\u{FB02}', '\u{FB03}', '\u{FB04}', '\u{A0}', '\u{AD}', '\t', '\r'] {
        assert!(!all.contains(c), "found {c:?}");
    }
    assert!(!all.contains("  "), "double spaces");
    let first = all.matches("first").count();
    let find = all.matches("find").count();
    println!("'first' x{first}, 'find' x{find}");
    assert!(first > 50 && find > 30);
}

/// Page 10 (Barbarian features, one column used): headings in order, footer gone.
#[test]
fn page_10_barbarian_features() {
    let Some(x) = srd() else { return };
    let t = page_text(x, 10);
    assert!(t.contains("Beginning at 6th level, you can’t be charmed or frightened while raging."));
    let rage = position(&t, "### Mindless Rage");
    let presence = position(&t, "### Intimidating Presence");
    let retaliation = position(&t, "### Retaliation");
    assert!(rage < presence && presence < retaliation);
    assert!(!t.contains("System Reference Document"));
    assert!(!t.lines().any(|l| l.trim() == "10"));
}

/// Page 63 (armor): two columns, a compound hyphen at a line break, and the full-width
/// Armor table at the bottom read after both columns, one row per line.
#[test]
fn page_63_armor_columns_and_table() {
    let Some(x) = srd() else { return };
    let t = page_text(x, 63);
    // The sentence runs from the foot of the left column to the top of the right one.
    assert!(t.contains(
        "allows the sound of the rings rubbing against one another to be muffled by outer layers."
    ));
    assert!(t.contains("studded leather is reinforced with close-set rivets or spikes."));
    assert!(position(&t, "### Light Armor") < position(&t, "### Medium Armor"));
    assert!(position(&t, "### Medium Armor") < position(&t, "### Heavy Armor"));
    assert!(t.contains("Armor | Cost | Armor Class (AC) | Strength | Stealth | Weight\n"));
    assert!(t.contains("\nPadded | 5 gp | 11 + Dex modifier | — | Disadvantage | 8 lb."));
    // The table comes after the last words of the right column.
    assert!(position(&t, "distribute the weight over the body.") < position(&t, "Armor | Cost"));
    let page = x.pages[62].result.as_ref().expect("page 63");
    assert!(page.blocks.iter().any(|b| b.kind == BlockKind::Table && b.text.starts_with("Armor | Cost")));
}

/// Page 120 (spells): spell heading, level line, and property lines each on their own.
#[test]
fn page_120_spell_entries() {
    let Some(x) = srd() else { return };
    let t = page_text(x, 120);
    assert!(t.contains(
        "#### Augury\n\n2nd-level divination (ritual)\n\nCasting Time: 1 minute\n\nRange: Self\n\n"
    ));
    assert!(t.contains("- Nothing, for results that aren’t especially good or bad"));
    assert!(position(&t, "#### Augury") < position(&t, "#### Awaken"));
    assert!(position(&t, "#### Awaken") < position(&t, "#### Bane"));
    assert!(t.contains("Duration: Concentration, up to 1 minute"));
}

/// Page 254 (monster rules): chapter title, a paragraph continued across the column
/// break, and the Size Categories table.
#[test]
fn page_254_chapter_title_and_size_table() {
    let Some(x) = srd() else { return };
    let t = page_text(x, 254);
    assert!(t.starts_with("# Monsters\n"));
    assert!(t.contains("Beasts are nonhumanoid creatures that are a natural part of the fantasy ecology. Some of them have magical powers"));
    assert!(t.contains("Size | Space | Examples\nTiny | 2½ by 2½ ft. | Imp, sprite\n"));
    assert!(t.contains("Gargantuan | 20 by 20 ft. or larger | Kraken, purple worm"));
}

/// Page 258: the Experience Points by Challenge Rating table keeps its rows.
#[test]
fn page_258_xp_by_challenge_rating() {
    let Some(x) = srd() else { return };
    let t = page_text(x, 258);
    assert!(t.contains("#### Experience Points by Challenge Rating\n\nChallenge | XP | Challenge | XP\n0 | 0 or 10 | 14 | 11,500\n"));
    assert!(t.contains("\n13 | 10,000 | 30 | 155,000"));
}

/// Page 261 (Aboleth): the stat block's lines stay in order, each property on its own.
#[test]
fn page_261_aboleth_stat_block() {
    let Some(x) = srd() else { return };
    let t = page_text(x, 261);
    let order = [
        "#### Aboleth",
        "Large aberration, lawful evil",
        "Armor Class 17 (natural armor)",
        "Hit Points 135 (18d10 + 36)",
        "STR | DEX | CON | INT | WIS | CHA\n21 (+5) | 9 (−1) | 15 (+2) | 18 (+4) | 15 (+2) | 18 (+4)",
        "Saving Throws Con +6, Int +8, Wis +6",
        "Challenge 10 (5,900 XP)",
        "#### Actions",
        "Multiattack. The aboleth makes three tentacle attacks.",
        "#### Legendary Actions",
        "Detect. The aboleth makes a Wisdom (Perception) check.",
        "### Angels",
        "#### Deva",
    ];
    for pair in order.windows(2) {
        assert!(position(&t, pair[0]) < position(&t, pair[1]), "{} before {}", pair[0], pair[1]);
    }
}

/// Page 17 (cleric): a table in the right column does not pull the left column into it.
#[test]
fn page_17_in_column_table_and_sentence() {
    let Some(x) = srd() else { return };
    let t = page_text(x, 17);
    assert!(t.contains("you can increase one ability score of your choice by 2, or you can increase two ability scores of your choice by 1."));
    assert!(t.contains(
        "Cleric Level | Spells\n1st | bless, cure wounds\n3rd | lesser restoration, spiritual weapon"
    ));
}

/// Page 8: the chapter title comes first, the class table after the left column's text.
#[test]
fn page_8_chapter_title_first() {
    let Some(x) = srd() else { return };
    let t = page_text(x, 8);
    assert!(t.starts_with("# Barbarian\n\n## Class Features\n"));
    assert!(t.contains("1st | +2 | Rage, Unarmored Defense | 2 | +2\n"));
    assert!(position(&t, "#### Equipment") < position(&t, "1st | +2 | Rage"));
}

/// Page 4: compounds split at a line end keep their hyphen.
#[test]
fn page_4_compound_hyphen_kept() {
    let Some(x) = srd() else { return };
    let t = page_text(x, 4);
    assert!(t.contains("Elves love freedom, variety, and self-expression, so they lean strongly"));
}

/// Page 61 (Acolyte): roll tables in the right column keep one row per entry, with wrapped
/// entries joined, and do not pull in the left column's text.
#[test]
fn page_61_roll_tables() {
    let Some(x) = srd() else { return };
    let t = page_text(x, 61);
    assert!(t.contains("d6 | Ideal\n1 | Tradition. The ancient traditions of worship and sacrifice must be preserved and upheld. (Lawful)\n2 | Charity. I always try to help those in need, no matter what the personal cost. (Good)\n"));
    assert!(t.contains(
        "Choose a god, a pantheon of gods, or some other quasi-divine being from among those listed in"
    ));
    assert!(position(&t, "#### Feature: Shelter of the Faithful") < position(&t, "d6 | Ideal"));
}
