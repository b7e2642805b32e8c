//! Signed list cursors: a sort position (or a change-log `seq`) and an HMAC, accepted by every instance.

use super::*;

/// The key cursors are signed with: kept in the database (`db::keys`, name `cursor`) so that
/// every instance accepts the others' cursors, and a crafted one is a 400.
#[derive(Clone)]
pub struct CursorKey(pub(super) std::sync::Arc<[u8]>);

/// The bytes of a cursor's signature: a truncated HMAC-SHA256 (128 bits, as RFC 2104 allows).
pub(super) const TAG_BYTES: usize = 16;

type CursorMac = hmac::Hmac<sha2::Sha256>;

impl CursorKey {
    /// The stored key, made by the first instance that needs one.
    pub fn load(
        conn: &mut crate::db::DbConnection,
        now: chrono::NaiveDateTime,
    ) -> Result<Self, ApiError> {
        let fresh = crate::domain::token::random_secret().map_err(ApiError::Internal)?;
        let secret = crate::db::keys::service_key(conn, "cursor", &fresh, now)?;
        Ok(CursorKey(secret.into_bytes().into()))
    }

    /// A key for another purpose, derived from this one (HMAC of the purpose's name): every
    /// instance has it, and it signs nothing a cursor could be mistaken for.
    pub fn derive(&self, purpose: &str) -> Vec<u8> {
        use hmac::Mac;
        self.mac(purpose.as_bytes())
            .finalize()
            .into_bytes()
            .to_vec()
    }

    fn mac(&self, data: &[u8]) -> CursorMac {
        use hmac::{KeyInit, Mac};
        // HMAC takes a key of any length.
        let mut mac = <CursorMac as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        mac.update(data);
        mac
    }

    /// The data followed by its signature.
    fn sign(&self, mut data: Vec<u8>) -> Vec<u8> {
        use hmac::Mac;
        let tag = self.mac(&data).finalize().into_bytes();
        data.extend_from_slice(&tag[..TAG_BYTES]);
        data
    }

    /// The data of a signed message whose signature is right (compared in constant time).
    fn verify<'a>(&self, signed: &'a [u8]) -> Option<&'a [u8]> {
        use hmac::Mac;
        let split = signed.len().checked_sub(TAG_BYTES)?;
        let (data, tag) = signed.split_at(split);
        self.mac(data).verify_truncated_left(tag).ok()?;
        Some(data)
    }
}

/// The cursor's wire form: base64url of a small JSON object followed by its signature. Opaque
/// to clients; decoding checks the signature and that it belongs to the same sort.
#[derive(Serialize, serde::Deserialize)]
pub(super) struct CursorData {
    s: String,
    d: bool,
    v: Option<String>,
    i: i64,
}

pub(super) const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.f";

pub(super) fn encode_cursor(
    key: &CursorKey,
    sort: &str,
    desc: bool,
    value: &KeyValue,
    id: i64,
) -> String {
    let v = match value {
        KeyValue::Text(t) => Some(t.clone()),
        KeyValue::Time(t) => Some(t.format(TIME_FORMAT).to_string()),
        KeyValue::Date(d) => Some(d.to_string()),
        KeyValue::Null | KeyValue::Id => None,
    };
    let json = serde_json::to_vec(&CursorData {
        s: sort.to_owned(),
        d: desc,
        v,
        i: id,
    })
    .unwrap_or_default();
    URL_SAFE_NO_PAD.encode(key.sign(json))
}

/// Decodes a cursor made for this sort key and direction; the value's type follows the key.
pub(super) fn decode_cursor(
    key: &CursorKey,
    raw: &str,
    sort: &str,
    desc: bool,
) -> Result<After, String> {
    let bad =
        || "is not a cursor of this list and sort (take `meta.next_cursor` as it is)".to_owned();
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?;
    let data = key.verify(&bytes).ok_or_else(bad)?;
    let data: CursorData = serde_json::from_slice(data).map_err(|_| bad())?;
    if data.s != sort || data.d != desc {
        return Err(bad());
    }
    let value = match (sort, data.v) {
        ("id" | "seq", _) => KeyValue::Id,
        ("published_at" | "updated_at", Some(v)) => KeyValue::Time(
            chrono::NaiveDateTime::parse_from_str(&v, TIME_FORMAT).map_err(|_| bad())?,
        ),
        ("starts_on", Some(v)) => KeyValue::Date(v.parse().map_err(|_| bad())?),
        ("starts_on", None) => KeyValue::Null,
        ("title" | "name", Some(v)) => KeyValue::Text(v),
        _ => return Err(bad()),
    };
    Ok(After { value, id: data.i })
}

/// A signed cursor standing for a position in the change log (`seq`).
pub fn seq_cursor(key: &CursorKey, seq: i64) -> String {
    encode_cursor(key, "seq", false, &KeyValue::Id, seq)
}

/// The change-log position a `seq_cursor` stands for.
pub fn parse_seq_cursor(key: &CursorKey, raw: &str) -> Result<i64, String> {
    decode_cursor(key, raw, "seq", false).map(|after| after.id)
}
