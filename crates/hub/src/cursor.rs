//! Opaque, encrypted and authenticated paging cursors bound to caller, collection, endpoint and
//! filter.
//!
//! A cursor is `base64url(version || ciphertext || siv)`, a deterministic authenticated
//! encryption (SIV) of a 16-byte position built from HMAC-SHA256 alone:
//! `siv = HMAC(k_mac, domain || position || binding)`, `ciphertext = position XOR
//! HMAC(k_enc, siv)[..16]`, with `k_mac` and `k_enc` derived from the cursor key. The position
//! (for objects, `date_added` and the hub-wide row sequence) never travels in clear, so a cursor
//! reveals nothing about other collections' ingest volume. Nothing about the binding travels in
//! the cursor either: a cursor used by another user, on another collection or with another
//! filter, or altered in any bit, fails the SIV check.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use store::Position;

use crate::{HubError, ObjectFilter};

type HmacSha256 = Hmac<Sha256>;

/// The cursor format version (1 was the position in clear with an HMAC tag).
const VERSION: u8 = 2;
/// Bytes of a sealed payload.
const PAYLOAD: usize = 16;
/// Bytes of the synthetic IV, which is also the authentication tag.
const SIV: usize = 32;
/// Bytes of a decoded cursor: version, ciphertext and SIV.
const LEN: usize = 1 + PAYLOAD + SIV;

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

/// A MAC keyed with the sub-key of `purpose`, derived from the cursor key.
fn keyed(key: &[u8; 32], purpose: &[u8]) -> Result<HmacSha256, HubError> {
    let unusable = || HubError::BadCursor("cursor key is unusable".to_string());
    let mut kdf = HmacSha256::new_from_slice(key).map_err(|_| unusable())?;
    kdf.update(b"rrm-cursor-v2/");
    kdf.update(purpose);
    let sub = kdf.finalize().into_bytes();
    HmacSha256::new_from_slice(&sub).map_err(|_| unusable())
}

/// The keystream that hides a payload under a SIV.
fn keystream(key: &[u8; 32], siv: &[u8]) -> Result<[u8; PAYLOAD], HubError> {
    let mut mac = keyed(key, b"enc")?;
    mac.update(siv);
    let full = mac.finalize().into_bytes();
    let mut ks = [0u8; PAYLOAD];
    ks.copy_from_slice(&full[..PAYLOAD]);
    Ok(ks)
}

/// Seals a payload under a domain and a binding written by `bind`.
fn seal(
    key: &[u8; 32],
    domain: &str,
    payload: [u8; PAYLOAD],
    bind: &dyn Fn(&mut HmacSha256),
) -> Result<String, HubError> {
    let mut mac = keyed(key, b"mac")?;
    put_str(&mut mac, domain);
    mac.update(&payload);
    bind(&mut mac);
    let siv = mac.finalize().into_bytes();
    let ks = keystream(key, &siv)?;
    let mut raw = Vec::with_capacity(LEN);
    raw.push(VERSION);
    raw.extend(payload.iter().zip(ks.iter()).map(|(p, k)| p ^ k));
    raw.extend_from_slice(&siv);
    Ok(URL_SAFE_NO_PAD.encode(raw))
}

/// Opens a sealed cursor (checking the SIV in constant time); `None` if it is malformed,
/// altered, or was sealed under another key, domain or binding.
fn open(
    key: &[u8; 32],
    domain: &str,
    cursor: &str,
    bind: &dyn Fn(&mut HmacSha256),
) -> Result<Option<[u8; PAYLOAD]>, HubError> {
    if cursor.len() > 128 {
        return Ok(None);
    }
    let Ok(raw) = URL_SAFE_NO_PAD.decode(cursor.as_bytes()) else {
        return Ok(None);
    };
    if raw.len() != LEN || raw.first() != Some(&VERSION) {
        return Ok(None);
    }
    let (Some(ct), Some(siv)) = (raw.get(1..1 + PAYLOAD), raw.get(1 + PAYLOAD..)) else {
        return Ok(None);
    };
    let ks = keystream(key, siv)?;
    let mut payload = [0u8; PAYLOAD];
    for (i, b) in payload.iter_mut().enumerate() {
        *b = ct[i] ^ ks[i];
    }
    let mut mac = keyed(key, b"mac")?;
    put_str(&mut mac, domain);
    mac.update(&payload);
    bind(&mut mac);
    Ok(mac.verify_slice(siv).ok().map(|()| payload))
}

/// Two i64 as a payload.
fn pack(a: i64, b: i64) -> [u8; PAYLOAD] {
    let mut p = [0u8; PAYLOAD];
    p[..8].copy_from_slice(&a.to_be_bytes());
    p[8..].copy_from_slice(&b.to_be_bytes());
    p
}

/// A payload as two i64.
fn unpack(p: &[u8; PAYLOAD]) -> (i64, i64) {
    let mut a = [0u8; 8];
    let mut b = [0u8; 8];
    a.copy_from_slice(&p[..8]);
    b.copy_from_slice(&p[8..]);
    (i64::from_be_bytes(a), i64::from_be_bytes(b))
}

/// Writes an object-paging binding into a MAC.
fn bind_objects(mac: &mut HmacSha256, b: &Binding<'_>) {
    mac.update(&b.user_id.to_le_bytes());
    put_str(mac, b.collection_id);
    put_str(mac, b.endpoint);
    put_str(mac, b.object_id.unwrap_or(""));
    let f = b.filter;
    match f.added_after {
        Some(t) => {
            mac.update(&[1]);
            mac.update(&t.to_le_bytes());
        }
        None => mac.update(&[0]),
    }
    put_list(mac, &f.ids);
    put_list(mac, &f.types);
    put_list(mac, &f.spec_versions);
    let v = &f.versions;
    mac.update(&[u8::from(v.all), u8::from(v.last), u8::from(v.first)]);
    mac.update(&(v.at.len() as u64).to_le_bytes());
    for t in &v.at {
        mac.update(&t.to_le_bytes());
    }
}

/// Encodes a cursor for a position.
pub(crate) fn encode(key: &[u8; 32], pos: Position, b: &Binding<'_>) -> Result<String, HubError> {
    seal(key, "objects", pack(pos.date_added, pos.seq), &|mac| {
        bind_objects(mac, b)
    })
}

/// Decodes and verifies a cursor; `BadCursor` if it is malformed, was altered or was not
/// issued for this binding.
pub(crate) fn decode(key: &[u8; 32], cursor: &str, b: &Binding<'_>) -> Result<Position, HubError> {
    match open(key, "objects", cursor, &|mac| bind_objects(mac, b))? {
        Some(p) => {
            let (date_added, seq) = unpack(&p);
            Ok(Position { date_added, seq })
        }
        None => Err(HubError::BadCursor(
            "the 'next' value is not a cursor this server issued for this caller, collection \
             and filter"
                .to_string(),
        )),
    }
}

/// Encodes a public ad-search cursor: the last ad id shown and the newest ad id the search may
/// show, bound to the search's filter fingerprint.
pub(crate) fn encode_ads(
    key: &[u8; 32],
    after: i64,
    upto: i64,
    fingerprint: &str,
) -> Result<String, HubError> {
    seal(key, "public-ads", pack(after, upto), &|mac| {
        put_str(mac, fingerprint)
    })
}

/// Decodes a public ad-search cursor; `BadCursor` unless this server issued it for the same
/// filters.
pub(crate) fn decode_ads(
    key: &[u8; 32],
    cursor: &str,
    fingerprint: &str,
) -> Result<(i64, i64), HubError> {
    match open(key, "public-ads", cursor, &|mac| put_str(mac, fingerprint))? {
        Some(p) => Ok(unpack(&p)),
        None => Err(HubError::BadCursor("not a cursor of this search".into())),
    }
}

/// Encodes a keyset cursor of a service's list (a position pair) under the service's own
/// domain label, bound to the list's fingerprint (the caller and the list).
pub(crate) fn encode_list(
    key: &[u8; 32],
    domain: &str,
    after: i64,
    upto: i64,
    fingerprint: &str,
) -> Result<String, HubError> {
    seal(key, domain, pack(after, upto), &|mac| {
        put_str(mac, fingerprint)
    })
}

/// Decodes a cursor of [`encode_list`]; `BadCursor` unless this server issued it for the same
/// domain and fingerprint.
pub(crate) fn decode_list(
    key: &[u8; 32],
    domain: &str,
    cursor: &str,
    fingerprint: &str,
) -> Result<(i64, i64), HubError> {
    match open(key, domain, cursor, &|mac| put_str(mac, fingerprint))? {
        Some(p) => Ok(unpack(&p)),
        None => Err(HubError::BadCursor("not a cursor of this list".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Over random positions, users and filters: a cursor opens only under its own binding
        /// and key, with the position it was sealed with, and no altered byte opens.
        #[test]
        fn cursors_open_only_for_their_binding(
            date_added in any::<i64>(),
            seq in any::<i64>(),
            user in 1i64..1000,
            other_user in 1i64..1000,
            types in prop::collection::vec("[a-z-]{1,12}", 0..3),
            flip in 0usize..(LEN * 8),
        ) {
            let key = [3u8; 32];
            let filter = ObjectFilter { types, ..ObjectFilter::default() };
            let b = |user_id| Binding {
                user_id,
                collection_id: "c1",
                endpoint: "objects",
                object_id: None,
                filter: &filter,
            };
            let pos = Position { date_added, seq };
            let c = encode(&key, pos, &b(user)).unwrap();
            let back = decode(&key, &c, &b(user)).unwrap();
            prop_assert_eq!((back.date_added, back.seq), (date_added, seq));
            if other_user != user {
                prop_assert!(decode(&key, &c, &b(other_user)).is_err());
            }
            prop_assert!(decode(&[4u8; 32], &c, &b(user)).is_err());
            let mut raw = URL_SAFE_NO_PAD.decode(&c).unwrap();
            raw[flip / 8] ^= 1 << (flip % 8);
            let e = decode(&key, &URL_SAFE_NO_PAD.encode(&raw), &b(user)).unwrap_err();
            prop_assert_eq!(e.code(), "bad_cursor");
        }
    }

    #[test]
    fn every_bit_flip_is_refused_and_the_position_is_hidden() {
        let key = [7u8; 32];
        let c = encode_ads(&key, 41, 1_000_000, "fp").unwrap();
        assert_eq!(decode_ads(&key, &c, "fp").unwrap(), (41, 1_000_000));
        let raw = URL_SAFE_NO_PAD.decode(&c).unwrap();
        // The clear big-endian numbers do not appear in the cursor.
        assert!(!raw
            .windows(8)
            .any(|w| w == 1_000_000i64.to_be_bytes() || w == 41i64.to_be_bytes()));
        for i in 0..raw.len() * 8 {
            let mut t = raw.clone();
            t[i / 8] ^= 1 << (i % 8);
            let e = decode_ads(&key, &URL_SAFE_NO_PAD.encode(&t), "fp").unwrap_err();
            assert_eq!(e.code(), "bad_cursor");
        }
        assert!(decode_ads(&key, &c, "other").is_err());
        assert!(decode_ads(&[8u8; 32], &c, "fp").is_err());
    }
}
