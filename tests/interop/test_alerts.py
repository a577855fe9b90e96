"""Alerts between partners through the real binary: three governments raise, acknowledge,
contribute and decline; the TLP rules for referenced objects and for forwarding at every level;
every bad input refused with a 4xx naming the field and changing nothing; the demo's alert."""

import json
import pathlib
import shutil
import tempfile
import uuid

import pytest
import requests

from conftest import Hub
from demo_hub import DemoHub, PASSWORD as DEMO_PASSWORD

MT = "application/taxii+json;version=2.1"
PASSWORD = "correct horse battery"
TLP2 = {
    "CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "AMBER": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "RED": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
RECIPIENTS_EXT = "extension-definition--8bb12bf2-e0a2-4221-bf5d-2b727dd4d8ff"
FUTURE = "2099-01-01T00:00:00Z"


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
        "object_marking_refs": markings,
    }
    obj.update(extra or {})
    return obj


def to(ids):
    return {"extensions": {RECIPIENTS_EXT: {"extension_type": "property-extension", "recipient_refs": ids}}}


@pytest.fixture(scope="module")
def world(rrm_bin):
    d = pathlib.Path(tempfile.mkdtemp(prefix="rrm-alerts-"))
    h = Hub(rrm_bin, d)
    for slug, cc in [("gov-a", "CA"), ("gov-b", "DE"), ("gov-c", "FR")]:
        h.org(slug, country=cc)
    h.org("plat", sector="platform", country="US")
    h.user("gov-a", "a-analyst")
    h.user("gov-a", "a-reader", role="reader")
    h.user("gov-b", "b-analyst")
    h.user("gov-b", "b-reader", role="reader")
    h.user("gov-c", "c-analyst")
    h.user("plat", "p-analyst")
    h.cid = h.collection("shared", "Shared analysis")
    h.private = h.collection("private", "gov-a only")
    for org in ["gov-a", "gov-b", "gov-c"]:
        h.grant(org, "shared", write=(org == "gov-a"))
    h.grant("gov-a", "private", write=True)
    orgs = {}
    for line in h.cli("admin", "org", "list").stdout.splitlines():
        slug, _sector, _country, identity, _name = line.split("\t", 4)
        orgs[slug] = identity
    h.identity = orgs
    h.objects = {
        "CLEAR": note("CLEAR", [TLP2["CLEAR"]]),
        "GREEN": note("GREEN", [TLP2["GREEN"]]),
        "AMBER": note("AMBER", [TLP2["AMBER"]]),
        "AMBER+STRICT": note("AMBER+STRICT", [TLP2["AMBER+STRICT"]]),
        "RED to gov-b": note("RED to gov-b", [TLP2["RED"]], to([orgs["gov-b"]])),
        "RED nobody": note("RED nobody", [TLP2["RED"]]),
        "GREEN with RED abstract": note(
            "granular abstract",
            [TLP2["GREEN"]],
            {"granular_markings": [{"marking_ref": TLP2["RED"], "selectors": ["abstract"]}]},
        ),
        "GREEN with RED content": note(
            "granular content",
            [TLP2["GREEN"]],
            {"granular_markings": [{"marking_ref": TLP2["RED"], "selectors": ["content"]}]},
        ),
    }
    h.start()
    try:
        post(h, h.cid, list(h.objects.values()))
        h.private_obj = note("private", [TLP2["GREEN"]])
        post(h, h.private, [h.private_obj])
        yield h
    finally:
        h.stop()
        shutil.rmtree(d, ignore_errors=True)


def post(h, cid, objects):
    st = requests.post(
        f"{h.url}/taxii2/hub/collections/{cid}/objects/",
        auth=("a-analyst", PASSWORD),
        headers={"Accept": MT, "Content-Type": MT},
        data=json.dumps({"objects": objects}),
    )
    assert st.status_code == 202, st.text
    assert st.json()["failure_count"] == 0, st.json()["failures"]


def api(h, method, path, user, body=None):
    return requests.request(method, f"{h.url}/api/v1{path}", auth=(user, PASSWORD), json=body)


def ref(h, label, collection=None):
    return {"collection": collection or h.cid, "id": h.objects[label]["id"]}


def raise_alert(h, recipients, objects=(), tlp="AMBER", user="a-analyst", **extra):
    body = {
        "title": "Forged document amplified",
        "summary": "Accounts amplify a forged ministry letter.",
        "tlp": tlp,
        "objects": list(objects),
        "recipients": recipients,
        "responses": ["share indicators", "report takedowns"],
        "respond_by": FUTURE,
    }
    body.update(extra)
    return api(h, "POST", "/alerts", user, body)


def snapshot(h):
    """Everything an alert request could change: the lists, the audit log, the objects."""
    sent = api(h, "GET", "/alerts?box=sent", "a-analyst").json()
    inboxes = {u: api(h, "GET", "/alerts", u).json() for u in ["b-analyst", "c-analyst", "p-analyst"]}
    views = {a["id"]: api(h, "GET", f"/alerts/{a['id']}", "a-analyst").json() for a in sent["alerts"]}
    audit = h.cli("admin", "audit", "--limit", "1000").stdout
    objects = requests.get(
        f"{h.url}/taxii2/hub/collections/{h.cid}/objects/",
        auth=("a-analyst", PASSWORD),
        headers={"Accept": MT},
        params={"match[version]": "all"},
    ).json()
    return sent, inboxes, views, audit, objects


def test_three_governments_raise_acknowledge_contribute_decline(world):
    h = world
    r = raise_alert(h, ["gov-b", "gov-c"], [ref(h, "AMBER")])
    assert r.status_code == 201, r.text
    alert = r.json()
    aid = alert["id"]
    assert alert["tlp"] == "AMBER" and alert["priority"] == "alert" and alert["sender"] == "gov-a"
    assert [(x["org"], x["state"], x["allowed"]) for x in alert["recipients"]] == [
        ("gov-b", "pending", ["acknowledge"]),
        ("gov-c", "pending", ["acknowledge"]),
    ]
    # Both recipients find it at the top of their inbox; the sender in its sent list.
    for u in ["b-analyst", "c-analyst"]:
        top = api(h, "GET", "/alerts?limit=1", u).json()["alerts"][0]
        assert top["id"] == aid and top["state"] == "pending"
    assert api(h, "GET", "/alerts?box=sent&limit=1", "a-analyst").json()["alerts"][0]["id"] == aid
    # A recipient's reader sees it too, but the platform does not.
    assert api(h, "GET", f"/alerts/{aid}", "b-reader").status_code == 200
    assert api(h, "GET", f"/alerts/{aid}", "p-analyst").status_code == 404

    steps = [
        ("b-analyst", "acknowledge", "acknowledged"),
        ("b-analyst", "contribute", "contributed"),
        ("c-analyst", "acknowledge", "acknowledged"),
        ("c-analyst", "decline", "declined"),
    ]
    for user, action, state in steps:
        r = api(h, "POST", f"/alerts/{aid}/{action}", user, {"comment": f"{user} {action}"})
        assert r.status_code == 200, r.text
        mine = [x for x in r.json()["recipients"] if x["org"] == "gov-" + user[0]][0]
        assert mine["state"] == state
    final = api(h, "GET", f"/alerts/{aid}", "a-analyst").json()
    assert [(x["org"], x["state"], x["allowed"]) for x in final["recipients"]] == [
        ("gov-b", "contributed", []),
        ("gov-c", "declined", []),
    ]
    assert [(e["org"], e["user"], e["action"], e["from"], e["to"], e["rule"], e["comment"]) for e in final["events"]] == [
        ("gov-b", "b-analyst", "acknowledge", "pending", "acknowledged", "alert.acknowledge", "b-analyst acknowledge"),
        ("gov-b", "b-analyst", "contribute", "acknowledged", "contributed", "alert.contribute", "b-analyst contribute"),
        ("gov-c", "c-analyst", "acknowledge", "pending", "acknowledged", "alert.acknowledge", "c-analyst acknowledge"),
        ("gov-c", "c-analyst", "decline", "acknowledged", "declined", "alert.decline", "c-analyst decline"),
    ]
    assert all(e["at"].endswith("Z") for e in final["events"])
    # Every change is in the audit log.
    audit = h.cli("admin", "audit", "--limit", "1000").stdout
    for action in ["alert.raise", "alert.acknowledge", "alert.contribute", "alert.decline"]:
        assert any(action in line and aid in line for line in audit.splitlines()), action
    # The CLI reads the same data directory.
    listed = h.cli("alert", "list", "--as", "b-analyst").stdout
    assert any(line.startswith(aid) and "contributed" in line for line in listed.splitlines())
    shown = json.loads(h.cli("alert", "show", aid, "--as", "c-analyst").stdout)
    assert shown["recipients"][1]["state"] == "declined"
    # Raising and answering from the CLI goes through the same rules.
    cid = h.cli(
        "alert", "raise", "--as", "a-analyst", "--title", "From the CLI", "--tlp", "GREEN",
        "--to", "gov-b", "--object", f"shared/{h.objects['GREEN']['id']}", "--respond-by", FUTURE,
    ).stdout.strip()
    assert h.cli("alert", "ack", cid, "--as", "b-analyst", "--comment", "on it").stdout.strip() == f"{cid} gov-b: acknowledged"
    via_api = api(h, "GET", f"/alerts/{cid}", "b-analyst").json()
    assert via_api["tlp"] == "GREEN" and via_api["events"][0]["comment"] == "on it"
    p = h.cli("alert", "raise", "--as", "a-analyst", "--title", "t", "--to", "gov-b",
              "--object", f"shared/{h.objects['RED nobody']['id']}", check=False)
    assert p.returncode != 0 and "is not visible to gov-b" in p.stderr


@pytest.mark.parametrize(
    "label,recipients,blocked",
    [
        ("CLEAR", ["gov-b", "gov-c"], []),
        ("GREEN", ["gov-b", "gov-c"], []),
        ("AMBER", ["gov-b", "gov-c"], []),
        ("AMBER+STRICT", ["gov-b", "gov-c"], []),
        ("RED to gov-b", ["gov-b"], []),
        ("RED to gov-b", ["gov-b", "gov-c"], ["gov-c"]),
        ("RED nobody", ["gov-b", "gov-c"], ["gov-b", "gov-c"]),
        # Granular markings: a recipient is served the note without its RED abstract, so it
        # may see the note; without its RED content (a required property) the note is withheld.
        ("GREEN with RED abstract", ["gov-b", "gov-c"], []),
        ("GREEN with RED content", ["gov-b", "gov-c"], ["gov-b", "gov-c"]),
        # No grant on the collection: nobody but the sender may see it.
        ("GREEN", ["plat"], ["plat"]),
    ],
)
def test_referenced_objects_must_be_visible_to_every_recipient(world, label, recipients, blocked):
    h = world
    before = snapshot(h)
    r = raise_alert(h, recipients, [ref(h, label)])
    if not blocked:
        assert r.status_code == 201, r.text
        return
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_input" and err["field"] == "objects"
    for org in blocked:
        assert f"{h.objects[label]['id']} is not visible to {org}" in err["message"]
    for org in set(recipients) - set(blocked):
        assert f"visible to {org}" not in err["message"]
    assert snapshot(h) == before


@pytest.mark.parametrize(
    "tlp,forwardable",
    [("CLEAR", True), ("GREEN", True), ("AMBER", False), ("AMBER+STRICT", False), ("RED", False)],
)
def test_forwarding_only_where_the_tlp_allows(world, tlp, forwardable):
    h = world
    r = raise_alert(h, ["gov-b"], [ref(h, "GREEN")], tlp=tlp)
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    assert r.json()["forwardable"] is forwardable
    before = snapshot(h)
    f = api(h, "POST", f"/alerts/{aid}/forward", "b-analyst", {"recipients": ["gov-c"]})
    if forwardable:
        assert f.status_code == 200, f.text
        assert [(x["org"], x.get("forwarded_by")) for x in f.json()["recipients"]] == [
            ("gov-b", None),
            ("gov-c", "gov-b"),
        ]
        assert api(h, "GET", f"/alerts/{aid}", "c-analyst").status_code == 200
    else:
        assert f.status_code == 403, f.text
        assert f.json()["error"]["code"] == "forbidden"
        assert f"TLP:{tlp}" in f.json()["error"]["message"]
        assert api(h, "GET", f"/alerts/{aid}", "c-analyst").status_code == 404
        assert snapshot(h) == before


def test_forwarding_checks_objects_for_the_new_recipients(world):
    h = world
    r = raise_alert(h, ["gov-b"], [ref(h, "GREEN")], tlp="GREEN")
    aid = r.json()["id"]
    before = snapshot(h)
    f = api(h, "POST", f"/alerts/{aid}/forward", "b-analyst", {"recipients": ["plat"]})
    assert f.status_code == 400 and f.json()["error"]["field"] == "objects", f.text
    assert "is not visible to plat" in f.json()["error"]["message"]
    assert snapshot(h) == before


def test_bad_input_is_refused_naming_the_field_and_changes_nothing(world):
    h = world
    aid = raise_alert(h, ["gov-b"], [ref(h, "AMBER")]).json()["id"]
    before = snapshot(h)
    cases = [
        # A transition the state machine forbids: 409 with the current and allowed states.
        ("POST", f"/alerts/{aid}/contribute", "b-analyst", {}, 409, "invalid_transition", None),
        ("POST", f"/alerts/{aid}/decline", "b-analyst", {}, 409, "invalid_transition", None),
        # Respond-by in the past, or not a time.
        ("POST", "/alerts", "a-analyst", {"title": "t", "recipients": ["gov-b"], "respond_by": "2001-01-01T00:00:00Z"}, 400, "invalid_input", "respond_by"),
        ("POST", "/alerts", "a-analyst", {"title": "t", "recipients": ["gov-b"], "respond_by": "tomorrow"}, 400, "invalid_input", "respond_by"),
        # Unknown object references: a made-up id, an object of a collection the sender may
        # not read, a collection that does not exist.
        ("POST", "/alerts", "a-analyst", {"title": "t", "recipients": ["gov-b"], "objects": [{"collection": h.cid, "id": f"note--{uuid.uuid4()}"}]}, 400, "invalid_input", "objects[0]"),
        ("POST", "/alerts", "b-analyst", {"title": "t", "recipients": ["gov-c"], "objects": [{"collection": "private", "id": h.private_obj["id"]}]}, 400, "invalid_input", "objects[0]"),
        ("POST", "/alerts", "a-analyst", {"title": "t", "recipients": ["gov-b"], "objects": [ref(h, "AMBER"), {"collection": "nope", "id": h.objects["AMBER"]["id"]}]}, 400, "invalid_input", "objects[1]"),
        # A recipient that may not see an object.
        ("POST", "/alerts", "a-analyst", {"title": "t", "recipients": ["gov-b"], "objects": [{"collection": "private", "id": h.private_obj["id"]}]}, 400, "invalid_input", "objects"),
        # Other malformed fields.
        ("POST", "/alerts", "a-analyst", {"title": " ", "recipients": ["gov-b"]}, 400, "invalid_input", "title"),
        ("POST", "/alerts", "a-analyst", {"title": "t", "recipients": ["nobody"]}, 400, "invalid_input", "recipients[0]"),
        ("POST", "/alerts", "a-analyst", {"title": "t", "recipients": ["gov-a"]}, 400, "invalid_input", "recipients"),
        ("POST", "/alerts", "a-analyst", {"title": "t", "recipients": ["gov-b"], "tlp": "PURPLE"}, 400, "invalid_input", "tlp"),
        ("POST", "/alerts", "a-analyst", {"title": "t", "recipients": ["gov-b"], "priority": "urgent"}, 400, "invalid_input", "priority"),
        ("POST", "/alerts", "a-analyst", {"title": "t", "recipients": ["gov-b"], "colour": "red"}, 400, "invalid_input", "colour"),
        # A reader may not raise.
        ("POST", "/alerts", "a-reader", {"title": "t", "recipients": ["gov-b"]}, 403, "forbidden", None),
        # A non-recipient answering: the alert does not exist for it.
        ("POST", f"/alerts/{aid}/acknowledge", "c-analyst", {}, 404, "not_found", None),
        ("POST", f"/alerts/{aid}/acknowledge", "p-analyst", {}, 404, "not_found", None),
        # The sender cannot answer for a recipient, nor can the recipient's reader.
        ("POST", f"/alerts/{aid}/acknowledge", "a-analyst", {}, 403, "forbidden", None),
        ("POST", f"/alerts/{aid}/acknowledge", "b-reader", {}, 403, "forbidden", None),
        # Only the operator maintains groups.
        ("POST", "/groups", "a-analyst", {"name": "G7 RRM"}, 403, "forbidden", None),
    ]
    for method, path, user, body, status, code, field in cases:
        r = api(h, method, path, user, body)
        assert r.status_code == status, (path, body, r.text)
        err = r.json()["error"]
        assert err["code"] == code, (path, body, err)
        if field:
            assert err["field"] == field, (path, body, err)
        if code == "invalid_transition":
            assert err["current"] == "pending" and err["allowed"] == ["acknowledge"], err
        assert snapshot(h) == before, (path, body)
    # After an acknowledgement the 409 names the new state; a final state allows nothing.
    assert api(h, "POST", f"/alerts/{aid}/acknowledge", "b-analyst", {}).status_code == 200
    r = api(h, "POST", f"/alerts/{aid}/acknowledge", "b-analyst", {})
    assert r.status_code == 409 and r.json()["error"]["current"] == "acknowledged"
    assert r.json()["error"]["allowed"] == ["contribute", "decline"]
    assert api(h, "POST", f"/alerts/{aid}/decline", "b-analyst", {}).status_code == 200
    r = api(h, "POST", f"/alerts/{aid}/contribute", "b-analyst", {})
    assert r.status_code == 409 and r.json()["error"]["current"] == "declined"
    assert r.json()["error"]["allowed"] == []
    # The CLI refuses the same way and exits non-zero.
    p = h.cli("alert", "contribute", aid, "--as", "b-analyst", check=False)
    assert p.returncode != 0 and "current state declined" in p.stderr


def test_groups_are_expanded_at_raising(world):
    h = world
    h.cli("alert", "group", "create", "EU RAS", "--member", "gov-a", "--member", "gov-b")
    r = raise_alert(h, [], groups=["EU RAS"])
    assert r.status_code == 201, r.text
    assert [(x["org"], x.get("via_group")) for x in r.json()["recipients"]] == [("gov-b", "EU RAS")]
    h.cli("alert", "group", "add", "EU RAS", "gov-c")
    assert api(h, "GET", f"/alerts/{r.json()['id']}", "c-analyst").status_code == 404
    groups = api(h, "GET", "/groups", "c-analyst").json()["groups"]
    assert [(g["name"], g["members"]) for g in groups if g["name"] == "EU RAS"] == [
        ("EU RAS", ["gov-a", "gov-b", "gov-c"])
    ]


def test_inbox_pages_are_stable_newest_first(world):
    h = world
    ids = [raise_alert(h, ["gov-c"], tlp="GREEN").json()["id"] for _ in range(5)]
    seen, nxt = [], None
    while len(seen) < 5:
        q = "/alerts?limit=2" + (f"&next={nxt}" if nxt else "")
        page = api(h, "GET", q, "c-analyst").json()
        seen += [a["id"] for a in page["alerts"]]
        nxt = page["next"]
        # A new alert arriving meanwhile does not shift the pages already handed out.
        raise_alert(h, ["gov-c"], tlp="GREEN")
    # Older alerts of other tests follow the five.
    assert seen[:5] == ids[::-1]
    r = api(h, "GET", f"/alerts?limit=2&next={nxt}", "b-analyst")
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_cursor"


def test_demo_seeds_an_alert_from_one_government_to_the_others(rrm_bin):
    d = pathlib.Path(tempfile.mkdtemp(prefix="rrm-demo-alerts-"))
    demo = DemoHub(rrm_bin, d)
    try:
        for user in ["de-analyst", "fr-analyst"]:
            r = requests.get(f"{demo.url}/api/v1/alerts", auth=(user, DEMO_PASSWORD))
            assert r.status_code == 200, r.text
            alerts = r.json()["alerts"]
            assert len(alerts) == 1 and alerts[0]["sender"] == "gov-ca" and alerts[0]["state"] == "pending"
        r = requests.get(f"{demo.url}/api/v1/alerts?box=sent", auth=("ca-analyst", DEMO_PASSWORD))
        alert = requests.get(
            f"{demo.url}/api/v1/alerts/{r.json()['alerts'][0]['id']}", auth=("ca-analyst", DEMO_PASSWORD)
        ).json()
        assert sorted(x["org"] for x in alert["recipients"]) == ["gov-de", "gov-fr"]
        assert alert["objects"] and alert["respond_by"]
        r = requests.get(f"{demo.url}/api/v1/alerts", auth=("chirp-analyst", DEMO_PASSWORD))
        assert r.json()["alerts"] == []
    finally:
        demo.stop()
        shutil.rmtree(d, ignore_errors=True)
