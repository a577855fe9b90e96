//! Criterion benchmarks of the hub on a real SQLite file: `add_objects` of 1,000-indicator
//! envelopes (validation, ownership rules, one store transaction, status resource), and the
//! latency of 100-object `get_objects` pages (cursor check, TLP decision, redaction) at random
//! positions of a 100,000-object collection.

use hub::Actor;
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
    hub.add_org(
        Actor::Operator,
        "gov-ca",
        "Canada",
        Sector::Government,
        "CA",
    )
    .expect("org");
    hub.add_user(Actor::Operator, "gov-ca", "ana", Role::Analyst, None)
        .expect("user");
    let col = hub
        .add_collection(Actor::Operator, "feed", "Feed", "", None)
        .expect("collection");
    let rw = Access {
        read: true,
        write: true,
    };
    hub.grant(Actor::Operator, "gov-ca", &col.id, rw)
        .expect("grant");
    let p = hub.principal_for("ana").expect("principal");
    (hub, p, col.id)
}

/// This process's CPU time (user + system) in seconds, from `/proc/self/stat`; `None` where
/// that file does not exist. The machine is shared, so rates per CPU-second are printed next
/// to wall-clock rates.
fn cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at the state field.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // The kernel reports clock ticks; USER_HZ is 100 on Linux.
    Some((utime + stime) / 100.0)
}

/// Prints objects per wall-clock second and per CPU-second of `work` over `n` objects.
fn report(label: &str, n: usize, work: impl FnOnce()) {
    let (start, cpu) = (std::time::Instant::now(), cpu_secs());
    work();
    let wall = start.elapsed().as_secs_f64();
    let cpu = match (cpu, cpu_secs()) {
        (Some(a), Some(b)) if b > a => format!("{:>9.0} objects/CPU-s", n as f64 / (b - a)),
        _ => "CPU time unavailable".to_string(),
    };
    println!(
        "{label:<48} {:>9.0} objects/s wall   {cpu}",
        n as f64 / wall
    );
}

fn ingest(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (hub, p, col) = setup(&dir);
    // A summary table outside criterion: the whole call, and the hub's own share of it
    // (validation and serialization, without the store).
    let envelopes: Vec<Vec<Value>> = (0..20).map(|_| envelope(1000)).collect();
    let copies = envelopes.clone();
    report("add_objects, 20 x 1,000 indicators", 20_000, || {
        for objs in copies {
            hub.add_objects(&p, &col, objs).expect("ingest");
        }
    });
    report(
        "  of which check_object + serialize (no store)",
        20_000,
        || {
            for objs in &envelopes {
                for o in objs {
                    let checked = stix::check_object(o).expect("valid");
                    criterion::black_box((checked, o.to_string()));
                }
            }
        },
    );
    let mut g = c.benchmark_group("hub_ingest");
    g.sample_size(20);
    g.throughput(Throughput::Elements(1000));
    g.bench_function("add_objects_1000_indicators", |b| {
        b.iter_batched(
            || envelope(1000),
            |objs| {
                let s = hub.add_objects(&p, &col, objs).expect("ingest");
                assert_eq!(s.success_count, 1000);
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
