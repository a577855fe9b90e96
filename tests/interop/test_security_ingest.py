"""Ingest rules through the real binary: reserved ids cannot be squatted (and a squat never stops
the hub), TLP markings the hub cannot read are refused rather than read as unmarked, identifiers
are lower case, observables are shared by id without telling anyone what others stored, and
revocation is final."""

import json
import uuid

import pytest
import requests

MT = "application/taxii+json;version=2.1"
PASSWORD = "correct horse battery"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
AMBER_STRICT = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
RECIPIENTS_EXT = "extension-definition--8bb12bf2-e0a2-4221-bf5d-2b727dd4d8ff"
# The namespace of stix::org_identity_id / user_identity_id (crates/stix/src/ids.rs).
RRM_NAMESPACE = uuid.UUID("4122be24-2239-484e-862f-c9884138947e")


def org_identity(slug):
    return f"identity--{uuid.uuid5(RRM_NAMESPACE, 'org:' + slug)}"


def user_identity(name):
    return f"identity--{uuid.uuid5(RRM_NAMESPACE, 'user:' + name)}"


def upper(stix_id):
    t, u = stix_id.split("--", 1)
    return f"{t}--{u.upper()}"


def ts(n):
    return f"2026-01-01T00:00:{n:02d}.000Z"


def indicator(stix_id=None, modified=1, marking=None, **extra):
    obj = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": stix_id or f"indicator--{uuid.uuid4()}",
        "created": ts(0),
        "modified": ts(modified),
        "name": "bad domain",
        "description": "secret-description",
        "pattern": "[domain-name:value = 'evil.example']",
        "pattern_type": "stix",
        "valid_from": ts(0),
    }
    if marking:
        obj["object_marking_refs"] = [marking]
    obj.update(extra)
    return obj


def identity(stix_id, name):
    return {"type": "identity", "spec_version": "2.1", "id": stix_id, "created": ts(0),
            "modified": ts(0), "name": name, "identity_class": "organization"}


def post(h, user, collection, objects):
    r = requests.post(
        f"{h.url}/taxii2/hub/collections/{collection}/objects/",
        auth=(user, PASSWORD),
        headers={"Accept": MT, "Content-Type": MT},
        data=json.dumps({"objects": objects}),
    )
    assert r.status_code == 202, r.text
    return r.json()


def read(h, user, collection):
    r = requests.get(f"{h.url}/taxii2/hub/collections/{collection}/objects/",
                     auth=(user, PASSWORD), headers={"Accept": MT})
    assert r.status_code == 200, r.text
    return r.json().get("objects", [])


@pytest.fixture
def hub(new_hub):
    h = new_hub()
    h.org("gov-a")
    h.org("gov-b", country="DE")
    h.user("gov-a", "a-analyst")
    h.user("gov-a", "a-colleague")
    h.user("gov-b", "b-analyst")
    h.cid = h.collection("shared", "Shared")
    h.secret = h.collection("secret", "Secret to gov-a")
    h.grant("gov-a", "shared", write=True)
    h.grant("gov-b", "shared", write=True)
    h.grant("gov-a", "secret", write=True)
    h.start()
    return h


def test_a_squatted_organisation_identity_never_stops_the_hub(hub):
    future = org_identity("gov-fr")
    st = post(hub, "a-analyst", hub.cid, [identity(future, "Government of France")])
    assert st["success_count"] == 1, st
    hub.stop()
    # The organisation is still made (one transaction), and prints its identity id.
    out = hub.cli("admin", "org", "add", "gov-fr", "--name", "République française",
                  "--sector", "government", "--country", "FR")
    assert future in out.stdout
    assert "gov-fr" in hub.cli("admin", "org", "list").stdout
    # Every command and `serve` still start.
    hub.user("gov-fr", "fr-reader", role="reader")
    hub.start()
    r = requests.get(f"{hub.url}/api/v1/whoami", auth=("fr-reader", PASSWORD))
    assert r.status_code == 200, r.text
    directory = [c for c in requests.get(f"{hub.url}/taxii2/hub/collections/", auth=("fr-reader", PASSWORD),
                                         headers={"Accept": MT}).json()["collections"]]
    assert len(directory) == 1
    names = {o["id"]: o["name"] for o in read(hub, "fr-reader", directory[0]["id"])}
    assert names[future] == "République française"
    # The squatted copy is no longer served: the directory's is the only one.
    assert all(o["id"] != future for o in read(hub, "a-analyst", hub.cid))
    # The squat can grow no further version: the id is reserved now.
    v2 = identity(future, "Government of France")
    v2["modified"] = ts(5)
    st = post(hub, "a-analyst", hub.cid, [v2])
    assert st["failure_count"] == 1, st
    assert "reserved" in st["failures"][0]["message"]


def test_reserved_ids_are_refused(hub):
    hub_identity = org_identity("rrm-Hub")
    ext = {"type": "extension-definition", "spec_version": "2.1", "id": RECIPIENTS_EXT,
           "created_by_ref": org_identity("gov-a"), "created": ts(0), "modified": ts(0),
           "name": "fake", "schema": "s", "version": "1", "extension_types": ["property-extension"]}
    fake_red = {"type": "marking-definition", "spec_version": "2.1", "id": RED, "created": ts(0),
                "definition_type": "statement", "definition": {"statement": "share freely"}}
    objects = [identity(org_identity("gov-b"), "Not gov-b"), identity(user_identity("b-analyst"), "Not b"),
               identity(hub_identity, "Not the hub"), ext, fake_red]
    st = post(hub, "a-analyst", hub.cid, objects)
    assert st["success_count"] == 0, st
    assert [f["id"] for f in st["failures"]] == [o["id"] for o in objects]
    for f in st["failures"]:
        assert f["message"].startswith(f["id"]) and "property 'id'" in f["message"], f
        assert "reserved" in f["message"], f


def test_markings_the_hub_cannot_read_are_refused(hub):
    own_tlp = f"marking-definition--{uuid.uuid4()}"
    own_def = {"type": "marking-definition", "spec_version": "2.1", "id": own_tlp, "created": ts(0),
               "definition_type": "tlp", "name": "TLP:RED", "definition": {"tlp": "red"}}
    objects = [
        indicator(marking=upper(RED)),
        indicator(marking=upper(AMBER_STRICT)),
        own_def,
        indicator(marking=own_tlp),
        indicator(marking=f"marking-definition--{uuid.uuid4()}"),
        indicator(granular_markings=[{"marking_ref": upper(RED), "selectors": ["description"]}]),
        indicator(granular_markings=[{"marking_ref": own_tlp, "selectors": ["description"]}]),
    ]
    st = post(hub, "a-analyst", hub.cid, objects)
    assert st["success_count"] == 0, st
    messages = [f["message"] for f in st["failures"]]
    assert "object_marking_refs.[0]" in messages[0] and "upper-case" in messages[0]
    assert "TLP" in messages[2]
    assert "object_marking_refs.[0]" in messages[3] and own_tlp in messages[3]
    assert "granular_markings.[0].marking_ref" in messages[5]
    # Nothing reaches the other organisation, the TAXII reader nor the export.
    assert read(hub, "b-analyst", hub.cid) == []
    out = hub.cli("export", "--collection", "shared", "--as", "b-analyst", "--max-tlp", "AMBER")
    assert json.loads(out.stdout).get("objects", []) == []
    assert "secret-description" not in out.stdout


def test_identifiers_are_lower_case(hub):
    mine = indicator(marking=GREEN)
    assert post(hub, "a-analyst", hub.cid, [mine])["success_count"] == 1
    twin = indicator(upper(mine["id"]), modified=2, marking=GREEN, name="twin")
    claimed = indicator(marking=GREEN, created_by_ref=upper(org_identity("gov-a")))
    st = post(hub, "b-analyst", hub.cid, [twin, claimed])
    assert st["success_count"] == 0, st
    assert "property 'id'" in st["failures"][0]["message"]
    assert "property 'created_by_ref'" in st["failures"][1]["message"]
    assert [o["id"] for o in read(hub, "b-analyst", hub.cid)] == [mine["id"]]


def test_observables_are_shared_and_foreign_ids_answer_alike(hub):
    domain = {"type": "domain-name", "spec_version": "2.1",
              "id": "domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5", "value": "example.com"}
    red_copy = dict(domain, object_marking_refs=[RED])
    for c in (hub.cid, hub.secret):
        assert post(hub, "a-analyst", c, [red_copy])["success_count"] == 1
    detection = indicator(marking=RED)
    assert post(hub, "a-analyst", hub.secret, [detection])["success_count"] == 1

    never = {"type": "domain-name", "spec_version": "2.1",
             "id": "domain-name--bedb4eb9-6f2c-5b3b-9d2a-7d6f3c1e0a11", "value": "never.example"}
    known = post(hub, "b-analyst", hub.cid, [dict(domain, object_marking_refs=[GREEN]), detection])
    fresh = post(hub, "b-analyst", hub.cid, [dict(never, object_marking_refs=[GREEN]), indicator(marking=RED)])

    def shape(st):
        return (st["success_count"], st["failure_count"], [sorted(s) for s in st["successes"]])

    assert known["success_count"] == 2, known
    assert shape(known) == shape(fresh)
    seen = [o for o in read(hub, "b-analyst", hub.cid) if o["id"] == domain["id"]]
    assert [o["object_marking_refs"] for o in seen] == [[GREEN]]
    assert len([o for o in read(hub, "a-analyst", hub.cid) if o["id"] == domain["id"]]) == 2
    # b deletes its copy; a's stays.
    r = requests.delete(f"{hub.url}/taxii2/hub/collections/{hub.cid}/objects/{domain['id']}/",
                        auth=("b-analyst", PASSWORD), headers={"Accept": MT})
    assert r.status_code == 200, r.text
    assert len([o for o in read(hub, "a-analyst", hub.cid) if o["id"] == domain["id"]]) == 1


def test_red_versions_and_final_revocation(hub):
    oid = f"indicator--{uuid.uuid4()}"
    assert post(hub, "a-analyst", hub.cid, [indicator(oid, 1, RED)])["success_count"] == 1
    # A colleague who may not see the RED version may not add one.
    st = post(hub, "a-colleague", hub.cid, [indicator(oid, 2, GREEN)])
    assert st["failure_count"] == 1, st
    assert "TLP:RED" in st["failures"][0]["message"]
    revoking = indicator(oid, 5, AMBER, revoked=True)
    assert post(hub, "a-analyst", hub.cid, [revoking])["success_count"] == 1
    # No backdated version after the revocation.
    st = post(hub, "a-analyst", hub.cid, [indicator(oid, 3, AMBER)])
    assert st["failure_count"] == 1 and "revoked" in st["failures"][0]["message"], st
    # The revoking version cannot be deleted while older versions would remain (un-revoked).
    base = f"{hub.url}/taxii2/hub/collections/{hub.cid}/objects/{oid}/"
    r = requests.delete(base + "?match[version]=last", auth=("a-analyst", PASSWORD), headers={"Accept": MT})
    assert r.status_code == 403, r.text
    assert "revoked" in r.text
    got = requests.get(base, auth=("b-analyst", PASSWORD), headers={"Accept": MT}).json()["objects"]
    assert got == [revoking]
    # Deleting every version removes the object, which stays revoked: no version comes back.
    r = requests.delete(base + "?match[version]=all", auth=("a-analyst", PASSWORD), headers={"Accept": MT})
    assert r.status_code == 200, r.text
    r = requests.get(base, auth=("b-analyst", PASSWORD), headers={"Accept": MT})
    assert r.status_code == 404, r.text
    st = post(hub, "a-analyst", hub.cid, [indicator(oid, 9, AMBER)])
    assert st["failure_count"] == 1 and "revoked" in st["failures"][0]["message"], st


def test_a_hub_with_half_made_organisations_still_starts(hub):
    """Organisations an older rrm left without their directory identity: one is repaired at
    start-up, one whose identity cannot be stored is skipped with a warning."""
    import sqlite3

    hub.stop()
    hub.org("gov-it", country="IT")
    hub.org("gov-xx", country="FR")
    db = sqlite3.connect(hub.data / "rrm.db")
    with db:
        for slug in ("gov-it", "gov-xx"):
            ident = org_identity(slug)
            db.execute("DELETE FROM objects WHERE id = ?", (ident,))
            # The ownership table of this schema (object_owner before schema 5).
            table = "object_state" if db.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'object_state'").fetchone() else "object_owner"
            db.execute(f"DELETE FROM {table} WHERE id = ?", (ident,))
        db.execute("UPDATE orgs SET identity_json = '{not json' WHERE slug = 'gov-xx'")
    db.close()
    hub.user("gov-it", "it-reader", role="reader")
    hub.start()
    r = requests.get(f"{hub.url}/healthz")
    assert r.status_code == 200, r.text
    cols = requests.get(f"{hub.url}/taxii2/hub/collections/", auth=("it-reader", PASSWORD),
                        headers={"Accept": MT}).json()["collections"]
    assert org_identity("gov-it") in {o["id"] for o in read(hub, "it-reader", cols[0]["id"])}
    assert "gov-xx" in (hub.data / "server.log").read_text()


def test_canonical_tlp_definitions_in_a_bundle_are_acknowledged(hub, tmp_path):
    """Partner bundles often carry the canonical TLP marking definitions: they are answered as
    built in (nothing stored), so `rrm import` succeeds; the RED id defining another level is a
    squat and refused."""
    tlp2_red = {"type": "marking-definition", "spec_version": "2.1", "id": RED,
                "created": "2022-10-01T00:00:00.000Z", "name": "TLP:RED",
                "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":
                               {"extension_type": "property-extension", "tlp_2_0": "red"}}}
    red_indicator = indicator(marking=RED)
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [tlp2_red, red_indicator]}
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    hub.stop()
    proc = hub.cli("import", str(path), "--collection", "shared", "--as", "a-analyst", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    hub.start()
    # The RED indicator is stored and kept from gov-b; no marking definition was stored.
    assert [o["id"] for o in read(hub, "a-analyst", hub.cid)] == [red_indicator["id"]]
    assert read(hub, "b-analyst", hub.cid) == []
    lying = dict(tlp2_red, name="TLP:CLEAR")
    lying["extensions"] = {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":
                           {"extension_type": "property-extension", "tlp_2_0": "clear"}}
    st = post(hub, "a-analyst", hub.cid, [tlp2_red, lying])
    assert st["success_count"] == 1 and st["failure_count"] == 1, st
    assert "built-in" in st["successes"][0]["message"], st
    assert "reserved" in st["failures"][0]["message"], st
