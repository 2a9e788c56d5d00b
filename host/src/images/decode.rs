//! Reading an untrusted image: what it claims to be, checked before a pixel is decoded.
//!
//! The format comes from the bytes' magic number, never from a file name. The declared
//! width and height are read from the header and held to the limits first, so a
//! decompression bomb (a small file declaring 20,000 × 20,000 pixels) is refused without
//! allocating; the decoder then runs under the same limits. A JPEG must end with its
//! end-of-image marker: the decoder would otherwise fill a cut-off file's missing rows with
//! grey and call it a picture.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use super::ImageError;

/// What an image may be at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLimits {
    /// Largest file, in bytes.
    pub max_file_bytes: u64,
    /// Largest width or height, in pixels.
    pub max_side: u32,
    /// Most pixels (width × height).
    pub max_pixels: u64,
}

impl ImageLimits {
    /// The limits `[images]` configures.
    pub fn from_config(config: &crate::config::ImagesConfig) -> Self {
        ImageLimits {
            max_file_bytes: config.max_file_mb.saturating_mul(1 << 20),
            max_side: config.max_side,
            max_pixels: config.max_megapixels.saturating_mul(1_000_000),
        }
    }
}

/// What an image's header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// Its format.
    pub format: ImageFormat,
    /// Declared width in pixels (before EXIF orientation).
    pub width: u32,
    /// Declared height in pixels.
    pub height: u32,
}

impl Probe {
    /// The format's MIME type.
    pub fn mime(&self) -> &'static str {
        mime_of(self.format)
    }
}

/// A decoded image, turned the way its EXIF orientation says, with its colour profile.
pub struct Decoded {
    /// The pixels: 8 bits per channel, grey, RGB or RGBA.
    pub image: DynamicImage,
    /// The embedded ICC profile, carried into every derived size.
    pub icc_profile: Option<Vec<u8>>,
    /// What the header said.
    pub probe: Probe,
}

/// The MIME type of a format this host accepts.
pub fn mime_of(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "image/png",
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::WebP => "image/webp",
        ImageFormat::Gif => "image/gif",
        _ => "application/octet-stream",
    }
}

/// Reads the header of `bytes`: refuses a file over the size limit, a format other than
/// PNG, JPEG, WebP or GIF, and declared dimensions over the limits.
pub fn probe(bytes: &[u8], limits: &ImageLimits) -> Result<Probe, ImageError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(ImageError::FileTooLarge { bytes: bytes.len() as u64, limit: limits.max_file_bytes });
    }
    let reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(ImageError::Io)?;
    let format = match reader.format() {
        Some(format @ (ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP | ImageFormat::Gif)) => {
            format
        }
        Some(other) => return Err(ImageError::Unsupported(format!("{other:?} images"))),
        None => return Err(ImageError::Unsupported(describe_unknown(bytes))),
    };
    let (width, height) = reader.into_dimensions().map_err(|err| ImageError::Corrupt {
        format: mime_of(format),
        message: format!("its header cannot be read: {err}"),
    })?;
    let probe = Probe { format, width, height };
    check_dimensions(&probe, limits)?;
    Ok(probe)
}

/// Decodes `bytes` after [`probe`] accepted them: the whole image must be there.
pub fn decode(bytes: &[u8], limits: &ImageLimits) -> Result<Decoded, ImageError> {
    let probe = probe(bytes, limits)?;
    let mime = probe.mime();
    if probe.format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(ImageError::Truncated {
            format: mime,
            message: "it ends before its end-of-image marker".into(),
        });
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), probe.format);
    let mut decoder_limits = Limits::default();
    decoder_limits.max_image_width = Some(limits.max_side);
    decoder_limits.max_image_height = Some(limits.max_side);
    // Room for the pixels at 16 bits per channel with alpha, and the decoder's own buffers.
    decoder_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8).saturating_add(64 << 20));
    reader.limits(decoder_limits);
    let corrupt = |err: image::ImageError| match &err {
        image::ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            ImageError::Truncated { format: mime, message: err.to_string() }
        }
        image::ImageError::Limits(_) => ImageError::TooManyPixels {
            width: probe.width,
            height: probe.height,
            max_side: limits.max_side,
            max_pixels: limits.max_pixels,
        },
        _ => ImageError::Corrupt { format: mime, message: err.to_string() },
    };
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let icc_profile = decoder.icc_profile().ok().flatten();
    let mut image = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    image.apply_orientation(orientation);
    Ok(Decoded { image: eight_bit(image), icc_profile, probe })
}

fn check_dimensions(probe: &Probe, limits: &ImageLimits) -> Result<(), ImageError> {
    let pixels = u64::from(probe.width) * u64::from(probe.height);
    if probe.width == 0 || probe.height == 0 {
        return Err(ImageError::Corrupt { format: probe.mime(), message: "it declares no pixels".into() });
    }
    if probe.width > limits.max_side || probe.height > limits.max_side || pixels > limits.max_pixels {
        return Err(ImageError::TooManyPixels {
            width: probe.width,
            height: probe.height,
            max_side: limits.max_side,
            max_pixels: limits.max_pixels,
        });
    }
    Ok(())
}

/// Whether a JPEG's last scan is followed by an end-of-image marker (inside entropy-coded
/// data a 0xFF byte is always followed by 0x00 or a restart marker, so 0xFF 0xD9 after the
/// last start-of-scan is the real end).
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last_scan = bytes.windows(2).rposition(|pair| pair == [0xFF, 0xDA]);
    match last_scan {
        Some(scan) => bytes[scan..].windows(2).any(|pair| pair == [0xFF, 0xD9]),
        None => false,
    }
}

/// 8 bits per channel in the fewest channels that keep the image: grey, RGB or RGBA.
fn eight_bit(image: DynamicImage) -> DynamicImage {
    use image::ColorType;
    match image.color() {
        ColorType::L8 | ColorType::Rgb8 | ColorType::Rgba8 => image,
        ColorType::L16 => DynamicImage::ImageLuma8(image.to_luma8()),
        color if color.has_alpha() => DynamicImage::ImageRgba8(image.to_rgba8()),
        _ => DynamicImage::ImageRgb8(image.to_rgb8()),
    }
}

fn describe_unknown(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "an empty file".into();
    }
    let head: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("a file that is no image format this host knows (it starts with bytes {})", head.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jpeg_without_its_end_marker_after_the_last_scan_is_incomplete() {
        let mut whole = vec![0xFF, 0xD8, 0xFF, 0xDA, 1, 2, 3, 0xFF, 0x00, 4, 0xFF, 0xD9];
        assert!(jpeg_is_complete(&whole));
        whole.truncate(9);
        assert!(!jpeg_is_complete(&whole));
        // An end marker only before the scan (an embedded thumbnail's) does not count.
        assert!(!jpeg_is_complete(&[0xFF, 0xD8, 0xFF, 0xD9, 0xFF, 0xDA, 7, 7]));
    }

    #[test]
    fn unknown_bytes_are_named_by_their_first_bytes() {
        let limits = ImageLimits { max_file_bytes: 1 << 20, max_side: 100, max_pixels: 10_000 };
        let err = probe(b"%PDF-1.7 not an image", &limits).unwrap_err();
        assert!(matches!(err, ImageError::Unsupported(_)), "{err}");
        assert!(err.to_string().contains("25 50 44 46"), "{err}");
    }
}
