"""Deadlines with consequences through the real binary: `rrm serve --deadline-sweep-every 1
--reminder-lead 3` sends each alert recipient that owes an answer a reminder before the
respond-by time and an overdue notice after it (the overdue one also to the sender), sends
`action.due` and `action.overdue` for an unfinished action, each exactly once (also across a
restart), nothing for a recipient that contributed or an action that is done, no title of a
TLP:RED alert, and closes a proposal whose deadline passed, with an audit record."""

import datetime
import json
import time

import requests

from test_notify import Receiver

PASSWORD = "correct horse battery"
PUBLIC = "https://hub.test"
SWEEP = ["--public-url", PUBLIC, "--notify-timeout", "2", "--notify-backoff", "1",
         "--deadline-sweep-every", "1", "--reminder-lead", "3"]


def api(h, method, path, user, body=None):
    r = requests.request(method, f"{h.url}/api/v1{path}", auth=(user, PASSWORD), json=body, timeout=30)
    return r


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def events(receiver, kinds=None):
    """The bodies received, decoded, optionally only those of `kinds`."""
    with receiver.lock:
        reqs = list(receiver.requests)
    out = []
    for r in reqs:
        body = json.loads(r["body"])
        body["_at"] = r["at"]
        if kinds is None or body["kind"] in kinds:
            out.append(body)
    return out


def wait_for(pred, timeout=20, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


DEADLINE_KINDS = {"alert.reminder", "alert.overdue", "action.due", "action.overdue"}


def about(evs, path):
    return [e for e in evs if e["link"].endswith(path)]


def test_reminders_overdue_notices_and_closing_at_the_deadline(new_hub):
    h = new_hub()
    for org in ["gov-ca", "gov-fr", "gov-jp"]:
        h.org(org)
        h.user(org, org + "-ana")
        h.user(org, org + "-adm", role="admin")
    h.user("gov-ca", "gov-ca-ana2")
    h.start(*SWEEP)
    hooks = {org: Receiver() for org in ["gov-ca", "gov-fr", "gov-jp"]}
    only = Receiver()
    try:
        for org, rc in hooks.items():
            ok(api(h, "POST", "/webhooks", org + "-adm", {"url": rc.url, "events": ["*"]}), 201)
        # The new kinds are subscribable and listed in the OpenAPI document.
        doc = requests.get(f"{h.url}/api/v1/openapi.json", timeout=30).text
        for kind in DEADLINE_KINDS:
            assert f'"{kind}"' in doc, kind
        ok(api(h, "POST", "/webhooks", "gov-jp-adm", {"url": only.url, "events": sorted(DEADLINE_KINDS)}), 201)

        t0 = int(time.time())
        due = t0 + 7
        amber = ok(api(h, "POST", "/alerts", "gov-ca-ana", {
            "title": "Forged letter amplified", "summary": "Accounts amplify a forged letter.",
            "tlp": "AMBER", "recipients": ["gov-fr", "gov-jp"], "respond_by": rfc3339(due)}), 201)
        red = ok(api(h, "POST", "/alerts", "gov-ca-ana", {
            "title": "Nightjar source names", "summary": "Secret sources of Nightjar.",
            "tlp": "RED", "recipients": ["gov-fr"], "respond_by": rfc3339(due)}), 201)
        # gov-jp answers in full at once: it owes nothing.
        for step in ["acknowledge", "contribute"]:
            ok(api(h, "POST", f"/alerts/{amber['id']}/{step}", "gov-jp-ana", {"comment": "here"}))

        case = ok(api(h, "POST", "/cases", "gov-ca-ana", {
            "title": "Forged letter", "participants": ["gov-fr"]}), 201)
        cid = case["id"]
        ok(api(h, "POST", f"/cases/{cid}/open", "gov-ca-ana"))
        late = ok(api(h, "POST", f"/cases/{cid}/actions", "gov-ca-ana", {
            "title": "Brief the platforms", "performing_org": "gov-fr", "due": rfc3339(due)}), 201)
        done = ok(api(h, "POST", f"/cases/{cid}/actions", "gov-ca-ana", {
            "title": "Publish a rebuttal", "performing_org": "gov-ca", "due": rfc3339(due)}), 201)
        ok(api(h, "POST", f"/cases/{cid}/actions/{done['id']}/propose", "gov-ca-ana"))
        ok(api(h, "POST", f"/cases/{cid}/actions/{done['id']}/approve", "gov-ca-ana2"))
        ok(api(h, "POST", f"/cases/{cid}/actions/{done['id']}/done", "gov-ca-ana"))
        vote = ok(api(h, "POST", f"/cases/{cid}/votes", "gov-ca-ana", {
            "text": "We jointly condemn the forgery.", "rule": "consensus",
            "deadline": rfc3339(t0 + 5)}), 201)
        assert ok(api(h, "POST", f"/cases/{cid}/votes/{vote['id']}/ballots", "gov-fr-ana",
                      {"ballot": "endorse"}))["status"] == "open"

        # Reminders before the deadline: to gov-fr for both alerts and for its action.
        fr = hooks["gov-fr"]
        reminders = wait_for(lambda: len(events(fr, {"alert.reminder", "action.due"})) >= 3
                             and events(fr, {"alert.reminder", "action.due"}), what="reminders")
        for e in reminders:
            assert e["_at"] < due + 0.5, f"{e['kind']} arrived after the deadline"
        amber_rem = about(events(fr, {"alert.reminder"}), f"/alerts/{amber['id']}")
        assert len(amber_rem) == 1
        assert amber_rem[0]["data"]["title"] == "Forged letter amplified"
        assert amber_rem[0]["data"]["org"] == "gov-fr" and amber_rem[0]["tlp"] == "AMBER"
        red_rem = about(events(fr, {"alert.reminder"}), f"/alerts/{red['id']}")
        assert len(red_rem) == 1 and red_rem[0]["redacted"] is True
        action_due = about(events(fr, {"action.due"}), f"/cases/{cid}/actions/{late['id']}")
        assert len(action_due) == 1 and action_due[0]["data"]["title"] == "Brief the platforms"
        # No overdue notice before the deadline.
        assert not [e for e in events(fr, {"alert.overdue", "action.overdue"}) if e["_at"] < due]

        # Overdue notices after it: gov-fr owes both alerts and its action; gov-ca hears of
        # both alerts (as sender) and of the action (as case owner).
        ca = hooks["gov-ca"]
        wait_for(lambda: len(events(fr, {"alert.overdue", "action.overdue"})) >= 3
                 and len(events(ca, {"alert.overdue", "action.overdue"})) >= 3, what="overdue notices")
        for rc in (fr, ca):
            over = events(rc, {"alert.overdue", "action.overdue"})
            for e in over:
                assert e["_at"] >= due, f"{e['kind']} before the deadline"
            assert len(about(over, f"/alerts/{amber['id']}")) == 1
            assert len(about(over, f"/alerts/{red['id']}")) == 1
            assert len(about(over, f"/cases/{cid}/actions/{late['id']}")) == 1
        for e in events(ca, {"alert.overdue"}) + events(fr, {"alert.overdue"}):
            if e["link"].endswith(red["id"]):
                assert e.get("redacted") is True and "data" not in e
            else:
                assert e["data"]["org"] == "gov-fr"
        # gov-ca performs no unfinished action: it gets no reminder of its own.
        assert not events(ca, {"alert.reminder", "action.due"})

        # The proposal was closed by the sweep (consensus, one endorsement, deadline passed).
        closed = wait_for(lambda: (p := ok(api(h, "GET", f"/cases/{cid}/votes/{vote['id']}", "gov-fr-ana")))
                          ["status"] != "open" and p, what="the proposal closed")
        assert closed["status"] == "adopted", closed
        audit = h.cli("admin", "audit", "--limit", "1000").stdout
        assert any("case.vote.close" in line and "deadline" in line and vote["id"] in line
                   for line in audit.splitlines()), audit

        # Exactly once, also after a restart.
        time.sleep(2.5)
        h.proc.terminate()
        assert h.proc.wait(timeout=15) == 0, "serve stops cleanly with the sweep running"
        h.proc = None
        h.start(*SWEEP)
        time.sleep(3.5)
        for org, rc in hooks.items():
            evs = events(rc, DEADLINE_KINDS)
            keys = [(e["kind"], e["link"]) for e in evs]
            assert len(keys) == len(set(keys)), f"{org} got a deadline message twice: {keys}"
        assert len(events(fr, DEADLINE_KINDS)) == 6
        assert len(events(ca, DEADLINE_KINDS)) == 3
        # gov-jp contributed and the done action is finished: nothing about either.
        assert events(hooks["gov-jp"], DEADLINE_KINDS) == []
        assert events(only) == [], "a webhook of only the deadline kinds heard nothing for gov-jp"
        for rc in hooks.values():
            assert about(events(rc, DEADLINE_KINDS), f"/actions/{done['id']}") == []
        # Nothing of the RED alert's content reached any webhook.
        for rc in hooks.values():
            for r in rc.requests:
                assert b"Nightjar" not in r["body"]
    finally:
        for rc in [*hooks.values(), only]:
            rc.close()
