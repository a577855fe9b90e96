#!/usr/bin/env python3
"""Verifiable audit log benchmark: append rate, `rrm audit verify` at 1,000,000 records,
inclusion and consistency proof latency over REST.

Builds a fresh data directory with the real binary, then writes N raw audit records (default
1,000,000) straight into the SQLite file with Python's sqlite3 and marks them as records of an
older schema, so the next `rrm` command computes their leaves and complete subtrees the way a
migrated database does (timed: the tree build rate). Then it measures:

  * `rrm audit verify` over the whole log (target: under 5 s with a release build);
  * p50/p95 of `GET /api/v1/audit/proof/inclusion` for random leaves against the latest
    checkpoint, and of `GET /api/v1/audit/proof/consistency` between random sizes (keep-alive,
    one client);
  * the audit append rate through the server: sequential `PUT /api/v1/collections/{c}/grants/{o}`
    by the operator, each one grant change and its audit record in one durable transaction
    (`synchronous=FULL`).

Usage: bench/audit.py [--records N] [--proofs N] [--appends N] [--rrm PATH]
       (build first: cargo build --release -p rrm)
"""

import argparse
import os
import pathlib
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

import requests

REPO = pathlib.Path(__file__).resolve().parents[1]
PASSWORD = "bench password 123"


def rrm(bin_, data, *args, stdin=None, check=True):
    p = subprocess.run([str(bin_), "--data", str(data), *args], input=stdin, capture_output=True, text=True)
    if check and p.returncode != 0:
        sys.exit(f"rrm {' '.join(args)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--proofs", type=int, default=1000)
    ap.add_argument("--appends", type=int, default=2000)
    ap.add_argument("--rrm", default=str(REPO / "target" / "release" / "rrm"))
    args = ap.parse_args()
    bin_ = pathlib.Path(args.rrm)
    if not bin_.exists():
        sys.exit(f"no binary at {bin_}: cargo build --release -p rrm")

    data = pathlib.Path(tempfile.mkdtemp(prefix="rrm-bench-audit-"))
    rrm(bin_, data, "admin", "org", "add", "gov-ca", "--name", "Canada", "--sector", "government", "--country", "CA")
    rrm(bin_, data, "admin", "org", "add", "gov-fr", "--name", "France", "--sector", "government", "--country", "FR")
    rrm(bin_, data, "admin", "user", "add", "gov-ca", "root", "--role", "operator", "--password-stdin", stdin=PASSWORD + "\n")
    rrm(bin_, data, "admin", "collection", "add", "shared", "--title", "Shared")

    # N raw records, as an older rrm would have left them.
    t0 = time.perf_counter()
    db = sqlite3.connect(data / "rrm.db")
    now = int(time.time())
    rows = (
        (now, f"user{i % 5000}", 1 + i % 2, "token.create", f"user{i % 5000}/{i:012x}", 1 + i % 2, f'label "bench {i}"')
        for i in range(args.records)
    )
    with db:
        db.executemany(
            "INSERT INTO account_audit (at, actor, actor_org_id, action, target, target_org_id, detail, nonce) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, randomblob(16))",
            rows,
        )
        db.execute("INSERT INTO audit_backfill (pending) VALUES (1)")
    db.close()
    insert_s = time.perf_counter() - t0

    # The next command computes every leaf and complete subtree, then signs a checkpoint.
    t0 = time.perf_counter()
    out = rrm(bin_, data, "audit", "checkpoint").stdout.split("\t")
    build_s = time.perf_counter() - t0
    size = int(out[0])

    t0 = time.perf_counter()
    v = rrm(bin_, data, "audit", "verify", "--quiet", check=False)
    verify_s = time.perf_counter() - t0
    if v.returncode != 0:
        sys.exit(f"verify failed: {v.stdout}{v.stderr}")
    inner = re.search(r"in ([0-9.]+) s", v.stdout)

    # Over REST.
    log = open(data / "server.log", "w")
    proc = subprocess.Popen(
        [str(bin_), "--data", str(data), "serve", "--listen", "127.0.0.1:0", "--auth-free-failures", "0",
         "--audit-checkpoint-every", "86400"],
        stdout=subprocess.PIPE, stderr=log, text=True,
    )
    try:
        url = None
        deadline = time.time() + 60
        while time.time() < deadline and url is None:
            line = proc.stdout.readline()
            m = re.search(r"listening on (https?://\S+)", line or "")
            if m:
                url = m.group(1).rstrip("/")
        if url is None:
            sys.exit("rrm serve did not start")
        s = requests.Session()
        s.auth = ("root", PASSWORD)
        api = url + "/api/v1"
        s.get(f"{api}/whoami").raise_for_status()
        rnd = random.Random(7)

        inc = []
        for _ in range(args.proofs):
            i = rnd.randrange(size)
            t = time.perf_counter()
            r = s.get(f"{api}/audit/proof/inclusion", params={"index": i, "size": size})
            inc.append((time.perf_counter() - t) * 1000)
            r.raise_for_status()
        cons = []
        for _ in range(args.proofs):
            old = rnd.randrange(1, size)
            t = time.perf_counter()
            r = s.get(f"{api}/audit/proof/consistency", params={"old": old, "new": size})
            cons.append((time.perf_counter() - t) * 1000)
            r.raise_for_status()

        t0 = time.perf_counter()
        for k in range(args.appends):
            body = {"read": True, "write": k % 2 == 0}
            s.put(f"{api}/collections/shared/grants/gov-fr", json=body).raise_for_status()
        append_s = time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    final = rrm(bin_, data, "audit", "verify", "--quiet", check=False)

    rows = [
        ("records in the log", f"{size:,}", ""),
        ("raw insert with sqlite3 (setup)", f"{insert_s:.1f} s", ""),
        ("tree build at open (leaves + subtrees)", f"{size / build_s:,.0f} records/s ({build_s:.1f} s)", ""),
        ("rrm audit verify, whole command", f"{verify_s:.2f} s", "< 5 s"),
        ("rrm audit verify, as it reports", f"{float(inner.group(1)) if inner else float('nan'):.2f} s", ""),
        ("inclusion proof over REST p50 / p95", f"{statistics.median(inc):.2f} / {pct(inc, 0.95):.2f} ms", ""),
        ("consistency proof over REST p50 / p95", f"{statistics.median(cons):.2f} / {pct(cons, 0.95):.2f} ms", ""),
        ("audit append over REST (grant.set, durable)", f"{args.appends / append_s:,.0f} records/s", ""),
        ("verify after the appends", "ok" if final.returncode == 0 else "FAILED", "ok"),
    ]
    w = max(len(r[0]) for r in rows)
    w2 = max(len(r[1]) for r in rows)
    print(f"{'measure':<{w}} | {'value':<{w2}} | target")
    print(f"{'-' * w}-|-{'-' * w2}-|-------")
    for a, b, c in rows:
        print(f"{a:<{w}} | {b:<{w2}} | {c}")
    if os.environ.get("KEEP") is None:
        import shutil

        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
