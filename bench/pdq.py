#!/usr/bin/env python3
"""PDQ benchmark: rrm against Meta's C++ PDQ (PyPI pdqhash) for hashing and against faiss-cpu
(IndexBinaryFlat, IndexBinaryMultiHash) for matching, on one core, in the same run.

Run from the repository root with the project's virtualenv:

    .venv/bin/python bench/pdq.py                 # 1M and 10M entries
    .venv/bin/python bench/pdq.py --sizes 1000000 --queries 50

Hashing times decoded RGB pixels (decoding excluded) per image; both sides include luminance.
"ms" is wall time (median); "cpu" is this thread's CPU time per image, which stays fair when
other processes share the machine (speed-ups are computed on it). Matching returns every entry within Hamming distance 31;
each engine's results are checked identical to rrm's brute-force scan. Datasets:
  random    uniform random 256-bit hashes; half the queries random, half planted near entries
            (0..40 bits flipped);
  haystack  shared/data/pdq/haystack.txt resampled with noise: each entry is a haystack hash with
            every bit flipped with probability 1/8; queries are haystack hashes with bits flipped
            with probability 1/16 (clustered, skewed substrings, many true matches).
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
SHARED = pathlib.Path(os.environ.get("RRM_SHARED", REPO.parent / "shared"))
THRESHOLD = 31


def rss_bytes():
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def build_engine():
    """Builds the Rust bench driver and returns its path."""
    out = subprocess.run(
        ["cargo", "bench", "-p", "pdq", "--bench", "engine", "--no-run", "--message-format=json"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout
    for line in out.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg.get("executable") and msg["target"]["name"] == "engine":
            return msg["executable"]
    sys.exit("could not find the engine bench executable")


def engine(exe, *args):
    proc = subprocess.run([exe, *map(str, args)], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def hex_of_bits(bits):
    return f"{int(''.join(str(int(b)) for b in bits), 2):064x}"


def bench_hashing(exe, tmp, iters):
    import pdqhash
    from PIL import Image

    rows = []
    for label, name in [("512x512", "square-512x512.png"), ("1600x1004", "bridge-1-original.jpg")]:
        rgb = np.ascontiguousarray(np.asarray(Image.open(SHARED / "data/pdq/images" / name).convert("RGB")))
        h, w, _ = rgb.shape
        raw = tmp / f"{label}.rgb"
        rgb.tofile(raw)
        n = iters if w * h <= 512 * 512 else max(iters // 4, 10)
        ours = engine(exe, "hash", raw, w, h, n)
        pdqhash.compute(rgb)  # Warm-up.
        times, cpu0 = [], time.thread_time_ns()
        for _ in range(n):
            t = time.perf_counter()
            bits, quality = pdqhash.compute(rgb)
            times.append((time.perf_counter() - t) * 1e3)
        cpu = (time.thread_time_ns() - cpu0) / 1e6 / n
        # The binding's own numpy luminance step, timed alone, to estimate the C++ core's share.
        cpu0 = time.thread_time_ns()
        for _ in range(n):
            gray = (rgb[:, :, 0] * 0.299 + rgb[:, :, 1] * 0.587 + rgb[:, :, 2] * 0.114).astype("float32")
            np.zeros_like(gray)
        luma_cpu = (time.thread_time_ns() - cpu0) / 1e6 / n
        ref_hash = hex_of_bits(bits)
        dist = bin(int(ref_hash, 16) ^ int(ours["hash"], 16)).count("1")
        rows.append((label, ours["median_ms"], ours["cpu_ms"], statistics.median(times), cpu, cpu - luma_cpu, dist, ours["quality"], int(quality)))
    print("\nHashing decoded RGB pixels, one image at a time, one core (ms per image)")
    print(f"{'image':<10} {'rrm wall':>9} {'rrm cpu':>8} {'pdqhash wall':>13} {'pdqhash cpu':>12} {'C++ core cpu':>13} {'rrm faster':>11} {'vs core':>8} {'bits apart':>10} {'quality':>9}")
    for label, ms, cpu, ref_ms, ref_cpu, core_cpu, dist, q, ref_q in rows:
        print(f"{label:<10} {ms:9.3f} {cpu:8.3f} {ref_ms:13.3f} {ref_cpu:12.3f} {core_cpu:13.3f} {ref_cpu / cpu:10.1f}x {core_cpu / cpu:7.1f}x {dist:10d} {q:>4}/{ref_q:<4}")
    print("(pdqhash = Meta's C++ PDQ through its PyPI binding, which first computes luminance with numpy in float64;")
    print(" C++ core cpu = pdqhash cpu minus that numpy step timed alone. rrm times include its own luminance step.")
    print(" bits apart: rrm vs pdqhash hash; rrm follows Meta's C++ core (float32 luminance) bit for bit)")


def random_set(rng, n):
    return rng.integers(0, 256, size=(n, 32), dtype=np.uint8)


def flip_with_probability(rng, base, denominator_log2):
    """XORs each bit with probability 2**-k (k = denominator_log2) by ANDing k random masks."""
    mask = rng.integers(0, 256, size=base.shape, dtype=np.uint8)
    for _ in range(denominator_log2 - 1):
        mask &= rng.integers(0, 256, size=base.shape, dtype=np.uint8)
    return base ^ mask


def haystack_set(rng, centres, n, k):
    out = np.empty((n, 32), dtype=np.uint8)
    for start in range(0, n, 1_000_000):
        stop = min(n, start + 1_000_000)
        picks = centres[rng.integers(0, len(centres), size=stop - start)]
        out[start:stop] = flip_with_probability(rng, picks, k)
    return out


def planted_queries(rng, entries, count):
    """Half random, half entries with 0..40 random bits flipped."""
    q = random_set(rng, count)
    for i in range(count // 2):
        row = entries[rng.integers(0, len(entries))].copy()
        for b in rng.choice(256, size=rng.integers(0, 41), replace=False):
            row[b // 8] ^= 1 << (b % 8)
        q[i] = row
    return q


def read_results(path, nq):
    res = [set() for _ in range(nq)]
    for line in pathlib.Path(path).read_text().splitlines():
        qi, idx, d = map(int, line.split())
        res[qi].add((idx, d))
    return res


def faiss_results(lims, D, I):
    return [set(zip(I[lims[i]:lims[i + 1]].tolist(), D[lims[i]:lims[i + 1]].astype(int).tolist())) for i in range(len(lims) - 1)]


def faiss_worker(kind, entries_path, queries_path, max_queries, out_path):
    """Runs in its own process so its memory can be measured: builds one faiss index, queries it."""
    import faiss

    faiss.omp_set_num_threads(1)
    entries = np.fromfile(entries_path, dtype=np.uint8).reshape(-1, 32)
    queries = np.fromfile(queries_path, dtype=np.uint8).reshape(-1, 32)[:max_queries]
    before = rss_bytes()
    c = time.thread_time_ns()
    if kind == "flat":
        index = faiss.IndexBinaryFlat(256)
    else:
        index = faiss.IndexBinaryMultiHash(256, 16, 16)
        index.nflip = 1  # 16 substrings of 16 bits: radius 1 covers distance 31 (pigeonhole).
    index.add(entries)
    build = (time.thread_time_ns() - c) / 1e9
    mem = rss_bytes() - before
    del entries
    t, c = time.perf_counter(), time.thread_time_ns()
    results = []
    for q in queries:
        lims, D, I = index.range_search(q[None, :], THRESHOLD + 1)  # faiss keeps d < radius.
        results.extend(faiss_results(lims, D, I))
    wall = (time.perf_counter() - t) * 1e3 / len(queries)
    cpu = (time.thread_time_ns() - c) / 1e6 / len(queries)
    with open(out_path, "w") as f:
        for qi, res in enumerate(results):
            for idx, d in sorted(res):
                f.write(f"{qi} {idx} {d}\n")
    print(json.dumps({"build": build, "mem": mem, "cpu": cpu, "wall": wall, "queries": len(queries)}))


def bench_faiss(kind, entries_path, queries_path, truth, max_queries, tmp):
    out = tmp / f"faiss-{kind}.txt"
    proc = subprocess.run(
        [sys.executable, __file__, "--faiss-worker", kind, str(entries_path), str(queries_path), str(max_queries), str(out)],
        capture_output=True, text=True, check=True,
    )
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    got = read_results(out, r["queries"])
    identical = all(a == b for a, b in zip(got, truth))
    return r["build"], r["mem"], r["cpu"], r["wall"], identical, r["queries"]


def bench_matching(exe, tmp, sizes, nq, flat_queries, multihash_max):
    rng = np.random.default_rng(2024)
    centres = np.array(
        [list(bytes.fromhex(h)) for h in (SHARED / "data/pdq/haystack.txt").read_text().split()], dtype=np.uint8
    )
    rows = []
    for n in sizes:
        for dataset in ("random", "haystack"):
            if dataset == "random":
                entries = random_set(rng, n)
                queries = planted_queries(rng, entries, nq)
            else:
                entries = haystack_set(rng, centres, n, 3)
                queries = haystack_set(rng, centres, nq, 4)
            ef, qf, rf = tmp / "entries.bin", tmp / "queries.bin", tmp / "results.txt"
            entries.tofile(ef)
            queries.tofile(qf)
            ours = engine(exe, "match", ef, qf, THRESHOLD, rf)
            truth = read_results(rf, nq)
            mq = ours["matches"] / nq
            rows.append((dataset, n, "rrm index", ours["build_cpu_s"], ours["index_bytes"], ours["query_cpu_ms"], ours["query_ms"], ours["identical"], nq, mq))
            rows.append((dataset, n, "rrm brute force", 0.0, n * 32, ours["brute_cpu_ms"], ours["brute_ms"], True, nq, mq))
            for kind, limit_q, limit_n in (("flat", flat_queries, 10**9), ("multihash", nq, multihash_max)):
                r = bench_faiss(kind, ef, qf, truth, limit_q, tmp) if n <= limit_n else None
                name = "faiss " + ("IndexBinaryFlat" if kind == "flat" else "IndexBinaryMultiHash")
                if r is None:
                    rows.append((dataset, n, name, None, None, None, None, None, 0, None))
                else:
                    build, mem, cpu, wall, same, used = r
                    rows.append((dataset, n, name, build, mem, cpu, wall, same, used, None))
            print(f"  done: {dataset} {n:,}", file=sys.stderr)
    print(f"\nMatching: every entry within distance {THRESHOLD}, one core, {nq} queries")
    print(f"{'data':<9} {'entries':>11} {'engine':<27} {'build s':>8} {'memory MB':>10} {'cpu ms/q':>9} {'wall ms/q':>9} {'rrm faster':>10} {'identical':>9} {'queries':>7} {'matches/q':>9}")
    ours_ms = {}
    for dataset, n, name, build, mem, ms, wall, same, used, mq in rows:
        if name == "rrm index":
            ours_ms[(dataset, n)] = ms
        if build is None:
            print(f"{dataset:<9} {n:>11,} {name:<27} {'skipped (--multihash-max)':>36}")
            continue
        ratio = ms / ours_ms[(dataset, n)]
        print(
            f"{dataset:<9} {n:>11,} {name:<27} {build:8.2f} {mem / 2**20:10.0f} {ms:9.3f} {wall:9.3f} {ratio:9.1f}x {str(same):>9} {used:7d} "
            + (f"{mq:9.1f}" if mq is not None else f"{'':>9}")
        )
    print("(build s and cpu ms/q are this thread's CPU time, robust to other load on the machine; wall ms/q is"
          " elapsed time.\n memory: rrm = the index's own accounting incl. ids and the id map; faiss = RSS growth of"
          " its own process while adding; brute force = the packed hashes it scans.\n identical: same (id, distance) sets as"
          " rrm's brute-force scan for every query run)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000000,10000000", help="comma-separated index sizes")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--flat-queries", type=int, default=20, help="queries for faiss IndexBinaryFlat (slow at 10M)")
    ap.add_argument("--multihash-max", type=int, default=10_000_000, help="largest size for faiss IndexBinaryMultiHash")
    ap.add_argument("--hash-iters", type=int, default=200)
    ap.add_argument("--skip-hashing", action="store_true")
    ap.add_argument("--skip-matching", action="store_true")
    ap.add_argument("--faiss-worker", nargs=5, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.faiss_worker:
        kind, ef, qf, mq, out = args.faiss_worker
        faiss_worker(kind, ef, qf, int(mq), out)
        return
    exe = build_engine()
    with tempfile.TemporaryDirectory(prefix="rrm-pdq-bench-") as d:
        tmp = pathlib.Path(d)
        if not args.skip_hashing:
            bench_hashing(exe, tmp, args.hash_iters)
        if not args.skip_matching:
            sizes = [int(s) for s in args.sizes.split(",") if s]
            bench_matching(exe, tmp, sizes, args.queries, args.flat_queries, args.multihash_max)


if __name__ == "__main__":
    main()
