"""Notices to platforms through the real binary: a government sends an Art. 16 notice about three
accounts, approved by a colleague; the platform fetches its inbox incrementally, acknowledges,
decides item by item with statements of reasons and exports them as a Transparency Database
batch; every bad request is a 400 naming its fields and changes nothing."""

import hashlib
import json
import pathlib
import shutil
import tempfile
import uuid

import pytest
import requests

from demo_hub import DemoHub, PASSWORD as DEMO_PASSWORD
from test_notify import Receiver
from sor_fixture import statement

PASSWORD = "correct horse battery"


def api(h, method, path, user, **kw):
    return requests.request(method, f"{h.url}/api/v1{path}", auth=(user, PASSWORD), timeout=120, **kw)


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def error_fields(r):
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_input"
    fields = [e["field"] for e in err["errors"]]
    assert err["field"] == fields[0]
    return fields


def art16(recipient="plat", items=None):
    return {
        "recipient": recipient,
        "kind": "dsa-art16",
        "items": items if items is not None else [
            {"type": "account", "value": "@doppel_1", "platform": "9001"},
            {"type": "account", "value": "@doppel_2", "platform": "9002"},
            {"type": "account", "value": "@doppel_3", "platform": "9003"},
        ],
        "explanation": "The accounts spread a forged notice of a changed polling date.",
        "ground": "Canada Elections Act, s. 91(1)",
        "territorial_scope": ["CA"],
        "contact": {"name": "RRM Canada", "email": "rrm@example.gc.ca"},
        "bona_fide": True,
    }


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@pytest.fixture
def world(new_hub, tmp_path):
    return build(new_hub, tmp_path)


def build(new_hub, tmp_path, *extra):
    h = new_hub()
    h.org("gov-ca", country="CA")
    h.org("plat", sector="platform", country="US")
    h.org("plat2", sector="platform", country="US")
    for org, user in [("gov-ca", "ca-ana"), ("gov-ca", "ca-ana2"), ("plat", "plat-ana"), ("plat2", "plat2-ana")]:
        h.user(org, user)
    h.user("gov-ca", "ca-admin", role="admin")
    h.collection("g7", "G7 RRM")
    h.grant("gov-ca", "g7", write=True)
    h.grant("plat", "g7")
    red = f"indicator--{uuid.uuid4()}"
    green = f"indicator--{uuid.uuid4()}"
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [
        {"type": "indicator", "spec_version": "2.1", "id": i, "created": "2026-01-01T00:00:00.000Z",
         "modified": "2026-01-01T00:00:00.000Z", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
         "pattern": "[domain-name:value = 'doppel.example']", "object_marking_refs": [m]}
        for i, m in [(red, "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"),
                     (green, "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb")]
    ]}
    path = tmp_path / "objects.json"
    path.write_text(json.dumps(bundle))
    h.cli("import", str(path), "--collection", "g7", "--as", "ca-ana")
    h.red, h.green = red, green
    h.user("plat", "plat-admin", role="admin")
    return h.start(*extra)


def sent_notice(h, body=None):
    n = ok(api(h, "POST", "/notices", "ca-ana", json=body or art16()), 201)
    ok(api(h, "POST", f"/notices/{n['id']}/approve", "ca-ana2"))
    return ok(api(h, "POST", f"/notices/{n['id']}/send", "ca-ana"))


def test_an_art16_notice_from_a_government_to_a_platform(world):
    h = world
    n = ok(api(h, "POST", "/notices", "ca-ana", json=art16()), 201)
    assert n["status"] == "draft" and n["tlp"] == "AMBER" and len(n["items"]) == 3
    # The author may not approve it; the platform does not see a draft.
    r = api(h, "POST", f"/notices/{n['id']}/approve", "ca-ana")
    assert r.status_code == 403, r.text
    assert api(h, "GET", f"/notices/{n['id']}", "plat-ana").status_code == 404
    ok(api(h, "POST", f"/notices/{n['id']}/approve", "ca-ana2"))
    s = ok(api(h, "POST", f"/notices/{n['id']}/send", "ca-ana"))
    assert s["status"] == "sent"
    # The content hash is the SHA-256 of the canonical JSON frozen at sending.
    frozen = json.loads(s["frozen"])
    assert canonical(frozen) == s["frozen"]
    assert hashlib.sha256(s["frozen"].encode()).hexdigest() == s["content_hash"]
    assert frozen["items"] == n["items"] and frozen["recipient"] == "plat"

    # The inbox, incrementally: each notice once, the cursor continues.
    first = ok(api(h, "GET", "/notices/inbox", "plat-ana"))
    assert [x["id"] for x in first["notices"]] == [n["id"]]
    assert first["notices"][0]["status"] == "delivered"
    assert ok(api(h, "GET", f"/notices/inbox?after={first['next']}", "plat-ana"))["notices"] == []
    assert ok(api(h, "GET", "/notices/inbox", "plat2-ana"))["notices"] == []
    second = sent_notice(h)
    newer = ok(api(h, "GET", f"/notices/inbox?after={first['next']}", "plat-ana"))
    assert [x["id"] for x in newer["notices"]] == [second["id"]]
    assert ok(api(h, "GET", f"/notices/inbox?after={newer['next']}", "plat-ana"))["notices"] == []

    # Acknowledged (Art. 16(4)), then two of three items decided: still under review.
    a = ok(api(h, "POST", f"/notices/{n['id']}/acknowledge", "plat-ana"))
    assert a["status"] == "under-review" and a["acknowledged_at"]
    two = ok(api(h, "POST", f"/notices/{n['id']}/decisions", "plat-ana", json={"decisions": [
        {"item": 0, "outcome": "actioned", "statement": statement("9001")},
        {"item": 1, "outcome": "actioned", "statement": statement("9002")},
    ]}))
    assert two["status"] == "under-review" and len(two["decisions"]) == 2
    done = ok(api(h, "POST", f"/notices/{n['id']}/decisions", "plat-ana",
                  json={"decisions": [{"item": 2, "outcome": "no-action"}]}))
    assert done["status"] == "decided" and done["outcome"] == "partially-actioned"

    # Both sides keep the link notice <-> decision <-> puid.
    for user in ["ca-ana", "plat-ana"]:
        found = ok(api(h, "GET", "/notices/decisions?puid=9002", user))["decisions"]
        assert [(d["notice"], d["item"]) for d in found] == [(n["id"], 1)]
    assert ok(api(h, "GET", "/notices/decisions?puid=9002", "plat2-ana"))["decisions"] == []

    # The export is exactly a multiple-statement request body of at most 100.
    r = api(h, "GET", "/notices/decisions/export?limit=1", "plat-ana")
    body = ok(r)
    assert list(body) == ["statements"] and [s["puid"] for s in body["statements"]] == ["9001"]
    assert body["statements"][0] == statement("9001")
    r2 = api(h, "GET", f"/notices/decisions/export?limit=100&after={r.headers['RRM-Next']}", "plat-ana")
    assert [s["puid"] for s in ok(r2)["statements"]] == ["9002"]
    assert error_fields(api(h, "GET", "/notices/decisions/export?limit=101", "plat-ana")) == ["limit"]

    # The sender appeals; the platform answers; the notice is closed.
    assert api(h, "POST", f"/notices/{n['id']}/appeal", "plat-ana", json={"reasons": "x"}).status_code == 403
    ap = ok(api(h, "POST", f"/notices/{n['id']}/appeal", "ca-ana",
                json={"reasons": "The third account posts the same forgery."}))
    assert ap["status"] == "appealed"
    closed = ok(api(h, "POST", f"/notices/{n['id']}/appeal/answer", "plat-ana",
                    json={"answer": "upheld", "explanation": "A news outlet quoting the forgery."}))
    assert closed["status"] == "closed" and closed["appeal"]["answer"] == "upheld"
    r = api(h, "POST", f"/notices/{n['id']}/appeal", "ca-ana", json={"reasons": "again"})
    assert r.status_code == 409 and r.json()["error"]["current"] == "closed"

    # A correction is a new version, approved again; the outbox lists every version.
    v2 = ok(api(h, "POST", f"/notices/{second['id']}/versions", "ca-ana", json=art16()), 201)
    assert v2["version"] == 2 and v2["previous"] == second["id"] and v2["status"] == "draft"
    versions = ok(api(h, "GET", f"/notices/{v2['id']}/versions", "ca-ana"))["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    page = ok(api(h, "GET", "/notices?limit=2", "ca-ana"))
    rest = ok(api(h, "GET", f"/notices?next={page['next']}", "ca-ana"))
    assert [x["id"] for x in page["notices"] + rest["notices"]] == [v2["id"], second["id"], n["id"]]


def test_every_missing_element_of_each_kind_is_named_and_nothing_stored(world):
    h = world
    before = ok(api(h, "GET", "/notices", "ca-ana"))
    cases = {
        "dsa-art16": ["items", "explanation", "ground", "contact.name", "contact.email", "bona_fide"],
        "dsa-trusted-flagger": ["items", "explanation", "ground", "contact.name", "contact.email",
                                "bona_fide", "trusted_flagger"],
        "dsa-art9-order": ["kind", "items", "ground", "explanation", "order.issuing_authority",
                           "order.redress", "territorial_scope"],
        "tos-report": ["items", "ground", "explanation"],
        "abuse-report": ["items", "xarf.ReporterInfo", "xarf.Disclosure", "xarf.ReportClass",
                         "xarf.ReportType", "xarf.Date", "explanation"],
    }
    for kind, expected in cases.items():
        r = api(h, "POST", "/notices", "ca-ana", json={"recipient": "plat", "kind": kind})
        assert error_fields(r) == expected, kind
    bad = art16(items=[{"type": "url", "value": "not a url"}, {"type": "ip", "value": "999.1.1.1"}])
    bad["contact"]["email"] = "nobody"
    bad["territorial_scope"] = ["ca"]
    assert error_fields(api(h, "POST", "/notices", "ca-ana", json=bad)) == [
        "items[0].value", "items[1].value", "territorial_scope[0]", "contact.email"]
    assert error_fields(api(h, "POST", "/notices", "ca-ana", json={**art16(), "kind": "nonsense"})) == ["kind"]
    assert error_fields(api(h, "POST", "/notices", "ca-ana", json={**art16(), "colour": "red"})) == ["colour"]
    assert error_fields(api(h, "POST", "/notices", "ca-ana", json=art16(recipient="gov-ca"))) == ["recipient"]
    assert ok(api(h, "GET", "/notices", "ca-ana")) == before


def test_an_order_needs_a_competent_authority_that_only_the_operator_marks(world):
    h = world
    order = {
        "recipient": "plat", "kind": "dsa-art9-order",
        "items": [{"type": "url", "value": "https://plat.example/p/1"}],
        "ground": "Canada Elections Act, s. 91(1)",
        "explanation": "False statements about a candidate, contrary to s. 91(1) of the Act.",
        "order": {"issuing_authority": "Commissioner of Canada Elections", "redress": "Federal Court review."},
        "territorial_scope": ["CA"],
    }
    assert error_fields(api(h, "POST", "/notices", "ca-ana", json=order)) == ["kind"]
    # The organisation's own admin may not certify it.
    assert api(h, "PUT", "/notices/authorities/gov-ca", "ca-admin").status_code == 403
    h.cli("notice", "authority", "gov-ca")
    assert ok(api(h, "GET", "/notices/authorities", "ca-ana"))["authorities"] == ["gov-ca"]
    ok(api(h, "POST", "/notices", "ca-ana", json=order), 201)


def test_another_platform_cannot_see_or_decide(world):
    h = world
    n = sent_notice(h)
    assert api(h, "GET", f"/notices/{n['id']}", "plat2-ana").status_code == 404
    r = api(h, "POST", f"/notices/{n['id']}/decisions", "plat2-ana",
            json={"decisions": [{"item": 0, "outcome": "no-action"}]})
    assert r.status_code == 404, r.text
    ok(api(h, "POST", f"/notices/{n['id']}/acknowledge", "plat-ana"))
    # A statement the Transparency Database would refuse is named field by field, nothing stored.
    bad = {k: v for k, v in statement("9001").items() if k not in ("decision_ground", "category")}
    r = api(h, "POST", f"/notices/{n['id']}/decisions", "plat-ana",
            json={"decisions": [{"item": 0, "outcome": "actioned", "statement": bad},
                                {"item": 7, "outcome": "no-action"}]})
    fields = error_fields(r)
    assert "decisions.0.statement.decision_ground" in fields
    assert "decisions.0.statement.category" in fields and "decisions.1.item" in fields
    assert ok(api(h, "GET", f"/notices/{n['id']}", "plat-ana"))["decisions"] == []


def test_a_red_object_blocks_sending_and_names_the_blocker(world):
    h = world
    body = art16()
    body["items"].append({"type": "stix", "value": h.green, "collection": "g7"})
    body["items"].append({"type": "stix", "value": h.red, "collection": "g7"})
    n = ok(api(h, "POST", "/notices", "ca-ana", json=body), 201)
    ok(api(h, "POST", f"/notices/{n['id']}/approve", "ca-ana2"))
    r = api(h, "POST", f"/notices/{n['id']}/send", "ca-ana")
    assert error_fields(r) == ["items[4]"]
    assert h.red in r.json()["error"]["message"] and "plat" in r.json()["error"]["message"]
    assert ok(api(h, "GET", f"/notices/{n['id']}", "ca-ana"))["status"] == "approved"
    assert ok(api(h, "GET", "/notices/inbox", "plat-ana"))["notices"] == []


def test_the_cli_drives_a_notice(world, tmp_path):
    h = world
    content = {k: v for k, v in art16().items() if k != "recipient"}
    path = tmp_path / "notice.json"
    path.write_text(json.dumps(content))
    nid = h.cli("notice", "create", "--as", "ca-ana", "--recipient", "plat", "--file", str(path)).stdout.strip()
    h.cli("notice", "approve", nid, "--as", "ca-ana2")
    out = h.cli("notice", "send", nid, "--as", "ca-ana").stdout
    assert "sent" in out and "sha256" in out
    inbox = json.loads(h.cli("notice", "inbox", "--as", "plat-ana").stdout)
    assert [x["id"] for x in inbox["notices"]] == [nid]
    h.cli("notice", "ack", nid, "--as", "plat-ana")
    st = tmp_path / "statement.json"
    st.write_text(json.dumps(statement("9001")))
    out = h.cli("notice", "decide", nid, "--as", "plat-ana", "--item", "0", "--outcome", "actioned",
                "--statement", str(st)).stdout
    assert "1 of 3" in out
    batch = json.loads(h.cli("notice", "export", "--as", "plat-ana").stdout)
    assert [s["puid"] for s in batch["statements"]] == ["9001"]
    listed = h.cli("notice", "list", "--as", "ca-ana").stdout
    assert nid in listed and "under-review" in listed
    r = h.cli("notice", "approve", nid, "--as", "ca-ana", check=False)
    assert r.returncode != 0


def test_the_demo_seeds_a_notice_to_the_platform(rrm_bin):
    d = pathlib.Path(tempfile.mkdtemp(prefix="rrm-demo-notices-"))
    demo = DemoHub(rrm_bin, d)
    try:
        r = requests.get(f"{demo.url}/api/v1/notices/inbox", auth=("chirp-analyst", DEMO_PASSWORD), timeout=60)
        assert r.status_code == 200, r.text
        notices = r.json()["notices"]
        assert len(notices) == 1
        n = notices[0]
        assert n["sender"] == "gov-ca" and n["status"] == "under-review" and n["case_id"]
        # Built on the demo's coordination detection: its three accounts and its grouping.
        assert [i["type"] for i in n["items"]] == ["account"] * 3 + ["stix"]
        assert sorted(i["value"] for i in n["items"][:3]) == ["lakeside_truth", "mirrorlake_daily", "north_voice_24"]
        assert n["items"][3]["value"].startswith("grouping--")
        assert "Coordination evidence" in n["explanation"] or "co_tweet" in n["explanation"], n["explanation"]
        assert [(x["item"], x["outcome"]) for x in n["decisions"]] == [(0, "actioned")]
    finally:
        demo.stop()
        shutil.rmtree(d, ignore_errors=True)


def test_webhooks_announce_notices_and_red_ones_carry_only_the_kind(new_hub, tmp_path):
    h = build(new_hub, tmp_path, "--public-url", "https://hub.test", "--notify-timeout", "2")
    plat_hook, gov_hook = Receiver(), Receiver()
    try:
        for user, hook, kinds in [("plat-admin", plat_hook, ["notice.received", "notice.appealed"]),
                                  ("ca-admin", gov_hook, ["notice.decided"])]:
            ok(api(h, "POST", "/webhooks", user, json={"url": hook.url, "events": kinds}), 201)
        amber = sent_notice(h)
        first = json.loads(plat_hook.wait(1)[0]["body"])
        assert first["kind"] == "notice.received" and first["tlp"] == "AMBER"
        assert first["data"]["id"] == amber["id"] and first["data"]["kind"] == "dsa-art16"
        assert first["data"]["title"] == "dsa-art16 notice from gov-ca"
        assert first["link"] == f"https://hub.test/api/v1/notices/{amber['id']}"
        red = sent_notice(h, {**art16(), "tlp": "RED"})
        second = json.loads(plat_hook.wait(2)[1]["body"])
        assert second["kind"] == "notice.received" and second.get("redacted") is True
        assert "data" not in second and "gov-ca" not in plat_hook.requests[1]["body"].decode()
        assert second["link"].endswith(red["id"])
        ok(api(h, "POST", f"/notices/{amber['id']}/acknowledge", "plat-ana"))
        ok(api(h, "POST", f"/notices/{amber['id']}/decisions", "plat-ana", json={"decisions": [
            {"item": i, "outcome": "no-action"} for i in range(3)]}))
        decided = json.loads(gov_hook.wait(1)[0]["body"])
        assert decided["kind"] == "notice.decided" and decided["data"]["outcome"] == "no-action"
        assert decided["data"]["title"] == "dsa-art16 notice to plat"
    finally:
        plat_hook.close()
        gov_hook.close()
