"""The verifiable audit log through the real binary.

Tampering: each case edits the SQLite file directly with Python's sqlite3 while the server is
stopped (dropping the append-only triggers first, as an intruder would), and `rrm audit verify`
must exit non-zero naming the first bad record. A partner verifies checkpoint signatures,
inclusion and consistency proofs itself, trusting nothing the operator says, with its own
RFC 6962 code below and the `cryptography` package's ed25519.
"""

import hashlib
import sqlite3
import struct

import pytest
import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PASSWORD = "correct horse battery"

TRIGGERS = """
DROP TRIGGER IF EXISTS account_audit_no_update;
DROP TRIGGER IF EXISTS account_audit_no_delete;
DROP TRIGGER IF EXISTS audit_leaves_no_delete;
DROP TRIGGER IF EXISTS audit_nodes_no_delete;
"""


# --- RFC 6962 / RFC 9162, written here from the RFC text --------------------------------


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(leaf, index, size, path, root):
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(old, new, old_root, new_root, path):
    if old > new:
        return False
    if old == new:
        return not path and old_root == new_root
    if old == 0:
        return not path
    if not path:
        return False
    if old & (old - 1) == 0:
        path = [old_root] + list(path)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


def parse_leaf(data):
    """Decodes a record's canonical bytes (README, "Verifiable audit log")."""
    tag = b"rrm-audit-entry-v1"
    assert data.startswith(tag)
    pos = len(tag)
    seq, at = struct.unpack_from(">qq", data, pos)
    pos += 16

    def text():
        nonlocal pos
        (n,) = struct.unpack_from(">I", data, pos)
        pos += 4
        out = data[pos : pos + n]
        pos += n
        return out

    def org():
        nonlocal pos
        flag = data[pos]
        pos += 1
        if flag == 0:
            return None
        (v,) = struct.unpack_from(">q", data, pos)
        pos += 8
        return v

    out = {"seq": seq, "at": at, "actor": text().decode(), "actor_org_id": org()}
    out["action"] = text().decode()
    out["target"] = text().decode()
    out["target_org_id"] = org()
    out["detail"] = text().decode()
    out["nonce"] = text()
    assert pos == len(data)
    return out


def signed_bytes(cp):
    return (
        b"rrm-audit-checkpoint-v1"
        + struct.pack(">Q", cp["size"])
        + bytes.fromhex(cp["root"])
        + struct.pack(">q", cp["time"])
    )


# --- fixtures ----------------------------------------------------------------------------


def seed(hub):
    """Two organisations with admins and tokens, a collection with grants, a checkpoint in
    the middle; returns the size of that checkpoint."""
    hub.org("gov-ca")
    hub.org("gov-fr", country="FR")
    hub.user("gov-ca", "ca-admin", role="admin", password=PASSWORD)
    hub.user("gov-fr", "fr-admin", role="admin", password=PASSWORD)
    hub.user("gov-ca", "root", role="operator", password=PASSWORD)
    hub.collection("shared")
    hub.grant("gov-ca", "shared", write=True)
    hub.grant("gov-fr", "shared")
    size = int(hub.cli("audit", "checkpoint").stdout.split("\t")[0])
    for i in range(6):
        hub.user("gov-fr", f"fr-{i}", role="reader", password=PASSWORD)
        hub.cli("admin", "token", "create", f"fr-{i}", "--label", f"t{i}")
    hub.cli("admin", "user", "disable", "fr-2")
    return size


def db(hub):
    return sqlite3.connect(hub.data / "rrm.db")


def verify(hub):
    return hub.cli("audit", "verify", "--quiet", check=False)


def seqs(hub):
    with db(hub) as c:
        return [r[0] for r in c.execute("SELECT seq FROM account_audit ORDER BY seq")]


@pytest.fixture
def seeded(new_hub):
    hub = new_hub()
    size = seed(hub)
    return hub, size


# --- tampering ---------------------------------------------------------------------------


def test_an_untouched_log_verifies(seeded):
    hub, _ = seeded
    proc = verify(hub)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("ok:"), proc.stdout
    n = len(seqs(hub))
    assert f"{n} records" in proc.stdout and "1 checkpoints" in proc.stdout


def test_an_edited_record_is_named(seeded):
    hub, _ = seeded
    target = seqs(hub)[7]
    with db(hub) as c:
        c.executescript(TRIGGERS)
        c.execute("UPDATE account_audit SET detail = 'role admin' WHERE seq = ?", (target,))
    proc = verify(hub)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"record seq {target} (leaf 7) was changed" in proc.stdout, proc.stdout


def test_a_deleted_middle_record_is_named(seeded):
    hub, _ = seeded
    target = seqs(hub)[9]
    with db(hub) as c:
        c.executescript(TRIGGERS)
        c.execute("DELETE FROM account_audit WHERE seq = ?", (target,))
    proc = verify(hub)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"record seq {target} (leaf 9) was removed" in proc.stdout, proc.stdout


def test_swapped_records_name_the_first(seeded):
    hub, _ = seeded
    all_seqs = seqs(hub)
    a, b = all_seqs[4], all_seqs[11]
    cols = "at, actor, actor_org_id, action, target, target_org_id, detail, nonce"
    with db(hub) as c:
        c.executescript(TRIGGERS)
        ra = c.execute(f"SELECT {cols} FROM account_audit WHERE seq = ?", (a,)).fetchone()
        rb = c.execute(f"SELECT {cols} FROM account_audit WHERE seq = ?", (b,)).fetchone()
        sets = ", ".join(f"{k.strip()} = ?" for k in cols.split(","))
        c.execute(f"UPDATE account_audit SET {sets} WHERE seq = ?", (*rb, a))
        c.execute(f"UPDATE account_audit SET {sets} WHERE seq = ?", (*ra, b))
    proc = verify(hub)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"record seq {a} (leaf 4) was changed or moved" in proc.stdout, proc.stdout


@pytest.mark.parametrize("with_tree", [False, True], ids=["records", "records-and-tree"])
def test_removing_the_newest_records_after_a_checkpoint_is_found(new_hub, with_tree):
    hub = new_hub()
    seed(hub)
    size = int(hub.cli("audit", "checkpoint").stdout.split("\t")[0])
    keep = size - 3
    with db(hub) as c:
        c.executescript(TRIGGERS)
        c.execute(
            "DELETE FROM account_audit WHERE seq IN (SELECT seq FROM audit_leaves WHERE idx >= ?)",
            (keep,),
        )
        if with_tree:
            # Also remove every hash over the removed records: the tree that is left is
            # complete and consistent, and only the signed checkpoint remembers more.
            c.execute("DELETE FROM audit_nodes WHERE (idx + 1) << level > ?", (keep,))
            c.execute("DELETE FROM audit_leaves WHERE idx >= ?", (keep,))
    proc = verify(hub)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    if with_tree:
        assert f"the records from leaf {keep} on were removed" in proc.stdout, proc.stdout
    else:
        assert f"(leaf {keep}) was removed" in proc.stdout, proc.stdout


def test_a_forged_checkpoint_signature_is_found(seeded):
    hub, _ = seeded
    with db(hub) as c:
        c.execute("DROP TRIGGER IF EXISTS audit_checkpoints_no_update")
        c.execute("UPDATE audit_checkpoints SET signature = zeroblob(64)")
    proc = verify(hub)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "signature" in proc.stdout, proc.stdout


# --- a partner checks proofs without trusting the operator ------------------------------


def test_a_partner_verifies_signatures_inclusion_and_consistency(seeded):
    hub, first_size = seeded
    hub.start()
    fr = ("fr-admin", PASSWORD)
    root_user = ("root", PASSWORD)
    api = hub.url + "/api/v1"

    # One more record over REST, then a checkpoint on demand (operator only).
    r = requests.post(f"{api}/tokens", json={"username": "fr-admin", "label": "partner"}, auth=fr)
    assert r.status_code == 201, r.text
    assert requests.post(f"{api}/audit/checkpoints", auth=fr).status_code == 403
    r = requests.post(f"{api}/audit/checkpoints", auth=root_user)
    assert r.status_code == 201, r.text
    latest = r.json()

    key = requests.get(f"{api}/audit/key", auth=fr).json()
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(key["public_key"]))
    listing = requests.get(f"{api}/audit/checkpoints", auth=fr).json()
    assert listing["public_key"] == key["public_key"]
    cps = listing["checkpoints"]
    assert [c["size"] for c in cps] == sorted(c["size"] for c in cps)
    assert cps[0]["size"] == first_size and cps[-1] == latest
    assert requests.get(f"{api}/audit/checkpoints/latest", auth=fr).json() == latest
    for cp in cps:
        public.verify(bytes.fromhex(cp["signature"]), signed_bytes(cp))
    forged = dict(latest, size=latest["size"] + 1)
    with pytest.raises(InvalidSignature):
        public.verify(bytes.fromhex(latest["signature"]), signed_bytes(forged))

    # The admin of gov-fr reads the records about gov-fr only, each with its leaf.
    records = requests.get(f"{api}/audit", params={"limit": 1000}, auth=fr).json()["records"]
    assert records and all(
        rec["target_org"] == "gov-fr" or rec["actor_org"] == "gov-fr" for rec in records
    )
    assert not any(rec["target"] == "ca-admin" for rec in records)
    actions = {rec["action"] for rec in records}
    assert {"org.create", "user.create", "grant.set", "token.create", "user.disable"} <= actions
    for rec in records:
        data = bytes.fromhex(rec["leaf_data"])
        assert leaf_hash(data).hex() == rec["leaf_hash"]
        fields = parse_leaf(data)
        assert (fields["seq"], fields["actor"], fields["action"], fields["target"], fields["detail"]) == (
            rec["seq"],
            rec["actor"],
            rec["action"],
            rec["target"],
            rec["detail"],
        )
        assert fields["nonce"].hex() == rec["nonce"]

    # Inclusion of each of its records in the latest checkpoint, computed by the partner.
    size = latest["size"]
    root = bytes.fromhex(latest["root"])
    for rec in records:
        if rec["index"] >= size:
            continue
        p = requests.get(
            f"{api}/audit/proof/inclusion", params={"index": rec["index"], "size": size}, auth=fr
        ).json()
        path = [bytes.fromhex(h) for h in p["path"]]
        leaf = leaf_hash(bytes.fromhex(rec["leaf_data"]))
        assert verify_inclusion(leaf, rec["index"], size, path, root), rec
        # The same path does not prove another leaf, another position or another head.
        assert not verify_inclusion(leaf_hash(b"forged"), rec["index"], size, path, root)
        assert not verify_inclusion(leaf, (rec["index"] + 1) % size, size, path, root)
        first_root = bytes.fromhex(cps[0]["root"])
        assert not verify_inclusion(leaf, rec["index"], size, path, first_root)

    # Consistency between every earlier checkpoint and the latest.
    for cp in cps[:-1]:
        p = requests.get(
            f"{api}/audit/proof/consistency", params={"old": cp["size"], "new": size}, auth=fr
        ).json()
        path = [bytes.fromhex(h) for h in p["path"]]
        old_root = bytes.fromhex(cp["root"])
        assert verify_consistency(cp["size"], size, old_root, root, path)
        assert not verify_consistency(cp["size"], size, hashlib.sha256(b"x").digest(), root, path)

    # Bad input names the field.
    for params, field in [
        ({"index": 0, "size": size + 100}, "size"),
        ({"index": size, "size": size}, "index"),
        ({"index": "x", "size": size}, "index"),
        ({"size": size}, "index"),
        ({"index": 0, "size": size, "extra": 1}, "extra"),
    ]:
        r = requests.get(f"{api}/audit/proof/inclusion", params=params, auth=fr)
        assert r.status_code == 400, (params, r.text)
        assert r.json()["error"]["field"] == field, (params, r.text)
    r = requests.get(f"{api}/audit/proof/consistency", params={"old": 5, "new": 3}, auth=fr)
    assert r.status_code == 400 and r.json()["error"]["field"] == "old", r.text
    assert requests.get(f"{api}/audit/key").status_code == 401

    hub.stop()
    proc = verify(hub)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_exports_are_recorded(seeded):
    hub, _ = seeded
    hub.cli("export", "--collection", "shared", "--as", "fr-admin")
    last = hub.cli("admin", "audit").stdout.strip().splitlines()[-1].split("\t")
    assert last[2] == "fr-admin" and last[4] == "export" and last[5] == "shared", last
    assert verify(hub).returncode == 0
