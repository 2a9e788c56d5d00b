//! Bad input never panics and always gets a clear message: non-PDFs, truncated and
//! corrupted files, encrypted files, image-only and damaged pages.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

mod common;

use lopdf::content::{Content, Operation};
use lopdf::{Document, EncryptionState, EncryptionVersion, Object, Permissions, Stream, dictionary};
use ttrpg_pdf::{ExtractOptions, PageError, PdfError, extract, extract_with};

/// What to put on a generated page.
enum PageSpec {
    Text(&'static str),
    ImageOnly,
    Blank,
    BrokenStream,
}

/// A small PDF built with lopdf, one page per spec.
fn generated_pdf(pages: &[PageSpec]) -> Document {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
    });
    let image_id = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => 2, "Height" => 2,
            "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
        },
        vec![0, 255, 255, 0],
    ));
    let resources_id = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font_id },
        "XObject" => dictionary! { "Im1" => image_id },
    });
    let mut kids = Vec::new();
    for spec in pages {
        let content_id = match spec {
            PageSpec::Text(text) => {
                let ops = vec![
                    Operation::new("BT", vec![]),
                    Operation::new("Tf", vec!["F1".into(), 12.into()]),
                    Operation::new("Td", vec![72.into(), 700.into()]),
                    Operation::new("Tj", vec![Object::string_literal(*text)]),
                    Operation::new("ET", vec![]),
                ];
                let bytes = Content { operations: ops }.encode().expect("encode");
                doc.add_object(Stream::new(dictionary! {}, bytes))
            }
            PageSpec::ImageOnly => {
                let bytes = b"q 200 0 0 200 100 400 cm /Im1 Do Q".to_vec();
                doc.add_object(Stream::new(dictionary! {}, bytes))
            }
            PageSpec::Blank => doc.add_object(Stream::new(dictionary! {}, Vec::new())),
            PageSpec::BrokenStream => doc.add_object(
                Stream::new(
                    dictionary! { "Filter" => "FlateDecode" },
                    b"this is not zlib data at all".to_vec(),
                )
                .with_compression(false),
            ),
        };
        kids.push(Object::Reference(doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id, "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        })));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    doc
}

fn save(mut doc: Document) -> Vec<u8> {
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).expect("save");
    bytes
}

#[test]
fn text_file_renamed_to_pdf_is_rejected_clearly() {
    let err = extract(b"Session notes\nThe party met in a tavern.\n").expect_err("not a PDF");
    assert!(matches!(err, PdfError::NotPdf(_)));
    let message = err.to_string();
    assert!(message.contains("not a PDF"), "{message}");
    assert!(message.contains("text file"), "{message}");
    assert!(matches!(extract(b""), Err(PdfError::NotPdf(_))));
}

#[test]
fn garbage_after_header_is_a_whole_file_error() {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((0..5000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    match extract(&bytes) {
        Err(e) => assert!(!e.to_string().is_empty()),
        Ok(x) => assert!(x.pages.iter().all(|p| p.result.is_err()) || x.page_count > 0),
    }
}

#[test]
fn image_only_and_blank_pages_get_their_own_errors() {
    let bytes = save(generated_pdf(&[
        PageSpec::Text("Roll for initiative."),
        PageSpec::ImageOnly,
        PageSpec::Blank,
        PageSpec::Text("The dragon wakes."),
    ]));
    let extraction = extract(&bytes).expect("extracts");
    assert_eq!(extraction.page_count, 4);
    assert_eq!(extraction.page_text(1).as_deref(), Some("Roll for initiative."));
    assert_eq!(extraction.page_text(4).as_deref(), Some("The dragon wakes."));
    let page2 = extraction.pages[1].result.as_ref().expect_err("image-only");
    assert_eq!(page2, &PageError::NoText { page: 2, images: 1 });
    let message = page2.to_string();
    assert!(message.starts_with("page 2 has no text layer (image-only?"), "{message}");
    let page3 = extraction.pages[2].result.as_ref().expect_err("blank");
    assert!(matches!(page3, PageError::NoText { page: 3, images: 0 }), "{page3}");
}

#[test]
fn damaged_page_does_not_stop_the_book() {
    let bytes = save(generated_pdf(&[
        PageSpec::Text("Chapter 1"),
        PageSpec::BrokenStream,
        PageSpec::Text("Chapter 3"),
    ]));
    let extraction = extract(&bytes).expect("extracts");
    assert_eq!(extraction.page_text(1).as_deref(), Some("Chapter 1"));
    assert_eq!(extraction.page_text(3).as_deref(), Some("Chapter 3"));
    let err = extraction.pages[1].result.as_ref().expect_err("damaged");
    assert!(matches!(err, PageError::Damaged { page: 2, .. }), "{err}");
    assert!(err.to_string().starts_with("page 2 is damaged"), "{err}");
}

#[test]
fn encrypted_pdf_needs_its_password() {
    let mut doc = generated_pdf(&[PageSpec::Text("Secret dungeon map")]);
    doc.trailer.set(
        "ID",
        Object::Array(vec![
            Object::string_literal(b"0123456789abcdef"),
            Object::string_literal(b"fedcba9876543210"),
        ]),
    );
    let state = EncryptionState::try_from(EncryptionVersion::V2 {
        document: &doc,
        owner_password: "owner",
        user_password: "secret",
        key_length: 128,
        permissions: Permissions::all(),
    })
    .expect("encryption state");
    doc.encrypt(&state).expect("encrypt");
    let bytes = save(doc);

    let err = extract(&bytes).expect_err("needs a password");
    assert!(matches!(err, PdfError::Encrypted(_)), "{err}");
    assert!(err.to_string().contains("encrypted"), "{err}");

    let wrong = ExtractOptions { password: Some("guess".into()), ..Default::default() };
    let err = extract_with(&bytes, &wrong, &|_, _| {}).expect_err("wrong password");
    assert!(err.to_string().contains("password"), "{err}");

    let right = ExtractOptions { password: Some("secret".into()), ..Default::default() };
    let extraction = extract_with(&bytes, &right, &|_, _| {}).expect("opens with the password");
    assert_eq!(extraction.page_text(1).as_deref(), Some("Secret dungeon map"));
}

#[test]
fn truncated_generated_pdfs_never_panic() {
    let bytes = save(generated_pdf(&[PageSpec::Text("Alpha"), PageSpec::ImageOnly, PageSpec::Text("Omega")]));
    for cut in (0..bytes.len()).step_by(7) {
        let _ = extract(&bytes[..cut]);
    }
}

#[test]
fn truncated_and_corrupted_srd_never_panics() {
    let Some(srd) = common::srd_bytes() else { return };
    // Cut in the middle: the cross-reference table at the end is gone.
    let half = &srd[..srd.len() / 2];
    match extract(half) {
        Ok(extraction) => {
            assert_eq!(extraction.pages.len(), extraction.page_count as usize);
            println!(
                "truncated SRD: {} pages, {} with errors",
                extraction.page_count,
                extraction.errors().count()
            );
        }
        Err(e) => println!("truncated SRD: whole-file error: {e}"),
    }
    // Overwrite a stretch in the middle with junk: some objects are damaged.
    let mut corrupted = srd.to_vec();
    let start = corrupted.len() / 3;
    for (i, byte) in corrupted[start..start + 200_000].iter_mut().enumerate() {
        *byte = (i as u32).wrapping_mul(2_654_435_761).to_be_bytes()[0];
    }
    match extract(&corrupted) {
        Ok(extraction) => {
            let good = extraction.pages.iter().filter(|p| p.result.is_ok()).count();
            println!("corrupted SRD: {good} of {} pages extracted", extraction.page_count);
            for e in extraction.errors().take(3) {
                println!("  {e}");
            }
            assert!(good > 0);
        }
        Err(e) => println!("corrupted SRD: whole-file error: {e}"),
    }
}
