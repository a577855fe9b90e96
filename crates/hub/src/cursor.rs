//! Opaque, HMAC-protected paging cursors bound to caller, collection, endpoint and filter.
//!
//! A cursor is `base64url(version || date_added || seq || tag)` where `tag` is
//! HMAC-SHA256 over the position and a binding (user id, collection, endpoint, object id and
//! the canonical filter). Nothing about the binding travels in the cursor: a cursor used by
//! another user, on another collection or with another filter simply fails the tag check.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use store::Position;

use crate::{HubError, ObjectFilter};

type HmacSha256 = Hmac<Sha256>;

/// The cursor format version.
const VERSION: u8 = 1;
/// Bytes of a decoded cursor: version, two i64 and the 32-byte tag.
const LEN: usize = 1 + 8 + 8 + 32;

/// What a cursor is bound to.
pub(crate) struct Binding<'a> {
    /// The caller's user id.
    pub user_id: i64,
    /// The collection's UUID.
    pub collection_id: &'a str,
    /// The endpoint: `objects`, `manifest`, `object` or `versions`.
    pub endpoint: &'static str,
    /// The object id of the object and versions endpoints.
    pub object_id: Option<&'a str>,
    /// The filter.
    pub filter: &'a ObjectFilter,
}

/// Appends a length-prefixed string, so concatenations cannot collide.
fn put_str(mac: &mut HmacSha256, s: &str) {
    mac.update(&(s.len() as u64).to_le_bytes());
    mac.update(s.as_bytes());
}

/// Appends a length-prefixed list of strings.
fn put_list(mac: &mut HmacSha256, items: &[String]) {
    mac.update(&(items.len() as u64).to_le_bytes());
    for s in items {
        put_str(mac, s);
    }
}

/// The tag of a position under a binding.
fn tag(key: &[u8; 32], pos: Position, b: &Binding<'_>) -> Result<HmacSha256, HubError> {
    let mut mac = HmacSha256::new_from_slice(key)
        .map_err(|_| HubError::BadCursor("cursor key is unusable".to_string()))?;
    mac.update(b"rrm-cursor-v1");
    mac.update(&pos.date_added.to_le_bytes());
    mac.update(&pos.seq.to_le_bytes());
    mac.update(&b.user_id.to_le_bytes());
    put_str(&mut mac, b.collection_id);
    put_str(&mut mac, b.endpoint);
    put_str(&mut mac, b.object_id.unwrap_or(""));
    let f = b.filter;
    match f.added_after {
        Some(t) => {
            mac.update(&[1]);
            mac.update(&t.to_le_bytes());
        }
        None => mac.update(&[0]),
    }
    put_list(&mut mac, &f.ids);
    put_list(&mut mac, &f.types);
    put_list(&mut mac, &f.spec_versions);
    let v = &f.versions;
    mac.update(&[u8::from(v.all), u8::from(v.last), u8::from(v.first)]);
    mac.update(&(v.at.len() as u64).to_le_bytes());
    for t in &v.at {
        mac.update(&t.to_le_bytes());
    }
    Ok(mac)
}

/// Encodes a cursor for a position.
pub(crate) fn encode(key: &[u8; 32], pos: Position, b: &Binding<'_>) -> Result<String, HubError> {
    let mac = tag(key, pos, b)?;
    let mut raw = Vec::with_capacity(LEN);
    raw.push(VERSION);
    raw.extend_from_slice(&pos.date_added.to_be_bytes());
    raw.extend_from_slice(&pos.seq.to_be_bytes());
    raw.extend_from_slice(&mac.finalize().into_bytes());
    Ok(URL_SAFE_NO_PAD.encode(raw))
}

/// Decodes and verifies a cursor (in constant time); `BadCursor` if it is malformed or was
/// not issued for this binding.
pub(crate) fn decode(key: &[u8; 32], cursor: &str, b: &Binding<'_>) -> Result<Position, HubError> {
    let bad = || {
        HubError::BadCursor(
            "the 'next' value is not a cursor this server issued for this caller, collection \
             and filter"
                .to_string(),
        )
    };
    if cursor.len() > 128 {
        return Err(bad());
    }
    let raw = URL_SAFE_NO_PAD
        .decode(cursor.as_bytes())
        .map_err(|_| bad())?;
    if raw.len() != LEN || raw.first() != Some(&VERSION) {
        return Err(bad());
    }
    let mut da = [0u8; 8];
    let mut seq = [0u8; 8];
    da.copy_from_slice(raw.get(1..9).ok_or_else(bad)?);
    seq.copy_from_slice(raw.get(9..17).ok_or_else(bad)?);
    let pos = Position {
        date_added: i64::from_be_bytes(da),
        seq: i64::from_be_bytes(seq),
    };
    let mac = tag(key, pos, b)?;
    mac.verify_slice(raw.get(17..).ok_or_else(bad)?)
        .map_err(|_| bad())?;
    Ok(pos)
}
