//! Image files for the tests, made here from code: a battle map (parchment noise, a grid,
//! walls and labels' worth of detail), a token with a transparent background, a two-frame
//! GIF, a JPEG with an EXIF orientation, and hostile files (a decompression bomb, cut-off
//! files).
#![allow(dead_code, reason = "not every test binary uses every fixture")]

use std::io::{Cursor, Write};

use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

/// A small deterministic pseudo-random generator (xorshift), so fixtures are the same bytes
/// on every run.
pub struct Noise(u64);

impl Noise {
    pub fn new(seed: u64) -> Self {
        Noise(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn byte(&mut self) -> u8 {
        (self.next() >> 24) as u8
    }
}

/// A battle map `width` × `height`: a parchment ground with grain, a dark grid every
/// `cell` pixels, stone walls and scattered dark marks. What a VTT map looks like to an
/// encoder: large smooth areas, thin high-contrast lines and fine texture.
pub fn battle_map(width: u32, height: u32, cell: u32, seed: u64) -> RgbImage {
    let mut noise = Noise::new(seed);
    let mut map = RgbImage::new(width, height);
    for (x, y, pixel) in map.enumerate_pixels_mut() {
        let grain = (noise.byte() % 24) as i32 - 12;
        let shade = ((x as f32 / width as f32) * 30.0 + (y as f32 / height as f32) * 20.0) as i32;
        let base = [214 - shade, 190 - shade, 150 - shade];
        *pixel = Rgb(base.map(|c| (c + grain).clamp(0, 255) as u8));
    }
    // Walls: grey stone rectangles with a dark outline.
    for room in 0..12u32 {
        let x0 = (noise.next() % u64::from(width.saturating_sub(300).max(1))) as u32;
        let y0 = (noise.next() % u64::from(height.saturating_sub(300).max(1))) as u32;
        let (w, h) = (120 + room * 13 % 180, 90 + room * 29 % 200);
        for y in y0..(y0 + h).min(height) {
            for x in x0..(x0 + w).min(width) {
                let edge = x < x0 + 6 || y < y0 + 6 || x + 6 >= x0 + w || y + 6 >= y0 + h;
                let stone = 120 + (noise.byte() % 30);
                map.put_pixel(x, y, if edge { Rgb([40, 36, 32]) } else { Rgb([stone, stone, stone - 8]) });
            }
        }
    }
    // The grid.
    for y in 0..height {
        for x in 0..width {
            if x % cell == 0 || y % cell == 0 {
                map.put_pixel(x, y, Rgb([60, 50, 40]));
            }
        }
    }
    map
}

/// A round token on a transparent background.
pub fn token(side: u32) -> RgbaImage {
    let mut token = RgbaImage::new(side, side);
    let centre = side as f32 / 2.0;
    for (x, y, pixel) in token.enumerate_pixels_mut() {
        let d = ((x as f32 - centre).powi(2) + (y as f32 - centre).powi(2)).sqrt();
        *pixel = if d < centre * 0.8 { Rgba([180, 30, 30, 255]) } else { Rgba([0, 0, 0, 0]) };
    }
    token
}

/// `image` encoded as `format`.
pub fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    image.write_to(&mut Cursor::new(&mut bytes), format).expect("encoding a fixture");
    bytes
}

/// A JPEG of `image` at `quality`.
pub fn jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(image)
        .expect("jpeg");
    bytes
}

/// `jpeg` with an EXIF APP1 segment saying "rotate 90° clockwise to show" (orientation 6)
/// right after the start-of-image marker.
pub fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    // TIFF header (little endian), one IFD with one entry: 0x0112 Orientation, SHORT, 1.
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"II*\0");
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&0x0112u16.to_le_bytes());
    tiff.extend_from_slice(&3u16.to_le_bytes());
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&orientation.to_le_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_le_bytes());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A GIF of two frames: the first all `first`, the second all `second`.
pub fn two_frame_gif(side: u32, first: [u8; 4], second: [u8; 4]) -> Vec<u8> {
    let mut bytes = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut bytes);
        for colour in [first, second] {
            let frame = image::Frame::new(RgbaImage::from_pixel(side, side, Rgba(colour)));
            encoder.encode_frame(frame).expect("gif frame");
        }
    }
    bytes
}

/// A real decompression bomb: a valid greyscale PNG of `side` × `side` zero pixels (400 MB
/// decoded at 20,000²), which deflate squeezes into a few hundred KB.
pub fn png_bomb(side: u32) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit greyscale, deflate, no filter, no interlace
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let row = vec![0u8; side as usize + 1];
    for _ in 0..side {
        zlib.write_all(&row).expect("deflate");
    }
    let idat = zlib.finish().expect("deflate");
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(b"IHDR", ihdr.as_slice()), (b"IDAT", idat.as_slice()), (b"IEND", &[][..])] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        png.extend_from_slice(kind);
        png.extend_from_slice(data);
        png.extend_from_slice(&crc.sum().to_be_bytes());
    }
    png
}

/// The first `fraction` of `bytes`.
pub fn cut(bytes: &[u8], fraction: f64) -> Vec<u8> {
    bytes[..(bytes.len() as f64 * fraction) as usize].to_vec()
}

/// Decodes `bytes`, panicking with `what` when they are no image.
pub fn decoded(bytes: &[u8], what: &str) -> DynamicImage {
    image::load_from_memory(bytes).unwrap_or_else(|err| panic!("{what} does not decode: {err}"))
}
