"""The real rrm binary on a loopback port, driven by OASIS taxii2-client and checked by stix2-validator."""

import json
import uuid

import pytest
import requests
from stix2validator import ValidationOptions, validate_instance
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import Server, as_pages

MT = "application/taxii+json;version=2.1"
PASSWORD = "correct horse battery"
TLP = {
    "CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "AMBER": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "RED": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
OPTIONS = ValidationOptions(version="2.1")


def assert_valid(obj):
    result = validate_instance(obj, OPTIONS)
    assert result.is_valid, f"{obj.get('id')}: {[str(e) for e in result.errors]}"


def indicator(n, created="2026-01-01T00:00:00.000Z", modified=None, marking=None, **extra):
    obj = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": created,
        "modified": modified or created,
        "name": f"indicator {n}",
        "pattern_type": "stix",
        "pattern": f"[ipv4-addr:value = '203.0.113.{n % 250}']",
        "valid_from": created,
    }
    if marking:
        obj["object_marking_refs"] = [TLP[marking]]
    obj.update(extra)
    return obj


def envelope(objects):
    return {"objects": objects}


@pytest.fixture(scope="module")
def hub(rrm_bin):
    import pathlib
    import shutil
    import tempfile

    from conftest import Hub

    d = pathlib.Path(tempfile.mkdtemp(prefix="rrm-taxii-"))
    h = Hub(rrm_bin, d)
    h.org("gov-a", country="CA")
    h.org("gov-b", country="DE")
    h.org("plat", sector="platform", country="US")
    h.user("gov-a", "a-analyst")
    h.user("gov-a", "a-admin", role="admin")
    h.user("gov-b", "b-analyst")
    h.user("plat", "p-reader", role="reader")
    h.shared = h.collection("shared", "Shared analysis")
    h.private = h.collection("private", "Gov A only")
    h.grant("gov-a", "shared", write=True)
    h.grant("gov-b", "shared", write=True)
    h.grant("plat", "shared")
    h.grant("gov-a", "private", write=True)
    h.start()
    yield h
    h.stop()
    shutil.rmtree(d, ignore_errors=True)


def server(hub, user="a-analyst"):
    return Server(f"{hub.url}/taxii2/", user=user, password=PASSWORD)


def collection(hub, cid, user="a-analyst"):
    root = server(hub, user).api_roots[0]
    matches = [c for c in root.collections if c.id == cid]
    assert matches, f"{user} does not see collection {cid}"
    return matches[0]


def test_discovery_and_api_root(hub):
    s = server(hub)
    assert s.title
    assert len(s.api_roots) == 1
    root = s.api_roots[0]
    assert MT in root.versions
    assert root.max_content_length > 0
    ids = {c.id for c in root.collections}
    assert hub.shared in ids and hub.private in ids


def test_collections_follow_grants(hub):
    ids = {c.id for c in server(hub, "b-analyst").api_roots[0].collections}
    assert hub.shared in ids
    assert hub.private not in ids
    r = requests.get(
        f"{hub.url}/taxii2/hub/collections/{hub.private}/objects/",
        auth=("b-analyst", PASSWORD),
        headers={"Accept": MT},
    )
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("application/taxii+json")


def test_add_get_filters_versions_manifest_delete(hub):
    c = collection(hub, hub.private)
    base = indicator(1, created="2026-02-01T00:00:00.000Z")
    v2 = dict(base, modified="2026-02-02T00:00:00.000Z", name="indicator 1 v2")
    v3 = dict(base, modified="2026-02-03T00:00:00.000Z", name="indicator 1 v3")
    other = indicator(2)
    actor = {
        "type": "threat-actor",
        "spec_version": "2.1",
        "id": f"threat-actor--{uuid.uuid4()}",
        "created": "2026-01-05T00:00:00.000Z",
        "modified": "2026-01-05T00:00:00.000Z",
        "name": "Example actor",
    }
    status = c.add_objects(envelope([base, other, actor]))
    assert status.status == "complete"
    assert status.success_count == 3 and status.failure_count == 0
    assert status.total_count == 3
    first_added = c.get_objects()["objects"]
    status = c.add_objects(envelope([v2, v3]))
    assert status.success_count == 2

    # Default: the last version of each object.
    objs = {o["id"]: o for o in c.get_objects()["objects"]}
    assert objs[base["id"]]["modified"] == "2026-02-03T00:00:00.000Z"
    # match[version]
    assert [o["modified"] for o in c.get_object(base["id"], version="first")["objects"]] == [
        "2026-02-01T00:00:00.000Z"
    ]
    all_versions = c.get_object(base["id"], version="all")["objects"]
    assert sorted(o["modified"] for o in all_versions) == [
        "2026-02-01T00:00:00.000Z",
        "2026-02-02T00:00:00.000Z",
        "2026-02-03T00:00:00.000Z",
    ]
    exact = c.get_object(base["id"], version="2026-02-02T00:00:00.000Z")["objects"]
    assert [o["name"] for o in exact] == ["indicator 1 v2"]
    both = c.get_object(base["id"], version=["first", "last"])["objects"]
    assert len(both) == 2
    # match[type], match[id], match[spec_version]
    assert {o["type"] for o in c.get_objects(type="threat-actor")["objects"]} == {"threat-actor"}
    assert [o["id"] for o in c.get_objects(id=other["id"])["objects"]] == [other["id"]]
    assert len(c.get_objects(spec_version="2.1", id=[other["id"], actor["id"]])["objects"]) == 2
    assert c.get_objects(spec_version="2.0", id=other["id"]).get("objects", []) == []
    # AND across fields: type indicator AND id of the actor gives nothing.
    assert c.get_objects(type="indicator", id=actor["id"]).get("objects", []) == []
    # added_after is exclusive.
    r = requests.get(
        c.url + "objects/",
        auth=("a-analyst", PASSWORD),
        headers={"Accept": MT},
        params={"match[version]": "all"},
    )
    assert r.status_code == 200
    first = r.headers["X-TAXII-Date-Added-First"]
    last = r.headers["X-TAXII-Date-Added-Last"]
    after_first = c.get_objects(added_after=first, version="all")["objects"]
    assert len(after_first) == len(r.json()["objects"]) - 1
    assert c.get_objects(added_after=last, version="all").get("objects", []) == []
    assert len(first_added) == 3
    # Versions endpoint.
    versions = c.object_versions(base["id"])["versions"]
    assert versions == [
        "2026-02-01T00:00:00.000Z",
        "2026-02-02T00:00:00.000Z",
        "2026-02-03T00:00:00.000Z",
    ]
    # Manifest.
    manifest = c.get_manifest(id=base["id"], version="all")["objects"]
    assert {m["version"] for m in manifest} == set(versions)
    assert all(m["media_type"].startswith("application/stix+json") for m in manifest)
    # Status readable.
    root = server(hub).api_roots[0]
    assert root.get_status(status.id).status == "complete"
    # Delete one version, then the object.
    c.delete_object(base["id"], version="2026-02-03T00:00:00.000Z")
    assert c.get_object(base["id"])["objects"][0]["modified"] == "2026-02-02T00:00:00.000Z"
    c.delete_object(base["id"], version="all")
    with pytest.raises(requests.HTTPError) as e:
        c.get_object(base["id"])
    assert e.value.response.status_code == 404
    for obj in c.get_objects(version="all")["objects"]:
        assert_valid(obj)


def test_identical_repost_and_conflicting_version(hub):
    c = collection(hub, hub.private)
    obj = indicator(7, created="2026-03-01T00:00:00.000Z")
    assert c.add_objects(envelope([obj])).success_count == 1
    again = c.add_objects(envelope([obj]))
    assert again.success_count == 1 and again.failure_count == 0
    assert len(c.get_object(obj["id"], version="all")["objects"]) == 1
    changed = dict(obj, name="same version, other content")
    st = c.add_objects(envelope([changed]))
    assert st.failure_count == 1
    assert obj["id"] in json.dumps(st.failures)
    assert c.get_object(obj["id"])["objects"][0]["name"] == obj["name"]


def test_as_pages_through_2500_objects(hub):
    c = collection(hub, hub.shared)
    created = [indicator(i, marking="GREEN") for i in range(2600)]
    for i in range(0, len(created), 500):
        chunk = created[i : i + 500]
        st = c.add_objects(envelope(chunk))
        assert st.success_count == len(chunk), st.failures
    seen = []
    pages = 0
    for page in as_pages(c.get_objects, per_request=100, type="indicator"):
        pages += 1
        seen.extend(page.get("objects", []))
        if page.get("more"):
            assert page.get("next")
    ids = [o["id"] for o in seen]
    assert len(ids) == len(set(ids))
    assert {o["id"] for o in created} <= set(ids)
    assert pages >= 26
    for obj in seen[:300]:
        assert_valid(obj)
    # Manifest pages too.
    manifest_ids = []
    for page in as_pages(c.get_manifest, per_request=500, type="indicator"):
        manifest_ids.extend(m["id"] for m in page.get("objects", []))
    assert set(manifest_ids) == set(ids)


def test_disarm_round_trips_json_equal(hub, shared_dir):
    bundle = json.loads((shared_dir / "data/disarm/DISARM.json").read_text())
    objects = bundle["objects"]
    assert len(objects) == 698
    slug = "disarm"
    cid = hub.collection(slug, "DISARM framework")
    hub.grant("gov-a", slug, write=True)
    c = collection(hub, cid)
    st = c.add_objects(envelope(objects))
    assert st.failure_count == 0, st.failures
    assert st.success_count == 698
    got = {}
    for page in as_pages(c.get_objects, per_request=250):
        for o in page.get("objects", []):
            got[o["id"]] = o
    assert len(got) == 698
    for o in objects:
        assert got[o["id"]] == o, o["id"]
        assert_valid(got[o["id"]])


def test_kill_9_after_success_keeps_objects(rrm_bin, new_hub):
    h = new_hub()
    h.org("gov-a")
    h.user("gov-a", "a-analyst")
    cid = h.collection("cc", "cc")
    h.grant("gov-a", "cc", write=True)
    h.start()
    objs = [indicator(i) for i in range(50)]
    r = requests.post(
        f"{h.url}/taxii2/hub/collections/{cid}/objects/",
        auth=("a-analyst", PASSWORD),
        headers={"Accept": MT, "Content-Type": MT},
        data=json.dumps(envelope(objs)),
    )
    assert r.status_code == 202
    assert r.json()["success_count"] == 50
    h.stop(kill=True)
    h.start()
    c = collection(h, cid)
    got = {o["id"] for page in as_pages(c.get_objects, per_request=100) for o in page.get("objects", [])}
    assert {o["id"] for o in objs} <= got


def test_unauthenticated_gets_401(hub):
    r = requests.get(f"{hub.url}/taxii2/", headers={"Accept": MT})
    assert r.status_code == 401
    assert "Basic" in r.headers.get("WWW-Authenticate", "")
    r = requests.get(f"{hub.url}/taxii2/", headers={"Accept": MT}, auth=("a-analyst", "wrong"))
    assert r.status_code == 401
    with pytest.raises((TAXIIServiceException, requests.HTTPError)):
        Server(f"{hub.url}/taxii2/", user="a-analyst", password="wrong").refresh()
