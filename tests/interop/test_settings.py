"""Serve settings that were environment-only have a flag and a TOML key with the same
precedence as every other setting (flag > environment > file > default), and bad values stop
`rrm serve` with a message naming the setting."""

import requests

from conftest import run_rrm


def public_codes(h, n=6):
    return [requests.get(f"{h.url}/public/ads", timeout=30).status_code for _ in range(n)]


def test_public_rate_by_flag(new_hub):
    h = new_hub()
    h.start("--public-rate", "1/3")
    codes = public_codes(h)
    assert codes[:3] == [200, 200, 200] and 429 in codes[3:], codes


def test_public_rate_by_toml_key_and_flag_beats_file(new_hub, monkeypatch):
    monkeypatch.delenv("RRM_PUBLIC_RATE", raising=False)
    h = new_hub()
    cfg = h.data / "rrm.toml"
    cfg.write_text('[server]\npublic_rate = "1/2"\ntitle = "Test hub"\n')
    h.start("--config", str(cfg))
    codes = public_codes(h)
    assert codes[:2] == [200, 200] and 429 in codes[2:], codes
    h.stop()
    # The flag overrides the file: 0 turns the limit off.
    h.start("--config", str(cfg), "--public-rate", "0")
    assert public_codes(h, 10) == [200] * 10


def test_title_by_flag(new_hub):
    h = new_hub()
    h.org("gov-a")
    h.user("gov-a", "ana")
    h.start("--title", "Federal hub")
    r = requests.get(f"{h.url}/taxii2/", auth=("ana", "correct horse battery"),
                     headers={"Accept": "application/taxii+json;version=2.1"}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "Federal hub"


def test_bad_public_rate_is_named(rrm_bin, tmp_path):
    out = run_rrm(rrm_bin, tmp_path, "serve", "--listen", "127.0.0.1:0", "--public-rate", "fast", check=False)
    assert out.returncode != 0
    assert "--public-rate" in out.stderr and "RRM_PUBLIC_RATE" in out.stderr, out.stderr
