"""From findings to notices in one step, and "did it work?" re-checks, through the real binary: a
government publishes a coordination detection, makes an Art. 16 notice of the grouping in one
step, the platform decides, and a re-check on a later post set reports the one account still
active; a referral is made from a hash match against a bank and re-checked on later uploads;
bad input answers 4xx naming the field and changes nothing."""

import base64
import random
import time

import pytest
import requests

from sor_fixture import statement

PASSWORD = "correct horse battery"
BRIDGE_PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
FIELDS = {
    "explanation": "The accounts flood the election hashtag with one forged message.",
    "ground": "Canada Elections Act, s. 91(1)",
    "territorial_scope": ["CA"],
    "contact": {"name": "RRM Canada", "email": "rrm@example.gc.ca"},
    "bona_fide": True,
}


def api(h, method, path, user, **kw):
    return requests.request(method, f"{h.url}/api/v1{path}", auth=(user, PASSWORD), timeout=120, **kw)


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def error_fields(r):
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_input"
    return [e["field"] for e in err["errors"]]


def posts_csv(coordinated, seed):
    """A post set where the `coordinated` accounts (user id, login) post the same message
    within seconds twelve times, among forty accounts posting on their own."""
    rnd = random.Random(seed)
    rows = ["message_id,user_id,username,repost_id,reply_id,message,timestamp,urls"]
    n = 0
    for k in range(12):
        t0 = 1_700_000_000 + k * 7200
        for j, (uid, login) in enumerate(coordinated):
            n += 1
            rows.append(f"m{n},{uid},{login},,,forged polling date notice number {k},{t0 + j * 3},")
    for u in range(40):
        for k in range(6):
            n += 1
            words = " ".join(f"w{rnd.randrange(100000)}" for _ in range(6))
            rows.append(f"m{n},{100 + u},user_{u},,,{words},{1_700_000_000 + rnd.randrange(86400)},")
    return ("\n".join(rows) + "\n").encode()


def detect(h, data, user="ca-ana"):
    ds = ok(api(h, "POST", "/datasets?account_type=twitter&name=posts.csv", user, data=data,
                headers={"Content-Type": "text/csv"}), 201)
    job = ok(api(h, "POST", "/detections", user, json={
        "dataset": ds["id"], "networks": ["co_tweet"], "window": 60, "min_weight": 3,
        "similarity": 0.8}), 202)["id"]
    deadline = time.time() + 120
    while time.time() < deadline:
        v = ok(api(h, "GET", f"/detections/{job}", user))
        if v["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert v["status"] == "done", v
    return job, v


FIRST = [("9001", "doppel_1"), ("9002", "doppel_2"), ("9003", "doppel_3")]


@pytest.fixture
def world(new_hub):
    h = new_hub()
    h.org("gov-ca", country="CA")
    h.org("gov-de", country="DE")
    h.org("plat", sector="platform", country="US")
    for org, user in [("gov-ca", "ca-ana"), ("gov-ca", "ca-ana2"), ("gov-de", "de-ana"), ("plat", "plat-ana")]:
        h.user(org, user)
    h.user("gov-ca", "ca-admin", role="admin")
    h.cib = h.collection("cib", "Coordinated behaviour")
    h.grant("gov-ca", "cib", write=True)
    h.grant("gov-de", "cib")
    h.grant("plat", "cib")
    h.start()
    return h


def send(h, n):
    ok(api(h, "POST", f"/notices/{n['id']}/approve", "ca-ana2"))
    return ok(api(h, "POST", f"/notices/{n['id']}/send", "ca-ana"))


def test_a_detection_becomes_a_notice_and_the_recheck_finds_the_account_left(world):
    h = world
    job, v = detect(h, posts_csv(FIRST, 1))
    groups = [g for g in v["groups"] if {m["user_id"] for m in g["members"]} == {"9001", "9002", "9003"}]
    assert groups, v["groups"]
    pub = ok(api(h, "POST", f"/detections/{job}/publish", "ca-ana",
                 json={"groups": [groups[0]["id"]], "collection": h.cib}))["published"][0]

    # One step: the three accounts and the grouping as items, the evidence as explanation.
    n = ok(api(h, "POST", "/notices/from-detection", "ca-ana",
               json={"recipient": "plat", "collection": "cib", "grouping": pub["grouping"], **FIELDS}), 201)
    assert n["status"] == "draft" and n["kind"] == "dsa-art16"
    accounts = {i["value"]: i.get("platform") for i in n["items"] if i["type"] == "account"}
    assert accounts == {"doppel_1": "9001", "doppel_2": "9002", "doppel_3": "9003"}
    assert n["items"][-1] == {"type": "stix", "value": pub["grouping"], "collection": h.cib}
    assert n["explanation"].startswith(FIELDS["explanation"])
    assert pub["note"] in n["explanation"] and "Coordination evidence" in n["explanation"]
    # The explicit note gives the same notice; a note that is not the grouping's is refused.
    same = ok(api(h, "POST", "/notices/from-detection", "ca-ana",
                  json={"recipient": "plat", "collection": "cib", "grouping": pub["grouping"],
                        "note": pub["note"], **FIELDS}), 201)
    assert same["items"] == n["items"] and same["explanation"] == n["explanation"]
    before = len(ok(api(h, "GET", "/notices", "ca-ana"))["notices"])
    assert error_fields(api(h, "POST", "/notices/from-detection", "ca-ana",
                            json={"recipient": "plat", "collection": "cib", "grouping": pub["grouping"],
                                  "note": pub["campaign"], **FIELDS})) == ["note"]
    assert error_fields(api(h, "POST", "/notices/from-detection", "ca-ana",
                            json={"recipient": "plat", "collection": "cib", "grouping": pub["grouping"],
                                  "items": [{"type": "url", "value": "https://x.example"}], **FIELDS})) == ["items"]
    missing = error_fields(api(h, "POST", "/notices/from-detection", "ca-ana",
                               json={"recipient": "plat", "collection": "cib", "grouping": pub["grouping"]}))
    assert {"contact.email", "bona_fide"} <= set(missing), missing
    # A grouping the caller may not see (published RED) does not exist for it.
    red = ok(api(h, "POST", f"/detections/{job}/publish", "ca-ana",
                 json={"groups": [groups[0]["id"]], "collection": h.cib, "tlp": "RED"}))["published"][0]
    r = api(h, "POST", "/notices/from-detection", "de-ana",
            json={"recipient": "plat", "collection": "cib", "grouping": red["grouping"], **FIELDS})
    assert r.status_code == 404, r.text
    r = api(h, "POST", "/notices/from-detection", "de-ana",
            json={"recipient": "plat", "collection": "cib", "grouping": f"grouping--{'0' * 8}-0000-4000-8000-{'0' * 12}", **FIELDS})
    assert r.status_code == 404, r.text
    assert len(ok(api(h, "GET", "/notices", "ca-ana"))["notices"]) == before

    # A re-check before any decision is refused.
    s = send(h, n)
    assert s["status"] == "sent"
    r = api(h, "POST", f"/notices/{n['id']}/recheck", "ca-ana", json={"job": job})
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_transition", r.text

    # The platform acts on two accounts and not on the third (nor on the grouping).
    idx = {i["value"]: k for k, i in enumerate(n["items"])}
    ok(api(h, "POST", f"/notices/{n['id']}/acknowledge", "plat-ana"))
    done = ok(api(h, "POST", f"/notices/{n['id']}/decisions", "plat-ana", json={"decisions": [
        {"item": idx["doppel_1"], "outcome": "actioned", "statement": statement("9001")},
        {"item": idx["doppel_2"], "outcome": "actioned", "statement": statement("9002")},
        {"item": idx["doppel_3"], "outcome": "no-action"},
        {"item": idx[pub["grouping"]], "outcome": "no-action"},
    ]}))
    assert done["status"] == "decided" and done["outcome"] == "partially-actioned"

    # The recipient may neither re-check nor read the re-checks.
    for method, path in [("POST", "recheck"), ("GET", "rechecks")]:
        r = api(h, method, f"/notices/{n['id']}/{path}", "plat-ana", **({"json": {"job": job}} if method == "POST" else {}))
        assert r.status_code in (403, 404), r.text
    assert error_fields(api(h, "POST", f"/notices/{n['id']}/recheck", "ca-ana", json={})) == ["job"]
    assert error_fields(api(h, "POST", f"/notices/{n['id']}/recheck", "ca-ana", json={"job": "no-such-job"})) == ["job"]

    # A later post set: only doppel_3 still coordinates (with two new accounts).
    later, lv = detect(h, posts_csv([("9003", "doppel_3"), ("9004", "doppel_4"), ("9005", "doppel_5")], 2))
    rc = ok(api(h, "POST", f"/notices/{n['id']}/recheck", "ca-ana", json={"job": later}), 201)
    assert rc["job"] == later and rc["by"] == "ca-ana"
    assert rc["still_active"] == [idx["doppel_3"]]
    by_value = {i["value"]: i for i in rc["items"]}
    assert by_value["doppel_3"]["still_active"] is True and by_value["doppel_3"]["groups"]
    assert by_value["doppel_3"]["posts"] == 12 and by_value["doppel_3"]["outcome"] == "no-action"
    for gone in ("doppel_1", "doppel_2"):
        assert by_value[gone]["still_active"] is False and by_value[gone]["outcome"] == "actioned"
        assert by_value[gone]["posts"] == 0
    assert by_value[pub["grouping"]]["still_active"] is None
    past = ok(api(h, "GET", f"/notices/{n['id']}/rechecks", "ca-ana"))["rechecks"]
    assert [p["id"] for p in past] == [rc["id"]] and past[0]["items"] == rc["items"]
    # The re-check is in the audit log.
    log = ok(api(h, "GET", "/audit?limit=1000", "ca-admin"))["records"]
    assert [r["target"] for r in log if r["action"] == "notice.recheck"] == [f"notice/{n['id']}"]


def test_a_hash_match_becomes_a_referral_and_later_uploads_recheck_it(world, shared_dir):
    h = world
    jpeg = (shared_dir / "data" / "pdq" / "images" / "bridge-1-original.jpg").read_bytes()
    rotated = (shared_dir / "data" / "pdq" / "images" / "bridge-3-rotate-180.jpg").read_bytes()
    ok(api(h, "POST", "/banks", "ca-ana",
           json={"name": "forgeries", "collection": "cib", "tlp": "green", "description": "Forged notices"}), 201)
    entry = ok(api(h, "POST", "/banks/forgeries/entries", "ca-ana",
                   json={"entries": [{"signal_type": "pdq", "value": BRIDGE_PDQ, "content_type": "image"}]}),
               201)["entries"][0]
    assert entry["stix_id"].startswith("indicator--")

    fields = {k: v for k, v in FIELDS.items() if k != "territorial_scope"}
    url = "https://plat.example/p/77"
    # A hash with no match is refused, naming it; nothing is stored.
    before = len(ok(api(h, "GET", "/notices", "ca-ana"))["notices"])
    r = api(h, "POST", "/notices/from-match", "ca-ana",
            json={"recipient": "plat", "content": [{"url": url, "hash": BRIDGE_PDQ},
                                                    {"url": url + "1", "hash": "0" * 64}], **fields})
    assert error_fields(r) == ["content.1.hash"]
    assert error_fields(api(h, "POST", "/notices/from-match", "ca-ana",
                            json={"recipient": "plat", "content": [{"url": url, "hash": "xyz"}], **fields})) == ["content.0.hash"]
    assert error_fields(api(h, "POST", "/notices/from-match", "ca-ana",
                            json={"recipient": "plat", "content": [{"url": url, "image": "!!"}], **fields})) == ["content.0.image"]
    assert error_fields(api(h, "POST", "/notices/from-match", "ca-ana",
                            json={"recipient": "plat", "content": [], **fields})) == ["content"]
    assert len(ok(api(h, "GET", "/notices", "ca-ana"))["notices"]) == before

    # The image uploaded is hashed and matched: the URL and the bank's indicator as items.
    n = ok(api(h, "POST", "/notices/from-match", "ca-ana",
               json={"recipient": "plat", "content": [{"url": url, "image": base64.b64encode(jpeg).decode()}],
                     **fields}), 201)
    assert n["kind"] == "tos-report"
    assert n["items"] == [{"type": "url", "value": url},
                          {"type": "stix", "value": entry["stix_id"], "collection": h.cib}]
    assert f"PDQ {BRIDGE_PDQ}" in n["explanation"] and "at distance 0" in n["explanation"]

    send(h, n)
    ok(api(h, "POST", f"/notices/{n['id']}/acknowledge", "plat-ana"))
    ok(api(h, "POST", f"/notices/{n['id']}/decisions", "plat-ana", json={"decisions": [
        {"item": 0, "outcome": "actioned", "statement": statement("77")},
        {"item": 1, "outcome": "no-action"}]}))
    # A shrunk copy uploaded later: still active; a different image (turned over): not.
    shrunk = (shared_dir / "data" / "pdq" / "images" / "shrink-a-lot.jpg").read_bytes()
    again = ok(api(h, "POST", f"/notices/{n['id']}/recheck", "ca-ana",
                   json={"uploads": [{"item": 0, "image": base64.b64encode(shrunk).decode()}]}), 201)
    assert again["still_active"] == [0] and 0 < again["items"][0]["distance"] <= 31
    assert again["items"][1]["still_active"] is None
    other = ok(api(h, "POST", f"/notices/{n['id']}/recheck", "ca-ana",
                   json={"uploads": [{"item": 0, "image": base64.b64encode(rotated).decode()}]}), 201)
    assert other["still_active"] == [] and other["items"][0]["still_active"] is False
    assert other["items"][0]["distance"] > 31
    assert error_fields(api(h, "POST", f"/notices/{n['id']}/recheck", "ca-ana",
                            json={"uploads": [{"item": 1, "hash": BRIDGE_PDQ}]})) == ["uploads.0.item"]
    past = ok(api(h, "GET", f"/notices/{n['id']}/rechecks", "ca-ana"))["rechecks"]
    assert [p["id"] for p in past] == [again["id"], other["id"]]


def test_the_cli_makes_a_referral_and_rechecks_it(world, shared_dir, tmp_path):
    h = world
    ok(api(h, "POST", "/banks", "ca-ana",
           json={"name": "forgeries", "collection": "cib", "tlp": "green", "description": "Forged notices"}), 201)
    ok(api(h, "POST", "/banks/forgeries/entries", "ca-ana",
           json={"entries": [{"signal_type": "pdq", "value": BRIDGE_PDQ, "content_type": "image"}]}), 201)
    fields = tmp_path / "fields.json"
    fields.write_text('{"explanation": "Forged.", "contact": {"name": "RRM", "email": "rrm@example.gc.ca"}, '
                      '"ground": "ToS 4.2", "bona_fide": true}')
    image = shared_dir / "data" / "pdq" / "images" / "bridge-1-original.jpg"
    out = h.cli("notice", "from-match", "--as", "ca-ana", "--recipient", "plat", "--file", str(fields),
                "--content", f"https://plat.example/p/9=@{image}")
    nid = out.stdout.strip()
    n = ok(api(h, "GET", f"/notices/{nid}", "ca-ana"))
    assert n["items"][0] == {"type": "url", "value": "https://plat.example/p/9"}
    r = h.cli("notice", "recheck", nid, "--as", "ca-ana", "--upload", f"0={BRIDGE_PDQ}", check=False)
    assert r.returncode != 0 and "re-checked once decided" in r.stderr
