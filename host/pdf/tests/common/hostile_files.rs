//! The hostile PDFs of the budget tests, built in code: each holds harmless pages (the text
//! [`benign`] gives) around hostile ones. `host/pdf/tests/hostile.rs` extracts them in
//! process; the host's end-to-end suite (`tests/hostile_pdfs.rs`) ingests them through a
//! running server.
#![allow(dead_code)]

use lopdf::{Object, ObjectId, dictionary};

use super::book::{Book, text_line, zlib, zlib_zeros};

const GIB: u64 = 1 << 30;

/// The text of harmless page `n`.
pub fn benign(n: u32) -> String {
    format!("Harmless page {n} about the goblin caves.")
}

/// One hostile file: its name, its builder, the pages that are hostile (1-based) and the
/// harmless ones.
pub type HostileFile = (&'static str, fn() -> Vec<u8>, &'static [u32], &'static [u32]);

/// Every hostile file.
pub const FILES: &[HostileFile] = &[
    ("one_stream_listed_20000_times_in_contents", one_stream_listed_20000_times_in_contents, &[2], &[1, 3]),
    ("nested_forms_drawn_ten_billion_times", nested_forms_drawn_ten_billion_times, &[2, 3], &[1, 4]),
    ("to_unicode_with_huge_bfranges", to_unicode_with_huge_bfranges, &[2], &[1, 3]),
    ("huge_width_tables", huge_width_tables, &[2, 3], &[1, 4]),
    (
        "big_inline_font_selected_on_every_line_is_read_once",
        big_inline_font_selected_on_every_line_is_read_once,
        &[],
        &[1, 2, 3],
    ),
    ("flate_bombs_stop_at_the_budget", flate_bombs_stop_at_the_budget, &[2, 3, 4], &[1, 5]),
];

/// One small content stream listed 20,000 times in `/Contents` (page 2).
pub fn one_stream_listed_20000_times_in_contents() -> Vec<u8> {
    let mut book = Book::new();
    book.text_page(&benign(1));
    // A line, then 16 KiB of comment: compresses to a hundred bytes.
    let content = format!("0 0 m 10 10 l S\n%{}\n", "x".repeat(16 << 10));
    let stream = book.flate_stream(dictionary! {}, content.as_bytes());
    let contents: Vec<Object> = (0..20_000).map(|_| Object::Reference(stream)).collect();
    book.page(contents.into(), dictionary! {});
    book.text_page(&benign(3));
    book.into_bytes()
}

/// Forms drawing forms, 100 draws a level, 5 levels: 10^10 draws (pages 2 and 3).
pub fn nested_forms_drawn_ten_billion_times() -> Vec<u8> {
    let mut book = Book::new();
    book.text_page(&benign(1));
    let form = |book: &mut Book, content: String, inner: Option<ObjectId>| {
        let mut dict = dictionary! { "Type" => "XObject", "Subtype" => "Form",
        "BBox" => vec![0.into(), 0.into(), 10.into(), 10.into()] };
        if let Some(inner) = inner {
            dict.set("Resources", dictionary! { "XObject" => dictionary! { "X" => inner } });
        }
        book.flate_stream(dict, content.as_bytes())
    };
    // Page 2: the innermost form draws a line; page 3: it is empty (costing nothing
    // but the draw itself).
    for innermost in ["0 0 m 1 1 l S", ""] {
        let mut inner = form(&mut book, innermost.into(), None);
        for _ in 0..4 {
            inner = form(&mut book, "/X Do ".repeat(100), Some(inner));
        }
        let content = book.flate_stream(dictionary! {}, "/X Do ".repeat(100).as_bytes());
        book.page(content.into(), dictionary! { "XObject" => dictionary! { "X" => inner } });
    }
    book.text_page(&benign(4));
    book.into_bytes()
}

/// A ToUnicode CMap whose bfranges span all 65,536 codes, 100,000 times (page 2).
pub fn to_unicode_with_huge_bfranges() -> Vec<u8> {
    let mut book = Book::new();
    book.text_page(&benign(1));
    let mut cmap = String::from("1 begincodespacerange <0000> <FFFF> endcodespacerange\n");
    for _ in 0..1000 {
        cmap.push_str("100 beginbfrange\n");
        cmap.push_str(&"<0000> <FFFF> <0041>\n".repeat(98));
        // Four-byte codes spanning billions: refused by the parser, never expanded.
        cmap.push_str("<00000000> <FFFFFFFF> <0041>\n<00000000> <7FFFFFFF> <0041>\n");
        cmap.push_str("endbfrange\n");
    }
    let to_unicode = book.flate_stream(dictionary! {}, cmap.as_bytes());
    let font = book.add(dictionary! {
        "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "Hostile", "Encoding" => "Identity-H",
        "ToUnicode" => to_unicode,
        "DescendantFonts" => vec![dictionary! { "Type" => "Font", "Subtype" => "CIDFontType2",
            "BaseFont" => "Hostile", "DW" => 500 }.into()],
    });
    let content = book.flate_stream(dictionary! {}, b"BT /F2 12 Tf 72 400 Td <00410042> Tj ET");
    book.page(content.into(), dictionary! { "Font" => dictionary! { "F2" => font } });
    book.text_page(&benign(3));
    book.into_bytes()
}

/// A `/Widths` array of 1.2 million entries (page 2); `/W` ranges of 65,536 and 4 billion codes (page 3).
pub fn huge_width_tables() -> Vec<u8> {
    let mut book = Book::new();
    book.text_page(&benign(1));
    let widths = book.add(Object::Array(vec![Object::Integer(500); 1_200_000]));
    let simple = book.add(dictionary! {
        "Type" => "Font", "Subtype" => "TrueType", "BaseFont" => "Hostile", "FirstChar" => 0,
        "Widths" => widths, "Encoding" => "WinAnsiEncoding",
    });
    let content = book.flate_stream(dictionary! {}, text_line("F2", 12.0, 72.0, 400.0, "Wide").as_bytes());
    book.page(content.into(), dictionary! { "Font" => dictionary! { "F2" => simple } });

    let mut w: Vec<Object> = vec![0.into(), Object::Integer(4_294_967_295), 500.into()];
    for _ in 0..100 {
        w.extend([0.into(), 65_535.into(), 500.into()]);
    }
    let cid = book.add(dictionary! {
        "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "Hostile", "Encoding" => "Identity-H",
        "DescendantFonts" => vec![dictionary! { "Type" => "Font", "Subtype" => "CIDFontType2",
            "BaseFont" => "Hostile", "W" => w }.into()],
    });
    let content = book.flate_stream(dictionary! {}, b"BT /F3 12 Tf 72 400 Td <00410042> Tj ET");
    book.page(content.into(), dictionary! { "Font" => dictionary! { "F3" => cid } });
    book.text_page(&benign(4));
    book.into_bytes()
}

/// An 8 MiB inline font (ToUnicode and FontFile2) selected on each of 5,000 lines (page 2): read once.
pub fn big_inline_font_selected_on_every_line_is_read_once() -> Vec<u8> {
    let mut book = Book::new();
    book.text_page(&benign(1));
    // ~700,000 bfchar mappings (printable ASCII to itself, over and over): 8 MiB.
    let mut cmap = String::from("1 begincodespacerange <00> <FF> endcodespacerange\n");
    while cmap.len() < 8 << 20 {
        cmap.push_str("95 beginbfchar\n");
        for code in 0x20..0x7f {
            cmap.push_str(&format!("<{code:02X}> <00{code:02X}>\n"));
        }
        cmap.push_str("endbfchar\n");
    }
    let to_unicode = book.flate_stream(dictionary! {}, cmap.as_bytes());
    let junk: Vec<u8> = (0..8u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let font_file = book.raw_stream(dictionary! { "Length1" => junk.len() as i64 }, junk);
    // Written inline in the page's resources: no object id to cache it by.
    let font = dictionary! {
        "Type" => "Font", "Subtype" => "TrueType", "BaseFont" => "Embedded", "FirstChar" => 32,
        "Widths" => vec![Object::Integer(500); 95], "ToUnicode" => to_unicode,
        "FontDescriptor" => dictionary! { "Type" => "FontDescriptor", "FontName" => "Embedded",
            "Flags" => 32, "FontFile2" => font_file },
    };
    let mut content = String::new();
    for i in 0..5000 {
        let row = i % 50;
        content.push_str(&text_line("F9", 12.0, 72.0, 700.0 - row as f32 * 13.0, &format!("Row {row}")));
    }
    let content = book.flate_stream(dictionary! {}, content.as_bytes());
    book.page(content.into(), dictionary! { "Font" => dictionary! { "F9" => font } });
    book.text_page(&benign(3));
    book.into_bytes()
}

/// Flate bombs: a content stream, a form and a ToUnicode that inflate to 1–4 GiB (pages 2–4).
pub fn flate_bombs_stop_at_the_budget() -> Vec<u8> {
    let mut book = Book::new();
    book.text_page(&benign(1));
    let one_gib = zlib_zeros(GIB);
    // A content stream of 1 GiB of zeros (~5 MiB).
    let bomb = book.raw_stream(dictionary! { "Filter" => "FlateDecode" }, one_gib.clone());
    book.page(bomb.into(), dictionary! {});
    // A form of 4 GiB of zeros compressed twice (~90 KiB).
    let twice = zlib(&zlib_zeros(4 * GIB));
    let form = book.raw_stream(
        dictionary! { "Type" => "XObject", "Subtype" => "Form", "Filter" => vec!["FlateDecode".into(), "FlateDecode".into()],
            "BBox" => vec![0.into(), 0.into(), 10.into(), 10.into()] },
        twice,
    );
    let content = book.flate_stream(dictionary! {}, b"/Bomb Do");
    book.page(content.into(), dictionary! { "XObject" => dictionary! { "Bomb" => form } });
    // A ToUnicode CMap of 1 GiB of zeros.
    let cmap = book.raw_stream(dictionary! { "Filter" => "FlateDecode" }, one_gib);
    let font = book.add(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "ToUnicode" => cmap,
    });
    let content = book.flate_stream(dictionary! {}, text_line("F2", 12.0, 72.0, 400.0, "Boom").as_bytes());
    book.page(content.into(), dictionary! { "Font" => dictionary! { "F2" => font } });
    book.text_page(&benign(5));
    book.into_bytes()
}
