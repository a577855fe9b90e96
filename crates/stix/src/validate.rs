//! Validation of one STIX 2.1 object against what the specification makes mandatory.

use std::fmt;

use serde_json::{Map, Value};

use crate::ids::{RECIPIENTS_EXTENSION_ID, RECIPIENT_REFS};
use crate::selector::{parse_selector, resolve};
use crate::timestamp::parse_timestamp_detailed;
use crate::tlp::Tlp;

/// What `check_object` learned about a valid object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The object's `id`.
    pub id: String,
    /// The object's `type`.
    pub stix_type: String,
    /// The object's `spec_version` ("2.1"; SCOs without one are read as "2.1").
    pub spec_version: String,
    /// `modified`, else `created`, in microseconds; `None` if neither is present (SCOs).
    pub version: Option<i64>,
    /// The `created_by_ref` identity id, if any.
    pub created_by_ref: Option<String>,
    /// Whether `revoked` is true.
    pub revoked: bool,
    /// The most restrictive TLP level among `object_marking_refs`; `None` if there is none.
    pub tlp: Option<Tlp>,
    /// Identity ids named by the rrm recipients extension ([`RECIPIENTS_EXTENSION_ID`]).
    pub recipients: Vec<String>,
    /// Marking references that are not canonical TLP marking-definition ids, as (property,
    /// marking id): from `object_marking_refs` and from granular markings' `marking_ref`.
    /// They carry no TLP level; the hub accepts them only when it knows the marking
    /// definition and that definition does not claim a TLP level.
    pub other_markings: Vec<(String, String)>,
}

/// One failed rule: which object, which property, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The object's id when it has a usable one.
    pub object_id: Option<String>,
    /// The property at fault, as a selector path (`external_references.[0].source_name`).
    pub property: String,
    /// What the rule requires.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: property '{}': {}",
            self.object_id.as_deref().unwrap_or("(no id)"),
            self.property,
            self.message
        )
    }
}

impl std::error::Error for Problem {}

/// The STIX 2.1 Domain Object types.
pub const SDO_TYPES: [&str; 19] = [
    "attack-pattern",
    "campaign",
    "course-of-action",
    "grouping",
    "identity",
    "incident",
    "indicator",
    "infrastructure",
    "intrusion-set",
    "location",
    "malware",
    "malware-analysis",
    "note",
    "observed-data",
    "opinion",
    "report",
    "threat-actor",
    "tool",
    "vulnerability",
];

/// The STIX 2.1 Relationship Object types.
pub const SRO_TYPES: [&str; 2] = ["relationship", "sighting"];

/// The STIX 2.1 Cyber-observable Object types.
pub const SCO_TYPES: [&str; 18] = [
    "artifact",
    "autonomous-system",
    "directory",
    "domain-name",
    "email-addr",
    "email-message",
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "mac-addr",
    "mutex",
    "network-traffic",
    "process",
    "software",
    "url",
    "user-account",
    "windows-registry-key",
    "x509-certificate",
];

/// The STIX 2.1 meta object types.
pub const META_TYPES: [&str; 3] = [
    "marking-definition",
    "language-content",
    "extension-definition",
];

/// The broad category of a STIX object, which decides its common required properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// A domain object, including custom types that carry `created`/`modified`.
    Sdo,
    /// `relationship` or `sighting`.
    Sro,
    /// A cyber-observable, including custom types without `created`/`modified`.
    Sco,
    /// `marking-definition`.
    MarkingDefinition,
    /// `language-content`.
    LanguageContent,
    /// `extension-definition`.
    ExtensionDefinition,
}

/// The category of an object of type `t`; `has_times` says whether it carries
/// `created`/`modified` (used only for custom types).
pub fn category(t: &str, has_times: bool) -> Category {
    if SDO_TYPES.contains(&t) {
        Category::Sdo
    } else if SRO_TYPES.contains(&t) {
        Category::Sro
    } else if SCO_TYPES.contains(&t) {
        Category::Sco
    } else {
        match t {
            "marking-definition" => Category::MarkingDefinition,
            "language-content" => Category::LanguageContent,
            "extension-definition" => Category::ExtensionDefinition,
            _ if has_times => Category::Sdo,
            _ => Category::Sco,
        }
    }
}

/// The properties the spec requires on every object of this type (common and type-specific).
///
/// Rules of the form "one of A or B" are not listed here; `check_object` enforces them.
pub fn required_properties(t: &str, cat: Category) -> Vec<&'static str> {
    let mut req: Vec<&'static str> = match cat {
        Category::Sdo | Category::Sro | Category::LanguageContent => {
            vec!["type", "spec_version", "id", "created", "modified"]
        }
        Category::MarkingDefinition => vec!["type", "spec_version", "id", "created"],
        Category::ExtensionDefinition => vec![
            "type",
            "spec_version",
            "id",
            "created",
            "modified",
            "created_by_ref",
            "name",
            "schema",
            "version",
            "extension_types",
        ],
        Category::Sco => vec!["type", "id"],
    };
    let specific: &[&'static str] = match t {
        "attack-pattern" | "campaign" | "course-of-action" | "identity" | "incident"
        | "infrastructure" | "intrusion-set" | "threat-actor" | "tool" | "vulnerability" => {
            &["name"]
        }
        "grouping" => &["context", "object_refs"],
        "indicator" => &["pattern", "pattern_type", "valid_from"],
        "malware" => &["is_family"],
        "malware-analysis" => &["product"],
        "note" => &["content", "object_refs"],
        "observed-data" => &["first_observed", "last_observed", "number_observed"],
        "opinion" => &["opinion", "object_refs"],
        "report" => &["name", "published", "object_refs"],
        "relationship" => &["relationship_type", "source_ref", "target_ref"],
        "sighting" => &["sighting_of_ref"],
        "language-content" => &["object_ref", "contents"],
        "autonomous-system" => &["number"],
        "directory" => &["path"],
        "domain-name" | "email-addr" | "ipv4-addr" | "ipv6-addr" | "mac-addr" | "url" => &["value"],
        "email-message" => &["is_multipart"],
        "mutex" | "software" => &["name"],
        "network-traffic" => &["protocols"],
        _ => &[],
    };
    req.extend_from_slice(specific);
    req
}

/// Timestamp-valued properties of each type besides `created` and `modified`.
fn timestamp_properties(t: &str) -> &'static [&'static str] {
    match t {
        "indicator" => &["valid_from", "valid_until"],
        "campaign" | "intrusion-set" | "threat-actor" | "infrastructure" | "malware"
        | "sighting" => &["first_seen", "last_seen"],
        "report" => &["published"],
        "observed-data" => &["first_observed", "last_observed"],
        "relationship" => &["start_time", "stop_time"],
        "malware-analysis" => &["submitted", "analysis_started", "analysis_ended"],
        "directory" | "file" => &["ctime", "mtime", "atime"],
        "email-message" => &["date"],
        "network-traffic" => &["start", "end"],
        "process" => &["created_time"],
        "user-account" => &[
            "account_created",
            "account_expires",
            "credential_last_changed",
            "account_first_login",
            "account_last_login",
        ],
        "windows-registry-key" => &["modified_time"],
        "x509-certificate" => &["validity_not_before", "validity_not_after"],
        "language-content" => &["object_modified"],
        _ => &[],
    }
}

/// Ordered timestamp pairs (earlier, later, strictly later) the spec requires.
fn timestamp_orders(t: &str) -> &'static [(&'static str, &'static str, bool)] {
    match t {
        "indicator" => &[("valid_from", "valid_until", true)],
        "campaign" | "intrusion-set" | "threat-actor" | "infrastructure" | "malware"
        | "sighting" => &[("first_seen", "last_seen", false)],
        "observed-data" => &[("first_observed", "last_observed", false)],
        "relationship" => &[("start_time", "stop_time", true)],
        "network-traffic" => &[("start", "end", false)],
        _ => &[],
    }
}

/// Properties every object may carry without making an SCO "non-empty".
const SCO_COMMON: [&str; 7] = [
    "type",
    "id",
    "spec_version",
    "object_marking_refs",
    "granular_markings",
    "defanged",
    "extensions",
];

/// Types a relationship's `source_ref`/`target_ref` may not point at.
const NOT_RELATABLE: [&str; 6] = [
    "relationship",
    "sighting",
    "marking-definition",
    "language-content",
    "extension-definition",
    "bundle",
];

/// The deepest nesting the reference walk descends into.
const MAX_DEPTH: usize = 64;

/// Looks up a property; small objects are scanned, which beats hashing their keys.
#[inline]
fn get<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    if map.len() <= 24 {
        map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
    } else {
        map.get(key)
    }
}

/// Whether a property is present (see [`get`]).
#[inline]
fn key_in(map: &Map<String, Value>, key: &str) -> bool {
    get(map, key).is_some()
}

struct Ctx {
    id: Option<String>,
    problems: Vec<Problem>,
}

impl Ctx {
    fn add(&mut self, property: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            object_id: self.id.clone(),
            property: property.into(),
            message: message.into(),
        });
    }
}

/// Whether `s` is a UUID in RFC 4122 form (8-4-4-4-12 hex digits, RFC 4122 variant).
pub fn is_rfc4122_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 36 {
        return false;
    }
    for (i, &c) in b.iter().enumerate() {
        let ok = match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        };
        if !ok {
            return false;
        }
    }
    matches!(b[19], b'8' | b'9' | b'a' | b'b' | b'A' | b'B')
}

/// Checks a STIX type name (3 to 250 characters of a-z, 0-9 and single hyphens); the error
/// says what is wrong.
pub fn check_type_name(t: &str) -> Result<(), String> {
    type_name_problem(t).map_or(Ok(()), Err)
}

/// Why a `type` value is not a valid STIX type name, if it is not.
pub(crate) fn type_name_problem(t: &str) -> Option<String> {
    if t.len() < 3 || t.len() > 250 {
        return Some(format!(
            "must be 3 to 250 characters long, {:?} has {}",
            t,
            t.len()
        ));
    }
    if !t
        .bytes()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
    {
        return Some(format!("{t:?} may contain only a-z, 0-9 and hyphen"));
    }
    if t.contains("--") {
        return Some(format!("{t:?} must not contain '--'"));
    }
    None
}

/// The type prefix of a STIX identifier `type--UUID`, or why it is not one.
pub fn id_type(id: &str) -> Result<&str, String> {
    let split = id
        .as_bytes()
        .windows(2)
        .position(|w| w == b"--")
        .and_then(|i| Some((id.get(..i)?, id.get(i + 2..)?)));
    let Some((t, uuid)) = split else {
        return Err(format!(
            "{id:?} is not an identifier of the form type--UUID"
        ));
    };
    if let Some(p) = type_name_problem(t) {
        return Err(format!("{id:?} has an invalid type part: {p}"));
    }
    if !is_rfc4122_uuid(uuid) {
        return Err(format!(
            "{id:?} does not end in an RFC 4122 UUID (8-4-4-4-12 hex digits, variant 10xx)"
        ));
    }
    if uuid.bytes().any(|c| c.is_ascii_uppercase()) {
        return Err(format!(
            "{id:?} has upper-case hex digits in its UUID; identifiers must be written in lower \
             case (the RFC 4122 output form), so that one object never has two spellings"
        ));
    }
    Ok(t)
}

/// Whether a property name follows §3.1: ASCII letters, digits and `_`, 3 to 250 characters.
pub(crate) fn property_name_problem(name: &str) -> Option<String> {
    if !name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
        return Some("property names may contain only a-z, A-Z, 0-9 and '_'".to_string());
    }
    if name.len() > 250 || (name.len() < 3 && name != "id") {
        return Some("property names must be 3 to 250 characters long".to_string());
    }
    None
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// One step of the path the reference walk is at.
#[derive(Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// The selector text of a walk path, built only when a problem is reported.
fn path_text(path: &[Step]) -> String {
    let mut out = String::new();
    for (n, step) in path.iter().enumerate() {
        if n > 0 {
            out.push('.');
        }
        match step {
            Step::Key(k) => out.push_str(k),
            Step::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// Checks a single reference value at `path`.
fn check_ref(ctx: &mut Ctx, path: &[Step], v: &Value) {
    match v {
        Value::String(s) => {
            if let Err(e) = id_type(s) {
                ctx.add(path_text(path), format!("must be a STIX identifier: {e}"));
            }
        }
        other => ctx.add(
            path_text(path),
            format!(
                "must be a STIX identifier string, found {}",
                json_kind(other)
            ),
        ),
    }
}

/// Walks every `*_ref` and `*_refs` property, at any depth, checking their form.
fn walk_refs<'a>(
    ctx: &mut Ctx,
    path: &mut Vec<Step<'a>>,
    map: &'a Map<String, Value>,
    skip_objects: bool,
) {
    if path.len() > MAX_DEPTH {
        ctx.add(
            path_text(path),
            format!("nested more than {MAX_DEPTH} levels deep"),
        );
        return;
    }
    for (k, v) in map {
        if path.is_empty() && skip_objects && k == "objects" {
            continue;
        }
        path.push(Step::Key(k));
        if k.ends_with("_ref") {
            check_ref(ctx, path, v);
        } else if k.ends_with("_refs") {
            match v {
                Value::Array(items) if items.is_empty() => ctx.add(
                    path_text(path),
                    "must be a non-empty list of STIX identifiers",
                ),
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        path.push(Step::Index(i));
                        check_ref(ctx, path, item);
                        path.pop();
                    }
                }
                other => ctx.add(
                    path_text(path),
                    format!(
                        "must be a list of STIX identifiers, found {}",
                        json_kind(other)
                    ),
                ),
            }
        } else {
            walk_value(ctx, path, v);
        }
        path.pop();
    }
}

fn walk_value<'a>(ctx: &mut Ctx, path: &mut Vec<Step<'a>>, v: &'a Value) {
    match v {
        Value::Object(m) => walk_refs(ctx, path, m, false),
        Value::Array(items) => {
            if path.len() > MAX_DEPTH {
                ctx.add(
                    path_text(path),
                    format!("nested more than {MAX_DEPTH} levels deep"),
                );
                return;
            }
            for (i, item) in items.iter().enumerate() {
                if item.is_object() || item.is_array() {
                    path.push(Step::Index(i));
                    walk_value(ctx, path, item);
                    path.pop();
                }
            }
        }
        _ => {}
    }
}

/// The type of each id in a reference property that is well formed (problems already reported
/// by the walk).
fn ref_types<'a>(v: &'a Value) -> Vec<(usize, &'a str, &'a str)> {
    let one = |i: usize, s: &'a Value| -> Option<(usize, &'a str, &'a str)> {
        let id = s.as_str()?;
        id_type(id).ok().map(|t| (i, t, id))
    };
    match v {
        Value::Array(a) => a
            .iter()
            .enumerate()
            .filter_map(|(i, x)| one(i, x))
            .collect(),
        other => one(0, other).into_iter().collect(),
    }
}

/// Requires every id in `prop` to have a type accepted by `ok`.
fn ref_targets(
    ctx: &mut Ctx,
    obj: &Map<String, Value>,
    prop: &str,
    ok: impl Fn(&str) -> bool,
    what: &str,
) {
    let Some(v) = get(obj, prop) else { return };
    let list = v.is_array();
    for (i, t, id) in ref_types(v) {
        if !ok(t) {
            let p = if list {
                format!("{prop}.[{i}]")
            } else {
                prop.to_string()
            };
            ctx.add(p, format!("must refer to {what}, not {id:?}"));
        }
    }
}

fn want_string(ctx: &mut Ctx, obj: &Map<String, Value>, prop: &str) {
    if let Some(v) = get(obj, prop) {
        if !v.is_string() {
            ctx.add(prop, format!("must be a string, found {}", json_kind(v)));
        }
    }
}

fn want_bool(ctx: &mut Ctx, obj: &Map<String, Value>, prop: &str) {
    if let Some(v) = get(obj, prop) {
        if !v.is_boolean() {
            ctx.add(prop, format!("must be a boolean, found {}", json_kind(v)));
        }
    }
}

fn want_int_range(ctx: &mut Ctx, obj: &Map<String, Value>, prop: &str, lo: i64, hi: i64) {
    if let Some(v) = get(obj, prop) {
        match v.as_i64() {
            Some(n) if (lo..=hi).contains(&n) => {}
            _ => ctx.add(prop, format!("must be an integer from {lo} to {hi}")),
        }
    }
}

fn want_string_list(ctx: &mut Ctx, obj: &Map<String, Value>, prop: &str) {
    if let Some(v) = get(obj, prop) {
        match v {
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    if !x.is_string() {
                        ctx.add(
                            format!("{prop}.[{i}]"),
                            format!("must be a string, found {}", json_kind(x)),
                        );
                    }
                }
            }
            other => ctx.add(
                prop,
                format!("must be a list of strings, found {}", json_kind(other)),
            ),
        }
    }
}

/// A non-empty list of JSON objects; returns the items that are objects.
fn want_object_list<'a>(
    ctx: &mut Ctx,
    obj: &'a Map<String, Value>,
    prop: &str,
) -> Vec<(usize, &'a Map<String, Value>)> {
    let mut out = Vec::new();
    if let Some(v) = get(obj, prop) {
        match v {
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    match x {
                        Value::Object(m) => out.push((i, m)),
                        other => ctx.add(
                            format!("{prop}.[{i}]"),
                            format!("must be an object, found {}", json_kind(other)),
                        ),
                    }
                }
            }
            other => ctx.add(prop, format!("must be a list, found {}", json_kind(other))),
        }
    }
    out
}

/// Parses a timestamp property; reports and returns `None` when it is malformed.
fn timestamp(ctx: &mut Ctx, obj: &Map<String, Value>, prop: &str, millis: bool) -> Option<i64> {
    let v = get(obj, prop)?;
    let Some(s) = v.as_str() else {
        ctx.add(
            prop,
            format!(
                "must be an RFC 3339 timestamp string, found {}",
                json_kind(v)
            ),
        );
        return None;
    };
    match parse_timestamp_detailed(s) {
        Ok(t) if millis && t.fraction_digits < 3 => {
            ctx.add(
                prop,
                format!("{s:?} must be precise to the millisecond (at least 3 fraction digits)"),
            );
            Some(t.micros)
        }
        Ok(t) => Some(t.micros),
        Err(e) => {
            ctx.add(prop, format!("{s:?}: {e}"));
            None
        }
    }
}

fn check_external_references(ctx: &mut Ctx, obj: &Map<String, Value>) {
    for (i, er) in want_object_list(ctx, obj, "external_references") {
        let p = format!("external_references.[{i}]");
        match get(er, "source_name") {
            Some(Value::String(_)) => {}
            Some(v) => ctx.add(
                format!("{p}.source_name"),
                format!("must be a string, found {}", json_kind(v)),
            ),
            None => ctx.add(format!("{p}.source_name"), "is required"),
        }
        for key in ["description", "url", "external_id"] {
            if let Some(v) = get(er, key) {
                if !v.is_string() {
                    ctx.add(
                        format!("{p}.{key}"),
                        format!("must be a string, found {}", json_kind(v)),
                    );
                }
            }
        }
        if !["description", "url", "external_id"]
            .iter()
            .any(|k| key_in(er, k))
        {
            ctx.add(
                p.clone(),
                "an external reference needs at least one of description, url or external_id",
            );
        }
        if let Some(h) = get(er, "hashes") {
            check_hashes(ctx, &format!("{p}.hashes"), h);
        }
    }
}

fn check_hashes(ctx: &mut Ctx, path: &str, h: &Value) {
    match h {
        Value::Object(m) if m.is_empty() => ctx.add(path, "must be a non-empty dictionary"),
        Value::Object(m) => {
            for (k, v) in m {
                if !v.is_string() {
                    ctx.add(format!("{path}.{k}"), "hash values must be strings");
                }
            }
        }
        other => ctx.add(
            path,
            format!("must be a dictionary of hashes, found {}", json_kind(other)),
        ),
    }
}

fn check_granular_markings(ctx: &mut Ctx, obj: &Map<String, Value>, whole: &Value) {
    for (i, gm) in want_object_list(ctx, obj, "granular_markings") {
        let p = format!("granular_markings.[{i}]");
        match (get(gm, "marking_ref"), get(gm, "lang")) {
            (Some(_), Some(_)) => ctx.add(p.clone(), "must have marking_ref or lang, not both"),
            (None, None) => ctx.add(p.clone(), "must have one of marking_ref or lang"),
            (Some(r), None) => {
                if let Some(t) = r.as_str().and_then(|s| id_type(s).ok()) {
                    if t != "marking-definition" {
                        ctx.add(
                            format!("{p}.marking_ref"),
                            "must refer to a marking-definition",
                        );
                    }
                }
            }
            (None, Some(l)) => {
                if !l.is_string() {
                    ctx.add(format!("{p}.lang"), "must be a string");
                }
            }
        }
        match get(gm, "selectors") {
            Some(Value::Array(sel)) if !sel.is_empty() => {
                for (j, s) in sel.iter().enumerate() {
                    let sp = format!("{p}.selectors.[{j}]");
                    let Some(text) = s.as_str() else {
                        ctx.add(sp, "must be a string");
                        continue;
                    };
                    match parse_selector(text) {
                        None => ctx.add(sp, format!("{text:?} is not a valid selector")),
                        Some(path) => {
                            if resolve(whole, &path).is_none() {
                                ctx.add(sp, format!("{text:?} selects nothing in this object"));
                            }
                        }
                    }
                }
            }
            Some(_) => ctx.add(
                format!("{p}.selectors"),
                "must be a non-empty list of selectors",
            ),
            None => ctx.add(format!("{p}.selectors"), "is required"),
        }
    }
}

fn check_kill_chain_phases(ctx: &mut Ctx, obj: &Map<String, Value>) {
    for (i, kc) in want_object_list(ctx, obj, "kill_chain_phases") {
        for key in ["kill_chain_name", "phase_name"] {
            match get(kc, key) {
                Some(Value::String(_)) => {}
                Some(_) => ctx.add(format!("kill_chain_phases.[{i}].{key}"), "must be a string"),
                None => ctx.add(format!("kill_chain_phases.[{i}].{key}"), "is required"),
            }
        }
    }
}

fn check_extensions(ctx: &mut Ctx, obj: &Map<String, Value>) -> Vec<String> {
    let mut recipients = Vec::new();
    let Some(ext) = get(obj, "extensions") else {
        return recipients;
    };
    let Value::Object(ext) = ext else {
        ctx.add(
            "extensions",
            format!("must be a dictionary, found {}", json_kind(ext)),
        );
        return recipients;
    };
    if ext.is_empty() {
        ctx.add("extensions", "must be a non-empty dictionary");
    }
    for (k, v) in ext {
        let p = format!("extensions.{k}");
        if k.starts_with("extension-definition--") {
            if let Err(e) = id_type(k) {
                ctx.add(p.clone(), format!("extension key: {e}"));
            }
        }
        let Value::Object(body) = v else {
            ctx.add(p, format!("must be an object, found {}", json_kind(v)));
            continue;
        };
        if let Some(et) = get(body, "extension_type") {
            let ok = matches!(
                et.as_str(),
                Some(
                    "new-sdo"
                        | "new-sco"
                        | "new-sro"
                        | "property-extension"
                        | "toplevel-property-extension"
                )
            );
            if !ok {
                ctx.add(
                    format!("{p}.extension_type"),
                    "must be one of new-sdo, new-sco, new-sro, property-extension, toplevel-property-extension",
                );
            }
        }
        if k == RECIPIENTS_EXTENSION_ID {
            if get(body, "extension_type").and_then(Value::as_str) != Some("property-extension") {
                ctx.add(
                    format!("{p}.extension_type"),
                    "must be \"property-extension\" for the rrm recipients extension",
                );
            }
            match get(body, RECIPIENT_REFS) {
                Some(Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        if let Some(id) = item.as_str() {
                            match id_type(id) {
                                Ok("identity") => recipients.push(id.to_string()),
                                Ok(_) => ctx.add(
                                    format!("{p}.{RECIPIENT_REFS}.[{i}]"),
                                    format!("must refer to an identity, not {id:?}"),
                                ),
                                Err(_) => {}
                            }
                        }
                    }
                }
                Some(_) => {}
                None => ctx.add(format!("{p}.{RECIPIENT_REFS}"), "is required"),
            }
        }
    }
    recipients
}

fn check_marking_definition(ctx: &mut Ctx, obj: &Map<String, Value>) {
    // A marking definition may not mark itself.
    if let Some(own) = get(obj, "id").and_then(Value::as_str) {
        if let Some(Value::Array(refs)) = get(obj, "object_marking_refs") {
            for (i, r) in refs.iter().enumerate() {
                if r.as_str() == Some(own) {
                    ctx.add(
                        format!("object_marking_refs.[{i}]"),
                        "a marking definition must not reference itself",
                    );
                }
            }
        }
        if let Some(Value::Array(gms)) = get(obj, "granular_markings") {
            for (i, gm) in gms.iter().enumerate() {
                if gm.get("marking_ref").and_then(Value::as_str) == Some(own) {
                    ctx.add(
                        format!("granular_markings.[{i}].marking_ref"),
                        "a marking definition must not reference itself",
                    );
                }
            }
        }
    }
    let def = get(obj, "definition");
    let dtype = get(obj, "definition_type");
    if def.is_none() && !key_in(obj, "extensions") {
        ctx.add("definition", "is required when extensions is absent");
    }
    match (dtype, def) {
        (None, Some(_)) => ctx.add("definition_type", "is required when definition is present"),
        (Some(_), None) => ctx.add("definition", "is required when definition_type is present"),
        (Some(t), Some(d)) => {
            let Some(t) = t.as_str() else {
                ctx.add("definition_type", "must be a string");
                return;
            };
            let Value::Object(d) = d else {
                ctx.add(
                    "definition",
                    format!("must be an object, found {}", json_kind(d)),
                );
                return;
            };
            match t {
                "tlp" => match get(d, "tlp").and_then(Value::as_str) {
                    Some("white" | "green" | "amber" | "red") => {}
                    _ => ctx.add("definition.tlp", "must be one of white, green, amber, red"),
                },
                "statement" if !get(d, "statement").is_some_and(Value::is_string) => {
                    ctx.add("definition.statement", "must be a string");
                }
                _ => {}
            }
        }
        (None, None) => {}
    }
}

fn check_type_specific(ctx: &mut Ctx, t: &str, obj: &Map<String, Value>) {
    let has = |k: &str| key_in(obj, k);
    match t {
        "attack-pattern" | "campaign" | "course-of-action" | "identity" | "incident"
        | "infrastructure" | "intrusion-set" | "threat-actor" | "tool" | "vulnerability"
        | "report" | "mutex" | "software" => want_string(ctx, obj, "name"),
        _ => {}
    }
    match t {
        "indicator" => {
            want_string(ctx, obj, "pattern");
            want_string(ctx, obj, "pattern_type");
            if get(obj, "pattern_type").and_then(Value::as_str) == Some("stix") {
                if let Some(p) = get(obj, "pattern").and_then(Value::as_str) {
                    if let Err(e) = crate::pattern::check_stix_pattern(p) {
                        ctx.add("pattern", format!("not a valid STIX pattern: {e}"));
                    }
                }
            }
        }
        "grouping" => want_string(ctx, obj, "context"),
        "note" => want_string(ctx, obj, "content"),
        "location" => {
            let lat = get(obj, "latitude");
            let lon = get(obj, "longitude");
            if lat.is_some() != lon.is_some() {
                ctx.add(
                    if lat.is_some() {
                        "longitude"
                    } else {
                        "latitude"
                    },
                    "latitude and longitude must be given together",
                );
            }
            if let Some(v) = lat {
                if !v.as_f64().is_some_and(|x| (-90.0..=90.0).contains(&x)) {
                    ctx.add("latitude", "must be a number from -90.0 to 90.0");
                }
            }
            if let Some(v) = lon {
                if !v.as_f64().is_some_and(|x| (-180.0..=180.0).contains(&x)) {
                    ctx.add("longitude", "must be a number from -180.0 to 180.0");
                }
            }
            if !(has("region") || has("country") || (lat.is_some() && lon.is_some())) {
                ctx.add(
                    "region",
                    "a location needs at least one of region, country, or latitude and longitude",
                );
            }
            if has("precision") && lat.is_none() {
                ctx.add("precision", "may only be given with latitude and longitude");
            }
        }
        "malware" => {
            want_bool(ctx, obj, "is_family");
            if get(obj, "is_family") == Some(&Value::Bool(true)) && !has("name") {
                ctx.add("name", "is required when is_family is true");
            }
            want_string(ctx, obj, "name");
        }
        "malware-analysis" => {
            want_string(ctx, obj, "product");
            if !has("result") && !has("analysis_sco_refs") {
                ctx.add(
                    "result",
                    "a malware-analysis needs at least one of result or analysis_sco_refs",
                );
            }
        }
        "observed-data" => {
            want_int_range(ctx, obj, "number_observed", 1, 999_999_999);
            match (has("objects"), has("object_refs")) {
                (true, true) => ctx.add("objects", "must not be present when object_refs is"),
                (false, false) => ctx.add("object_refs", "is required when objects is absent"),
                _ => {}
            }
        }
        "opinion" => match get(obj, "opinion").and_then(Value::as_str) {
            Some("strongly-disagree" | "disagree" | "neutral" | "agree" | "strongly-agree") => {}
            _ => ctx.add(
                "opinion",
                "must be one of strongly-disagree, disagree, neutral, agree, strongly-agree",
            ),
        },
        "relationship" => {
            if let Some(v) = get(obj, "relationship_type") {
                match v.as_str() {
                    Some(s)
                        if !s.is_empty()
                            && s.bytes().all(|c| {
                                c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-'
                            }) => {}
                    _ => ctx.add(
                        "relationship_type",
                        "must be a non-empty string of a-z, 0-9 and hyphen",
                    ),
                }
            }
            let bad = |t: &str| !NOT_RELATABLE.contains(&t);
            ref_targets(ctx, obj, "source_ref", bad, "an SDO or SCO");
            ref_targets(ctx, obj, "target_ref", bad, "an SDO or SCO");
        }
        "sighting" => {
            want_int_range(ctx, obj, "count", 0, 999_999_999);
            ref_targets(
                ctx,
                obj,
                "sighting_of_ref",
                |t| !NOT_RELATABLE.contains(&t) && !SCO_TYPES.contains(&t),
                "an SDO",
            );
            ref_targets(
                ctx,
                obj,
                "observed_data_refs",
                |t| t == "observed-data",
                "observed-data objects",
            );
            ref_targets(
                ctx,
                obj,
                "where_sighted_refs",
                |t| t == "identity" || t == "location",
                "identity or location objects",
            );
            want_bool(ctx, obj, "summary");
        }
        "language-content" if !get(obj, "contents").is_some_and(Value::is_object) => {
            ctx.add("contents", "must be a dictionary of language codes");
        }
        "extension-definition" => {
            want_string(ctx, obj, "name");
            want_string(ctx, obj, "schema");
            want_string(ctx, obj, "version");
            match get(obj, "extension_types") {
                Some(Value::Array(a)) if !a.is_empty() => {
                    for (i, x) in a.iter().enumerate() {
                        let ok = matches!(
                            x.as_str(),
                            Some(
                                "new-sdo"
                                    | "new-sco"
                                    | "new-sro"
                                    | "property-extension"
                                    | "toplevel-property-extension"
                            )
                        );
                        if !ok {
                            ctx.add(
                                format!("extension_types.[{i}]"),
                                "must be one of new-sdo, new-sco, new-sro, property-extension, toplevel-property-extension",
                            );
                        }
                    }
                }
                Some(_) => ctx.add("extension_types", "must be a non-empty list"),
                None => {}
            }
        }
        "marking-definition" => check_marking_definition(ctx, obj),
        "artifact" => {
            match (has("payload_bin"), has("url")) {
                (true, true) => ctx.add("url", "must not be present when payload_bin is"),
                (false, false) => {
                    ctx.add("payload_bin", "an artifact needs one of payload_bin or url")
                }
                _ => {}
            }
            if has("url") && !has("hashes") {
                ctx.add("hashes", "is required when url is present");
            }
        }
        "autonomous-system" => want_int_range(ctx, obj, "number", 0, i64::MAX),
        "directory" => want_string(ctx, obj, "path"),
        "domain-name" | "email-addr" | "ipv4-addr" | "ipv6-addr" | "mac-addr" | "url" => {
            want_string(ctx, obj, "value")
        }
        "email-message" => want_bool(ctx, obj, "is_multipart"),
        "file" => {
            if !has("hashes") && !has("name") {
                ctx.add("hashes", "a file needs at least one of hashes or name");
            }
            want_string(ctx, obj, "name");
        }
        "network-traffic" => {
            want_string_list(ctx, obj, "protocols");
            if !has("src_ref") && !has("dst_ref") {
                ctx.add(
                    "src_ref",
                    "network-traffic needs at least one of src_ref or dst_ref",
                );
            }
            if get(obj, "is_active") == Some(&Value::Bool(true)) && has("end") {
                ctx.add("end", "must not be present when is_active is true");
            }
        }
        "process" | "user-account" | "windows-registry-key" | "x509-certificate"
            if obj.keys().all(|k| SCO_COMMON.contains(&k.as_str())) =>
        {
            ctx.add(
                "type",
                format!("a {t} must have at least one property besides the common ones"),
            );
        }
        _ => {}
    }
    if let Some(h) = get(obj, "hashes") {
        if SCO_TYPES.contains(&t) {
            check_hashes(ctx, "hashes", h);
        }
    }
}

/// Validates one STIX 2.1 object and reports every problem at once.
///
/// The object is only read. Unknown properties and custom object types are allowed; custom
/// types that carry `created` or `modified` are checked as SDOs, others as SCOs. Objects
/// nested more than 64 levels deep are refused rather than walked.
pub fn check_object(obj: &Value) -> Result<Checked, Vec<Problem>> {
    let Value::Object(map) = obj else {
        return Err(vec![Problem {
            object_id: None,
            property: "(object)".to_string(),
            message: format!(
                "a STIX object must be a JSON object, found {}",
                json_kind(obj)
            ),
        }]);
    };
    let mut ctx = Ctx {
        id: get(map, "id").and_then(Value::as_str).map(str::to_string),
        problems: Vec::new(),
    };

    // type and id.
    let stix_type = match get(map, "type") {
        None => {
            ctx.add("type", "is required");
            None
        }
        Some(Value::String(t)) => match type_name_problem(t) {
            Some(p) => {
                ctx.add("type", p);
                None
            }
            None if t == "bundle" => {
                ctx.add(
                    "type",
                    "a bundle is not a STIX object; send the objects it holds",
                );
                None
            }
            None => Some(t.as_str()),
        },
        Some(v) => {
            ctx.add("type", format!("must be a string, found {}", json_kind(v)));
            None
        }
    };
    match get(map, "id") {
        None => ctx.add("id", "is required"),
        Some(Value::String(id)) => match id_type(id) {
            Ok(prefix) => {
                if let Some(t) = stix_type {
                    if prefix != t {
                        ctx.add(
                            "id",
                            format!("the id prefix {prefix:?} must equal the type {t:?}"),
                        );
                    }
                }
            }
            Err(e) => ctx.add("id", e),
        },
        Some(v) => ctx.add("id", format!("must be a string, found {}", json_kind(v))),
    }
    let t = stix_type.unwrap_or("");
    let cat = category(t, key_in(map, "created") || key_in(map, "modified"));

    // Property names, and no empty lists (§2.8: omit an optional property instead).
    for (k, v) in map {
        if let Some(p) = property_name_problem(k) {
            ctx.add(k.clone(), p);
        }
        if matches!(v, Value::Array(a) if a.is_empty()) && !k.ends_with("_refs") {
            ctx.add(
                k.clone(),
                "must not be an empty list; omit the property instead",
            );
        }
    }

    // Required properties.
    if stix_type.is_some() {
        for req in required_properties(t, cat) {
            if !key_in(map, req) && req != "type" && req != "id" {
                ctx.add(req, format!("is required on {t} objects"));
            }
        }
    }

    // spec_version.
    if let Some(v) = get(map, "spec_version") {
        if v.as_str() != Some("2.1") {
            ctx.add("spec_version", format!("must be \"2.1\", found {v}"));
        }
    }

    // created / modified.
    let millis = cat != Category::Sco;
    let created = timestamp(&mut ctx, map, "created", millis);
    let modified = timestamp(&mut ctx, map, "modified", millis);
    if let (Some(c), Some(m)) = (created, modified) {
        if m < c {
            ctx.add("modified", "must be later than or equal to 'created'");
        }
    }

    // Other timestamps and their order.
    let mut times: Vec<(&str, i64)> = Vec::new();
    for prop in timestamp_properties(t) {
        if let Some(x) = timestamp(&mut ctx, map, prop, false) {
            times.push((prop, x));
        }
    }
    for (a, b, strict) in timestamp_orders(t) {
        let ta = times.iter().find(|(p, _)| p == a).map(|x| x.1);
        let tb = times.iter().find(|(p, _)| p == b).map(|x| x.1);
        if let (Some(ta), Some(tb)) = (ta, tb) {
            if *strict && tb <= ta {
                ctx.add(*b, format!("must be later than '{a}'"));
            } else if !strict && tb < ta {
                ctx.add(*b, format!("must be later than or equal to '{a}'"));
            }
        }
    }

    // Common optional properties, for the categories that define them (elsewhere a property
    // of the same name is a custom one).
    let domain_like = matches!(
        cat,
        Category::Sdo | Category::Sro | Category::LanguageContent | Category::ExtensionDefinition
    );
    if domain_like {
        want_bool(&mut ctx, map, "revoked");
        want_string(&mut ctx, map, "lang");
        want_int_range(&mut ctx, map, "confidence", 0, 100);
        want_string_list(&mut ctx, map, "labels");
    }
    if cat == Category::Sco {
        want_bool(&mut ctx, map, "defanged");
    } else {
        check_external_references(&mut ctx, map);
    }
    if cat == Category::Sdo {
        check_kill_chain_phases(&mut ctx, map);
    }
    check_granular_markings(&mut ctx, map, obj);
    let recipients = check_extensions(&mut ctx, map);

    // References: form everywhere, targets where the spec names them.
    walk_refs(&mut ctx, &mut Vec::new(), map, t == "observed-data");
    ref_targets(
        &mut ctx,
        map,
        "created_by_ref",
        |t| t == "identity",
        "an identity",
    );
    ref_targets(
        &mut ctx,
        map,
        "object_marking_refs",
        |t| t == "marking-definition",
        "marking-definition objects",
    );

    check_type_specific(&mut ctx, t, map);

    if !ctx.problems.is_empty() {
        return Err(ctx.problems);
    }

    let mut other_markings = Vec::new();
    let mut tlp = None;
    if let Some(Value::Array(refs)) = map.get("object_marking_refs") {
        for (i, r) in refs.iter().enumerate() {
            let Some(r) = r.as_str() else { continue };
            match Tlp::from_marking_id(r) {
                Some(level) => tlp = tlp.max(Some(level)),
                None => other_markings.push((format!("object_marking_refs.[{i}]"), r.to_string())),
            }
        }
    }
    if let Some(Value::Array(gms)) = map.get("granular_markings") {
        for (i, gm) in gms.iter().enumerate() {
            if let Some(r) = gm.get("marking_ref").and_then(Value::as_str) {
                if Tlp::from_marking_id(r).is_none() {
                    other_markings.push((
                        format!("granular_markings.[{i}].marking_ref"),
                        r.to_string(),
                    ));
                }
            }
        }
    }
    Ok(Checked {
        id: ctx.id.unwrap_or_default(),
        stix_type: t.to_string(),
        spec_version: "2.1".to_string(),
        // Cyber-observables are content-addressed and unversioned, whatever custom
        // `created`-like properties they carry.
        version: if cat == Category::Sco {
            None
        } else {
            modified.or(created)
        },
        created_by_ref: map
            .get("created_by_ref")
            .and_then(Value::as_str)
            .map(str::to_string),
        revoked: domain_like && get(map, "revoked") == Some(&Value::Bool(true)),
        tlp,
        recipients,
        other_markings,
    })
}

/// Whether a text names a TLP level: `tlp`, then optional `:`, space, `-` or `_`, then one of
/// clear, white, green, amber or red, in any case.
fn names_tlp_level(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.match_indices("tlp").any(|(at, _)| {
        let rest = lower.get(at + 3..).unwrap_or("");
        let rest = rest.trim_start_matches([':', ' ', '-', '_']);
        ["clear", "white", "green", "amber", "red"]
            .iter()
            .any(|level| rest.starts_with(level))
    })
}

/// The TLP 2.0 marking extension (OASIS `cti-stix-common-objects`), which TLP 2.0
/// marking-definition objects carry instead of a `definition`.
pub const TLP2_EXTENSION_ID: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// The TLP level a marking-definition object defines in the standard way, if it does: TLP 1.0
/// `definition_type: tlp` with `definition.tlp`, or the TLP 2.0 marking extension's `tlp_2_0`.
///
/// The hub uses it to recognise the canonical TLP marking definitions that partner bundles
/// carry along: an object with a canonical TLP id that defines exactly that id's level is the
/// standard object, which the hub knows already.
pub fn defined_tlp_level(obj: &Value) -> Option<Tlp> {
    let map = obj.as_object()?;
    if get(map, "type").and_then(Value::as_str) != Some("marking-definition") {
        return None;
    }
    let tlp1 = (get(map, "definition_type").and_then(Value::as_str) == Some("tlp"))
        .then(|| get(map, "definition").and_then(|d| d.get("tlp")))
        .flatten()
        .and_then(Value::as_str);
    let tlp2 = get(map, "extensions")
        .and_then(|e| e.get(TLP2_EXTENSION_ID))
        .and_then(|e| e.get("tlp_2_0"))
        .and_then(Value::as_str);
    match (tlp1, tlp2) {
        (Some(level), None) | (None, Some(level)) => level.parse().ok(),
        _ => None,
    }
}

/// Whether a marking-definition object claims to stand for a TLP level: its
/// `definition_type` is `tlp`, it carries the TLP 2.0 marking extension, or its `name` or
/// statement names a TLP level (`TLP:RED`, `tlp:amber+strict`, ...).
///
/// On an rrm hub only the canonical TLP marking-definition ids carry TLP levels, so a marking
/// definition that claims one under another id is refused rather than read as "unmarked".
pub fn marking_claims_tlp(obj: &Value) -> bool {
    let Value::Object(map) = obj else {
        return false;
    };
    if get(map, "type").and_then(Value::as_str) != Some("marking-definition") {
        return false;
    }
    let dtype = get(map, "definition_type").and_then(Value::as_str);
    if dtype.is_some_and(|t| t.trim().eq_ignore_ascii_case("tlp")) {
        return true;
    }
    if let Some(Value::Object(ext)) = get(map, "extensions") {
        if ext
            .keys()
            .any(|k| k.eq_ignore_ascii_case(TLP2_EXTENSION_ID))
        {
            return true;
        }
    }
    let names_tlp = |v: Option<&Value>| v.and_then(Value::as_str).is_some_and(names_tlp_level);
    let statement = get(map, "definition").and_then(|d| d.get("statement"));
    names_tlp(get(map, "name")) || names_tlp(statement)
}
