//! Typed request bodies of the detection API: starting a detection and publishing its groups.
//! Each refuses unknown properties; a value that does not fit names its field.

use serde::de::{Deserializer, Error as _};
use serde::Deserialize;
use serde_json::Value;
use store::Tlp;

/// The networks a detection runs when none are named.
pub const DEFAULT_NETWORKS: [&str; 4] = ["co_retweet", "co_reply", "co_link", "co_tweet"];

/// The window of a detection that names none, in seconds.
pub const DEFAULT_WINDOW: f64 = 60.0;

/// A detection request: `{"dataset", "networks"?, "window"?, "min_weight"?, "similarity"?}`.
/// Absent or null fields take their defaults.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectRequest {
    /// The dataset id.
    pub dataset: String,
    /// Network names (`co_retweet`, `co_tweet`, ...): a list, or one comma-separated string;
    /// [`DEFAULT_NETWORKS`] by default.
    #[serde(default = "default_networks", deserialize_with = "networks")]
    pub networks: Vec<String>,
    /// Window in seconds ([`DEFAULT_WINDOW`] by default); `None` (`"auto"`) estimates it from
    /// the data (CooRnet, q = 0.1, p = 0.5).
    #[serde(default = "default_window", deserialize_with = "window")]
    pub window: Option<f64>,
    /// Minimum edge weight per direction (default 2).
    #[serde(default = "default_min_weight", deserialize_with = "min_weight")]
    pub min_weight: u32,
    /// Jaccard threshold of `co_similar_tweet` (default 0.8).
    #[serde(default = "default_similarity", deserialize_with = "similarity")]
    pub similarity: f64,
}

/// Which groups of a done detection to publish, where, and under which TLP (default AMBER):
/// `{"groups": [ids], "collection", "tlp"?}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// The group ids (`group-1`, ...).
    pub groups: Vec<String>,
    /// The collection (UUID or slug).
    pub collection: String,
    /// The marking of everything published.
    #[serde(default = "default_tlp", deserialize_with = "tlp")]
    pub tlp: Tlp,
}

fn default_networks() -> Vec<String> {
    DEFAULT_NETWORKS.iter().map(|s| s.to_string()).collect()
}

fn default_window() -> Option<f64> {
    Some(DEFAULT_WINDOW)
}

fn default_min_weight() -> u32 {
    2
}

fn default_similarity() -> f64 {
    0.8
}

fn default_tlp() -> Tlp {
    Tlp::Amber
}

fn networks<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(default_networks()),
        Some(Value::String(s)) => Ok(s.split(',').map(|x| x.trim().to_string()).collect()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| D::Error::custom("must be a list of network names"))
            })
            .collect(),
        Some(_) => Err(D::Error::custom("must be a list of names")),
    }
}

fn window<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(default_window()),
        Some(Value::String(s)) if s == "auto" => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(_) => Err(D::Error::custom("must be a number of seconds or \"auto\"")),
    }
}

fn min_weight<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => return Ok(default_min_weight()),
        Some(v) => v,
    };
    // JSON Schema's integers include integral numbers written with a fraction (`2.0`).
    v.as_u64()
        .or_else(|| {
            v.as_f64()
                .filter(|f| f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(f))
                .map(|f| f as u64)
        })
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| D::Error::custom("must be a positive integer"))
}

fn similarity<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(default_similarity()),
        Some(v) => v
            .as_f64()
            .ok_or_else(|| D::Error::custom("must be a number in (0, 1]")),
    }
}

fn tlp<'de, D: Deserializer<'de>>(d: D) -> Result<Tlp, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(default_tlp()),
        Some(Value::String(s)) => s.parse().map_err(D::Error::custom),
        Some(_) => Err(D::Error::custom("must be a string such as AMBER")),
    }
}
