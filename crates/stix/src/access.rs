//! The TLP 2.0 access decision, granular-marking redaction and the export rule.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::selector::{parse_selector, resolve, Segment};
use crate::tlp::Tlp;
use crate::validate::{category, check_object, required_properties};

/// Who is reading.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    /// The reading user's id in the hub.
    pub user_id: i64,
    /// The id of the reading user's organisation.
    pub org_id: i64,
    /// The user's identity id and the organisation's identity id.
    pub identities: &'a [String],
    /// Whether the reader's organisation has a read grant on the collection.
    pub collection_readable: bool,
}

/// What decides who may see one object.
#[derive(Debug, Clone, Copy)]
pub struct ObjectAccess<'a> {
    /// The object's TLP from `object_marking_refs`, if it has one.
    pub tlp: Option<Tlp>,
    /// The collection's default TLP, used when `tlp` is `None`.
    pub collection_default: Tlp,
    /// Identity ids named as recipients by the rrm recipients extension.
    pub recipients: &'a [String],
    /// The hub user who submitted the object.
    pub submitter_user_id: i64,
}

/// The level that governs an object: its own, else the collection's default.
pub fn effective_tlp(tlp: Option<Tlp>, collection_default: Tlp) -> Tlp {
    tlp.unwrap_or(collection_default)
}

/// THE access decision.
///
/// The collection must be readable by the reader's organisation, and then: CLEAR, GREEN, AMBER
/// and AMBER+STRICT are visible; RED only when one of the reader's identities is a recipient or
/// the reader submitted the object. There is no role input: admins get no exception.
pub fn may_see(reader: &Reader, obj: &ObjectAccess) -> bool {
    if !reader.collection_readable {
        return false;
    }
    match effective_tlp(obj.tlp, obj.collection_default) {
        Tlp::Clear | Tlp::Green | Tlp::Amber | Tlp::AmberStrict => true,
        Tlp::Red => {
            reader.user_id == obj.submitter_user_id
                || reader
                    .identities
                    .iter()
                    .any(|i| obj.recipients.iter().any(|r| r == i))
        }
    }
}

/// Whether objects at this level may leave this instance: CLEAR, GREEN and AMBER only.
pub fn exportable(level: Tlp) -> bool {
    matches!(level, Tlp::Clear | Tlp::Green | Tlp::Amber)
}

/// The copy of `obj` this reader may be served, or `None` to withhold it.
///
/// Every property or list item selected by a granular marking whose `marking_ref` is a TLP
/// level the reader may not see is removed (list items are removed so the remaining indices
/// stay consistent, and the granular markings are rewritten to match). An external reference
/// or kill-chain phase left incomplete is removed whole. The object is withheld
/// when the reader may not see it at all, when a required property or a marking property
/// (`object_marking_refs`, `granular_markings`) would be removed, or when the copy would no
/// longer be a valid object (for example an emptied `object_refs`).
pub fn redact(obj: &Value, reader: &Reader, access: &ObjectAccess) -> Option<Value> {
    if !may_see(reader, access) {
        return None;
    }
    let Value::Object(map) = obj else {
        return Some(obj.clone());
    };
    let Some(Value::Array(markings)) = map.get("granular_markings") else {
        return Some(obj.clone());
    };
    let mut removed: BTreeSet<Vec<Segment>> = BTreeSet::new();
    for gm in markings {
        let Some(level) = gm
            .get("marking_ref")
            .and_then(Value::as_str)
            .and_then(Tlp::from_marking_id)
        else {
            continue;
        };
        let at_level = ObjectAccess {
            tlp: Some(level),
            ..*access
        };
        if may_see(reader, &at_level) {
            continue;
        }
        let Some(Value::Array(selectors)) = gm.get("selectors") else {
            // A restricted marking whose scope cannot be read: withhold rather than guess.
            return None;
        };
        for s in selectors {
            match s.as_str().and_then(parse_selector) {
                Some(path) if !path.is_empty() => {
                    removed.insert(path);
                }
                _ => return None,
            }
        }
    }
    if removed.is_empty() {
        return Some(obj.clone());
    }
    let t = map.get("type").and_then(Value::as_str).unwrap_or("");
    let cat = category(
        t,
        map.contains_key("created") || map.contains_key("modified"),
    );
    let required = required_properties(t, cat);
    for path in &removed {
        if let Some(Segment::Key(k)) = path.first() {
            // Markings themselves are never stripped: the copy must keep saying how it is marked.
            if required.contains(&k.as_str())
                || k == "granular_markings"
                || k == "object_marking_refs"
            {
                return None;
            }
        }
    }
    drop_broken_items(map, &mut removed);
    let mut out = copy_without(obj, &mut Vec::new(), &removed)?;
    rewrite_granular_markings(&mut out, &removed);
    // The served copy must still be a valid object; otherwise withhold it.
    if check_object(&out).is_err() {
        return None;
    }
    Some(out)
}

/// Removes whole external references and kill-chain phases that redaction would leave
/// incomplete (an external reference without description, url or external_id; a phase
/// without its name), instead of withholding the object for them.
fn drop_broken_items(map: &Map<String, Value>, removed: &mut BTreeSet<Vec<Segment>>) {
    let lists: [(&str, &[&str], &[&str]); 2] = [
        (
            "external_references",
            &["source_name"],
            &["description", "url", "external_id"],
        ),
        ("kill_chain_phases", &["kill_chain_name", "phase_name"], &[]),
    ];
    let mut extra = Vec::new();
    for (prop, all_of, one_of) in lists {
        let Some(Value::Array(items)) = map.get(prop) else {
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            let Value::Object(item) = item else { continue };
            let item_path = [Segment::Key(prop.to_string()), Segment::Index(i)];
            if removed.contains(item_path.as_slice()) {
                continue;
            }
            let gone = |k: &str| {
                let mut p = item_path.to_vec();
                p.push(Segment::Key(k.to_string()));
                removed.contains(&p)
            };
            let touched = item.keys().any(|k| gone(k));
            if !touched {
                continue;
            }
            let keeps = |k: &&str| item.contains_key(*k) && !gone(k);
            let complete =
                all_of.iter().all(&keeps) && (one_of.is_empty() || one_of.iter().any(keeps));
            if !complete {
                extra.push(item_path.to_vec());
            }
        }
    }
    removed.extend(extra);
}

/// Whether `path` or one of its prefixes was removed.
fn is_removed(path: &[Segment], removed: &BTreeSet<Vec<Segment>>) -> bool {
    (1..=path.len()).any(|n| path.get(..n).is_some_and(|p| removed.contains(p)))
}

/// The deepest nesting `redact` copies; deeper objects are withheld.
const MAX_COPY_DEPTH: usize = 256;

/// A deep copy of `v` without the removed paths; `None` if it is nested too deeply to copy.
fn copy_without(
    v: &Value,
    at: &mut Vec<Segment>,
    removed: &BTreeSet<Vec<Segment>>,
) -> Option<Value> {
    if at.len() > MAX_COPY_DEPTH {
        return None;
    }
    Some(match v {
        Value::Object(m) => {
            let mut out = Map::with_capacity(m.len());
            for (k, child) in m {
                at.push(Segment::Key(k.clone()));
                if !removed.contains(at.as_slice()) {
                    let copy = copy_without(child, at, removed)?;
                    // A list or dictionary emptied by redaction is dropped, not served empty.
                    if !emptied(child, &copy) {
                        out.insert(k.clone(), copy);
                    }
                }
                at.pop();
            }
            Value::Object(out)
        }
        Value::Array(a) => {
            let mut out = Vec::with_capacity(a.len());
            for (i, child) in a.iter().enumerate() {
                at.push(Segment::Index(i));
                if !removed.contains(at.as_slice()) {
                    out.push(copy_without(child, at, removed)?);
                }
                at.pop();
            }
            Value::Array(out)
        }
        other => other.clone(),
    })
}

/// Whether redaction turned a non-empty list or dictionary into an empty one.
fn emptied(original: &Value, copy: &Value) -> bool {
    match (original, copy) {
        (Value::Array(a), Value::Array(b)) => !a.is_empty() && b.is_empty(),
        (Value::Object(a), Value::Object(b)) => !a.is_empty() && b.is_empty(),
        _ => false,
    }
}

/// Maps a selector of the original object onto the copy, or `None` if it selects removed data.
fn remap(path: &[Segment], removed: &BTreeSet<Vec<Segment>>) -> Option<Vec<Segment>> {
    if is_removed(path, removed) {
        return None;
    }
    // For each list, count the removed siblings before each index.
    let mut by_parent: BTreeMap<&[Segment], Vec<usize>> = BTreeMap::new();
    for r in removed {
        if let Some((Segment::Index(i), parent)) = r.split_last() {
            by_parent.entry(parent).or_default().push(*i);
        }
    }
    let mut out = Vec::with_capacity(path.len());
    for (n, seg) in path.iter().enumerate() {
        match seg {
            Segment::Index(i) => {
                let parent = path.get(..n).unwrap_or(&[]);
                let shift = by_parent
                    .get(parent)
                    .map_or(0, |v| v.iter().filter(|j| **j < *i).count());
                out.push(Segment::Index(i - shift));
            }
            key => out.push(key.clone()),
        }
    }
    Some(out)
}

fn selector_text(path: &[Segment]) -> String {
    let parts: Vec<String> = path
        .iter()
        .map(|s| match s {
            Segment::Key(k) => k.clone(),
            Segment::Index(i) => format!("[{i}]"),
        })
        .collect();
    parts.join(".")
}

/// Rewrites `granular_markings` of the copy so that every selector points at what it pointed
/// at before; selectors of removed data are dropped, then entries left without selectors, and
/// the property itself if no entry remains.
fn rewrite_granular_markings(out: &mut Value, removed: &BTreeSet<Vec<Segment>>) {
    let Some(Value::Array(markings)) = out.get("granular_markings") else {
        return;
    };
    let mut kept = Vec::with_capacity(markings.len());
    for gm in markings {
        let Value::Object(gm) = gm else {
            continue;
        };
        let selectors: Vec<Value> = match gm.get("selectors") {
            Some(Value::Array(sel)) => sel
                .iter()
                .filter_map(|s| s.as_str().and_then(parse_selector))
                .filter_map(|p| remap(&p, removed))
                .filter(|p| resolve(out, p).is_some())
                .map(|p| Value::String(selector_text(&p)))
                .collect(),
            _ => Vec::new(),
        };
        if !selectors.is_empty() {
            let mut gm = gm.clone();
            gm.insert("selectors".to_string(), Value::Array(selectors));
            kept.push(Value::Object(gm));
        }
    }
    let Some(map) = out.as_object_mut() else {
        return;
    };
    if kept.is_empty() {
        map.shift_remove("granular_markings");
    } else {
        map.insert("granular_markings".to_string(), Value::Array(kept));
    }
}
