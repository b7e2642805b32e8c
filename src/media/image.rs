//! Decoding, orienting, sizing and encoding images (the `image` crate, libwebp for lossy WebP).
//! Everything here is CPU work: callers run it off the async workers.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageReader};

use crate::domain::media::{family, scaled_height, strip, variant_widths, Format};

/// Why an upload is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Rejected {
    /// Not JPEG, PNG, WebP or GIF, judged from the bytes (415).
    Unsupported,
    /// More pixels than decoding may hold in memory (422, said before decoding).
    TooLarge {
        width: u32,
        height: u32,
        max_pixels: u64,
    },
    /// Decoding would take more memory than `NEWSROOM_MEDIA_MAX_DECODE_BYTES` (422, said
    /// before decoding): pixels × channels × bytes per channel.
    TooMuchMemory {
        width: u32,
        height: u32,
        bytes: u64,
        max_bytes: u64,
    },
    /// Truncated or corrupt (422).
    Corrupt(String),
}

/// What decoding may cost: the pixel cap and the memory cap (`MediaSettings`).
#[derive(Debug, Clone, Copy)]
pub struct DecodeBounds {
    pub max_pixels: u64,
    pub max_bytes: u64,
}

/// An upload judged from its header alone: its format, and the bytes decoding it takes.
#[derive(Debug, Clone, Copy)]
pub struct Judged {
    pub format: Format,
    pub decoded_bytes: u64,
}

/// Judges an upload from its header, decoding nothing: its format, then its size against the
/// pixel cap, then the memory its pixels take decoded (pixels × the colour type's bytes per
/// pixel: a 16-bit RGBA PNG takes 8 a pixel, so 7000 × 7000 of it is 392 MB however few bytes
/// the file has) against the memory cap.
pub fn judge(bytes: &[u8], bounds: DecodeBounds) -> Result<Judged, Rejected> {
    let format = Format::sniff(bytes).ok_or(Rejected::Unsupported)?;
    let reader = || ImageReader::with_format(Cursor::new(bytes), image_format(format));
    let (width, height) = match crate::domain::media::declared_size(format, bytes) {
        Some(size) => size,
        None => reader().into_dimensions().map_err(corrupt)?,
    };
    let pixels = u64::from(width) * u64::from(height);
    if pixels > bounds.max_pixels {
        return Err(Rejected::TooLarge {
            width,
            height,
            max_pixels: bounds.max_pixels,
        });
    }
    let decoder = reader().into_decoder().map_err(corrupt)?;
    let per_pixel = u64::from(decoder.color_type().bytes_per_pixel());
    let decoded_bytes = pixels.saturating_mul(per_pixel);
    if decoded_bytes > bounds.max_bytes {
        return Err(Rejected::TooMuchMemory {
            width,
            height,
            bytes: decoded_bytes,
            max_bytes: bounds.max_bytes,
        });
    }
    Ok(Judged {
        format,
        decoded_bytes,
    })
}

/// An upload as it is kept: its facts, the stored original (metadata stripped, pixels upright),
/// and its placeholder.
#[derive(Debug)]
pub struct Prepared {
    /// The uploaded file's format (the stored original keeps it).
    pub format: Format,
    /// After orientation.
    pub width: u32,
    pub height: u32,
    pub has_alpha: bool,
    pub original: Vec<u8>,
    /// `#rrggbb`: the image's average colour.
    pub color: String,
    pub blurhash: String,
}

fn image_format(format: Format) -> image::ImageFormat {
    match format {
        Format::Jpeg => image::ImageFormat::Jpeg,
        Format::Png => image::ImageFormat::Png,
        Format::Webp => image::ImageFormat::WebP,
        Format::Gif => image::ImageFormat::Gif,
    }
}

fn corrupt(e: impl std::fmt::Display) -> Rejected {
    Rejected::Corrupt(e.to_string())
}

/// Decodes and strips an upload `judge` let through (its pixel count and decoded size were
/// read from the header and checked before anything is decoded: a decompression bomb never
/// allocates); the decoder is held to the memory the header promised.
pub fn prepare(bytes: &[u8], judged: Judged) -> Result<Prepared, Rejected> {
    let Judged {
        format,
        decoded_bytes,
    } = judged;
    let reader = || ImageReader::with_format(Cursor::new(bytes), image_format(format));
    // Metadata out first: a file whose structure does not hold together stops here.
    let stripped = strip(format, bytes).map_err(corrupt)?;
    let mut decoder = reader().into_decoder().map_err(corrupt)?;
    let mut limits = image::Limits::default();
    // Room for the decoder's own buffers beside the image; the memory cap was checked above.
    limits.max_alloc = Some(decoded_bytes.saturating_mul(2).max(16 * 1024 * 1024));
    decoder.set_limits(limits).map_err(corrupt)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut decoded = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    let has_alpha = decoded.color().has_alpha();
    let original = if orientation == image::metadata::Orientation::NoTransforms {
        stripped
    } else {
        // The orientation lived in the EXIF block that is gone: the pixels turn instead.
        decoded.apply_orientation(orientation);
        encode(&decoded, format, ORIGINAL_QUALITY)?
    };
    let (color, blurhash) = placeholder(&decoded);
    Ok(Prepared {
        format,
        width: decoded.width(),
        height: decoded.height(),
        has_alpha,
        original,
        color,
        blurhash,
    })
}

/// Quality of an original that had to be encoded again (turned upright).
const ORIGINAL_QUALITY: u8 = 92;
/// Quality of the variants (JPEG and lossy WebP).
const VARIANT_QUALITY: u8 = 80;

/// The average colour and a BlurHash of 4 × 3 components, from a 32-pixel thumbnail.
fn placeholder(image: &DynamicImage) -> (String, String) {
    let small = image.thumbnail(32, 32).to_rgba8();
    let pixels = u64::from(small.width() * small.height()).max(1);
    let mut sum = [0u64; 3];
    for p in small.pixels() {
        for (total, channel) in sum.iter_mut().zip(p.0) {
            *total += u64::from(channel);
        }
    }
    let color = format!(
        "#{:02x}{:02x}{:02x}",
        sum[0] / pixels,
        sum[1] / pixels,
        sum[2] / pixels
    );
    let blurhash =
        blurhash::encode(4, 3, small.width(), small.height(), small.as_raw()).unwrap_or_default();
    (color, blurhash)
}

/// One encoded variant.
#[derive(Debug)]
pub struct Rendered {
    pub width: u32,
    pub height: u32,
    pub format: Format,
    pub bytes: Vec<u8>,
}

/// Every variant of a stored original: each width below its own, in WebP and in its family
/// (JPEG or PNG), each width made from the next larger one (an animated GIF gives its first
/// frame). Largest first.
pub fn render_variants(original: &[u8], format: Format) -> Result<Vec<Rendered>, Rejected> {
    let decoded = ImageReader::with_format(Cursor::new(original), image_format(format))
        .decode()
        .map_err(corrupt)?;
    let family = family(format, decoded.color().has_alpha());
    let (w, h) = (decoded.width(), decoded.height());
    let mut rendered = Vec::new();
    let mut source = decoded;
    let mut first = true;
    for width in variant_widths(w).into_iter().rev() {
        let height = scaled_height(w, h, width);
        // From the full-size image, the integer area-averaging resize (a good filter for a
        // large reduction) writes straight into the variant: the filtered resize would first
        // make a float image as tall as the original (143 MB for a 5600-pixel-high 16-bit one,
        // bench/decode.sh). The smaller widths come from the variant before them.
        let sized = if first {
            source.thumbnail_exact(width, height)
        } else {
            source.resize_exact(width, height, image::imageops::FilterType::Triangle)
        };
        first = false;
        for format in [Format::Webp, family] {
            rendered.push(Rendered {
                width,
                height,
                format,
                bytes: encode(&sized, format, VARIANT_QUALITY)?,
            });
        }
        source = sized;
    }
    Ok(rendered)
}

/// Encodes in `format` (JPEG and WebP lossy at `quality`; PNG and GIF lossless).
fn encode(image: &DynamicImage, format: Format, quality: u8) -> Result<Vec<u8>, Rejected> {
    let mut out = Vec::new();
    match format {
        Format::Jpeg => {
            let rgb = image.to_rgb8();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
                .encode_image(&rgb)
                .map_err(corrupt)?;
        }
        Format::Webp => {
            let memory = if image.color().has_alpha() {
                let rgba = image.to_rgba8();
                webp::Encoder::from_rgba(rgba.as_raw(), rgba.width(), rgba.height())
                    .encode(f32::from(quality))
            } else {
                let rgb = image.to_rgb8();
                webp::Encoder::from_rgb(rgb.as_raw(), rgb.width(), rgb.height())
                    .encode(f32::from(quality))
            };
            out.extend_from_slice(&memory);
        }
        Format::Png | Format::Gif => {
            let format = match format {
                Format::Gif => image::ImageFormat::Gif,
                _ => image::ImageFormat::Png,
            };
            image
                .write_to(&mut Cursor::new(&mut out), format)
                .map_err(corrupt)?;
        }
    }
    Ok(out)
}
