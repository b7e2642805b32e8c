//! The content codings of public responses: which one a caller gets, and the bytes in it.

/// The content codings a response can be sent in, in the server's order of preference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Coding {
    Brotli,
    Zstd,
    Gzip,
}

impl Coding {
    const ALL: [Coding; 3] = [Coding::Brotli, Coding::Zstd, Coding::Gzip];

    pub(super) fn token(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Zstd => "zstd",
            Coding::Gzip => "gzip",
        }
    }

    pub(super) fn index(self) -> usize {
        self as usize
    }

    /// As actix-web's typed `Accept-Encoding` names it.
    pub(super) fn encoding(self) -> actix_web::http::header::Encoding {
        use actix_web::http::header::Encoding;
        match self {
            Coding::Brotli => Encoding::brotli(),
            Coding::Zstd => Encoding::zstd(),
            Coding::Gzip => Encoding::gzip(),
        }
    }

    /// The body in this coding.
    pub(super) fn encode(self, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        use std::io::Write;
        match self {
            Coding::Brotli => {
                let mut out = Vec::new();
                {
                    let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
                    writer.write_all(bytes)?;
                }
                Ok(out)
            }
            Coding::Zstd => zstd::encode_all(bytes, 3),
            Coding::Gzip => {
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
                encoder.write_all(bytes)?;
                encoder.finish()
            }
        }
    }
}

/// Bodies smaller than this go out as they are: compressing them saves little.
pub const COMPRESS_FROM: usize = 1024;

/// The coding to send for an `Accept-Encoding` value: the supported one with the highest
/// q-value (the server's order breaks ties), or none (identity).
pub fn negotiate(accept_encoding: Option<&str>) -> Option<Coding> {
    use actix_web::http::header::{Encoding, Preference, Quality, QualityItem};
    // Each item (coding and q-value) parsed by actix-web's typed `Accept-Encoding` items; an
    // item it cannot read is left out.
    let items: Vec<QualityItem<Preference<Encoding>>> = accept_encoding?
        .split(',')
        .filter_map(|item| item.trim().parse().ok())
        .collect();
    let star = items
        .iter()
        .find(|i| matches!(i.item, Preference::Any))
        .map(|i| i.quality);
    let q_of = |coding: Coding| {
        let wanted = coding.encoding();
        items
            .iter()
            .find(|i| matches!(&i.item, Preference::Specific(e) if *e == wanted))
            .map(|i| i.quality)
            .or(star)
            .unwrap_or(Quality::ZERO)
    };
    let mut best: Option<(Coding, Quality)> = None;
    for coding in Coding::ALL {
        let q = q_of(coding);
        if q > Quality::ZERO && best.is_none_or(|(_, b)| q > b) {
            best = Some((coding, q));
        }
    }
    best.map(|(coding, _)| coding)
}
