#!/usr/bin/env python3
"""Notices benchmark: one notice of 10,000 items through every step, then the platform's inbox
page latency and the statistics with 1,000,000 notices.

Builds a fresh data directory with a government and two platforms (`rrm admin`). On that
fresh store, `rrm serve` runs the big notice (to the second platform); then, with no server
running, one notice to the first platform is written and sent through the `rrm notice` CLI and
copied N - 1 times (default N = 1,000,000) straight into the SQLite store with one
`INSERT ... SELECT`: each copy is that sent notice with its own id, outbox and inbox positions
and send time, a third of them acknowledged (`notices` of migration 0021_notices). Sending a
million notices through the API would measure sending, not reading. Then `rrm serve` runs
again. Over HTTP (keep-alive, one client, API tokens):

  * one notice of 10,000 account items: create, approve, send, fetch (the platform's inbox page
    holding it and a show), acknowledge, and decide every item `actioned` with a statement of
    reasons in one decisions call; a body the server refuses (413, `serve
    --max-content-length`, default 8 MiB) is sent in batches instead and the table says so.
    Each step's time and items/s;
  * the platform's inbox: the first page, then following pages by `next` cursor (each first
    read marks its notices delivered, a write), 200 requests each: p50, p95, max in ms;
  * the statistics of the whole period for the platform and for the sender.

Usage: bench/notices.py [--notices N] [--items K] [--rrm PATH]
       (build first: cargo build --release -p rrm)
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

import requests

REPO = pathlib.Path(__file__).resolve().parents[1]
PASSWORD = "bench password 123"


def rrm(bin_, data, *args, stdin=None):
    p = subprocess.run([str(bin_), "--data", str(data), *args], input=stdin, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"rrm {' '.join(args)} failed: {p.stdout}{p.stderr}")
    return p.stdout


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def content(n_items):
    return {
        "kind": "dsa-art16",
        "items": [{"type": "account", "value": f"@doppel_{i}", "platform": str(100_000 + i)} for i in range(n_items)],
        "explanation": "The accounts spread a forged notice of a changed polling date.",
        "ground": "Canada Elections Act, s. 91(1)",
        "territorial_scope": ["CA"],
        "contact": {"name": "RRM Canada", "email": "rrm@example.gc.ca"},
        "bona_fide": True,
    }


def statement(puid):
    """A complete DSA Transparency Database statement of reasons (as tests/interop/sor_fixture.py)."""
    return {
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": "Platform manipulation policy, section 2",
        "incompatible_content_explanation": "The account is part of a coordinated inauthentic network.",
        "category": "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
        "content_type": ["CONTENT_TYPE_TEXT"],
        "automated_detection": "No",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
        "application_date": "2026-11-30",
        "decision_facts": "Removed after review of the notice and the account's activity.",
        "source_type": "SOURCE_ARTICLE_16",
        "puid": puid,
        "territorial_scope": ["DE", "FR"],
        "content_date": "2026-11-29",
        "content_language": "EN",
    }


def seed(db, template, n):
    """N copies of the sent notice `template`, each its own, sent one second apart, ending now."""
    con = sqlite3.connect(db)
    base_seq, base_inbox = con.execute("SELECT max(seq), max(inbox_seq) FROM notices").fetchone()
    (tseq,) = con.execute("SELECT seq FROM notices WHERE id = ?", (template,)).fetchone()
    now = int(time.time())
    cols = [r[1] for r in con.execute("PRAGMA table_info(notices)")]
    own = {
        "id": "printf('00000000-0000-4000-8000-%012d', x)",
        "root_id": "printf('00000000-0000-4000-8000-%012d', x)",
        "seq": f"{base_seq} + x",
        "inbox_seq": f"{base_inbox} + x",
        "sent_at": f"{now} - {n} + x",
        "created": f"{now} - {n} + x",
        "updated": f"{now} - {n} + x",
        "status": "CASE WHEN x % 3 = 0 THEN 'under-review' ELSE 'sent' END",
        "acknowledged_at": f"CASE WHEN x % 3 = 0 THEN {now} - {n} + x + (x * 37) % 3600 END",
    }
    select = ", ".join(own.get(c, c) for c in cols)
    with con:
        con.execute(
            f"INSERT INTO notices ({', '.join(cols)}) "
            f"WITH RECURSIVE gen(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM gen WHERE x < {n}) "
            f"SELECT {select} FROM gen, (SELECT * FROM notices WHERE seq = {tseq})"
        )
    con.close()


class Server:
    """`rrm serve` on a loopback port, with a keep-alive session per user."""

    def __init__(self, bin_, data, tokens):
        self.proc = subprocess.Popen([str(bin_), "--data", str(data), "serve", "--listen", "127.0.0.1:0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.url = None
        deadline = time.time() + 120
        while time.time() < deadline and self.url is None:
            line = self.proc.stdout.readline()
            m = re.search(r"listening on (https?://\S+)", line or "")
            if m:
                self.url = m.group(1).rstrip("/")
        if self.url is None:
            self.stop()
            sys.exit("rrm serve did not start")
        self.sess = {u: requests.Session() for u in tokens}
        for u, t in tokens.items():
            self.sess[u].headers["Authorization"] = f"Bearer {t}"

    def call(self, user, method, path, want=200, **kw):
        t = time.perf_counter()
        r = self.sess[user].request(method, self.url + "/api/v1" + path, timeout=600, **kw)
        dt = time.perf_counter() - t
        assert r.status_code == want, f"{method} {path}: {r.status_code} {r.text[:300]}"
        return dt, r

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)


def big_notice(srv, k):
    """One notice of K items to plat2 through every step: (step, seconds, note) rows."""
    steps = []
    dt, r = srv.call("ca-ana", "POST", "/notices", 201, json={"recipient": "plat2", **content(k)})
    big = r.json()["id"]
    steps.append(("create", dt, ""))
    steps.append(("approve", srv.call("ca-ana2", "POST", f"/notices/{big}/approve")[0], ""))
    steps.append(("send (frozen, hashed)", srv.call("ca-ana", "POST", f"/notices/{big}/send")[0], ""))
    dt, r = srv.call("plat2-ana", "GET", "/notices/inbox")
    assert [n["id"] for n in r.json()["notices"]] == [big]
    steps.append(("fetch: inbox page", dt, ""))
    steps.append(("fetch: show", srv.call("plat2-ana", "GET", f"/notices/{big}")[0], ""))
    steps.append(("acknowledge", srv.call("plat2-ana", "POST", f"/notices/{big}/acknowledge")[0], ""))
    decisions = [{"item": i, "outcome": "actioned", "statement": statement(f"bench-{i}")} for i in range(k)]
    body = json.dumps({"decisions": decisions})
    t = time.perf_counter()
    r = srv.sess["plat2-ana"].post(srv.url + f"/api/v1/notices/{big}/decisions", data=body, timeout=600,
                                   headers={"Content-Type": "application/json"})
    one_call = time.perf_counter() - t
    if r.status_code == 413:
        batch = 2_500
        total = 0.0
        for s in range(0, k, batch):
            dt, _ = srv.call("plat2-ana", "POST", f"/notices/{big}/decisions",
                             json={"decisions": decisions[s:s + batch]})
            total += dt
        steps.append(("decide, every item actioned", total,
                      f"{len(body) / 2**20:.1f} MiB refused (413, --max-content-length); "
                      f"{-(-k // batch)} calls of {batch}"))
    else:
        assert r.status_code == 200, r.text[:300]
        assert r.json()["status"] == "decided"
        steps.append(("decide, every item actioned", one_call, f"one call, {len(body) / 2**20:.1f} MiB"))
    dt, r = srv.call("ca-ana", "GET", f"/notices/{big}")
    assert r.json()["status"] == "decided" and len(r.json()["decisions"]) == k
    steps.append(("sender reads the decided notice", dt, ""))
    return steps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--notices", type=int, default=1_000_000)
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--rrm", default=str(REPO / "target/release/rrm"))
    ap.add_argument("--requests", type=int, default=200)
    args = ap.parse_args()
    bin_ = pathlib.Path(args.rrm)
    if not bin_.exists():
        sys.exit(f"no rrm binary at {bin_}: cargo build --release -p rrm, or pass --rrm")
    data = pathlib.Path(tempfile.mkdtemp(prefix="rrm-bench-notices-"))
    rrm(bin_, data, "admin", "org", "add", "gov-ca", "--name", "Canada", "--sector", "government", "--country", "CA")
    for slug in ["plat", "plat2"]:
        rrm(bin_, data, "admin", "org", "add", slug, "--name", slug, "--sector", "platform", "--country", "US")
    users = [("gov-ca", "ca-ana"), ("gov-ca", "ca-ana2"), ("plat", "plat-ana"), ("plat2", "plat2-ana")]
    for org, user in users:
        rrm(bin_, data, "admin", "user", "add", org, user, "--role", "analyst", "--password-stdin", stdin=PASSWORD + "\n")
    tokens = {u: rrm(bin_, data, "admin", "token", "create", u).strip().split()[-1] for _, u in users}

    # The big notice on a fresh store, to its own platform.
    srv = Server(bin_, data, tokens)
    try:
        k = args.items
        steps = big_notice(srv, k)
    finally:
        srv.stop()
    print(f"{'one notice of ' + format(k, ',') + ' items':<34} {'s':>8} {'items/s':>10}  note")
    for name, dt, note in steps:
        print(f"{name:<34} {dt:>8.3f} {k / dt:>10,.0f}  {note}")

    # N notices to plat: one through the CLI, copied by the store.
    one = data / "one.json"
    one.write_text(json.dumps(content(3)))
    nid = rrm(bin_, data, "notice", "create", "--as", "ca-ana", "--recipient", "plat", "--file", str(one)).strip()
    rrm(bin_, data, "notice", "approve", nid, "--as", "ca-ana2")
    rrm(bin_, data, "notice", "send", nid, "--as", "ca-ana")
    t0 = time.time()
    seed(data / "rrm.db", nid, args.notices - 1)
    print(f"\nseeded {args.notices:,} sent notices in {time.time() - t0:.1f} s", flush=True)

    srv = Server(bin_, data, tokens)
    try:
        def first():
            ts = []
            for _ in range(args.requests):
                dt, r = srv.call("plat-ana", "GET", "/notices/inbox?limit=50")
                assert len(r.json()["notices"]) == 50
                ts.append(dt * 1000)
            return ts

        def deep():
            ts, nxt = [], None
            for _ in range(args.requests):
                dt, r = srv.call("plat-ana", "GET", "/notices/inbox?limit=50" + (f"&after={nxt}" if nxt else ""))
                page = r.json()
                assert len(page["notices"]) == 50
                nxt = page["next"]
                ts.append(dt * 1000)
            return ts

        first()
        cases = [("inbox, first page (50)", first(), None), ("inbox, following pages (first reads)", deep(), None)]
        for user in ["plat-ana", "ca-ana"]:
            ts = []
            for _ in range(5):
                dt, r = srv.call(user, "GET", "/notices/stats?from=2000-01-01")
                ts.append(dt * 1000)
            counted = sum(p["notices"] for p in r.json()["platforms"])
            cases.append((f"stats, whole period ({user})", ts, counted))
    finally:
        srv.stop()
    print()
    print(f"{'notice inbox (' + format(args.notices, ',') + ' notices)':<40} {'n':>5} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}")
    for name, ts, counted in cases:
        extra = f"  ({counted:,} notices)" if counted is not None else ""
        print(f"{name:<40} {len(ts):>5} {statistics.median(ts):>9.2f} {pct(ts, 95):>9.2f} {max(ts):>9.2f}{extra}")


if __name__ == "__main__":
    main()
