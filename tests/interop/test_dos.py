"""Denial of service through the real binary: half-open connections (slowloris) and slow readers
of the public election export. The attackers use other loopback addresses (127.0.0.2, ...) than
the checking client (127.0.0.1), so per-address limits can be told apart from the server being
down."""

import json
import pathlib
import random
import re
import resource
import selectors
import socket
import sqlite3
import ssl
import subprocess
import sys
import time

import pytest
import requests

from conftest import REPO

ATTACKER = "127.0.0.2"


def raise_own_nofile(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < need:
        pytest.skip(f"this test needs {need} open files")


def start(h, *extra, nofile=None, env=None):
    """Starts `rrm serve` like Hub.start, optionally with a lowered soft open-file limit."""

    def lower():
        if nofile:
            hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, hard))

    log = open(h.data / "server.log", "w")
    h.proc = subprocess.Popen(
        [str(h.bin), "--data", str(h.data), "serve", "--listen", "127.0.0.1:0", *extra],
        stdout=subprocess.PIPE, stderr=log, text=True, preexec_fn=lower, env=env,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        line = h.proc.stdout.readline()
        if not line:
            if h.proc.poll() is not None:
                raise AssertionError(f"rrm serve exited: {(h.data / 'server.log').read_text()}")
            continue
        m = re.search(r"listening on (https?://\S+)", line)
        if m:
            h.url = m.group(1).rstrip("/")
            return h
    raise AssertionError("rrm serve did not report its address within 30 s")


def port(h):
    return int(h.url.rsplit(":", 1)[1])


def open_half(h, n, source=ATTACKER, payload=b"GET /healthz HTTP/1.1\r\nHost: x\r\n", rcvbuf=None):
    """Opens `n` connections from `source` that send `payload` and then nothing."""
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        s.bind((source, 0))
        s.settimeout(5)
        try:
            s.connect(("127.0.0.1", port(h)))
            if payload:
                s.sendall(payload)
        except OSError:
            pass
        socks.append(s)
    return socks


def wait_closed(socks, within, since=None):
    """Seconds (from `since`, default now) until each socket reads end-of-file or a reset
    (None if still open after `within`)."""
    sel = selectors.DefaultSelector()
    started = since or time.time()
    closed = {}
    for i, s in enumerate(socks):
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, i)
    while len(closed) < len(socks) and time.time() - started < within:
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                closed[key.data] = time.time() - started
                sel.unregister(s)
    sel.close()
    return [closed.get(i) for i in range(len(socks))]


def close_all(socks):
    for s in socks:
        s.close()


def healthz_answers(h, within=5.0):
    started = time.time()
    r = requests.get(f"{h.url}/healthz", timeout=within)
    return r.status_code == 200 and time.time() - started < within


def test_slowloris_with_default_limits_leaves_the_server_up(new_hub):
    # 1,100 half-open connections from one client, with the server's soft open-file limit
    # lowered to 1,024 as on many hosts: the server raises it, caps the client at 64
    # connections and still answers everyone else at once.
    raise_own_nofile(1400)
    h = start(new_hub(), nofile=1024)
    socks = open_half(h, 1100)
    try:
        assert healthz_answers(h, within=5.0)
        log = (h.data / "server.log").read_text()
        assert "Too many open files" not in log
    finally:
        close_all(socks)
    assert healthz_answers(h)


def test_half_open_connections_are_closed_after_the_header_timeout(new_hub):
    raise_own_nofile(1400)
    h = start(new_hub(), "--header-timeout", "4")
    began = time.time()
    socks = open_half(h, 1100)
    opened = time.time() - began
    try:
        # Over the per-client cap, connections are closed at once.
        early = wait_closed(socks, within=0.5)
        assert healthz_answers(h, within=5.0)
        # The 64 held ones are closed by the 4-second header timeout.
        held = [s for s, t in zip(socks, early) if t is None]
        late = wait_closed(held, within=12)
    finally:
        close_all(socks)
    assert all(t is not None for t in late), f"{late.count(None)} connections still open after 12 s"
    if opened < 3:
        assert 1 <= len(held) <= 64, len(held)


def test_a_client_that_sends_nothing_is_closed_after_the_header_timeout(new_hub):
    h = start(new_hub(), "--header-timeout", "2", "--idle-timeout", "30")
    socks = open_half(h, 5, payload=b"")
    try:
        closed = wait_closed(socks, within=10)
    finally:
        close_all(socks)
    assert all(t is not None and 1.5 <= t < 6 for t in closed), closed


def test_idle_keep_alive_connections_are_closed_after_the_idle_timeout(new_hub):
    h = start(new_hub(), "--header-timeout", "20", "--idle-timeout", "2")
    s = socket.create_connection(("127.0.0.1", port(h)))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    s.settimeout(5)
    first = s.recv(65536)
    assert first.startswith(b"HTTP/1.1 200"), first
    started = time.time()
    s.settimeout(10)
    try:
        while s.recv(65536):
            pass
    except ConnectionResetError:
        pass
    elapsed = time.time() - started
    s.close()
    assert 1.5 <= elapsed < 6, elapsed


def test_a_request_body_that_stalls_is_cut_after_the_idle_timeout(new_hub):
    import base64

    h = new_hub()
    h.org("plat", sector="platform")
    h.user("plat", "pat")
    start(h, "--idle-timeout", "2")
    auth = base64.b64encode(b"pat:correct horse battery").decode()
    s = socket.create_connection(("127.0.0.1", port(h)))
    s.sendall(
        f"POST /api/v1/ads HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\n"
        "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"submission\": ".encode()
    )
    started = time.time()
    s.settimeout(15)
    got = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    elapsed = time.time() - started
    s.close()
    assert elapsed < 8, f"the stalled request was held {elapsed:.1f} s"
    assert got.startswith(b"HTTP/1.1 400"), got[:200]


def test_the_total_connection_cap_closes_the_excess_at_once(new_hub):
    h = start(new_hub(), "--max-connections", "20", "--max-connections-per-ip", "0", "--header-timeout", "5")
    socks = open_half(h, 40)
    try:
        closed = wait_closed(socks, within=2.0)
    finally:
        close_all(socks)
    assert sum(t is not None for t in closed) >= 20, closed
    # Once they are gone the server serves again.
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            if healthz_answers(h, within=2):
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise AssertionError("the server did not recover after the connections closed")


@pytest.mark.skipif(subprocess.run(["which", "openssl"], capture_output=True).returncode != 0,
                    reason="openssl is needed to make a test certificate")
def test_tls_handshakes_that_never_start_are_closed(new_hub, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    h = start(new_hub(), "--tls-cert", str(cert), "--tls-key", str(key), "--header-timeout", "2")
    socks = open_half(h, 100, payload=b"")
    try:
        ctx = ssl.create_default_context(cafile=str(cert))
        with socket.create_connection(("127.0.0.1", port(h)), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                assert tls.recv(65536).startswith(b"HTTP/1.1 200")
        closed = wait_closed(socks, within=10)
    finally:
        close_all(socks)
    assert all(t is not None and t < 8 for t in closed), closed


# Slow readers of the public election export.

ADS = 8000


@pytest.fixture(scope="module")
def registry_data(rrm_bin, tmp_path_factory):
    """A data directory with an election and ADS published ads (JSON Lines export ~11 MB)."""
    sys.path.insert(0, str(REPO / "bench"))
    import registry as bench

    data = tmp_path_factory.mktemp("registry")

    def rrm(*args, stdin=None):
        subprocess.run([str(rrm_bin), "--data", str(data), *args], input=stdin, check=True,
                       capture_output=True, text=True)

    rrm("admin", "org", "add", "plat", "--name", "Example Social", "--sector", "platform", "--country", "CA")
    rrm("admin", "org", "add", "ec", "--name", "Elections", "--sector", "election-authority", "--country", "CA")
    rrm("admin", "user", "add", "plat", "pat", "--role", "analyst")
    rrm("admin", "user", "add", "ec", "eve", "--role", "analyst")
    el = data / "election.json"
    el.write_text(json.dumps(bench.sample()["elections"][0]))
    rrm("ads", "election", str(el), "--as", "eve")
    lines = "\n".join(bench.records(ADS, random.Random(3))) + "\n"
    rrm("ads", "import", "-", "--as", "pat", "--batch", "5000", stdin=lines)
    return data


def stuck_export(h, source, path="/public/elections/ca-2029/ads.jsonl"):
    """Requests an export from `source` with a tiny receive buffer, reads the status line and
    then stops reading. Returns the socket and the status code."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.bind((source, 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", port(h)))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    head = s.recv(1024)
    m = re.match(rb"HTTP/1.1 (\d{3})", head)
    assert m, head
    return s, int(m.group(1)), head


def test_slow_export_readers_are_bounded_dropped_and_hold_no_read(new_hub, registry_data, monkeypatch, tmp_path):
    import os
    import shutil

    data = tmp_path / "hub"
    shutil.copytree(registry_data, data)
    h = new_hub()
    h.data = data
    env = dict(os.environ, RRM_PUBLIC_RATE="0")
    start(h, "--max-exports", "8", "--max-exports-per-ip", "4", "--write-timeout", "4", env=env)
    full = requests.get(f"{h.url}/public/elections/ca-2029/ads.jsonl", timeout=60).content
    assert full.count(b"\n") == ADS and len(full) > 8_000_000

    # 4 addresses x 16 readers: 4 per address up to 8 in all are served, the rest get 429.
    readers = []
    for source in ("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"):
        for _ in range(16):
            readers.append(stuck_export(h, source))
    served = [r for r in readers if r[1] == 200]
    refused = [r for r in readers if r[1] != 200]
    try:
        assert len(served) == 8, [r[1] for r in readers]
        assert all(r[1] == 429 for r in refused)
        for _, _, head in refused:
            assert re.search(rb"(?i)retry-after: \d+", head), head
            assert b'"too_many_exports"' in head or b"too_many_exports" in head, head
        # Everything else still answers at once, from another address.
        started = time.time()
        assert requests.get(f"{h.url}/healthz", timeout=3).status_code == 200
        r = requests.get(f"{h.url}/public/ads", params={"election": "ca-2029", "limit": 5}, timeout=3)
        assert r.status_code == 200 and len(r.json()["ads"]) == 5
        assert time.time() - started < 3
        r = requests.get(f"{h.url}/public/elections/ca-2029/ads.csv", timeout=3)
        assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_exports"
        assert int(r.headers["Retry-After"]) > 0

        # While they are stuck, writes go on and a checkpoint copies every frame back: no
        # stuck reader pins an old snapshot of the database.
        sub = bench_record(ADS + 1)
        subprocess.run([str(h.bin), "--data", str(data), "ads", "import", "-", "--as", "pat"],
                       input=sub + "\n", check=True, capture_output=True, text=True)
        db = sqlite3.connect(str(data / "rrm.db"), timeout=10)
        busy, log, done = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        db.close()
        assert log == done, f"checkpoint stopped at frame {done} of {log}: a reader holds a snapshot"

        # After the write timeout the stuck readers are dropped: their slots free up and
        # what they received ends short of the export.
        time.sleep(6)
        r = requests.get(f"{h.url}/public/elections/ca-2029/ads.jsonl", timeout=60)
        assert r.status_code == 200 and r.content.count(b"\n") == ADS + 1
        s = served[0][0]
        got = b""
        s.settimeout(5)
        try:
            while True:
                chunk = s.recv(1 << 20)
                if not chunk:
                    break
                got += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        # Fewer bytes than the body alone, chunk framing aside: the response was cut.
        assert len(got) < len(full), len(got)
    finally:
        for s, _, _ in readers:
            s.close()


def h2_stuck_export(h, source, path="/public/elections/ca-2029/ads.jsonl"):
    """Requests an export over HTTP/2 (prior knowledge, cleartext) from `source` with the
    default 65,535-byte flow-control windows and never grants more (no WINDOW_UPDATE): the
    server can send 64 KiB and then must wait, with its socket idle rather than blocked.
    Returns the socket and the status code."""
    import h2.config
    import h2.connection
    import h2.events

    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", port(h)))
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    stream = conn.get_next_available_stream_id()
    conn.send_headers(stream, [(":method", "GET"), (":path", path), (":scheme", "http"),
                               (":authority", "127.0.0.1")], end_stream=True)
    s.sendall(conn.data_to_send())
    status = None
    while status is None:
        data = s.recv(65536)
        assert data, "the server closed the HTTP/2 connection before answering"
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived):
                status = int(dict(event.headers)[b":status"])
        # Settings acknowledgements only: received data is never acknowledged, so the
        # windows are never reopened.
        s.sendall(conn.data_to_send())
    return s, status


def test_http2_readers_that_grant_no_window_are_dropped_after_the_write_timeout(new_hub, registry_data, tmp_path):
    """An HTTP/2 client that stops granting flow-control window leaves the server's socket
    writable, so a socket write deadline never fires; the response itself must be cut."""
    import os
    import shutil

    data = tmp_path / "hub"
    shutil.copytree(registry_data, data)
    h = new_hub()
    h.data = data
    env = dict(os.environ, RRM_PUBLIC_RATE="0")
    start(h, "--max-exports", "8", "--max-exports-per-ip", "4", "--write-timeout", "3", env=env)
    stuck = [h2_stuck_export(h, ATTACKER) for _ in range(4)]
    try:
        assert [status for _, status in stuck] == [200] * 4
        # The four hold this address's export slots.
        _, status = h2_stuck_export(h, ATTACKER)
        assert status == 429
        started = time.time()
        closed = wait_closed([s for s, _ in stuck], within=15, since=started)
        assert all(c is not None for c in closed), f"still open after 15 s: {closed}"
        assert max(closed) < 12, closed
        # Their slots are free again: the same address gets a whole export.
        s, status = h2_stuck_export(h, ATTACKER)
        s.close()
        assert status == 200
    finally:
        for s, _ in stuck:
            s.close()


def bench_record(i):
    """One more ad record like the imported ones, with a new ad id."""
    sys.path.insert(0, str(REPO / "bench"))
    import registry as bench

    rec = json.loads(next(bench.records(1, random.Random(5))))
    rec["submission"]["ad"]["id"] = f"ad-extra-{i}"
    return json.dumps(rec)
