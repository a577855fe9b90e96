//! Throughput of `check_object` on a realistic mix (generated indicators and the DISARM
//! framework), compared in the same run with the OASIS `stix2-validator` when it is installed.

use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};

const DISARM: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/disarm/DISARM.json"
);
const PEER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/benches/peer_stix2_validator.py"
);
const VENV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.venv");

/// 2,000 indicators as partners send them: markings, references, some RED with recipients and
/// some with granular markings.
fn indicators() -> Vec<Value> {
    let levels = [
        stix::TLP2_CLEAR,
        stix::TLP2_GREEN,
        stix::TLP2_AMBER,
        stix::TLP2_AMBER_STRICT,
        stix::TLP2_RED,
    ];
    let creator = stix::org_identity_id("gov-fr");
    (0..2000u32)
        .map(|i| {
            let created = 1_700_000_000_000_000i64 + i64::from(i) * 1_000;
            let mut o = json!({
                "type": "indicator",
                "spec_version": "2.1",
                "id": format!("indicator--{:08x}-1e1d-4c3a-9b2f-{:012x}", i, u64::from(i) * 7919),
                "created_by_ref": creator,
                "created": stix::format_timestamp(created),
                "modified": stix::format_timestamp(created + 5_000),
                "name": format!("Malicious domain {i}"),
                "description": "Domain seen in a coordinated inauthentic campaign.",
                "indicator_types": ["malicious-activity"],
                "pattern": format!("[domain-name:value = 'bad-{i}.example']"),
                "pattern_type": "stix",
                "valid_from": stix::format_timestamp(created),
                "labels": ["disinformation", "election"],
                "external_references": [{"source_name": "rrm", "url": format!("https://rrm.example/cases/{i}")}],
                "object_marking_refs": [levels[(i % 5) as usize]],
            });
            if i % 5 == 4 {
                o["extensions"] = json!({stix::RECIPIENTS_EXTENSION_ID: {
                    "extension_type": "property-extension",
                    "recipient_refs": [stix::org_identity_id("gov-de"), stix::user_identity_id("analyst")]}});
            }
            if i % 7 == 0 {
                o["granular_markings"] = json!([{"marking_ref": stix::TLP2_RED, "selectors": ["description", "labels.[1]"]}]);
            }
            o
        })
        .collect()
}

fn mix() -> Vec<Value> {
    let mut objects = indicators();
    let text = std::fs::read_to_string(DISARM).expect("shared DISARM.json is readable");
    let bundle: Value = serde_json::from_str(&text).expect("DISARM.json is JSON");
    if let Some(Value::Array(disarm)) = bundle.get("objects") {
        objects.extend(disarm.iter().cloned());
    }
    objects
}

/// Runs the Python peer on the same objects; `None` when it is not installed.
fn peer_rate(objects: &[Value]) -> Option<(f64, String)> {
    // Resolve the venv directory (not the interpreter link) so Python finds its pyvenv.cfg.
    let python = std::env::var("RRM_PYTHON").unwrap_or_else(|_| {
        std::fs::canonicalize(VENV)
            .map(|d| d.join("bin/python").display().to_string())
            .unwrap_or_else(|_| "python3".to_string())
    });
    let path: PathBuf =
        std::env::temp_dir().join(format!("rrm-stix-bench-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_vec(objects).ok()?).ok()?;
    let out = Command::new(python).arg(PEER).arg(&path).output().ok();
    let _ = std::fs::remove_file(&path);
    let out = out?;
    if !out.status.success() {
        eprintln!(
            "stix2-validator peer failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let rate = line.split_whitespace().next()?.parse().ok()?;
    Some((rate, line))
}

fn bench(c: &mut Criterion) {
    let objects = mix();
    let invalid = objects
        .iter()
        .filter(|o| stix::check_object(o).is_err())
        .count();
    assert_eq!(invalid, 0, "the benchmark mix must be valid");

    let mut group = c.benchmark_group("check_object");
    group.throughput(Throughput::Elements(objects.len() as u64));
    group.bench_function("mix", |b| {
        b.iter(|| {
            for o in &objects {
                let _ = black_box(stix::check_object(black_box(o)));
            }
        })
    });
    group.finish();

    // A plain measurement for the summary table.
    let rounds = 20;
    let start = Instant::now();
    for _ in 0..rounds {
        for o in &objects {
            let _ = black_box(stix::check_object(black_box(o)));
        }
    }
    let ours = (objects.len() * rounds) as f64 / start.elapsed().as_secs_f64();
    println!();
    println!(
        "validation throughput, {} objects (2,000 indicators + 698 DISARM)",
        objects.len()
    );
    println!("| validator                       | objects/s |");
    println!("|---------------------------------|----------:|");
    println!("| rrm stix::check_object          | {ours:>9.0} |");
    match peer_rate(&objects) {
        Some((rate, line)) => {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let version = fields.get(3).copied().unwrap_or("?");
            let invalid = fields.get(2).copied().unwrap_or("?");
            println!("| stix2-validator {version:<6} (Python) | {rate:>9.0} |");
            println!("(stix2-validator found {invalid} invalid objects in the mix)");
            println!("speed-up: {:.0}x", ours / rate);
        }
        None => println!("| stix2-validator               | not installed (.venv) |"),
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
