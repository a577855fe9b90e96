"""Response cases through the real binary: three governments run a case on a campaign that uses
DISARM techniques, list the countermeasures from the shared galaxy, adopt one as an action
approved by a second person, adopt a joint statement by quorum; every refused request changes
nothing."""

import datetime
import json
import uuid

import requests
from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import Server, as_pages

PASSWORD = "correct horse battery"
TECHNIQUES = ["T0049", "T0085", "T0023"]
RESPONSE_TYPES = {"detect", "deny", "disrupt", "degrade", "deceive", "destroy", "deter"}


def api(h, method, path, user, **kw):
    return requests.request(method, f"{h.url}/api/v1{path}", auth=(user, PASSWORD), timeout=120, **kw)


def now_stix():
    return "2026-01-01T00:00:00.000Z"


def campaign_bundle(shared_dir):
    """A campaign that `uses` three DISARM attack patterns of DISARM.json."""
    disarm = json.loads((shared_dir / "data/disarm/DISARM.json").read_text())
    by_tid = {}
    for o in disarm["objects"]:
        if o["type"] == "attack-pattern":
            for r in o.get("external_references", []):
                by_tid[r.get("external_id")] = o["id"]
    camp = f"campaign--{uuid.uuid4()}"
    objs = [{"type": "campaign", "spec_version": "2.1", "id": camp, "created": now_stix(),
             "modified": now_stix(), "name": "Operation Doppelganger (test)"}]
    for t in TECHNIQUES:
        objs.append({"type": "relationship", "spec_version": "2.1", "id": f"relationship--{uuid.uuid4()}",
                     "created": now_stix(), "modified": now_stix(), "relationship_type": "uses",
                     "source_ref": camp, "target_ref": by_tid[t]})
    return camp, {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objs}


def make_hub(new_hub, shared_dir, tmp_path, galaxy=True, start=True):
    h = new_hub()
    h.org("gov-ca", country="CA")
    h.org("gov-fr", country="FR")
    h.org("gov-jp", country="JP")
    h.org("gov-xx", country="XX")
    h.org("plat", sector="platform", country="US")
    for org, user in [("gov-ca", "ca-ana"), ("gov-ca", "ca-ana2"), ("gov-fr", "fr-ana"),
                      ("gov-jp", "jp-ana"), ("gov-xx", "xx-ana")]:
        h.user(org, user)
    h.user("gov-ca", "ca-admin", role="admin")
    h.user("gov-fr", "fr-admin", role="admin")
    h.g7 = h.collection("g7", "G7 RRM")
    h.statements = h.collection("statements", "Joint statements", default_tlp="CLEAR")
    for org in ["gov-ca", "gov-fr", "gov-jp", "gov-xx"]:
        h.grant(org, "g7", write=True)
        h.grant(org, "statements")
    h.cli("import", str(shared_dir / "data/disarm/DISARM.json"), "--collection", "g7", "--as", "ca-ana")
    camp, bundle = campaign_bundle(shared_dir)
    path = tmp_path / "campaign.json"
    path.write_text(json.dumps(bundle))
    h.cli("import", str(path), "--collection", "g7", "--as", "ca-ana")
    h.campaign = camp
    if not start:
        return h
    extra = ["--statements-collection", "statements"]
    if galaxy:
        extra += ["--disarm-galaxy", str(shared_dir / "data/disarm")]
    return h.start(*extra)


def pull(h, collection, user):
    """Every object of a collection, read over TAXII 2.1 with taxii2-client."""
    root = Server(f"{h.url}/taxii2/", user=user, password=PASSWORD).api_roots[0]
    col = [c for c in root.collections if c.id == collection][0]
    objs = []
    for page in as_pages(col.get_objects, per_request=500):
        objs.extend(page.get("objects", []))
    return objs


def assert_valid(o):
    result = validate_instance(o, ValidationOptions(version="2.1"))
    assert not result.errors, f"{o['id']}: {[str(e) for e in result.errors]}"
    assert result.is_valid, o


INCIDENT_CORE = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"
TASK_EXT = "extension-definition--2074a052-8be4-4932-849e-f5e7798e0030"
RRM_CASES_EXT = "extension-definition--2bbf4f8c-5625-4d19-9a52-86c1969a7b04"
CLEAR = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


def snapshot(h, case_id, user="ca-ana"):
    """Everything stored about a case, as its owner sees it."""
    out = {}
    for part in ["", "/actions", "/votes"]:
        r = api(h, "GET", f"/cases/{case_id}{part}", user)
        assert r.status_code == 200, r.text
        out[part] = r.json()
    return out


def error(r, status, code=None, field=None):
    assert r.status_code == status, (r.status_code, r.text)
    e = r.json()["error"]
    if code:
        assert e["code"] == code, e
    if field:
        assert e.get("field") == field, e
    return e


def test_three_governments_case_counters_approval_and_quorum(new_hub, shared_dir, tmp_path):
    h = make_hub(new_hub, shared_dir, tmp_path)
    r = api(h, "POST", "/cases", "ca-ana", json={
        "title": "Doppelganger wave", "participants": ["gov-fr", "gov-jp"],
        "objects": [{"collection": "g7", "id": h.campaign}]})
    assert r.status_code == 201, r.text
    case = r.json()
    cid = case["id"]
    assert case["status"] == "new" and case["owner"] == "gov-ca"
    assert sorted(case["participants"]) == ["gov-fr", "gov-jp"]

    # Each participant lists it; the outsider does not see it.
    for user, role in [("fr-ana", "participating"), ("ca-ana", "mine")]:
        r = api(h, "GET", f"/cases?role={role}", user)
        assert [c["id"] for c in r.json()["cases"]] == [cid]
    assert api(h, "GET", "/cases", "xx-ana").json()["cases"] == []
    error(api(h, "GET", f"/cases/{cid}", "xx-ana"), 404, "not_found")

    # Options: DISARM countermeasures for the campaign's techniques, from the shared galaxy.
    r = api(h, "GET", f"/cases/{cid}/options", "fr-ana")
    assert r.status_code == 200, r.text
    options = r.json()["options"]
    assert options, "no countermeasure for T0049, T0085, T0023"
    for o in options:
        assert o["counter_id"].startswith("C") and o["name"]
        assert o["response_type"] in RESPONSE_TYPES
        assert o["techniques"] and set(o["techniques"]) <= set(TECHNIQUES), o
    covered = {t for o in options for t in o["techniques"]}
    assert covered == set(TECHNIQUES), covered

    r = api(h, "POST", f"/cases/{cid}/open", "ca-ana")
    assert r.status_code == 200 and r.json()["status"] == "open", r.text

    # An option adopted as an action: proposed by one analyst, approved by a second one.
    counter = options[0]["counter_id"]
    r = api(h, "POST", f"/cases/{cid}/actions", "ca-ana", json={
        "title": "Ask the platform to label the network", "counter_id": counter,
        "performing_org": "gov-ca", "target_org": "plat", "due": "2999-01-01T00:00:00Z"})
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    assert r.json()["status"] == "draft" and r.json()["outcome"] == "pending"
    r = api(h, "POST", f"/cases/{cid}/actions/{aid}/propose", "ca-ana")
    assert r.json()["status"] == "proposed", r.text
    before = snapshot(h, cid)
    e = error(api(h, "POST", f"/cases/{cid}/actions/{aid}/approve", "ca-ana"), 403, "forbidden")
    assert "author" in e["message"] or "proposer" in e["message"], e
    assert snapshot(h, cid) == before
    r = api(h, "POST", f"/cases/{cid}/actions/{aid}/approve", "ca-ana2")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved" and r.json()["outcome"] == "ongoing"

    # A joint statement adopted by a quorum of two.
    r = api(h, "POST", f"/cases/{cid}/votes", "ca-ana", json={
        "text": "The G7 RRM partners condemn the Doppelganger operation.", "rule": "quorum:2"})
    assert r.status_code == 201, r.text
    vid = r.json()["id"]
    r = api(h, "POST", f"/cases/{cid}/votes/{vid}/ballots", "fr-ana", json={"ballot": "endorse"})
    assert r.json()["status"] == "open" and r.json()["endorse"] == 1, r.text
    before = snapshot(h, cid)
    error(api(h, "POST", f"/cases/{cid}/votes/{vid}/ballots", "fr-ana", json={"ballot": "object"}), 409, "conflict")
    error(api(h, "POST", f"/cases/{cid}/votes/{vid}/ballots", "xx-ana", json={"ballot": "endorse"}), 404, "not_found")
    assert snapshot(h, cid) == before
    r = api(h, "POST", f"/cases/{cid}/votes/{vid}/ballots", "jp-ana", json={"ballot": "endorse"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "adopted" and r.json()["outcome"] == "adopted"
    r = api(h, "POST", f"/cases/{cid}/votes/{vid}/publish", "ca-ana")
    assert r.status_code == 200 and r.json()["status"] == "published", r.text

    # The CLEAR statement, pulled by another government over TAXII, with its vote result.
    notes = [o for o in pull(h, h.statements, "jp-ana") if o["type"] == "note"]
    assert [n["id"] for n in notes] == [f"note--{vid}"]
    note = notes[0]
    assert_valid(note)
    assert note["content"].startswith("The G7 RRM partners condemn")
    assert note["object_marking_refs"] == [CLEAR]
    result = note["extensions"][RRM_CASES_EXT]
    assert result["decision_rule"] == "quorum:2" and result["vote_outcome"] == "adopted"
    assert result["endorse"] == 2 and result["electorate"] == 3

    # The case itself: an incident and its task, in the case owner's chosen collection.
    before = snapshot(h, cid)
    error(api(h, "POST", f"/cases/{cid}/publish", "fr-ana", json={"collection": "g7"}), 403, "forbidden")
    error(api(h, "POST", f"/cases/{cid}/publish", "ca-ana", json={"collection": "nope"}),
          400, "invalid_input", "collection")
    error(api(h, "POST", f"/cases/{cid}/publish", "ca-ana", json={"collection": "g7", "tlp": "PINK"}),
          400, "invalid_input", "tlp")
    assert snapshot(h, cid) == before
    r = api(h, "POST", f"/cases/{cid}/publish", "ca-ana", json={"collection": "g7", "tlp": "GREEN"})
    assert r.status_code == 200, r.text
    assert r.json()["incident"] == f"incident--{cid}" and r.json()["tasks"] == [f"task--{aid}"]
    objs = {o["id"]: o for o in pull(h, h.g7, "fr-ana")}
    incident = objs[f"incident--{cid}"]
    task = objs[f"task--{aid}"]
    for o in (incident, task):
        assert_valid(o)
        assert o["object_marking_refs"] == [GREEN]
    core = incident["extensions"][INCIDENT_CORE]
    assert core["extension_type"] == "property-extension"
    assert core["investigation_status"] == "open" and core["determination"] in ("suspected", "confirmed")
    assert incident["extensions"][RRM_CASES_EXT]["case_status"] == "open"
    assert task["extensions"][TASK_EXT] == {"extension_type": "new-sdo"}
    assert task["outcome"] == "ongoing"
    assert task["extensions"][RRM_CASES_EXT]["action_status"] == "approved"
    assert task["extensions"][RRM_CASES_EXT]["counter_id"] == counter

    # The rrm extension definition is served to everyone, in the directory.
    root = Server(f"{h.url}/taxii2/", user="xx-ana", password=PASSWORD).api_roots[0]
    defs = []
    for c in root.collections:
        defs += [o for o in pull(h, c.id, "xx-ana") if o["id"] == RRM_CASES_EXT]
    assert len(defs) == 1, defs
    assert_valid(defs[0])
    assert defs[0]["extension_types"] == ["property-extension"]


def case_audit(h, user):
    """The case steps in the audit log as `user` (an admin) reads it: (actor, action, target)."""
    r = api(h, "GET", "/audit", user, params={"limit": 1000})
    assert r.status_code == 200, r.text
    return [(x["actor"], x["action"], x["target"], x["target_org"])
            for x in r.json()["records"] if x["action"].startswith("case.")]


def test_case_steps_are_in_the_owners_audit_log_and_it_verifies(new_hub, shared_dir, tmp_path):
    h = make_hub(new_hub, shared_dir, tmp_path)
    r = api(h, "POST", "/cases", "ca-ana", json={
        "title": "Doppelganger wave", "participants": ["gov-fr"],
        "objects": [{"collection": "g7", "id": h.campaign}]})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert api(h, "POST", f"/cases/{cid}/open", "ca-ana").status_code == 200
    # Refused steps (a participant closing, an outsider adding an object) append nothing.
    error(api(h, "POST", f"/cases/{cid}/close", "fr-ana"), 403, "forbidden")
    error(api(h, "POST", f"/cases/{cid}/objects", "xx-ana",
              json={"collection": "g7", "id": h.campaign}), 404, "not_found")
    r = api(h, "POST", f"/cases/{cid}/participants", "ca-ana", json={"org": "gov-jp"})
    assert r.status_code == 200, r.text
    r = api(h, "POST", f"/cases/{cid}/actions", "ca-ana", json={
        "title": "Ask the platform to label the network", "performing_org": "gov-ca"})
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    assert api(h, "POST", f"/cases/{cid}/actions/{aid}/propose", "ca-ana").status_code == 200
    error(api(h, "POST", f"/cases/{cid}/actions/{aid}/approve", "ca-ana"), 403, "forbidden")
    assert api(h, "POST", f"/cases/{cid}/actions/{aid}/approve", "ca-ana2").status_code == 200
    assert api(h, "POST", f"/cases/{cid}/actions/{aid}/done", "ca-ana").status_code == 200
    r = api(h, "POST", f"/cases/{cid}/votes", "ca-ana", json={"text": "We condemn it.", "rule": "quorum:2"})
    assert r.status_code == 201, r.text
    vid = r.json()["id"]
    for user in ["fr-ana", "jp-ana"]:
        r = api(h, "POST", f"/cases/{cid}/votes/{vid}/ballots", user, json={"ballot": "endorse"})
        assert r.status_code == 200, r.text
    # A ballot on a decided vote: the state machine refuses it with the state and its steps.
    e = error(api(h, "POST", f"/cases/{cid}/votes/{vid}/ballots", "ca-ana", json={"ballot": "object"}),
              409, "invalid_transition")
    assert e["current"] == "adopted" and "cast" not in e["allowed"] and "publish" in e["allowed"], e
    assert api(h, "POST", f"/cases/{cid}/votes/{vid}/publish", "ca-ana").status_code == 200
    r = api(h, "POST", f"/cases/{cid}/publish", "ca-ana", json={"collection": "g7", "tlp": "GREEN"})
    assert r.status_code == 200, r.text
    assert api(h, "POST", f"/cases/{cid}/close", "ca-ana").status_code == 200
    r = api(h, "POST", f"/cases/{cid}/reopen", "ca-ana", json={"reason": "a new wave"})
    assert r.status_code == 200, r.text

    case, action, vote = f"case/{cid}", f"case/{cid}/action/{aid}", f"case/{cid}/vote/{vid}"
    expected = [
        ("ca-ana", "case.create", case),
        ("ca-ana", "case.object.add", case),
        ("ca-ana", "case.open", case),
        ("ca-ana", "case.participant.add", case),
        ("ca-ana", "case.action.draft", action),
        ("ca-ana", "case.action.propose", action),
        ("ca-ana2", "case.action.approve", action),
        ("ca-ana", "case.action.done", action),
        ("ca-ana", "case.vote.open", vote),
        ("fr-ana", "case.vote.ballot", vote),
        ("jp-ana", "case.vote.ballot", vote),
        ("jp-ana", "case.vote.close", vote),
        ("ca-ana", "case.vote.publish", vote),
        ("ca-ana", "case.publish", case),
        ("ca-ana", "case.close", case),
        ("ca-ana", "case.reopen", case),
    ]
    assert case_audit(h, "ca-admin") == [(a, act, t, "gov-ca") for a, act, t in expected]
    # A participant's admin does not read the owner's records.
    assert case_audit(h, "fr-admin") == []

    h.stop()
    proc = h.cli("audit", "verify", "--quiet", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("ok:"), proc.stdout


def test_an_alert_to_two_governments_becomes_a_case_with_them_and_its_objects(new_hub, shared_dir, tmp_path):
    h = make_hub(new_hub, shared_dir, tmp_path)
    r = api(h, "POST", "/alerts", "ca-ana", json={
        "title": "Doppelganger wave", "recipients": ["gov-fr", "gov-jp"],
        "objects": [{"collection": "g7", "id": h.campaign}]})
    assert r.status_code == 201, r.text
    alert = r.json()["id"]
    g7 = [{"collection": h.g7, "id": h.campaign}]

    # The sender opens a case from it: the recipients take part, the objects are gathered.
    r = api(h, "POST", "/cases", "ca-ana", json={"title": "From the alert", "alert": alert})
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["owner"] == "gov-ca" and case["alert"] == alert
    assert sorted(case["participants"]) == ["gov-fr", "gov-jp"]
    assert case["objects"] == g7
    assert api(h, "GET", f"/cases/{case['id']}", "jp-ana").json()["alert"] == alert
    # A direct case records no alert.
    r = api(h, "POST", "/cases", "ca-ana", json={"title": "Direct"})
    assert r.status_code == 201 and r.json()["alert"] is None, r.text

    # A recipient opens one too: the sender and the other recipient take part.
    r = api(h, "POST", "/cases", "fr-ana", json={"title": "Ours", "alert": alert, "participants": ["gov-jp"]})
    assert r.status_code == 201, r.text
    assert r.json()["owner"] == "gov-fr"
    assert sorted(r.json()["participants"]) == ["gov-ca", "gov-jp"]
    assert r.json()["objects"] == g7

    # An organisation that neither sent nor received it, and an unknown alert, get the same 400,
    # and nothing is stored.
    before = api(h, "GET", "/cases", "xx-ana").json()
    for body in [{"title": "x", "alert": alert}, {"title": "x", "alert": str(uuid.uuid4())}]:
        e = error(api(h, "POST", "/cases", "xx-ana", json=body), 400, "invalid_input", "alert")
        assert "sent or received" in e["message"], e
    assert api(h, "GET", "/cases", "xx-ana").json() == before

    # The CLI: rrm case create --alert.
    cid = h.cli("case", "create", "--as", "jp-ana", "--title", "Japan's", "--alert", alert).stdout.strip()
    r = api(h, "GET", f"/cases/{cid}", "jp-ana")
    assert r.status_code == 200, r.text
    assert sorted(r.json()["participants"]) == ["gov-ca", "gov-fr"] and r.json()["alert"] == alert
    bad = h.cli("case", "create", "--as", "xx-ana", "--title", "x", "--alert", alert, check=False)
    assert bad.returncode != 0 and "alert" in bad.stderr, bad.stderr


def test_bad_input_changes_nothing(new_hub, shared_dir, tmp_path):
    h = make_hub(new_hub, shared_dir, tmp_path)
    r = api(h, "POST", "/cases", "ca-ana", json={"title": "C", "participants": ["gov-fr"],
                                                   "objects": [{"collection": "g7", "id": h.campaign}]})
    cid = r.json()["id"]
    r = api(h, "POST", f"/cases/{cid}/actions", "ca-ana", json={"title": "A", "performing_org": "gov-ca"})
    aid = r.json()["id"]
    r = api(h, "POST", f"/cases/{cid}/votes", "ca-ana", json={"text": "S", "rule": "consensus"})
    vid = r.json()["id"]
    unknown = f"campaign--{uuid.uuid4()}"
    before = snapshot(h, cid)
    listed = api(h, "GET", "/cases", "ca-ana").json()

    # A transition the state machine forbids: 409 invalid_transition with the current state and
    # the allowed steps as fields (as alerts answer), by their REST names.
    e = error(api(h, "POST", f"/cases/{cid}/reopen", "ca-ana", json={"reason": "r"}), 409, "invalid_transition")
    assert e["current"] == "new" and "open" in e["allowed"] and "reopen" not in e["allowed"], e
    assert "current state new" in e["message"], e
    e = error(api(h, "POST", f"/cases/{cid}/actions/{aid}/approve", "ca-ana2"), 409, "invalid_transition")
    assert e["current"] == "draft" and "propose" in e["allowed"] and "approve" not in e["allowed"], e
    assert set(e["allowed"]) <= {"edit", "propose", "approve", "reject", "done", "failed", "withdrawn"}, e
    # Participants may not close.
    error(api(h, "POST", f"/cases/{cid}/close", "fr-ana"), 403, "forbidden")
    # Unknown object references name objects[i]; nothing is created.
    error(api(h, "POST", "/cases", "ca-ana", json={
        "title": "X", "objects": [{"collection": "g7", "id": h.campaign}, {"collection": "g7", "id": unknown}]}),
        400, "invalid_input", "objects[1]")
    error(api(h, "POST", f"/cases/{cid}/objects", "ca-ana", json={"collection": "g7", "id": unknown}),
          400, "invalid_input", "object")
    # A due time in the past, an unknown countermeasure, a target that is not a platform or ISP.
    error(api(h, "POST", f"/cases/{cid}/actions", "ca-ana", json={
        "title": "A", "performing_org": "gov-ca", "due": "2001-01-01T00:00:00Z"}), 400, "invalid_input", "due")
    error(api(h, "POST", f"/cases/{cid}/actions", "ca-ana", json={
        "title": "A", "performing_org": "gov-ca", "due": "tomorrow"}), 400, "invalid_input", "due")
    error(api(h, "POST", f"/cases/{cid}/actions", "ca-ana", json={
        "title": "A", "performing_org": "gov-ca", "counter_id": "C99999"}), 400, "invalid_input", "counter_id")
    error(api(h, "POST", f"/cases/{cid}/actions", "ca-ana", json={
        "title": "A", "performing_org": "gov-ca", "target_org": "gov-fr"}), 400, "invalid_input", "target_org")
    error(api(h, "POST", f"/cases/{cid}/votes", "ca-ana", json={"text": "S", "rule": "quorum:5"}),
          400, "invalid_input", "rule")
    error(api(h, "POST", f"/cases/{cid}/votes", "ca-ana", json={"text": "S", "rule": "most"}),
          400, "invalid_input", "rule")
    # Own approval, a vote by a non-participant, a second vote.
    api(h, "POST", f"/cases/{cid}/actions/{aid}/propose", "ca-ana")
    mid = snapshot(h, cid)
    e = error(api(h, "POST", f"/cases/{cid}/actions/{aid}/approve", "ca-ana"), 403, "forbidden")
    assert "author" in e["message"] or "proposer" in e["message"], e
    error(api(h, "POST", f"/cases/{cid}/votes/{vid}/ballots", "jp-ana", json={"ballot": "endorse"}), 404)
    api(h, "POST", f"/cases/{cid}/votes/{vid}/ballots", "fr-ana", json={"ballot": "endorse"})
    after_vote = snapshot(h, cid)
    error(api(h, "POST", f"/cases/{cid}/votes/{vid}/ballots", "fr-ana", json={"ballot": "object"}), 409, "conflict")
    error(api(h, "POST", f"/cases/{cid}/votes/{vid}/ballots", "fr-ana", json={"ballot": "maybe"}),
          400, "invalid_input", "ballot")
    assert snapshot(h, cid) == after_vote
    # Nothing refused changed anything.
    assert mid[""] == before[""] and mid["/votes"] == before["/votes"]
    assert api(h, "GET", "/cases", "ca-ana").json() == listed


def test_options_without_a_galaxy_name_the_setting(new_hub, shared_dir, tmp_path):
    h = make_hub(new_hub, shared_dir, tmp_path, galaxy=False)
    r = api(h, "POST", "/cases", "ca-ana", json={"title": "C", "objects": [{"collection": "g7", "id": h.campaign}]})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    e = error(api(h, "GET", f"/cases/{cid}/options", "ca-ana"), 503, "not_configured")
    assert "--disarm-galaxy" in e["message"] and "RRM_DISARM_GALAXY" in e["message"], e
    # Everything else works.
    assert api(h, "POST", f"/cases/{cid}/open", "ca-ana").status_code == 200
    r = api(h, "POST", f"/cases/{cid}/actions", "ca-ana", json={"title": "A", "performing_org": "gov-ca"})
    assert r.status_code == 201, r.text
    error(api(h, "GET", f"/cases/{uuid.uuid4()}/options", "ca-ana"), 404, "not_found")


def test_demo_seeds_a_case_with_counters_an_approved_action_and_an_open_vote(new_hub):
    h = new_hub().start("--demo")
    pw = "rrm-demo-password"

    def get(path, user="ca-analyst"):
        r = requests.get(f"{h.url}/api/v1{path}", auth=(user, pw), timeout=60)
        assert r.status_code == 200, r.text
        return r.json()

    cases = get("/cases")["cases"]
    assert len(cases) == 1, cases
    case = cases[0]
    assert case["owner"] == "gov-ca" and case["participants"] == ["gov-de"] and case["status"] == "open"
    assert [c["id"] for c in get("/cases", "de-analyst")["cases"]] == [case["id"]]
    options = get(f"/cases/{case['id']}/options", "de-analyst")["options"]
    assert options and {t for o in options for t in o["techniques"]} <= {"T0049", "T0085", "T0023"}
    actions = get(f"/cases/{case['id']}/actions")["actions"]
    assert len(actions) == 1
    a = actions[0]
    assert a["status"] == "approved" and a["counter_id"] == options[0]["counter_id"]
    assert a["proposer_id"] is not None and a["approver_id"] not in (None, a["proposer_id"], a["author_id"])
    assert a["target_org"] == "chirp"
    votes = get(f"/cases/{case['id']}/votes")["votes"]
    assert [v["status"] for v in votes] == ["open"]


def test_cli_case_commands(new_hub, shared_dir, tmp_path):
    h = make_hub(new_hub, shared_dir, tmp_path, start=False)
    galaxy = ["--disarm-galaxy", str(shared_dir / "data/disarm")]
    cid = h.cli("case", "create", "--as", "ca-ana", "--title", "Doppelganger", "--participant", "gov-fr",
                "--participant", "gov-jp", "--object", f"g7/{h.campaign}").stdout.strip()
    assert cid in h.cli("case", "list", "--as", "fr-ana").stdout
    assert "case " + cid + " is open" in h.cli("case", "open", cid, "--as", "ca-ana").stdout
    options = json.loads(h.cli("case", "options", cid, "--as", "jp-ana", *galaxy).stdout)
    assert options and {t for o in options for t in o["techniques"]} == set(TECHNIQUES)
    out = h.cli("case", "options", cid, "--as", "jp-ana", check=False)
    assert out.returncode != 0 and "--disarm-galaxy" in out.stderr
    aid = h.cli("case", "action", "add", cid, "--as", "ca-ana", *galaxy, "--title", "Label",
                "--counter", options[0]["counter_id"], "--performing-org", "gov-ca", "--target-org", "plat",
                "--due", "2999-01-01T00:00:00Z").stdout.strip()
    bad = h.cli("case", "action", "add", cid, "--as", "ca-ana", "--title", "Late", "--performing-org", "gov-ca",
                "--due", "2001-01-01T00:00:00Z", check=False)
    assert bad.returncode == 1 and "due" in bad.stderr
    h.cli("case", "action", "propose", cid, aid, "--as", "ca-ana")
    own = h.cli("case", "action", "approve", cid, aid, "--as", "ca-ana", check=False)
    assert own.returncode == 1 and ("author" in own.stderr or "proposer" in own.stderr), own.stderr
    assert "is approved (task outcome ongoing)" in h.cli("case", "action", "approve", cid, aid, "--as", "ca-ana2").stdout
    vid = h.cli("case", "vote", "open", cid, "--as", "ca-ana", "--text", "We condemn it.", "--rule", "quorum:2").stdout.strip()
    h.cli("case", "vote", "cast", cid, vid, "--ballot", "endorse", "--as", "fr-ana")
    twice = h.cli("case", "vote", "cast", cid, vid, "--ballot", "endorse", "--as", "fr-ana", check=False)
    assert twice.returncode == 1 and "already voted" in twice.stderr
    assert "is adopted" in h.cli("case", "vote", "cast", cid, vid, "--ballot", "endorse", "--as", "jp-ana").stdout
    shown = json.loads(h.cli("case", "show", cid, "--as", "jp-ana").stdout)
    assert shown["case"]["status"] == "open"
    assert [a["status"] for a in shown["actions"]] == ["approved"]
    assert [v["status"] for v in shown["votes"]] == ["adopted"]
    assert h.cli("case", "show", cid, "--as", "xx-ana", check=False).returncode == 1


def test_case_list_pages_with_a_bound_cursor(new_hub, shared_dir, tmp_path):
    h = make_hub(new_hub, shared_dir, tmp_path, galaxy=False)
    made = []
    for i in range(3):
        r = api(h, "POST", "/cases", "ca-ana", json={"title": f"C{i}", "participants": ["gov-fr"]})
        made.append(r.json()["id"])
    r = api(h, "POST", "/cases", "fr-ana", json={"title": "French case"})
    french = r.json()["id"]
    # Newest first, one at a time; a case created while paging does not appear among the older
    # pages, and no case repeats.
    seen, params = [], {"limit": 1, "role": "participating"}
    while True:
        page = api(h, "GET", "/cases", "fr-ana", params=params).json()
        assert len(page["cases"]) <= 1, page
        seen += [c["id"] for c in page["cases"]]
        if "next" not in page:
            break
        if len(seen) == 1:
            late = api(h, "POST", "/cases", "ca-ana", json={"title": "Late", "participants": ["gov-fr"]}).json()["id"]
        params = {"limit": 1, "role": "participating", "next": page["next"]}
    assert seen == made[::-1]
    listed = [c["id"] for c in api(h, "GET", "/cases", "fr-ana").json()["cases"]]
    assert listed == [late, french] + made[::-1]
    assert [c["id"] for c in api(h, "GET", "/cases?role=mine", "fr-ana").json()["cases"]] == [french]
    assert [c["id"] for c in api(h, "GET", "/cases", "xx-ana").json()["cases"]] == []
    cursor = api(h, "GET", "/cases", "fr-ana", params={"limit": 1, "role": "participating"}).json()["next"]
    # The cursor is bound to its user and its role filter, and sealed.
    error(api(h, "GET", "/cases", "jp-ana", params={"role": "participating", "next": cursor}), 400, "bad_cursor", "next")
    error(api(h, "GET", "/cases", "ca-ana", params={"role": "participating", "next": cursor}), 400, "bad_cursor", "next")
    error(api(h, "GET", "/cases", "fr-ana", params={"role": "mine", "next": cursor}), 400, "bad_cursor", "next")
    error(api(h, "GET", "/cases", "fr-ana", params={"role": "participating", "next": cursor[:-2] + "xx"}),
          400, "bad_cursor", "next")
    error(api(h, "GET", "/cases", "fr-ana", params={"role": "everyone"}), 400, "invalid_input", "role")
    error(api(h, "GET", "/cases", "fr-ana", params={"limit": 0}), 400, "invalid_input", "limit")


IMPACT_EXT = "extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9"


def test_impacts_are_recorded_refused_by_field_and_shared_as_valid_stix(new_hub, shared_dir, tmp_path):
    h = make_hub(new_hub, shared_dir, tmp_path, galaxy=False)
    r = api(h, "POST", "/cases", "ca-ana", json={"title": "Doppelganger wave", "participants": ["gov-fr", "gov-jp"]})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    external = {
        "category": "external", "external": {"impact_type": "public-confidence"}, "criticality": 70,
        "description": "Trust in the electoral commission fell.", "start_time": "2026-11-20T00:00:00Z",
        "recoverability": "extended", "impacted_entity_counts": {"individual": 120000},
    }
    r = api(h, "POST", f"/cases/{cid}/impacts", "fr-ana", json=external)
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["category"] == "external" and first["external"] == {"impact_type": "public-confidence"}
    assert first["recorded_by"] == "gov-fr" and first["criticality"] == 70
    assert first["stix_id"] == f"impact--{first['id']}"
    others = [
        {"category": "integrity", "integrity": {"alteration": "partial-modification", "information_type": "communication"}},
        {"category": "confidentiality", "confidentiality": {"loss_type": "suspected-loss", "information_type": "pii", "record_count": 4000}},
        {"category": "availability", "availability": {"availability_impact": 30}, "end_time": "2026-11-30T00:00:00Z"},
        {"category": "monetary", "monetary": {"variety": "response-and-recovery", "currency": "CAD", "min_amount": 10000, "max_amount": 250000.5}},
    ]
    ids = [first["stix_id"]]
    for body in others:
        r = api(h, "POST", f"/cases/{cid}/impacts", "ca-ana", json=body)
        assert r.status_code == 201, r.text
        ids.append(r.json()["stix_id"])

    # Bad input: 400 naming the field, nothing stored.
    before = api(h, "GET", f"/cases/{cid}/impacts", "jp-ana").json()
    assert [i["stix_id"] for i in before["impacts"]] == ids
    bad = [
        (dict(external, category="mood"), "category"),
        (dict(external, external={"impact_type": "anger"}), "external.impact_type"),
        (dict(external, external={}), "external.impact_type"),
        (dict(external, criticality=101), "criticality"),
        (dict(external, end_time="2026-11-01T00:00:00Z"), "end_time"),
        (dict(external, start_time="last week"), "start_time"),
        (dict(external, description="bell\u0007"), "description"),
        (dict(external, recoverability="soon"), "recoverability"),
        (dict(external, impacted_entity_counts={"individual": -5}), "impacted_entity_counts.individual"),
        (dict(external, integrity={"alteration": "none"}), "integrity"),
        ({"category": "monetary", "monetary": {"variety": "operating-costs", "min_amount": 5, "max_amount": 9}}, "monetary.currency"),
        (dict(external, colour="red"), "colour"),
    ]
    for body, field in bad:
        error(api(h, "POST", f"/cases/{cid}/impacts", "ca-ana", json=body), 400, "invalid_input", field)
    error(api(h, "POST", f"/cases/{cid}/impacts", "xx-ana", json=external), 404, "not_found")
    error(api(h, "GET", f"/cases/{cid}/impacts", "xx-ana"), 404, "not_found")
    assert api(h, "GET", f"/cases/{cid}/impacts", "jp-ana").json() == before

    # Published with the case: every impact passes stix2-validator and is read over TAXII.
    r = api(h, "POST", f"/cases/{cid}/publish", "ca-ana", json={"collection": "g7", "tlp": "GREEN"})
    assert r.status_code == 200, r.text
    assert r.json()["impacts"] == ids
    objs = {o["id"]: o for o in pull(h, h.g7, "jp-ana")}
    incident = objs[f"incident--{cid}"]
    assert_valid(incident)
    assert incident["extensions"][INCIDENT_CORE]["impact_refs"] == ids
    for sid in ids:
        o = objs[sid]
        assert_valid(o)
        assert o["type"] == "impact" and o["object_marking_refs"] == [GREEN]
        assert o["extensions"][IMPACT_EXT] == {"extension_type": "new-sdo"}
        assert f"{o['impact_category']}-ext" in o["extensions"], o
        assert o["extensions"][RRM_CASES_EXT]["case_ref"] == f"incident--{cid}"
    ext = objs[ids[0]]
    assert ext["impact_category"] == "external" and ext["criticality"] == 70
    assert ext["extensions"]["external-ext"] == {"impact_type": "public-confidence"}
    assert ext["impacted_entity_counts"] == {"individual": 120000}
    assert ext["recoverability"] == "extended" and ext["start_time"].startswith("2026-11-20T00:00:00")
    money = objs[ids[4]]["extensions"]["monetary-ext"]
    assert money == {"variety": "response-and-recovery", "currency": "CAD", "min_amount": 10000.0, "max_amount": 250000.5}

    # Each impact is in the owner's audit log.
    audit = [x for x in case_audit(h, "ca-admin") if x[1] == "case.impact.add"]
    assert [(a, t, o) for a, _, t, o in audit] == [("fr-ana", f"case/{cid}", "gov-ca")] + [("ca-ana", f"case/{cid}", "gov-ca")] * 4

    # The CLI records and lists impacts on the same data directory.
    body = json.dumps({"category": "physical", "physical": {"impact_type": "none"}})
    iid = h.cli("case", "impact", "add", cid, "--as", "jp-ana", "--json", "-", stdin=body).stdout.strip()
    listed = json.loads(h.cli("case", "impact", "list", cid, "--as", "ca-ana").stdout)
    assert [i["id"] for i in listed][-1] == iid and listed[-1]["recorded_by"] == "gov-jp"
    bad = h.cli("case", "impact", "add", cid, "--as", "jp-ana", "--json", "-", check=False,
                stdin=json.dumps({"category": "physical", "physical": {"impact_type": "dented"}}))
    assert bad.returncode == 1 and "physical.impact_type" in bad.stderr, bad.stderr
    assert len(json.loads(h.cli("case", "impact", "list", cid, "--as", "ca-ana").stdout)) == len(listed)


    error(api(h, "GET", "/cases", "fr-ana", params={"limit": 1001}), 400, "invalid_input", "limit")


def test_case_times_are_rfc3339(new_hub, shared_dir, tmp_path):
    h = make_hub(new_hub, shared_dir, tmp_path, galaxy=False)
    c = api(h, "POST", "/cases", "ca-ana", json={"title": "Times", "participants": ["gov-fr"]}).json()
    for k in ("created", "updated"):
        parsed = datetime.datetime.fromisoformat(c[k].replace("Z", "+00:00"))
        assert parsed.tzinfo is not None and c[k].endswith("Z"), c
        assert abs((datetime.datetime.now(datetime.timezone.utc) - parsed).total_seconds()) < 600, c
    cid = c["id"]
    a = api(h, "POST", f"/cases/{cid}/actions", "ca-ana", json={
        "title": "A", "performing_org": "gov-ca", "due": "2999-01-02T03:04:05Z"})
    assert a.status_code == 201, a.text
    assert a.json()["due"] == "2999-01-02T03:04:05.000Z", a.json()
    assert a.json()["created"].endswith("Z") and a.json()["created"][:4].isdigit()
    listed = api(h, "GET", f"/cases/{cid}/actions", "ca-ana").json()["actions"]
    assert listed[0]["due"] == "2999-01-02T03:04:05.000Z"
    v = api(h, "POST", f"/cases/{cid}/votes", "ca-ana", json={
        "text": "S", "rule": "consensus", "deadline": "2999-06-01T00:00:00.000Z"})
    assert v.status_code == 201, v.text
    assert v.json()["deadline"] == "2999-06-01T00:00:00.000Z"
    vid = v.json()["id"]
    r = api(h, "POST", f"/cases/{cid}/votes/{vid}/ballots", "fr-ana", json={"ballot": "abstain"})
    cast = r.json()["votes"][0]["cast"]
    assert datetime.datetime.fromisoformat(cast.replace("Z", "+00:00")).year >= 2026, cast
    # Bad times name their field and store nothing.
    before = snapshot(h, cid)
    for bad in ("soon", "2999-13-01T00:00:00Z", 32503680000):
        error(api(h, "POST", f"/cases/{cid}/actions", "ca-ana", json={
            "title": "B", "performing_org": "gov-ca", "due": bad}), 400, "invalid_input", "due")
        error(api(h, "POST", f"/cases/{cid}/votes", "ca-ana", json={
            "text": "T", "rule": "consensus", "deadline": bad}), 400, "invalid_input", "deadline")
    assert snapshot(h, cid) == before


def test_refused_transitions_carry_current_and_allowed(new_hub, shared_dir, tmp_path):
    h = make_hub(new_hub, shared_dir, tmp_path, galaxy=False)
    cid = api(h, "POST", "/cases", "ca-ana", json={"title": "T", "participants": ["gov-fr"]}).json()["id"]
    assert api(h, "POST", f"/cases/{cid}/open", "ca-ana").status_code == 200
    aid = api(h, "POST", f"/cases/{cid}/actions", "ca-ana", json={"title": "A", "performing_org": "gov-ca"}).json()["id"]
    for step, user in [("propose", "ca-ana"), ("approve", "ca-ana2")]:
        assert api(h, "POST", f"/cases/{cid}/actions/{aid}/{step}", user).status_code == 200
    # From approved, the REST names of the outcome steps are allowed.
    e = error(api(h, "POST", f"/cases/{cid}/actions/{aid}/propose", "ca-ana"), 409, "invalid_transition")
    assert e["current"] == "approved" and {"done", "failed", "withdrawn"} <= set(e["allowed"]), e
    assert api(h, "POST", f"/cases/{cid}/actions/{aid}/done", "ca-ana").status_code == 200
    before = snapshot(h, cid)
    e = error(api(h, "POST", f"/cases/{cid}/actions/{aid}/failed", "ca-ana"), 409, "invalid_transition")
    assert e["current"] == "done" and e["allowed"] == [], e
    # A closed case: only reopen is allowed.
    assert api(h, "POST", f"/cases/{cid}/close", "ca-ana").status_code == 200
    e = error(api(h, "POST", f"/cases/{cid}/close", "ca-ana"), 409, "invalid_transition")
    assert e["current"] == "closed" and e["allowed"] == ["reopen"], e
    e = error(api(h, "POST", f"/cases/{cid}/open", "ca-ana"), 409, "invalid_transition")
    assert e["current"] == "closed" and e["allowed"] == ["reopen"], e
    assert snapshot(h, cid)["/actions"] == before["/actions"]
    # A second ballot is a conflict with the stored vote, not a state machine step.
    assert api(h, "POST", f"/cases/{cid}/reopen", "ca-ana", json={"reason": "new facts"}).status_code == 200
    vid = api(h, "POST", f"/cases/{cid}/votes", "ca-ana", json={"text": "S", "rule": "consensus"}).json()["id"]
    assert api(h, "POST", f"/cases/{cid}/votes/{vid}/ballots", "fr-ana", json={"ballot": "endorse"}).status_code == 200
    e = error(api(h, "POST", f"/cases/{cid}/votes/{vid}/ballots", "fr-ana", json={"ballot": "object"}), 409, "conflict")
    assert "current" not in e and "allowed" not in e, e
