//! Evidence for `images.jpeg_quality`: for the display size (fits 1920 × 1920) of a few
//! synthetic maps, the bytes and the PSNR of JPEG at qualities 60 to 95 (the image crate's
//! `JpegEncoder`, what `images::derive` uses) and the bytes of lossless WebP, printed as a
//! Markdown table. The reference for the PSNR is the resized map itself (Lanczos3 with
//! fast_image_resize, as `derive_all` resizes), so the figure is what the encoding loses.
//!
//! The maps: a battle map (parchment grain, a grid, stone walls: `tests/support/images.rs`),
//! a map with many small labels (text-like glyphs over a grid), a noisy grass-and-stone
//! texture, and a flat-coloured "vector-style" map (no grain at all).
//!
//! Not a timing: run with `cargo bench -p ttrpg-host --bench jpeg_quality`.
#![allow(clippy::unwrap_used, missing_docs)] // a benchmark that prints a table

#[path = "../tests/support/images.rs"]
mod fixtures;

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use fixtures::Noise;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ExtendedColorType, ImageEncoder, Rgb, RgbImage};
use ttrpg_host::images::derive::{self, Size};

const QUALITIES: [u8; 6] = [60, 70, 80, 85, 90, 95];

/// Paints a filled rectangle, clipped to the image.
fn rect(map: &mut RgbImage, x0: u32, y0: u32, w: u32, h: u32, colour: Rgb<u8>) {
    for y in y0..(y0 + h).min(map.height()) {
        for x in x0..(x0 + w).min(map.width()) {
            map.put_pixel(x, y, colour);
        }
    }
}

/// Draws the grid every `cell` pixels, `width` pixels wide.
fn grid(map: &mut RgbImage, cell: u32, width: u32, colour: Rgb<u8>) {
    let (w, h) = map.dimensions();
    for y in 0..h {
        for x in 0..w {
            if x % cell < width || y % cell < width {
                map.put_pixel(x, y, colour);
            }
        }
    }
}

/// A light map with a grid and ~600 labels of 4–10 glyphs, each glyph a random 5 × 7 bit
/// pattern drawn at 4 pixels a dot (so about 9 × 13 pixels a glyph at the display size:
/// the small print of room numbers and names).
fn labelled_map(side: u32, seed: u64) -> RgbImage {
    let mut noise = Noise::new(seed);
    let mut map = RgbImage::from_pixel(side, side, Rgb([236, 228, 210]));
    grid(&mut map, 64, 2, Rgb([150, 140, 125]));
    let dot = 4;
    for _ in 0..600 {
        let x0 = (noise.next() % u64::from(side - 300)) as u32;
        let y0 = (noise.next() % u64::from(side - 40)) as u32;
        let glyphs = 4 + (noise.next() % 7) as u32;
        for g in 0..glyphs {
            let bits = noise.next();
            for row in 0..7u32 {
                for col in 0..5u32 {
                    if bits >> (row * 5 + col) & 1 == 1 {
                        rect(
                            &mut map,
                            x0 + g * 6 * dot + col * dot,
                            y0 + row * dot,
                            dot,
                            dot,
                            Rgb([20, 18, 16]),
                        );
                    }
                }
            }
        }
    }
    map
}

/// Grass and stone: value noise at three scales plus per-pixel grain, the busiest kind of
/// painted map (the hardest case for any encoder).
fn texture_map(side: u32, seed: u64) -> RgbImage {
    let mut noise = Noise::new(seed);
    let lattice = |step: u32, noise: &mut Noise| {
        let n = side / step + 2;
        (0..n * n).map(|_| f32::from(noise.byte()) / 255.0).collect::<Vec<_>>()
    };
    let octaves: Vec<(u32, Vec<f32>, f32)> =
        [(256, 0.5), (32, 0.3), (6, 0.2)].into_iter().map(|(s, a)| (s, lattice(s, &mut noise), a)).collect();
    let mut map = RgbImage::new(side, side);
    for (x, y, pixel) in map.enumerate_pixels_mut() {
        let mut v = 0.0;
        for (step, values, amplitude) in &octaves {
            let n = side / step + 2;
            let (fx, fy) = (x as f32 / *step as f32, y as f32 / *step as f32);
            let (ix, iy) = (fx as u32, fy as u32);
            let (tx, ty) = (fx - ix as f32, fy - iy as f32);
            let at = |i: u32, j: u32| values[(j * n + i) as usize];
            let top = at(ix, iy) * (1.0 - tx) + at(ix + 1, iy) * tx;
            let bottom = at(ix, iy + 1) * (1.0 - tx) + at(ix + 1, iy + 1) * tx;
            v += (top * (1.0 - ty) + bottom * ty) * amplitude;
        }
        let grain = f32::from(noise.byte() % 40) - 20.0;
        let stone = v > 0.62;
        let base = if stone {
            [120.0 + v * 60.0, 118.0 + v * 60.0, 110.0 + v * 55.0]
        } else {
            [60.0 + v * 50.0, 110.0 + v * 70.0, 40.0 + v * 30.0]
        };
        *pixel = Rgb(base.map(|c| (c + grain).clamp(0.0, 255.0) as u8));
    }
    grid(&mut map, 64, 2, Rgb([30, 30, 30]));
    map
}

/// Flat colours and hard edges, no grain: rooms, corridors, a grid (a map drawn in a vector
/// tool or a dungeon generator).
fn flat_map(side: u32, seed: u64) -> RgbImage {
    let mut noise = Noise::new(seed);
    let mut map = RgbImage::from_pixel(side, side, Rgb([34, 34, 40]));
    for _ in 0..40 {
        let (x0, y0) =
            ((noise.next() % u64::from(side - 700)) as u32, (noise.next() % u64::from(side - 700)) as u32);
        let (w, h) = (128 + (noise.next() % 9) as u32 * 64, 128 + (noise.next() % 9) as u32 * 64);
        rect(&mut map, x0, y0, w, h, Rgb([20, 20, 24]));
        rect(&mut map, x0 + 12, y0 + 12, w - 24, h - 24, Rgb([222, 214, 196]));
    }
    grid(&mut map, 64, 2, Rgb([170, 162, 148]));
    map
}

/// The display size of `map`, resized as `derive_all` does.
fn display(map: &RgbImage) -> RgbImage {
    let (w, h) = derive::fitted(map.width(), map.height(), Size::Display.bound().unwrap());
    let source = DynamicImage::ImageRgb8(map.clone());
    let mut target = DynamicImage::new_rgb8(w, h);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new().resize(&source, &mut target, &options).unwrap();
    target.to_rgb8()
}

fn jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .write_image(image.as_raw(), image.width(), image.height(), ExtendedColorType::Rgb8)
        .unwrap();
    bytes
}

fn webp_lossless(image: &RgbImage) -> Vec<u8> {
    let rgba = DynamicImage::ImageRgb8(image.clone()).to_rgba8();
    let mut bytes = Vec::new();
    WebPEncoder::new_lossless(&mut bytes)
        .write_image(rgba.as_raw(), rgba.width(), rgba.height(), ExtendedColorType::Rgba8)
        .unwrap();
    bytes
}

/// PSNR in dB of `b` against `a` over the RGB channels.
fn psnr(a: &RgbImage, b: &RgbImage) -> f64 {
    let sum: f64 =
        a.as_raw().iter().zip(b.as_raw()).map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2)).sum();
    let mse = sum / a.as_raw().len() as f64;
    10.0 * (255.0f64 * 255.0 / mse).log10()
}

fn kb(bytes: usize) -> String {
    format!("{:.0}", bytes as f64 / 1024.0)
}

fn main() {
    let maps: Vec<(&str, RgbImage)> = vec![
        ("battle map (grain, grid, walls), 4096²", fixtures::battle_map(4096, 4096, 64, 7)),
        ("battle map, 3072×2048", fixtures::battle_map(3072, 2048, 70, 11)),
        ("labels (text-like glyphs over a grid), 4096²", labelled_map(4096, 3)),
        ("grass and stone texture, 4096²", texture_map(4096, 5)),
        ("flat colours, no grain, 4096²", flat_map(4096, 9)),
    ];
    let header: Vec<String> = QUALITIES.iter().map(|q| format!("q{q}")).collect();
    println!("Display size (fits 1920²): JPEG KB / PSNR dB against the resized map; WebP lossless KB\n");
    println!("| map | {} | WebP lossless |", header.join(" | "));
    println!("|---|{}---:|", "---:|".repeat(QUALITIES.len()));
    for (name, map) in &maps {
        let shown = display(map);
        let cells: Vec<String> = QUALITIES
            .iter()
            .map(|&q| {
                let bytes = jpeg(&shown, q);
                let back = image::load_from_memory(&bytes).unwrap().to_rgb8();
                format!("{} KB / {:.1} dB", kb(bytes.len()), psnr(&shown, &back))
            })
            .collect();
        let webp = webp_lossless(&shown);
        println!(
            "| {name} ({}×{}) | {} | {} KB |",
            shown.width(),
            shown.height(),
            cells.join(" | "),
            kb(webp.len())
        );
    }
}
