"""The rrm command line: import, export, validate, serve (demo, TLS, listen rules), admin errors."""

import json
import shutil
import subprocess

import pytest
import requests
from taxii2client.v21 import Server

MT = "application/taxii+json;version=2.1"
PASSWORD = "correct horse battery"


def setup_hub(new_hub):
    h = new_hub()
    h.org("gov-a")
    h.org("gov-b", country="DE")
    h.user("gov-a", "a-analyst")
    h.user("gov-b", "b-analyst")
    h.cid = h.collection("intel", "Intel")
    h.grant("gov-a", "intel", write=True)
    h.grant("gov-b", "intel")
    return h


def test_import_and_export_disarm(new_hub, shared_dir, tmp_path):
    h = setup_hub(new_hub)
    src = shared_dir / "data/disarm/DISARM.json"
    out = h.cli("import", str(src), "--collection", "intel", "--as", "a-analyst")
    assert "698 objects read, 698 stored" in out.stderr
    # Importing again stores nothing new and still succeeds.
    again = h.cli("import", str(src), "--collection", "intel", "--as", "a-analyst")
    assert "698 objects read, 698 stored or already present, 0 failed" in again.stderr
    exported = json.loads(h.cli("export", "--collection", "intel", "--as", "b-analyst").stdout)
    assert exported["type"] == "bundle"
    original = {o["id"]: o for o in json.loads(src.read_text())["objects"]}
    got = {o["id"]: o for o in exported["objects"]}
    assert got == original


def test_import_reports_invalid_objects_and_keeps_valid_ones(new_hub, tmp_path):
    h = setup_hub(new_hub)
    good = {
        "type": "threat-actor",
        "spec_version": "2.1",
        "id": "threat-actor--2a6b1f0e-4c4e-4a55-9f3b-6d1a4f6a1c01",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": "Good",
    }
    bad = dict(good, id="threat-actor--2a6b1f0e-4c4e-4a55-9f3b-6d1a4f6a1c02", modified="2025-01-01T00:00:00.000Z")
    f = tmp_path / "mixed.json"
    f.write_text(json.dumps({"type": "bundle", "id": "bundle--2a6b1f0e-4c4e-4a55-9f3b-6d1a4f6a1c03",
                             "objects": [good, bad]}))
    out = h.cli("import", str(f), "--collection", "intel", "--as", "a-analyst", check=False)
    assert out.returncode != 0
    assert bad["id"] in out.stderr and "modified" in out.stderr
    assert "2 objects read, 1 stored" in out.stderr
    exported = json.loads(h.cli("export", "--collection", "intel", "--as", "a-analyst").stdout)
    assert [o["id"] for o in exported["objects"]] == [good["id"]]


def test_import_syntax_error_names_file_line_and_column(new_hub, tmp_path):
    h = setup_hub(new_hub)
    f = tmp_path / "broken.json"
    f.write_text('{"type": "bundle",\n "objects": [\n  {"type": "x-thing",, }\n]}')
    out = h.cli("import", str(f), "--collection", "intel", "--as", "a-analyst", check=False)
    assert out.returncode != 0
    assert f"{f}:3:" in out.stderr


@pytest.mark.parametrize(
    "args, needle",
    [
        (["import", "/nonexistent.json", "--collection", "intel", "--as", "a-analyst"], "/nonexistent.json"),
        (["import", "/dev/null", "--collection", "nope", "--as", "a-analyst"], "nope"),
        (["export", "--collection", "intel", "--as", "nobody"], "nobody"),
        (["admin", "org", "add", "x y", "--name", "n", "--sector", "government", "--country", "CA"], "slug"),
        (["admin", "org", "add", "ok-slug", "--name", "n", "--sector", "army", "--country", "CA"], "sector"),
        (["admin", "grant", "gov-a", "missing", "--read"], "missing"),
    ],
)
def test_cli_errors_are_clear(new_hub, args, needle):
    h = setup_hub(new_hub)
    out = h.cli(*args, check=False)
    assert out.returncode != 0
    assert needle in out.stderr, out.stderr


def test_validate_disarm_and_a_bad_file(rrm_bin, shared_dir, tmp_path):
    ok = subprocess.run([rrm_bin, "validate", str(shared_dir / "data/disarm/DISARM.json")],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "698 objects checked, 0 invalid" in ok.stderr
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"objects": [{"type": "indicator", "id": "malware--2a6b1f0e-4c4e-4a55-9f3b-6d1a4f6a1c01"}]}))
    out = subprocess.run([rrm_bin, "validate", str(bad)], capture_output=True, text=True)
    assert out.returncode != 0
    assert "property 'id'" in out.stdout


def test_demo_serves_taxii_with_tlp(new_hub):
    h = new_hub()
    h.start("--demo", "--metrics")
    s = Server(f"{h.url}/taxii2/", user="de-analyst", password="rrm-demo-password")
    g7 = [c for c in s.api_roots[0].collections if c.title == "G7 RRM shared analysis"][0]
    de_names = {o.get("name") for o in g7.get_objects()["objects"]}
    assert "Mirror Lake operator infrastructure (source-sensitive)" in de_names  # RED, gov-de is a recipient
    s2 = Server(f"{h.url}/taxii2/", user="chirp-analyst", password="rrm-demo-password")
    g7b = [c for c in s2.api_roots[0].collections if c.title == "G7 RRM shared analysis"][0]
    chirp = g7b.get_objects()["objects"]
    assert "Mirror Lake operator infrastructure (source-sensitive)" not in {o.get("name") for o in chirp}
    report = [o for o in chirp if o["type"] == "report"][0]
    assert "description" not in report  # RED granular marking
    assert requests.get(f"{h.url}/healthz").status_code == 200
    metrics = requests.get(f"{h.url}/metrics").text  # served because of --metrics
    assert "rrm_http_requests_total" in metrics
    assert "rrm_auth_verifications_total" in metrics
    # The demo ad registry: six published ads, two refused ones as incidents for the authority.
    ads = requests.get(f"{h.url}/public/ads", params={"election": "ca-2029"}).json()["ads"]
    assert len(ads) == 6 and all(a["verdict"] == "ACCEPT" for a in ads)
    creative = requests.get(f"{h.url}/public/ads/{ads[0]['id']}/creative")
    assert creative.headers["Content-Type"] == "image/png" and creative.content.startswith(b"\x89PNG")
    platforms = requests.get(f"{h.url}/public/platforms").json()["platforms"]
    assert [(p["id"], len(p["monthly_reach_ca"])) for p in platforms] == [("chirp", 2)]
    chain = requests.get(f"{h.url}/public/sponsors/voters-for-renewal").json()["control_chain"]
    assert [c["established_in"] for c in chain] == ["CA", "US"]
    s3 = Server(f"{h.url}/taxii2/", user="ec-analyst", password="rrm-demo-password")
    inc = [c for c in s3.api_roots[0].collections if c.title == "Political-advertising incidents"][0]
    incidents = [o for o in inc.get_objects()["objects"] if o["type"] == "incident"]
    assert sorted(o["labels"][0] for o in incidents) == ["foreign-funding", "foreign-interference"]


def test_demo_refuses_non_loopback(new_hub):
    h = new_hub()
    out = h.cli("serve", "--demo", "--listen", "0.0.0.0:0", check=False)
    assert out.returncode != 0
    assert "loopback" in out.stderr


def test_plain_http_on_non_loopback_is_refused(new_hub):
    h = new_hub()
    out = h.cli("serve", "--listen", "0.0.0.0:0", check=False)
    assert out.returncode != 0
    assert "--insecure-http" in out.stderr or "TLS" in out.stderr


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is needed to make a test certificate")
def test_tls(new_hub, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    h = setup_hub(new_hub)
    h.start("--tls-cert", str(cert), "--tls-key", str(key))
    assert h.url.startswith("https://")
    r = requests.get(f"{h.url}/taxii2/", auth=("a-analyst", PASSWORD), headers={"Accept": MT}, verify=str(cert))
    assert r.status_code == 200
    assert r.json()["api_roots"][0].startswith("https://")
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{h.url}/healthz", verify=True)


def test_config_file_and_env_precedence(rrm_bin, tmp_path):
    cfg = tmp_path / "rrm.toml"
    file_data = tmp_path / "from-file"
    env_data = tmp_path / "from-env"
    cfg.write_text(f'data = "{file_data}"\n')
    base = [str(rrm_bin), "--config", str(cfg)]
    add = ["admin", "org", "add", "gov-a", "--name", "A", "--sector", "government", "--country", "CA"]
    subprocess.run(base + add, check=True, capture_output=True)
    assert (file_data / "rrm.db").exists()
    import os

    env = dict(os.environ, RRM_DATA=str(env_data))
    subprocess.run(base + add, check=True, capture_output=True, env=env)
    assert (env_data / "rrm.db").exists()
    flag_data = tmp_path / "from-flag"
    subprocess.run(base + ["--data", str(flag_data)] + add, check=True, capture_output=True, env=env)
    assert (flag_data / "rrm.db").exists()
    bad = tmp_path / "bad.toml"
    bad.write_text("dta = 1\n")
    out = subprocess.run([str(rrm_bin), "--config", str(bad)] + add, capture_output=True, text=True)
    assert out.returncode != 0 and "dta" in out.stderr
