//! Benchmark driver for `bench/pdq.py`: times hashing and matching, prints one JSON line.
//!
//! `cargo bench -p pdq --bench engine -- hash RGB_FILE WIDTH HEIGHT ITERS`
//! `cargo bench -p pdq --bench engine -- match ENTRIES QUERIES THRESHOLD RESULTS_OUT`
//!
//! Hash files are raw 32-byte big-endian hashes back to back. `match` builds the index, runs
//! every query through it and through a brute-force scan, checks the two agree, and writes
//! `query_index id distance` lines for the caller to compare with other engines.

use std::io::Write;
use std::time::Instant;

use pdq::index::Index;
use pdq::{Hasher, PdqHash};

fn read_hashes(path: &str) -> Vec<PdqHash> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    bytes
        .chunks_exact(32)
        .map(|c| {
            let mut b = [0u8; 32];
            b.copy_from_slice(c);
            PdqHash::from_bytes(&b)
        })
        .collect()
}

fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Nanoseconds this thread has spent on a CPU (unaffected by other processes' load).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn bench_hash(args: &[String]) {
    let pixels = std::fs::read(&args[0]).expect("rgb file");
    let w: usize = args[1].parse().expect("width");
    let h: usize = args[2].parse().expect("height");
    let iters: usize = args[3].parse().expect("iterations");
    let mut hasher = Hasher::new();
    let first = hasher.hash_rgb8(&pixels, w, h).expect("hash");
    let mut times = Vec::with_capacity(iters);
    let cpu0 = thread_cpu_ns();
    for _ in 0..iters {
        let t = Instant::now();
        let p = hasher.hash_rgb8(&pixels, w, h).expect("hash");
        times.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(p, first);
    }
    let cpu_ms = (thread_cpu_ns() - cpu0) as f64 / 1e6 / iters as f64;
    times.sort_by(|a, b| a.total_cmp(b));
    let median = times[times.len() / 2];
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    println!(
        "{{\"mode\":\"hash\",\"width\":{w},\"height\":{h},\"iters\":{iters},\"median_ms\":{median:.4},\"mean_ms\":{mean:.4},\"cpu_ms\":{cpu_ms:.4},\"hash\":\"{}\",\"quality\":{}}}",
        first.hash, first.quality
    );
}

fn bench_match(args: &[String]) {
    let entries = read_hashes(&args[0]);
    let queries = read_hashes(&args[1]);
    let threshold: u32 = args[2].parse().expect("threshold");
    let out_path = &args[3];
    let pairs: Vec<(u64, PdqHash)> = entries
        .iter()
        .enumerate()
        .map(|(i, h)| (i as u64, *h))
        .collect();
    drop(entries);
    let rss_before = rss_bytes();
    let t = Instant::now();
    let c = thread_cpu_ns();
    let index = Index::build(&pairs);
    let build_s = t.elapsed().as_secs_f64();
    let build_cpu_s = (thread_cpu_ns() - c) as f64 / 1e9;
    let rss_after = rss_bytes();
    drop(pairs);

    let mut results = Vec::with_capacity(queries.len());
    let mut out = Vec::new();
    let t = Instant::now();
    let c = thread_cpu_ns();
    for q in &queries {
        index.query_into(q, threshold, &mut out);
        results.push(out.clone());
    }
    let index_ms = t.elapsed().as_secs_f64() * 1e3 / queries.len() as f64;
    let index_cpu_ms = (thread_cpu_ns() - c) as f64 / 1e6 / queries.len() as f64;

    let t = Instant::now();
    let c = thread_cpu_ns();
    let mut identical = true;
    for (q, got) in queries.iter().zip(&results) {
        let want = index.brute_force(q, threshold);
        identical &= &want == got;
    }
    let brute_ms = t.elapsed().as_secs_f64() * 1e3 / queries.len() as f64;
    let brute_cpu_ms = (thread_cpu_ns() - c) as f64 / 1e6 / queries.len() as f64;

    let mut file = std::io::BufWriter::new(std::fs::File::create(out_path).expect("results file"));
    let mut total = 0usize;
    for (qi, ms) in results.iter().enumerate() {
        for m in ms {
            writeln!(file, "{qi} {} {}", m.id, m.distance).expect("write");
            total += 1;
        }
    }
    file.flush().expect("flush");
    println!(
        "{{\"mode\":\"match\",\"entries\":{},\"queries\":{},\"threshold\":{threshold},\"build_s\":{build_s:.3},\"build_cpu_s\":{build_cpu_s:.3},\"query_ms\":{index_ms:.4},\"query_cpu_ms\":{index_cpu_ms:.4},\"brute_ms\":{brute_ms:.4},\"brute_cpu_ms\":{brute_cpu_ms:.4},\"identical\":{identical},\"matches\":{total},\"index_bytes\":{},\"rss_growth_bytes\":{},\"peak_rss_bytes\":{}}}",
        index.len(),
        queries.len(),
        index.memory_bytes(),
        rss_after.saturating_sub(rss_before),
        peak_rss_bytes()
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.first().map(String::as_str) {
        Some("hash") if args.len() >= 5 => bench_hash(&args[1..]),
        Some("match") if args.len() >= 5 => bench_match(&args[1..]),
        _ => {
            eprintln!("usage: engine hash RGB W H ITERS | engine match ENTRIES QUERIES T OUT");
            eprintln!("(run by bench/pdq.py; nothing to do without arguments)");
        }
    }
}
