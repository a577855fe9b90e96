#!/usr/bin/env python3
"""Benchmark of `rrm detect` against coordination-network-toolkit 1.5.2 (CNT) on the same data.

Data: gen_posts.py OUT 1000000 50000 40 42 (1,000,000 background posts + planted campaigns,
50,000 users), window 60 s, min weight 2, similarity 0.8. Every step runs as its own process
(rrm steps --repeat times, the fastest kept);
wall time, CPU time (user+sys, including reaped child processes) and peak RSS come from
os.wait4. rrm is single-threaded; CNT uses its default process pool (one worker per CPU).
After timing, rrm's edges are compared with CNT's for every network benchmarked.

usage: bench/coord.py [--workdir DIR] [--rrm PATH] [--posts N] [--users N] [--skip-cnt-similar]
"""
import argparse
import csv
import os
import pathlib
import re
import subprocess
import sys
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
SHARED = pathlib.Path(os.environ.get("RRM_SHARED", REPO.parent / "shared"))
PY = sys.executable

CNT_STEP = r'''
import contextlib, io, sqlite3, sys
from coordination_network_toolkit import compute_networks as cn
from coordination_network_toolkit.preprocess import preprocess_csv_files
from coordination_network_toolkit.similarity import MinDocSizeSimilarity
db, what = sys.argv[1], sys.argv[2]
with contextlib.redirect_stdout(io.StringIO()):
    if what == "load":
        preprocess_csv_files(db, [sys.argv[3]])
        con = sqlite3.connect(db); con.execute("delete from message_url where url = ''"); con.commit()
    else:
        w = int(sys.argv[3])
        if what == "co_retweet": cn.compute_co_retweet_parallel(db, w, min_edge_weight=2)
        elif what == "co_tweet": cn.compute_co_tweet_network(db, w, min_edge_weight=2)
        elif what == "co_link": cn.compute_co_link_network(db, w, min_edge_weight=2)
        elif what == "co_reply": cn.compute_co_reply_network(db, w, min_edge_weight=2)
        elif what == "co_similar_tweet":
            cn.compute_co_similar_tweet(db, w, similarity_threshold=0.8, min_edge_weight=2,
                                        similarity_function=MinDocSizeSimilarity(1))
        if len(sys.argv) > 4:
            from coordination_network_toolkit.graph import get_edge_rows
            import csv as _csv
            with open(sys.argv[4], "w", newline="") as f:
                wr = _csv.writer(f); wr.writerow(["source", "target", "weight", "edge_type"])
                wr.writerows(get_edge_rows(db, what))
'''


def run(cmd):
    """Runs cmd as a child and returns (wall, cpu, peak_mib, stdout) using os.wait4."""
    t0 = time.perf_counter()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.dup2(w, 1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        try:
            os.execv(cmd[0], [str(c) for c in cmd])
        finally:
            os._exit(127)
    os.close(w)
    chunks = []
    with os.fdopen(r) as f:
        for line in f:
            chunks.append(line)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed ({status}): {' '.join(map(str, cmd))}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, "".join(chunks)


def best_of(n, cmd):
    """Runs cmd n times and keeps the run with the least wall time (peak RSS: the largest)."""
    runs = [run(cmd) for _ in range(max(n, 1))]
    best = min(runs, key=lambda r: r[0])
    return best[0], best[1], max(r[2] for r in runs), best[3]


def net_secs(summary, network):
    m = re.search(rf"^{network}\s+\d+ edges\s+\d+ accounts\s+([\d.]+) s", summary, re.M)
    return float(m.group(1)) if m else float("nan")


def load_secs(summary):
    m = re.search(r"in ([\d.]+) s:", summary)
    return float(m.group(1)) if m else float("nan")


def edges(path):
    with open(path, newline="") as f:
        return {(r["source"], r["target"]): int(r["weight"]) for r in csv.DictReader(f)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", default="/tmp/rrm-bench-coord")
    ap.add_argument("--rrm", default=str(REPO / "target" / "release" / "rrm"))
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--users", type=int, default=50_000)
    ap.add_argument("--skip-cnt-similar", action="store_true", help="skip CNT's slow co_similar_tweet")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each rrm step (fastest kept; CNT runs once)")
    a = ap.parse_args()
    wd = pathlib.Path(a.workdir)
    wd.mkdir(parents=True, exist_ok=True)
    data = wd / f"posts_{a.posts}_{a.users}"
    if not (wd / f"{data.name}.csv").exists():
        print(f"generating {data}.csv ...", file=sys.stderr)
        subprocess.run([PY, str(SHARED / "tools" / "gen_posts.py"), str(data), str(a.posts), str(a.users), "40", "42"],
                       check=True)
    src = wd / f"{data.name}.csv"
    rrm = pathlib.Path(a.rrm)
    rows = []  # (step, rrm wall, rrm cpu, rrm mib, cnt wall, cnt cpu, cnt mib, target)

    fast = "co_retweet,co_tweet,co_link,co_reply"
    print("rrm: load + 4 fast networks ...", file=sys.stderr)
    w1, c1, m1, s1 = best_of(a.repeat, [rrm, "detect", src, "--networks", fast, "--window", "60", "--min-weight", "2",
                          "--out", wd / "rrm_fast"])
    print("rrm: co_similar_tweet ...", file=sys.stderr)
    w2, c2, m2, s2 = best_of(a.repeat, [rrm, "detect", src, "--networks", "co_similar_tweet", "--window", "60", "--min-weight",
                          "2", "--similarity", "0.8", "--out", wd / "rrm_sim"])
    print("rrm: co_retweet at 3600 s ...", file=sys.stderr)
    w3, c3, m3, s3 = best_of(a.repeat, [rrm, "detect", src, "--networks", "co_retweet", "--window", "3600", "--min-weight", "2",
                          "--out", wd / "rrm_rt3600"])
    print("rrm: approximate co_similar_tweet (MinHash LSH) ...", file=sys.stderr)
    w4, c4, m4, s4 = best_of(a.repeat, [rrm, "detect", src, "--networks", "co_similar_tweet", "--window", "60", "--min-weight",
                          "2", "--similarity", "0.8", "--approx", "--out", wd / "rrm_approx"])

    db = wd / "cnt.db"
    for suffix in ("", "-wal", "-shm"):
        pathlib.Path(f"{db}{suffix}").unlink(missing_ok=True)
    step = wd / "cnt_step.py"
    step.write_text(CNT_STEP)
    print("CNT: load ...", file=sys.stderr)
    cl = run([PY, step, db, "load", src])
    cnt = {}
    for net in fast.split(","):
        print(f"CNT: {net} ...", file=sys.stderr)
        cnt[net] = run([PY, step, db, net, "60", wd / f"cnt_{net}.csv"])
    if not a.skip_cnt_similar:
        print("CNT: co_similar_tweet (slow) ...", file=sys.stderr)
        cnt["co_similar_tweet"] = run([PY, step, db, "co_similar_tweet", "60", wd / "cnt_co_similar_tweet.csv"])
    print("CNT: co_retweet at 3600 s ...", file=sys.stderr)
    cnt["rt3600"] = run([PY, step, db, "co_retweet", "3600", wd / "cnt_rt3600.csv"])

    fast_cnt = [cl] + [cnt[n] for n in fast.split(",")]
    rows.append(("load + co_retweet,co_tweet,co_link,co_reply", w1, c1, m1,
                 sum(x[0] for x in fast_cnt), sum(x[1] for x in fast_cnt), max(x[2] for x in fast_cnt), "<= 3 s"))
    rows.append(("  of which load", load_secs(s1), None, None, cl[0], cl[1], cl[2], ""))
    sim = cnt.get("co_similar_tweet")
    rows.append(("co_similar_tweet (exact, compute only)", net_secs(s2, "co_similar_tweet"), None, None,
                 sim[0] if sim else None, sim[1] if sim else None, sim[2] if sim else None, "<= 15 s"))
    rows.append(("load + co_similar_tweet (process)", w2, c2, m2, None, None, None, ""))
    rows.append(("co_retweet window 3600 (compute only)", net_secs(s3, "co_retweet"), None, None,
                 cnt["rt3600"][0], cnt["rt3600"][1], cnt["rt3600"][2], "<= 3 s"))
    rows.append(("load + co_retweet 3600 (process)", w3, c3, m3, None, None, None, ""))
    rows.append(("co_similar_tweet approx LSH (compute only)", net_secs(s4, "co_similar_tweet"), None, None,
                 None, None, None, ""))

    def f(x, fmt="{:.2f}"):
        return "-" if x is None or x != x else fmt.format(x)

    print(f"\nrrm detect vs coordination-network-toolkit 1.5.2: {a.posts:,} posts, {a.users:,} users, "
          f"window 60 s, min weight 2, similarity 0.8 (rrm: 1 thread, fastest of {a.repeat} runs; "
          f"CNT: {os.cpu_count()} worker processes, one run)")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end (shared)")
    hdr = f"{'step':<44} {'rrm wall s':>10} {'rrm cpu s':>9} {'rrm MiB':>8} {'CNT wall s':>10} {'CNT cpu s':>9} " \
          f"{'CNT MiB':>8} {'wall ratio':>10} {'cpu ratio':>9} {'target':>8}"
    print(hdr)
    print("-" * len(hdr))
    for name, rw, rc, rm, cw, cc, cm, target in rows:
        ratio = f"{cw / rw:.1f}x" if cw and rw and rw == rw else "-"
        cratio = f"{cc / rc:.1f}x" if cc and rc else "-"
        print(f"{name:<44} {f(rw):>10} {f(rc):>9} {f(rm, '{:.0f}'):>8} {f(cw):>10} {f(cc):>9} "
              f"{f(cm, '{:.0f}'):>8} {ratio:>10} {cratio:>9} {target:>8}")
    print(f"peak RSS of rrm over all runs: {max(m1, m2, m3, m4):.0f} MiB (target <= 1536 MiB)")

    # Correctness on the benchmark data.
    checks = [(n, wd / "rrm_fast" / f"{n}.csv", wd / f"cnt_{n}.csv") for n in fast.split(",")]
    checks.append(("co_retweet@3600", wd / "rrm_rt3600" / "co_retweet.csv", wd / "cnt_rt3600.csv"))
    if sim:
        checks.append(("co_similar_tweet", wd / "rrm_sim" / "co_similar_tweet.csv", wd / "cnt_co_similar_tweet.csv"))
    for name, ours, theirs in checks:
        e1, e2 = edges(ours), edges(theirs)
        print(f"edges {name}: rrm {len(e1)}, CNT {len(e2)}, {'identical' if e1 == e2 else 'DIFFERENT'}")
    exact, approx = edges(wd / "rrm_sim" / "co_similar_tweet.csv"), edges(wd / "rrm_approx" / "co_similar_tweet.csv")
    found = sum(1 for k, v in exact.items() if approx.get(k) == v)
    print(f"approx co_similar_tweet (20 bands x 5 rows): {len(approx)} edges, edge recall vs exact "
          f"{found / max(len(exact), 1):.4f}, extra edges {len(set(approx) - set(exact))}")


if __name__ == "__main__":
    main()
