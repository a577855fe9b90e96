//! ads integration tests: one test binary, one module per area.

mod ads;
mod prop_ad_authorities;
mod prop_ads;

use serde_json::Value;

/// A JSON test document as the typed request it stands for.
pub(crate) fn typed<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("a well-typed test document")
}

/// Registers the election `v` under its own id.
pub(crate) fn put_election(
    ads: &::ads::Ads,
    p: &hub::Principal,
    v: Value,
) -> Result<store::ElectionRecord, ::ads::Error> {
    let id = v["id"].as_str().unwrap_or_default().to_string();
    ads.put_election(p, &id, typed(v))
}
