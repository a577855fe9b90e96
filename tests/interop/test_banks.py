"""Hash banks through the real binary: REST hashing and matching, bulk import and export, bad
input, and the published indicators pulled with taxii2-client and checked by stix2-validator."""

import csv
import hashlib
import io

import pytest
import requests
from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import Server

PASSWORD = "correct horse battery"
BRIDGE_PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


@pytest.fixture
def world(new_hub):
    h = new_hub()
    h.org("owner")
    h.org("partner", sector="platform")
    h.org("outsider")
    h.user("owner", "olga")
    h.user("partner", "pia")
    h.user("outsider", "otto")
    h.cid = h.collection("hashes", "Hash bank publication")
    h.grant("owner", "hashes", write=True)
    h.grant("partner", "hashes")
    h.start()
    return h


def call(h, method, path, user, **kw):
    return requests.request(method, f"{h.url}{path}", auth=(user, PASSWORD), timeout=120, **kw)


def image(shared_dir, name):
    return (shared_dir / "data" / "pdq" / "images" / name).read_bytes()


def entry_values(h):
    r = call(h, "GET", "/api/v1/banks/tvec/entries?format=csv", "olga")
    assert r.status_code == 200, r.text
    return sorted(row["value"] for row in csv.DictReader(io.StringIO(r.text)))


def test_banks_end_to_end(world, shared_dir):
    h = world
    jpeg = image(shared_dir, "bridge-1-original.jpg")
    r = call(h, "POST", "/api/v1/banks", "olga",
             json={"name": "tvec", "collection": "hashes", "tlp": "green", "description": "TVEC hashes"})
    assert r.status_code == 201, r.text

    # Hashing: PDQ as Meta's vectors give it, MD5 and SHA-256 as Python's hashlib.
    r = call(h, "POST", "/api/v1/hash", "pia", data=jpeg, headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 200, r.text
    hashes = r.json()
    assert hashes["pdq"] == BRIDGE_PDQ and hashes["quality"] == 100
    assert hashes["md5"] == hashlib.md5(jpeg).hexdigest()
    assert hashes["sha256"] == hashlib.sha256(jpeg).hexdigest()
    r = call(h, "POST", "/api/v1/hash", "pia", files={"file": ("b.jpg", jpeg, "image/jpeg")})
    assert r.json() == hashes, "multipart upload from requests gives the same hashes"

    # Entries: JSON and CSV bulk.
    r = call(h, "POST", "/api/v1/banks/tvec/entries", "olga",
             json={"entries": [{"signal_type": "pdq", "value": BRIDGE_PDQ, "content_type": "image",
                                "producing_entity": "Example Front", "behaviour": "glorification"}]})
    assert r.status_code == 201, r.text
    pdq_id = r.json()["entries"][0]["id"]
    body = "signal_type,value,behaviour\nmd5,%s,\"recruit, incite\"\nsha256,%s,\n" % (
        hashes["md5"], "ab" * 32)
    r = call(h, "POST", "/api/v1/banks/tvec/entries", "olga", data=body,
             headers={"Content-Type": "text/csv"})
    assert r.status_code == 201, r.text
    before = entry_values(h)
    assert len(before) == 3

    # Bad input: a clear 4xx, never 500, and nothing stored.
    bad = [
        ("POST", "/api/v1/hash", dict(data=b"", headers={"Content-Type": "image/jpeg"}), 400),
        ("POST", "/api/v1/hash", dict(data=jpeg[:5000], headers={"Content-Type": "image/jpeg"}), 400),
        ("POST", "/api/v1/match", dict(data=b"\x89PNG\r\n\x1a\nbroken", headers={"Content-Type": "image/png"}), 400),
        ("POST", "/api/v1/match", dict(json={"hashes": ["abc"]}), 400),
        ("POST", "/api/v1/match", dict(json={"hashes": ["z" * 64]}), 400),
        ("POST", "/api/v1/banks/tvec/entries", dict(json=[{"signal_type": "pdq", "value": "12" * 31}]), 400),
        ("POST", "/api/v1/banks/tvec/entries", dict(json=[{"signal_type": "md5", "value": "x" * 32}]), 400),
        ("POST", "/api/v1/banks/tvec/entries",
         dict(data="signal_type,value\npdq,%s\npdq,%s\n" % ("1" * 64, "q" * 64), headers={"Content-Type": "text/csv"}), 400),
        ("POST", "/api/v1/banks/nope/entries", dict(json=[{"signal_type": "md5", "value": "0" * 32}]), 404),
        ("GET", "/api/v1/banks/nope", {}, 404),
        ("POST", "/api/v1/banks/tvec/entries/999/disable", {}, 404),
    ]
    for method, path, kw, status in bad:
        r = call(h, method, path, "olga", **kw)
        assert r.status_code == status, (path, r.status_code, r.text)
        assert r.json()["error"]["message"], r.text
    r = call(h, "POST", "/api/v1/banks/tvec/entries", "olga",
             data="signal_type,value\npdq,%s\npdq,%s\n" % ("1" * 64, "q" * 64), headers={"Content-Type": "text/csv"})
    assert "line 3, column 2" in r.json()["error"]["message"]
    assert entry_values(h) == before

    # Matching an image and hashes; the outsider sees nothing.
    r = call(h, "POST", "/api/v1/match", "pia", data=jpeg, headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 200, r.text
    got = sorted((m["signal_type"], m["distance"]) for m in r.json()["matches"])
    assert got == [("md5", 0), ("pdq", 0)]
    assert call(h, "POST", "/api/v1/match", "otto", data=jpeg,
                headers={"Content-Type": "image/jpeg"}).json()["matches"] == []
    near = "07" + BRIDGE_PDQ[2:]
    r = call(h, "POST", "/api/v1/match", "pia", json={"hashes": [near], "threshold": 8})
    assert [m["distance"] for m in r.json()["results"][0]["matches"]] == [8]
    r = call(h, "POST", "/api/v1/match", "pia", json={"hashes": [near], "threshold": 7})
    assert r.json()["results"][0]["matches"] == []
    assert call(h, "POST", "/api/v1/match", "pia", data=image(shared_dir, "q0003.png"),
                headers={"Content-Type": "image/png"}).status_code == 400

    # Feedback and disable.
    r = call(h, "POST", f"/api/v1/banks/tvec/entries/{pdq_id}/feedback", "pia", json={"kind": "true_positive"})
    assert r.json()["feedback"]["true_positive"] == 1
    r = call(h, "POST", f"/api/v1/banks/tvec/entries/{pdq_id}/disable", "olga")
    assert r.status_code == 200 and r.json()["enabled"] is False
    r = call(h, "POST", "/api/v1/match", "pia", json={"hashes": [BRIDGE_PDQ]})
    assert r.json()["results"][0]["matches"] == []

    # The partner pulls the published indicators over TAXII; each passes stix2-validator.
    server = Server(f"{h.url}/taxii2/", user="pia", password=PASSWORD)
    col = next(c for c in server.api_roots[0].collections if c.id == h.cid)
    objects = col.get_objects(version="all").get("objects", [])
    indicators = [o for o in objects if o["type"] == "indicator"]
    assert len(indicators) == 4, "three entries and the revoked version of the disabled one"
    patterns = {o["pattern"] for o in indicators}
    assert f"[file:hashes.'PDQ' = '{BRIDGE_PDQ}']" in patterns
    assert f"[file:hashes.MD5 = '{hashes['md5']}']" in patterns
    assert f"[file:hashes.'SHA-256' = '{'ab' * 32}']" in patterns
    assert any(o.get("revoked") is True for o in indicators)
    for o in indicators:
        assert "labels" not in o or all(":" in label for label in o["labels"])
        result = validate_instance(o, ValidationOptions())
        assert result.is_valid and not result.errors, [str(e) for e in result.errors]

    # A restarted server rebuilds the index from the store: same answers.
    r1 = call(h, "POST", "/api/v1/match", "pia", data=jpeg, headers={"Content-Type": "image/jpeg"}).json()
    h.stop()
    h.start()
    r2 = call(h, "POST", "/api/v1/match", "pia", data=jpeg, headers={"Content-Type": "image/jpeg"}).json()
    assert r1 == r2
    assert [m["signal_type"] for m in r2["matches"]] == ["md5"]
