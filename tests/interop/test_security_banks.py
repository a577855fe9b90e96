"""Security and robustness of hash banks and detection jobs through the real binary (issue 9):
match amplification, re-marking on a bank's TLP change, per-organisation detection quotas,
cancel and SIGTERM, bounded image decoding and per-organisation bank names."""

import random

import pytest
import requests

PASSWORD = "correct horse battery"


def call(h, method, path, user, **kw):
    kw.setdefault("timeout", 120)
    return requests.request(method, f"{h.url}{path}", auth=(user, PASSWORD), **kw)


def flip_bits(base_hex, bits):
    n = int(base_hex, 16)
    for b in bits:
        n ^= 1 << b
    return "%064x" % n


@pytest.fixture
def world(new_hub):
    h = new_hub()
    h.org("owner")
    h.org("partner", sector="platform")
    h.org("outsider")
    h.user("owner", "olga")
    h.user("partner", "pia")
    h.user("partner", "rudi", role="reader")
    h.user("outsider", "otto")
    h.collection("hashes", "Hash bank publication")
    h.grant("owner", "hashes", write=True)
    h.grant("partner", "hashes")
    h.collection("partner-pub", "Partner publication")
    h.grant("partner", "partner-pub", write=True)
    h.collection("secret", "Owner only")
    h.grant("owner", "secret", write=True)
    h.start()
    return h


def test_match_threshold_and_results_are_capped(world):
    h = world
    assert call(h, "POST", "/api/v1/banks", "olga",
                json={"name": "wide", "collection": "hashes", "tlp": "green"}).status_code == 201
    rng = random.Random(9)
    base = "%064x" % rng.getrandbits(256)
    values = sorted({flip_bits(base, rng.sample(range(256), rng.randint(1, 40))) for _ in range(1000)})
    r = call(h, "POST", "/api/v1/banks/wide/entries", "olga",
             json={"entries": [{"signal_type": "pdq", "value": v} for v in values]})
    assert r.status_code == 201, r.text

    # A reader asking for every entry of the hub: refused, naming the threshold.
    hashes = ["%064x" % rng.getrandbits(256) for _ in range(500)]
    for threshold in (256, 64):
        r = call(h, "POST", "/api/v1/match", "rudi", json={"hashes": hashes, "threshold": threshold})
        assert r.status_code == 400, (threshold, r.status_code, len(r.content))
        assert r.json()["error"]["field"] == "threshold"
    r = call(h, "POST", "/api/v1/match?threshold=100", "rudi",
             data=b"\x89PNG\r\n\x1a\n", headers={"Content-Type": "image/png"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "threshold"

    # At the cap, each hash gets its 100 nearest and the request 10,000 in all.
    r = call(h, "POST", "/api/v1/match", "rudi", json={"hashes": [base] * 120, "threshold": 63})
    assert r.status_code == 200, r.text
    assert len(r.content) < 16 * 1024 * 1024
    body = r.json()
    counts = [len(res["matches"]) for res in body["results"]]
    assert counts[:100] == [100] * 100 and sum(counts) == 10_000, counts
    assert all(res["truncated"] for res in body["results"]) and body["truncated"] is True
    want = sorted(bin(int(base, 16) ^ int(v, 16)).count("1") for v in values)[:100]
    assert [m["distance"] for m in body["results"][0]["matches"]] == want

    # A narrow search is whole and says so.
    r = call(h, "POST", "/api/v1/match", "rudi", json={"hashes": [values[0]], "threshold": 0})
    res = r.json()["results"][0]
    assert [m["value"] for m in res["matches"]] == [values[0]] and res["truncated"] is False
    assert res["matches"][0]["bank"] == "wide" and res["matches"][0]["bank_owner"] == "owner"


def test_bank_names_are_per_organisation(world):
    h = world
    r = call(h, "POST", "/api/v1/banks", "olga", json={"name": "tvec", "collection": "secret"})
    assert r.status_code == 201, r.text
    # Another organisation's invisible bank neither blocks the name nor shows through it.
    r = call(h, "POST", "/api/v1/banks", "pia", json={"name": "tvec", "collection": "partner-pub"})
    assert r.status_code == 201, r.text
    assert r.json()["owner"] == "partner"
    assert call(h, "POST", "/api/v1/banks", "pia", json={"name": "solo", "collection": "partner-pub"}).status_code == 201
    dup = {}
    for name in ("tvec", "solo"):
        r = call(h, "POST", "/api/v1/banks", "pia", json={"name": name, "collection": "partner-pub"})
        assert r.status_code == 409, r.text
        dup[name] = r.json()["error"]["message"].replace(name, "NAME")
    assert dup["tvec"] == dup["solo"]
    assert call(h, "GET", "/api/v1/banks/tvec", "pia").json()["owner"] == "partner"
    assert call(h, "GET", "/api/v1/banks/tvec", "olga").json()["owner"] == "owner"
    assert call(h, "GET", "/api/v1/banks/owner:tvec", "pia").status_code == 404
    assert call(h, "GET", "/api/v1/banks/partner:tvec", "pia").status_code == 200
    # Entries go to the caller's own bank of that name.
    r = call(h, "POST", "/api/v1/banks/tvec/entries", "pia",
             json={"entries": [{"signal_type": "md5", "value": "ab" * 16}]})
    assert r.status_code == 201, r.text
    r = call(h, "GET", "/api/v1/banks/tvec/entries", "olga")
    assert r.json()["entries"] == []


def png_bomb(width=20_000, height=20_000):
    """A PNG of width x height black grey pixels: a few hundred KB that decode to 400 MB."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    comp = zlib.compressobj(9)
    rows = b"\x00" * ((width + 1) * 1000)
    parts = []
    for _ in range(height // 1000):
        parts.append(comp.compress(rows))
    parts.append(comp.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


def vm_hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_image_bombs_are_refused_early_and_memory_stays_bounded(world, shared_dir):
    import concurrent.futures
    import time

    h = world
    bomb = png_bomb()
    assert len(bomb) < 1024 * 1024
    started = time.monotonic()
    r = call(h, "POST", "/api/v1/hash", "pia", data=bomb, headers={"Content-Type": "image/png"})
    assert r.status_code == 400, (r.status_code, r.text)
    assert r.json()["error"]["field"] == "image" and "too large" in r.json()["error"]["message"]
    assert time.monotonic() - started < 5

    def upload(i):
        path = "/api/v1/hash" if i % 2 else "/api/v1/match"
        return call(h, "POST", path, "pia", data=bomb, headers={"Content-Type": "image/png"}).status_code

    with concurrent.futures.ThreadPoolExecutor(40) as pool:
        codes = list(pool.map(upload, range(40)))
    assert set(codes) <= {400, 503}, codes
    hwm_mb = vm_hwm_kb(h.proc.pid) / 1024
    print(f"server VmHWM after 40 bombs: {hwm_mb:.0f} MB")
    assert hwm_mb < 400, f"the server's peak memory reached {hwm_mb:.0f} MB"
    # A real image still hashes.
    jpeg = (shared_dir / "data" / "pdq" / "images" / "bridge-1-original.jpg").read_bytes()
    r = call(h, "POST", "/api/v1/hash", "pia", data=jpeg, headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 200 and r.json()["quality"] == 100


HEADER = "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n"


def slow_posts(n):
    """n posts by 300 accounts, one a second: co_post over them with a huge window is slow."""
    return HEADER + "".join(f"m{i},u{i % 300},n{i % 300},,,text {i},{i},\n" for i in range(n))


def upload(h, user, body):
    r = call(h, "POST", "/api/v1/datasets", user, data=body.encode(), headers={"Content-Type": "text/csv"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def wait_status(h, user, job, want, seconds):
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = call(h, "GET", f"/api/v1/detections/{job}", user).json()["status"]
        if status == want:
            return
        time.sleep(0.05)
    raise AssertionError(f"detection {job} is {status}, not {want}, after {seconds} s")


def test_detection_quotas_cancel_and_sigterm(new_hub):
    import time

    h = new_hub()
    h.org("gov")
    h.org("other")
    h.user("gov", "ana")
    h.user("gov", "rita", role="reader")
    h.user("other", "olaf")
    h.start()
    small = HEADER + "m1,a,na,,,hi,1,\nm2,b,nb,,,hi,2,\n"
    theirs = upload(h, "olaf", small)
    # One organisation's many uploads evict only its own datasets.
    mine = [upload(h, "ana", small) for _ in range(17)]
    assert call(h, "GET", f"/api/v1/datasets/{theirs}", "olaf").status_code == 200
    assert call(h, "GET", f"/api/v1/datasets/{mine[-1]}", "ana").status_code == 200
    assert call(h, "GET", f"/api/v1/datasets/{mine[0]}", "ana").status_code == 404

    big = upload(h, "ana", slow_posts(150_000))
    slow = {"dataset": big, "networks": ["co_post"], "window": 1e9, "min_weight": 1}
    start = lambda: call(h, "POST", "/api/v1/detections", "ana", json=slow)
    first = start().json()["id"]
    wait_status(h, "ana", first, "running", 30)
    second = start().json()["id"]
    assert call(h, "GET", f"/api/v1/detections/{second}", "ana").json()["status"] == "queued"
    # Cancel: only by the owning organisation's analysts.
    assert call(h, "POST", f"/api/v1/detections/{first}/cancel", "olaf").status_code == 404
    assert call(h, "POST", f"/api/v1/detections/{first}/cancel", "rita").status_code == 403
    r = call(h, "POST", f"/api/v1/detections/{first}/cancel", "ana")
    assert r.status_code == 200, r.text
    wait_status(h, "ana", first, "cancelled", 5)
    wait_status(h, "ana", second, "running", 10)
    # SIGTERM with a detection running: the process exits within seconds.
    sent = time.monotonic()
    h.proc.terminate()
    h.proc.wait(timeout=30)
    took = time.monotonic() - sent
    print(f"rrm serve exited {took:.2f} s after SIGTERM")
    assert took < 8, f"rrm serve took {took:.1f} s to exit after SIGTERM"
    assert h.proc.returncode == 0


TAXII = "application/taxii+json;version=2.1"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


def indicators(h, user, cid, versions):
    r = requests.get(f"{h.url}/taxii2/hub/collections/{cid}/objects/",
                     params={"match[type]": "indicator", "match[version]": versions},
                     auth=(user, PASSWORD), headers={"Accept": TAXII}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json().get("objects", [])


def test_bank_tlp_change_remarks_indicators_over_taxii(new_hub):
    h = new_hub()
    h.org("owner")
    h.org("partner", sector="platform")
    h.user("owner", "olga")
    h.user("partner", "pia")
    cid = h.collection("hashes", "Hash bank publication")
    h.grant("owner", "hashes", write=True)
    h.grant("partner", "hashes")
    h.start()
    assert call(h, "POST", "/api/v1/banks", "olga",
                json={"name": "tvec", "collection": "hashes", "tlp": "green"}).status_code == 201
    r = call(h, "POST", "/api/v1/banks/tvec/entries", "olga",
             json={"entries": [{"signal_type": "md5", "value": "ab" * 16},
                               {"signal_type": "sha256", "value": "cd" * 32}]})
    assert r.status_code == 201, r.text
    assert len(indicators(h, "pia", cid, "all")) == 2

    # GREEN -> RED: the partner, no longer a recipient, reads no version at all.
    r = call(h, "PATCH", "/api/v1/banks/tvec", "olga", json={"tlp": "red"})
    assert r.status_code == 200, r.text
    assert indicators(h, "pia", cid, "all") == []
    mine = indicators(h, "olga", cid, "all")
    assert len(mine) == 2 and all(o["object_marking_refs"] == [RED] for o in mine)

    # RED -> GREEN: the latest versions are GREEN and newer; the RED ones stay RED-only.
    r = call(h, "PATCH", "/api/v1/banks/tvec", "olga", json={"tlp": "green"})
    assert r.status_code == 200, r.text
    latest = indicators(h, "pia", cid, "last")
    assert len(latest) == 2 and all(o["object_marking_refs"] == [GREEN] for o in latest)
    assert all(o["modified"] > red["modified"] for o in latest for red in mine if red["id"] == o["id"])
    assert len(indicators(h, "pia", cid, "all")) == 2
    assert len(indicators(h, "olga", cid, "all")) == 4


def test_reenabled_entrys_old_indicator_is_remarked_too(new_hub):
    """An entry disabled and enabled again is a new indicator; after a raise to RED the partner
    reads no version of the old, revoked one either (issue 9's leftover)."""
    h = new_hub()
    h.org("owner")
    h.org("partner", sector="platform")
    h.user("owner", "olga")
    h.user("partner", "pia")
    cid = h.collection("hashes", "Hash bank publication")
    h.grant("owner", "hashes", write=True)
    h.grant("partner", "hashes")
    h.start()
    assert call(h, "POST", "/api/v1/banks", "olga",
                json={"name": "tvec", "collection": "hashes", "tlp": "green"}).status_code == 201
    r = call(h, "POST", "/api/v1/banks/tvec/entries", "olga",
             json={"entries": [{"signal_type": "md5", "value": "ef" * 16}]})
    assert r.status_code == 201, r.text
    entry = r.json()["entries"][0]
    for action in ("disable", "enable"):
        r = call(h, "POST", f"/api/v1/banks/tvec/entries/{entry['id']}/{action}", "olga")
        assert r.status_code == 200, r.text
    assert r.json()["stix_id"] != entry["stix_id"]
    seen = indicators(h, "pia", cid, "all")
    assert {o["id"] for o in seen} == {entry["stix_id"], r.json()["stix_id"]}
    assert any(o.get("revoked") for o in seen)

    r = call(h, "PATCH", "/api/v1/banks/tvec", "olga", json={"tlp": "red"})
    assert r.status_code == 200, r.text
    assert indicators(h, "pia", cid, "all") == []
    mine = indicators(h, "olga", cid, "all")
    assert mine and all(o["object_marking_refs"] == [RED] for o in mine), mine
