"""Bad input against the real server: the right status, a clear message, nothing stored changes."""

import json
import pathlib
import shutil
import tempfile
import uuid

import pytest
import requests

from conftest import Hub

MT = "application/taxii+json;version=2.1"
PASSWORD = "correct horse battery"
AUTH = ("a-analyst", PASSWORD)


def indicator(n):
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": f"indicator {n}",
        "pattern_type": "stix",
        "pattern": "[ipv4-addr:value = '203.0.113.9']",
        "valid_from": "2026-01-01T00:00:00.000Z",
    }


@pytest.fixture(scope="module")
def hub(rrm_bin):
    d = pathlib.Path(tempfile.mkdtemp(prefix="rrm-bad-"))
    h = Hub(rrm_bin, d)
    h.org("gov-a")
    h.user("gov-a", "a-analyst")
    h.cid = h.collection("cc", "cc")
    h.grant("gov-a", "cc", write=True)
    h.start()
    h.objects_url = f"{h.url}/taxii2/hub/collections/{h.cid}/objects/"
    r = post(h, {"objects": [indicator(i) for i in range(5)]})
    assert r.status_code == 202
    yield h
    h.stop()
    shutil.rmtree(d, ignore_errors=True)


def post(h, body, content_type=MT, accept=MT, raw=None):
    return requests.post(
        h.objects_url,
        auth=AUTH,
        headers={"Accept": accept, "Content-Type": content_type},
        data=raw if raw is not None else json.dumps(body),
    )


def snapshot(h):
    r = requests.get(h.objects_url, auth=AUTH, headers={"Accept": MT}, params={"match[version]": "all"})
    assert r.status_code == 200
    return sorted(json.dumps(o, sort_keys=True) for o in r.json().get("objects", []))


def assert_taxii_error(r, status):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].replace(" ", "").startswith("application/taxii+json;version=2.1")
    body = r.json()
    assert str(body["http_status"]) == str(status)
    assert body["title"]
    return body


def test_malformed_json(hub):
    before = snapshot(hub)
    r = post(hub, None, raw=b'{"objects": [ {"type": "indicator", ')
    body = assert_taxii_error(r, 400)
    assert "JSON" in json.dumps(body)
    assert snapshot(hub) == before


def test_body_over_limit(hub):
    before = snapshot(hub)
    big = b'{"objects": [' + b'{"x": "' + b"a" * (10 * 1024 * 1024) + b'"}]}'
    r = post(hub, None, raw=big)
    assert_taxii_error(r, 413)
    assert snapshot(hub) == before


@pytest.mark.parametrize("ctype", ["application/json", "text/plain", "application/taxii+json;version=2.0"])
def test_wrong_content_type(hub, ctype):
    before = snapshot(hub)
    assert_taxii_error(post(hub, {"objects": [indicator(1)]}, content_type=ctype), 415)
    assert snapshot(hub) == before


@pytest.mark.parametrize("accept", ["text/html", "application/taxii+json;version=2.0", "application/xml"])
def test_unacceptable_accept(hub, accept):
    r = requests.get(hub.objects_url, auth=AUTH, headers={"Accept": accept})
    assert_taxii_error(r, 406)


@pytest.mark.parametrize("body", [[], {"objects": "nope"}, {"more": False}, {"objects": [1, 2]}])
def test_unprocessable_envelope(hub, body):
    before = snapshot(hub)
    assert_taxii_error(post(hub, body), 422)
    assert snapshot(hub) == before


def test_invalid_mixed_with_valid(hub):
    before = snapshot(hub)
    good = indicator(100)
    bad_id = dict(indicator(101), id="malware--" + str(uuid.uuid4()))
    bad_time = dict(indicator(102), modified="2025-01-01T00:00:00.000Z")
    no_pattern = indicator(103)
    del no_pattern["pattern"]
    r = post(hub, {"objects": [good, bad_id, bad_time, no_pattern]})
    assert r.status_code == 202
    st = r.json()
    assert st["success_count"] == 1 and st["failure_count"] == 3
    assert st["total_count"] == 4
    assert len(st["failures"]) == 3 and len(st["successes"]) == 1
    messages = {f["id"]: f["message"] for f in st["failures"]}
    assert "id" in messages[bad_id["id"]]
    assert "modified" in messages[bad_time["id"]]
    assert "pattern" in messages[no_pattern["id"]]
    after = snapshot(hub)
    assert len(after) == len(before) + 1
    assert set(before) <= set(after)


def test_unknown_collection(hub):
    r = requests.get(
        f"{hub.url}/taxii2/hub/collections/{uuid.uuid4()}/objects/", auth=AUTH, headers={"Accept": MT}
    )
    assert_taxii_error(r, 404)


@pytest.mark.parametrize("cursor", ["garbage", "", "AAAA", "x" * 500])
def test_bad_next_cursor(hub, cursor):
    r = requests.get(hub.objects_url, auth=AUTH, headers={"Accept": MT}, params={"next": cursor, "limit": 1})
    if cursor == "":
        assert r.status_code in (200, 400)
    else:
        body = assert_taxii_error(r, 400)
        assert "next" in json.dumps(body)


@pytest.mark.parametrize(
    "params",
    [{"limit": "0"}, {"limit": "-3"}, {"limit": "ten"}, {"added_after": "yesterday"}, {"match[version]": "newest"}],
)
def test_malformed_filters(hub, params):
    r = requests.get(hub.objects_url, auth=AUTH, headers={"Accept": MT}, params=params)
    body = assert_taxii_error(r, 400)
    name = list(params)[0]
    assert name.split("[")[0] in json.dumps(body)
