//! TAXII 2.1 URL filters (`added_after`, `limit`, `next`, `match[...]`): parsing the raw query
//! string strictly, naming the parameter and value at fault.

use std::fmt;

use hub::ObjectFilter;
use store::VersionFilter;

use stix::parse_rfc3339_micros as parse_micros;

/// Which TAXII endpoint the query belongs to; each accepts a different set of filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// `objects/` and `manifest/`.
    Objects,
    /// `objects/{object_id}/` GET.
    Object,
    /// `objects/{object_id}/versions/`.
    Versions,
    /// `objects/{object_id}/` DELETE.
    Delete,
}

/// A filter parameter that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FilterError {
    /// The URL parameter, e.g. `match[version]`.
    pub parameter: String,
    /// The offending value.
    pub value: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid value {:?} for URL parameter {}: {}",
            self.value, self.parameter, self.message
        )
    }
}

/// The parsed filters of one request.
#[derive(Debug)]
pub(crate) struct Filters {
    /// What the hub filters on.
    pub filter: ObjectFilter,
    /// `limit`, if given.
    pub limit: Option<usize>,
    /// `next`, if given.
    pub next: Option<String>,
}

fn err(parameter: &str, value: &str, message: impl Into<String>) -> FilterError {
    FilterError {
        parameter: parameter.to_string(),
        value: value.to_string(),
        message: message.into(),
    }
}

/// Whether every `%` of raw query text starts a `%XX` escape.
fn escapes_are_well_formed(raw: &str) -> bool {
    let b = raw.as_bytes();
    b.iter().enumerate().all(|(i, c)| {
        *c != b'%'
            || (b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    })
}

/// Splits a raw query string into (name, value) pairs decoded as
/// `application/x-www-form-urlencoded` (`+` is a space, `%XX` a byte), in order, repeated
/// names kept. A malformed escape or bytes that are not UTF-8 are refused, naming the
/// parameter.
pub(crate) fn query_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, FilterError> {
    let mut pairs = Vec::new();
    for part in raw.unwrap_or("").split('&') {
        let Some((key, value)) = form_urlencoded::parse(part.as_bytes()).next() else {
            continue;
        };
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        if !escapes_are_well_formed(k) || key.contains('\u{FFFD}') {
            return Err(err(
                k,
                v,
                "the parameter name is not valid percent-encoded UTF-8",
            ));
        }
        if !escapes_are_well_formed(v) || value.contains('\u{FFFD}') {
            return Err(err(&key, v, "the value is not valid percent-encoded UTF-8"));
        }
        pairs.push((key.into_owned(), value.into_owned()));
    }
    Ok(pairs)
}

fn comma_list<'a>(parameter: &str, value: &'a str) -> Result<Vec<&'a str>, FilterError> {
    let items: Vec<&str> = value.split(',').map(str::trim).collect();
    if items.iter().any(|s| s.is_empty()) {
        return Err(err(
            parameter,
            value,
            "empty item in a comma-separated list",
        ));
    }
    Ok(items)
}

/// A STIX type name, by `stix`'s rule.
fn valid_type(t: &str) -> bool {
    stix::check_type_name(t).is_ok()
}

/// A STIX identifier, by `stix`'s rule (the only ids an object can be stored under).
fn valid_id(id: &str) -> bool {
    stix::id_type(id).is_ok()
}

/// Parses a raw TAXII query string as each endpoint would and returns each verdict (an error
/// names the parameter): the fuzzing entry point of the filter parser.
pub fn check_taxii_query(raw: &str) -> Vec<Result<(), String>> {
    [
        Endpoint::Objects,
        Endpoint::Object,
        Endpoint::Versions,
        Endpoint::Delete,
    ]
    .into_iter()
    .map(|e| parse(Some(raw), e).map(|_| ()).map_err(|e| e.to_string()))
    .collect()
}

/// Parses the filters a TAXII endpoint accepts; unknown parameters are ignored, as TAXII
/// requires of filters a server does not support.
pub(crate) fn parse(raw: Option<&str>, endpoint: Endpoint) -> Result<Filters, FilterError> {
    let mut filter = ObjectFilter {
        added_after: None,
        ids: Vec::new(),
        types: Vec::new(),
        versions: if endpoint == Endpoint::Delete {
            VersionFilter::all()
        } else {
            VersionFilter::default()
        },
        spec_versions: Vec::new(),
    };
    let mut limit = None;
    let mut next = None;
    let mut versions_seen = false;
    let paged = endpoint != Endpoint::Delete;
    for (key, value) in query_pairs(raw)? {
        match key.as_str() {
            "added_after" if paged => {
                let t = parse_micros(&value).map_err(|m| err(&key, &value, m))?;
                filter.added_after = Some(t);
            }
            "limit" if paged => {
                let n: usize = value
                    .parse()
                    .map_err(|_| err(&key, &value, "expected a positive integer"))?;
                if n == 0 {
                    return Err(err(&key, &value, "expected a positive integer"));
                }
                limit = Some(n);
            }
            "next" if paged => {
                if value.is_empty() {
                    return Err(err(&key, &value, "the paging cursor is empty"));
                }
                next = Some(value);
            }
            "match[id]" if endpoint == Endpoint::Objects => {
                for id in comma_list(&key, &value)? {
                    if !valid_id(id) {
                        return Err(err(&key, id, "expected a STIX id of the form type--UUID"));
                    }
                    filter.ids.push(id.to_string());
                }
            }
            "match[type]" if endpoint == Endpoint::Objects => {
                for t in comma_list(&key, &value)? {
                    if !valid_type(t) {
                        return Err(err(
                            &key,
                            t,
                            "expected a STIX type (3-250 characters of a-z, 0-9 and '-')",
                        ));
                    }
                    filter.types.push(t.to_string());
                }
            }
            "match[version]" if endpoint != Endpoint::Versions => {
                if !versions_seen {
                    filter.versions = VersionFilter {
                        all: false,
                        last: false,
                        first: false,
                        at: Vec::new(),
                    };
                    versions_seen = true;
                }
                for v in comma_list(&key, &value)? {
                    match v {
                        "all" => filter.versions.all = true,
                        "last" => filter.versions.last = true,
                        "first" => filter.versions.first = true,
                        ts => {
                            let t = parse_micros(ts).map_err(|_| {
                                err(
                                    &key,
                                    ts,
                                    "expected first, last, all or an RFC 3339 timestamp",
                                )
                            })?;
                            filter.versions.at.push(t);
                        }
                    }
                }
            }
            "match[spec_version]" => {
                for s in comma_list(&key, &value)? {
                    let ok = s
                        .split_once('.')
                        .map(|(a, b)| {
                            !a.is_empty()
                                && !b.is_empty()
                                && a.bytes().all(|c| c.is_ascii_digit())
                                && b.bytes().all(|c| c.is_ascii_digit())
                        })
                        .unwrap_or(false);
                    if !ok {
                        return Err(err(&key, s, "expected a STIX spec version such as 2.1"));
                    }
                    filter.spec_versions.push(s.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(Filters {
        filter,
        limit,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_types_follow_the_stix_rules() {
        // Ids no object can be stored under are refused, as stix refuses them.
        for id in [
            "indicator--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F",
            "indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f",
            "x--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        ] {
            assert!(stix::id_type(id).is_err(), "{id}");
            let e = parse(Some(&format!("match[id]={id}")), Endpoint::Objects).unwrap_err();
            assert_eq!(e.parameter, "match[id]", "{id}");
        }
        assert!(parse(Some("match[type]=x--y"), Endpoint::Objects).is_err());
        let ok = parse(
            Some("match[id]=x-acme-thing--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f&match[type]=x-acme-thing"),
            Endpoint::Objects,
        )
        .unwrap();
        assert_eq!(ok.filter.types, vec!["x-acme-thing"]);
    }

    #[test]
    fn parses_every_filter() {
        let f = parse(
            Some("added_after=2024-01-01T00:00:00Z&limit=5&next=abc&match%5Bid%5D=indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f&match[type]=indicator,malware&match[version]=first,2024-01-01T00:00:00.000Z&match[spec_version]=2.1"),
            Endpoint::Objects,
        )
        .unwrap();
        assert_eq!(f.limit, Some(5));
        assert_eq!(f.next.as_deref(), Some("abc"));
        assert_eq!(f.filter.ids.len(), 1);
        assert_eq!(f.filter.types, vec!["indicator", "malware"]);
        assert!(f.filter.versions.first && !f.filter.versions.last);
        assert_eq!(f.filter.versions.at.len(), 1);
        assert_eq!(f.filter.spec_versions, vec!["2.1"]);
        assert_eq!(f.filter.added_after, Some(1_704_067_200_000_000));
    }

    #[test]
    fn rejects_bad_values_naming_the_parameter() {
        for (q, p) in [
            ("limit=0", "limit"),
            ("limit=-3", "limit"),
            ("limit=ten", "limit"),
            ("added_after=yesterday", "added_after"),
            ("match[version]=newest", "match[version]"),
            ("match[type]=Indicator", "match[type]"),
            ("match[id]=indicator--nope", "match[id]"),
            ("match[spec_version]=two", "match[spec_version]"),
            ("match[type]=indicator,,malware", "match[type]"),
            ("next=", "next"),
        ] {
            let e = parse(Some(q), Endpoint::Objects).unwrap_err();
            assert_eq!(e.parameter, p, "{q}");
        }
        assert!(parse(Some("limit=%zz"), Endpoint::Objects).is_err());
    }

    #[test]
    fn query_strings_decode_as_forms_keeping_repeats_and_refusing_bad_bytes() {
        let pairs = query_pairs(Some(
            "match%5Btype%5D=indicator&match[type]=malware&q=a+b%2Bc&flag&&x=%C3%A9",
        ))
        .unwrap();
        let want = [
            ("match[type]", "indicator"),
            ("match[type]", "malware"),
            ("q", "a b+c"),
            ("flag", ""),
            ("x", "\u{e9}"),
        ];
        let got: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(got, want);
        // Both repeats of a filter apply.
        let f = parse(
            Some("match[type]=indicator&match[type]=malware"),
            Endpoint::Objects,
        )
        .unwrap();
        assert_eq!(f.filter.types, vec!["indicator", "malware"]);
        for (q, p) in [
            ("next=%zz", "next"),
            ("next=%C3%28", "next"),
            ("%FF=1", "%FF"),
            ("id=%4", "id"),
        ] {
            let e = query_pairs(Some(q)).unwrap_err();
            assert_eq!(e.parameter, p, "{q}");
            assert!(e.message.contains("percent-encoded UTF-8"), "{q}");
        }
    }

    #[test]
    fn delete_defaults_to_all_versions() {
        let f = parse(None, Endpoint::Delete).unwrap();
        assert!(f.filter.versions.all);
        let f = parse(None, Endpoint::Objects).unwrap();
        assert!(f.filter.versions.last && !f.filter.versions.all);
    }
}
