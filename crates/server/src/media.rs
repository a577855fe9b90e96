//! Media-type negotiation for TAXII: which `Accept` headers admit the TAXII 2.1 media type
//! and which `Content-Type` a POST may carry.

/// The TAXII 2.1 media type, sent on every TAXII response.
pub const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";

/// The STIX 2.1 media type, listed in collections and manifests.
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";

/// One parsed media type or media range: lower-cased type, subtype and parameters.
struct MediaType {
    kind: String,
    subtype: String,
    params: Vec<(String, String)>,
}

fn parse_media_type(s: &str) -> Option<MediaType> {
    let mut parts = s.split(';');
    let essence = parts.next()?.trim().to_ascii_lowercase();
    let (kind, subtype) = essence.split_once('/')?;
    if kind.is_empty() || subtype.is_empty() {
        return None;
    }
    let mut params = Vec::new();
    for p in parts {
        let p = p.trim();
        if p.is_empty() {
            continue;
        }
        let (k, v) = p.split_once('=')?;
        let v = v.trim().trim_matches('"');
        params.push((k.trim().to_ascii_lowercase(), v.to_string()));
    }
    Some(MediaType {
        kind: kind.trim().to_string(),
        subtype: subtype.trim().to_string(),
        params,
    })
}

/// Whether an `Accept` header value admits `application/taxii+json;version=2.1`.
///
/// A missing or empty header admits it, as do `*/*`, `application/*` and
/// `application/taxii+json` with `version=2.1` or without a version; ranges with `q=0` do not.
pub fn accept_admits_taxii(accept: Option<&str>) -> bool {
    let Some(accept) = accept else { return true };
    if accept.trim().is_empty() {
        return true;
    }
    accept.split(',').any(|range| {
        let Some(m) = parse_media_type(range) else {
            return false;
        };
        let mut version_ok = true;
        for (k, v) in &m.params {
            match k.as_str() {
                "q" if v.parse::<f32>().map(|q| q <= 0.0).unwrap_or(true) => return false,
                "version" => version_ok = v == "2.1",
                _ => {}
            }
        }
        match (m.kind.as_str(), m.subtype.as_str()) {
            ("*", "*") | ("application", "*") => true,
            ("application", "taxii+json") => version_ok,
            _ => false,
        }
    })
}

/// Whether a POST `Content-Type` is `application/taxii+json` with `version=2.1` or no
/// version (a `charset=utf-8` parameter is tolerated).
pub fn content_type_is_taxii(content_type: Option<&str>) -> bool {
    let Some(m) = content_type.and_then(parse_media_type) else {
        return false;
    };
    if m.kind != "application" || m.subtype != "taxii+json" {
        return false;
    }
    m.params.iter().all(|(k, v)| match k.as_str() {
        "version" => v == "2.1",
        "charset" => v.eq_ignore_ascii_case("utf-8"),
        _ => false,
    })
}

/// Whether a `Content-Type` is `application/json` (optionally with `charset=utf-8`).
pub fn content_type_is_json(content_type: Option<&str>) -> bool {
    let Some(m) = content_type.and_then(parse_media_type) else {
        return false;
    };
    m.kind == "application"
        && m.subtype == "json"
        && m.params
            .iter()
            .all(|(k, v)| k == "charset" && v.eq_ignore_ascii_case("utf-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_header_forms() {
        for ok in [
            None,
            Some(""),
            Some("*/*"),
            Some("application/*"),
            Some("application/taxii+json"),
            Some("application/taxii+json;version=2.1"),
            Some("application/taxii+json; version=2.1"),
            Some("text/html, application/taxii+json;version=2.1;q=0.9"),
            Some("text/html;q=1, */*;q=0.1"),
            Some("APPLICATION/TAXII+JSON;VERSION=2.1"),
        ] {
            assert!(accept_admits_taxii(ok), "{ok:?} should be admitted");
        }
        for bad in [
            "text/html",
            "application/json",
            "application/taxii+json;version=2.0",
            "application/taxii+json;q=0",
            "*/*;q=0",
            "garbage",
            "application/stix+json;version=2.1",
        ] {
            assert!(!accept_admits_taxii(Some(bad)), "{bad:?} should be refused");
        }
    }

    #[test]
    fn content_type_forms() {
        assert!(content_type_is_taxii(Some(
            "application/taxii+json;version=2.1"
        )));
        assert!(content_type_is_taxii(Some("application/taxii+json")));
        assert!(content_type_is_taxii(Some(
            "application/taxii+json; charset=utf-8"
        )));
        assert!(!content_type_is_taxii(Some(
            "application/taxii+json;version=2.0"
        )));
        assert!(!content_type_is_taxii(Some("application/json")));
        assert!(!content_type_is_taxii(Some("text/plain")));
        assert!(!content_type_is_taxii(None));
        assert!(content_type_is_json(Some("application/json")));
        assert!(content_type_is_json(Some(
            "application/json; charset=UTF-8"
        )));
        assert!(!content_type_is_json(Some("application/taxii+json")));
    }
}
