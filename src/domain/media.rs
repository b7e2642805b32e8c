//! Image files as bytes: what a file is (judged from its bytes, never from what the sender
//! declared), how large it says it is before anything is decoded, and the same file with every
//! metadata block taken out (EXIF with its GPS position, XMP, IPTC, comments), pixels untouched.
//! Decision 0015.

/// The formats the library takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Jpeg,
    Png,
    Webp,
    Gif,
}

impl Format {
    /// What the first bytes say the file is; `None` for anything else (SVG, HTML, PDF, ...).
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Format::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Format::Png)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Format::Webp)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(Format::Gif)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Webp => "image/webp",
            Format::Gif => "image/gif",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::Webp => "webp",
            Format::Gif => "gif",
        }
    }

    pub fn from_extension(ext: &str) -> Option<Format> {
        match ext {
            "jpg" => Some(Format::Jpeg),
            "png" => Some(Format::Png),
            "webp" => Some(Format::Webp),
            "gif" => Some(Format::Gif),
            _ => None,
        }
    }
}

/// The width and height a file's header declares, read without decoding anything (so that a
/// decompression bomb is refused by its header); `None` when the header cannot be read.
pub fn declared_size(format: Format, bytes: &[u8]) -> Option<(u32, u32)> {
    let be16 = |at: usize| {
        bytes
            .get(at..at + 2)
            .map(|b| u32::from(u16::from_be_bytes([b[0], b[1]])))
    };
    let le16 = |at: usize| {
        bytes
            .get(at..at + 2)
            .map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])))
    };
    let le24 = |at: usize| {
        bytes
            .get(at..at + 3)
            .map(|b| u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16)
    };
    match format {
        Format::Png => {
            let b = bytes.get(16..24)?;
            Some((
                u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
                u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
            ))
        }
        Format::Gif => Some((le16(6)?, le16(8)?)),
        Format::Webp => match bytes.get(12..16)? {
            b"VP8X" => Some((le24(24)? + 1, le24(27)? + 1)),
            b"VP8L" => {
                let b = bytes.get(21..25)?;
                let bits = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
            }
            b"VP8 " => Some((le16(26)? & 0x3FFF, le16(28)? & 0x3FFF)),
            _ => None,
        },
        Format::Jpeg => {
            let mut at = 2;
            loop {
                if *bytes.get(at)? != 0xFF {
                    return None;
                }
                let marker = *bytes.get(at + 1)?;
                let length = be16(at + 2)? as usize;
                // Start of frame (any kind but DHT, JPG and DAC, which share the range).
                if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
                    return Some((be16(at + 7)?, be16(at + 5)?));
                }
                at += 2 + length;
            }
        }
    }
}

/// Why a file cannot be taken as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Malformed {
    /// The structure ends before it should, or a length points past the end.
    Truncated,
    /// A part that cannot be what the format says.
    Invalid(&'static str),
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Malformed::Truncated => write!(f, "the file is truncated"),
            Malformed::Invalid(what) => write!(f, "the file is corrupt: {what}"),
        }
    }
}

/// The file without its metadata blocks, the image data copied byte for byte.
pub fn strip(format: Format, bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    match format {
        Format::Jpeg => strip_jpeg(bytes),
        Format::Png => strip_png(bytes),
        Format::Webp => strip_webp(bytes),
        Format::Gif => strip_gif(bytes),
    }
}

/// JPEG: segments kept are those the decoder needs (tables, frame, scans, restart intervals),
/// JFIF (APP0), the colour profile (APP2 `ICC_PROFILE`) and Adobe's colour transform (APP14);
/// EXIF and XMP (APP1), IPTC (APP13), comments and every other APPn go.
fn strip_jpeg(bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut at = 2;
    loop {
        // Entropy-coded data runs until a marker that is not a stuffed 0xFF00 or a restart.
        let marker_at = loop {
            let Some(&byte) = bytes.get(at) else {
                return Err(Malformed::Truncated);
            };
            if byte != 0xFF {
                out.push(byte);
                at += 1;
                continue;
            }
            let Some(&next) = bytes.get(at + 1) else {
                return Err(Malformed::Truncated);
            };
            match next {
                0x00 | 0xD0..=0xD7 => {
                    out.extend_from_slice(&[0xFF, next]);
                    at += 2;
                }
                0xFF => at += 1, // fill byte
                _ => break at,
            }
        };
        let marker = bytes[marker_at + 1];
        at = marker_at + 2;
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Ok(out);
            }
            0x01 | 0xD0..=0xD8 => return Err(Malformed::Invalid("a marker out of place")),
            _ => {}
        }
        let length = match bytes.get(at..at + 2) {
            Some(b) => usize::from(u16::from_be_bytes([b[0], b[1]])),
            None => return Err(Malformed::Truncated),
        };
        if length < 2 {
            return Err(Malformed::Invalid("a segment length"));
        }
        let segment = bytes.get(at..at + length).ok_or(Malformed::Truncated)?;
        let payload = &segment[2..];
        let keep = match marker {
            0xE0 => payload.starts_with(b"JFIF\0") || payload.starts_with(b"JFXX\0"),
            0xE2 => payload.starts_with(b"ICC_PROFILE\0"),
            0xEE => payload.starts_with(b"Adobe"),
            0xE1 | 0xE3..=0xED | 0xEF | 0xFE => false,
            _ => true,
        };
        if keep {
            out.extend_from_slice(&[0xFF, marker]);
            out.extend_from_slice(segment);
        }
        at += length;
    }
}

/// PNG: the chunks that draw the image (header, palette, data, transparency, colour space,
/// animation frames) are kept; text (`tEXt`, `zTXt`, `iTXt`, where XMP lives), `eXIf`, `tIME`
/// and every unknown chunk go. CRCs are copied with their chunks.
fn strip_png(bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    const KEEP: [&[u8; 4]; 16] = [
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB",
        b"bKGD", b"pHYs", b"hIST", b"acTL", b"fcTL", b"fdAT",
    ];
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..8]);
    let mut at = 8;
    loop {
        let header = bytes.get(at..at + 8).ok_or(Malformed::Truncated)?;
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = &header[4..8];
        let end = at
            .checked_add(12)
            .and_then(|n| n.checked_add(length))
            .ok_or(Malformed::Invalid("a chunk length"))?;
        let chunk = bytes.get(at..end).ok_or(Malformed::Truncated)?;
        if KEEP.iter().any(|k| k.as_slice() == kind) || kind == b"cICP" {
            out.extend_from_slice(chunk);
        }
        at = end;
        if kind == b"IEND" {
            return Ok(out);
        }
    }
}

/// WebP: the `EXIF` and `XMP ` chunks go and the extended header's flags for them are cleared;
/// the RIFF size is written again.
fn strip_webp(bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    let declared = bytes
        .get(4..8)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or(Malformed::Truncated)?;
    let end = declared
        .checked_add(8)
        .ok_or(Malformed::Invalid("the RIFF size"))?;
    if end > bytes.len() {
        return Err(Malformed::Truncated);
    }
    let mut out = Vec::with_capacity(end);
    out.extend_from_slice(b"RIFF\0\0\0\0WEBP");
    let mut at = 12;
    while at < end {
        let header = bytes.get(at..at + 8).ok_or(Malformed::Truncated)?;
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let padded = size + (size & 1);
        let chunk = bytes
            .get(at..at + 8 + padded)
            .or_else(|| bytes.get(at..at + 8 + size)) // an unpadded last chunk
            .ok_or(Malformed::Truncated)?;
        match &header[..4] {
            b"EXIF" | b"XMP " => {}
            b"VP8X" => {
                let mut chunk = chunk.to_vec();
                if let Some(flags) = chunk.get_mut(8) {
                    *flags &= !(0x08 | 0x04);
                }
                out.extend_from_slice(&chunk);
            }
            _ => out.extend_from_slice(chunk),
        }
        at += 8 + padded;
    }
    let size = u32::try_from(out.len() - 8).map_err(|_| Malformed::Invalid("the RIFF size"))?;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    Ok(out)
}

/// GIF: comment extensions and application extensions other than the looping ones
/// (`NETSCAPE2.0`, `ANIMEXTS1.0`) go, which takes XMP (`XMP DataXMP`) with them.
fn strip_gif(bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    let screen = bytes.get(6..13).ok_or(Malformed::Truncated)?;
    let mut at = 13;
    if screen[4] & 0x80 != 0 {
        at += 3 * (1 << ((screen[4] & 0x07) + 1));
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(bytes.get(..at).ok_or(Malformed::Truncated)?);
    loop {
        let introducer = *bytes.get(at).ok_or(Malformed::Truncated)?;
        match introducer {
            0x3B => {
                out.push(0x3B);
                return Ok(out);
            }
            0x21 => {
                let label = *bytes.get(at + 1).ok_or(Malformed::Truncated)?;
                let end = sub_blocks_end(bytes, at + 2)?;
                let keep = match label {
                    0xFE => false,
                    0xFF => {
                        let id = bytes.get(at + 3..at + 14).ok_or(Malformed::Truncated)?;
                        id == b"NETSCAPE2.0" || id == b"ANIMEXTS1.0"
                    }
                    _ => true,
                };
                if keep {
                    out.extend_from_slice(&bytes[at..end]);
                }
                at = end;
            }
            0x2C => {
                let descriptor = bytes.get(at..at + 10).ok_or(Malformed::Truncated)?;
                let mut data = at + 10;
                if descriptor[9] & 0x80 != 0 {
                    data += 3 * (1 << ((descriptor[9] & 0x07) + 1));
                }
                // The LZW minimum code size, then the data's sub-blocks.
                let end = sub_blocks_end(bytes, data + 1)?;
                out.extend_from_slice(&bytes[at..end]);
                at = end;
            }
            _ => return Err(Malformed::Invalid("a block introducer")),
        }
    }
}

/// Where a run of GIF sub-blocks starting at `at` ends (after its zero-length terminator).
fn sub_blocks_end(bytes: &[u8], mut at: usize) -> Result<usize, Malformed> {
    loop {
        let size = usize::from(*bytes.get(at).ok_or(Malformed::Truncated)?);
        at += 1;
        if size == 0 {
            return Ok(at);
        }
        at += size;
        if at > bytes.len() {
            return Err(Malformed::Truncated);
        }
    }
}

/// The widths every upload is also served in, never wider than the original.
pub const WIDTHS: [u32; 4] = [320, 640, 1024, 1600];

/// The widths of an image `width` pixels wide: those of `WIDTHS` below it.
pub fn variant_widths(width: u32) -> Vec<u32> {
    WIDTHS.into_iter().filter(|w| *w < width).collect()
}

/// The format of an image's second family of variants beside WebP: PNG for graphics (PNG and
/// GIF files, anything with transparency), JPEG for photos.
pub fn family(format: Format, has_alpha: bool) -> Format {
    match format {
        Format::Png | Format::Gif => Format::Png,
        _ if has_alpha => Format::Png,
        _ => Format::Jpeg,
    }
}

/// The height of a variant `width` wide of an image `w` × `h`, rounded, at least 1.
pub fn scaled_height(w: u32, h: u32, width: u32) -> u32 {
    ((u64::from(h) * u64::from(width) + u64::from(w) / 2) / u64::from(w.max(1))).max(1) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg_with(segments: &[(u8, &[u8])]) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xD8];
        for (marker, payload) in segments {
            bytes.extend_from_slice(&[0xFF, *marker]);
            bytes.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
            bytes.extend_from_slice(payload);
        }
        // A scan whose data holds a stuffed 0xFF00 and a restart marker.
        bytes.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x12, 0xFF, 0x00, 0x34]);
        bytes.extend_from_slice(&[0xFF, 0xD0, 0x56, 0xFF, 0xD9]);
        bytes
    }

    #[test]
    fn formats_are_judged_by_their_bytes() {
        assert_eq!(Format::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(Format::Jpeg));
        assert_eq!(Format::sniff(b"\x89PNG\r\n\x1a\n...."), Some(Format::Png));
        assert_eq!(Format::sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some(Format::Webp));
        assert_eq!(Format::sniff(b"GIF89a......"), Some(Format::Gif));
        assert_eq!(
            Format::sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\">"),
            None
        );
        assert_eq!(Format::sniff(b"<!DOCTYPE html><html>"), None);
        assert_eq!(Format::sniff(b""), None);
    }

    #[test]
    fn jpeg_loses_exif_xmp_iptc_and_comments_and_keeps_what_draws() {
        let exif: &[u8] = b"Exif\0\0MM\0*GPSLatitude 21.0285";
        let bytes = jpeg_with(&[
            (0xE0, b"JFIF\0\x01\x01"),
            (0xE1, exif),
            (0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>"),
            (0xED, b"Photoshop 3.0\0IPTC"),
            (0xFE, b"a comment"),
            (0xE2, b"ICC_PROFILE\0\x01\x01"),
            (0xDB, b"\0tables"),
            (0xC0, b"\x08frame"),
        ]);
        let stripped = strip(Format::Jpeg, &bytes).expect("strips");
        let text = String::from_utf8_lossy(&stripped);
        for gone in ["Exif", "GPS", "xmpmeta", "IPTC", "comment"] {
            assert!(!text.contains(gone), "{gone} is still there");
        }
        for kept in ["JFIF", "ICC_PROFILE", "tables", "frame"] {
            assert!(text.contains(kept), "{kept} is gone");
        }
        assert!(stripped.ends_with(&[0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD9]));
        assert_eq!(
            strip(Format::Jpeg, &bytes[..bytes.len() - 2]),
            Err(Malformed::Truncated)
        );
    }

    #[test]
    fn png_loses_text_and_exif_chunks() {
        let chunk = |kind: &[u8; 4], data: &[u8]| {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&[0, 0, 0, 0]);
            c
        };
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        for c in [
            chunk(b"IHDR", b"header.."),
            chunk(b"eXIf", b"MM\0*GPS"),
            chunk(b"iTXt", b"XML:com.adobe.xmp"),
            chunk(b"tEXt", b"Author\0someone"),
            chunk(b"IDAT", b"pixels"),
            chunk(b"IEND", b""),
        ] {
            bytes.extend_from_slice(&c);
        }
        let stripped = strip(Format::Png, &bytes).expect("strips");
        let text = String::from_utf8_lossy(&stripped);
        assert!(text.contains("IHDR") && text.contains("pixels") && text.contains("IEND"));
        for gone in ["eXIf", "GPS", "xmp", "Author"] {
            assert!(!text.contains(gone), "{gone}");
        }
        assert_eq!(strip(Format::Png, &bytes[..30]), Err(Malformed::Truncated));
    }

    #[test]
    fn webp_loses_exif_and_xmp_and_its_header_says_so() {
        let chunk = |kind: &[u8; 4], data: &[u8]| {
            let mut c = kind.to_vec();
            c.extend_from_slice(&(data.len() as u32).to_le_bytes());
            c.extend_from_slice(data);
            if data.len() % 2 == 1 {
                c.push(0);
            }
            c
        };
        let mut body = b"WEBP".to_vec();
        body.extend(chunk(b"VP8X", &[0x0C, 0, 0, 0, 1, 0, 0, 1, 0, 0]));
        body.extend(chunk(b"VP8 ", b"frame"));
        body.extend(chunk(b"EXIF", b"MM\0*GPS"));
        body.extend(chunk(b"XMP ", b"<x:xmpmeta/>"));
        let mut bytes = b"RIFF".to_vec();
        bytes.extend_from_slice(&(body.len() as u32).to_le_bytes());
        bytes.extend(body);
        let stripped = strip(Format::Webp, &bytes).expect("strips");
        let text = String::from_utf8_lossy(&stripped);
        assert!(!text.contains("GPS") && !text.contains("xmpmeta") && text.contains("frame"));
        assert_eq!(stripped[20] & 0x0C, 0, "the EXIF and XMP flags are cleared");
        let size = u32::from_le_bytes([stripped[4], stripped[5], stripped[6], stripped[7]]);
        assert_eq!(size as usize, stripped.len() - 8);
    }

    #[test]
    fn gif_loses_comments_and_xmp_and_keeps_looping() {
        let mut bytes = b"GIF89a".to_vec();
        bytes.extend_from_slice(&[1, 0, 1, 0, 0x80, 0, 0]); // 1×1, a 2-colour table
        bytes.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
        bytes.extend_from_slice(b"\x21\xFF\x0BNETSCAPE2.0\x03\x01\x00\x00\x00");
        bytes.extend_from_slice(b"\x21\xFF\x0BXMP DataXMP\x05<x:x>\x00");
        bytes.extend_from_slice(b"\x21\xFE\x07comment\x00");
        bytes.extend_from_slice(&[0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x4C, 0x01, 0, 0x3B]);
        let stripped = strip(Format::Gif, &bytes).expect("strips");
        let text = String::from_utf8_lossy(&stripped);
        assert!(text.contains("NETSCAPE2.0"));
        assert!(!text.contains("XMP") && !text.contains("comment"));
        assert_eq!(stripped.last(), Some(&0x3B));
        assert_eq!(strip(Format::Gif, &bytes[..40]), Err(Malformed::Truncated));
    }

    #[test]
    fn sizes_are_read_from_headers_alone() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&10_000u32.to_be_bytes());
        png.extend_from_slice(&6_000u32.to_be_bytes());
        assert_eq!(declared_size(Format::Png, &png), Some((10_000, 6_000)));
        assert_eq!(
            declared_size(Format::Gif, b"GIF89a\x90\x01\x2c\x01"),
            Some((400, 300))
        );
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC0, 0, 11, 8, 0x02, 0xBC, 0x05, 0x78,
        ];
        assert_eq!(declared_size(Format::Jpeg, &jpeg), Some((1400, 700)));
        assert_eq!(declared_size(Format::Jpeg, &jpeg[..10]), None);
    }

    #[test]
    fn variants_are_never_wider_than_the_original() {
        assert_eq!(variant_widths(4000), vec![320, 640, 1024, 1600]);
        assert_eq!(variant_widths(800), vec![320, 640]);
        assert!(variant_widths(320).is_empty());
        assert_eq!(scaled_height(4000, 3000, 320), 240);
        assert_eq!(scaled_height(3, 1, 1), 1);
        assert_eq!(family(Format::Jpeg, false), Format::Jpeg);
        assert_eq!(family(Format::Gif, false), Format::Png);
        assert_eq!(family(Format::Webp, true), Format::Png);
    }
}
