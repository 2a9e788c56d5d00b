//! The derived sizes of an image: fitted into a square box, never upscaled, resampled with
//! Lanczos3 (fast_image_resize's SIMD convolution), and encoded for the screen.
//!
//! Opaque images become baseline JPEG at the configured quality (85 by default: on the
//! grainy, painted maps measured in BENCHMARKS.md it is a fifth of the lossless bytes, and
//! small labels lose little below it; on flat-coloured maps lossless WebP is smaller than
//! JPEG at any quality, which this does not yet exploit). Images with any transparent pixel
//! (tokens, cut-out portraits) become lossless WebP, so their edges keep their alpha. The
//! ICC profile of the original goes with every size, so colours stay what the artist chose.

use fast_image_resize::{ResizeAlg, ResizeOptions, Resizer};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ImageEncoder};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ImageError;
use super::decode::Decoded;

/// A rendition of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Size {
    /// The bytes as they were added.
    Original,
    /// Fits 256 × 256: lists and pickers.
    Thumbnail,
    /// Fits 800 × 800: a chat message, a side panel.
    Preview,
    /// Fits 1920 × 1920: a full screen at the table.
    Display,
}

impl Size {
    /// Every size, the original first.
    pub const ALL: [Size; 4] = [Size::Original, Size::Thumbnail, Size::Preview, Size::Display];
    /// The derived sizes.
    pub const DERIVED: [Size; 3] = [Size::Thumbnail, Size::Preview, Size::Display];

    /// The name used in URIs, file names and tool arguments.
    pub fn as_str(self) -> &'static str {
        match self {
            Size::Original => "original",
            Size::Thumbnail => "thumbnail",
            Size::Preview => "preview",
            Size::Display => "display",
        }
    }

    /// Parses a name.
    pub fn parse(text: &str) -> Option<Size> {
        Size::ALL.into_iter().find(|size| size.as_str() == text)
    }

    /// The side of the square a derived size fits in (`None` for the original).
    pub fn bound(self) -> Option<u32> {
        match self {
            Size::Original => None,
            Size::Thumbnail => Some(256),
            Size::Preview => Some(800),
            Size::Display => Some(1920),
        }
    }
}

/// One derived size, encoded.
#[derive(Debug, Clone)]
pub struct Derived {
    /// Which size.
    pub size: Size,
    /// The encoded bytes.
    pub bytes: Vec<u8>,
    /// Their MIME type.
    pub mime: &'static str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// The dimensions of `size` for an image of `width` × `height`: fitted into the box with
/// the aspect ratio kept, and never larger than the image.
pub fn fitted(width: u32, height: u32, bound: u32) -> (u32, u32) {
    if width <= bound && height <= bound {
        return (width, height);
    }
    let scale = f64::from(bound) / f64::from(width.max(height));
    let fit = |side: u32| ((f64::from(side) * scale).round() as u32).clamp(1, bound);
    (fit(width), fit(height))
}

/// Every derived size of `decoded`, encoded (JPEG at `jpeg_quality` when opaque, lossless
/// WebP when any pixel is transparent). CPU-heavy: run it off the async workers.
pub fn derive_all(decoded: &Decoded, jpeg_quality: u8) -> Result<Vec<Derived>, ImageError> {
    let image = flatten_opaque_alpha(&decoded.image);
    let transparent = image.color().has_alpha();
    let mut resizer = Resizer::new();
    let mut out = Vec::with_capacity(Size::DERIVED.len());
    for size in Size::DERIVED {
        let bound = size.bound().unwrap_or(u32::MAX);
        let (width, height) = fitted(image.width(), image.height(), bound);
        let resized = if (width, height) == (image.width(), image.height()) {
            image.clone()
        } else {
            let mut target = DynamicImage::new(width, height, image.color());
            let options = ResizeOptions::new()
                .resize_alg(ResizeAlg::Convolution(fast_image_resize::FilterType::Lanczos3));
            resizer
                .resize(&image, &mut target, &options)
                .map_err(|err| ImageError::Derive(format!("resizing to {width}×{height}: {err}")))?;
            target
        };
        let (bytes, mime) = if transparent {
            (encode_webp(&resized, decoded.icc_profile.clone())?, "image/webp")
        } else {
            (encode_jpeg(&resized, jpeg_quality, decoded.icc_profile.clone())?, "image/jpeg")
        };
        out.push(Derived { size, bytes, mime, width, height });
    }
    Ok(out)
}

/// The image without its alpha channel when every pixel is opaque (GIFs and PNGs often
/// carry one they do not use); as it is otherwise.
fn flatten_opaque_alpha(image: &DynamicImage) -> DynamicImage {
    match image {
        DynamicImage::ImageRgba8(rgba) if rgba.pixels().all(|p| p.0[3] == u8::MAX) => {
            DynamicImage::ImageRgb8(image.to_rgb8())
        }
        DynamicImage::ImageLumaA8(la) if la.pixels().all(|p| p.0[1] == u8::MAX) => {
            DynamicImage::ImageLuma8(image.to_luma8())
        }
        DynamicImage::ImageLumaA8(_) => DynamicImage::ImageRgba8(image.to_rgba8()),
        other => other.clone(),
    }
}

fn encode_jpeg(image: &DynamicImage, quality: u8, icc: Option<Vec<u8>>) -> Result<Vec<u8>, ImageError> {
    let mut bytes = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut bytes, quality.clamp(1, 100));
    if let Some(icc) = icc {
        // A profile the encoder cannot carry leaves sRGB, which is what nearly every map is.
        let _ = encoder.set_icc_profile(icc);
    }
    let rgb_or_grey = match image {
        DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) => image.clone(),
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    };
    encoder
        .write_image(
            rgb_or_grey.as_bytes(),
            rgb_or_grey.width(),
            rgb_or_grey.height(),
            rgb_or_grey.color().into(),
        )
        .map_err(|err| ImageError::Derive(format!("encoding JPEG: {err}")))?;
    Ok(bytes)
}

fn encode_webp(image: &DynamicImage, icc: Option<Vec<u8>>) -> Result<Vec<u8>, ImageError> {
    let mut bytes = Vec::new();
    let mut encoder = WebPEncoder::new_lossless(&mut bytes);
    if let Some(icc) = icc {
        let _ = encoder.set_icc_profile(icc);
    }
    let rgba = DynamicImage::ImageRgba8(image.to_rgba8());
    encoder
        .write_image(rgba.as_bytes(), rgba.width(), rgba.height(), rgba.color().into())
        .map_err(|err| ImageError::Derive(format!("encoding WebP: {err}")))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_fit_their_box_keep_the_aspect_and_never_grow() {
        assert_eq!(fitted(4096, 2048, 256), (256, 128));
        assert_eq!(fitted(1000, 3000, 800), (267, 800));
        assert_eq!(fitted(200, 100, 1920), (200, 100));
        assert_eq!(fitted(10_000, 1, 256), (256, 1));
    }

    #[test]
    fn size_names_round_trip() {
        for size in Size::ALL {
            assert_eq!(Size::parse(size.as_str()), Some(size));
        }
        assert_eq!(Size::parse("huge"), None);
    }
}
