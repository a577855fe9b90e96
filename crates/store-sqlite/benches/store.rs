//! Benchmark of the SQLite store: bulk ingest and TAXII-sized page reads.
//!
//! `cargo bench -p store-sqlite` prints a table:
//! - ingest: `add_objects` of 100,000 indicator-like objects in batches of 1,000 into a
//!   fresh file (objects/s, durable commits with `synchronous=FULL`);
//! - paging: p50/p95/p99 of reading one 100-object page (`match[version]=last`, the TAXII
//!   default) from a random position in a collection of 1,000,000 objects, and the same
//!   with `match[type]=indicator`.
//!
//! `RRM_BENCH_SCALE` (default 1.0) scales both sizes, for quick runs.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use store::{AccountStore, ObjectStore};
use store::{
    NewCollection, NewObject, NewOrg, NewUser, ObjectQuery, Position, Role, Sector, Tlp,
    VersionFilter,
};
use store_sqlite::SqliteStore;

const PAGE: usize = 100;
const PAGE_SAMPLES: usize = 2_000;

fn main() {
    // `cargo bench` passes `--bench`; other arguments (filters) are ignored.
    let scale: f64 = std::env::var("RRM_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let ingest_n = ((100_000.0 * scale) as usize).max(1_000);
    let paging_n = ((1_000_000.0 * scale) as usize).max(10_000);
    let dir = tempfile::tempdir().expect("create a temporary directory");

    let mut rows: Vec<(String, String)> = Vec::new();

    // Ingest.
    let (store, user) = fresh(&dir.path().join("ingest.db"));
    let objs: Vec<NewObject> = (0..ingest_n).map(|n| indicator(n as u64, user)).collect();
    let (start, cpu) = (Instant::now(), cpu_secs());
    for batch in objs.chunks(1_000) {
        let out = store.add_objects(batch).expect("add_objects");
        assert!(out.iter().all(|o| o.is_ok()), "every object is added");
    }
    rows.push((
        format!("ingest {ingest_n} objects, batches of 1,000"),
        rate(ingest_n, start.elapsed().as_secs_f64(), cpu_secs() - cpu),
    ));
    // Re-posting the same batches stores nothing new.
    let (start, cpu) = (Instant::now(), cpu_secs());
    for batch in objs.chunks(1_000) {
        store.add_objects(batch).expect("add_objects again");
    }
    rows.push((
        format!("re-post {ingest_n} identical objects"),
        rate(ingest_n, start.elapsed().as_secs_f64(), cpu_secs() - cpu),
    ));
    drop(store);
    drop(objs);

    // Paging through a large collection.
    let (store, user) = fresh(&dir.path().join("paging.db"));
    let (start, cpu) = (Instant::now(), cpu_secs());
    let mut batch = Vec::with_capacity(10_000);
    for n in 0..paging_n {
        let mut o = indicator(n as u64, user);
        if n % 5 == 0 {
            o.stix_type = "malware".into();
        }
        batch.push(o);
        if batch.len() == 10_000 || n + 1 == paging_n {
            store
                .add_objects(&batch)
                .expect("build the large collection");
            batch.clear();
        }
    }
    rows.push((
        format!("build a {paging_n}-object collection, batches of 10,000"),
        rate(paging_n, start.elapsed().as_secs_f64(), cpu_secs() - cpu),
    ));

    let mut positions = Vec::with_capacity(paging_n);
    let (start, cpu) = (Instant::now(), cpu_secs());
    store
        .scan_objects(&query(None), &mut |o| {
            positions.push(Position {
                date_added: o.date_added,
                seq: o.seq,
            });
            ControlFlow::Continue(())
        })
        .expect("full scan");
    let n = positions.len();
    rows.push((
        format!("stream all {n} objects"),
        rate(n, start.elapsed().as_secs_f64(), cpu_secs() - cpu),
    ));

    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for (label, types) in [
        ("100-object page at a random position", None),
        (
            "100-object page, match[type]=indicator",
            Some("indicator".to_string()),
        ),
    ] {
        let mut times = Vec::with_capacity(PAGE_SAMPLES);
        let cpu = cpu_secs();
        for _ in 0..PAGE_SAMPLES {
            let at = positions[rng.gen_range(0..positions.len() - PAGE)];
            let mut q = query(types.clone());
            q.after = Some(at);
            let start = Instant::now();
            let mut got = 0;
            store
                .scan_objects(&q, &mut |o| {
                    got += 1;
                    std::hint::black_box(o);
                    if got == PAGE {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                })
                .expect("page scan");
            times.push(start.elapsed());
        }
        let cpu_per_page = (cpu_secs() - cpu) / PAGE_SAMPLES as f64;
        times.sort();
        rows.push((
            format!("{label} ({paging_n} objects)"),
            format!(
                "p50 {} / p95 {} / p99 {} wall; mean {:.3} ms CPU",
                ms(times[times.len() / 2]),
                ms(times[times.len() * 95 / 100]),
                ms(times[times.len() * 99 / 100]),
                cpu_per_page * 1e3
            ),
        ));
    }

    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    println!();
    println!("store-sqlite benchmark (one run, this machine, {PAGE_SAMPLES} page samples)");
    println!("{:width$} | result", "measure");
    println!("{}-|-{}", "-".repeat(width), "-".repeat(40));
    for (k, v) in rows {
        println!("{k:width$} | {v}");
    }
}

/// This process's CPU time (user + system) in seconds, from `/proc/self/stat` (Linux; 0
/// elsewhere). The machine may be shared, so wall-clock rates are shown next to rates per
/// CPU-second.
fn cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Clock ticks are 1/100 s on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

/// Objects per wall-clock second and per CPU-second.
fn rate(n: usize, wall: f64, cpu: f64) -> String {
    let per_cpu = if cpu > 0.0 {
        format!("{:.0}", n as f64 / cpu)
    } else {
        "n/a".to_string()
    };
    format!(
        "{:.0} objects/s wall ({wall:.2} s), {per_cpu} objects/CPU-s",
        n as f64 / wall
    )
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

const COLLECTION: &str = "b0000000-0000-4000-8000-000000000001";

fn query(ty: Option<String>) -> ObjectQuery {
    ObjectQuery {
        collection_id: COLLECTION.into(),
        types: ty.into_iter().collect(),
        versions: VersionFilter::default(),
        ..ObjectQuery::default()
    }
}

/// A fresh store with one organisation, one analyst and one collection.
fn fresh(path: &std::path::Path) -> (SqliteStore, (i64, i64)) {
    let s = SqliteStore::open(path).expect("open");
    let org = s
        .create_org(&NewOrg {
            slug: "bench".into(),
            name: "Bench".into(),
            sector: Sector::Government,
            country: "CA".into(),
            identity_id: "identity--b0000000-0000-4000-8000-000000000001".into(),
            identity_json: "{}".into(),
        })
        .expect("org");
    let user = s
        .create_user(
            &NewUser {
                org_id: org.id,
                username: "bench".into(),
                role: Role::Analyst,
                password_hash: None,
            },
            &store::NewAudit {
                actor: "operator".into(),
                actor_org_id: None,
                action: "user.create".into(),
                target: String::new(),
                target_org_id: None,
                detail: String::new(),
            },
        )
        .expect("user");
    s.create_collection(
        &NewCollection {
            id: COLLECTION.into(),
            slug: "bench".into(),
            title: "Bench".into(),
            description: String::new(),
            default_tlp: Tlp::Amber,
        },
        &store::NewAudit::system("test", "t", None, ""),
    )
    .expect("collection");
    (s, (user.id, org.id))
}

/// An indicator-like object version (about 600 bytes of JSON).
fn indicator(n: u64, (user_id, org_id): (i64, i64)) -> NewObject {
    let id = format!("indicator--{:08x}-7d1c-4f3a-9c2e-{n:012x}", n as u32);
    let json = format!(
        concat!(
            r#"{{"type":"indicator","spec_version":"2.1","id":"{id}","#,
            r#""created_by_ref":"identity--b0000000-0000-4000-8000-000000000001","#,
            r#""created":"2024-03-01T12:00:00.000Z","modified":"2024-03-01T12:00:00.000Z","#,
            r#""name":"Disinformation domain {n}","#,
            r#""description":"Domain used by a coordinated network to launder narratives.","#,
            r#""indicator_types":["malicious-activity"],"#,
            r#""pattern":"[domain-name:value = 'news-{n}.example.org']","#,
            r#""pattern_type":"stix","valid_from":"2024-03-01T12:00:00Z","#,
            r#""labels":["fimi","election"],"#,
            r#""object_marking_refs":["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]}}"#
        ),
        id = id,
        n = n
    );
    NewObject {
        collection_id: COLLECTION.into(),
        id,
        stix_type: "indicator".into(),
        spec_version: "2.1".into(),
        version: Some(1_709_294_400_000_000),
        json,
        tlp: Some(Tlp::Amber),
        recipients: Vec::new(),
        created_by_ref: Some("identity--b0000000-0000-4000-8000-000000000001".into()),
        revoked: false,
        submitter_user_id: user_id,
        submitter_org_id: org_id,
        owner_org_id: org_id,
    }
}
