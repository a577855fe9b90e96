//! DISARM countermeasures as response options for the techniques a case's actors use.
//!
//! Three inputs, all parsed from text the caller supplies (the engine reads no files): the
//! MISP countermeasure galaxy ([`CounterGalaxy`]: id, name, tactic, response type), the MISP
//! technique galaxy ([`TechniqueGalaxy`]) and the DISARM STIX bundle ([`Framework`], the
//! current technique ids). The published links between counters and techniques are
//! incomplete, so the technique -> countermeasure map is rrm's own curated data
//! ([`CounterMap::builtin`], `data/technique-counters.csv`, made by
//! `data/make-technique-counters.py` as `COUNTERS.md` explains). [`options_for`] joins them.

use std::collections::{BTreeMap, BTreeSet};

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::wire::wire_enum;
use crate::Error;

wire_enum! {
    /// DISARM's response types (the "7 Ds"), as the galaxy records them in each
    /// countermeasure's `meta.kill_chain` entry `responsetypes:<Type>`.
    pub enum ResponseType ("response type") {
        /// Discover or discern the existence of the activity.
        Detect => "detect",
        /// Prevent the adversary from accessing information or capabilities.
        Deny => "deny",
        /// Interrupt or impede the activity.
        Disrupt => "disrupt",
        /// Reduce the effectiveness or efficiency of the activity.
        Degrade => "degrade",
        /// Cause the adversary to believe what is not true.
        Deceive => "deceive",
        /// Damage the adversary's capability beyond use.
        Destroy => "destroy",
        /// Discourage the adversary.
        Deter => "deter",
    }
}

wire_enum! {
    /// Why the map links a technique to a countermeasure, strongest first.
    pub enum Basis ("map basis") {
        /// A `blocks` / `blocked-by` link of the galaxy to a current technique id.
        Galaxy => "galaxy",
        /// A galaxy link to a technique id DISARM v1.6 dropped, remapped by name.
        Renamed => "renamed",
        /// The countermeasure has no usable link; it is placed on the top-level techniques
        /// of its tactic.
        Tactic => "tactic",
    }
}

#[derive(Deserialize)]
struct RawGalaxy {
    values: Vec<RawCluster>,
}

#[derive(Deserialize)]
struct RawCluster {
    uuid: String,
    value: String,
    #[serde(default)]
    description: String,
    meta: RawMeta,
    #[serde(default)]
    related: Vec<RawRelated>,
}

#[derive(Deserialize)]
struct RawMeta {
    external_id: String,
    #[serde(default)]
    kill_chain: Vec<String>,
}

#[derive(Deserialize)]
struct RawRelated {
    #[serde(rename = "dest-uuid")]
    dest_uuid: String,
    #[serde(rename = "type")]
    kind: String,
}

fn parse_json<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| Error::BadGalaxy {
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })
}

fn kill_chain(meta: &RawMeta, kind: &str) -> Option<String> {
    meta.kill_chain
        .iter()
        .find_map(|k| k.strip_prefix(kind).and_then(|r| r.strip_prefix(':')))
        .map(str::to_string)
}

/// One DISARM countermeasure of the galaxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Countermeasure {
    /// The DISARM id, e.g. `C00006`.
    pub id: String,
    /// The galaxy cluster uuid.
    pub uuid: String,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// The tactic it is filed under, e.g. `Plan Strategy`.
    pub tactic: Option<String>,
    /// Its response type.
    pub response_type: ResponseType,
    /// Its metatechnique, e.g. `Friction`.
    pub metatechnique: Option<String>,
    /// The uuids its `blocks` links point to (techniques, some no longer existing).
    pub blocks: Vec<String>,
}

/// The MISP countermeasure galaxy, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterGalaxy {
    /// Every countermeasure, in id order.
    pub counters: Vec<Countermeasure>,
}

impl CounterGalaxy {
    /// Parses `misp-galaxy-disarm-countermeasures.json`. Every countermeasure must carry a
    /// response type the engine knows.
    pub fn parse(json: &str) -> Result<CounterGalaxy, Error> {
        let raw: RawGalaxy = parse_json(json)?;
        let mut counters = Vec::with_capacity(raw.values.len());
        for (i, c) in raw.values.into_iter().enumerate() {
            let path = format!("values[{i}].meta.kill_chain");
            let rt = kill_chain(&c.meta, "responsetypes").ok_or_else(|| Error::BadGalaxy {
                path: path.clone(),
                message: format!("{} has no responsetypes entry", c.meta.external_id),
            })?;
            let response_type =
                rt.to_ascii_lowercase()
                    .parse()
                    .map_err(|e: Error| Error::BadGalaxy {
                        path,
                        message: e.to_string(),
                    })?;
            counters.push(Countermeasure {
                tactic: kill_chain(&c.meta, "tactics"),
                metatechnique: kill_chain(&c.meta, "metatechniques"),
                blocks: c
                    .related
                    .iter()
                    .filter(|r| r.kind == "blocks")
                    .map(|r| r.dest_uuid.clone())
                    .collect(),
                response_type,
                id: c.meta.external_id,
                uuid: c.uuid,
                name: c.value,
                description: c.description,
            });
        }
        counters.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(CounterGalaxy { counters })
    }

    /// The countermeasure with DISARM id `id`.
    pub fn get(&self, id: &str) -> Option<&Countermeasure> {
        self.counters
            .binary_search_by(|c| c.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.counters[i])
    }
}

/// One technique of the MISP technique galaxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GalaxyTechnique {
    /// The DISARM id, e.g. `T0002` (some no longer exist in DISARM v1.6).
    pub id: String,
    /// The galaxy cluster uuid.
    pub uuid: String,
    /// Its name.
    pub name: String,
    /// Its tactic.
    pub tactic: Option<String>,
    /// The uuids of the countermeasures its `blocked-by` links name.
    pub blocked_by: Vec<String>,
}

/// The MISP technique galaxy, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TechniqueGalaxy {
    /// Every technique, in the galaxy's order.
    pub techniques: Vec<GalaxyTechnique>,
}

impl TechniqueGalaxy {
    /// Parses `misp-galaxy-disarm-techniques.json`.
    pub fn parse(json: &str) -> Result<TechniqueGalaxy, Error> {
        let raw: RawGalaxy = parse_json(json)?;
        Ok(TechniqueGalaxy {
            techniques: raw
                .values
                .into_iter()
                .map(|t| GalaxyTechnique {
                    tactic: kill_chain(&t.meta, "tactics"),
                    blocked_by: t
                        .related
                        .iter()
                        .filter(|r| r.kind == "blocked-by")
                        .map(|r| r.dest_uuid.clone())
                        .collect(),
                    id: t.meta.external_id,
                    uuid: t.uuid,
                    name: t.value,
                })
                .collect(),
        })
    }
}

#[derive(Deserialize)]
struct RawBundle {
    objects: Vec<RawObject>,
}

#[derive(Deserialize)]
struct RawObject {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    external_references: Vec<RawExtRef>,
    #[serde(default)]
    kill_chain_phases: Vec<RawPhase>,
    #[serde(default)]
    x_mitre_shortname: Option<String>,
}

#[derive(Deserialize)]
struct RawExtRef {
    #[serde(default)]
    external_id: Option<String>,
}

#[derive(Deserialize)]
struct RawPhase {
    phase_name: String,
}

/// A technique of the DISARM framework (STIX `attack-pattern`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Technique {
    /// The DISARM id, e.g. `T0151.004`.
    pub id: String,
    /// The STIX id.
    pub stix_id: String,
    /// Its name.
    pub name: String,
    /// The kill-chain phase (the tactic's short name), e.g. `establish-assets`.
    pub phase: Option<String>,
}

impl Technique {
    /// The parent technique's id of a sub-technique (`T0151` for `T0151.004`).
    pub fn parent_id(&self) -> Option<&str> {
        parent_of(&self.id)
    }
}

/// A tactic of the DISARM framework (STIX `x-mitre-tactic`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tactic {
    /// The DISARM id, e.g. `TA15`.
    pub id: String,
    /// Its name, e.g. `Establish Assets`.
    pub name: String,
    /// Its short name, the techniques' phase name, e.g. `establish-assets`.
    pub shortname: String,
}

/// The DISARM framework from its STIX bundle (`DISARM.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framework {
    /// Every technique, by DISARM id.
    pub techniques: BTreeMap<String, Technique>,
    /// Every tactic, in the bundle's order.
    pub tactics: Vec<Tactic>,
}

impl Framework {
    /// Parses the DISARM STIX bundle.
    pub fn parse(json: &str) -> Result<Framework, Error> {
        let raw: RawBundle = parse_json(json)?;
        let mut techniques = BTreeMap::new();
        let mut tactics = Vec::new();
        for (i, o) in raw.objects.into_iter().enumerate() {
            let ext = o
                .external_references
                .iter()
                .find_map(|r| r.external_id.clone());
            let missing = |what: &str| Error::BadGalaxy {
                path: format!("objects[{i}]"),
                message: format!("{} has no {what}", o.id),
            };
            match o.kind.as_str() {
                "attack-pattern" => {
                    let id = ext.ok_or_else(|| missing("external_id"))?;
                    techniques.insert(
                        id.clone(),
                        Technique {
                            id,
                            stix_id: o.id.clone(),
                            name: o.name.clone(),
                            phase: o.kill_chain_phases.first().map(|p| p.phase_name.clone()),
                        },
                    );
                }
                "x-mitre-tactic" => tactics.push(Tactic {
                    id: ext.ok_or_else(|| missing("external_id"))?,
                    shortname: o
                        .x_mitre_shortname
                        .clone()
                        .ok_or_else(|| missing("x_mitre_shortname"))?,
                    name: o.name.clone(),
                }),
                _ => {}
            }
        }
        Ok(Framework {
            techniques,
            tactics,
        })
    }
}

/// The parent id of a sub-technique id (`T0151` for `T0151.004`), none for a top-level id.
pub fn parent_of(id: &str) -> Option<&str> {
    id.split_once('.').map(|(p, _)| p)
}

/// One row of the curated map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapRow {
    /// The DISARM v1.6 technique id.
    pub technique: String,
    /// The countermeasure id.
    pub counter: String,
    /// Why they are linked.
    pub basis: Basis,
}

/// A technique id DISARM v1.6 no longer has, and one that took its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remap {
    /// The old id, e.g. `T0043`.
    pub old: String,
    /// A current id, e.g. `T0151.004`.
    pub new: String,
    /// `name` (the same name) or `curated` (the table in the script).
    pub basis: String,
}

/// rrm's curated technique -> countermeasure map, with the remapping of dropped ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterMap {
    /// Every row, sorted by technique then counter.
    pub rows: Vec<MapRow>,
    /// Every remapped old id.
    pub remap: Vec<Remap>,
}

const BUILTIN_MAP: &str = include_str!("../data/technique-counters.csv");
const BUILTIN_REMAP: &str = include_str!("../data/technique-remap.csv");

fn csv_lines<'a>(
    text: &'a str,
    header: &'static str,
) -> Result<impl Iterator<Item = (usize, Vec<&'a str>)>, Error> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, h)) if h.trim_end() == header => {}
        _ => {
            return Err(Error::BadCounterMap {
                line: 1,
                message: format!("the header must be {header}"),
            })
        }
    }
    Ok(lines
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l.trim_end().split(',').collect())))
}

fn is_technique_id(s: &str) -> bool {
    let (head, sub) = match s.split_once('.') {
        Some((h, sub)) => (h, Some(sub)),
        None => (s, None),
    };
    let digits = |d: &str, n: usize| d.len() == n && d.bytes().all(|b| b.is_ascii_digit());
    head.strip_prefix('T').is_some_and(|d| digits(d, 4)) && sub.is_none_or(|d| digits(d, 3))
}

impl CounterMap {
    /// The map kept in the repository (`data/technique-counters.csv`,
    /// `data/technique-remap.csv`), compiled in.
    pub fn builtin() -> CounterMap {
        match CounterMap::parse(BUILTIN_MAP, BUILTIN_REMAP) {
            Ok(m) => m,
            // The files are checked by the crate's tests; an unreadable one is a build defect.
            Err(e) => panic!("the built-in technique-counters map is invalid: {e}"),
        }
    }

    /// Parses the map (`technique_id,counter_id,basis`) and the remapping
    /// (`old_id,new_id,basis`).
    pub fn parse(map: &str, remap: &str) -> Result<CounterMap, Error> {
        let mut rows = Vec::new();
        for (line, f) in csv_lines(map, "technique_id,counter_id,basis")? {
            let bad = |message: String| Error::BadCounterMap { line, message };
            let [t, c, b] = f[..] else {
                return Err(bad(format!("expected 3 fields, found {}", f.len())));
            };
            if !is_technique_id(t) {
                return Err(bad(format!("{t:?} is not a technique id")));
            }
            if !(c.len() == 6 && c.starts_with('C') && c[1..].bytes().all(|x| x.is_ascii_digit())) {
                return Err(bad(format!("{c:?} is not a countermeasure id")));
            }
            let basis = b.parse::<Basis>().map_err(|e| bad(e.to_string()))?;
            rows.push(MapRow {
                technique: t.to_string(),
                counter: c.to_string(),
                basis,
            });
        }
        rows.sort_by(|a, b| (&a.technique, &a.counter).cmp(&(&b.technique, &b.counter)));
        let mut out = Vec::new();
        for (line, f) in csv_lines(remap, "old_id,new_id,basis")? {
            let bad = |message: String| Error::BadCounterMap { line, message };
            let [o, n, b] = f[..] else {
                return Err(bad(format!("expected 3 fields, found {}", f.len())));
            };
            if !is_technique_id(o) || !is_technique_id(n) {
                return Err(bad(format!("{o:?} or {n:?} is not a technique id")));
            }
            if b != "name" && b != "curated" {
                return Err(bad(format!("basis {b:?}: expected name or curated")));
            }
            out.push(Remap {
                old: o.to_string(),
                new: n.to_string(),
                basis: b.to_string(),
            });
        }
        Ok(CounterMap { rows, remap: out })
    }

    /// The current ids an id stands for: itself, and what it was remapped to.
    pub fn resolve<'a>(&'a self, id: &'a str) -> Vec<&'a str> {
        let mut out = vec![id];
        out.extend(
            self.remap
                .iter()
                .filter(|r| r.old == id)
                .map(|r| r.new.as_str()),
        );
        out
    }

    /// The rows for technique id `id` exactly.
    pub fn rows_for<'a>(&'a self, id: &str) -> impl Iterator<Item = &'a MapRow> + 'a {
        let start = self.rows.partition_point(|r| r.technique.as_str() < id);
        let id = id.to_string();
        self.rows[start..]
            .iter()
            .take_while(move |r| r.technique == id)
    }
}

/// A countermeasure offered as a response option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseOption {
    /// The countermeasure id, e.g. `C00009`.
    pub counter_id: String,
    /// Its name.
    pub name: String,
    /// Its response type.
    pub response_type: ResponseType,
    /// The techniques asked about that it addresses, as they were given, sorted.
    pub techniques: Vec<String>,
    /// The strongest basis among the links that brought it.
    pub basis: Basis,
}

/// The countermeasures that address `techniques` (DISARM ids as the case's STIX names them):
/// each id is taken with the ids it was remapped to, and a sub-technique also takes its
/// parent's counters. Options come strongest basis first, then most techniques addressed,
/// then by id; counters the map names but the galaxy lacks are left out.
pub fn options_for(
    techniques: &[&str],
    galaxy: &CounterGalaxy,
    map: &CounterMap,
) -> Vec<ResponseOption> {
    let mut found: BTreeMap<&str, (BTreeSet<&str>, Basis)> = BTreeMap::new();
    for &asked in techniques {
        let asked = asked.trim();
        let mut ids: BTreeSet<&str> = BTreeSet::new();
        for id in map.resolve(asked) {
            ids.insert(id);
            if let Some(p) = parent_of(id) {
                ids.insert(p);
            }
        }
        for id in ids {
            for row in map.rows_for(id) {
                let e = found
                    .entry(row.counter.as_str())
                    .or_insert((BTreeSet::new(), row.basis));
                e.0.insert(asked);
                e.1 = e.1.min(row.basis);
            }
        }
    }
    let mut out: Vec<ResponseOption> = found
        .into_iter()
        .filter_map(|(cid, (techs, basis))| {
            let c = galaxy.get(cid)?;
            Some(ResponseOption {
                counter_id: c.id.clone(),
                name: c.name.clone(),
                response_type: c.response_type,
                techniques: techs.into_iter().map(str::to_string).collect(),
                basis,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        a.basis
            .cmp(&b.basis)
            .then(b.techniques.len().cmp(&a.techniques.len()))
            .then(a.counter_id.cmp(&b.counter_id))
    });
    out
}
