//! DISARM countermeasures: the galaxy, the curated map and the options for techniques.

use std::collections::{BTreeMap, BTreeSet};

use response::counters::{
    options_for, parent_of, Basis, CounterGalaxy, CounterMap, Framework, ResponseType,
    TechniqueGalaxy,
};
use response::Error;
use serde_json::Value;

fn read(rel: &str) -> String {
    let path = test_data::shared(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

struct Disarm {
    galaxy: CounterGalaxy,
    techniques: TechniqueGalaxy,
    framework: Framework,
    map: CounterMap,
    raw_counters: Value,
}

fn disarm() -> Disarm {
    let counters = read("data/disarm/misp-galaxy-disarm-countermeasures.json");
    Disarm {
        galaxy: CounterGalaxy::parse(&counters).expect("countermeasure galaxy"),
        techniques: TechniqueGalaxy::parse(&read("data/disarm/misp-galaxy-disarm-techniques.json"))
            .expect("technique galaxy"),
        framework: Framework::parse(&read("data/disarm/DISARM.json")).expect("DISARM bundle"),
        map: CounterMap::builtin(),
        raw_counters: serde_json::from_str(&counters).expect("json"),
    }
}

#[test]
fn every_countermeasure_has_the_response_type_the_galaxy_records() {
    let d = disarm();
    let values = d.raw_counters["values"].as_array().expect("values");
    assert_eq!(d.galaxy.counters.len(), values.len());
    for v in values {
        let id = v["meta"]["external_id"].as_str().expect("id");
        let recorded: Vec<String> = v["meta"]["kill_chain"]
            .as_array()
            .expect("kill_chain")
            .iter()
            .filter_map(|k| k.as_str()?.strip_prefix("responsetypes:"))
            .map(|s| s.to_lowercase())
            .collect();
        let c = d.galaxy.get(id).unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(recorded, vec![c.response_type.as_str().to_string()], "{id}");
        assert_eq!(c.name, v["value"].as_str().expect("value"));
        assert!(c.tactic.is_some(), "{id} has a tactic");
    }
    // The seven Ds are the engine's types; the galaxy uses six of them.
    assert_eq!(ResponseType::ALL.len(), 7);
}

#[test]
fn the_map_names_only_current_techniques_and_known_counters_and_covers_every_counter() {
    let d = disarm();
    assert!(!d.map.rows.is_empty());
    for r in &d.map.rows {
        assert!(
            d.framework.techniques.contains_key(&r.technique),
            "{} is not a DISARM v1.6 technique",
            r.technique
        );
        assert!(
            d.galaxy.get(&r.counter).is_some(),
            "{} is not in the galaxy",
            r.counter
        );
    }
    let mapped: BTreeSet<&str> = d.map.rows.iter().map(|r| r.counter.as_str()).collect();
    for c in &d.galaxy.counters {
        assert!(
            mapped.contains(c.id.as_str()),
            "{} addresses no technique",
            c.id
        );
    }
    for r in &d.map.remap {
        assert!(
            !d.framework.techniques.contains_key(&r.old),
            "{} still exists",
            r.old
        );
        assert!(
            d.framework.techniques.contains_key(&r.new),
            "{} does not exist",
            r.new
        );
    }
    // Every galaxy technique DISARM v1.6 dropped is remapped.
    for t in &d.techniques.techniques {
        if !d.framework.techniques.contains_key(&t.id) {
            assert!(
                d.map.remap.iter().any(|r| r.old == t.id),
                "{} ({}) not remapped",
                t.id,
                t.name
            );
        }
    }
}

#[test]
fn galaxy_links_are_kept_and_stale_ones_follow_the_remap() {
    let d = disarm();
    let by_uuid: BTreeMap<&str, &str> = d
        .techniques
        .techniques
        .iter()
        .map(|t| (t.uuid.as_str(), t.id.as_str()))
        .collect();
    let basis_of = |t: &str, c: &str| {
        d.map
            .rows
            .iter()
            .find(|r| r.technique == t && r.counter == c)
            .map(|r| r.basis)
    };
    let mut kept = 0;
    let mut renamed = 0;
    for c in &d.galaxy.counters {
        for u in &c.blocks {
            let Some(&tid) = by_uuid.get(u.as_str()) else {
                continue;
            };
            if d.framework.techniques.contains_key(tid) {
                assert_eq!(basis_of(tid, &c.id), Some(Basis::Galaxy), "{tid} {}", c.id);
                kept += 1;
            } else {
                for new in d.map.resolve(tid).into_iter().skip(1) {
                    let b = basis_of(new, &c.id);
                    assert!(
                        matches!(b, Some(Basis::Galaxy | Basis::Renamed)),
                        "{tid}->{new} {}",
                        c.id
                    );
                    renamed += 1;
                }
            }
        }
    }
    assert!(kept > 0 && renamed > 0, "kept {kept}, renamed {renamed}");
}

#[test]
fn tactic_rows_are_the_top_level_techniques_of_the_counters_tactic() {
    let d = disarm();
    let shortname: BTreeMap<&str, &str> = d
        .framework
        .tactics
        .iter()
        .map(|t| (t.name.as_str(), t.shortname.as_str()))
        .collect();
    let mut by_counter: BTreeMap<&str, Vec<(&str, Basis)>> = BTreeMap::new();
    for r in &d.map.rows {
        by_counter
            .entry(&r.counter)
            .or_default()
            .push((&r.technique, r.basis));
    }
    for (cid, rows) in by_counter {
        let tactic_rows: Vec<&str> = rows
            .iter()
            .filter(|r| r.1 == Basis::Tactic)
            .map(|r| r.0)
            .collect();
        if tactic_rows.is_empty() {
            continue;
        }
        assert_eq!(
            tactic_rows.len(),
            rows.len(),
            "{cid} mixes tactic and linked rows"
        );
        let c = d.galaxy.get(cid).expect("counter");
        let phase = shortname[c.tactic.as_deref().expect("tactic")];
        for t in &tactic_rows {
            assert!(parent_of(t).is_none(), "{cid}: {t} is a sub-technique");
        }
        // Every top-level technique of its own tactic is there.
        for t in d.framework.techniques.values() {
            if t.parent_id().is_none() && t.phase.as_deref() == Some(phase) {
                assert!(tactic_rows.contains(&t.id.as_str()), "{cid} lacks {}", t.id);
            }
        }
    }
}

#[test]
fn options_for_a_linked_technique_put_its_galaxy_counters_first() {
    let d = disarm();
    let row = d
        .map
        .rows
        .iter()
        .find(|r| r.basis == Basis::Galaxy)
        .expect("a galaxy row");
    let options = options_for(&[row.technique.as_str()], &d.galaxy, &d.map);
    let pos = options
        .iter()
        .position(|o| o.counter_id == row.counter)
        .expect("offered");
    assert_eq!(options[pos].basis, Basis::Galaxy);
    assert_eq!(options[pos].techniques, vec![row.technique.clone()]);
    let c = d.galaxy.get(&row.counter).expect("counter");
    assert_eq!(
        (options[pos].name.as_str(), options[pos].response_type),
        (c.name.as_str(), c.response_type)
    );
    // Options are sorted by basis: nothing weaker comes before a galaxy link.
    assert!(options[..pos].iter().all(|o| o.basis == Basis::Galaxy));
    let ids: BTreeSet<&str> = options.iter().map(|o| o.counter_id.as_str()).collect();
    assert_eq!(ids.len(), options.len(), "an option offered twice");
}

#[test]
fn a_stale_technique_id_gets_the_counters_of_its_remapped_ids() {
    let d = disarm();
    let stale = "T0043"; // Chat Apps, dropped by DISARM v1.6.
    assert!(!d.framework.techniques.contains_key(stale));
    let options = options_for(&[stale], &d.galaxy, &d.map);
    assert!(!options.is_empty());
    for new in d.map.resolve(stale).into_iter().skip(1) {
        for r in d.map.rows_for(new) {
            assert!(
                options.iter().any(|o| o.counter_id == r.counter),
                "{new}: {}",
                r.counter
            );
        }
    }
    assert!(options
        .iter()
        .all(|o| o.techniques == vec![stale.to_string()]));
}

#[test]
fn a_sub_technique_takes_its_parents_counters_and_unknown_ids_take_none() {
    let d = disarm();
    let sub = d
        .framework
        .techniques
        .values()
        .find(|t| {
            t.parent_id()
                .is_some_and(|p| d.map.rows_for(p).next().is_some())
        })
        .expect("a sub-technique whose parent is mapped");
    let parent = sub.parent_id().expect("parent");
    let of_parent: BTreeSet<String> = options_for(&[parent], &d.galaxy, &d.map)
        .into_iter()
        .map(|o| o.counter_id)
        .collect();
    let of_sub: BTreeSet<String> = options_for(&[sub.id.as_str()], &d.galaxy, &d.map)
        .into_iter()
        .map(|o| o.counter_id)
        .collect();
    assert!(!of_parent.is_empty());
    assert!(
        of_sub.is_superset(&of_parent),
        "{} lacks counters of {parent}",
        sub.id
    );

    assert!(options_for(&["T9999"], &d.galaxy, &d.map).is_empty());
    assert!(options_for(&[], &d.galaxy, &d.map).is_empty());
}

#[test]
fn options_for_several_techniques_name_each_one_addressed() {
    let d = disarm();
    // Two techniques of one tactic share the tactic's counters.
    let mut by_counter: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in &d.map.rows {
        by_counter.entry(&r.counter).or_default().push(&r.technique);
    }
    let (cid, techs) = by_counter
        .iter()
        .find(|(_, t)| t.len() >= 2)
        .expect("a counter of two techniques");
    let asked = [techs[0], techs[1], "T9999"];
    let options = options_for(&asked, &d.galaxy, &d.map);
    let o = options
        .iter()
        .find(|o| o.counter_id == *cid)
        .expect("offered");
    assert_eq!(
        o.techniques,
        vec![techs[0].to_string(), techs[1].to_string()]
    );
    // Most techniques addressed first within one basis.
    for w in options.windows(2) {
        assert!(
            (
                w[0].basis,
                std::cmp::Reverse(w[0].techniques.len()),
                &w[0].counter_id
            ) <= (
                w[1].basis,
                std::cmp::Reverse(w[1].techniques.len()),
                &w[1].counter_id
            )
        );
    }
}

#[test]
fn bad_data_is_an_error_naming_where() {
    match CounterGalaxy::parse(r#"{"values":[{"uuid":"u","value":"v","meta":{}}]}"#) {
        Err(Error::BadGalaxy { path, .. }) => assert!(path.contains("values[0].meta"), "{path}"),
        other => panic!("{other:?}"),
    }
    let no_type = r#"{"values":[{"uuid":"u","value":"v","meta":{"external_id":"C00001","kill_chain":["tactics:Plan Strategy"]}}]}"#;
    match CounterGalaxy::parse(no_type) {
        Err(Error::BadGalaxy { path, message }) => {
            assert_eq!(path, "values[0].meta.kill_chain");
            assert!(message.contains("C00001"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let odd_type = r#"{"values":[{"uuid":"u","value":"v","meta":{"external_id":"C00001","kill_chain":["responsetypes:Dazzle"]}}]}"#;
    assert!(CounterGalaxy::parse(odd_type).is_err());
    assert!(Framework::parse("[").is_err());
    let head = "technique_id,counter_id,basis\n";
    let remap = "old_id,new_id,basis\n";
    for (body, line) in [
        ("T0001,C00001,galaxy\nT01,C00001,galaxy\n", 3),
        ("T0001,C00001,hunch\n", 2),
        ("T0001,X1,galaxy\n", 2),
        ("T0001,C00001\n", 2),
    ] {
        match CounterMap::parse(&format!("{head}{body}"), remap) {
            Err(Error::BadCounterMap { line: l, .. }) => assert_eq!(l, line, "{body}"),
            other => panic!("{body}: {other:?}"),
        }
    }
    assert!(CounterMap::parse("nope\n", remap).is_err());
    assert!(CounterMap::parse(head, "old_id,new_id,basis\nT0043,T0151.004,guess\n").is_err());
}
