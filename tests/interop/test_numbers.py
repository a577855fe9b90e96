"""Objects read back as received (issue 9, item 14): number texts (long decimals, integers beyond
64 bits, -0, exponents) and strings with escapes, sent as raw JSON over TAXII and with
`rrm import`, come back with the same number text from TAXII objects, object by id and versions,
the REST objects list and `rrm export`."""

import json
import re
import uuid

import requests

MT = "application/taxii+json;version=2.1"
PASSWORD = "correct horse battery"
NUMBERS = [
    "0.9852489970647419",
    "123456789012345678901234567890",
    "-98765432109876543210987654321",
    "18446744073709551616",
    "-0",
    "-0.0",
    "1E2",
    "1e-7",
    "6.02214076E+23",
    "1.50",
    "3.141592653589793238462643383279",
    "0",
]
# A string with escapes: é written as \u00e9, an emoji as a surrogate pair, quotes, controls.
STRING_TEXT = r'"caf\u00e9 \ud83d\ude00 \"q\" \\ \n\t\u0001 \u2028"'
STRING_VALUE = json.loads(STRING_TEXT)


def obj_text(n, oid):
    """An indicator as JSON text with the number written verbatim in x_value and x_list."""
    return (
        '{"type":"indicator","spec_version":"2.1","id":"%s","created":"2026-01-01T00:00:00.000Z",'
        '"modified":"2026-01-01T00:00:00.000Z","name":"numbers","pattern":"[domain-name:value = \'n.example\']",'
        '"pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","x_value":%s,"x_list":[%s, {"n": %s}],'
        '"x_text":%s}' % (oid, n, n, n, STRING_TEXT)
    )


def holds(text, number):
    """Whether the raw response text carries `"x_value": number` with exactly that text."""
    return re.search(r'"x_value"\s*:\s*' + re.escape(number) + r"\s*[,}\]]", text) is not None


def check_objects(text, ids):
    for n, oid in ids.items():
        assert holds(text, n), f"x_value {n} of {oid} altered in {text[:2000]}"
        assert re.search(r'"n"\s*:\s*' + re.escape(n) + r"\s*\}", text), n
    for o in json.loads(text)["objects"]:
        if o["id"] in ids.values():
            assert o["x_text"] == STRING_VALUE


def test_numbers_read_back_as_received(new_hub, tmp_path):
    h = new_hub()
    h.org("gov-a")
    h.user("gov-a", "ana")
    h.collection("feed", "Feed", default_tlp="GREEN")
    h.grant("gov-a", "feed", write=True)

    # rrm import of a bundle written as text, then rrm export.
    imported = {n: f"indicator--{uuid.uuid4()}" for n in NUMBERS}
    bundle = '{"type":"bundle","id":"bundle--%s","objects":[%s]}' % (
        uuid.uuid4(),
        ",".join(obj_text(n, oid) for n, oid in imported.items()),
    )
    f = tmp_path / "bundle.json"
    f.write_text(bundle)
    h.cli("import", str(f), "--collection", "feed", "--as", "ana")
    out = h.cli("export", "--collection", "feed", "--as", "ana").stdout
    check_objects(out, imported)

    # TAXII POST of raw text; reads over TAXII and REST.
    h.start()
    cid = next(
        c["id"]
        for c in requests.get(f"{h.url}/api/v1/collections", auth=("ana", PASSWORD)).json()["collections"]
        if c["slug"] == "feed"
    )
    posted = {n: f"indicator--{uuid.uuid4()}" for n in NUMBERS}
    body = '{"objects":[%s]}' % ",".join(obj_text(n, oid) for n, oid in posted.items())
    url = f"{h.url}/taxii2/hub/collections/{cid}/objects/"
    r = requests.post(url, auth=("ana", PASSWORD), headers={"Accept": MT, "Content-Type": MT}, data=body.encode())
    assert r.status_code == 202, r.text
    assert r.json()["success_count"] == len(NUMBERS), r.text
    every = {**imported, **posted}

    r = requests.get(url, auth=("ana", PASSWORD), headers={"Accept": MT})
    assert r.status_code == 200, r.text
    check_objects(r.text, every)
    r = requests.get(f"{h.url}/api/v1/collections/{cid}/objects", auth=("ana", PASSWORD), params={"limit": 100})
    assert r.status_code == 200, r.text
    check_objects(r.text, every)
    for n, oid in every.items():
        r = requests.get(f"{url}{oid}/", auth=("ana", PASSWORD), headers={"Accept": MT})
        assert r.status_code == 200, r.text
        check_objects(r.text, {n: oid})
        r = requests.get(f"{url}{oid}/versions/", auth=("ana", PASSWORD), headers={"Accept": MT})
        assert r.status_code == 200 and r.json()["versions"] == ["2026-01-01T00:00:00.000Z"], r.text
    h.stop()
    out = h.cli("export", "--collection", "feed", "--as", "ana").stdout
    check_objects(out, every)
