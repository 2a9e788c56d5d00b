//! Small text PDFs for tests that ingest a book: one page per chapter, a large heading and
//! a few body lines, in a TrueType font the extractor reads.

/// A PDF of `chapters`, each `(heading, body lines)` on a page of its own.
pub fn chapters(chapters: &[(&str, &[&str])]) -> Vec<u8> {
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "TrueType", "BaseFont" => "Test-Regular",
        "FirstChar" => 0, "LastChar" => 255,
        "Widths" => (0..256).map(|_| Object::Integer(500)).collect::<Vec<_>>(),
        "Encoding" => "WinAnsiEncoding",
    });
    let resources = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
    let kids: Vec<Object> = chapters
        .iter()
        .map(|(heading, lines)| {
            let mut content = format!("BT /F1 20 Tf 72 700 Td ({heading}) Tj ET\n");
            for (i, line) in lines.iter().enumerate() {
                content.push_str(&format!("BT /F1 10 Tf 72 {} Td ({line}) Tj ET\n", 660 - 14 * i as i64));
            }
            let content_id = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
            Object::Reference(doc.add_object(dictionary! {
                "Type" => "Page", "Parent" => pages_id, "Contents" => content_id, "Resources" => resources,
                "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            }))
        })
        .collect();
    let count = i64::try_from(kids.len()).unwrap_or(i64::MAX);
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).expect("writing a PDF to memory");
    bytes
}
