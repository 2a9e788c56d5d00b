//! What an added map costs: `images::derive::derive_all` (thumbnail, preview and display,
//! Lanczos3 with fast_image_resize, JPEG at quality 85) on a 4096 × 4096 synthetic battle
//! map, next to the anchor, the same three fits done with the image crate alone
//! (`imageops::resize` with `FilterType::Lanczos3`, the same `JpegEncoder` at the same
//! quality), in the same run. Also the decode of the map as a PNG (`images::decode::decode`:
//! probe, limits, orientation, 8-bit), next to `image::load_from_memory`, and the JPEG
//! encoding of the three sizes alone (the floor both derivations share).
//!
//! Run with `cargo bench -p ttrpg-host --bench images -- --warm-up-time 1 --measurement-time 5`.
#![allow(clippy::unwrap_used, missing_docs)] // a benchmark: criterion's macros write undocumented functions

#[path = "../tests/support/images.rs"]
mod fixtures;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageEncoder, RgbImage};
use ttrpg_host::images::decode::{self, ImageLimits};
use ttrpg_host::images::derive::{self, Size};

/// The side of the map.
const SIDE: u32 = 4096;
/// `images.jpeg_quality`'s default.
const QUALITY: u8 = 85;

fn limits() -> ImageLimits {
    ImageLimits { max_file_bytes: 200 << 20, max_side: 16_384, max_pixels: 100_000_000 }
}

fn jpeg(image: &RgbImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, QUALITY)
        .write_image(image.as_raw(), image.width(), image.height(), image::ExtendedColorType::Rgb8)
        .unwrap();
    bytes
}

/// The anchor: every derived size with the image crate alone.
fn anchor(map: &RgbImage) -> Vec<Vec<u8>> {
    Size::DERIVED
        .into_iter()
        .map(|size| {
            let (w, h) = derive::fitted(map.width(), map.height(), size.bound().unwrap());
            let resized = image::imageops::resize(map, w, h, FilterType::Lanczos3);
            jpeg(&resized)
        })
        .collect()
}

/// PSNR in dB of `b` against `a` (same dimensions, RGB).
fn psnr(a: &RgbImage, b: &RgbImage) -> f64 {
    let sum: f64 =
        a.as_raw().iter().zip(b.as_raw()).map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2)).sum();
    let mse = sum / a.as_raw().len() as f64;
    10.0 * (255.0f64 * 255.0 / mse).log10()
}

fn bench(c: &mut Criterion) {
    let map = fixtures::battle_map(SIDE, SIDE, 64, 7);
    let png = fixtures::encode(&DynamicImage::ImageRgb8(map.clone()), image::ImageFormat::Png);
    let decoded = decode::decode(&png, &limits()).unwrap();

    // What both sides make, once, so the figures compare like with like.
    let ours = derive::derive_all(&decoded, QUALITY).unwrap();
    let theirs = anchor(&map);
    eprintln!("map {SIDE}×{SIDE}, PNG {} KB", png.len() / 1024);
    for (derived, other) in ours.iter().zip(&theirs) {
        let a = image::load_from_memory(&derived.bytes).unwrap().to_rgb8();
        let b = image::load_from_memory(other).unwrap().to_rgb8();
        eprintln!(
            "{:>9} {}×{}: ours {} KB, anchor {} KB, PSNR between the two {:.1} dB",
            derived.size.as_str(),
            derived.width,
            derived.height,
            derived.bytes.len() / 1024,
            other.len() / 1024,
            psnr(&a, &b)
        );
    }
    let pre_resized: Vec<RgbImage> =
        ours.iter().map(|d| image::load_from_memory(&d.bytes).unwrap().to_rgb8()).collect();

    let mut group = c.benchmark_group("derive 4096² map");
    group.sample_size(10);
    group.bench_function("ttrpg derive_all (fast_image_resize Lanczos3 + JPEG q85)", |b| {
        b.iter(|| derive::derive_all(black_box(&decoded), QUALITY).unwrap())
    });
    group.bench_function("anchor: imageops::resize Lanczos3 + JPEG q85", |b| {
        b.iter(|| anchor(black_box(&map)))
    });
    group.bench_function("JPEG q85 encoding of the three sizes alone", |b| {
        b.iter(|| pre_resized.iter().map(|image| jpeg(black_box(image)).len()).sum::<usize>())
    });
    group.finish();

    let mut group = c.benchmark_group("decode 4096² PNG");
    group.sample_size(10);
    group.bench_function("ttrpg images::decode::decode", |b| {
        b.iter(|| decode::decode(black_box(&png), &limits()).unwrap())
    });
    group.bench_function("anchor: image::load_from_memory", |b| {
        b.iter(|| image::load_from_memory(black_box(&png)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
