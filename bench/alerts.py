#!/usr/bin/env python3
"""Alert inbox benchmark: inbox and sent page latency with 100,000 alerts.

Builds a fresh data directory with four governments (`rrm admin`), then seeds N alerts
(default 100,000) straight into the SQLite store with Python's sqlite3, in one transaction,
while no server runs: the rows are exactly what the alerts service writes (`alerts` and
`alert_recipients` of migration 0010_alerts), each alert from one of three senders to the
measured organisation (gov-d) and one other. Raising 100,000 alerts through the API would
measure raising, not reading; seeding takes a few seconds. Then it starts `rrm serve`, raises
one alert through the API (so the service's own rows sit on top) and measures over HTTP
(keep-alive, one client, an API token):

  * the inbox's first page (`GET /api/v1/alerts?limit=50`);
  * deep inbox pages, following `next` cursors from the first page onwards;
  * the sender's sent list, first page and deep pages;

200 requests each: p50, p95 and max in milliseconds. Target: inbox page p95 <= 20 ms.

Usage: bench/alerts.py [--alerts N] [--rrm PATH]   (build first: cargo build --release -p rrm)
"""

import argparse
import json
import pathlib
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import requests

REPO = pathlib.Path(__file__).resolve().parents[1]
PASSWORD = "bench password 123"
ORGS = ["gov-a", "gov-b", "gov-c", "gov-d"]


def rrm(bin_, data, *args, stdin=None):
    p = subprocess.run([str(bin_), "--data", str(data), *args], input=stdin, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"rrm {' '.join(args)} failed: {p.stdout}{p.stderr}")
    return p.stdout


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def seed(db, n):
    """N alerts from gov-a, gov-b, gov-c to gov-d and one more, as the service stores them."""
    con = sqlite3.connect(db)
    ids = {slug: i for i, slug in con.execute("SELECT id, slug FROM orgs")}
    users = {name: i for i, name in con.execute("SELECT id, username FROM users")}
    senders = [ids["gov-a"], ids["gov-b"], ids["gov-c"]]
    target = ids["gov-d"]
    now = int(time.time())
    with con:
        for i in range(n):
            sender = senders[i % 3]
            other = senders[(i + 1) % 3]
            created = now - (n - i)
            cur = con.execute(
                "INSERT INTO alerts (id, sender_org_id, sender_user_id, title, summary, priority, tlp, "
                "objects, responses, respond_by, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    str(uuid.uuid4()),
                    sender,
                    users[f"analyst-{'abc'[i % 3]}"],
                    f"Alert {i}: coordinated amplification",
                    "Accounts amplify a forged document. " * 4,
                    "alert" if i % 4 else "information",
                    ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"][i % 5],
                    "[]",
                    json.dumps(["share indicators"]),
                    now + 86_400,
                    created,
                ),
            )
            seq = cur.lastrowid
            for org in (target, other):
                con.execute(
                    "INSERT INTO alert_recipients (alert_seq, org_id, state, via_group, forwarded_by, added, updated) "
                    "VALUES (?, ?, ?, NULL, NULL, ?, ?)",
                    (seq, org, ["pending", "acknowledged", "contributed", "declined"][i % 4], created, created),
                )
    con.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--alerts", type=int, default=100_000)
    ap.add_argument("--rrm", default=str(REPO / "target/release/rrm"))
    ap.add_argument("--requests", type=int, default=200)
    args = ap.parse_args()
    bin_ = pathlib.Path(args.rrm)
    if not bin_.exists():
        sys.exit(f"no rrm binary at {bin_}: cargo build --release -p rrm, or pass --rrm")
    data = pathlib.Path(tempfile.mkdtemp(prefix="rrm-bench-alerts-"))
    for slug in ORGS:
        rrm(bin_, data, "admin", "org", "add", slug, "--name", slug, "--sector", "government", "--country", "CA")
        rrm(bin_, data, "admin", "user", "add", slug, f"analyst-{slug[-1]}", "--role", "analyst", "--password-stdin",
            stdin=PASSWORD + "\n")
    tokens = {u: rrm(bin_, data, "admin", "token", "create", u).strip().split()[-1] for u in ["analyst-a", "analyst-d"]}
    t0 = time.time()
    seed(data / "rrm.db", args.alerts)
    seed_s = time.time() - t0
    print(f"seeded {args.alerts:,} alerts ({2 * args.alerts:,} recipient rows) in {seed_s:.1f} s", flush=True)

    srv = subprocess.Popen([str(bin_), "--data", str(data), "serve", "--listen", "127.0.0.1:0"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = None
        deadline = time.time() + 60
        while time.time() < deadline and url is None:
            line = srv.stdout.readline()
            m = re.search(r"listening on (https?://\S+)", line or "")
            if m:
                url = m.group(1).rstrip("/")
        if url is None:
            sys.exit("rrm serve did not start")
        sess = {u: requests.Session() for u in tokens}
        for u, t in tokens.items():
            sess[u].headers["Authorization"] = f"Bearer {t}"
        r = sess["analyst-a"].post(f"{url}/api/v1/alerts", json={"title": "on top", "recipients": ["gov-d"]})
        assert r.status_code == 201, r.text

        def timed(s, path):
            t = time.perf_counter()
            r = s.get(url + path)
            dt = (time.perf_counter() - t) * 1000
            assert r.status_code == 200, r.text
            return dt, r.json()

        def first(user, box):
            ts, rows = [], 0
            for _ in range(args.requests):
                dt, page = timed(sess[user], f"/api/v1/alerts?box={box}&limit=50")
                ts.append(dt)
                rows += len(page["alerts"])
            return ts, rows

        def deep(user, box):
            ts, rows, nxt = [], 0, None
            for _ in range(args.requests):
                q = f"/api/v1/alerts?box={box}&limit=50" + (f"&next={nxt}" if nxt else "")
                dt, page = timed(sess[user], q)
                ts.append(dt)
                rows += len(page["alerts"])
                nxt = page.get("next")
            return ts, rows

        # Warm up the connection and the caches.
        first("analyst-d", "inbox")
        cases = [
            ("inbox, first page (50)", first("analyst-d", "inbox")),
            ("inbox, following pages (cursor)", deep("analyst-d", "inbox")),
            ("sent, first page (50)", first("analyst-a", "sent")),
            ("sent, following pages (cursor)", deep("analyst-a", "sent")),
        ]
        print()
        print(f"{'alert lists (' + format(args.alerts, ',') + ' alerts)':<36} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'rows':>6}")
        for name, (ts, rows) in cases:
            print(f"{name:<36} {len(ts):>5} {statistics.median(ts):>8.2f} {pct(ts, 95):>8.2f} {max(ts):>8.2f} {rows / len(ts):>6.1f}")
        inbox = cases[0][1][0] + cases[1][1][0]
        print(f"{'inbox, all (target p95 <= 20 ms)':<36} {len(inbox):>5} {statistics.median(inbox):>8.2f} {pct(inbox, 95):>8.2f} {max(inbox):>8.2f}")
    finally:
        srv.terminate()
        srv.wait(timeout=30)


if __name__ == "__main__":
    main()
