#!/usr/bin/env python3
"""Political-advertising registry benchmark: public search latency and bulk CSV export at scale.

Builds a fresh data directory, registers an election, bulk-imports N ads (default 1,000,000)
with `rrm ads import` (piped, batched transactions), starts `rrm serve` with the public rate
limit off, then measures over HTTP (keep-alive, one client):

  * p50/p95/max latency of a mix of public searches (`GET /public/ads`: no filter, election,
    sponsor, language+region, full text, text+sponsor, date range, spend range, a deep page
    through a cursor), 200 requests each, targets p95 <= 20 ms;
  * wall time of the bulk CSV and JSON Lines downloads of the whole election
    (`GET /public/elections/{id}/ads.csv|.jsonl`), rows counted, target CSV <= 10 s.

Usage: bench/registry.py [--ads N] [--rrm PATH]   (build first: cargo build --release -p rrm)
"""

import argparse
import base64
import json
import os
import pathlib
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time

import requests

REPO = pathlib.Path(__file__).resolve().parents[1]
PASSWORD = "bench password 123"
WORDS = [f"w{i}" for i in range(2000)] + ["transit", "housing", "climate", "jobs", "health", "taxes"]
REGIONS = ["CA-ON", "CA-QC", "CA-BC", "CA-AB", "CA-MB", "CA-SK", "CA-NS", "CA-NB", "CA-NL", "CA-PE"]


def rrm(bin_, data, *args, stdin=None):
    p = subprocess.run([str(bin_), "--data", str(data), *args], input=stdin, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"rrm {' '.join(args)} failed: {p.stdout}{p.stderr}")
    return p.stdout


def sample():
    return json.loads((REPO / "crates/adrules/samples/ca-compliant.json").read_text())


def records(n, rnd):
    base = sample()
    del base["elections"]
    base["ad"].pop("creative")
    base["ad"].pop("versions")
    sponsor0 = base["sponsors"][0]
    creatives = [base64.b64encode(b"\x89PNG\r\n\x1a\n creative %d" % i).decode() for i in range(1000)]
    for i in range(n):
        sid = i % 500
        name = f"Citizens Group {sid}"
        sp = dict(sponsor0, id=f"s{sid}", legal_name=name)
        day = 10 + rnd.randrange(30)
        start = f"2029-09-{day:02d}" if day <= 30 else f"2029-10-{day - 30:02d}"
        ad = dict(base["ad"])
        ad.update(
            id=f"ad-{i}",
            sponsor=f"s{sid}",
            text=" ".join(rnd.choice(WORDS) for _ in range(8)),
            languages=[rnd.choice(["en", "fr"])],
            tagline=f"Authorized by {name}",
            intended_dissemination={"start": f"{start}T09:00:00-04:00", "end": "2029-10-12T09:00:00-04:00"},
            spend={"minor": rnd.randrange(0, 10_000_000), "currency": "CAD"},
            distribution=[{"region": rnd.choice(REGIONS), "share": 1.0}],
        )
        ad.pop("spend_range", None)
        sub = dict(base, ad=ad, sponsors=[sp])
        yield json.dumps({"submission": sub, "creative": {"media_type": "image/png", "data": creatives[i % 1000]}})


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ads", type=int, default=1_000_000)
    ap.add_argument("--rrm", default=str(REPO / "target/release/rrm"))
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--reuse", help="a data directory from an earlier run kept with KEEP=1: skip the import")
    args = ap.parse_args()
    bin_ = pathlib.Path(args.rrm)
    rnd = random.Random(7)
    if args.reuse:
        data = pathlib.Path(args.reuse)
        os.environ["KEEP"] = "1"
    else:
        data = pathlib.Path(tempfile.mkdtemp(prefix="rrm-bench-registry-"))
        build(bin_, data, args.ads, rnd)
    measure(bin_, data, args, rnd)


def build(bin_, data, n_ads, rnd):
    rrm(bin_, data, "admin", "org", "add", "plat", "--name", "Example Social", "--sector", "platform", "--country", "CA")
    rrm(bin_, data, "admin", "org", "add", "ec", "--name", "Elections", "--sector", "election-authority", "--country", "CA")
    rrm(bin_, data, "admin", "user", "add", "plat", "pat", "--role", "analyst")
    rrm(bin_, data, "admin", "user", "add", "ec", "eve", "--role", "analyst")
    el = data / "election.json"
    el.write_text(json.dumps(sample()["elections"][0]))
    rrm(bin_, data, "ads", "election", str(el), "--as", "eve")

    t0 = time.time()
    imp = subprocess.Popen([str(bin_), "--data", str(data), "ads", "import", "-", "--as", "pat", "--batch", "5000"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in records(n_ads, rnd):
        imp.stdin.write(line)
        imp.stdin.write("\n")
    imp.stdin.close()
    out = imp.stdout.read()
    err = imp.stderr.read()
    if imp.wait() != 0:
        sys.exit(f"import failed: {out}{err}")
    import_s = time.time() - t0
    print(f"import: {out.strip()} in {import_s:.1f} s ({n_ads / import_s:,.0f} ads/s incl. generation)", flush=True)


def measure(bin_, data, args, rnd):

    env = dict(os.environ, RRM_PUBLIC_RATE="0", RRM_LOG="warn")
    srv = subprocess.Popen([str(bin_), "--data", str(data), "serve", "--listen", "127.0.0.1:0"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        url = None
        while url is None:
            line = srv.stdout.readline()
            if not line:
                sys.exit("server did not start")
            m = re.search(r"listening on (https?://\S+)", line)
            if m:
                url = m.group(1).rstrip("/")
        s = requests.Session()
        deep = s.get(f"{url}/public/ads", params={"election": "ca-2029", "limit": 200}).json()
        for _ in range(20):
            deep = s.get(f"{url}/public/ads", params={"election": "ca-2029", "limit": 200, "cursor": deep["next"]}).json()
        mix = {
            "no filter": lambda: {},
            "election": lambda: {"election": "ca-2029"},
            "sponsor": lambda: {"sponsor": f"Citizens Group {rnd.randrange(500)}"},
            "language+region": lambda: {"language": rnd.choice(["en", "fr"]), "region": rnd.choice(REGIONS)},
            "text (1 word)": lambda: {"q": rnd.choice(WORDS)},
            "text+sponsor": lambda: {"q": rnd.choice(WORDS[:50]), "sponsor": f"s{rnd.randrange(500)}"},
            "date range": lambda: {"from": "2029-10-11", "to": "2029-10-12"},
            "spend range": lambda: {"spend_min": 5_000_000, "spend_max": 5_050_000},
            "deep page (cursor)": lambda: {"election": "ca-2029", "cursor": deep["next"]},
        }
        print()
        print(f"{'public search (' + format(args.ads, ',') + ' ads)':<34} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'rows':>6}")
        allt = []
        for name, mk in mix.items():
            ts = []
            rows = 0
            for _ in range(args.queries):
                params = dict(mk(), limit=50)
                t = time.perf_counter()
                r = s.get(f"{url}/public/ads", params=params)
                ts.append((time.perf_counter() - t) * 1000)
                if r.status_code != 200:
                    sys.exit(f"{name}: {r.status_code} {r.text}")
                rows += len(r.json()["ads"])
            allt += ts
            print(f"{name:<34} {len(ts):>5} {statistics.median(ts):>8.2f} {pct(ts, 95):>8.2f} {max(ts):>8.2f} {rows / len(ts):>6.1f}")
        print(f"{'all (target p95 <= 20 ms)':<34} {len(allt):>5} {statistics.median(allt):>8.2f} {pct(allt, 95):>8.2f} {max(allt):>8.2f}")
        print()
        print(f"{'bulk download':<34} {'rows':>10} {'MB':>8} {'seconds':>8}")
        for fmt in ("csv", "jsonl"):
            t = time.perf_counter()
            r = s.get(f"{url}/public/elections/ca-2029/ads.{fmt}", stream=True)
            size = 0
            lines = 0
            for chunk in r.iter_content(1 << 20):
                size += len(chunk)
                lines += chunk.count(b"\n")
            dt = time.perf_counter() - t
            rows = lines - (1 if fmt == "csv" else 0)
            target = " (target <= 10 s)" if fmt == "csv" else ""
            print(f"{('ads.' + fmt + target):<34} {rows:>10,} {size / 1e6:>8.1f} {dt:>8.2f}")
    finally:
        srv.terminate()
        srv.wait()
        if not os.environ.get("KEEP"):
            import shutil
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
