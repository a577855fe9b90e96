"""TLP 2.0 end to end: three organisations, every level; no user receives what they may not see."""

import json
import pathlib
import shutil
import tempfile
import uuid

import pytest
import requests
from taxii2client.v21 import Server, as_pages

from conftest import Hub

MT = "application/taxii+json;version=2.1"
PASSWORD = "correct horse battery"
TLP2 = {
    "CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "AMBER": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "RED": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP1_RED = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
TLP1_WHITE = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
ORDER = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]
USERS = ["a-analyst", "a-admin", "b-analyst", "p-reader"]
USER_ORG = {"a-analyst": "gov-a", "a-admin": "gov-a", "b-analyst": "gov-b", "p-reader": "plat"}


@pytest.fixture(scope="module")
def world(rrm_bin):
    d = pathlib.Path(tempfile.mkdtemp(prefix="rrm-tlp-"))
    h = Hub(rrm_bin, d)
    h.org("gov-a", country="CA")
    h.org("gov-b", country="DE")
    h.org("plat", sector="platform", country="US")
    h.user("gov-a", "a-analyst")
    h.user("gov-a", "a-admin", role="admin")
    h.user("gov-b", "b-analyst")
    h.user("plat", "p-reader", role="reader")
    h.cid = h.collection("tlp", "TLP test")
    h.grant("gov-a", "tlp", write=True)
    h.grant("gov-b", "tlp")
    h.grant("plat", "tlp")
    orgs = {}
    for line in h.cli("admin", "org", "list").stdout.splitlines():
        slug, _sector, _country, identity, _name = line.split("\t", 4)
        orgs[slug] = identity
    h.start()
    try:
        yield from _populate(h, orgs)
    finally:
        h.stop()
        shutil.rmtree(d, ignore_errors=True)


def _populate(h, orgs):
    h.org_identity = orgs
    h.user_identity = {}
    for u in USERS:
        r = requests.get(f"{h.url}/api/v1/whoami", auth=(u, PASSWORD))
        assert r.status_code == 200, r.text
        h.user_identity[u] = r.json()["identities"][0]
    h.objects = make_objects(h)
    st = requests.post(
        f"{h.url}/taxii2/hub/collections/{h.cid}/objects/",
        auth=("a-analyst", PASSWORD),
        headers={"Accept": MT, "Content-Type": MT},
        data=json.dumps({"objects": [o for o, _ in h.objects]}),
    )
    assert st.status_code == 202, st.text
    assert st.json()["failure_count"] == 0, st.json()["failures"]
    yield h


def recipients_ext(ids):
    return {
        "extensions": {
            RECIPIENTS_EXT: {"extension_type": "property-extension", "recipient_refs": ids}
        }
    }


RECIPIENTS_EXT = None  # Filled from the hub's directory collection.


def note(label, markings, extra=None):
    obj = {
        "type": "note",
        "spec_version": "2.1",
        "id": f"note--{uuid.uuid4()}",
        "created": "2026-04-01T00:00:00.000Z",
        "modified": "2026-04-01T00:00:00.000Z",
        "content": f"content of {label}",
        "abstract": label,
        "object_refs": ["identity--6b5c8f7e-6d4e-4f4b-8a1d-2f0b6a4c9e11"],
    }
    if markings:
        obj["object_marking_refs"] = markings
    obj.update(extra or {})
    return obj


def make_objects(h):
    """Objects with the rule that says who may see them: a function of the username."""
    global RECIPIENTS_EXT
    RECIPIENTS_EXT = find_extension_id(h)
    b_org = h.org_identity["gov-b"]
    p_user = h.user_identity["p-reader"]
    submitter = "a-analyst"

    def level(name, recipients=()):
        rank = ORDER.index(name)

        def visible(user):
            if rank < ORDER.index("RED"):
                return True
            return (
                user == submitter
                or h.org_identity[USER_ORG[user]] in recipients
                or h.user_identity[user] in recipients
            )

        return visible

    out = []
    for name in ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT"]:
        out.append((note(name, [TLP2[name]]), level(name)))
    out.append((note("RED to gov-b", [TLP2["RED"]], recipients_ext([b_org])), level("RED", [b_org])))
    out.append((note("RED to p-reader", [TLP2["RED"]], recipients_ext([p_user])), level("RED", [p_user])))
    out.append((note("RED nobody", [TLP2["RED"]]), level("RED")))
    out.append((note("TLP1 RED to gov-b", [TLP1_RED], recipients_ext([b_org])), level("RED", [b_org])))
    out.append((note("GREEN+RED is RED", [TLP2["GREEN"], TLP2["RED"]]), level("RED")))
    out.append((note("TLP1 WHITE", [TLP1_WHITE]), level("CLEAR")))
    out.append((note("default AMBER", None), level("AMBER")))
    granular = note(
        "GREEN with RED description",
        [TLP2["GREEN"]],
        {
            "description": "secret detail",
            "granular_markings": [{"marking_ref": TLP2["RED"], "selectors": ["description"]}],
        },
    )
    out.append((granular, level("GREEN")))
    withheld = note(
        "GREEN with RED content (required)",
        [TLP2["GREEN"]],
        {"granular_markings": [{"marking_ref": TLP2["RED"], "selectors": ["content"]}]},
    )
    out.append((withheld, level("RED")))
    return out


def find_extension_id(h):
    """Reads the recipients extension-definition the hub serves in its directory collection."""
    s = Server(f"{h.url}/taxii2/", user="a-analyst", password=PASSWORD)
    for c in s.api_roots[0].collections:
        if c.can_read:
            for o in c.get_objects(type="extension-definition").get("objects", []):
                if "recipient" in json.dumps(o).lower():
                    return o["id"]
    raise AssertionError("the hub serves no recipients extension-definition")


def read_all(h, user):
    s = Server(f"{h.url}/taxii2/", user=user, password=PASSWORD)
    c = [c for c in s.api_roots[0].collections if c.id == h.cid][0]
    got = {}
    for page in as_pages(c.get_objects, per_request=3):
        for o in page.get("objects", []):
            got[o["id"]] = o
    manifest = set()
    for page in as_pages(c.get_manifest, per_request=3):
        manifest.update(m["id"] for m in page.get("objects", []))
    return got, manifest


@pytest.mark.parametrize("user", USERS)
def test_taxii_serves_exactly_what_tlp_allows(world, user):
    got, manifest = read_all(world, user)
    for obj, visible in world.objects:
        if visible(user):
            assert obj["id"] in got, f"{user} should see {obj['abstract']}"
            assert obj["id"] in manifest
        else:
            assert obj["id"] not in got, f"{user} must not see {obj['abstract']}"
            assert obj["id"] not in manifest
            r = requests.get(
                f"{world.url}/taxii2/hub/collections/{world.cid}/objects/{obj['id']}/",
                auth=(user, PASSWORD),
                headers={"Accept": MT},
            )
            assert r.status_code == 404
    granular = [o for o, _ in world.objects if o["abstract"] == "GREEN with RED description"][0]
    served = got[granular["id"]]
    if user == "a-analyst":
        assert served["description"] == "secret detail"
    else:
        assert "description" not in served, f"{user} received a RED-marked property"
        assert served["content"] == granular["content"]


def test_admin_gets_no_exception(world):
    got, _ = read_all(world, "a-admin")
    red_nobody = [o for o, _ in world.objects if o["abstract"] == "RED nobody"][0]
    assert red_nobody["id"] not in got


def test_export_holds_only_exportable_levels(world):
    out = world.cli("export", "--collection", "tlp", "--as", "b-analyst")
    bundle = json.loads(out.stdout)
    assert bundle["type"] == "bundle"
    exported = {o["id"]: o for o in bundle["objects"]}
    for obj, visible in world.objects:
        markings = obj.get("object_marking_refs") or [TLP2["AMBER"]]
        levels = [
            "RED" if m in (TLP2["RED"], TLP1_RED) else next((k for k, v in TLP2.items() if v == m), "CLEAR")
            for m in markings
        ]
        worst = max(levels, key=ORDER.index)
        if worst in ("AMBER+STRICT", "RED") or not visible("b-analyst"):
            assert obj["id"] not in exported, obj["abstract"]
        else:
            assert obj["id"] in exported, obj["abstract"]
    for o in exported.values():
        assert "secret detail" not in json.dumps(o)
    green = world.cli("export", "--collection", "tlp", "--as", "b-analyst", "--max-tlp", "GREEN")
    for o in json.loads(green.stdout)["objects"]:
        assert TLP2["AMBER"] not in o.get("object_marking_refs", [TLP2["AMBER"]])


@pytest.mark.parametrize("level", ["RED", "AMBER+STRICT"])
def test_export_refuses_strict_and_red(world, level):
    out = world.cli("export", "--collection", "tlp", "--as", "a-analyst", "--max-tlp", level, check=False)
    assert out.returncode != 0
    assert "never leave" in out.stderr
    assert out.stdout.strip() == ""


def read_rest(h, user):
    got = {}
    params = {"limit": 4}
    while True:
        r = requests.get(f"{h.url}/api/v1/collections/{h.cid}/objects", auth=(user, PASSWORD), params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        for o in body["objects"]:
            got[o["id"]] = o
        if not body["more"]:
            return got
        params = {"limit": 4, "next": body["next"]}


@pytest.mark.parametrize("user", USERS)
def test_rest_serves_exactly_what_tlp_allows(world, user):
    got = read_rest(world, user)
    for obj, visible in world.objects:
        assert (obj["id"] in got) == visible(user), f"{user}: {obj['abstract']}"
    granular = [o for o, _ in world.objects if o["abstract"] == "GREEN with RED description"][0]
    if user != "a-analyst":
        assert "description" not in got[granular["id"]]


def test_cursor_of_one_user_is_refused_to_another(world):
    r = requests.get(f"{world.url}/api/v1/collections/{world.cid}/objects", auth=("a-analyst", PASSWORD),
                     params={"limit": 2})
    cursor = r.json()["next"]
    assert cursor
    stolen = requests.get(f"{world.url}/taxii2/hub/collections/{world.cid}/objects/", auth=("b-analyst", PASSWORD),
                          headers={"Accept": MT}, params={"limit": 2, "next": cursor})
    assert stolen.status_code == 400
    stolen = requests.get(f"{world.url}/api/v1/collections/{world.cid}/objects", auth=("b-analyst", PASSWORD),
                          params={"limit": 2, "next": cursor})
    assert stolen.status_code == 400
    assert stolen.json()["error"]["code"] == "bad_cursor"
