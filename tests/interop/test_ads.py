"""The political-advertising registry through the real binary: elections and ads submitted over
REST and with `rrm ads import`, the public search, creatives and bulk downloads without an
account, the rate limit, and the foreign-funding incidents pulled over TAXII with taxii2-client
and checked by stix2-validator."""

import base64
import copy
import csv
import io
import json
import time

import pytest
import requests
from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import Server

PASSWORD = "correct horse battery"
PNG = b"\x89PNG\r\n\x1a\n registry creative"


def sample():
    from conftest import REPO

    return json.loads((REPO / "crates" / "adrules" / "samples" / "ca-compliant.json").read_text())


def submission(ad_id, text, foreign_funds=False):
    s = copy.deepcopy(sample())
    del s["elections"]
    s["ad"]["id"] = ad_id
    s["ad"]["text"] = text
    s["ad"].pop("creative")
    s["ad"].pop("versions")
    if foreign_funds:
        s["sponsors"][0]["funding"] = [
            {"amount": {"minor": 900000, "currency": "USD"}, "origin": "US", "source": "private"}
        ]
    return s


def record(ad_id, text, foreign_funds=False):
    return {
        "submission": submission(ad_id, text, foreign_funds),
        "creative": {"media_type": "image/png", "data": base64.b64encode(PNG).decode()},
    }


def call(h, method, path, user=None, **kw):
    auth = (user, PASSWORD) if user else None
    return requests.request(method, f"{h.url}{path}", auth=auth, timeout=120, **kw)


@pytest.fixture
def world(new_hub, monkeypatch):
    monkeypatch.setenv("RRM_PUBLIC_RATE", "0")
    h = new_hub()
    h.org("plat", sector="platform", name="Example Social")
    h.org("elections-ca", sector="election-authority", name="Elections CA")
    h.user("plat", "pat")
    h.user("elections-ca", "eve")
    h.cid = h.collection("ad-incidents", "Foreign-funding incidents")
    h.grant("elections-ca", "ad-incidents", write=True)
    h.start()
    r = call(h, "PUT", "/api/v1/elections/ca-2029", "eve", json=sample()["elections"][0])
    assert r.status_code == 200, r.text
    r = call(h, "PUT", "/api/v1/ads/incident-collection", "eve", json={"collection": "ad-incidents"})
    assert r.status_code == 200, r.text
    return h


def test_registry_end_to_end(world, tmp_path):
    h = world
    # One ad over REST, more with the CLI import (JSON Lines), one of them foreign-funded.
    r = call(h, "POST", "/api/v1/ads", "pat", json=record("rest-1", "Transit for all"))
    assert r.status_code == 201, r.text
    rest_id = r.json()["id"]
    lines = [record(f"cli-{i}", f"Parks and transit {i}") for i in range(30)]
    lines.append(record("cli-foreign", "Foreign money ad", foreign_funds=True))
    f = tmp_path / "ads.jsonl"
    f.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    out = h.cli("ads", "import", str(f), "--as", "pat").stdout
    assert "31 records: ACCEPT 30, FLAG 0, REJECT 1, BLOCK 0, invalid 0; 30 published, 1 incidents" in out, out

    # Public search without an account, stable cursor paging.
    seen = []
    url = "/public/ads?election=ca-2029&limit=7"
    cursor = None
    while True:
        r = call(h, "GET", url + (f"&cursor={cursor}" if cursor else ""))
        assert r.status_code == 200, r.text
        page = r.json()
        seen += [a["id"] for a in page["ads"]]
        cursor = page["next"]
        if not cursor:
            break
    assert len(seen) == 31 and seen == sorted(seen)
    r = call(h, "GET", "/public/ads", params={"q": "transit", "sponsor": "Citizens for Transit"})
    assert {a["id"] for a in r.json()["ads"]} >= {rest_id}
    assert all(a["verdict"] == "ACCEPT" for a in r.json()["ads"])
    r = call(h, "GET", f"/public/ads/{rest_id}/creative")
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/png" and r.content == PNG
    r = call(h, "GET", "/public/ads", params={"from": "2029-10-02", "to": "2029-10-01"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "to"

    # Bulk downloads.
    r = call(h, "GET", "/public/elections/ca-2029/ads.csv")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {row["ad_id"] for row in rows} == {"rest-1"} | {f"cli-{i}" for i in range(30)}
    assert all(row["sponsor_name"] == "Citizens for Transit" for row in rows)
    r = call(h, "GET", "/public/elections/ca-2029/ads.jsonl")
    docs = [json.loads(line) for line in r.text.splitlines()]
    assert [d["id"] for d in docs] == seen

    # The authority sees the violation; the incident is pulled over TAXII and validated.
    r = call(h, "GET", "/api/v1/ads/violations", "eve", params={"election": "ca-2029"})
    assert r.status_code == 200, r.text
    ff = [v for v in r.json()["violations"] if v["foreign_funding"]]
    assert len(ff) == 1 and ff[0]["rule_id"] == "CA-349.02" and ff[0]["incident_id"]
    server = Server(f"{h.url}/taxii2/", user="eve", password=PASSWORD)
    col = next(c for c in server.api_roots[0].collections if c.id == h.cid)
    incidents = [o for o in col.get_objects().get("objects", []) if o["type"] == "incident"]
    assert [o["id"] for o in incidents] == [ff[0]["incident_id"]]
    for o in incidents:
        assert o["object_marking_refs"] == ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]
        result = validate_instance(o, ValidationOptions())
        assert result.is_valid and not result.errors, [str(e) for e in result.errors]


def test_bad_input_stores_nothing(world):
    h = world
    bad = record("x", "t")
    bad["submission"]["ad"]["spend"]["currency"] = "ZZZ"
    r = call(h, "POST", "/api/v1/ads", "pat", json=bad)
    assert r.status_code == 400 and r.json()["error"]["field"] == "ad.spend.currency"
    bad = record("x", "t")
    bad["submission"]["ad"]["linked_elections"] = ["nope"]
    r = call(h, "POST", "/api/v1/ads", "pat", json=bad)
    assert r.status_code == 400 and r.json()["error"]["field"] == "ad.linked_elections[0]"
    bad = record("x", "t")
    bad["creative"]["media_type"] = "application/x-sh"
    r = call(h, "POST", "/api/v1/ads", "pat", json=bad)
    assert r.status_code == 400 and r.json()["error"]["field"] == "creative"
    assert call(h, "GET", "/public/ads").json()["ads"] == []


def test_a_mistyped_field_of_a_registry_body_is_named_by_its_path(world):
    """Elections, sponsors, platforms and submissions are typed requests: a value of the wrong
    type or an unknown key is refused naming that field by its path in the body (the multipart
    `submission` part names it within the part), and nothing is stored."""
    h = world
    before = call(h, "GET", "/public/elections/ca-2029").json()

    def field(r):
        assert r.status_code == 400, r.text
        assert r.json()["error"]["code"] == "invalid_input", r.text
        return r.json()["error"]["field"]

    e = copy.deepcopy(sample()["elections"][0])
    e["polling_day"] = 20291015
    assert field(call(h, "PUT", "/api/v1/elections/ca-2029", "eve", json=e)) == "polling_day"
    e = copy.deepcopy(sample()["elections"][0])
    e["districts"][1]["colour"] = "red"
    assert field(call(h, "PUT", "/api/v1/elections/ca-2029", "eve", json=e)) == "districts[1].colour"
    assert call(h, "GET", "/public/elections/ca-2029").json() == before
    # The path still gives a missing id, and a different one is refused naming `id`.
    e = copy.deepcopy(sample()["elections"][0])
    del e["id"]
    r = call(h, "PUT", "/api/v1/elections/ca-2029", "eve", json=e)
    assert r.status_code == 200 and r.json()["id"] == "ca-2029", r.text
    e["id"] = "ca-2030"
    assert field(call(h, "PUT", "/api/v1/elections/ca-2029", "eve", json=e)) == "id"

    sp = copy.deepcopy(sample()["sponsors"][0])
    sp["kind"] = "alien"
    assert field(call(h, "PUT", f"/api/v1/sponsors/{sp['id']}", "pat", json=sp)) == "kind"
    sp = copy.deepcopy(sample()["sponsors"][0])
    sp["funding"] = [{"amount": {"minor": "lots", "currency": "CAD"}, "origin": "CA", "source": "private"}]
    assert field(call(h, "PUT", f"/api/v1/sponsors/{sp['id']}", "pat", json=sp)) == "funding[0].amount.minor"
    assert call(h, "GET", f"/public/sponsors/{sp['id']}").status_code == 404

    pl = {"name": "Example Social", "monthly_reach_ca": [{"language": "en", "visitors": "many"}]}
    assert field(call(h, "PUT", "/api/v1/platforms/plat", "pat", json=pl)) == "monthly_reach_ca[0].visitors"
    assert call(h, "GET", "/public/platforms").json()["platforms"] == []

    bad = record("x", "t")
    bad["submission"]["ad"]["class"] = "gossip"
    assert field(call(h, "POST", "/api/v1/ads", "pat", json=bad)) == "submission.ad.class"
    bad = record("x", "t")
    bad["creative"]["size"] = 3
    assert field(call(h, "POST", "/api/v1/ads", "pat", json=bad)) == "creative.size"
    sub = submission("x", "t")
    sub["ad"]["languages"] = "en"
    files = {
        "submission": (None, json.dumps(sub), "application/json"),
        "creative": ("a.png", PNG, "image/png"),
    }
    assert field(call(h, "POST", "/api/v1/ads", "pat", files=files)) == "ad.languages"
    assert call(h, "GET", "/public/ads").json()["ads"] == []
    # The refusals of the registry itself come first for a caller who may not register.
    r = call(h, "PUT", "/api/v1/platforms/plat", "eve", json=pl)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", r.text


def test_serve_runs_the_retention_rules_at_start_up(new_hub, monkeypatch, tmp_path):
    """`rrm serve` runs the retention rules at start-up (then hourly, on the worker facility of
    exports and imports): an ad of a 2023 election, past its publication date (2025-10-15),
    leaves the public archive; an ad of the 2029 election stays."""
    monkeypatch.setenv("RRM_PUBLIC_RATE", "0")
    h = new_hub()
    h.org("plat", sector="platform", name="Example Social")
    h.org("elections-ca", sector="election-authority", name="Elections CA")
    h.user("plat", "pat")
    h.user("elections-ca", "eve")
    past = json.loads(json.dumps(sample()).replace("2029", "2023"))
    for name, doc in [("e2029.json", sample()), ("e2023.json", past)]:
        f = tmp_path / name
        f.write_text(json.dumps(doc["elections"][0]))
        h.cli("ads", "election", str(f), "--as", "eve")
    old = copy.deepcopy(past)
    del old["elections"]
    old["ad"]["id"] = "old-1"
    old["ad"].pop("creative")
    old["ad"].pop("versions")
    f = tmp_path / "ads.jsonl"
    creative = record("x", "t")["creative"]
    lines = [{"submission": old, "creative": creative}, record("new-1", "Transit")]
    f.write_text("".join(json.dumps(x) + "\n" for x in lines))
    out = h.cli("ads", "import", str(f), "--as", "pat").stdout
    assert "2 records: ACCEPT 2" in out and "2 published" in out, out
    h.start()
    deadline = time.time() + 20
    while call(h, "GET", "/public/ads", params={"election": "ca-2023"}).json()["ads"]:
        assert time.time() < deadline, "the 2023 ad is still public"
        time.sleep(0.2)
    ads = call(h, "GET", "/public/ads").json()["ads"]
    assert [a["elections"] for a in ads] == [["ca-2029"]], ads


def test_public_rate_limit(new_hub, monkeypatch):
    monkeypatch.setenv("RRM_PUBLIC_RATE", "1/3")
    h = new_hub()
    h.start()
    codes = [call(h, "GET", "/public/ads").status_code for _ in range(6)]
    assert codes[:3] == [200, 200, 200] and 429 in codes[3:]
    r = call(h, "GET", "/public/ads")
    if r.status_code == 429:
        assert int(r.headers["Retry-After"]) >= 1


def eu_sample():
    from conftest import REPO

    return json.loads(
        (REPO / "crates" / "adrules" / "samples" / "eu-controlled-from-abroad.json").read_text()
    )


def test_sponsor_registry_versions_and_foreign_incidents(world):
    """Sponsors and the platform registered once, ads naming the sponsor by id alone: a
    Canadian third party controlled through two entities from abroad and paid by a foreign
    company, and an EU association controlled from the US. Every foreign-funding and
    foreign-buyer or foreign-sponsor violation becomes an incident that stix2-validator accepts;
    the public reads the sponsors' chains, the elections' periods and an ad's versions."""
    h = world
    eu = eu_sample()
    r = call(h, "PUT", f"/api/v1/elections/{eu['elections'][0]['id']}", "eve", json=eu["elections"][0])
    assert r.status_code == 200, r.text
    r = call(h, "PUT", "/api/v1/platforms/plat", "pat",
             json={"name": "Example Social", "monthly_reach_ca": [{"language": "en", "visitors": 3500000}]})
    assert r.status_code == 200, r.text
    # EU chain: parent (US) -> holding (NL) -> verein (DE), registered parent first.
    for sid in ["parent", "holding", "verein"]:
        body = next(s for s in eu["sponsors"] if s["id"] == sid)
        r = call(h, "PUT", f"/api/v1/sponsors/{sid}", "pat", json=body)
        assert r.status_code == 200, r.text
    # Canadian chain: us-parent (US) -> ca-shell (CA) -> front (registered third party).
    chain = [
        {"id": "us-parent", "legal_name": "Northstar Parent LLC", "kind": "corporation",
         "established_in": "US", "operates_in": ["US"]},
        {"id": "ca-shell", "legal_name": "Maple Shell Inc.", "kind": "corporation",
         "established_in": "CA", "operates_in": ["CA"], "controlled_by": "us-parent"},
        {"id": "front", "legal_name": "Voters for Renewal", "kind": "association",
         "established_in": "CA", "operates_in": ["CA"], "controlled_by": "ca-shell",
         "canadian_role": "registered_third_party", "authorized_agent": "John Doe",
         "funding": [{"amount": {"minor": 2500000, "currency": "USD"}, "origin": "US", "source": "private"}]},
        {"id": "us-buyer", "legal_name": "Liberty Media Holdings LLC", "kind": "corporation",
         "established_in": "US", "operates_in": ["US"]},
    ]
    for s in chain:
        r = call(h, "PUT", f"/api/v1/sponsors/{s['id']}", "pat", json=s)
        assert r.status_code == 200, r.text

    # Canada: the sponsor by id, a foreign payer, no platform in the submission.
    sub = submission("ca-front-1", "Renewal now")
    del sub["sponsors"], sub["platform"]
    sub["ad"]["sponsor"] = "front"
    sub["ad"]["payer"] = "us-buyer"
    rec = {"submission": sub, "creative": {"media_type": "image/png", "data": base64.b64encode(PNG).decode()}}
    r = call(h, "POST", "/api/v1/ads", "pat", json=rec)
    assert r.status_code == 200, r.text
    out = r.json()
    fired = {f["rule_id"]: f["outcome"] for f in out["result"]["fired"]}
    assert out["verdict"] == "BLOCK" and not out["published"]
    assert fired["CA-282.4-5"] == "BLOCK" and fired["CA-349.02"] == "REJECT"
    assert len(out["incidents"]) == 2

    # EU: the association controlled from the US through a Dutch holding.
    eu_sub = copy.deepcopy(eu)
    del eu_sub["sponsors"], eu_sub["platform"], eu_sub["elections"]
    eu_sub["ad"].pop("creative", None)
    eu_sub["ad"].pop("versions", None)
    r = call(h, "POST", "/api/v1/ads", "pat", json={"submission": eu_sub})
    assert r.status_code == 200, r.text
    eu_out = r.json()
    assert eu_out["verdict"] == "BLOCK"
    eu_fired = [f["rule_id"] for f in eu_out["result"]["fired"]]
    assert "EU-ART5-2-SPONSOR" in eu_fired
    assert len(eu_out["incidents"]) >= 2  # the foreign sponsor and the notice's origin

    # Every incident is in the authority's collection over TAXII and valid STIX 2.1.
    server = Server(f"{h.url}/taxii2/", user="eve", password=PASSWORD)
    col = next(c for c in server.api_roots[0].collections if c.id == h.cid)
    incidents = {o["id"]: o for o in col.get_objects().get("objects", []) if o["type"] == "incident"}
    assert set(out["incidents"] + eu_out["incidents"]) <= set(incidents)
    labels = {incidents[i]["labels"][0] for i in out["incidents"]}
    assert labels == {"foreign-funding", "foreign-interference"}
    for o in incidents.values():
        result = validate_instance(o, ValidationOptions())
        assert result.is_valid and not result.errors, [str(e) for e in result.errors]

    # Public reads without an account.
    r = call(h, "GET", "/public/sponsors/front")
    assert r.status_code == 200, r.text
    assert [c["id"] for c in r.json()["control_chain"]] == ["ca-shell", "us-parent"]
    assert "citizenship" not in r.json()
    r = call(h, "GET", "/public/sponsors/verein")
    assert [c["established_in"] for c in r.json()["control_chain"]] == ["NL", "US"]
    r = call(h, "GET", "/public/elections")
    periods = {e["id"]: e["periods"] for e in r.json()["elections"]}
    assert periods["ca-2029"]["pre_election_period"] == {"start": "2029-06-30", "end": "2029-09-08"}
    assert set(periods) == {"ca-2029", eu["elections"][0]["id"]}
    r = call(h, "GET", "/public/platforms")
    assert r.json()["platforms"][0]["monthly_reach_ca"] == [{"language": "en", "visitors": 3500000}]

    # A compliant ad in two versions with different creatives; both stay retrievable.
    gif = b"GIF89a second version"
    ok = submission("ca-ok-1", "Transit for all, version one")
    del ok["platform"]
    r = call(h, "POST", "/api/v1/ads", "pat", json={"submission": ok, "creative": {
        "media_type": "image/png", "data": base64.b64encode(PNG).decode()}})
    assert r.status_code == 201, r.text
    ad_id = r.json()["id"]
    ok["ad"]["text"] = "Transit for all, version two"
    r = call(h, "POST", "/api/v1/ads", "pat", json={"submission": ok, "creative": {
        "media_type": "image/gif", "data": base64.b64encode(gif).decode()}})
    assert r.status_code == 201 and r.json()["version"] == 2, r.text
    r = call(h, "GET", f"/public/ads/{ad_id}/versions")
    versions = r.json()["versions"]
    assert [v["document"]["text"] for v in versions] == [
        "Transit for all, version one", "Transit for all, version two"]
    r1 = call(h, "GET", f"/public/ads/{ad_id}/versions/1/creative")
    r2 = call(h, "GET", f"/public/ads/{ad_id}/versions/2/creative")
    assert (r1.content, r1.headers["Content-Type"]) == (PNG, "image/png")
    assert (r2.content, r2.headers["Content-Type"]) == (gif, "image/gif")

    # A creative whose bytes are not its declared type is refused, nothing stored.
    bad = {"submission": submission("ca-bad-1", "x"),
           "creative": {"media_type": "image/png", "data": base64.b64encode(gif).decode()}}
    r = call(h, "POST", "/api/v1/ads", "pat", json=bad)
    assert r.status_code == 400 and r.json()["error"]["field"] == "creative", r.text
    assert "image/gif" in r.json()["error"]["message"]
    assert all(a["platform_ad_id"] != "ca-bad-1" for a in call(h, "GET", "/public/ads").json()["ads"])


def test_cli_registers_sponsors_in_chain_order_and_the_platform(world, tmp_path):
    h = world
    from conftest import REPO

    # The EU sample lists the controlled association before its controllers.
    sample_file = REPO / "crates" / "adrules" / "samples" / "eu-controlled-from-abroad.json"
    out = h.cli("ads", "sponsors", str(sample_file), "--as", "pat").stdout
    assert "3 sponsors registered" in out, out
    pf = tmp_path / "platform.json"
    pf.write_text(json.dumps({"name": "Example Social",
                              "monthly_reach_ca": [{"language": "fr", "visitors": 1000000}]}))
    out = h.cli("ads", "platform", str(pf), "--as", "pat").stdout
    assert "platform plat registered" in out, out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"id": "ok-1", "legal_name": "Fine", "kind": "individual"},
                               {"id": "bad-1", "legal_name": "Bad", "kind": "corporation",
                                "established_in": "QQ"}]))
    r = h.cli("ads", "sponsors", str(bad), "--as", "pat", check=False)
    assert r.returncode != 0
    assert "sponsors[1]" in r.stderr and "established_in" in r.stderr and "QQ" in r.stderr, r.stderr
    loop = tmp_path / "loop.json"
    loop.write_text(json.dumps([
        {"id": "a", "legal_name": "A", "kind": "individual", "controlled_by": "b"},
        {"id": "b", "legal_name": "B", "kind": "individual", "controlled_by": "a"}]))
    r = h.cli("ads", "sponsors", str(loop), "--as", "pat", check=False)
    assert r.returncode != 0 and "loop" in r.stderr, r.stderr
    r = call(h, "GET", "/public/sponsors/verein")
    assert [c["id"] for c in r.json()["control_chain"]] == ["holding", "parent"]
    assert call(h, "GET", "/public/sponsors/ok-1").status_code == 200
    assert call(h, "GET", "/public/sponsors/bad-1").status_code == 404
    r = call(h, "GET", "/public/platforms")
    assert r.json()["platforms"][0]["monthly_reach_ca"] == [{"language": "fr", "visitors": 1000000}]


# --- Issue 9, items 9, 19, 20 and 22: authorities own their elections and incidents, violations
# are scoped, the public sponsor view hides what a disclosed name replaces, and the rules count
# every visitor and the voters' time zone. ---

AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


@pytest.fixture
def rivals(new_hub, monkeypatch):
    """Three election authorities: elections-ca (eve, election ca-2029, collection
    ad-incidents), elections-qc (quinn, election qc-2029, collection qc-incidents) and
    elections-on (olga, election on-2029, no collection); plus ops-incidents, writable by
    elections-ca, for the operator's hub-wide default."""
    monkeypatch.setenv("RRM_PUBLIC_RATE", "0")
    h = new_hub()
    h.org("plat", sector="platform", name="Example Social")
    for slug, user in [("elections-ca", "eve"), ("elections-qc", "quinn"), ("elections-on", "olga")]:
        h.org(slug, sector="election-authority", name=slug)
        h.user(slug, user)
    h.user("plat", "pat")
    h.cid = h.collection("ad-incidents", "Elections CA incidents")
    h.grant("elections-ca", "ad-incidents", write=True)
    h.qcid = h.collection("qc-incidents", "Elections QC incidents")
    h.grant("elections-qc", "qc-incidents", write=True)
    h.opsid = h.collection("ops-incidents", "Operator's default incidents")
    h.grant("elections-ca", "ops-incidents", write=True)
    h.start()
    for user, eid in [("eve", "ca-2029"), ("quinn", "qc-2029"), ("olga", "on-2029")]:
        e = copy.deepcopy(sample()["elections"][0])
        e["id"] = eid
        r = call(h, "PUT", f"/api/v1/elections/{eid}", user, json=e)
        assert r.status_code == 200, r.text
    return h


def foreign_record(ad_id, election):
    rec = record(ad_id, "Foreign money ad", foreign_funds=True)
    rec["submission"]["ad"]["linked_elections"] = [election]
    return rec


def incidents_of(h, user, cid):
    server = Server(f"{h.url}/taxii2/", user=user, password=PASSWORD)
    col = next(c for c in server.api_roots[0].collections if c.id == cid)
    return [o for o in col.get_objects().get("objects", []) if o["type"] == "incident"]


def test_only_the_registering_authority_changes_an_election(rivals):
    h = rivals
    before = call(h, "GET", "/public/elections/ca-2029").json()
    # Another authority can neither overwrite eve's election nor make it invalid.
    e = copy.deepcopy(sample()["elections"][0])
    e["polling_day"] = "2029-10-22"
    e["districts"] = []
    r = call(h, "PUT", "/api/v1/elections/ca-2029", "quinn", json=e)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", r.text
    bad = copy.deepcopy(sample()["elections"][0])
    bad["districts"][1]["poll_close"] = "2029-10-16T19:00:00-07:00"
    r = call(h, "PUT", "/api/v1/elections/ca-2029", "quinn", json=bad)
    assert r.status_code in (400, 403), r.text
    # Districts must close on polling day, in an offset in use; the field is named.
    r = call(h, "PUT", "/api/v1/elections/ca-2029", "eve", json=bad)
    assert r.status_code == 400 and r.json()["error"]["field"] == "districts[1].poll_close", r.text
    bad["districts"][1]["poll_close"] = "2029-10-15T19:00:00-15:00"
    r = call(h, "PUT", "/api/v1/elections/ca-2029", "eve", json=bad)
    assert r.status_code == 400 and r.json()["error"]["field"] == "districts[1].poll_close", r.text
    assert call(h, "GET", "/public/elections/ca-2029").json() == before
    # Ads for it still go through; the owner may still change it.
    r = call(h, "POST", "/api/v1/ads", "pat", json=record("ok-1", "Transit"))
    assert r.status_code == 201, r.text
    r = call(h, "PUT", "/api/v1/elections/ca-2029", "eve", json=e)
    assert r.status_code == 200 and r.json()["polling_day"] == "2029-10-22", r.text


def test_incident_destinations_belong_to_each_election_authority(rivals):
    h = rivals
    # Eve chooses for its elections; then quinn, another authority, chooses for its own at
    # CLEAR, which used to redirect every authority's incidents to quinn.
    r = call(h, "PUT", "/api/v1/ads/incident-collection", "eve", json={"collection": "ad-incidents"})
    assert r.status_code == 200, r.text
    r = call(h, "PUT", "/api/v1/ads/incident-collection", "quinn",
             json={"collection": "qc-incidents", "tlp": "CLEAR"})
    assert r.status_code == 200, r.text
    r = call(h, "POST", "/api/v1/ads", "pat", json=foreign_record("f-ca-first", "ca-2029"))
    assert r.status_code == 200 and len(r.json()["incidents"]) == 1, r.text
    first = r.json()["incidents"][0]
    ca = incidents_of(h, "eve", h.cid)
    assert [o["id"] for o in ca] == [first] and ca[0]["object_marking_refs"] == [AMBER]
    assert incidents_of(h, "quinn", h.qcid) == []

    # One election's own destination, set by its authority only.
    r = call(h, "PUT", "/api/v1/elections/ca-2029/incident-collection", "quinn",
             json={"collection": "qc-incidents", "tlp": "CLEAR"})
    assert r.status_code == 403, r.text
    r = call(h, "PUT", "/api/v1/elections/ca-2029/incident-collection", "eve",
             json={"collection": "ad-incidents", "tlp": "GREEN"})
    assert r.status_code == 200 and r.json() == {
        "election": "ca-2029", "collection": h.cid, "tlp": "GREEN"}, r.text
    # The hub-wide default is the operator's (local CLI), for on-2029 whose authority chose
    # nothing; it needs a user with write access to the collection.
    out = h.cli("ads", "incident-collection", "ops-incidents", "--as", "eve").stdout
    assert h.opsid in out and "TLP:AMBER" in out, out
    r = h.cli("ads", "incident-collection", "ops-incidents", "--as", "quinn", check=False)
    assert r.returncode != 0, r.stdout

    outs = {}
    for eid in ["ca-2029", "qc-2029", "on-2029"]:
        r = call(h, "POST", "/api/v1/ads", "pat", json=foreign_record(f"f-{eid}", eid))
        assert r.status_code == 200 and len(r.json()["incidents"]) == 1, r.text
        outs[eid] = r.json()["incidents"][0]
    ca = {o["id"]: o for o in incidents_of(h, "eve", h.cid)}
    assert set(ca) == {first, outs["ca-2029"]}
    assert ca[outs["ca-2029"]]["object_marking_refs"] == [GREEN]
    qc = incidents_of(h, "quinn", h.qcid)
    assert [o["id"] for o in qc] == [outs["qc-2029"]]
    assert qc[0]["object_marking_refs"] == ["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]
    ops = incidents_of(h, "eve", h.opsid)
    assert [o["id"] for o in ops] == [outs["on-2029"]]
    assert ops[0]["object_marking_refs"] == [AMBER]
    for o in list(ca.values()) + qc + ops:
        result = validate_instance(o, ValidationOptions())
        assert result.is_valid and not result.errors, [str(e) for e in result.errors]


def test_violations_are_scoped_to_the_authoritys_elections(rivals):
    h = rivals
    for eid in ["ca-2029", "qc-2029"]:
        r = call(h, "POST", "/api/v1/ads", "pat", json=foreign_record(f"f-{eid}", eid))
        assert r.status_code == 200 and not r.json()["published"], r.text

    def ads(user, **params):
        r = call(h, "GET", "/api/v1/ads/violations", user, params=params)
        assert r.status_code == 200, r.text
        return {v["ad_id"] for v in r.json()["violations"]}

    assert ads("eve") == {"f-ca-2029"}
    assert ads("quinn") == {"f-qc-2029"}
    assert ads("quinn", election="ca-2029") == set()
    assert ads("olga") == set()
    r = call(h, "GET", "/api/v1/ads/violations", "quinn", params={"format": "csv"})
    assert "f-ca-2029" not in r.text and "f-qc-2029" in r.text, r.text


def test_public_sponsor_view_shows_the_disclosed_name_only(world):
    h = world
    person = {"legal_name": "Jean Private", "disclosed_name": "Friends of the Valley",
              "kind": "individual", "citizenship": ["CA"], "residence": "CA",
              "canadian_role": "third_party"}
    r = call(h, "PUT", "/api/v1/sponsors/valley", "pat", json=person)
    assert r.status_code == 200, r.text
    for path in ["/public/sponsors/valley", "/public/sponsors"]:
        r = call(h, "GET", path)
        assert r.status_code == 200, r.text
        assert "Friends of the Valley" in r.text
        for hidden in ["Jean Private", "legal_name", "residence", "citizenship"]:
            assert hidden not in r.text, (hidden, r.text)
    # The full record stays readable by platforms and authorities.
    assert call(h, "GET", "/api/v1/sponsors/valley", "eve").json()["legal_name"] == "Jean Private"
    # A published ad's sponsor document follows the same rule.
    sub = submission("valley-1", "The valley votes")
    del sub["sponsors"]
    sub["ad"]["sponsor"] = "valley"
    sub["ad"]["tagline"] = "Authorized by Friends of the Valley"
    rec = {"submission": sub, "creative": {"media_type": "image/png", "data": base64.b64encode(PNG).decode()}}
    r = call(h, "POST", "/api/v1/ads", "pat", json=rec)
    assert r.status_code == 201, r.text
    doc = call(h, "GET", f"/public/ads/{r.json()['id']}").json()
    assert doc["sponsor"]["name"] == "Friends of the Valley"
    assert "Jean Private" not in json.dumps(doc) and "residence" not in doc["sponsor"]


def test_registry_duty_counts_every_visitor_and_periods_use_the_district_time(world, tmp_path):
    h = world
    # (a) Mainly English, 2.5M English and 0.6M French visitors: 3.1M, over 3M, so the duty holds.
    doc = sample()
    doc["platform"]["monthly_reach_ca"] = [{"language": "en", "visitors": 2500000},
                                           {"language": "fr", "visitors": 600000}]
    f = tmp_path / "reach.json"
    f.write_text(json.dumps(doc))
    out = json.loads(h.cli("ads", "check", str(f), "--json").stdout)
    assert "CA-325.1-1" in {x["rule_id"] for x in out["fired"]}, out
    assert out["retention"]["publish_until"] == "2031-10-15", out
    # The same over HTTP with the platform's registered reach.
    r = call(h, "PUT", "/api/v1/platforms/plat", "pat",
             json={"name": "Example Social", "monthly_reach_ca": doc["platform"]["monthly_reach_ca"]})
    assert r.status_code == 200, r.text
    sub = submission("reach-1", "Transit for all")
    del sub["platform"]
    r = call(h, "POST", "/api/v1/ads", "pat", json={"submission": sub, "creative": record("x", "x")["creative"]})
    assert r.status_code == 201, r.text
    assert "CA-325.1-1" in {x["rule_id"] for x in r.json()["result"]["fired"]}, r.text
    assert call(h, "GET", f"/public/ads/{r.json()['id']}").json()["publish_until"] == "2031-10-15"

    # (b) First shown 2029-10-16T01:40Z, 18:40 in Abbotsford on polling day, without a tagline:
    # blocked (polls open) and inside the election period, so the registry and tagline rules fire.
    for start, end in [("2029-10-16T01:40:00Z", "2029-10-16T01:55:00Z"),
                       ("2029-10-16T03:40:00+02:00", "2029-10-16T03:55:00+02:00")]:
        sub = submission("late-1", "Last call")
        sub["ad"]["districts"] = ["59001"]
        sub["ad"]["intended_dissemination"] = {"start": start, "end": end}
        del sub["ad"]["tagline"]
        r = call(h, "POST", "/api/v1/ads", "pat", json={"submission": sub, "creative": record("x", "x")["creative"]})
        assert r.status_code == 200, r.text
        fired = {x["rule_id"]: x["outcome"] for x in r.json()["result"]["fired"]}
        assert r.json()["verdict"] == "BLOCK", r.text
        assert fired.get("CA-323") == "BLOCK" and fired.get("CA-TAGLINE-PRESENT") == "REJECT", fired
        assert "CA-325.1-1" in fired, fired
    # 2029-10-16T04:30Z is 00:30 on the next day in Ajax: outside the election period there.
    doc = sample()
    doc["ad"]["districts"] = ["35001"]
    doc["ad"]["versions"] = [{"version": 1, "first_shown": "2029-10-16T04:30:00Z"}]
    doc["ad"]["intended_dissemination"] = {"start": "2029-10-16T04:30:00Z", "end": "2029-10-16T05:00:00Z"}
    f.write_text(json.dumps(doc))
    out = json.loads(h.cli("ads", "check", str(f), "--json").stdout)
    assert "CA-325.1-1" not in {x["rule_id"] for x in out["fired"]}, out


def test_public_answers_match_the_served_openapi_document(world):
    """Through the real binary: the public archive's answers validate against the schemas of
    the OpenAPI document the server serves (the public views allow no property beyond those
    listed, so a private sponsor field cannot appear), and a path parameter the router cannot
    read is answered in the JSON error shape like every other public error."""
    from jsonschema import Draft202012Validator

    h = world
    individual = {"id": "jean", "legal_name": "Jean Private", "disclosed_name": "Friends of the Valley",
                  "kind": "individual", "citizenship": ["FR"], "residence": "FR",
                  "operates_in": ["CA"]}
    r = call(h, "PUT", "/api/v1/sponsors/jean", "pat", json=individual)
    assert r.status_code == 200, r.text
    r = call(h, "POST", "/api/v1/ads", "pat", json=record("pub-1", "Transit for all"))
    assert r.status_code == 201, r.text
    ad_id = r.json()["id"]
    doc = call(h, "GET", "/api/v1/openapi.json").json()

    def check(path, schema):
        r = call(h, "GET", path)
        assert r.status_code == 200, r.text
        v = Draft202012Validator({"$ref": f"#/components/schemas/{schema}", "components": doc["components"]})
        errors = [f"{e.json_path}: {e.message}" for e in v.iter_errors(r.json())]
        assert not errors, (path, errors)
        return r.json()

    sponsor = check("/public/sponsors/jean", "PublicSponsor")
    assert sponsor["name"] == "Friends of the Valley"
    assert not {"legal_name", "citizenship", "residence", "disclosed_name"} & set(sponsor)
    check("/public/sponsors", "PublicSponsorPage")
    check(f"/public/ads/{ad_id}", "PublicAd")
    check("/public/ads?election=ca-2029", "PublicAdPage")
    check(f"/public/ads/{ad_id}/versions", "PublicAdVersions")
    check("/public/elections", "PublicElectionList")
    check("/public/elections/ca-2029", "PublicElection")
    # The schema itself refuses a private field.
    v = Draft202012Validator({"$ref": "#/components/schemas/PublicSponsor", "components": doc["components"]})
    assert not v.is_valid(dict(sponsor, citizenship=["FR"]))

    for path in ["/public/ads/%FF", "/public/sponsors/%FF", "/public/elections/%FF/ads.csv"]:
        r = call(h, "GET", path)
        assert r.status_code == 400, (path, r.text)
        assert r.headers["content-type"].startswith("application/json"), (path, r.headers)
        assert r.json()["error"]["code"] == "bad_request", (path, r.text)
