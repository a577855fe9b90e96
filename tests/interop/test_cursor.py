"""Paging cursors reveal nothing (issue 9, item 17): the TAXII, REST and public ad-search cursors
are encrypted and authenticated, so neither the hub-wide row sequence nor a date or an ad id
travels in clear, and any altered byte answers 400 bad_cursor."""

import base64
import pathlib
import shutil
import struct
import tempfile

import pytest
import requests

from demo_hub import PASSWORD, DemoHub

MT = "application/taxii+json;version=2.1"


@pytest.fixture(scope="module")
def demo(rrm_bin):
    d = pathlib.Path(tempfile.mkdtemp(prefix="rrm-cursor-"))
    h = DemoHub(rrm_bin, d, env={"RRM_PUBLIC_RATE": "0"})
    try:
        yield h
    finally:
        h.stop()
        shutil.rmtree(d, ignore_errors=True)


def b64(cursor):
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))


def clear_numbers(raw, numbers):
    """The numbers found in clear in `raw` as 8-byte integers of either byte order."""
    found = set()
    for i in range(len(raw) - 7):
        for fmt in (">q", "<q"):
            (v,) = struct.unpack(fmt, raw[i : i + 8])
            if v in numbers or 0 <= v < 1_000_000:
                found.add(v)
    return found


def collection_id(h, slug):
    r = requests.get(f"{h.url}/api/v1/collections", auth=("ca-analyst", PASSWORD))
    return next(c["id"] for c in r.json()["collections"] if c["slug"] == slug)


def test_object_cursors_hide_the_position_and_refuse_tampering(demo):
    cid = collection_id(demo, "g7-rrm")
    auth = ("ca-analyst", PASSWORD)
    url = f"{demo.url}/api/v1/collections/{cid}/objects"
    cursors, dates = [], set()
    params = {"limit": 1}
    while len(cursors) < 5:
        r = requests.get(url, auth=auth, params=params)
        assert r.status_code == 200, r.text
        page = r.json()
        assert page["more"], "the demo collection has more than five objects"
        cursors.append(page["next"])
        params = {"limit": 1, "next": page["next"]}
    # The TAXII endpoint's cursors, with their dates in microseconds.
    turl = f"{demo.url}/taxii2/hub/collections/{cid}/objects/"
    r = requests.get(turl, auth=auth, headers={"Accept": MT}, params={"limit": 2})
    assert r.status_code == 200, r.text
    taxii_next = r.json()["next"]
    for h in ("X-TAXII-Date-Added-First", "X-TAXII-Date-Added-Last"):
        dates.add(r.headers[h])
    cursors.append(taxii_next)
    for c in cursors:
        raw = b64(c)
        # No small integer (a row sequence) and no 2020-2040 microsecond timestamp in clear.
        assert not clear_numbers(raw, set()), f"cursor {c} carries a number in clear"
        for i in range(len(raw) - 7):
            (v,) = struct.unpack(">q", raw[i : i + 8])
            assert not 1_577_836_800_000_000 <= v <= 2_208_988_800_000_000, f"cursor {c} carries a date"
    # Every altered byte is refused with bad_cursor, over REST and TAXII.
    raw = b64(cursors[0])
    for i in range(0, len(raw), 3):
        t = bytearray(raw)
        t[i] ^= 0x01
        bad = base64.urlsafe_b64encode(bytes(t)).decode().rstrip("=")
        r = requests.get(url, auth=auth, params={"limit": 1, "next": bad})
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_cursor", (i, r.text)
    t = bytearray(b64(taxii_next))
    t[-1] ^= 0x80
    bad = base64.urlsafe_b64encode(bytes(t)).decode().rstrip("=")
    r = requests.get(turl, auth=auth, headers={"Accept": MT}, params={"limit": 2, "next": bad})
    assert r.status_code == 400, r.text
    # The genuine cursor still works, and stays bound to its user.
    r = requests.get(url, auth=auth, params={"limit": 1, "next": cursors[0]})
    assert r.status_code == 200, r.text
    r = requests.get(url, auth=("de-analyst", PASSWORD), params={"limit": 1, "next": cursors[0]})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_cursor", r.text


def test_public_ad_cursor_hides_ad_ids_and_refuses_tampering(demo):
    r = requests.get(f"{demo.url}/public/ads", params={"limit": 1})
    assert r.status_code == 200, r.text
    page = r.json()
    cursor = page["next"]
    assert cursor, "the demo registry has more than one public ad"
    assert "." not in cursor, f"cursor {cursor} is not opaque"
    raw = b64(cursor)
    assert not clear_numbers(raw, {page["ads"][0]["id"]}), f"cursor {cursor} carries an ad id in clear"
    r = requests.get(f"{demo.url}/public/ads", params={"limit": 1, "cursor": cursor})
    assert r.status_code == 200, r.text
    assert r.json()["ads"][0]["id"] != page["ads"][0]["id"]
    for i in range(len(raw)):
        t = bytearray(raw)
        t[i] ^= 0x40
        bad = base64.urlsafe_b64encode(bytes(t)).decode().rstrip("=")
        r = requests.get(f"{demo.url}/public/ads", params={"limit": 1, "cursor": bad})
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_cursor", (i, r.text)
    # A cursor of another query is refused.
    r = requests.get(f"{demo.url}/public/ads", params={"limit": 1, "cursor": cursor, "q": "transit"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_cursor", r.text
