"""Breach and personal-data-misuse reports through the real binary: every missing element of
each regime, a late report without reasons, the wrong sectors and an unknown actor answer 400
naming the field with nothing stored; only the reporter and the recipient see a report; a
GDPR report is escalated at 72 hours by the deadline sweep (state, audit record, a
`breach.escalated` webhook to both organisations without the title); phases lead to
`complete`; a shared incident obeys its TLP (RED: the two organisations only) and carries no
personal data; `rrm breach` drives the same service; the retention setting refuses less than
730 days; `serve --demo` seeds a report inside its deadline and one past it."""

import datetime
import json
import time
import uuid

import requests
from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import Server, as_pages

from test_notify import Receiver

PASSWORD = "correct horse battery"
SWEEP = ["--public-url", "https://hub.test", "--notify-timeout", "2", "--notify-backoff", "1",
         "--deadline-sweep-every", "1"]

GDPR = ["nature", "subject_categories", "approx_subjects", "record_categories",
        "approx_records", "contact", "consequences", "measures"]
PIPEDA = ["circumstances", "period", "personal_information", "number_affected", "mitigation",
          "notification", "contact"]


def api(h, method, path, user, body=None, params=None):
    return requests.request(method, f"{h.url}/api/v1{path}", auth=(user, PASSWORD), json=body,
                            params=params, timeout=30)


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def contents():
    return {
        "nature": "credential stuffing against the login service",
        "subject_categories": ["account holders"], "approx_subjects": 1200,
        "record_categories": ["e-mail addresses"], "approx_records": 2400,
        "contact": "privacy office, privacy@platform.example",
        "consequences": "phishing", "measures": "password resets",
    }


def report(aware, **extra):
    body = {"title": "Login service breach", "regime": "gdpr-art33", "recipient": "dpa-de",
            "aware_at": rfc3339(aware), "contents": contents()}
    body.update(extra)
    return body


def setup(h):
    h.org("platform-a", sector="platform")
    h.org("isp-b", sector="isp")
    h.org("dpa-de", sector="government", country="DE")
    h.org("gov-jp", sector="government", country="JP")
    h.org("lab", sector="civil-society")
    for org in ["platform-a", "isp-b", "dpa-de", "gov-jp", "lab"]:
        h.user(org, org + "-ana", password=PASSWORD)
        h.user(org, org + "-adm", role="admin", password=PASSWORD)


def count(h, user):
    return len(ok(api(h, "GET", "/breaches", user))["breaches"])


def test_bad_reports_name_every_field_and_store_nothing(new_hub):
    h = new_hub()
    setup(h)
    h.collection("threats")
    h.grant("platform-a", "threats", write=True)
    h.start()
    now = int(time.time())

    def refused(user, body, field, *named):
        r = api(h, "POST", "/breaches", user, body)
        assert r.status_code == 400, r.text
        err = r.json()["error"]
        assert err["code"] == "invalid_input" and err["field"] == field, err
        for f in named:
            assert f in err["message"], (f, err["message"])

    for regime, required in [("gdpr-art33", GDPR), ("pipeda", PIPEDA)]:
        fields = [f"contents.{e}" for e in required]
        refused("platform-a-ana", report(now - 60, regime=regime, contents={}), fields[0], *fields)
    refused("platform-a-ana", report(now - 60, regime="other", contents={}),
            "deadline", "contents.nature", "contents.contact", "contents.measures")
    # Each missing element alone is named.
    for e in GDPR:
        c = contents()
        del c[e]
        refused("platform-a-ana", report(now - 60, contents=c), f"contents.{e}")
    refused("platform-a-ana", report(now - 73 * 3600, submit=True), "delay_reasons")
    refused("gov-jp-ana", report(now - 60), "reporter")
    refused("lab-ana", report(now - 60), "reporter")
    refused("platform-a-ana", report(now - 60, recipient="lab"), "recipient")
    refused("platform-a-ana", report(now - 60, recipient="isp-b"), "recipient")
    refused("platform-a-ana", report(now - 60, actors=[
        {"collection": "threats", "id": f"intrusion-set--{uuid.uuid4()}"}]), "actors[0]")
    refused("platform-a-ana", report(now - 60, deadline=rfc3339(now + 3600)), "deadline")
    refused("platform-a-ana", report(now - 60, deferred=["period"]), "deferred[0]")
    refused("platform-a-ana", report(now + 3600), "aware_at")
    r = api(h, "POST", "/breaches", "platform-a-ana", report(now - 60, contents={"approx_records": "many"}))
    assert r.status_code == 400 and r.json()["error"]["field"] == "contents.approx_records", r.text
    for user in ["platform-a-ana", "dpa-de-ana", "gov-jp-ana", "isp-b-ana"]:
        assert count(h, user) == 0, user


def test_phases_visibility_and_lifecycle(new_hub):
    h = new_hub()
    setup(h)
    h.start()
    now = int(time.time())
    c = contents()
    del c["consequences"]
    v = ok(api(h, "POST", "/breaches", "platform-a-ana",
               report(now - 3600, contents=c, deferred=["consequences"], submit=True)), 201)
    assert v["status"] == "submitted" and v["missing"] == ["consequences"] and not v["late"]
    deadline = datetime.datetime.fromisoformat(v["deadline"].replace("Z", "+00:00")).timestamp()
    aware = datetime.datetime.fromisoformat(v["aware_at"].replace("Z", "+00:00")).timestamp()
    assert deadline - aware == 72 * 3600
    bid = v["id"]
    # Nobody else sees it, never told apart from a missing one, nor counts it.
    for user in ["gov-jp-ana", "isp-b-ana", "lab-ana"]:
        missing = api(h, "GET", f"/breaches/{uuid.uuid4()}", user)
        hidden = api(h, "GET", f"/breaches/{bid}", user)
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json()["error"]["code"] == missing.json()["error"]["code"] == "not_found"
        assert count(h, user) == 0
    assert count(h, "platform-a-ana") == count(h, "dpa-de-ana") == 1
    # The wrong side: the reporter may not acknowledge, the recipient may not add a phase.
    assert api(h, "POST", f"/breaches/{bid}/acknowledge", "platform-a-ana", {}).status_code == 403
    assert api(h, "PATCH", f"/breaches/{bid}", "dpa-de-ana", {"contents": {"consequences": "x"}}).status_code == 403
    assert ok(api(h, "POST", f"/breaches/{bid}/acknowledge", "dpa-de-ana", {}))["status"] == "acknowledged"
    v = ok(api(h, "PATCH", f"/breaches/{bid}", "platform-a-ana", {"contents": {"consequences": "phishing"}}))
    assert v["status"] == "complete" and v["complete"] and v["revision"] == 3
    assert [x["action"] for x in v["history"]] == ["submit", "acknowledge", "update"]
    r = api(h, "POST", f"/breaches/{bid}/submit", "platform-a-ana", {})
    assert r.status_code == 409 and r.json()["error"]["current"] == "complete", r.text
    assert ok(api(h, "POST", f"/breaches/{bid}/close", "dpa-de-ana", {}))["status"] == "closed"


def events(receiver, kind):
    with receiver.lock:
        reqs = list(receiver.requests)
    return [json.loads(r["body"]) for r in reqs if json.loads(r["body"])["kind"] == kind]


def wait_for(pred, timeout=30, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_gdpr_report_is_escalated_at_72_hours(new_hub):
    h = new_hub()
    setup(h)
    h.start(*SWEEP)
    hooks = {org: Receiver() for org in ["platform-a", "dpa-de", "gov-jp"]}
    try:
        for org, rc in hooks.items():
            ok(api(h, "POST", "/webhooks", org + "-adm", {"url": rc.url, "events": ["*"]}), 201)
        assert '"breach.escalated"' in requests.get(f"{h.url}/api/v1/openapi.json", timeout=30).text
        now = int(time.time())
        # Aware 72 hours minus a few seconds ago: the deadline passes during the test.
        draft = ok(api(h, "POST", "/breaches", "platform-a-ana",
                       report(now - 72 * 3600 + 4, title="Secret title of the draft")), 201)
        inside = ok(api(h, "POST", "/breaches", "platform-a-ana", report(now - 3600, submit=True)), 201)
        assert draft["status"] == "draft" and inside["status"] == "submitted"
        bid = draft["id"]
        v = wait_for(lambda: (lambda b: b["status"] == "escalated" and b)(
            ok(api(h, "GET", f"/breaches/{bid}", "dpa-de-ana"))), what="escalation")
        assert v["late"] and v["escalated_at"] and v["history"][-1]["by"] == "deadline"
        deadline = datetime.datetime.fromisoformat(v["deadline"].replace("Z", "+00:00")).timestamp()
        assert time.time() >= deadline
        for org in ["platform-a", "dpa-de"]:
            got = wait_for(lambda: events(hooks[org], "breach.escalated"), what=f"webhook to {org}")
            assert len(got) == 1 and got[0]["link"].endswith(f"/api/v1/breaches/{bid}")
            assert "Secret title" not in json.dumps(got[0]), "AMBER+STRICT: no title leaves"
            records = ok(api(h, "GET", "/audit", org + "-adm", params={"limit": 1000}))["records"]
            assert [r for r in records if r["action"] == "breach.escalate" and r["target"] == f"breach/{bid}"]
        time.sleep(2)
        assert len(events(hooks["platform-a"], "breach.escalated")) == 1, "escalated once"
        assert not events(hooks["gov-jp"], "breach.escalated"), "nobody else hears of it"
        assert ok(api(h, "GET", f"/breaches/{inside['id']}", "dpa-de-ana"))["status"] == "submitted"
        # Escalated, it may still be submitted: late now, so only with reasons.
        r = api(h, "POST", f"/breaches/{bid}/submit", "platform-a-ana", {})
        assert r.status_code == 400 and r.json()["error"]["field"] == "delay_reasons", r.text
        v = ok(api(h, "POST", f"/breaches/{bid}/submit", "platform-a-ana", {"delay_reasons": "late triage"}))
        assert v["status"] == "submitted" and v["delay_reasons"] == "late triage"
        # Acknowledged with every element: complete.
        assert ok(api(h, "POST", f"/breaches/{bid}/acknowledge", "dpa-de-ana", {}))["status"] == "complete"
    finally:
        for rc in hooks.values():
            rc.close()


def pull(h, collection, user):
    root = Server(f"{h.url}/taxii2/", user=user, password=PASSWORD).api_roots[0]
    cols = [c for c in root.collections if c.id == collection]
    if not cols:
        return []
    objs = []
    for page in as_pages(cols[0].get_objects, per_request=500):
        objs.extend(page.get("objects", []))
    return objs


def test_shared_incidents_obey_their_tlp_and_carry_no_personal_data(new_hub):
    h = new_hub()
    setup(h)
    col = h.collection("shared")
    for org in ["platform-a", "dpa-de", "gov-jp"]:
        h.grant(org, "shared", write=(org == "platform-a"))
    h.start()
    now = int(time.time())
    actor = {"type": "threat-actor", "spec_version": "2.1", "id": f"threat-actor--{uuid.uuid4()}",
             "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
             "name": "Storm Example", "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}
    r = requests.post(f"{h.url}/taxii2/hub/collections/{col}/objects/", auth=("platform-a-ana", PASSWORD),
                      headers={"Content-Type": "application/taxii+json;version=2.1",
                               "Accept": "application/taxii+json;version=2.1"},
                      data=json.dumps({"objects": [actor]}), timeout=30)
    assert r.status_code == 202, r.text
    wait_for(lambda: pull(h, col, "dpa-de-ana"), what="the actor stored")
    v = ok(api(h, "POST", "/breaches", "platform-a-ana", report(
        now - 3600, submit=True, actors=[{"collection": "shared", "id": actor["id"]}])), 201)
    bid = v["id"]
    # Only the reporter shares, and never into a collection it may not write.
    assert api(h, "POST", f"/breaches/{bid}/share", "dpa-de-ana", {"collection": "shared"}).status_code == 403
    r = api(h, "POST", f"/breaches/{bid}/share", "platform-a-ana", {"collection": "nope"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "collection"
    red = ok(api(h, "POST", f"/breaches/{bid}/share", "platform-a-ana", {"collection": "shared", "tlp": "RED"}))
    ours = {red["incident"], red["impact"], *red["relationships"]}
    seen = {o["id"]: o for o in pull(h, col, "dpa-de-ana") if o["id"] in ours}
    assert set(seen) == ours, "the recipient sees the RED objects"
    assert not [o for o in pull(h, col, "gov-jp-ana") if o["id"] in ours], "TLP:RED blocks gov-jp"
    incident = seen[red["incident"]]
    assert incident["type"] == "incident"
    impact = seen[red["impact"]]
    assert impact["impact_category"] == "confidentiality"
    assert impact["extensions"]["confidentiality-ext"]["record_count"] == 2400
    rel = seen[red["relationships"][0]]
    assert rel["source_ref"] == red["incident"] and rel["target_ref"] == actor["id"]
    text = json.dumps(list(seen.values()))
    for personal in ["privacy@platform.example", "Login service breach", "phishing", "account holders"]:
        assert personal not in text, personal
    for o in seen.values():
        result = validate_instance(o, ValidationOptions(version="2.1"))
        assert not result.errors, f"{o['id']}: {[str(e) for e in result.errors]}"
    # Shared again at GREEN: a new version everyone with access reads.
    ok(api(h, "POST", f"/breaches/{bid}/share", "platform-a-ana", {"collection": "shared", "tlp": "GREEN"}))
    assert [o for o in pull(h, col, "gov-jp-ana") if o["id"] == red["incident"]]


def test_cli_retention_setting_and_demo(new_hub, tmp_path):
    h = new_hub()
    setup(h)
    now = int(time.time())
    body = tmp_path / "report.json"
    body.write_text(json.dumps(report(now - 60)))
    out = h.cli("breach", "create", "--as", "platform-a-ana", "--file", str(body)).stdout.split("\t")
    bid = out[0]
    assert out[1] == "draft"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(report(now - 60, contents={})))
    r = h.cli("breach", "create", "--as", "platform-a-ana", "--file", str(bad), check=False)
    assert r.returncode != 0 and "contents.nature" in r.stderr and "contents.measures" in r.stderr
    assert h.cli("breach", "submit", bid, "--as", "platform-a-ana").stdout.split("\t")[1] == "submitted"
    assert h.cli("breach", "ack", bid, "--as", "dpa-de-ana").stdout.split("\t")[1] == "complete"
    listed = h.cli("breach", "list", "--as", "dpa-de-ana").stdout.strip().splitlines()
    assert len(listed) == 1 and listed[0].startswith(bid)
    assert h.cli("breach", "list", "--as", "gov-jp-ana").stdout.strip() == ""
    shown = json.loads(h.cli("breach", "show", bid, "--as", "dpa-de-ana").stdout)
    assert shown["status"] == "complete"
    assert h.cli("breach", "show", bid, "--as", "gov-jp-ana", check=False).returncode != 0

    r = h.cli("serve", "--listen", "127.0.0.1:0", "--breach-retention-days", "729", check=False)
    assert r.returncode != 0 and "--breach-retention-days" in r.stderr, r.stderr

    d = new_hub()
    d.start("--demo")
    demo = "rrm-demo-password"
    got = requests.get(f"{d.url}/api/v1/breaches", auth=("chirp-analyst", demo), timeout=30).json()["breaches"]
    assert len(got) == 2
    late = [b for b in got if b["late"]]
    inside = [b for b in got if not b["late"]]
    assert len(late) == 1 and len(inside) == 1
    full = requests.get(f"{d.url}/api/v1/breaches/{late[0]['id']}", auth=("fr-analyst", demo), timeout=30).json()
    assert full["delay_reasons"] and full["status"] == "submitted" and full["actors"]
