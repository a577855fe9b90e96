//! Property test: random add/delete sequences keep `match[version]` first/last/all results
//! equal to a simple in-memory model.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

use proptest::prelude::*;
use store::{AccountStore, ObjectStore};
use store::{
    AddOutcome, NewCollection, NewObject, NewOrg, NewUser, ObjectQuery, Role, Sector, Tlp,
    VersionFilter,
};
use store_sqlite::SqliteStore;

const COLLECTIONS: [&str; 2] = [
    "a0000000-0000-4000-8000-000000000001",
    "a0000000-0000-4000-8000-000000000002",
];

#[derive(Debug, Clone)]
enum Op {
    Add {
        coll: usize,
        obj: u8,
        version: Option<i64>,
    },
    Delete {
        coll: usize,
        obj: u8,
        filter: VersionFilter,
    },
}

fn version() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![1 => Just(None), 6 => (0i64..6).prop_map(Some)]
}

fn filter() -> impl Strategy<Value = VersionFilter> {
    (
        prop::bool::weighted(0.15),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(0i64..6, 0..3),
    )
        .prop_map(|(all, last, first, at)| VersionFilter {
            all,
            last,
            first,
            at,
        })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..2usize, 0..4u8, version()).prop_map(|(coll, obj, version)| Op::Add { coll, obj, version }),
        1 => (0..2usize, 0..4u8, filter()).prop_map(|(coll, obj, filter)| Op::Delete { coll, obj, filter }),
    ]
}

fn object_id(obj: u8) -> String {
    format!("indicator--30000000-0000-4000-8000-{obj:012x}")
}

/// The model: for each (collection, object), its set of versions.
type Model = BTreeMap<(usize, String), BTreeSet<Option<i64>>>;

/// What the model selects with `filter`, as sorted (collection, id, version) triples.
///
/// An unversioned copy (`None`) is its own first and last version; the versioned ones are
/// ordered among themselves.
fn model_select(model: &Model, filter: &VersionFilter) -> BTreeSet<(usize, String, Option<i64>)> {
    let mut out = BTreeSet::new();
    for ((coll, id), versions) in model {
        if versions.contains(&None) && (filter.all || filter.last || filter.first) {
            out.insert((*coll, id.clone(), None));
        }
        let versioned: BTreeSet<Option<i64>> =
            versions.iter().filter(|v| v.is_some()).copied().collect();
        let (Some(first), Some(last)) = (versioned.first(), versioned.last()) else {
            continue;
        };
        for v in &versioned {
            let at = v.is_some_and(|t| filter.at.contains(&t));
            if filter.all || (filter.last && v == last) || (filter.first && v == first) || at {
                out.insert((*coll, id.clone(), *v));
            }
        }
    }
    out
}

fn store_select(
    s: &dyn ObjectStore,
    filter: &VersionFilter,
) -> BTreeSet<(usize, String, Option<i64>)> {
    let mut out = BTreeSet::new();
    for (coll, cid) in COLLECTIONS.iter().enumerate() {
        let q = ObjectQuery {
            collection_id: cid.to_string(),
            versions: filter.clone(),
            ..ObjectQuery::default()
        };
        s.scan_objects(&q, &mut |o| {
            assert!(
                out.insert((coll, o.id, o.version)),
                "a version was returned twice"
            );
            ControlFlow::Continue(())
        })
        .unwrap();
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn first_last_all_match_the_model(ops in prop::collection::vec(op(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(&dir.path().join("rrm.db")).unwrap();
        let org = s.create_org(&NewOrg {
            slug: "org".into(),
            name: "Org".into(),
            sector: Sector::Other,
            country: "FR".into(),
            identity_id: "identity--40000000-0000-4000-8000-000000000001".into(),
            identity_json: "{}".into(),
        }).unwrap();
        let user = s.create_user(&NewUser {
            org_id: org.id,
            username: "u".into(),
            role: Role::Analyst,
            password_hash: None,
        }, &store::NewAudit { actor: "operator".into(), actor_org_id: None, action: "user.create".into(), target: String::new(), target_org_id: None, detail: String::new() }).unwrap();
        for (i, id) in COLLECTIONS.iter().enumerate() {
            s.create_collection(&NewCollection {
                id: id.to_string(),
                slug: format!("c{i}"),
                title: "c".into(),
                description: String::new(),
                default_tlp: Tlp::Amber,
            }, &store::NewAudit::system("test", "t", None, "")).unwrap();
        }
        let mut model = Model::new();
        for op in &ops {
            match op {
                Op::Add { coll, obj, version } => {
                    let id = object_id(*obj);
                    let outcome = s.add_object(&NewObject {
                        collection_id: COLLECTIONS[*coll].to_string(),
                        id: id.clone(),
                        stix_type: "indicator".into(),
                        spec_version: "2.1".into(),
                        version: *version,
                        json: format!(r#"{{"id":"{id}","v":{version:?}}}"#),
                        tlp: None,
                        recipients: Vec::new(),
                        created_by_ref: None,
                        revoked: false,
                        submitter_user_id: user.id,
                        submitter_org_id: org.id,
                        owner_org_id: org.id,
                    }).unwrap();
                    let fresh = model.entry((*coll, id)).or_default().insert(*version);
                    prop_assert_eq!(fresh, matches!(outcome, AddOutcome::Added { .. }));
                }
                Op::Delete { coll, obj, filter } => {
                    let id = object_id(*obj);
                    let n = s.delete_object(COLLECTIONS[*coll], &id, filter).unwrap();
                    let key = (*coll, id);
                    let selected: Vec<Option<i64>> = match model.get(&key) {
                        Some(versions) => {
                            let one: Model = [(key.clone(), versions.clone())].into();
                            model_select(&one, filter).into_iter().map(|t| t.2).collect()
                        }
                        None => Vec::new(),
                    };
                    prop_assert_eq!(n, selected.len() as u64);
                    if let Some(versions) = model.get_mut(&key) {
                        for v in &selected {
                            versions.remove(v);
                        }
                    }
                }
            }
            for f in [
                VersionFilter::default(),
                VersionFilter { all: false, last: false, first: true, at: Vec::new() },
                VersionFilter { all: false, last: true, first: true, at: vec![2] },
                VersionFilter::all(),
            ] {
                prop_assert_eq!(store_select(&s, &f), model_select(&model, &f), "filter {:?} after {:?}", f, op);
            }
        }
    }
}
