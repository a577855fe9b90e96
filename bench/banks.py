#!/usr/bin/env python3
"""Hash-bank benchmark through the HTTP API: hash-and-match requests per second for a 512x512
JPEG upload against a bank of 1,000,000 PDQ entries, with a reference run in the same script.

Run from the repository root with the project's virtualenv, after `cargo build --release -p rrm`:

    .venv/bin/python bench/banks.py
    .venv/bin/python bench/banks.py --entries 100000 --requests 500 --rrm target/release/rrm

The bank is loaded with the bulk import (CSV, POST /api/v1/banks/{bank}/entries, in chunks):
uniform random hashes plus planted near neighbours of the JPEG's hash (0..40 bits flipped).
Each request uploads the JPEG to POST /api/v1/match (decode, PDQ, MD5, SHA-256, index lookup,
access filter, JSON answer) over keep-alive HTTP on loopback; the answer is checked to equal a
NumPy brute-force scan. The reference does the same work in one Python process without HTTP:
decode with Pillow, Meta's C++ PDQ through the PyPI `pdqhash` binding, and a NumPy brute-force
Hamming scan of the same 1,000,000 hashes (what a simple matcher without an index does).
"""

import argparse
import hashlib
import io
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
import requests

REPO = pathlib.Path(__file__).resolve().parents[1]
SHARED = pathlib.Path(os.environ.get("RRM_SHARED", REPO.parent / "shared"))
sys.path.insert(0, str(REPO / "tests" / "interop"))
from conftest import Hub  # noqa: E402

PASSWORD = "correct horse battery"
THRESHOLD = 31
JPEG = SHARED / "data" / "pdq" / "images" / "square-512x512.jpg"


def hex_rows(arr):
    return [bytes(row).hex() for row in arr]


def brute_force(db_bits, query_hex):
    q = np.frombuffer(bytes.fromhex(query_hex), dtype=np.uint8)
    d = np.bitwise_count(np.bitwise_xor(db_bits, q)).sum(axis=1)
    idx = np.nonzero(d <= THRESHOLD)[0]
    return sorted((int(d[i]), int(i)) for i in idx)


def run_requests(url, jpeg, n, threads):
    """n requests split over `threads` keep-alive sessions; returns (wall seconds, latencies)."""
    lat = []
    lock = threading.Lock()
    errors = []

    def worker(count):
        s = requests.Session()
        s.auth = ("pia", PASSWORD)
        mine = []
        for _ in range(count):
            t0 = time.perf_counter()
            r = s.post(f"{url}/api/v1/match", data=jpeg, headers={"Content-Type": "image/jpeg"}, timeout=60)
            mine.append(time.perf_counter() - t0)
            if r.status_code != 200:
                errors.append(r.text)
        with lock:
            lat.extend(mine)

    per = [n // threads + (1 if i < n % threads else 0) for i in range(threads)]
    ts = [threading.Thread(target=worker, args=(c,)) for c in per]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = time.perf_counter() - t0
    if errors:
        raise SystemExit(f"match requests failed: {errors[0]}")
    return wall, lat


def reference(jpeg, db_bits, n):
    """Pillow decode + Meta's C++ PDQ (pdqhash) + MD5/SHA-256 + NumPy brute force, per image."""
    import pdqhash
    from PIL import Image

    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        img = np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB"))
        bits, quality = pdqhash.compute(img)
        h = np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()
        hashlib.md5(jpeg).hexdigest()
        hashlib.sha256(jpeg).hexdigest()
        brute_force(db_bits, h)
        times.append(time.perf_counter() - t0)
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--reference-requests", type=int, default=50)
    ap.add_argument("--chunk", type=int, default=100_000, help="entries per bulk-import request")
    ap.add_argument("--rrm", default=str(REPO / "target" / "release" / "rrm"))
    args = ap.parse_args()

    jpeg = JPEG.read_bytes()
    rng = np.random.default_rng(20261126)
    data = pathlib.Path(tempfile.mkdtemp(prefix="rrm-bench-banks-"))
    h = Hub(pathlib.Path(args.rrm), data)
    try:
        h.org("owner")
        h.org("partner", sector="platform")
        h.user("owner", "olga")
        h.user("partner", "pia")
        h.collection("hashes", "Hash bank")
        h.grant("owner", "hashes", write=True)
        h.grant("partner", "hashes")
        h.start()
        owner = requests.Session()
        owner.auth = ("olga", PASSWORD)
        r = owner.post(f"{h.url}/api/v1/banks", json={"name": "bench", "collection": "hashes", "tlp": "green"})
        r.raise_for_status()
        qhash = owner.post(f"{h.url}/api/v1/hash", data=jpeg, headers={"Content-Type": "image/jpeg"}).json()

        # The bank: random hashes plus 20 planted near neighbours of the JPEG's hash.
        db = rng.integers(0, 256, size=(args.entries, 32), dtype=np.uint8)
        q = np.frombuffer(bytes.fromhex(qhash["pdq"]), dtype=np.uint8)
        for i, flips in enumerate(np.linspace(0, 40, 20).astype(int)):
            row = q.copy()
            for b in rng.choice(256, size=flips, replace=False):
                row[b // 8] ^= 1 << (b % 8)
            db[(i * 7919) % args.entries] = row
        _, first = np.unique(db, axis=0, return_index=True)
        db = db[np.sort(first)]
        values = hex_rows(db)
        t0 = time.perf_counter()
        for start in range(0, len(values), args.chunk):
            body = "signal_type,value\n" + "".join(f"pdq,{v}\n" for v in values[start:start + args.chunk])
            r = owner.post(f"{h.url}/api/v1/banks/bench/entries", data=body.encode(),
                           headers={"Content-Type": "text/csv"}, timeout=3600)
            if r.status_code != 201:
                raise SystemExit(f"import failed: {r.status_code} {r.text[:500]}")
        import_s = time.perf_counter() - t0

        # Correctness: the API's answer equals a brute-force scan.
        r = requests.post(f"{h.url}/api/v1/match", data=jpeg, auth=("pia", PASSWORD),
                          headers={"Content-Type": "image/jpeg"}).json()
        got = sorted((m["distance"], m["value"]) for m in r["matches"] if m["signal_type"] == "pdq")
        want = sorted((d, values[i]) for d, i in brute_force(db, qhash["pdq"]))
        assert got == want, f"API matches differ from brute force: {got} vs {want}"

        rows = []
        for threads in args.threads:
            run_requests(h.url, jpeg, min(50, args.requests), threads)  # warm-up
            wall, lat = run_requests(h.url, jpeg, args.requests, threads)
            lat.sort()
            rows.append((f"rrm HTTP, {threads} client thread(s)", args.requests / wall,
                         statistics.median(lat) * 1e3, lat[int(len(lat) * 0.99) - 1] * 1e3))
        ref = sorted(reference(jpeg, db, args.reference_requests))
        rows.append(("reference in-process: Pillow + pdqhash (C++) + NumPy brute force",
                     len(ref) / sum(ref), statistics.median(ref) * 1e3, ref[int(len(ref) * 0.99) - 1] * 1e3))
    finally:
        h.stop()
        shutil.rmtree(data, ignore_errors=True)

    print(f"\nbank: {len(values):,} PDQ entries (random + {len(want)} planted matches), "
          f"bulk import {import_s:.1f} s ({len(values) / import_s:,.0f} entries/s, published as STIX)")
    print(f"query: {JPEG.name}, {len(jpeg):,} bytes, quality {qhash['quality']}, threshold {THRESHOLD}; "
          f"{os.cpu_count()} CPU(s) on this machine, shared\n")
    print(f"{'engine':<68} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for name, rps, p50, p99 in rows:
        print(f"{name:<68} {rps:>9.1f} {p50:>8.2f} {p99:>8.2f}")


if __name__ == "__main__":
    main()
