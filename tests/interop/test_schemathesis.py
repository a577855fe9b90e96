"""The OpenAPI document says what the server enforces: schemathesis (pinned in
tests/requirements.txt) fuzzes every operation of /api/v1/openapi.json on a throwaway
`rrm serve --demo`, authenticated with an API token of an operator account made for the run
(the operator may call every operation, so none is answered only 401 or 403), and must find
zero failures: no 5xx, only documented statuses and content types, responses that match their
schemas, requests the document allows accepted and requests it forbids rejected.

Schemathesis fills path parameters from what it has seen (the Basic username, users and tokens
in responses), so it would disable, re-password or revoke its own credentials and test the rest
unauthenticated; the operations that can do that are pinned to a sacrificial demo user and token.

Run length: RRM_SCHEMATHESIS_EXAMPLES (default 25 cases per operation in the fuzzing phase,
besides the examples and coverage phases) bounds it to about two minutes on two cores; the seed
is fixed so a failure reproduces.
"""

import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

from conftest import run_rrm
from demo_hub import DemoHub

# Operations where a schema-valid request may still be refused with 400, and why. Each keeps
# every other check (documented statuses, schemas, negative data rejected).
POSITIVE_400 = {
    # `next`/`cursor` are opaque server-issued cursors: any other string is a bad_cursor (400),
    # which no schema can express.
    "listObjects": "opaque cursor",
    # Opaque cursor, and cross-field rules (from <= to, spend_min <= spend_max).
    "searchPublicAds": "opaque cursor and ordered ranges",
    # A submission is validated by the adrules model beyond its JSON shape (ISO country and
    # currency codes, ordered dates, registered elections, sponsors and platforms).
    "submitAd": "adrules semantics",
    # Elections and sponsors are adrules records, which the document gives only as objects.
    "putElection": "adrules record",
    "putSponsor": "adrules record",
    # Uploads whose content is parsed: random bytes are not an image or a post file, and a
    # random string is not a hash, which the document says but no schema can check.
    "hashImage": "image content",
    "match": "image content and hash syntax",
    "uploadDataset": "post file content",
    # Alerts name organisations, groups and stored objects that must exist (and be visible to
    # every recipient), and a respond-by time in the future; the inbox takes an opaque cursor.
    "raiseAlert": "existing recipients, visible objects, a future respond-by",
    "forwardAlert": "existing recipients, visible objects",
    "listAlerts": "opaque cursor",
    "createGroup": "existing member organisations",
    "addGroupMember": "existing organisation",
    "removeGroupMember": "existing organisation",
    # A webhook URL must be https (or http on loopback) with a host, and a contact a plain
    # local@domain address: checked by the server, not expressible as a usable schema.
    "createWebhook": "URL syntax",
    "createEmailContact": "address syntax",
    # Response cases: organisations, objects, countermeasures and collections are looked up,
    # due times and deadlines must lie in the future, a quorum may not exceed the case's
    # organisations, a reopen reason may not be blank, and the list cursor is opaque.
    "listCases": "opaque cursor",
    "createCase": "registered organisations, visible objects, an alert the organisation sent or received",
    "reopenCase": "a reason that is not blank",
    "addCaseParticipant": "a registered organisation",
    "removeCaseParticipant": "an organisation taking part",
    "addCaseObject": "a visible object",
    "draftCaseAction": "registered organisations, countermeasure, a future due time",
    "openCaseVote": "quorum within the electorate, a future deadline",
    "publishCase": "a collection the caller may write",
    # An impact carries the sub-extension its category names, an end after its start, entity
    # types in lower case and text without control characters.
    "recordCaseImpact": "the category's own sub-extension, end after start",
    # Cross-field and state rules: a leaf index below the tree size, sizes in order, and
    # sizes the audit log has reached.
    "auditInclusionProof": "index < size <= the log's size",
    "auditConsistencyProof": "old <= new <= the log's size",
    # Notices: each kind's legal or format rules beyond the JSON shape (every missing element),
    # a platform or ISP recipient that exists, stored objects the recipient may see, statements
    # of reasons under the Transparency Database's rules, item indexes the notice has, text
    # that is not blank, and opaque cursors.
    "createNotice": "each kind's rules, an existing platform or ISP recipient",
    "createNoticeVersion": "each kind's rules",
    "listNotices": "opaque cursor",
    "noticeInbox": "opaque cursor",
    "exportNoticeStatements": "opaque cursor",
    "findNoticeDecisions": "a puid that is not blank",
    "sendNotice": "referenced objects the recipient may see",
    "decideNotice": "statements of reasons under the Database's rules, existing items",
    "appealNotice": "reasons that are not blank",
    "answerNoticeAppeal": "an explanation that is not blank",
    # Breach reports: the list cursor is opaque.
    "listBreaches": "opaque cursor",
    # Notice statistics: `from`/`to` are RFC 3339 times or dates, which the document's `string`
    # cannot express; findings need a published grouping, a collection and base64 images that
    # exist, and a re-check needs fresh data for the notice's items.
    "noticeStats": "from/to as RFC 3339 times or dates",
    "publishNoticeStats": "from/to as RFC 3339 times or dates, a collection the caller may write",
    "createNoticeFromDetection": "a published grouping in an existing collection",
    "createNoticeFromMatch": "base64 images or PDQ hashes that match a bank",
    "recheckNotice": "a finished later detection or later uploads of the notice's items",
    # A detection names at least one known network; a publication at least one group of the job;
    # a bank entry's value is a hash of its signal type (64 hex digits for PDQ).
    "startDetection": "at least one known network",
    "publishDetection": "at least one group of the job",
    "addEntries": "a value that is a hash of its signal type",
}

# Mismatches between the document and the server that a run found, each allowed here narrowly
# (so everything else stays checked) until it is fixed in the OpenAPI document or the handlers.
# None is open: the first authenticated runs found four (auditLog's `after` beyond the 64-bit
# range, addEntries' `entries` not marked required, setPassword's `current_password` of the wrong
# type ignored on a reset, a breach count written as 29923783.0 refused), all fixed, with
# regression tests in crates/server/tests/it and crates/response (breach counts).
KNOWN_POSITIVE_400: dict[str, str] = {}
KNOWN_NEGATIVE_ACCEPTED = {
    # serde reads a struct from a JSON array as well as from an object, so an array body is
    # accepted as an update that changes nothing; the document says object. A known defect.
    "updateBank": "an array body read as an empty update",
}

# Operations not fuzzed, and why. A ping makes the hub POST to the webhook's URL, and a URL the
# fuzzer made up may name a host off this machine; tests/interop/test_notify.py and the server's
# openapi_responses test cover the ping route.
EXCLUDED = {"pingWebhook": "would send requests to URLs the fuzzer made up"}

# The demo user whose account and token the fuzzer may disable, re-password and revoke.
SACRIFICE = "lab-reader"
# Operations that could lock the fuzzer's own operator out, and the path parameter pinned.
PINNED = {
    "disableUser": "username",
    "enableUser": "username",
    "setPassword": "username",
    "revokeToken": "lookup",
}


def config_text(sacrifice_lookup):
    values = {"username": SACRIFICE, "lookup": sacrifice_lookup}
    lines = [
        "[checks.positive_data_acceptance]",
        'expected-statuses = ["2xx", "401", "403", "404", "409"]',
        "",
    ]
    for op in [*POSITIVE_400, *KNOWN_POSITIVE_400]:
        lines += [
            "[[operations]]",
            f'include-operation-id = "{op}"',
            'checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409"]',
            "",
        ]
    for op, param in PINNED.items():
        lines += [
            "[[operations]]",
            f'include-operation-id = "{op}"',
            f'parameters = {{ "path.{param}" = "{values[param]}" }}',
        ]
        if op in KNOWN_NEGATIVE_ACCEPTED:
            lines.append('checks.negative_data_rejection.expected-statuses = ["2xx", "4xx"]')
        lines.append("")
    for op in KNOWN_NEGATIVE_ACCEPTED:
        if op not in PINNED:
            lines += [
                "[[operations]]",
                f'include-operation-id = "{op}"',
                'checks.negative_data_rejection.expected-statuses = ["2xx", "4xx"]',
                "",
            ]
    return "\n".join(lines)


# Who fuzzes what: (identity, organisation, role, paths). The operator may do everything
# except what belongs to a member organisation: an operator may not change response records
# (cases, alerts), and the ad registry's elections and sponsors are an election authority's.
# Every operation is fuzzed by exactly one identity that may call it.
MEMBER_PATHS = {
    "st-ca-admin": ("gov-ca", "admin", r"^/api/v1/(cases|alerts)(/|$)"),
    "st-ec-admin": ("elections-ca", "admin", r"^/api/v1/(elections|sponsors)(/|$)"),
}
IDENTITIES = ["st-operator", *MEMBER_PATHS]


@pytest.fixture(scope="module")
def demo(rrm_bin):
    d = pathlib.Path(tempfile.mkdtemp(prefix="rrm-st-"))
    # The public rate limit, and the login backoff (schemathesis sends wrong credentials on
    # purpose), would turn most requests into 429s.
    h = DemoHub(rrm_bin, d, env={"RRM_PUBLIC_RATE": "0", "RRM_AUTH_FREE_FAILURES": "0"})
    try:
        # Token-only accounts, made while the hub runs (the CLI writes the same database).
        accounts = {"st-operator": ("gov-ca", "operator"), **{k: v[:2] for k, v in MEMBER_PATHS.items()}}
        h.tokens = {}
        for user, (org, role) in accounts.items():
            run_rrm(rrm_bin, d, "admin", "user", "add", org, user, "--role", role)
            h.tokens[user] = run_rrm(rrm_bin, d, "admin", "token", "create", user).stdout.strip()
        spare = run_rrm(rrm_bin, d, "admin", "token", "create", SACRIFICE).stdout.strip()
        # rrm_<lookup>_<secret>
        h.sacrifice_lookup = spare.split("_")[1]
        yield h
    finally:
        h.stop()
        shutil.rmtree(d, ignore_errors=True)


def st_bin():
    exe = pathlib.Path(sys.executable).parent / "st"
    return str(exe) if exe.exists() else "st"


@pytest.mark.parametrize("identity", IDENTITIES)
def test_schemathesis_finds_no_failures(demo, identity, tmp_path):
    cfg = tmp_path / "schemathesis.toml"
    cfg.write_text(config_text(demo.sacrifice_lookup))
    examples = os.environ.get("RRM_SCHEMATHESIS_EXAMPLES", "25")
    if identity in MEMBER_PATHS:
        paths = ["--include-path-regex", MEMBER_PATHS[identity][2]]
    else:
        # Only the last --exclude-path-regex counts, so one pattern excludes all of them.
        paths = ["--exclude-path-regex", "|".join(f"(?:{rx})" for _, _, rx in MEMBER_PATHS.values())]
    cmd = [
        st_bin(),
        "--config-file", str(cfg),
        "run", f"{demo.url}/api/v1/openapi.json",
        "--header", f"Authorization: Bearer {demo.tokens[identity]}",
        "--checks", ",".join([
            "not_a_server_error",
            "status_code_conformance",
            "content_type_conformance",
            "response_schema_conformance",
            "negative_data_rejection",
            "positive_data_acceptance",
        ]),
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", examples,
        "--seed", os.environ.get("RRM_SCHEMATHESIS_SEED", "9"),
        # One worker: with several, CPython 3.11's ast.parse (called by Hypothesis from worker
        # threads) can fail with "AST constructor recursion depth mismatch"; one worker also
        # makes the run reproducible from its seed.
        "--workers", "1",
        *paths,
        *[arg for op in EXCLUDED for arg in ("--exclude-operation-id", op)],
        "--request-timeout", "30",
        "--no-color",
    ]
    # In tmp_path, so schemathesis's own cache (.schemathesis/) stays out of the repository.
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    out = proc.stdout + proc.stderr
    (tmp_path / "schemathesis.out").write_text(out)
    # The failures come first, the summary last.
    assert proc.returncode == 0, out[:15000] + "\n...\n" + out[-3000:]
    m = re.search(r"Selected: (\d+)/\d+\s+Tested: (\d+)", out)
    assert m and m.group(1) == m.group(2) and int(m.group(1)) > 0, out[-3000:]
    assert " passed" in out, out[-3000:]
    # Every operation was reached with valid credentials and powers to call it.
    assert "Authentication failed" not in out, out[-6000:]

