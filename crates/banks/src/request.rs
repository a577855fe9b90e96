//! Typed request bodies of the bank API: a new bank, a bank's changes, a match request and
//! feedback. Each refuses unknown properties; a value that does not fit names its field.

use serde::de::{Deserializer, Error as _};
use serde::Deserialize;
use serde_json::Value;
use store::{BankUpdate, FeedbackKind, SignalType, Tlp};

use crate::MatchQuery;

/// A new bank: `{"name", "collection", "description"?, "tlp"?}` (TLP default AMBER).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewBankRequest {
    /// The bank's name, `[a-z0-9-]{1,64}`, unique in the organisation.
    pub name: String,
    /// The collection (UUID or slug) its entries are published to.
    pub collection: String,
    /// Free text, at most 4000 bytes.
    #[serde(default)]
    pub description: Option<String>,
    /// Who may match against it; AMBER when absent or null.
    #[serde(default, deserialize_with = "optional_tlp")]
    pub tlp: Option<Tlp>,
}

impl NewBankRequest {
    /// A bank without a description.
    pub fn new(name: impl Into<String>, collection: impl Into<String>, tlp: Tlp) -> NewBankRequest {
        NewBankRequest {
            name: name.into(),
            collection: collection.into(),
            description: None,
            tlp: Some(tlp),
        }
    }
}

/// Changes to a bank: `{"description"?, "tlp"?, "enabled"?}`; absent or null leaves a field.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateBankRequest {
    /// New description.
    #[serde(default)]
    pub description: Option<String>,
    /// New TLP (re-marks the published indicators).
    #[serde(default, deserialize_with = "optional_tlp")]
    pub tlp: Option<Tlp>,
    /// New enabled flag.
    #[serde(default)]
    pub enabled: Option<bool>,
}

impl From<UpdateBankRequest> for BankUpdate {
    fn from(r: UpdateBankRequest) -> BankUpdate {
        BankUpdate {
            description: r.description,
            tlp: r.tlp,
            enabled: r.enabled,
        }
    }
}

/// A JSON match request: `{"hashes": [...], "threshold"?}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchRequest {
    /// The hashes: `"HEX"` (PDQ), `"pdq:HEX"`, `"md5:HEX"`, `"sha256:HEX"` or
    /// `{"signal_type", "value"}`.
    pub hashes: Vec<MatchQuery>,
    /// The PDQ threshold (default 31, at most [`crate::MAX_THRESHOLD`]); null leaves it to the
    /// query string.
    #[serde(default)]
    pub threshold: Option<u32>,
}

/// An organisation's feedback on an entry: `{"kind"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// `true_positive`, `false_positive` or `disagree_labels`.
    #[serde(deserialize_with = "feedback_kind")]
    pub kind: FeedbackKind,
}

impl<'de> Deserialize<'de> for MatchQuery {
    /// `"HEX"` (PDQ), `"TYPE:HEX"` or `{"signal_type", "value"}`; the value is checked when
    /// matching.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<MatchQuery, D::Error> {
        let (t, value) = match Value::deserialize(d)? {
            Value::String(s) => match s.split_once(':') {
                Some((t, v)) => (t.to_string(), v.to_string()),
                None => ("pdq".to_string(), s),
            },
            Value::Object(m) => {
                let get = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
                match (get("signal_type"), get("value")) {
                    (Some(t), Some(v)) => (t, v),
                    _ => {
                        return Err(D::Error::custom(
                            "a hash object needs the strings signal_type and value",
                        ))
                    }
                }
            }
            _ => {
                return Err(D::Error::custom(
                    "must be a string (\"HEX\", \"md5:HEX\", \"sha256:HEX\") or an object",
                ))
            }
        };
        let signal_type: SignalType = t.parse().map_err(D::Error::custom)?;
        Ok(MatchQuery { signal_type, value })
    }
}

/// A TLP level by any of its names (`AMBER+STRICT`, `tlp:green`, `white`); null is `None`.
pub(crate) fn optional_tlp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Tlp>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(D::Error::custom),
    }
}

fn feedback_kind<'de, D: Deserializer<'de>>(d: D) -> Result<FeedbackKind, D::Error> {
    String::deserialize(d)?.parse().map_err(D::Error::custom)
}
