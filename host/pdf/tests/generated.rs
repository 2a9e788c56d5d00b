//! Small PDFs generated with lopdf exercise font decoding (Differences with ligature glyph
//! names, Type0/Identity-H with a ToUnicode CMap and `/W` widths, TJ spacing), two-column
//! reading order, running header/footer removal and hyphenation.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

use lopdf::{Dictionary, Document, Object, Stream, dictionary};
use ttrpg_pdf::{BlockKind, extract};

/// Builds a PDF whose pages have the given raw content streams and share `fonts`.
fn pdf(fonts: Dictionary, extra: Vec<(lopdf::ObjectId, Object)>, pages: &[String]) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    for (id, object) in extra {
        doc.objects.insert(id, object);
    }
    doc.max_id = doc.objects.keys().map(|k| k.0).max().unwrap_or(0);
    let pages_id = doc.new_object_id();
    let resources_id = doc.add_object(dictionary! { "Font" => fonts });
    let kids: Vec<Object> = pages
        .iter()
        .map(|content| {
            let content_id = doc.add_object(Stream::new(dictionary! {}, content.as_bytes().to_vec()));
            Object::Reference(doc.add_object(dictionary! {
                "Type" => "Page", "Parent" => pages_id, "Contents" => content_id, "Resources" => resources_id,
                "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            }))
        })
        .collect();
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).expect("save");
    bytes
}

/// A simple TrueType-style font: WinAnsi plus `/Differences`, every glyph 500 units wide.
fn simple_font(differences: Vec<Object>) -> Dictionary {
    dictionary! {
        "Type" => "Font", "Subtype" => "TrueType", "BaseFont" => "Test-Regular",
        "FirstChar" => 0, "LastChar" => 255,
        "Widths" => (0..256).map(|_| Object::Integer(500)).collect::<Vec<_>>(),
        "Encoding" => dictionary! { "Type" => "Encoding", "BaseEncoding" => "WinAnsiEncoding", "Differences" => differences },
    }
}

fn line(x: f32, y: f32, text: &str) -> String {
    format!("BT /F1 10 Tf {x} {y} Td ({text}) Tj ET\n")
}

#[test]
fn ligature_glyph_names_are_expanded() {
    let font = simple_font(vec![1.into(), "fi".into(), "fl".into(), "f_f_i".into()]);
    let content = line(72.0, 700.0, "The \\001rst \\002ow was e\\003cient.");
    let bytes = pdf(dictionary! { "F1" => font }, vec![], &[content]);
    let x = extract(&bytes).expect("extracts");
    assert_eq!(x.page_text(1).as_deref(), Some("The first flow was efficient."));
}

#[test]
fn type0_identity_font_with_to_unicode_and_tj_spacing() {
    let cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap
1 begincodespacerange <0000> <FFFF> endcodespacerange
2 beginbfchar <0005> <FB01> <0006> <0020> endbfchar
1 beginbfrange <0010> <0019> <0061> endbfrange
endcmap CMapName currentdict /CMap defineresource pop end end"
        .to_vec();
    let cmap_id = (100, 0);
    let descendant_id = (101, 0);
    let extra = vec![
        (cmap_id, Object::Stream(Stream::new(dictionary! {}, cmap))),
        (
            descendant_id,
            Object::Dictionary(dictionary! {
                "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "Test-Bold",
                "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"), "Ordering" => Object::string_literal("Identity"), "Supplement" => 0 },
                "DW" => 500,
                "W" => vec![5.into(), vec![Object::Integer(550)].into(), 16.into(), 25.into(), 480.into()],
            }),
        ),
    ];
    let font = dictionary! {
        "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "Test-Bold", "Encoding" => "Identity-H",
        "DescendantFonts" => vec![Object::Reference(descendant_id)], "ToUnicode" => Object::Reference(cmap_id),
    };
    // "a" "b" "c", a kerning gap wide enough for a space, then "fi" ligature + "e" "d".
    let content = "BT /F1 12 Tf 72 700 Td [<001000110012> -400 <000500140013>] TJ ET\n".to_string();
    let bytes = pdf(dictionary! { "F1" => font }, extra, &[content]);
    let x = extract(&bytes).expect("extracts");
    assert_eq!(x.page_text(1).as_deref(), Some("abc fied"));
}

#[test]
fn two_columns_are_read_column_by_column() {
    let font = simple_font(vec![]);
    let left = [
        "Left column starts the story of",
        "the brave adventurers who went",
        "into the dungeon at night.",
        "They found a map and a key",
        "hidden under the old stones.",
    ];
    let right = [
        "Right column tells of the dragon",
        "that slept in the deepest hall",
        "and dreamed of gold and fire.",
        "It woke when the party came",
        "and the fight began at once.",
    ];
    let mut content = String::from("BT /F1 20 Tf 72 740 Td (A Title Across The Page Top) Tj ET\n");
    for (i, (l, r)) in left.iter().zip(right.iter()).enumerate() {
        let y = 700.0 - i as f32 * 12.0;
        // Interleaved drawing order: left line, right line, ...
        content.push_str(&line(72.0, y, l));
        content.push_str(&line(330.0, y, r));
    }
    let bytes = pdf(dictionary! { "F1" => font }, vec![], &[content]);
    let x = extract(&bytes).expect("extracts");
    let text = x.page_text(1).expect("text");
    let title = text.find("A Title Across The Page Top").expect("title");
    let l = text.find("Left column starts the story of the brave adventurers").expect("left joined");
    let r = text.find("Right column tells of the dragon that slept").expect("right joined");
    assert!(title < l && l < r, "{text}");
    let page = x.pages[0].result.as_ref().expect("page");
    assert!(matches!(page.blocks[0].kind, BlockKind::Heading { level: 1 }), "{:?}", page.blocks[0]);
}

#[test]
fn running_headers_footers_and_page_numbers_are_dropped() {
    let font = simple_font(vec![]);
    let pages: Vec<String> = (1..=6)
        .map(|n| {
            let mut c = line(72.0, 770.0, "The Sunken Keep - Chapter 2");
            c.push_str(&line(72.0, 700.0, &format!("Room {n} holds a chest of silver coins.")));
            c.push_str(&line(300.0, 30.0, &n.to_string()));
            c
        })
        .collect();
    let bytes = pdf(dictionary! { "F1" => font }, vec![], &pages);
    let x = extract(&bytes).expect("extracts");
    for n in 1..=6 {
        assert_eq!(x.page_text(n), Some(format!("Room {n} holds a chest of silver coins.")));
    }
}

#[test]
fn words_split_at_line_ends_are_joined() {
    let font = simple_font(vec![]);
    let mut content = line(72.0, 700.0, "The adventurers rest. Then the adven-");
    content.push_str(&line(72.0, 688.0, "turers wake and pick up their two-"));
    content.push_str(&line(72.0, 676.0, "handed swords.  A two-handed blow."));
    let bytes = pdf(dictionary! { "F1" => font }, vec![], &[content]);
    let x = extract(&bytes).expect("extracts");
    assert_eq!(
        x.page_text(1).as_deref(),
        Some(
            "The adventurers rest. Then the adventurers wake and pick up their two-handed swords. A two-handed blow."
        )
    );
}
