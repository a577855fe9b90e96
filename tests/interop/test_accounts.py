"""Accounts through the real binary: organisation admins are not hub superusers, credentials
can be listed, revoked, changed, disabled and audited (and stop working at once), failed
logins are throttled with bounded memory, /metrics is opt-in and a missing --public-url is
warned about."""

import base64
import http.client
import json
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import requests

DEMO_PW = "rrm-demo-password"
PASSWORD = "correct horse battery"


def call(url, method, path, auth=None, body=None, source="127.0.0.1"):
    """One HTTP request from a chosen loopback source address; returns (status, headers, body)."""
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60, source_address=(source, 0))
    headers = {}
    if auth is not None:
        if isinstance(auth, tuple):
            raw = f"{auth[0]}:{auth[1]}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
        else:
            headers["Authorization"] = f"Bearer {auth}"
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, raw
    finally:
        conn.close()


def js(raw):
    return json.loads(raw) if raw else None


def test_an_org_admin_cannot_act_on_other_organisations(new_hub):
    h = new_hub().start("--demo")
    admin = ("ca-admin", DEMO_PW)
    # The attack: a token for another organisation's analyst.
    st, _, body = call(h.url, "POST", "/api/v1/tokens", admin, {"username": "de-analyst"})
    assert st == 404, body
    foreign = js(body)["error"]
    st, _, body = call(h.url, "POST", "/api/v1/tokens", admin, {"username": "no-such-user"})
    unknown = js(body)["error"]
    assert st == 404 and foreign["code"] == unknown["code"] == "not_found"
    assert foreign["message"].replace("de-analyst", "X") == unknown["message"].replace("no-such-user", "X")
    # Nor a user in another organisation, nor a grant, nor a token for its own analyst.
    for method, path, body in [
        ("POST", "/api/v1/users", {"org": "gov-de", "username": "mole", "role": "admin", "password": PASSWORD}),
        ("POST", "/api/v1/tokens", {"username": "ca-analyst"}),
        ("PUT", "/api/v1/collections/directory/grants/gov-ca", {"read": True}),
        ("POST", "/api/v1/orgs", {"slug": "x-org", "name": "X", "sector": "other", "country": "FR"}),
    ]:
        st, _, raw = call(h.url, method, path, admin, body)
        assert st == 403, (path, raw)
        assert js(raw)["error"]["code"] == "forbidden"
    st, _, _ = call(h.url, "POST", "/api/v1/users/de-analyst/disable", admin)
    assert st == 404
    # The would-be mole cannot log in; de-analyst still can.
    assert call(h.url, "GET", "/api/v1/whoami", ("mole", PASSWORD))[0] == 401
    assert call(h.url, "GET", "/api/v1/whoami", ("de-analyst", DEMO_PW))[0] == 200
    # An organisation admin lists its own organisation only.
    st, _, raw = call(h.url, "GET", "/api/v1/orgs", admin)
    assert st == 200 and [o["slug"] for o in js(raw)["orgs"]] == ["gov-ca"]
    # It manages its own organisation's users.
    st, _, raw = call(h.url, "POST", "/api/v1/users", admin,
                      {"org": "gov-ca", "username": "ca-new", "role": "reader", "password": PASSWORD})
    assert st == 201, raw
    assert call(h.url, "GET", "/api/v1/whoami", ("ca-new", PASSWORD))[0] == 200


def test_credentials_are_revoked_changed_disabled_at_once_and_audited(new_hub):
    h = new_hub()
    h.org("gov-a")
    h.org("gov-b", country="DE")
    h.user("gov-a", "boss", role="admin")
    h.user("gov-a", "ann")
    h.user("gov-b", "bert")
    token = h.cli("admin", "token", "create", "ann", "--label", "feed").stdout.strip()
    lookup = token.split("_")[1]
    h.start()
    ann = ("ann", PASSWORD)
    who = lambda auth: call(h.url, "GET", "/api/v1/whoami", auth)[0]
    # Warm the server's credential cache.
    assert who(ann) == 200 and who(token) == 200

    # The operator disables ann: password and token stop at once, enable restores them.
    h.cli("admin", "user", "disable", "ann")
    assert who(ann) == 401 and who(token) == 401
    h.cli("admin", "user", "enable", "ann")
    assert who(ann) == 200 and who(token) == 200

    # Token list and revoke from the CLI.
    listed = h.cli("admin", "token", "list", "ann").stdout.strip().splitlines()
    assert len(listed) == 1 and listed[0].split("\t")[:3] == [lookup, "ann", "active"]
    h.cli("admin", "token", "revoke", lookup)
    assert who(token) == 401
    assert h.cli("admin", "token", "list", "ann").stdout.split("\t")[2] == "revoked"

    # Password reset by the operator: the cached old password stops at once.
    h.cli("admin", "user", "passwd", "ann", "--password-stdin", stdin="operator set this\n")
    assert who(ann) == 401
    ann = ("ann", "operator set this")
    assert who(ann) == 200

    # Over REST: own password change needs the current one.
    path = "/api/v1/users/ann/password"
    st, _, raw = call(h.url, "PUT", path, ann, {"password": "ann's own choice"})
    assert st == 400 and js(raw)["error"]["field"] == "current_password"
    st, _, _ = call(h.url, "PUT", path, ann, {"password": "ann's own choice", "current_password": "nope nope"})
    assert st == 403
    st, _, _ = call(h.url, "PUT", path, ann, {"password": "ann's own choice", "current_password": "operator set this"})
    assert st == 204
    assert who(ann) == 401
    ann = ("ann", "ann's own choice")
    assert who(ann) == 200
    # Own tokens: mint, list, revoke.
    st, _, raw = call(h.url, "POST", "/api/v1/tokens", ann, {"username": "ann", "label": "laptop"})
    assert st == 201
    mine = js(raw)["token"]
    st, _, raw = call(h.url, "GET", "/api/v1/tokens", ann)
    assert st == 200 and sorted(t["revoked"] for t in js(raw)["tokens"]) == [False, True]
    assert b"argon2" not in raw
    assert who(mine) == 200
    st, _, raw = call(h.url, "DELETE", f"/api/v1/tokens/{mine.split('_')[1]}", ann)
    assert st == 200 and js(raw)["revoked"] is True
    assert who(mine) == 401
    # The org admin disables and enables ann; another organisation's admin cannot see her.
    boss = ("boss", PASSWORD)
    assert call(h.url, "POST", "/api/v1/users/ann/disable", boss)[0] == 200
    assert who(ann) == 401
    assert call(h.url, "POST", "/api/v1/users/ann/enable", boss)[0] == 200
    assert who(ann) == 200
    assert call(h.url, "POST", "/api/v1/users/bert/disable", boss)[0] == 404

    # The audit log: the operator's CLI sees everything, the org admin its organisation.
    lines = [l.split("\t") for l in h.cli("admin", "audit").stdout.strip().splitlines()]
    events = {(l[2], l[4], l[5]) for l in lines}
    for want in [
        ("operator", "user.create", "ann"),
        ("operator", "token.create", f"ann/{lookup}"),
        ("operator", "user.disable", "ann"),
        ("operator", "user.enable", "ann"),
        ("operator", "token.revoke", f"ann/{lookup}"),
        ("operator", "user.password", "ann"),
        ("ann", "user.password", "ann"),
        ("ann", "token.create", f"ann/{mine.split('_')[1]}"),
        ("boss", "user.disable", "ann"),
        ("operator", "user.create", "bert"),
    ]:
        assert want in events, (want, events)
    assert not any("correct horse" in l for l in h.cli("admin", "audit").stdout.splitlines())
    st, _, raw = call(h.url, "GET", "/api/v1/audit?limit=1000", boss)
    assert st == 200
    records = js(raw)["records"]
    assert {r["target"] for r in records} >= {"ann", "boss"}
    assert all(not r["target"].startswith("bert") for r in records)
    assert call(h.url, "GET", "/api/v1/audit", ann)[0] == 403


def vm_hwm_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def metric(url, name):
    text = requests.get(f"{url}/metrics").text
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


def test_wrong_password_floods_are_throttled_with_bounded_memory(new_hub):
    h = new_hub()
    h.org("gov-a")
    h.user("gov-a", "alice")
    h.user("gov-a", "bob")
    # 128 connections from one address: above the default per-address connection cap, which
    # is not what this test measures.
    h.start("--metrics", "--max-connections-per-ip", "0")
    before = vm_hwm_kib(h.proc.pid)

    # 128 concurrent wrong passwords for one account.
    def wrong(_):
        st, headers, _ = call(h.url, "GET", "/api/v1/whoami", ("alice", "not the password"))
        return st, headers.get("retry-after")

    with ThreadPoolExecutor(max_workers=128) as pool:
        results = list(pool.map(wrong, range(128)))
    statuses = [s for s, _ in results]
    assert set(statuses) <= {401, 429}, statuses
    throttled = [r for s, r in results if s == 429]
    assert len(throttled) >= 64, statuses
    assert all(r is not None and int(r) >= 1 for r in throttled)
    hwm = vm_hwm_kib(h.proc.pid)
    print(f"flood: {statuses.count(401)} x 401, {len(throttled)} x 429, VmHWM {before} -> {hwm} KiB")
    assert hwm < 1_500_000, f"VmHWM {hwm} KiB (was {before} KiB before the flood)"
    # Only a handful of argon2 verifications ran.
    assert metric(h.url, "rrm_auth_verifications_total") <= 20
    assert metric(h.url, "rrm_auth_verifications_in_flight") == 0

    # The account stays throttled for a short window, from any address: even the right
    # password waits (a guess costs one window), then works.
    def until_throttled(source, user):
        for i in range(40):
            st, headers, _ = call(h.url, "GET", "/api/v1/whoami", (user, f"guess {i}"), source=source)
            if st == 429:
                return int(headers["retry-after"])
            assert st == 401
        raise AssertionError("never throttled")

    until_throttled("127.0.0.1", "alice")
    st, headers, _ = call(h.url, "GET", "/api/v1/whoami", ("alice", PASSWORD), source="127.0.0.2")
    assert st == 429 and int(headers["retry-after"]) >= 1
    # Another account from another address is not affected.
    assert call(h.url, "GET", "/api/v1/whoami", ("bob", PASSWORD), source="127.0.0.2")[0] == 200
    deadline = time.time() + 120
    while True:
        st, headers, _ = call(h.url, "GET", "/api/v1/whoami", ("alice", PASSWORD), source="127.0.0.2")
        if st == 200:
            break
        assert st == 429 and time.time() < deadline
        time.sleep(int(headers["retry-after"]))

    # One address guessing many accounts is throttled as an address; others are not.
    until_throttled("127.0.0.3", "nobody-" + str(time.time()))
    for n in range(12):
        st, _, _ = call(h.url, "GET", "/api/v1/whoami", (f"user-{n}", "guess"), source="127.0.0.3")
        if st == 429:
            break
    else:
        raise AssertionError("the address was never throttled")
    st, headers, _ = call(h.url, "GET", "/api/v1/whoami", ("bob", "wrong for bob"), source="127.0.0.3")
    assert st == 429 and "retry-after" in headers
    # Bob's recently verified password is not throttled (it costs no argon2).
    assert call(h.url, "GET", "/api/v1/whoami", ("bob", PASSWORD), source="127.0.0.3")[0] == 200

    assert metric(h.url, "rrm_auth_throttled_total") >= len(throttled) + 3
    assert metric(h.url, "rrm_auth_failures_total") >= 10


def test_metrics_are_opt_in_and_a_missing_public_url_is_warned_about(new_hub):
    h = new_hub()
    h.org("gov-a")
    h.user("gov-a", "alice")
    h.start()
    r = requests.get(f"{h.url}/metrics")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert requests.get(f"{h.url}/healthz").status_code == 200
    log = (h.data / "server.log").read_text()
    assert "public-url" in log and "WARN" in log.upper(), log
    h.stop()
    h.start("--metrics", "--public-url", "https://rrm.example.org")
    r = requests.get(f"{h.url}/metrics")
    assert r.status_code == 200 and "rrm_auth_verifications_total" in r.text
    assert "public-url" not in (h.data / "server.log").read_text()
    disc = requests.get(f"{h.url}/taxii2/", auth=("alice", PASSWORD),
                        headers={"Host": "evil.example", "Accept": "application/taxii+json;version=2.1"})
    assert disc.status_code == 200, disc.text
    assert disc.json()["api_roots"] == ["https://rrm.example.org/taxii2/hub/"]
