#!/usr/bin/env python3
"""Builds rrm's curated DISARM technique -> countermeasure map from the shared DISARM files.

Usage (from the repository root):

    python3 crates/response/data/make-technique-counters.py [SHARED_DIR] [--check]

SHARED_DIR defaults to ../shared (or $RRM_SHARED). It writes, next to this script,
technique-counters.csv (technique_id,counter_id,basis) and technique-remap.csv
(old_id,new_id,basis); with --check it writes nothing and exits 1 when either file differs
from what it would write. The rules are documented in crates/response/COUNTERS.md; this
script is their only implementation. Standard library only; the output is deterministic.
"""

import csv
import io
import json
import os
import sys
import uuid

# The namespace the DISARM MISP galaxy generator derives every cluster uuid from:
# uuid5(CORE, "T0002") is technique T0002's uuid, uuid5(CORE, "TA07") tactic TA07's.
CORE = uuid.UUID("9d6bd9d2-2cd3-4900-b61a-06cd64df3996")

# Technique ids of the MISP galaxy that DISARM v1.6 no longer has, mapped by name to the v1.6
# technique(s) that took their place (v1.5 and v1.6 split "channels" into asset types and
# "inauthentic accounts" into personas and account assets). An exact (case-insensitive) name
# match would win over this table; there is none for these ids.
CURATED_REMAP = {
    "T0007": ["T0151.002", "T0151.003"],  # Create Inauthentic Social Media Pages and Groups
    "T0009": ["T0097.108", "T0143.002"],  # Create Fake Experts
    "T0009.001": ["T0085.007"],  # Utilise Academic/Pseudoscientific Justifications
    "T0013": ["T0152.004"],  # Create Inauthentic Websites
    "T0043": ["T0151.004"],  # Chat Apps
    "T0043.001": ["T0155.007"],  # Use Encrypted Chat Apps
    "T0043.002": ["T0151.004"],  # Use Unencrypted Chats Apps
    "T0090": ["T0146"],  # Create Inauthentic Accounts
    "T0090.001": ["T0146"],  # Create Anonymous Accounts
    "T0090.002": ["T0146.007"],  # Create Cyborg Accounts
    "T0090.003": ["T0146.007"],  # Create Bot Accounts
    "T0090.004": ["T0143.002"],  # Create Sockpuppet Accounts
    "T0097.001": ["T0144"],  # Produce Evidence for Persona
    "T0099": ["T0143.003"],  # Impersonate Existing Entity
    "T0099.002": ["T0143.004"],  # Spoof/Parody Account/Site
    "T0099.003": ["T0143.003", "T0097.200"],  # Impersonate Existing Organisation
    "T0099.004": ["T0143.003", "T0097.202"],  # Impersonate Existing Media Outlet
    "T0099.005": ["T0143.003", "T0097.111"],  # Impersonate Existing Official
    "T0099.006": ["T0143.003"],  # Impersonate Existing Influencer
    "T0103": ["T0152.008"],  # Livestream
    "T0103.001": ["T0152.008"],  # Video Livestream
    "T0103.002": ["T0152.008"],  # Audio Livestream
    "T0104": ["T0151.001"],  # Social Networks
    "T0104.001": ["T0151.001"],  # Mainstream Social Networks
    "T0104.002": ["T0151.017"],  # Dating App
    "T0104.003": ["T0155"],  # Private/Closed Social Networks
    "T0104.004": ["T0151.010"],  # Interest-Based Networks
    "T0104.005": ["T0015.001"],  # Use Hashtags
    "T0104.006": ["T0015.002"],  # Create Dedicated Hashtag
    "T0105": ["T0152"],  # Media Sharing Networks
    "T0105.001": ["T0152"],  # Photo Sharing
    "T0105.002": ["T0152.006"],  # Video Sharing
    "T0105.003": ["T0152.007"],  # Audio Sharing
    "T0106": ["T0151.009", "T0151.010"],  # Discussion Forums
    "T0106.001": ["T0151.012"],  # Anonymous Message Boards
    "T0108": ["T0152.001"],  # Blogging and Publishing Networks
    "T0112": ["T0153.001"],  # Email
    "T0129.008": ["T0149.004"],  # Redirect URLs
    "T0141": ["T0150.005"],  # Acquire Compromised Asset
    "T0141.001": ["T0150.005", "T0146"],  # Acquire Compromised Account
    "T0141.002": ["T0150.005", "T0152.004"],  # Acquire Compromised Website
    "T0142": ["T0097.208", "T0143.002"],  # Fabricate Grassroots Movement
}

def ext_id(obj):
    for r in obj.get("external_references", []):
        if "external_id" in r:
            return r["external_id"]
    raise SystemExit(f"{obj['id']} has no external_id")


def load(shared):
    base = os.path.join(shared, "data", "disarm")
    with open(os.path.join(base, "DISARM.json"), encoding="utf-8") as f:
        bundle = json.load(f)
    with open(os.path.join(base, "misp-galaxy-disarm-techniques.json"), encoding="utf-8") as f:
        gtech = json.load(f)
    with open(os.path.join(base, "misp-galaxy-disarm-countermeasures.json"), encoding="utf-8") as f:
        gcount = json.load(f)
    return bundle, gtech, gcount


def build(shared):
    bundle, gtech, gcount = load(shared)
    # DISARM v1.6: techniques with name, description and tactic; tactics by name and id.
    tech = {}
    tactic_by_phase = {}
    tactic_by_id = {}
    for o in bundle["objects"]:
        if o["type"] == "attack-pattern":
            tech[ext_id(o)] = {
                "name": o["name"],
                "text": o["name"] + " " + o.get("description", ""),
                "phase": o["kill_chain_phases"][0]["phase_name"],
            }
        elif o["type"] == "x-mitre-tactic":
            tactic_by_phase[o["x_mitre_shortname"]] = o["name"]
            tactic_by_id[ext_id(o)] = o["name"]
    by_name = {}
    for tid, t in tech.items():
        by_name.setdefault(t["name"].strip().lower(), []).append(tid)

    # Stale galaxy technique ids, remapped by exact name, else by the curated table.
    remap = {}
    galaxy_tech_name = {}
    for v in gtech["values"]:
        tid = v["meta"]["external_id"]
        galaxy_tech_name[tid] = v["value"]
        if tid in tech:
            continue
        exact = by_name.get(v["value"].strip().lower())
        if exact:
            remap[tid] = (sorted(exact), "name")
        elif tid in CURATED_REMAP:
            remap[tid] = (CURATED_REMAP[tid], "curated")
        else:
            raise SystemExit(f"stale galaxy technique {tid} ({v['value']}) has no remap")
    for old, (new, _) in remap.items():
        for n in new:
            if n not in tech:
                raise SystemExit(f"remap {old} -> {n}: {n} is not a DISARM v1.6 technique")

    # Every id the galaxy generator could have linked to, by uuid.
    by_uuid = {str(uuid.uuid5(CORE, t)): t for t in list(tech) + list(galaxy_tech_name)}
    for i in range(1, 200):
        for sub in [""] + [f".{j:03d}" for j in range(1, 40)]:
            t = f"T{i:04d}{sub}"
            by_uuid.setdefault(str(uuid.uuid5(CORE, t)), t)
    for ta in tactic_by_id:
        by_uuid[str(uuid.uuid5(CORE, ta))] = ta

    rows = {}  # (technique, counter) -> basis
    stats = {"tactic-link": 0, "dropped": 0, "empty": 0}
    counters = sorted(gcount["values"], key=lambda v: v["meta"]["external_id"])
    # Links from both sides: a counter's "blocks" and a technique's "blocked-by".
    links = {}
    cid_by_uuid = {v["uuid"]: v["meta"]["external_id"] for v in counters}
    for v in counters:
        for r in v.get("related", []):
            if r["type"] == "blocks":
                links.setdefault(v["meta"]["external_id"], []).append(r["dest-uuid"])
    for v in gtech["values"]:
        for r in v.get("related", []):
            if r["type"] == "blocked-by" and r["dest-uuid"] in cid_by_uuid:
                links.setdefault(cid_by_uuid[r["dest-uuid"]], []).append(v["uuid"])

    tactic_links = {}
    for v in counters:
        cid = v["meta"]["external_id"]
        for dest in links.get(cid, []):
            if dest == str(uuid.uuid5(CORE, "")):
                stats["empty"] += 1
                continue
            t = by_uuid.get(dest)
            if t is None or (t not in tech and t not in remap and t not in tactic_by_id):
                stats["dropped"] += 1
                continue
            if t in tactic_by_id:
                tactic_links.setdefault(cid, set()).add(tactic_by_id[t])
                stats["tactic-link"] += 1
            elif t in tech:
                rows.setdefault((t, cid), "galaxy")
            else:
                for n in remap[t][0]:
                    rows.setdefault((n, cid), "renamed")

    # The fill rule, for counters with no technique left.
    linked = {c for (_, c) in rows}
    for v in counters:
        cid = v["meta"]["external_id"]
        if cid in linked:
            continue
        tactics = set(tactic_links.get(cid, set()))
        for k in v["meta"].get("kill_chain", []):
            if k.startswith("tactics:"):
                tactics.add(k.split(":", 1)[1])
        candidates = sorted(
            t
            for t, info in tech.items()
            if "." not in t and tactic_by_phase.get(info["phase"]) in tactics
        )
        for t in candidates:
            rows[(t, cid)] = "tactic"
        if not candidates:
            raise SystemExit(f"{cid} has no tactic with techniques")

    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["technique_id", "counter_id", "basis"])
    for (t, c), basis in sorted(rows.items()):
        w.writerow([t, c, basis])
    rem = io.StringIO()
    w = csv.writer(rem, lineterminator="\n")
    w.writerow(["old_id", "new_id", "basis"])
    for old in sorted(remap):
        for n in remap[old][0]:
            w.writerow([old, n, remap[old][1]])
    return out.getvalue(), rem.getvalue(), stats, rows


def main():
    args = [a for a in sys.argv[1:] if a != "--check"]
    check = "--check" in sys.argv[1:]
    here = os.path.dirname(os.path.abspath(__file__))
    shared = args[0] if args else os.environ.get(
        "RRM_SHARED", os.path.join(here, "..", "..", "..", "..", "shared")
    )
    counters, remap, stats, rows = build(shared)
    targets = {
        os.path.join(here, "technique-counters.csv"): counters,
        os.path.join(here, "technique-remap.csv"): remap,
    }
    if check:
        bad = [p for p, text in targets.items() if not os.path.exists(p) or open(p, encoding="utf-8").read() != text]
        for p in bad:
            print(f"{p} differs from what the script builds", file=sys.stderr)
        sys.exit(1 if bad else 0)
    for p, text in targets.items():
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)
    bases = {}
    for b in rows.values():
        bases[b] = bases.get(b, 0) + 1
    print(f"{len(rows)} rows: {dict(sorted(bases.items()))}; galaxy links to tactics, to ids with no name, to the empty id: {stats}")


if __name__ == "__main__":
    main()
