//! Webhook signatures: HMAC-SHA256 over `timestamp + "." + body`, sent as
//! `X-RRM-Signature: t=<unix seconds>,v1=<hex>`, and the signing secrets.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-RRM-Signature";
/// The header carrying the delivery id (the same on every attempt: receivers de-duplicate).
pub const DELIVERY_HEADER: &str = "X-RRM-Delivery";
/// The header carrying the event kind.
pub const EVENT_HEADER: &str = "X-RRM-Event";
/// The prefix of every signing secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret: `whsec_` and 32 bytes from the operating system's CSPRNG in hex. The
/// HMAC key is the whole string's bytes.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", hex::encode(bytes))
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    m.update(timestamp.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    m
}

/// The value of the signature header for `body` sent at `timestamp` (Unix seconds).
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = mac(secret, timestamp, body).finalize().into_bytes();
    format!("t={timestamp},v1={}", hex::encode(tag))
}

/// Why a signature header was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureError {
    /// The header is not `t=<unix>,v1=<hex>`.
    Malformed,
    /// The timestamp is further than the tolerance from now (a replay or a wrong clock).
    Stale,
    /// No `v1` value matches.
    Mismatch,
}

impl std::fmt::Display for SignatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SignatureError::Malformed => "malformed signature header",
            SignatureError::Stale => "signature timestamp outside the tolerance",
            SignatureError::Mismatch => "signature does not match",
        })
    }
}

impl std::error::Error for SignatureError {}

/// Checks a signature header as a receiver would: the timestamp within `tolerance` seconds of
/// `now`, and one `v1` equal (in constant time) to the HMAC of `timestamp.body`.
pub fn verify(
    secret: &str,
    header: &str,
    body: &[u8],
    now: i64,
    tolerance: i64,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut tags = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => timestamp = v.parse::<i64>().ok(),
            Some(("v1", v)) => tags.push(hex::decode(v).map_err(|_| SignatureError::Malformed)?),
            _ => {}
        }
    }
    let Some(t) = timestamp else {
        return Err(SignatureError::Malformed);
    };
    if tags.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - t).abs() > tolerance {
        return Err(SignatureError::Stale);
    }
    let expected = mac(secret, t, body).finalize().into_bytes();
    if tags
        .iter()
        .any(|tag| bool::from(tag.ct_eq(expected.as_slice())))
    {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answer() {
        // HMAC-SHA256(key "whsec_test", "1700000000.{}"), computed independently with
        // Python's hmac module.
        assert_eq!(
            signature("whsec_test", 1_700_000_000, b"{}"),
            "t=1700000000,v1=35495024f4ef3f94e5a93e22221544c4b75e9a42300cd965ab81cb85cd994e91"
        );
    }

    #[test]
    fn verify_accepts_its_own_and_refuses_changes() {
        let secret = new_secret();
        assert!(secret.starts_with(SECRET_PREFIX) && secret.len() == SECRET_PREFIX.len() + 64);
        assert_ne!(secret, new_secret());
        let body = br#"{"kind":"ping"}"#;
        let h = signature(&secret, 1000, body);
        assert_eq!(verify(&secret, &h, body, 1010, 300), Ok(()));
        assert_eq!(
            verify(&secret, &h, br#"{"kind":"pong"}"#, 1010, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify("whsec_other", &h, body, 1010, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&secret, &h, body, 2000, 300),
            Err(SignatureError::Stale)
        );
        // The timestamp is signed: moving it breaks the tag.
        let moved = h.replace("t=1000", "t=1001");
        assert_eq!(
            verify(&secret, &moved, body, 1010, 300),
            Err(SignatureError::Mismatch)
        );
        for bad in ["", "t=1000", "v1=00", "t=x,v1=00", "t=1000,v1=zz"] {
            assert_eq!(
                verify(&secret, bad, body, 1010, 300),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
    }
}
