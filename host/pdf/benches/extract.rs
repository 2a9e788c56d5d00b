//! Criterion benchmark: whole-document extraction of the SRD (skipped if absent), and a
//! small generated document that is always available.
#![allow(clippy::unwrap_used, missing_docs)] // a benchmark: criterion's macros write undocumented functions

use criterion::{Criterion, criterion_group, criterion_main};

const SRD_PATH: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/srd51/SRD5.1-CCBY4.0License.pdf");

fn small_pdf() -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let mut kids = Vec::new();
    for page in 0..20 {
        let mut ops = vec![Operation::new("BT", vec![]), Operation::new("Tf", vec!["F1".into(), 10.into()])];
        for line in 0..50 {
            ops.push(Operation::new(
                "Tm",
                vec![1.into(), 0.into(), 0.into(), 1.into(), 72.into(), (720 - line * 12).into()],
            ));
            ops.push(Operation::new(
                "Tj",
                vec![Object::string_literal(format!("Page {page} line {line}: the quick brown fox jumps."))],
            ));
        }
        ops.push(Operation::new("ET", vec![]));
        let content = Content { operations: ops };
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap_or_default()));
        kids.push(
            doc.add_object(dictionary! {
                "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
                "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            })
            .into(),
        );
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count, "Resources" => resources_id },
        ),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).expect("save");
    bytes
}

fn bench(c: &mut Criterion) {
    let small = small_pdf();
    c.bench_function("generated 20 pages", |b| b.iter(|| ttrpg_pdf::extract(&small)));
    match std::fs::read(SRD_PATH) {
        Ok(srd) => {
            let mut group = c.benchmark_group("srd");
            group.sample_size(10);
            group.bench_function("SRD 5.1, 403 pages", |b| b.iter(|| ttrpg_pdf::extract(&srd)));
            group.finish();
        }
        Err(_) => println!("SKIPPED: {SRD_PATH} not found"),
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
