"""Notice response-time statistics through the real binary: notices sent, acknowledged and
decided through the API; the figures per platform equal a nearest-rank computation from the
times the API reports, the CSV parses, the STIX note validates and publishes, and an
organisation's figures count only the notices it sent or received."""

import csv
import io
import json
import math
from datetime import datetime

import pytest
import requests
from stix2validator import ValidationOptions, validate_instance

from sor_fixture import statement
from test_notices import PASSWORD, art16

FIELDS = ["notices", "acknowledged", "decided", "acknowledge_median_s", "acknowledge_p90_s",
          "decide_median_s", "decide_p90_s", "items", "items_actioned", "share_actioned"]


def api(h, method, path, user, **kw):
    return requests.request(method, f"{h.url}/api/v1{path}", auth=(user, PASSWORD), timeout=120, **kw)


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def secs(t):
    return int(datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp())


def nearest_rank(values, p):
    if not values:
        return None
    s = sorted(values)
    return s[max(1, math.ceil(p * len(s) / 100)) - 1]


def expected(views):
    """The figures of these notices (as the API shows them), computed independently."""
    ack = [max(0, secs(v["acknowledged_at"]) - secs(v["sent_at"])) for v in views if v["acknowledged_at"]]
    dec = [max(0, secs(v["decided_at"]) - secs(v["sent_at"])) for v in views if v["decided_at"]]
    items = sum(len(v["items"]) for v in views)
    actioned = sum(1 for v in views for d in v["decisions"] if d["outcome"] == "actioned")
    return {
        "notices": len(views), "acknowledged": len(ack), "decided": len(dec),
        "acknowledge_median_s": nearest_rank(ack, 50), "acknowledge_p90_s": nearest_rank(ack, 90),
        "decide_median_s": nearest_rank(dec, 50), "decide_p90_s": nearest_rank(dec, 90),
        "items": items, "items_actioned": actioned,
        "share_actioned": actioned / items if items else None,
    }


@pytest.fixture
def world(new_hub):
    h = new_hub()
    h.org("gov-ca", country="CA")
    h.org("gov-fr", country="FR")
    h.org("gov-de", country="DE")
    h.org("plat", sector="platform", country="US")
    h.org("plat2", sector="platform", country="US")
    for org, user in [("gov-ca", "ca-ana"), ("gov-ca", "ca-ana2"), ("gov-fr", "fr-ana"), ("gov-fr", "fr-ana2"),
                      ("gov-de", "de-ana"), ("plat", "plat-ana"), ("plat2", "plat2-ana")]:
        h.user(org, user)
    h.collection("g7", "G7 RRM")
    h.grant("gov-ca", "g7", write=True)
    h.grant("plat", "g7")
    return h.start()


def send(h, author, approver, recipient, n_items):
    items = [{"type": "account", "value": f"@acct_{i}", "platform": str(9000 + i)} for i in range(n_items)]
    n = ok(api(h, "POST", "/notices", author, json=art16(recipient, items)), 201)
    ok(api(h, "POST", f"/notices/{n['id']}/approve", approver))
    return ok(api(h, "POST", f"/notices/{n['id']}/send", author))["id"]


def decide(h, user, nid, outcomes):
    decisions = [{"item": i, "outcome": o, **({"statement": statement(f"{nid}-{i}")} if o == "actioned" else {})}
                 for i, o in enumerate(outcomes)]
    ok(api(h, "POST", f"/notices/{nid}/decisions", user, json={"decisions": decisions}))


def rows(body):
    return {r["platform"]["slug"]: r for r in body["platforms"]}


def test_figures_per_platform_equal_a_nearest_rank_computation(world):
    h = world
    ca_plat = [send(h, "ca-ana", "ca-ana2", "plat", k) for k in (1, 2, 3)]
    ca_plat2 = [send(h, "ca-ana", "ca-ana2", "plat2", 2) for _ in range(2)]
    fr_plat = [send(h, "fr-ana", "fr-ana2", "plat", 2)]
    # The platforms acknowledge some and decide some of those.
    for nid in ca_plat[:2] + fr_plat:
        ok(api(h, "POST", f"/notices/{nid}/acknowledge", "plat-ana"))
    ok(api(h, "POST", f"/notices/{ca_plat2[0]}/acknowledge", "plat2-ana"))
    decide(h, "plat-ana", ca_plat[0], ["actioned"])
    decide(h, "plat-ana", ca_plat[1], ["actioned", "no-action"])
    decide(h, "plat-ana", fr_plat[0], ["no-action", "no-action"])
    decide(h, "plat2-ana", ca_plat2[0], ["actioned", "actioned"])

    def views(user, ids):
        return [ok(api(h, "GET", f"/notices/{i}", user)) for i in ids]

    # The sender: a row per platform it sent to, with only its own notices.
    ca = ok(api(h, "GET", "/notices/stats", "ca-ana"))
    assert ca["period"]["from"] < ca["period"]["to"]
    got = rows(ca)
    assert sorted(got) == ["plat", "plat2"]
    assert {k: got["plat"][k] for k in FIELDS} == expected(views("ca-ana", ca_plat))
    assert {k: got["plat2"][k] for k in FIELDS} == expected(views("ca-ana", ca_plat2))
    assert got["plat"]["platform"]["identity"].startswith("identity--")

    # The platform: one row for itself, from every sender.
    plat = rows(ok(api(h, "GET", "/notices/stats", "plat-ana")))
    assert sorted(plat) == ["plat"]
    assert {k: plat["plat"][k] for k in FIELDS} == expected(views("plat-ana", ca_plat + fr_plat))

    # A third sender sees only its own notice; an organisation that neither sent nor received
    # any sees nothing; plat2 never counts plat's notices.
    fr = rows(ok(api(h, "GET", "/notices/stats", "fr-ana")))
    assert sorted(fr) == ["plat"] and fr["plat"]["notices"] == 1
    assert {k: fr["plat"][k] for k in FIELDS} == expected(views("fr-ana", fr_plat))
    assert ok(api(h, "GET", "/notices/stats", "de-ana"))["platforms"] == []
    plat2 = rows(ok(api(h, "GET", "/notices/stats", "plat2-ana")))
    assert sorted(plat2) == ["plat2"] and plat2["plat2"]["notices"] == 2

    # A period after every send counts nothing.
    assert ok(api(h, "GET", "/notices/stats?from=2999-01-01&to=3000-01-01", "ca-ana"))["platforms"] == []

    # CSV: a header row, one row per platform, the same figures.
    r = api(h, "GET", "/notices/stats?format=csv", "ca-ana")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "\r\n" in r.text
    table = list(csv.DictReader(io.StringIO(r.text, newline="")))
    assert [t["platform"] for t in table] == ["plat", "plat2"]
    for t in table:
        want = got[t["platform"]]
        for k in FIELDS:
            if want[k] is None:
                assert t[k] == ""
            elif k == "share_actioned":
                assert math.isclose(float(t[k]), want[k])
            else:
                assert int(t[k]) == want[k], k

    # STIX: a valid note about the platforms, by the caller's organisation, at the TLP asked.
    note = ok(api(h, "GET", "/notices/stats?format=stix&tlp=GREEN", "ca-ana"))
    result = validate_instance(note, ValidationOptions(version="2.1"))
    assert not result.errors, [str(e) for e in result.errors]
    assert note["type"] == "note" and note["abstract"].startswith("Notice response times, ")
    assert sorted(note["object_refs"]) == sorted(got[s]["platform"]["identity"] for s in got)
    assert note["object_marking_refs"] == ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]
    assert note["created_by_ref"].startswith("identity--")
    assert "plat2" in note["content"]
    empty = ok(api(h, "GET", "/notices/stats?format=stix", "de-ana"))
    assert not validate_instance(empty, ValidationOptions(version="2.1")).errors
    assert empty["object_refs"] == [empty["created_by_ref"]]
    assert empty["object_marking_refs"] == ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]

    # Published to a collection the caller may write, and readable there; refused otherwise.
    pub = ok(api(h, "POST", "/notices/stats?publish=g7&tlp=AMBER", "ca-ana"), 201)
    assert not validate_instance(pub, ValidationOptions(version="2.1")).errors
    r = requests.get(f"{h.url}/taxii2/hub/collections/", auth=("ca-ana", PASSWORD), timeout=60,
                     headers={"Accept": "application/taxii+json;version=2.1"})
    col = next(c for c in r.json()["collections"] if c["title"] == "G7 RRM")
    r = requests.get(f"{h.url}/taxii2/hub/collections/{col['id']}/objects/{pub['id']}/",
                     auth=("ca-ana", PASSWORD), timeout=60,
                     headers={"Accept": "application/taxii+json;version=2.1"})
    assert r.status_code == 200, r.text
    assert r.json()["objects"][0]["abstract"] == pub["abstract"]
    for user in ["plat-ana", "de-ana"]:
        r = api(h, "POST", "/notices/stats?publish=g7", user)
        assert r.status_code == 400 and r.json()["error"]["field"] == "publish", r.text


@pytest.mark.parametrize("query, field", [
    ("from=yesterday", "from"),
    ("to=2026-13-40", "to"),
    ("from=2026-02-01&to=2026-01-01", "to"),
    ("format=xml", "format"),
    ("tlp=purple", "tlp"),
    ("publish=g7", "publish"),
])
def test_bad_parameters_name_their_field(world, query, field):
    r = api(world, "GET", f"/notices/stats?{query}", "ca-ana")
    assert r.status_code == 400, r.text
    assert r.json()["error"]["field"] == field


def test_the_cli_prints_the_same_figures(world):
    h = world
    nid = send(h, "ca-ana", "ca-ana2", "plat", 2)
    ok(api(h, "POST", f"/notices/{nid}/acknowledge", "plat-ana"))
    decide(h, "plat-ana", nid, ["actioned", "no-action"])
    api_rows = rows(ok(api(h, "GET", "/notices/stats", "ca-ana")))
    cli_rows = rows(json.loads(h.cli("notice", "stats", "--as", "ca-ana", "--format", "json").stdout))
    assert {k: cli_rows["plat"][k] for k in FIELDS} == {k: api_rows["plat"][k] for k in FIELDS}
    table = list(csv.DictReader(io.StringIO(h.cli("notice", "stats", "--as", "plat-ana", "--format", "csv").stdout)))
    assert [(t["platform"], t["notices"], t["items_actioned"]) for t in table] == [("plat", "1", "1")]
    text = h.cli("notice", "stats", "--as", "ca-ana").stdout
    assert text.startswith("Notice response times, ") and "plat" in text
    note = json.loads(h.cli("notice", "stats", "--as", "ca-ana", "--format", "stix").stdout)
    assert not validate_instance(note, ValidationOptions(version="2.1")).errors
    r = h.cli("notice", "stats", "--as", "ca-ana", "--from", "soon", check=False)
    assert r.returncode != 0 and "from" in r.stderr
