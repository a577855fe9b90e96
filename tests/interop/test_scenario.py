"""The whole story of coordinated response, in one run of the real binary.

Three governments (Canada, France, Japan) share a hub. Canada's feed pushes a campaign and the
DISARM techniques it `uses` over TAXII 2.1 and raises an AMBER alert about it to the other two;
both acknowledge and France contributes. Canada opens a case from the alert (the recipients take
part, the campaign is gathered), lists the DISARM countermeasures, drafts an action, proposes it,
may not approve it itself and a second Canadian approves it; it is done. France records the
impact on public confidence. A joint statement put to a quorum of two is adopted by France's and
Japan's votes (France may not vote twice) and published at TLP:CLEAR; Canada shares the case at
TLP:AMBER. Then a second TAXII client (taxii2-client, as Japan and France) pulls the statement,
the incident, its task and its impact, stix2-validator finds no error in any of them, `rrm audit
verify` passes on the database and each step has its audit record."""

import json
import uuid

import requests
from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import Server, as_pages

PASSWORD = "correct horse battery"
MT = "application/taxii+json;version=2.1"
TECHNIQUES = ["T0049", "T0085", "T0023"]
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
CLEAR = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
INCIDENT_CORE = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"
TASK_EXT = "extension-definition--2074a052-8be4-4932-849e-f5e7798e0030"
IMPACT_EXT = "extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9"
RRM_CASES_EXT = "extension-definition--2bbf4f8c-5625-4d19-9a52-86c1969a7b04"
RESPOND_BY = "2999-01-01T00:00:00Z"


class Bearer(requests.auth.AuthBase):
    """An rrm API token, sent as `Authorization: Bearer`."""

    def __init__(self, token):
        self.token = token

    def __call__(self, r):
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


def assert_valid(o):
    result = validate_instance(o, ValidationOptions(version="2.1"))
    assert not result.errors, f"{o['id']}: {[str(e) for e in result.errors]}"
    assert result.is_valid, o


def campaign_objects(shared_dir):
    """A campaign and a `uses` relationship to each of three DISARM attack patterns."""
    disarm = json.loads((shared_dir / "data/disarm/DISARM.json").read_text())
    by_tid = {}
    for o in disarm["objects"]:
        if o["type"] == "attack-pattern":
            for r in o.get("external_references", []):
                by_tid[r.get("external_id")] = o["id"]
    t = "2026-11-28T09:00:00.000Z"
    camp = f"campaign--{uuid.uuid4()}"
    objs = [{"type": "campaign", "spec_version": "2.1", "id": camp, "created": t, "modified": t,
             "name": "Operation False Mirror", "description": "Cloned news sites amplify a forged memo."}]
    for tid in TECHNIQUES:
        objs.append({"type": "relationship", "spec_version": "2.1", "id": f"relationship--{uuid.uuid4()}",
                     "created": t, "modified": t, "relationship_type": "uses",
                     "source_ref": camp, "target_ref": by_tid[tid]})
    return camp, objs


def test_three_governments_from_campaign_to_joint_statement(new_hub, shared_dir):
    h = new_hub()
    # Three governments, their people and their tokens, made with the CLI.
    for slug, cc, name in [("gov-ca", "CA", "Canada"), ("gov-fr", "FR", "France"), ("gov-jp", "JP", "Japan")]:
        h.org(slug, country=cc, name=name)
    for org, user, role in [("gov-ca", "ca-ana", "analyst"), ("gov-ca", "ca-ana2", "analyst"),
                            ("gov-ca", "ca-admin", "admin"), ("gov-fr", "fr-ana", "analyst"),
                            ("gov-jp", "jp-ana", "analyst")]:
        h.user(org, user, role=role)
    tokens = {u: h.cli("admin", "token", "create", u, "--label", "scenario").stdout.strip()
              for u in ["ca-ana", "fr-ana", "jp-ana"]}
    auth = {u: Bearer(t) for u, t in tokens.items()}
    auth["ca-ana2"] = ("ca-ana2", PASSWORD)
    auth["ca-admin"] = ("ca-admin", PASSWORD)
    identity = {}
    for line in h.cli("admin", "org", "list").stdout.splitlines():
        slug, _sector, _country, ident, _name = line.split("\t", 4)
        identity[slug] = ident
    g7 = h.collection("g7", "G7 RRM")
    statements = h.collection("statements", "Joint statements", default_tlp="CLEAR")
    for org in ["gov-ca", "gov-fr", "gov-jp"]:
        h.grant(org, "g7", write=True)
        h.grant(org, "statements")
    # The DISARM framework is in the hub already (imported by the operator).
    h.cli("import", str(shared_dir / "data/disarm/DISARM.json"), "--collection", "g7", "--as", "ca-ana")
    h.start("--disarm-galaxy", str(shared_dir / "data/disarm"), "--statements-collection", "statements")

    def api(method, path, user, body=None):
        return requests.request(method, f"{h.url}/api/v1{path}", auth=auth[user], json=body, timeout=120)

    def ok(r, status=200):
        assert r.status_code == status, (r.status_code, r.text)
        return r.json()

    def refused(r, status, code):
        assert r.status_code == status, (r.status_code, r.text)
        e = r.json()["error"]
        assert e["code"] == code, e
        return e

    # 1. Canada's feed pushes the campaign over TAXII 2.1 (taxii2-client, with its token).
    camp, objs = campaign_objects(shared_dir)
    feed_root = Server(f"{h.url}/taxii2/", auth=Bearer(tokens["ca-ana"])).api_roots[0]
    feed = [c for c in feed_root.collections if c.id == g7][0]
    status = feed.add_objects(json.dumps({"objects": objs}))
    assert status.status == "complete" and status.success_count == len(objs), status.failures

    # 2. Canada raises an AMBER alert about it to France and Japan, respond-by ahead.
    alert = ok(api("POST", "/alerts", "ca-ana", {
        "title": "Operation False Mirror targets the summit",
        "summary": "Cloned news sites amplify a forged memo about the summit.",
        "tlp": "AMBER", "recipients": ["gov-fr", "gov-jp"], "respond_by": RESPOND_BY,
        "objects": [{"collection": "g7", "id": camp}],
        "responses": ["share indicators", "report takedowns"]}), 201)
    aid = alert["id"]
    assert alert["sender"] == "gov-ca" and alert["tlp"] == "AMBER"
    assert [(x["org"], x["state"]) for x in alert["recipients"]] == [("gov-fr", "pending"), ("gov-jp", "pending")]
    for user in ["fr-ana", "jp-ana"]:
        inbox = ok(api("GET", "/alerts", user))["alerts"]
        assert [a["id"] for a in inbox] == [aid]

    # 3. Both acknowledge; France contributes.
    for user, step, state in [("fr-ana", "acknowledge", "acknowledged"), ("jp-ana", "acknowledge", "acknowledged"),
                              ("fr-ana", "contribute", "contributed")]:
        r = ok(api("POST", f"/alerts/{aid}/{step}", user, {"comment": f"{user}: {step}"}))
        mine = [x for x in r["recipients"] if x["org"] == "gov-" + user[:2]][0]
        assert mine["state"] == state
    seen = ok(api("GET", f"/alerts/{aid}", "ca-ana"))
    assert [(x["org"], x["state"]) for x in seen["recipients"]] == [("gov-fr", "contributed"), ("gov-jp", "acknowledged")]
    assert [(e["user"], e["action"]) for e in seen["events"]] == [
        ("fr-ana", "acknowledge"), ("jp-ana", "acknowledge"), ("fr-ana", "contribute")]

    # 4. Canada opens a case from the alert: its recipients take part, its campaign is gathered.
    case = ok(api("POST", "/cases", "ca-ana", {"title": "False Mirror response", "alert": aid}), 201)
    cid = case["id"]
    assert case["owner"] == "gov-ca" and case["status"] == "new" and case["alert"] == aid
    assert sorted(case["participants"]) == ["gov-fr", "gov-jp"]
    assert case["objects"] == [{"collection": g7, "id": camp}]
    assert ok(api("GET", f"/cases/{cid}", "jp-ana"))["id"] == cid
    assert ok(api("POST", f"/cases/{cid}/open", "ca-ana"))["status"] == "open"

    # 5. The DISARM countermeasures for the techniques the campaign uses.
    options = ok(api("GET", f"/cases/{cid}/options", "fr-ana"))["options"]
    assert options, "no countermeasure offered"
    assert {t for o in options for t in o["techniques"]} == set(TECHNIQUES)
    assert all(o["counter_id"].startswith("C") and o["name"] for o in options)
    counter = options[0]["counter_id"]

    # 6. An action: drafted and proposed by Canada, not approved by its author, approved by a
    #    second Canadian, done.
    action = ok(api("POST", f"/cases/{cid}/actions", "ca-ana", {
        "title": "Ask the platforms to label the cloned sites", "counter_id": counter,
        "performing_org": "gov-ca", "due": RESPOND_BY}), 201)
    act = action["id"]
    assert (action["status"], action["outcome"]) == ("draft", "pending")
    assert ok(api("POST", f"/cases/{cid}/actions/{act}/propose", "ca-ana"))["status"] == "proposed"
    e = refused(api("POST", f"/cases/{cid}/actions/{act}/approve", "ca-ana"), 403, "forbidden")
    assert "author" in e["message"] or "proposer" in e["message"], e
    assert ok(api("GET", f"/cases/{cid}/actions", "ca-ana"))["actions"][0]["status"] == "proposed"
    approved = ok(api("POST", f"/cases/{cid}/actions/{act}/approve", "ca-ana2"))
    assert (approved["status"], approved["outcome"]) == ("approved", "ongoing")
    assert approved["approver_id"] not in (None, approved["author_id"], approved["proposer_id"])
    done = ok(api("POST", f"/cases/{cid}/actions/{act}/done", "ca-ana"))
    assert (done["status"], done["outcome"]) == ("done", "successful")

    # 7. France records the impact on public confidence.
    impact = ok(api("POST", f"/cases/{cid}/impacts", "fr-ana", {
        "category": "external", "external": {"impact_type": "public-confidence"}, "criticality": 65,
        "description": "Polls show trust in summit reporting fell after the forged memo.",
        "start_time": "2026-11-28T09:00:00Z", "recoverability": "supplemented",
        "impacted_entity_counts": {"individual": 2500000}}), 201)
    assert impact["recorded_by"] == "gov-fr" and impact["category"] == "external"
    assert [i["id"] for i in ok(api("GET", f"/cases/{cid}/impacts", "jp-ana"))["impacts"]] == [impact["id"]]

    # 8. A joint statement under a quorum of two: France endorses, may not vote twice, Japan
    #    endorses and it is adopted; Canada publishes it.
    text = "Canada, France and Japan condemn Operation False Mirror and its forged memo."
    vote = ok(api("POST", f"/cases/{cid}/votes", "ca-ana", {"text": text, "rule": "quorum:2"}), 201)
    vid = vote["id"]
    assert (vote["status"], vote["electorate"]) == ("open", 3)
    r = ok(api("POST", f"/cases/{cid}/votes/{vid}/ballots", "fr-ana", {"ballot": "endorse"}))
    assert (r["status"], r["endorse"]) == ("open", 1)
    e = refused(api("POST", f"/cases/{cid}/votes/{vid}/ballots", "fr-ana", {"ballot": "object"}), 409, "conflict")
    assert "already voted" in e["message"], e
    r = ok(api("POST", f"/cases/{cid}/votes/{vid}/ballots", "jp-ana", {"ballot": "endorse"}))
    assert (r["status"], r["outcome"], r["endorse"], r["object"]) == ("adopted", "adopted", 2, 0)
    assert [(v["org"], v["ballot"]) for v in r["votes"]] == [("gov-fr", "endorse"), ("gov-jp", "endorse")]
    assert ok(api("POST", f"/cases/{cid}/votes/{vid}/publish", "ca-ana"))["status"] == "published"

    # 9. Canada shares the case at TLP:AMBER with its two partners.
    shared = ok(api("POST", f"/cases/{cid}/publish", "ca-ana", {"collection": "g7", "tlp": "AMBER"}))
    assert shared["incident"] == f"incident--{cid}"
    assert shared["tasks"] == [f"task--{act}"] and shared["impacts"] == [impact["stix_id"]]

    # 10. A second TAXII client pulls everything, and every object validates.
    def pull(collection, user):
        root = Server(f"{h.url}/taxii2/", user=user, password=PASSWORD).api_roots[0]
        col = [c for c in root.collections if c.id == collection][0]
        out = []
        for page in as_pages(col.get_objects, per_request=500):
            out.extend(page.get("objects", []))
        return {o["id"]: o for o in out}

    notes = [o for o in pull(statements, "jp-ana").values() if o["type"] == "note"]
    assert [n["id"] for n in notes] == [f"note--{vid}"]
    note = notes[0]
    assert note["content"] == text and note["object_marking_refs"] == [CLEAR]
    assert note["object_refs"] == [f"incident--{cid}"]
    result = note["extensions"][RRM_CASES_EXT]
    assert (result["decision_rule"], result["vote_outcome"], result["endorse"], result["electorate"]) == \
        ("quorum:2", "adopted", 2, 3)

    g7_objects = pull(g7, "fr-ana")
    incident = g7_objects[f"incident--{cid}"]
    task = g7_objects[f"task--{act}"]
    imp = g7_objects[impact["stix_id"]]
    assert camp in g7_objects
    for o in (note, incident, task, imp):
        assert_valid(o)
    for o in (incident, task, imp):
        assert o["object_marking_refs"] == [AMBER]
    core = incident["extensions"][INCIDENT_CORE]
    assert core["investigation_status"] == "open" and core["impact_refs"] == [impact["stix_id"]]
    assert incident["created_by_ref"] == identity["gov-ca"]
    assert sorted(incident["extensions"][RRM_CASES_EXT]["participant_refs"]) == sorted(
        [identity["gov-fr"], identity["gov-jp"]])
    assert imp["extensions"][RRM_CASES_EXT]["recorded_by_ref"] == identity["gov-fr"]
    assert task["extensions"][TASK_EXT] == {"extension_type": "new-sdo"}
    assert task["outcome"] == "successful"
    assert task["extensions"][RRM_CASES_EXT]["action_status"] == "done"
    assert task["external_references"] == [{"source_name": "DISARM", "external_id": counter}]
    assert imp["extensions"][IMPACT_EXT] == {"extension_type": "new-sdo"}
    assert imp["impact_category"] == "external" and imp["criticality"] == 65
    assert imp["extensions"]["external-ext"] == {"impact_type": "public-confidence"}
    assert imp["impacted_entity_counts"] == {"individual": 2500000}
    # The TAXII objects Canada pushed validate too.
    for o in objs:
        assert_valid(g7_objects[o["id"]])

    # 11. Each step has its audit record, and the log verifies.
    r = ok(requests.get(f"{h.url}/api/v1/audit", auth=auth["ca-admin"], params={"limit": 1000}, timeout=120))
    case_steps = [(x["actor"], x["action"], x["target"]) for x in r["records"] if x["action"].startswith("case.")]
    c, a, v = f"case/{cid}", f"case/{cid}/action/{act}", f"case/{cid}/vote/{vid}"
    expected = [
        ("ca-ana", "case.create", c),
        ("ca-ana", "case.object.add", c),
        ("ca-ana", "case.open", c),
        ("ca-ana", "case.action.draft", a),
        ("ca-ana", "case.action.propose", a),
        ("ca-ana2", "case.action.approve", a),
        ("ca-ana", "case.action.done", a),
        ("fr-ana", "case.impact.add", c),
        ("ca-ana", "case.vote.open", v),
        ("fr-ana", "case.vote.ballot", v),
        ("jp-ana", "case.vote.ballot", v),
        ("jp-ana", "case.vote.close", v),
        ("ca-ana", "case.vote.publish", v),
        ("ca-ana", "case.publish", c),
    ]
    assert case_steps == expected
    h.stop()
    audit = h.cli("admin", "audit", "--limit", "1000").stdout.splitlines()
    for action in ["alert.raise", "alert.acknowledge", "alert.contribute"]:
        lines = [line for line in audit if action in line and aid in line]
        assert lines, f"no {action} record for alert {aid}"
    assert len([line for line in audit if "alert.acknowledge" in line and aid in line]) == 2
    assert any("token" in line and "ca-ana" in line for line in audit), "the tokens' creation is audited"
    proc = h.cli("audit", "verify", "--quiet", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("ok:"), proc.stdout
