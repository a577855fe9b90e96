//! Criterion benchmarks of the hub on a real SQLite file: `add_objects` of 1,000-indicator
//! envelopes (validation, ownership rules, one store transaction, status resource), and the
//! latency of 100-object `get_objects` pages (cursor check, TLP decision, redaction) at random
//! positions of a 100,000-object collection.

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use hub::{Hub, HubConfig, ObjectFilter, Principal};
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use store::{Access, Role, Sector};

/// A realistic indicator with a fresh id.
fn indicator(i: usize) -> Value {
    let id = format!("indicator--{}", uuid::Uuid::new_v4());
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": id,
        "created": "2026-03-01T10:00:00.000Z",
        "modified": "2026-03-01T10:00:00.000Z",
        "name": format!("campaign domain {i}"),
        "description": "Domain used to amplify a coordinated inauthentic network.",
        "indicator_types": ["malicious-activity"],
        "pattern": format!("[domain-name:value = 'site-{i}.example']"),
        "pattern_type": "stix",
        "valid_from": "2026-03-01T10:00:00Z",
        "labels": ["elections", "cib"],
        "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],
    })
}

fn envelope(n: usize) -> Vec<Value> {
    (0..n).map(indicator).collect()
}

/// A hub on a temp file with one org, one analyst and one read-write collection.
fn setup(dir: &tempfile::TempDir) -> (Hub, Principal, String) {
    let store = store_sqlite::SqliteStore::open(&dir.path().join("bench.db")).expect("store");
    let hub = Hub::new(Arc::new(store), HubConfig::new([3u8; 32])).expect("hub");
    hub.add_org(None, "gov-ca", "Canada", Sector::Government, "CA")
        .expect("org");
    hub.add_user(None, "gov-ca", "ana", Role::Analyst, None)
        .expect("user");
    let col = hub
        .add_collection(None, "feed", "Feed", "", None)
        .expect("collection");
    let rw = Access {
        read: true,
        write: true,
    };
    hub.grant(None, "gov-ca", &col.id, rw).expect("grant");
    let p = hub.principal_for("ana").expect("principal");
    (hub, p, col.id)
}

fn ingest(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (hub, p, col) = setup(&dir);
    let mut g = c.benchmark_group("hub_ingest");
    g.sample_size(20);
    g.throughput(Throughput::Elements(1000));
    g.bench_function("add_objects_1000_indicators", |b| {
        b.iter_batched(
            || envelope(1000),
            |objs| {
                let s = hub.add_objects(&p, &col, objs).expect("ingest");
                assert_eq!(s["success_count"], 1000);
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn pages(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (hub, p, col) = setup(&dir);
    for _ in 0..100 {
        hub.add_objects(&p, &col, envelope(1000)).expect("ingest");
    }
    let f = ObjectFilter::default();
    // Cursors at every 100-object boundary.
    let mut cursors = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = hub
            .get_objects(&p, &col, &f, Some(100), next.as_deref())
            .expect("page");
        if !page.more {
            break;
        }
        next = page.next;
        cursors.push(next.clone().expect("next"));
    }
    let mut manifest_cursors = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = hub
            .get_manifest(&p, &col, &f, Some(100), next.as_deref())
            .expect("page");
        if !page.more {
            break;
        }
        next = page.next;
        manifest_cursors.push(next.clone().expect("next"));
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut g = c.benchmark_group("hub_pages_100k");
    g.throughput(Throughput::Elements(100));
    g.bench_function("get_objects_100_random_position", |b| {
        b.iter(|| {
            let cur = &cursors[rng.gen_range(0..cursors.len())];
            let page = hub
                .get_objects(&p, &col, &f, Some(100), Some(cur))
                .expect("page");
            assert_eq!(page.objects.len(), 100);
        })
    });
    g.bench_function("get_manifest_100_random_position", |b| {
        b.iter(|| {
            let cur = &manifest_cursors[rng.gen_range(0..manifest_cursors.len())];
            let page = hub
                .get_manifest(&p, &col, &f, Some(100), Some(cur))
                .expect("page");
            assert_eq!(page.objects.len(), 100);
        })
    });
    g.finish();
}

criterion_group!(benches, ingest, pages);
criterion_main!(benches);
