"""Notifications through the real binary: webhooks verified by a real local receiver
(Python http.server on loopback) with their HMAC signature and timestamp, e-mail received by a
real SMTP sink (aiosmtpd), retries with backoff, delivery at least once across `kill -9`, and
no TLP:RED or TLP:AMBER+STRICT content in any body."""

import email
import email.policy
import hashlib
import hmac
import http.server
import json
import socket
import ssl
import subprocess
import threading
import time

import pytest
import requests
from aiosmtpd.controller import Controller

PASSWORD = "correct horse battery"
PUBLIC = "https://hub.test"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Receiver:
    """A webhook receiver on loopback: records every request; answers from a script of
    statuses (then 200); `hold` makes it keep the next request unanswered until released."""

    def __init__(self, port=0):
        self.requests = []
        self.script = []
        self.hold = None
        self.lock = threading.Lock()
        me = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with me.lock:
                    me.requests.append({"headers": self.headers, "body": body, "at": time.time()})
                    status = me.script.pop(0) if me.script else 200
                    hold, me.hold = me.hold, None
                if hold is not None:
                    hold.wait(15)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait(self, n, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.requests) >= n:
                    return list(self.requests)
            time.sleep(0.05)
        raise AssertionError(f"expected {n} webhook requests, got {len(self.requests)}")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Sink:
    """An SMTP sink (aiosmtpd) on loopback that keeps every message."""

    def __init__(self, tls_context=None):
        self.messages = []
        self.tls = []
        me = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                me.tls.append(session.ssl is not None)
                me.messages.append(
                    {
                        "from": envelope.mail_from,
                        "to": list(envelope.rcpt_tos),
                        "message": email.message_from_bytes(envelope.content, policy=email.policy.default),
                    }
                )
                return "250 OK"

        self.port = free_port()
        if tls_context is None:
            self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        else:
            self.controller = Controller(
                Handler(), hostname="127.0.0.1", port=self.port,
                tls_context=tls_context, require_starttls=True,
            )
        self.controller.start()

    def wait(self, n, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(self.messages) >= n:
                return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"expected {n} e-mails, got {len(self.messages)}")

    def close(self):
        self.controller.stop()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def sink():
    s = Sink()
    yield s
    s.close()


def serve_args(*extra):
    return ["--public-url", PUBLIC, "--notify-timeout", "2", "--notify-backoff", "1", *extra]


def hub_with_admin(new_hub, *extra):
    h = new_hub()
    h.org("gov-a")
    h.user("gov-a", "admin-a", role="admin", password=PASSWORD)
    h.start(*serve_args(*extra))
    return h


def api(h, method, path, user="admin-a", **kw):
    return requests.request(method, f"{h.url}/api/v1{path}", auth=(user, PASSWORD), timeout=30, **kw)


def create_webhook(h, url, events=("*",), user="admin-a"):
    r = api(h, "POST", "/webhooks", user=user, json={"url": url, "events": list(events)})
    assert r.status_code == 201, r.text
    return r.json()


def check_signature(secret, req, tolerance=60):
    """Verifies `X-RRM-Signature: t=<unix>,v1=<hex>` as README's receiver example does."""
    header = req["headers"]["X-RRM-Signature"]
    parts = dict(p.split("=", 1) for p in header.split(","))
    t = int(parts["t"])
    assert abs(time.time() - t) <= tolerance, f"stale timestamp {t}"
    expected = hmac.new(secret.encode(), f"{t}.".encode() + req["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"]), "signature mismatch"
    return t


def delivery(h, delivery_id):
    for d in api(h, "GET", "/deliveries?limit=100").json()["deliveries"]:
        if d["id"] == delivery_id:
            return d
    raise AssertionError(f"delivery {delivery_id} not listed")


def wait_status(h, delivery_id, status, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        d = delivery(h, delivery_id)
        if d["status"] == status:
            return d
        time.sleep(0.1)
    raise AssertionError(f"delivery {delivery_id} is {d['status']}, not {status}")


def notify_test(h, *args):
    """`rrm notify test` against the running hub's data directory; the delivery ids."""
    out = h.cli("notify", "test", "gov-a", "--public-url", PUBLIC, *args).stdout
    return [line for line in out.splitlines() if line.strip()]


def test_ping_is_signed_and_verified_by_a_real_receiver(new_hub, receiver):
    h = hub_with_admin(new_hub)
    w = create_webhook(h, receiver.url)
    assert w["secret"].startswith("whsec_") and len(w["secret"]) == 6 + 64
    listed = api(h, "GET", "/webhooks").json()["webhooks"]
    assert [x["id"] for x in listed] == [w["id"]]
    assert "secret" not in listed[0], "the secret is shown once, at creation"

    r = api(h, "POST", f"/webhooks/{w['id']}/ping")
    assert r.status_code == 202, r.text
    d = r.json()
    assert d["kind"] == "ping" and d["status"] == "pending"

    req = receiver.wait(1)[0]
    check_signature(w["secret"], req)
    with pytest.raises(AssertionError):
        check_signature("whsec_" + "0" * 64, req)
    assert req["headers"]["X-RRM-Delivery"] == d["id"]
    assert req["headers"]["X-RRM-Event"] == "ping"
    assert req["headers"]["Content-Type"] == "application/json"
    body = json.loads(req["body"])
    assert body["kind"] == "ping"
    assert body["link"] == f"{PUBLIC}/api/v1/webhooks/{w['id']}"
    assert body["data"]["webhook_id"] == w["id"]
    done = wait_status(h, d["id"], "delivered")
    assert done["attempts"] == 1
    per_hook = api(h, "GET", f"/webhooks/{w['id']}/deliveries").json()["deliveries"]
    assert [x["id"] for x in per_hook] == [d["id"]]


def test_failed_deliveries_are_retried_with_backoff(new_hub, receiver):
    h = hub_with_admin(new_hub)
    receiver.script = [500, 500]
    w = create_webhook(h, receiver.url)
    d = api(h, "POST", f"/webhooks/{w['id']}/ping").json()
    reqs = receiver.wait(3)
    assert {r["headers"]["X-RRM-Delivery"] for r in reqs} == {d["id"]}
    assert len({r["body"] for r in reqs}) == 1, "the same body on every attempt"
    for r in reqs:
        check_signature(w["secret"], r)
    # --notify-backoff 1: the first wait is in [0.5, 1) s, the second in [1, 2) s.
    gap1 = reqs[1]["at"] - reqs[0]["at"]
    gap2 = reqs[2]["at"] - reqs[1]["at"]
    assert 0.45 <= gap1 < 1.6, gap1
    assert 0.95 <= gap2 < 2.6, gap2
    done = wait_status(h, d["id"], "delivered")
    assert done["attempts"] == 3
    assert "500" in done["last_error"]


def test_a_delivery_fails_after_its_last_attempt(new_hub, receiver):
    h = hub_with_admin(new_hub, "--notify-attempts", "2")
    receiver.script = [503] * 5
    w = create_webhook(h, receiver.url)
    d = api(h, "POST", f"/webhooks/{w['id']}/ping").json()
    receiver.wait(2)
    failed = wait_status(h, d["id"], "failed")
    assert failed["attempts"] == 2 and "503" in failed["last_error"]
    time.sleep(2.5)
    assert len(receiver.requests) == 2, "no attempt after the last"


def test_kill_9_while_the_receiver_is_slow_delivers_again_with_the_same_id(new_hub, receiver):
    h = hub_with_admin(new_hub)
    w = create_webhook(h, receiver.url)
    release = threading.Event()
    receiver.hold = release
    d = api(h, "POST", f"/webhooks/{w['id']}/ping").json()
    first = receiver.wait(1)[0]
    # The server is killed before the receiver answers.
    h.stop(kill=True)
    release.set()
    h.start(*serve_args())
    reqs = receiver.wait(2, timeout=30)
    second = reqs[1]
    assert first["headers"]["X-RRM-Delivery"] == second["headers"]["X-RRM-Delivery"] == d["id"]
    assert first["body"] == second["body"]
    check_signature(w["secret"], second)
    done = wait_status(h, d["id"], "delivered")
    assert done["attempts"] == 2
    time.sleep(1)
    assert len(receiver.requests) == 2, "delivered, not sent again"


def test_kill_9_while_the_receiver_is_down_delivers_after_restart(new_hub):
    port = free_port()
    h = hub_with_admin(new_hub)
    w = create_webhook(h, f"http://127.0.0.1:{port}/hook")
    d = api(h, "POST", f"/webhooks/{w['id']}/ping").json()
    deadline = time.time() + 20
    while time.time() < deadline and delivery(h, d["id"])["attempts"] < 1:
        time.sleep(0.1)
    pending = delivery(h, d["id"])
    assert pending["status"] == "pending" and pending["attempts"] >= 1
    h.stop(kill=True)
    r = Receiver(port)
    try:
        h.start(*serve_args())
        req = r.wait(1)[0]
        assert req["headers"]["X-RRM-Delivery"] == d["id"]
        check_signature(w["secret"], req)
        wait_status(h, d["id"], "delivered")
    finally:
        r.close()


def test_email_reaches_a_real_smtp_sink(new_hub, sink):
    h = hub_with_admin(
        new_hub,
        "--smtp-host", "127.0.0.1", "--smtp-port", str(sink.port), "--smtp-tls", "none",
        "--smtp-from", "rrm@hub.test",
    )
    r = api(h, "POST", "/email-contacts", json={"address": "soc@gov-a.test", "events": ["alert.raised"]})
    assert r.status_code == 201, r.text
    contact = r.json()
    assert api(h, "GET", "/email-contacts").json()["email_contacts"] == [contact]
    ids = notify_test(h, "--tlp", "GREEN", "--title", "Exercise Kestrel", "--summary", "Tabletop at 10:00")
    assert len(ids) == 1
    m = sink.wait(1)[0]
    assert m["to"] == ["soc@gov-a.test"] and m["from"] == "rrm@hub.test"
    msg = m["message"]
    assert "Exercise Kestrel" in msg["Subject"] and "TLP:GREEN" in msg["Subject"]
    assert ids[0] in msg["Message-ID"], "the delivery id, for de-duplication"
    text = msg.get_content()
    assert "Tabletop at 10:00" in text and f"{PUBLIC}/api/v1/deliveries" in text
    wait_status(h, ids[0], "delivered")
    assert api(h, "DELETE", f"/email-contacts/{contact['id']}").status_code == 204
    assert api(h, "GET", "/email-contacts").json()["email_contacts"] == []


@pytest.mark.parametrize("tlp", ["RED", "AMBER+STRICT"])
def test_red_and_amber_strict_bodies_hold_no_title_or_summary(new_hub, receiver, sink, tlp):
    h = hub_with_admin(
        new_hub,
        "--smtp-host", "127.0.0.1", "--smtp-port", str(sink.port), "--smtp-tls", "none",
        "--smtp-from", "rrm@hub.test",
    )
    w = create_webhook(h, receiver.url, events=["case.changed"])
    assert api(h, "POST", "/email-contacts", json={"address": "soc@gov-a.test", "events": ["*"]}).status_code == 201
    ids = notify_test(h, "--tlp", tlp, "--title", "Operation Nightjar", "--summary", "Three accounts amplify")
    assert len(ids) == 2
    req = receiver.wait(1)[0]
    check_signature(w["secret"], req)
    mail = sink.wait(1)[0]["message"]
    texts = [req["body"].decode(), mail["Subject"], mail.get_content()]
    for text in texts:
        assert "Nightjar" not in text and "amplify" not in text, text
    body = json.loads(req["body"])
    assert body["kind"] == "test" and body["link"] == f"{PUBLIC}/api/v1/deliveries"
    assert body["redacted"] is True and "data" not in body and "tlp" not in body
    assert f"{PUBLIC}/api/v1/deliveries" in mail.get_content()


def test_bad_input_and_other_organisations(new_hub, receiver):
    h = hub_with_admin(new_hub)
    h.org("gov-b")
    h.user("gov-b", "admin-b", role="admin", password=PASSWORD)
    h.user("gov-a", "ana-a", role="analyst", password=PASSWORD)
    w = create_webhook(h, receiver.url)
    cases = [
        ({"url": "http://hooks.example.org/x", "events": ["*"]}, "url"),
        ({"url": "ftp://hooks.example.org/x", "events": ["*"]}, "url"),
        ({"url": "https://u:p@hooks.example.org/x", "events": ["*"]}, "url"),
        ({"url": "https://hooks.example.org/x", "events": ["alert.raised", "nope"]}, "events[1]"),
        ({"url": "https://hooks.example.org/x", "events": []}, "events"),
        ({"url": "https://hooks.example.org/x"}, "events"),
    ]
    for body, field in cases:
        r = api(h, "POST", "/webhooks", json=body)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["error"]["field"] == field, (body, r.text)
    r = api(h, "POST", "/email-contacts", json={"address": "not-an-address", "events": ["*"]})
    assert r.status_code == 400 and r.json()["error"]["field"] == "address"
    r = api(h, "GET", "/deliveries?limit=0")
    assert r.status_code == 400 and r.json()["error"]["field"] == "limit"
    assert [x["id"] for x in api(h, "GET", "/webhooks").json()["webhooks"]] == [w["id"]], "nothing stored"
    # Analysts do not manage notifications; another organisation sees nothing.
    assert api(h, "GET", "/webhooks", user="ana-a").status_code == 403
    assert api(h, "POST", "/webhooks", user="ana-a", json={"url": receiver.url, "events": ["*"]}).status_code == 403
    for method, path in [("GET", f"/webhooks/{w['id']}"), ("POST", f"/webhooks/{w['id']}/ping"),
                         ("DELETE", f"/webhooks/{w['id']}"), ("GET", f"/webhooks/{w['id']}/deliveries")]:
        r = api(h, method, path, user="admin-b")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", (method, path, r.text)
    assert api(h, "GET", "/webhooks", user="admin-b").json()["webhooks"] == []
    assert api(h, "DELETE", f"/webhooks/{w['id']}").status_code == 204
    assert api(h, "GET", f"/webhooks/{w['id']}").status_code == 404
    time.sleep(0.5)
    assert receiver.requests == [], "nothing was sent"


def test_serve_stops_cleanly_with_pending_deliveries(new_hub):
    port = free_port()
    h = hub_with_admin(new_hub)
    w = create_webhook(h, f"http://127.0.0.1:{port}/hook")
    api(h, "POST", f"/webhooks/{w['id']}/ping")
    time.sleep(0.5)
    started = time.time()
    h.proc.terminate()
    assert h.proc.wait(timeout=15) == 0
    assert time.time() - started < 10
    h.proc = None


def test_a_finished_detection_is_notified(new_hub, receiver):
    h = hub_with_admin(new_hub)
    w = create_webhook(h, receiver.url, events=["detection.finished"])
    head = "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n"
    rows = [head] + [
        f"m{i}{u},{u},n{u},orig{i},,RT {i},{i * 1000},\n" for i in range(10) for u in ("a", "b", "c")
    ]
    r = api(h, "POST", "/datasets?account_type=twitter&name=posts.csv", data="".join(rows).encode(),
            headers={"Content-Type": "text/csv"})
    assert r.status_code == 201, r.text
    r = api(h, "POST", "/detections", json={"dataset": r.json()["id"], "networks": ["co_retweet"], "min_weight": 3})
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    req = receiver.wait(1)[0]
    check_signature(w["secret"], req)
    body = json.loads(req["body"])
    assert body["kind"] == "detection.finished" and req["headers"]["X-RRM-Event"] == "detection.finished"
    assert body["data"] == {"job_id": job, "status": "done"}
    assert body["link"] == f"{PUBLIC}/api/v1/detections/{job}"
    assert body["tlp"] == "AMBER"


def self_signed(tmp_path, name="localhost"):
    """A self-signed end-entity certificate for `name` (the test's private relay CA)."""
    cert, key = tmp_path / "relay.pem", tmp_path / "relay.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={name}",
         "-addext", f"subjectAltName=DNS:{name}",
         "-addext", "basicConstraints=critical,CA:FALSE",
         "-addext", "extendedKeyUsage=serverAuth"],
        check=True, capture_output=True,
    )
    return cert, key


def test_email_over_starttls_to_a_relay_with_its_own_ca(new_hub, tmp_path):
    cert, key = self_signed(tmp_path)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert), str(key))
    relay = Sink(tls_context=ctx)
    try:
        args = ["--smtp-host", "localhost", "--smtp-port", str(relay.port), "--smtp-from", "rrm@hub.test"]
        # Without the relay's CA the certificate is refused and nothing is sent in the clear.
        h = hub_with_admin(new_hub, *args)
        r = api(h, "POST", "/email-contacts", json={"address": "soc@gov-a.test", "events": ["*"]})
        assert r.status_code == 201, r.text
        [refused] = notify_test(h, "--tlp", "GREEN", "--title", "Exercise Merlin")
        d = wait_status(h, refused, "pending")
        deadline = time.time() + 20
        while time.time() < deadline and not d.get("last_error"):
            time.sleep(0.1)
            d = delivery(h, refused)
        assert d["last_error"] and relay.messages == [], d
        h.stop()
        # With it (STARTTLS is the default mode), the e-mail goes over TLS.
        h.start(*serve_args(*args, "--smtp-ca", str(cert)))
        [sent] = notify_test(h, "--tlp", "GREEN", "--title", "Exercise Merlin")
        msgs = relay.wait(1, timeout=30)
        assert "Exercise Merlin" in msgs[0]["message"]["Subject"]
        assert all(relay.tls), "every message came over STARTTLS"
        wait_status(h, sent, "delivered")
    finally:
        relay.close()


def test_alert_changes_reach_the_partners_webhooks_and_red_ones_carry_only_a_link(new_hub, receiver):
    """Raising an alert notifies each recipient organisation's webhooks (`alert.raised`), an
    answer notifies the sender's (`alert.answered`), and a TLP:RED alert's body holds no title."""
    h = new_hub()
    for slug in ("gov-a", "gov-b"):
        h.org(slug)
    h.user("gov-a", "admin-a", role="admin", password=PASSWORD)
    h.user("gov-a", "analyst-a", password=PASSWORD)
    h.user("gov-b", "admin-b", role="admin", password=PASSWORD)
    h.user("gov-b", "analyst-b", password=PASSWORD)
    h.start(*serve_args())
    to_b = create_webhook(h, receiver.url, events=("alert.raised",), user="admin-b")
    to_a = create_webhook(h, receiver.url, events=("alert.answered",), user="admin-a")

    def raise_(tlp, title):
        r = api(h, "POST", "/alerts", user="analyst-a", json={
            "title": title, "summary": "Accounts amplify a forged letter.", "tlp": tlp,
            "recipients": ["gov-b"], "respond_by": "2099-01-01T00:00:00Z",
        })
        assert r.status_code == 201, r.text
        return r.json()["id"]

    amber = raise_("AMBER", "Forged letter amplified")
    req = receiver.wait(1)[0]
    check_signature(to_b["secret"], req)
    assert req["headers"]["X-RRM-Event"] == "alert.raised"
    body = json.loads(req["body"])
    assert body["kind"] == "alert.raised" and amber in req["body"].decode()
    assert "Forged letter amplified" in req["body"].decode()

    r = api(h, "POST", f"/alerts/{amber}/acknowledge", user="analyst-b", json={"comment": "seen"})
    assert r.status_code == 200, r.text
    req = receiver.wait(2)[1]
    check_signature(to_a["secret"], req)
    assert req["headers"]["X-RRM-Event"] == "alert.answered"
    assert "acknowledged" in req["body"].decode()

    raise_("RED", "Named sources exposed")
    req = receiver.wait(3)[2]
    check_signature(to_b["secret"], req)
    body = json.loads(req["body"])
    assert body["kind"] == "alert.raised" and body.get("redacted") is True
    assert "Named sources" not in req["body"].decode()
    assert "forged letter" not in req["body"].decode().lower()


def test_case_status_changes_reach_the_participants_webhooks(new_hub, receiver):
    """Opening and closing a case notifies each participant organisation's webhooks
    (`case.changed`, TLP:AMBER, with a link to the case), not the organisation that acted; a
    refused change notifies nobody."""
    h = new_hub()
    for slug in ("gov-a", "gov-b", "gov-c"):
        h.org(slug)
    h.user("gov-a", "admin-a", role="admin", password=PASSWORD)
    h.user("gov-a", "analyst-a", password=PASSWORD)
    h.user("gov-b", "admin-b", role="admin", password=PASSWORD)
    h.user("gov-b", "analyst-b", password=PASSWORD)
    h.user("gov-c", "admin-c", role="admin", password=PASSWORD)
    h.start(*serve_args())
    to_b = create_webhook(h, receiver.url, events=("case.changed",), user="admin-b")
    create_webhook(h, receiver.url, events=("case.changed",), user="admin-a")
    create_webhook(h, receiver.url, events=("case.changed",), user="admin-c")

    r = api(h, "POST", "/cases", user="analyst-a", json={"title": "Forged letter wave", "participants": ["gov-b"]})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    # A participant may not close it: refused, nothing is sent.
    assert api(h, "POST", f"/cases/{cid}/close", user="analyst-b").status_code == 403
    for step, status in [("open", "open"), ("close", "closed")]:
        r = api(h, "POST", f"/cases/{cid}/{step}", user="analyst-a")
        assert r.status_code == 200 and r.json()["status"] == status, r.text
    got = receiver.wait(2)
    for req, status in zip(got, ["open", "closed"]):
        check_signature(to_b["secret"], req)
        assert req["headers"]["X-RRM-Event"] == "case.changed"
        body = json.loads(req["body"])
        assert body["kind"] == "case.changed" and body["tlp"] == "AMBER"
        assert body["link"] == f"{PUBLIC}/api/v1/cases/{cid}"
        assert "Forged letter wave" in req["body"].decode()
        assert status in json.dumps(body["data"]), body
    # Neither the owner that acted nor an outside organisation was told.
    time.sleep(1.5)
    assert len(receiver.requests) == 2
    for admin in ("admin-a", "admin-c"):
        deliveries = api(h, "GET", "/deliveries?limit=100", user=admin).json()["deliveries"]
        assert [d for d in deliveries if d["kind"] == "case.changed"] == []
    deliveries = api(h, "GET", "/deliveries?limit=100", user="admin-b").json()["deliveries"]
    assert [d["kind"] for d in deliveries] == ["case.changed", "case.changed"]
