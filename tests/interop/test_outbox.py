"""The transactional outbox through the real binary: an alert or case change writes its notice
in the same transaction as the change, so a `kill -9` right after the answer, an SMTP relay that
is down meanwhile, or a change made with the `rrm` command line while no server runs, still
reaches the partners' webhooks and e-mail contacts once the server runs again: at least once,
and with the same event and delivery ids when twice."""

import email
import email.policy
import json
import time

import pytest
from aiosmtpd.controller import Controller

from test_notify import (
    PASSWORD,
    PUBLIC,
    Receiver,
    api,
    check_signature,
    create_webhook,
    free_port,
    serve_args,
)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


class PortSink:
    """An SMTP sink (aiosmtpd) on a given loopback port, started on demand."""

    def __init__(self, port):
        self.port = port
        self.messages = []
        me = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                me.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)

    def start(self):
        self.controller.start()

    def wait(self, n, timeout=40):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(self.messages) >= n:
                return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"expected {n} e-mails, got {len(self.messages)}")

    def close(self):
        try:
            self.controller.stop()
        except AssertionError:
            pass


def two_orgs(new_hub):
    h = new_hub()
    for slug in ("gov-a", "gov-b"):
        h.org(slug)
    h.user("gov-a", "admin-a", role="admin", password=PASSWORD)
    h.user("gov-a", "analyst-a", password=PASSWORD)
    h.user("gov-b", "admin-b", role="admin", password=PASSWORD)
    h.user("gov-b", "analyst-b", password=PASSWORD)
    return h


def raise_alert(h, tlp, title, summary="Accounts amplify a forged letter."):
    r = api(h, "POST", "/alerts", user="analyst-a", json={
        "title": title, "summary": summary, "tlp": tlp, "recipients": ["gov-b"],
    })
    assert r.status_code == 201, r.text
    return r.json()["id"]


def deliveries(h, user, kind):
    listed = api(h, "GET", "/deliveries?limit=100", user=user).json()["deliveries"]
    return [d for d in listed if d["kind"] == kind]


def test_an_alert_raised_right_before_kill_9_is_delivered_after_restart(new_hub, receiver):
    h = two_orgs(new_hub)
    h.start(*serve_args())
    hook = create_webhook(h, receiver.url, events=("alert.raised",), user="admin-b")
    alert = raise_alert(h, "AMBER", "Forged letter amplified")
    # Killed at once after the 201: the notice is stored with the alert, relayed or not.
    h.stop(kill=True)
    h.start(*serve_args())
    first = receiver.wait(1)[0]
    time.sleep(1.5)
    reqs = list(receiver.requests)
    for req in reqs:
        check_signature(hook["secret"], req)
        assert req["headers"]["X-RRM-Event"] == "alert.raised"
        assert alert in req["body"].decode()
    # Once or more, but one event: the same event id, delivery id and body every time.
    assert {json.loads(r["body"])["event_id"] for r in reqs} == {json.loads(first["body"])["event_id"]}
    assert {r["headers"]["X-RRM-Delivery"] for r in reqs} == {first["headers"]["X-RRM-Delivery"]}
    assert {r["body"] for r in reqs} == {first["body"]}
    listed = deliveries(h, "admin-b", "alert.raised")
    assert [d["id"] for d in listed] == [first["headers"]["X-RRM-Delivery"]]
    assert listed[0]["event_id"] == json.loads(first["body"])["event_id"]


def test_email_of_a_red_alert_survives_kill_9_while_the_smtp_relay_is_down(new_hub):
    port = free_port()
    h = two_orgs(new_hub)
    smtp = ["--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--smtp-tls", "none",
            "--smtp-from", "rrm@hub.test"]
    h.start(*serve_args(*smtp))
    r = api(h, "POST", "/email-contacts", user="admin-b",
            json={"address": "soc@gov-b.test", "events": ["alert.raised"]})
    assert r.status_code == 201, r.text
    # The relay is down: the e-mail cannot be sent; the server is killed meanwhile.
    alert = raise_alert(h, "RED", "Named sources exposed", summary="Three accounts amplify")
    deadline = time.time() + 20
    while time.time() < deadline and not any(d["attempts"] >= 1 for d in deliveries(h, "admin-b", "alert.raised")):
        time.sleep(0.1)
    pending = deliveries(h, "admin-b", "alert.raised")
    assert len(pending) == 1 and pending[0]["status"] == "pending", pending
    h.stop(kill=True)
    sink = PortSink(port)
    sink.start()
    try:
        h.start(*serve_args(*smtp))
        mail = sink.wait(1)[0]
        assert mail["To"] == "soc@gov-b.test"
        assert pending[0]["id"] in mail["Message-ID"], "the same delivery id"
        for text in (mail["Subject"], mail.get_content()):
            assert "Named sources" not in text and "amplify" not in text, text
        assert f"{PUBLIC}/api/v1/alerts/{alert}" in mail.get_content()
        deadline = time.time() + 20
        while time.time() < deadline and deliveries(h, "admin-b", "alert.raised")[0]["status"] != "delivered":
            time.sleep(0.1)
        assert [d["status"] for d in deliveries(h, "admin-b", "alert.raised")] == ["delivered"]
    finally:
        sink.close()


def test_changes_made_with_the_cli_while_no_server_runs_are_delivered_when_it_starts(new_hub, receiver):
    h = two_orgs(new_hub)
    h.start(*serve_args())
    hook = create_webhook(h, receiver.url, events=("alert.raised", "case.changed"), user="admin-b")
    h.stop()
    alert = h.cli("alert", "raise", "--as", "analyst-a", "--title", "From the CLI", "--tlp", "GREEN",
                  "--to", "gov-b").stdout.strip()
    cid = h.cli("case", "create", "--as", "analyst-a", "--title", "Offline case",
                "--participant", "gov-b").stdout.strip()
    h.cli("case", "open", cid, "--as", "analyst-a")
    time.sleep(0.5)
    assert receiver.requests == [], "nothing is sent while no server runs"
    h.start(*serve_args())
    reqs = receiver.wait(2)
    time.sleep(1.5)
    assert len(receiver.requests) == 2, "each change once"
    kinds = {}
    for req in reqs:
        check_signature(hook["secret"], req)
        body = json.loads(req["body"])
        kinds[body["kind"]] = body
    assert set(kinds) == {"alert.raised", "case.changed"}
    assert kinds["alert.raised"]["link"] == f"{PUBLIC}/api/v1/alerts/{alert}"
    assert "From the CLI" in json.dumps(kinds["alert.raised"])
    assert kinds["case.changed"]["link"] == f"{PUBLIC}/api/v1/cases/{cid}"
    assert "open" in json.dumps(kinds["case.changed"]["data"])
    # The organisation that acted is not told.
    assert deliveries(h, "admin-a", "case.changed") == []
