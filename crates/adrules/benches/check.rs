//! Rule-check throughput on one core for a mix of Canadian and EU ads, printed as a table.
//!
//! Run with `cargo bench -p adrules --bench check` (or `bench/ads.sh`). The mix varies class,
//! dates around every window edge, platform reach, sponsor origin, control chains, funding,
//! missing fields and targeting, so that every rule both fires and stays quiet somewhere.
//! No peer implements these legal rules, so the table reports rrm alone against the target.

use adrules::{Engine, Outcome, Submission};
use serde_json::{json, Value};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// Builds a date string `days` days after `base` (both ISO dates).
fn day_after(base: &str, days: i32) -> String {
    adrules::Date::parse(base)
        .map(|d| d.add_days(days).to_string())
        .unwrap_or_else(|| base.to_string())
}

fn canadian(r: &mut Rng, i: usize) -> Value {
    let start = day_after("2029-06-20", r.below(130) as i32);
    let end = day_after(&start, r.below(30) as i32);
    let hour = r.below(24);
    let class = r.pick(&["partisan", "partisan", "issue", "non_political"]);
    let country = r.pick(&["CA", "CA", "CA", "US"]);
    let lang = r.pick(&["en", "fr", "pa"]);
    let reach = r.below(4_000_000);
    let mut sponsors = vec![json!({
        "id": "s", "legal_name": "Citizens for Transit", "kind": "association",
        "established_in": country, "canadian_role": r.pick(&["registered_third_party", "registered_party", "candidate"]),
        "authorized_agent": "Jane Roe",
        "funding": [{"amount": {"minor": 500000, "currency": "CAD"}, "origin": r.pick(&["CA", "CA", "GB"]), "source": "private"}]
    })];
    let payer = if r.below(4) == 0 {
        sponsors.push(
            json!({"id": "p", "legal_name": "Payer Inc.", "kind": "corporation",
            "established_in": r.pick(&["CA", "US"])}),
        );
        Some("p")
    } else {
        None
    };
    let mut ad = json!({
        "id": format!("ca-{i}"),
        "versions": [{"version": 1, "first_shown": format!("{start}T{hour:02}:00:00-04:00")}],
        "sponsor": "s",
        "class": class,
        "linked_elections": ["ca"],
        "intended_dissemination": {"start": format!("{start}T{hour:02}:00:00-04:00"), "end": format!("{end}T23:00:00-04:00")},
        "spend": {"minor": r.below(10_000_000) as i64, "currency": "CAD"},
        "languages": [lang]
    });
    if let Some(p) = payer {
        ad["payer"] = json!(p);
    }
    if r.below(5) != 0 {
        ad["creative"] =
            json!({"sha256": "ab".repeat(32), "media_type": "image/png", "size_bytes": 1000});
    }
    if r.below(5) != 0 {
        ad["authorized_by"] = json!("Jane Roe");
    }
    if r.below(6) != 0 {
        ad["tagline"] = json!(r.pick(&[
            "Authorized by Citizens for Transit",
            "Paid for by Citizens for Transit",
            "Autorisé par Jane Roe"
        ]));
    }
    json!({
        "ad": ad,
        "sponsors": sponsors,
        "elections": [{"id": "ca", "jurisdiction": "CA", "kind": "general", "polling_day": "2029-10-15",
            "writ_issued": "2029-09-09", "fixed_date": true,
            "districts": [{"id": "35001", "poll_close": "2029-10-15T21:30:00-04:00"},
                          {"id": "59001", "poll_close": "2029-10-15T19:00:00-07:00"}]}],
        "platform": {"id": "plat", "monthly_reach_ca": [{"language": lang, "visitors": reach}]}
    })
}

fn european(r: &mut Rng, i: usize) -> Value {
    let start = day_after("2026-05-01", r.below(160) as i32);
    let end = day_after(&start, r.below(40) as i32);
    let country = r.pick(&["DE", "DE", "FR", "US"]);
    let chain = r.below(3) == 0;
    let mut sponsors = vec![json!({
        "id": "s", "legal_name": "Radverein e.V.", "kind": "association", "established_in": country,
        "funding": [{"amount": {"minor": 100000, "currency": "EUR"}, "origin": r.pick(&["DE", "DE", "US"]), "source": "private"}]
    })];
    if chain {
        sponsors[0]["controlled_by"] = json!("h");
        sponsors.push(json!({"id": "h", "legal_name": "Holding", "kind": "corporation", "established_in": "NL", "controlled_by": "u"}));
        sponsors.push(json!({"id": "u", "legal_name": "Parent", "kind": "corporation", "established_in": r.pick(&["US", "FR"])}));
    }
    if r.below(4) != 0 {
        sponsors[0]["eu_declaration"] =
            json!({"basis": "established_entity", "declared_on": "2026-05-01"});
    }
    let mut ad = json!({
        "id": format!("eu-{i}"),
        "sponsor": "s",
        "class": r.pick(&["partisan", "issue", "issue", "non_political"]),
        "linked_elections": ["de"],
        "intended_dissemination": {"start": format!("{start}T08:00:00+02:00"), "end": format!("{end}T20:00:00+02:00")},
        "targeting": [{"kind": "location", "values": ["DE-BE"], "personal_data": false}]
    });
    if r.below(4) == 0 {
        ad["targeting"] = json!([{"kind": "interest", "personal_data": true,
            "data_categories": [r.pick(&["interests", "political_opinions"])],
            "data_source": r.pick(&["data_subject", "third_party"]),
            "consent_basis": r.pick(&["explicit_consent", "other"])},
            {"kind": "age", "age_min": 15 + r.below(5)}]);
    }
    if r.below(5) != 0 {
        ad["label"] = json!({"statement": "Political ad", "sponsor": "Radverein e.V.",
            "controlling_entity": if chain { json!("Parent") } else { Value::Null },
            "targeting_statement": "Targeted", "notice_url": "https://n.example/1"});
    }
    if r.below(5) != 0 {
        ad["notice"] = json!({"sponsor": "Radverein e.V.", "controlling_entity": "Parent", "payer": "Radverein e.V.",
            "period": {"start": start, "end": end}, "amount": {"minor": 100000, "currency": "EUR"},
            "amount_origin": {"outside_eu": r.below(2) == 0, "source": "private"}, "linked_elections": ["de"]});
    }
    json!({
        "ad": ad,
        "sponsors": sponsors,
        "elections": [{"id": "de", "jurisdiction": "DE", "kind": "regional", "polling_day": "2026-09-27"}],
        "platform": {"id": "plat"}
    })
}

/// Nanoseconds this thread has spent on a CPU (Linux `schedstat`), if readable.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Runs `f` over the mix repeatedly for at least `min`; returns operations per wall-clock second
/// and per second of this thread's CPU time (which discounts time lost to other processes on a
/// shared machine).
fn rate(n_items: usize, min: Duration, mut f: impl FnMut(usize)) -> (f64, Option<f64>) {
    let cpu0 = thread_cpu_ns();
    let t0 = Instant::now();
    let mut ops = 0usize;
    while t0.elapsed() < min {
        for i in 0..n_items {
            f(i);
        }
        ops += n_items;
    }
    let wall = ops as f64 / t0.elapsed().as_secs_f64();
    let cpu = match (cpu0, thread_cpu_ns()) {
        (Some(a), Some(b)) if b > a => Some(ops as f64 / ((b - a) as f64 / 1e9)),
        _ => None,
    };
    (wall, cpu)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing and wants a quick run.
    let quick = !std::env::args().any(|a| a == "--bench");
    let engine = Engine::shipped().expect("shipped rule sets load");
    let mut r = Rng(42);
    let n = 2000;
    let docs: Vec<String> = (0..n)
        .map(|i| {
            if i % 2 == 0 {
                canadian(&mut r, i)
            } else {
                european(&mut r, i)
            }
            .to_string()
        })
        .collect();
    let subs: Vec<Submission> = docs
        .iter()
        .map(|d| serde_json::from_str(d).expect("generated documents parse"))
        .collect();
    let mut verdicts = [0usize; 4];
    for s in &subs {
        match engine.check(s) {
            Ok(res) => verdicts[res.verdict as usize] += 1,
            Err(e) => panic!("generated document invalid: {e}"),
        }
    }
    let min = if quick {
        Duration::from_millis(50)
    } else {
        Duration::from_secs(3)
    };
    let checks = rate(n, min, |i| {
        let _ = black_box(engine.check(black_box(&subs[i])));
    });
    let parse_checks = rate(n, min, |i| {
        let _ = black_box(engine.check_json("doc", black_box(&docs[i])));
    });
    println!();
    println!("adrules rule-check throughput, one core, mix of {n} ads (half Canadian, half EU)");
    println!(
        "verdicts in the mix: ACCEPT {} / FLAG {} / REJECT {} / BLOCK {}",
        verdicts[Outcome::Accept as usize],
        verdicts[Outcome::Flag as usize],
        verdicts[Outcome::Reject as usize],
        verdicts[Outcome::Block as usize]
    );
    println!("| operation                            | checks/s (wall) | checks/s (CPU) | us/check (CPU) | target    |");
    println!("|--------------------------------------|----------------:|---------------:|---------------:|-----------|");
    for (name, (wall, cpu)) in [
        ("validate + check (parsed Submission)", checks),
        ("parse JSON + validate + check", parse_checks),
    ] {
        let (cpu_rate, cpu_us) = match cpu {
            Some(c) => (format!("{c:.0}"), format!("{:.2}", 1e6 / c)),
            None => ("n/a".to_string(), "n/a".to_string()),
        };
        println!("| {name:<36} | {wall:>15.0} | {cpu_rate:>14} | {cpu_us:>14} | >= 100000 |");
    }
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average during the run: {}", load.trim());
    }
}
