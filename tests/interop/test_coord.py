"""Interop: `rrm detect` against coordination-network-toolkit 1.5.2 (CNT), edge for edge.

CNT runs in-process on the same CSV. Its documented quirks are neutralised as the issue
says: its `''` URL rows are deleted before computing (an empty urls field means "no URL"
in rrm), and texts that normalise to nothing are given unique placeholders so that they
never match in co_tweet (rrm's deliberate difference).
"""

import contextlib
import csv
import io
import json
import random
import re
import sqlite3
import subprocess
import sys

import pytest

from coordination_network_toolkit import compute_networks as cnt
from coordination_network_toolkit.graph import get_edge_rows
from coordination_network_toolkit.preprocess import preprocess_csv_files
from coordination_network_toolkit.similarity import MinDocSizeSimilarity, message_preprocessor

NETWORKS = ["co_retweet", "co_reply", "co_link", "co_tweet", "co_similar_tweet", "co_post"]
HEADER = ["message_id", "user_id", "username", "repost_id", "reply_id", "message", "timestamp", "urls"]
SIMILARITY = 0.8


def cnt_load(csv_path, db_path):
    """Loads a CNT CSV into a CNT database and applies the documented neutralisations."""
    with contextlib.redirect_stdout(io.StringIO()):
        preprocess_csv_files(str(db_path), [str(csv_path)])
    con = sqlite3.connect(db_path)
    con.execute("delete from message_url where url = ''")
    empty = [
        (mid,)
        for mid, msg in con.execute("select message_id, message from edge where repost_id is null")
        if message_preprocessor(msg) == ""
    ]
    con.executemany(
        "update edge set transformed_message = char(0) || 'empty:' || message_id, "
        "transformed_message_length = -1, transformed_message_hash = -1 where message_id = ?",
        empty,
    )
    con.commit()
    con.close()
    return db_path


def cnt_edges(db_path, network, window, min_weight, similarity=SIMILARITY):
    """Computes one network with CNT and returns {(source, target): weight}."""
    db = str(db_path)
    with contextlib.redirect_stdout(io.StringIO()):
        if network == "co_retweet":
            cnt.compute_co_retweet_parallel(db, window, n_threads=2, min_edge_weight=min_weight)
        elif network == "co_reply":
            cnt.compute_co_reply_network(db, window, min_edge_weight=min_weight, n_threads=2)
        elif network == "co_link":
            cnt.compute_co_link_network(db, window, n_threads=2, min_edge_weight=min_weight)
        elif network == "co_tweet":
            cnt.compute_co_tweet_network(db, window, min_edge_weight=min_weight, n_threads=2)
        elif network == "co_similar_tweet":
            cnt.compute_co_similar_tweet(
                db, window, n_threads=2, similarity_threshold=similarity, min_edge_weight=min_weight,
                similarity_function=MinDocSizeSimilarity(1),
            )
        elif network == "co_post":
            cnt.compute_co_post_network(db, window, n_threads=2, min_edge_weight=min_weight)
    return {(str(a), str(b)): int(w) for a, b, w, _ in get_edge_rows(db, network)}


def rrm_detect(rrm_bin, inputs, out, networks, window, min_weight, *extra, check=True):
    args = [str(rrm_bin), "detect", *map(str, inputs), "--networks", ",".join(networks),
            "--window", str(window), "--min-weight", str(min_weight), "--out", str(out), *extra]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def read_edges(path):
    with open(path, newline="") as f:
        return {(r["source"], r["target"]): int(r["weight"]) for r in csv.DictReader(f)}


def diff(ours, theirs):
    only_ours = sorted(set(ours.items()) - set(theirs.items()))[:5]
    only_cnt = sorted(set(theirs.items()) - set(ours.items()))[:5]
    return f"rrm-only {only_ours} cnt-only {only_cnt}"


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


# --- generated sets of at least 100,000 posts -------------------------------------------
#
# "dense" is gen_posts.py's default 14 days (about 7,600 posts an hour). CNT's co_post and
# co_similar_tweet are quadratic in the posts per window and take over ten minutes there at
# 3,600 s, so those two are compared at 3,600 s on "sparse", the same generator spread over
# 365 days; every other (network, window) combination runs on "dense".

FAST = ["co_retweet", "co_reply", "co_link", "co_tweet"]


def _generate(tmp_path_factory, shared_dir, name, days):
    d = tmp_path_factory.mktemp(f"coord_{name}")
    subprocess.run(
        [sys.executable, str(shared_dir / "tools" / "gen_posts.py"), str(d / "posts"), "100000", "5000", "20", "7",
         str(days)],
        check=True, capture_output=True, timeout=900,
    )
    with open(d / "posts.csv") as f:
        assert sum(1 for _ in f) > 100_000
    return d


@pytest.fixture(scope="module")
def generated(tmp_path_factory, shared_dir):
    return _generate(tmp_path_factory, shared_dir, "dense", 14)


@pytest.fixture(scope="module")
def generated_db(generated):
    return cnt_load(generated / "posts.csv", generated / "cnt.db")


@pytest.fixture(scope="module")
def sparse(tmp_path_factory, shared_dir):
    d = _generate(tmp_path_factory, shared_dir, "sparse", 365)
    cnt_load(d / "posts.csv", d / "cnt.db")
    return d


def _compare_generated(rrm_bin, d, db, networks, window):
    out = d / f"rrm_{window}"
    rrm_detect(rrm_bin, [d / "posts.csv"], out, networks, window, 2, "--similarity", str(SIMILARITY))
    for network in networks:
        ours = read_edges(out / f"{network}.csv")
        theirs = cnt_edges(db, network, window, 2)
        assert theirs, f"CNT found no {network} edges at window {window}"
        assert ours == theirs, f"{network} window {window}: {diff(ours, theirs)}"


@pytest.mark.parametrize("window", [10, 60])
def test_generated_set_equals_cnt(rrm_bin, generated, generated_db, window):
    _compare_generated(rrm_bin, generated, generated_db, NETWORKS, window)


def test_generated_set_equals_cnt_window_3600(rrm_bin, generated, generated_db):
    _compare_generated(rrm_bin, generated, generated_db, FAST, 3600)


def test_sparse_generated_set_equals_cnt_window_3600(rrm_bin, sparse):
    _compare_generated(rrm_bin, sparse, sparse / "cnt.db", NETWORKS, 3600)


def test_planted_campaigns_are_recovered(rrm_bin, generated, shared_dir):
    out = generated / "rrm_recovery"
    fast = ["co_retweet", "co_reply", "co_link", "co_tweet", "co_similar_tweet"]
    rrm_detect(rrm_bin, [generated / "posts.csv"], out, fast, 60, 3)
    union = out / "union.csv"
    with open(union, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["source", "target", "weight"])
        for network in fast:
            for (a, b), weight in read_edges(out / f"{network}.csv").items():
                w.writerow([a, b, weight])
    score = subprocess.run(
        [sys.executable, str(shared_dir / "tools" / "score_coordination.py"), str(union),
         str(generated / "posts_truth.csv"), "3"],
        check=True, capture_output=True, text=True,
    ).stdout
    m = re.search(r"w>=3 accounts=\d+ P=([\d.]+) R=([\d.]+)", score)
    assert m, score
    precision, recall = float(m.group(1)), float(m.group(2))
    assert precision >= 0.85 and recall >= 0.95, score
    groups = json.loads((out / "groups.json").read_text())
    assert groups["groups"], "no groups found"
    assert all(g["size"] >= 2 and g["networks"] for g in groups["groups"])


def test_output_is_byte_identical_across_runs(rrm_bin, generated, tmp_path):
    outs = []
    for run in range(2):
        out = tmp_path / f"run{run}"
        rrm_detect(rrm_bin, [generated / "posts.csv"], out, NETWORKS, 60, 2)
        outs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outs[0] == outs[1]
    assert set(outs[0]) == {f"{n}.csv" for n in NETWORKS} | {"groups.json", "network.graphml"}
    # RFC 4180, the one CSV dialect: every record ends in CRLF.
    for name, data in outs[0].items():
        if name.endswith(".csv"):
            assert data.endswith(b"\r\n") and data.count(b"\n") == data.count(b"\r\n"), name
    header = outs[0]["co_retweet.csv"].split(b"\r\n", 1)[0]
    assert header == b"source,target,weight,edge_type"
    rows = outs[0]["co_retweet.csv"].decode().splitlines()[1:]
    keys = [tuple(r.split(",")[:2]) for r in rows]
    assert keys == sorted(keys)


# --- hand-made edge cases ----------------------------------------------------------------

EDGE_ROWS = [
    # Same repost at the window's edges (0, 10, 11, 60, 3600 s apart) and a self-repost.
    ["r1", "a", "", "orig", "", "RT orig", "1000", ""],
    ["r2", "b", "", "orig", "", "RT orig", "1010", ""],
    ["r3", "c", "", "orig", "", "RT orig", "1011", ""],
    ["r4", "d", "", "orig", "", "RT orig", "1060", ""],
    ["r5", "e", "", "orig", "", "RT orig", "4600", ""],
    ["r6", "a", "", "orig", "", "RT orig", "1001", ""],
    ["r7", "b", "", "orig", "", "RT orig", "1000.5", ""],
    # Replies, including a repost that also carries a reply id (not a co_reply).
    ["q1", "a", "", "", "t1", "@t ok", "2000", ""],
    ["q2", "b", "", "", "t1", "@t ok!", "2005", ""],
    ["q3", "c", "", "orig2", "t1", "RT", "2005", ""],
    ["q4", "d", "", "", "t1", "", "2070", ""],
    # URLs: repeats in one post, double spaces (an empty URL in CNT), reposted URLs ignored.
    ["l1", "a", "", "", "", "see", "3000", "http://x http://x  http://y"],
    ["l2", "b", "", "", "", "see", "3001", "http://y"],
    ["l3", "c", "", "r9", "", "see", "3002", "http://x"],
    ["l4", "d", "", "", "", "see", "3003", ""],
    ["l5", "e", "", "", "", "also", "3004", "http://x http://y"],
    # Texts equal only after CNT's normalisation; mention-only and empty texts never match.
    ["t1", "a", "", "", "", "Hello   World @bob", "5000", ""],
    ["t2", "b", "", "", "", "hello world", "5001", ""],
    ["t3", "c", "", "", "", "@alice hello\tworld", "5002", ""],
    ["t4", "d", "", "", "", "@only", "5003", ""],
    ["t5", "e", "", "", "", "@other", "5004", ""],
    ["t6", "a", "", "", "", "", "5005", ""],
    ["t7", "b", "", "", "", "", "5006", ""],
    ["t8", "c", "", "", "", "ΣΑΣ x@y.z Don't", "5007", ""],
    ["t9", "d", "", "", "", "σας don't", "5008", ""],
    # Near-duplicates around the 0.8 threshold (4/5 shared tokens), punctuation as tokens.
    ["s1", "a", "", "", "", "one two three four five", "6000", ""],
    ["s2", "b", "", "", "", "one two three four six", "6002", ""],
    ["s3", "c", "", "", "", "one two three four five!", "6004", ""],
    ["s4", "d", "", "", "", "One, two; three: four five.", "6006", ""],
    ["s5", "e", "", "", "", "'one' two three four five 日本語 😀👍🏽", "6008", ""],
]


@pytest.mark.parametrize("window", [10, 60, 3600])
def test_edge_cases_equal_cnt(rrm_bin, tmp_path, window):
    src = write_csv(tmp_path / "edge.csv", EDGE_ROWS)
    db = cnt_load(src, tmp_path / "edge.db")
    out = tmp_path / "out"
    rrm_detect(rrm_bin, [src], out, NETWORKS, window, 1)
    for network in NETWORKS:
        ours = read_edges(out / f"{network}.csv")
        theirs = cnt_edges(db, network, window, 1)
        assert ours == theirs, f"{network} window {window}: {diff(ours, theirs)}"


PIECES = ["Hello", "hello", "HELLO", "world", "@user", "x@y.com", "don't", "'quoted'", "U.S.A.", "3.14",
          "e-mail", "#tag", "!!", "...", "ça", "ΣΑΣ", "日本語", "テキスト", "😀", "👍🏽", "🇫🇷🇩🇪", "a_b",
          "http://a.b/c?d=e", "ab:cd", "1,000", "\u00a0", "\u3000", "\u2007", "\x1c", "'", "—", "naïve"]


def test_tokenisation_and_normalisation_fuzz_equal_cnt(rrm_bin, tmp_path):
    rng = random.Random(3)
    rows = []
    for i in range(400):
        parts = [rng.choice(PIECES) for _ in range(rng.randint(1, 6))]
        text = "".join(p + rng.choice([" ", " ", "", "\t", "  "]) for p in parts)
        rows.append([f"f{i}", f"user{i % 97}", "", "", "", text, str(rng.randint(0, 20)), ""])
    src = write_csv(tmp_path / "fuzz.csv", rows)
    db = cnt_load(src, tmp_path / "fuzz.db")
    for threshold in (0.5, 0.8, 1.0):
        out = tmp_path / f"out{threshold}"
        rrm_detect(rrm_bin, [src], out, ["co_tweet", "co_similar_tweet"], 60, 1, "--similarity", str(threshold))
        for network in ["co_tweet", "co_similar_tweet"]:
            ours = read_edges(out / f"{network}.csv")
            theirs = cnt_edges(db, network, 60, 1, similarity=threshold)
            assert theirs
            assert ours == theirs, f"{network} threshold {threshold}: {diff(ours, theirs)}"


def test_archive_and_ndjson_inputs_give_the_same_edges(rrm_bin, tmp_path):
    src = write_csv(tmp_path / "edge.csv", EDGE_ROWS)
    archive = tmp_path / "io_archive.csv"
    with open(archive, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["tweetid", "userid", "user_screen_name", "tweet_text", "tweet_time", "is_retweet",
                    "retweet_tweetid", "in_reply_to_tweetid", "urls", "hashtags"])
        for mid, user, _, repost, reply, text, ts, urls in EDGE_ROWS:
            secs = float(ts)
            stamp = f"1970-01-01 {int(secs // 3600):02d}:{int(secs % 3600 // 60):02d}:{secs % 60:06.3f}"
            w.writerow([mid, user, user, text, stamp, "true" if repost else "false", repost, reply,
                        repr([u for u in urls.split(" ") if u]), "[]"])
    ndjson = tmp_path / "posts.ndjson"
    with open(ndjson, "w") as f:
        for mid, user, name, repost, reply, text, ts, urls in EDGE_ROWS:
            f.write(json.dumps({"message_id": mid, "user_id": user, "username": name, "repost_id": repost,
                                "reply_id": reply, "message": text, "timestamp": float(ts),
                                "urls": [u for u in urls.split(" ") if u]}) + "\n")
    results = []
    for name, path in [("csv", src), ("archive", archive), ("ndjson", ndjson)]:
        out = tmp_path / name
        rrm_detect(rrm_bin, [path], out, NETWORKS, 60, 1)
        results.append({n: read_edges(out / f"{n}.csv") for n in NETWORKS})
    assert results[0]["co_retweet"]
    assert results[0] == results[1] == results[2]


def test_window_auto_and_duplicates_are_reported(rrm_bin, tmp_path):
    rows = list(EDGE_ROWS) + [["r1", "z", "", "orig", "", "duplicate id", "1000", ""]]
    src = write_csv(tmp_path / "dup.csv", rows)
    proc = rrm_detect(rrm_bin, [src], tmp_path / "out", ["co_retweet", "co_link"], "auto", 1)
    assert "1 duplicate ids" in proc.stdout, proc.stdout
    assert re.search(r"window \d+(\.\d+)? s \(auto", proc.stdout), proc.stdout
    assert "z" not in {a for a, _ in read_edges(tmp_path / "out" / "co_retweet.csv")}


# --- bad input ---------------------------------------------------------------------------

BAD_CASES = {
    "missing_columns": ("message_id,user_id,username\nm1,u1,x\n", "missing columns", 1),
    "bad_timestamp": (",".join(HEADER) + "\nm1,u1,,,,ok,1,\nm2,u2,,,,bad,noon,\nm3,u3,,,,ok,3,\n", "timestamp", 3),
    "broken_quoting": (",".join(HEADER) + "\nm1,u1,,,,ok,1,\nm2,u2,,,,\"open,2,\nm3,u3,,,,ok,3,\n", "quote", 3),
    "empty_file": ("", "empty", 0),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_gives_clear_error(rrm_bin, tmp_path, case):
    body, needle, line = BAD_CASES[case]
    path = tmp_path / f"{case}.csv"
    path.write_text(body)
    proc = rrm_detect(rrm_bin, [path], tmp_path / "out", ["co_retweet"], 60, 1, check=False)
    assert proc.returncode != 0
    assert needle in proc.stderr, proc.stderr
    location = f"{path}:{line}:" if line else str(path)
    assert location in proc.stderr, proc.stderr


@pytest.mark.parametrize("case", ["bad_timestamp", "broken_quoting"])
def test_skip_invalid_counts(rrm_bin, tmp_path, case):
    body, _, line = BAD_CASES[case]
    path = tmp_path / f"{case}.csv"
    path.write_text(body)
    proc = rrm_detect(rrm_bin, [path], tmp_path / "out", ["co_retweet"], 60, 1, "--skip-invalid")
    assert "1 skipped" in proc.stdout, proc.stdout
    assert f"{path}:{line}:" in proc.stdout, proc.stdout


def test_zero_byte_message_is_counted_and_never_matches(rrm_bin, tmp_path):
    path = write_csv(tmp_path / "empty_text.csv", [["m1", "u1", "", "", "", "", "1", ""],
                                                   ["m2", "u2", "", "", "", "", "2", ""]])
    proc = rrm_detect(rrm_bin, [path], tmp_path / "out", ["co_tweet", "co_similar_tweet"], 60, 1)
    assert "2 empty texts" in proc.stdout, proc.stdout
    assert read_edges(tmp_path / "out" / "co_tweet.csv") == {}
    assert read_edges(tmp_path / "out" / "co_similar_tweet.csv") == {}


def test_bad_arguments_are_rejected(rrm_bin, tmp_path):
    src = write_csv(tmp_path / "edge.csv", EDGE_ROWS)
    for extra, needle in [(["--networks", "co_nothing"], "unknown network"),
                          (["--window=-5"], "window"),
                          (["--similarity", "1.5"], "similarity")]:
        args = [str(rrm_bin), "detect", str(src), "--out", str(tmp_path / "o"), *extra]
        proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
        assert proc.returncode != 0 and needle in proc.stderr, (extra, proc.stderr)
