//! Shared test fixtures: a compliant Canadian and a compliant EU submission, and JSON editing.
#![allow(dead_code)]

use serde_json::{json, Value};

/// A Canadian third-party partisan ad during the election period of a fixed-date general
/// election, on a platform exactly at the English reach threshold; compliant.
pub fn ca() -> Value {
    json!({
      "ad": {
        "id": "ad-ca-1",
        "platform_ad_id": "P-1001",
        "versions": [{"version": 1, "first_shown": "2029-09-20T09:00:00-04:00",
                      "creative_sha256": "aa".repeat(32)}],
        "creative": {"sha256": "aa".repeat(32), "media_type": "image/png", "size_bytes": 52000},
        "text": "Vote for better transit.",
        "languages": ["en"],
        "sponsor": "ctp",
        "authorized_by": "Jane Roe",
        "class": "partisan",
        "linked_elections": ["ca-2029"],
        "intended_dissemination": {"start": "2029-09-20T09:00:00-04:00",
                                   "end": "2029-10-10T09:00:00-04:00"},
        "spend": {"minor": 125000, "currency": "CAD"},
        "spend_range": {"lower": 100000, "upper": 199999},
        "impressions": 40000,
        "impressions_range": {"lower": 10000, "upper": 49999},
        "tagline": "Authorized by Citizens for Transit"
      },
      "sponsors": [{
        "id": "ctp", "legal_name": "Citizens for Transit", "kind": "association",
        "established_in": "CA", "operates_in": ["CA"], "canadian_role": "registered_third_party",
        "authorized_agent": "Jane Roe",
        "funding": [{"amount": {"minor": 5000000, "currency": "CAD"}, "origin": "CA",
                     "source": "private", "description": "member donations"}]
      }],
      "elections": [{
        "id": "ca-2029", "name": "46th general election", "jurisdiction": "CA",
        "kind": "general", "polling_day": "2029-10-15", "writ_issued": "2029-09-09",
        "fixed_date": true,
        "districts": [
          {"id": "35001", "name": "Ajax", "poll_close": "2029-10-15T21:30:00-04:00"},
          {"id": "59001", "name": "Abbotsford", "poll_close": "2029-10-15T19:00:00-07:00"}
        ]
      }],
      "platform": {"id": "plat", "name": "Example Social",
                   "monthly_reach_ca": [{"language": "en", "visitors": 3000000}]}
    })
}

/// An EU issue ad by a German association before a German election, compliant.
pub fn eu() -> Value {
    json!({
      "ad": {
        "id": "ad-eu-1",
        "creative": {"sha256": "bb".repeat(32), "media_type": "image/jpeg", "size_bytes": 80000},
        "text": "Mehr Radwege.",
        "languages": ["de"],
        "sponsor": "verein",
        "class": "issue",
        "linked_elections": ["de-2026"],
        "intended_dissemination": {"start": "2026-08-01T08:00:00+02:00",
                                   "end": "2026-09-20T20:00:00+02:00"},
        "spend": {"minor": 900000, "currency": "EUR"},
        "targeting": [{"kind": "location", "values": ["DE-BE"], "personal_data": false}],
        "label": {
          "statement": "Politische Werbung",
          "sponsor": "Radverein Berlin e.V.",
          "notice_url": "https://ads.example/notice/ad-eu-1"
        },
        "notice": {
          "sponsor": "Radverein Berlin e.V., info@radverein.example, Berlin",
          "payer": "Radverein Berlin e.V.",
          "period": {"start": "2026-08-01", "end": "2026-09-20"},
          "amount": {"minor": 900000, "currency": "EUR"},
          "amount_origin": {"outside_eu": false, "source": "private"},
          "linked_elections": ["de-2026"]
        }
      },
      "sponsors": [{
        "id": "verein", "legal_name": "Radverein Berlin e.V.", "kind": "association",
        "established_in": "DE",
        "eu_declaration": {"basis": "established_entity", "declared_on": "2026-07-01"},
        "funding": [{"amount": {"minor": 2000000, "currency": "EUR"}, "origin": "DE",
                     "source": "private"}]
      }],
      "elections": [{
        "id": "de-2026", "name": "Landtagswahl", "jurisdiction": "DE", "kind": "regional",
        "polling_day": "2026-09-27"
      }],
      "platform": {"id": "plat", "name": "Example Social"}
    })
}

/// Sets the value at a JSON pointer, creating objects on the way and appending to arrays when
/// the index is at or past the end.
pub fn put(v: &mut Value, pointer: &str, val: Value) {
    let mut cur = v;
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        if let Ok(idx) = part.parse::<usize>() {
            if cur.is_null() {
                *cur = json!([]);
            }
            let arr = cur.as_array_mut().expect("array on the path");
            let idx = if idx >= arr.len() {
                arr.push(Value::Null);
                arr.len() - 1
            } else {
                idx
            };
            if last {
                arr[idx] = val;
                return;
            }
            cur = &mut arr[idx];
        } else {
            if cur.is_null() {
                *cur = json!({});
            }
            let obj = cur.as_object_mut().expect("object on the path");
            if last {
                obj.insert(part.to_string(), val);
                return;
            }
            cur = obj.entry(part.to_string()).or_insert(Value::Null);
        }
    }
}

/// Removes the field at a JSON pointer.
pub fn drop_field(v: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer with a parent");
    let p = if parent.is_empty() {
        Some(&mut *v)
    } else {
        v.pointer_mut(parent)
    };
    if let Some(obj) = p.and_then(Value::as_object_mut) {
        obj.remove(key);
    }
}

/// A sponsor record with the given fields.
pub fn sponsor(id: &str, kind: &str, extra: Value) -> Value {
    let mut s = json!({"id": id, "legal_name": format!("{id} legal name"), "kind": kind});
    if let (Some(o), Some(e)) = (s.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            o.insert(k.clone(), v.clone());
        }
    }
    s
}

/// Sets the dissemination window of the ad (both instants).
pub fn run(v: &mut Value, start: &str, end: &str) {
    put(
        v,
        "/ad/intended_dissemination",
        json!({"start": start, "end": end}),
    );
    let has_versions = v["ad"]["versions"]
        .as_array()
        .is_some_and(|a| !a.is_empty());
    if has_versions {
        put(v, "/ad/versions/0/first_shown", json!(start));
    }
}
