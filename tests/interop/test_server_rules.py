"""One way to do each job in the server, through the real binary: body fields named by their
path, the multipart part limit, the RFC 4180 CSV dialect, STIX id rules in TAXII filters, and a
corrupt stored row answering 500 `internal` with the cause only in the log."""

import sqlite3
import uuid

import pytest
import requests

PASSWORD = "correct horse battery"
TAXII = "application/taxii+json;version=2.1"


@pytest.fixture
def world(new_hub):
    h = new_hub()
    h.org("owner")
    h.user("owner", "olga")
    h.user("owner", "root", role="operator")
    h.cid = h.collection("shared", "Shared")
    h.grant("owner", "shared", write=True)
    h.start()
    return h


def call(h, method, path, user, **kw):
    return requests.request(method, f"{h.url}{path}", auth=(user, PASSWORD), timeout=120, **kw)


def taxii(h, method, path, **kw):
    headers = {"Accept": TAXII, **kw.pop("headers", {})}
    return call(h, method, f"/taxii2/hub/collections/{h.cid}{path}", "olga", headers=headers, **kw)


def test_a_body_field_of_the_wrong_type_is_named(world):
    h = world
    r = call(h, "POST", "/api/v1/orgs", "root",
             json={"slug": "x-y", "name": 5, "sector": "other", "country": "FR"})
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_input" and err["field"] == "name", err
    assert err["message"].startswith("body.name: invalid type"), err
    r = call(h, "PUT", f"/api/v1/collections/{h.cid}/grants/owner", "root", json={"read": "yes"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "read", r.text


def test_multipart_bodies_have_at_most_32_parts(world):
    h = world
    # 33 parts, the file last: refused before any image is looked at.
    parts = [(f"n{i}", (None, "x")) for i in range(32)] + [("file", ("a.png", b"png?", "image/png"))]
    r = call(h, "POST", "/api/v1/hash", "olga", files=parts)
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["field"] == "image" and "more than 32 parts" in err["message"], err


def test_csv_exports_are_rfc4180_with_crlf(world):
    h = world
    r = call(h, "POST", "/api/v1/banks", "olga",
             json={"name": "b", "collection": "shared", "tlp": "green", "description": ""})
    assert r.status_code == 201, r.text
    r = call(h, "POST", "/api/v1/banks/b/entries", "olga",
             json={"entries": [{"signal_type": "md5", "value": "a" * 32, "behaviour": "say \"hi\", then"}]})
    assert r.status_code == 201, r.text
    r = call(h, "GET", "/api/v1/banks/b/entries?format=csv", "olga")
    assert r.status_code == 200
    assert r.content.count(b"\r\n") == 2 and r.content.endswith(b"\r\n"), r.content
    assert b'"say ""hi"", then"' in r.content


def test_taxii_id_filters_follow_the_stix_id_rules(world):
    h = world
    upper = "indicator--" + str(uuid.uuid4()).upper()
    r = taxii(h, "GET", "/objects/", params={"match[id]": upper})
    assert r.status_code == 400, r.text
    assert r.json()["error_code"] == "bad_filter"
    # Repeated filters and '+' decode as forms do.
    r = taxii(h, "GET", "/objects/?match[type]=indicator&match[type]=malware&next+x=1")
    assert r.status_code == 200, r.text


def test_corrupt_stored_json_is_500_internal_and_logged_with_its_cause(world):
    h = world
    oid = f"indicator--{uuid.uuid4()}"
    obj = {"type": "indicator", "spec_version": "2.1", "id": oid,
           "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
           "pattern": "[file:name = 'x']", "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"}
    r = taxii(h, "POST", "/objects/", json={"objects": [obj]}, headers={"Content-Type": TAXII})
    assert r.status_code == 202 and r.json()["success_count"] == 1, r.text
    db = sqlite3.connect(h.data / "rrm.db")
    with db:
        assert db.execute("UPDATE objects SET json = '{\"id\": broken' WHERE id = ?", (oid,)).rowcount == 1
    db.close()
    r = taxii(h, "GET", "/objects/")
    assert r.status_code == 500, r.text
    body = r.json()
    rid = r.headers["x-request-id"]
    assert body["error_code"] == "internal" and rid in body["description"]
    assert "broken" not in r.text and "JSON" not in r.text and oid not in r.text
    r = call(h, "GET", f"/api/v1/collections/{h.cid}/objects", "olga")
    assert r.status_code == 500 and r.json()["error"]["code"] == "internal"
    h.stop()
    log = (h.data / "server.log").read_text()
    lines = [l for l in log.splitlines() if rid in l and "internal error" in l]
    assert lines, log
    assert "internal failure: stored object" in lines[0] and "is not valid JSON: expected value" in lines[0], lines[0]
