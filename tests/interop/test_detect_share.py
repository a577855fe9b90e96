"""Sharing coordination detections through the real binary: upload a generated post set over
REST, run a detection job, publish groups to a collection, pull them over TAXII with
taxii2-client and validate every object with stix2-validator (zero errors)."""

import subprocess
import sys
import time

import requests
import stix2
from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import Server, as_pages

PASSWORD = "correct horse battery"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"


def gen_posts(shared_dir, tmp_path, n_posts=20000, n_users=2000, campaigns=5):
    out = tmp_path / "posts"
    subprocess.run(
        [sys.executable, str(shared_dir / "tools/gen_posts.py"), str(out), str(n_posts), str(n_users), str(campaigns), "7", "2"],
        check=True,
        capture_output=True,
    )
    return out.with_suffix(".csv")


def make_hub(new_hub, shared_dir, with_disarm):
    h = new_hub()
    h.org("gov-a", country="CA")
    h.org("gov-b", country="DE")
    h.user("gov-a", "ana")
    h.user("gov-a", "rita", role="reader")
    h.user("gov-b", "bob")
    h.cib = h.collection("cib", "Coordinated behaviour")
    h.grant("gov-a", "cib", write=True)
    h.grant("gov-b", "cib", write=True)
    if with_disarm:
        h.collection("disarm", "DISARM framework")
        h.grant("gov-a", "disarm", write=True)
        h.cli("import", str(shared_dir / "data/disarm/DISARM.json"), "--collection", "disarm", "--as", "ana")
    return h.start()


def api(h, method, path, user="ana", **kw):
    return requests.request(method, f"{h.url}/api/v1{path}", auth=(user, PASSWORD), timeout=120, **kw)


def detect(h, csv_path, user="ana"):
    r = api(h, "POST", "/datasets?account_type=twitter&name=posts.csv", user, data=csv_path.read_bytes(),
            headers={"Content-Type": "text/csv"})
    assert r.status_code == 201, r.text
    ds = r.json()
    assert ds["format"] == "cnt" and ds["posts"] > 0 and ds["users"] > 0
    r = api(h, "POST", "/detections", user, json={
        "dataset": ds["id"], "networks": ["co_retweet", "co_tweet", "co_link", "co_reply"],
        "window": 60, "min_weight": 3, "similarity": 0.8})
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    deadline = time.time() + 120
    seen = []
    while time.time() < deadline:
        v = api(h, "GET", f"/detections/{job}", user).json()
        seen.append(v["progress"])
        assert 0.0 <= v["progress"] <= 1.0
        if v["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert v["status"] == "done", v
    assert seen == sorted(seen), "progress went backwards"
    assert v["groups"], "no coordinated group found in a set with planted campaigns"
    return ds, job, v


def pull(h, user="ana"):
    root = Server(f"{h.url}/taxii2/", user=user, password=PASSWORD).api_roots[0]
    col = [c for c in root.collections if c.id == h.cib][0]
    objs = []
    for page in as_pages(col.get_objects, per_request=500):
        objs.extend(page.get("objects", []))
    return objs


def assert_all_valid(objs):
    for o in objs:
        result = validate_instance(o, ValidationOptions(version="2.1"))
        assert not result.errors, f"{o['id']}: {[str(e) for e in result.errors]}"
        assert result.is_valid


def test_publish_with_disarm_over_taxii(new_hub, shared_dir, tmp_path):
    h = make_hub(new_hub, shared_dir, with_disarm=True)
    csv_path = gen_posts(shared_dir, tmp_path)
    ds, job, v = detect(h, csv_path)
    chosen = [g["id"] for g in v["groups"][:3]]
    r = api(h, "POST", f"/detections/{job}/publish", json={"groups": chosen, "collection": h.cib})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"]["failure_count"] == 0, out["status"]
    assert out["technique"]["name"] == "Flood Information Space"
    assert "warning" not in out
    objs = pull(h)
    assert_all_valid(objs)
    by_type = {}
    for o in objs:
        by_type.setdefault(o["type"], []).append(o)
        assert o["object_marking_refs"] == [AMBER], o
    assert len(by_type["grouping"]) == len(chosen)
    assert len(by_type["note"]) == len(chosen)
    assert len(by_type["campaign"]) == len(chosen)
    assert len(by_type["relationship"]) == len(chosen)
    members = {m["user_id"] for g in v["groups"][:3] for m in g["members"]}
    assert {o["user_id"] for o in by_type["user-account"]} == members
    # Deterministic SCO ids agree with the stix2 library's.
    for o in by_type["user-account"]:
        props = {k: o[k] for k in ("user_id", "account_login", "account_type") if k in o}
        assert stix2.UserAccount(**props).id == o["id"]
    ids = {o["id"] for o in objs}
    for g in by_type["grouping"]:
        assert g["context"] == "suspicious-activity"
        assert all(ref in ids for ref in g["object_refs"])
    for rel in by_type["relationship"]:
        assert rel["relationship_type"] == "uses"
        assert rel["target_ref"] == out["technique"]["id"]
        assert rel["source_ref"].startswith("campaign--")
    gov_a = [o for o in pull(h) if o["type"] == "grouping"][0]["created_by_ref"]
    assert gov_a.startswith("identity--")

    # Another organisation sees neither the dataset nor the job.
    assert api(h, "GET", f"/detections/{job}", "bob").status_code == 404
    assert api(h, "GET", f"/datasets/{ds['id']}", "bob").status_code == 404
    r = api(h, "POST", f"/detections/{job}/publish", "bob", json={"groups": chosen, "collection": h.cib})
    assert r.status_code == 404
    # Readers may not upload.
    r = api(h, "POST", "/datasets", "rita", data=b"x", headers={"Content-Type": "text/csv"})
    assert r.status_code == 403


def test_publish_without_disarm_and_red(new_hub, shared_dir, tmp_path):
    h = make_hub(new_hub, shared_dir, with_disarm=False)
    csv_path = gen_posts(shared_dir, tmp_path, n_posts=10000, n_users=1000, campaigns=3)
    _, job, v = detect(h, csv_path)
    r = api(h, "POST", f"/detections/{job}/publish",
            json={"groups": [v["groups"][0]["id"]], "collection": h.cib, "tlp": "RED"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["technique"] is None
    assert "DISARM" in out["warning"]
    objs = pull(h)
    assert_all_valid(objs)
    assert objs and all(o["object_marking_refs"] == [RED] for o in objs)
    assert not [o for o in objs if o["type"] == "relationship"]
    # TLP:RED stays with the publishing organisation.
    assert not pull(h, "bob")


def test_bad_uploads_answer_4xx_with_line(new_hub, shared_dir, tmp_path):
    h = make_hub(new_hub, shared_dir, with_disarm=False)
    bad = b"message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n1,a,a,,,hi,10,\n2,b,b,,,hi,soon,\n"
    r = api(h, "POST", "/datasets", data=bad, headers={"Content-Type": "text/csv"})
    assert r.status_code == 400, r.text
    assert ":3" in r.json()["error"]["message"]
    r = api(h, "POST", "/datasets?skip_invalid=true", data=bad, headers={"Content-Type": "text/csv"})
    assert r.status_code == 201 and r.json()["skipped"] == 1
    r = api(h, "POST", "/datasets", data=b"", headers={"Content-Type": "text/csv"})
    assert r.status_code == 400
    doc = requests.get(f"{h.url}/api/v1/openapi.json", timeout=30).json()
    for p in ("/api/v1/datasets", "/api/v1/detections", "/api/v1/detections/{id}", "/api/v1/detections/{id}/publish"):
        assert p in doc["paths"], p
