#!/usr/bin/env python3
"""TAXII benchmark: rrm against medallion 3.0.0 (OASIS reference server, memory backend), same machine, same run.

Measures (a) ingest over TAXII POST in objects/s, (b) p50/p95 latency of 100-object pages at depth in a large
collection, (c) STIX validation throughput (rrm validate vs stix2-validator). Prints one table.

Usage: .venv/bin/python bench/taxii.py [--ingest 100000] [--page-size-rrm 1000000] [--page-size-medallion 100000]
       [--medallion-budget 180] [--rrm target/release/rrm]
"""

import argparse
import json
import os
import pathlib
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import requests

MT = "application/taxii+json;version=2.1"
REPO = pathlib.Path(__file__).resolve().parents[1]
PASSWORD = "bench-password-1"


def indicator(i):
    ts = "2026-01-01T00:00:00.000Z"
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.UUID(int=random.getrandbits(128), version=4)}",
        "created": ts,
        "modified": ts,
        "name": f"Bench indicator {i}",
        "description": "Infrastructure seen in a coordinated influence operation.",
        "indicator_types": ["malicious-activity"],
        "pattern_type": "stix",
        "pattern": f"[ipv4-addr:value = '10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}']",
        "valid_from": ts,
        "labels": ["bench"],
    }


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, auth, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            r = requests.get(url, auth=auth, headers={"Accept": MT}, timeout=5)
            if r.status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def percentiles(samples):
    samples = sorted(samples)
    p = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
    return p(0.5) * 1000, p(0.95) * 1000


def peak_rss_mb(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


class Rrm:
    def __init__(self, binary, workdir):
        self.bin = binary
        self.data = workdir / "rrm-data"
        self.proc = None

    def cli(self, *args, stdin=None):
        return subprocess.run(
            [self.bin, "--data", str(self.data), *args], input=stdin, capture_output=True, text=True, check=True
        ).stdout.strip()

    def setup(self):
        self.cli("admin", "org", "add", "bench", "--name", "Bench", "--sector", "government", "--country", "CA")
        self.cli("admin", "user", "add", "bench", "bencher", "--role", "analyst", "--password-stdin", stdin=PASSWORD + "\n")
        self.ingest_id = self.cli("admin", "collection", "add", "ingest", "--title", "ingest", "--default-tlp", "GREEN")
        self.pages_id = self.cli("admin", "collection", "add", "pages", "--title", "pages", "--default-tlp", "GREEN")
        self.cli("admin", "grant", "bench", "ingest", "--read", "--write")
        self.cli("admin", "grant", "bench", "pages", "--read", "--write")

    def start(self):
        self.proc = subprocess.Popen(
            [self.bin, "--data", str(self.data), "--log", "warn", "serve", "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        line = self.proc.stdout.readline()
        self.url = re.search(r"listening on (\S+)", line).group(1).rstrip("/")
        self.root = f"{self.url}/taxii2/hub"

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait()


class Medallion:
    def __init__(self, workdir, objects):
        self.dir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.root = f"{self.url}/api1"
        self.ingest_id = str(uuid.uuid4())
        self.pages_id = str(uuid.uuid4())
        manifest = [
            {"id": o["id"], "date_added": f"2026-01-01T00:00:{i // 1000000:02d}.{i % 1000000:06d}Z",
             "version": o["modified"], "media_type": "application/stix+json;version=2.1"}
            for i, o in enumerate(objects)
        ]

        def coll(cid, objs, man):
            return {"id": cid, "title": cid, "can_read": True, "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"], "objects": objs, "manifest": man}

        data = {
            "/discovery": {"title": "medallion", "default": f"{self.url}/api1/", "api_roots": [f"{self.url}/api1/"]},
            "api1": {
                "information": {"title": "api1", "versions": [MT], "max_content_length": 100 * 1024 * 1024},
                "status": [],
                "collections": [coll(self.ingest_id, [], []), coll(self.pages_id, objects, manifest)],
            },
        }
        (workdir / "data.json").write_text(json.dumps(data))
        config = {
            "backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
                        "filename": str(workdir / "data.json")},
            "users": {"bencher": PASSWORD},
            "taxii": {"max_page_size": 100},
        }
        (workdir / "config.json").write_text(json.dumps(config))

    def start(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "medallion.scripts.run", "--host", "127.0.0.1", "--port", str(self.port),
             str(self.dir / "config.json")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_http(f"{self.url}/taxii2/", ("bencher", PASSWORD))

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def bench_ingest(server, n, budget):
    """Posts n indicators in envelopes of 1,000; stops early when the time budget is spent."""
    s = requests.Session()
    s.auth = ("bencher", PASSWORD)
    url = f"{server.root}/collections/{server.ingest_id}/objects/"
    headers = {"Accept": MT, "Content-Type": MT}
    envelopes = [json.dumps({"objects": [indicator(i) for i in range(j, min(n, j + 1000))]}).encode()
                 for j in range(0, n, 1000)]
    done = 0
    t0 = time.perf_counter()
    for env in envelopes:
        r = s.post(url, data=env, headers=headers)
        assert r.status_code == 202, r.text[:300]
        assert r.json()["success_count"] == 1000, r.text[:300]
        done += 1000
        if time.perf_counter() - t0 > budget:
            break
    dt = time.perf_counter() - t0
    return done, done / dt


def bench_pages(server, requests_n, budget, deep_id):
    """Latencies of 100-object pages walked with `next`, starting at the object `deep_id` (deep in the
    collection: its date_added is read from the manifest, then used as added_after)."""
    s = requests.Session()
    s.auth = ("bencher", PASSWORD)
    base = f"{server.root}/collections/{server.pages_id}/"
    r = s.get(base + "manifest/", headers={"Accept": MT}, params={"match[id]": deep_id})
    assert r.status_code == 200, r.text[:300]
    start = r.json()["objects"][0]["date_added"]
    url = base + "objects/"
    r = s.get(url, headers={"Accept": MT}, params={"limit": 100, "added_after": start})
    assert r.status_code == 200, r.text[:300]
    walk = []
    t0 = time.perf_counter()
    nxt = r.json().get("next")
    for _ in range(requests_n):
        if not nxt or time.perf_counter() - t0 > budget:
            break
        t = time.perf_counter()
        r = s.get(url, headers={"Accept": MT}, params={"limit": 100, "added_after": start, "next": nxt})
        walk.append(time.perf_counter() - t)
        assert r.status_code == 200, r.text[:300]
        nxt = r.json().get("next")
    return walk


def bench_validation(rrm_bin, workdir, n):
    from stix2validator import ValidationOptions, validate_instance

    objs = [indicator(i) for i in range(n)]
    path = workdir / "validate.json"
    path.write_text(json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objs}))
    t = time.perf_counter()
    out = subprocess.run([rrm_bin, "validate", str(path)], capture_output=True, text=True)
    rrm_dt = time.perf_counter() - t
    assert out.returncode == 0, out.stderr
    opts = ValidationOptions(version="2.1")
    sample = objs[: min(n, 2000)]
    t = time.perf_counter()
    for o in sample:
        assert validate_instance(o, opts).is_valid
    py_dt = time.perf_counter() - t
    return n / rrm_dt, len(sample) / py_dt


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ingest", type=int, default=100_000)
    ap.add_argument("--page-size-rrm", type=int, default=1_000_000)
    ap.add_argument("--page-size-medallion", type=int, default=100_000)
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--medallion-budget", type=float, default=180.0)
    ap.add_argument("--validate", type=int, default=100_000)
    ap.add_argument("--rrm", default=str(REPO / "target/release/rrm"))
    ap.add_argument("--skip-rrm", action="store_true", help="measure only the peer and validation")
    args = ap.parse_args()
    random.seed(7)
    work = pathlib.Path(tempfile.mkdtemp(prefix="rrm-bench-taxii-"))
    rows = []

    class Rows(list):
        def append(self, row):
            super().append(row)
            print("  measured: " + " | ".join(row), flush=True)

    rows = Rows()
    try:
        # rrm: ingest over TAXII POST.
        if not args.skip_rrm:
            bench_rrm(args, work, rows)
        bench_peer(args, work, rows)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(rows)


def bench_rrm(args, work, rows):
    rrm = Rrm(args.rrm, work)
    rrm.setup()
    rrm.start()
    n, rate = bench_ingest(rrm, args.ingest, budget=1e9)
    rows.append(("ingest, TAXII POST, envelopes of 1,000", "rrm", f"{n:,} objects", f"{rate:,.0f} obj/s"))
    rrm.stop()
    # rrm: a large collection, loaded with `rrm import`.
    bundle = work / "big.json"
    with open(bundle, "w") as f:
        f.write('{"type":"bundle","id":"bundle--%s","objects":[' % uuid.uuid4())
        for i in range(args.page_size_rrm):
            if i:
                f.write(",")
            obj = indicator(i)
            if i == args.page_size_rrm * 9 // 10:
                deep_id = obj["id"]
            f.write(json.dumps(obj))
        f.write("]}")
    t = time.perf_counter()
    subprocess.run([args.rrm, "--data", str(rrm.data), "import", str(bundle), "--collection", "pages",
                    "--as", "bencher"], check=True, stderr=subprocess.DEVNULL)
    import_rate = args.page_size_rrm / (time.perf_counter() - t)
    rows.append(("ingest, rrm import (CLI, streamed)", "rrm", f"{args.page_size_rrm:,} objects",
                 f"{import_rate:,.0f} obj/s"))
    bundle.unlink()
    rrm.start()
    walk = bench_pages(rrm, args.pages, budget=1e9, deep_id=deep_id)
    p50, p95 = percentiles(walk)
    rows.append(("100-object pages from 90% depth, next walk", "rrm", f"{args.page_size_rrm:,} objects",
                 f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"))
    rows.append(("peak RSS of the server", "rrm", "", f"{peak_rss_mb(rrm.proc.pid):.0f} MB"))
    rrm.stop()


def bench_peer(args, work, rows):
    # medallion: same requests.
    objs = [indicator(i) for i in range(args.page_size_medallion)]
    deep_id = objs[len(objs) * 9 // 10]["id"]
    med = Medallion(work, objs)
    del objs
    med.start()
    n, rate = bench_ingest(med, args.ingest, budget=args.medallion_budget)
    rows.append(("ingest, TAXII POST, envelopes of 1,000", "medallion", f"{n:,} objects"
                 + ("" if n >= args.ingest else f" (stopped after {args.medallion_budget:.0f} s)"),
                 f"{rate:,.0f} obj/s"))
    walk = bench_pages(med, args.pages, budget=args.medallion_budget, deep_id=deep_id)
    if walk:
        p50, p95 = percentiles(walk)
        rows.append((f"100-object pages from 90% depth, next walk ({len(walk)} pages)", "medallion",
                     f"{args.page_size_medallion:,} objects", f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"))
    rows.append(("peak RSS of the server", "medallion", "", f"{peak_rss_mb(med.proc.pid):.0f} MB"))
    med.stop()

    # Validation.
    rrm_rate, py_rate = bench_validation(args.rrm, work, args.validate)
    rows.append(("validation (rrm validate, whole process)", "rrm", f"{args.validate:,} indicators",
                 f"{rrm_rate:,.0f} obj/s"))
    rows.append(("validation (validate_instance)", "stix2-validator", "2,000 indicators", f"{py_rate:,.0f} obj/s"))


def print_table(rows):
    w = [max(len(r[i]) for r in rows + [("measure", "server", "size", "result")]) for i in range(4)]
    line = lambda r: " | ".join(c.ljust(w[i]) for i, c in enumerate(r))
    print(line(("measure", "server", "size", "result")))
    print("-+-".join("-" * x for x in w))
    for r in rows:
        print(line(r))
    print(f"\nmachine: {os.cpu_count()} cores; client: python requests, one connection, sequential")


if __name__ == "__main__":
    main()
