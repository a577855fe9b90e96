"""Shared fixtures for the interop tests: the real rrm binary, shared data, a running hub."""

import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def _find_bin():
    env = os.environ.get("RRM_BIN")
    if env:
        return pathlib.Path(env)
    for profile in ("release", "debug"):
        candidate = REPO / "target" / profile / "rrm"
        if candidate.exists():
            return candidate
    raise RuntimeError("no rrm binary: build it with `cargo build -p rrm` or set RRM_BIN")


@pytest.fixture(scope="session")
def rrm_bin():
    """Path of the rrm binary under test."""
    return _find_bin()


@pytest.fixture(scope="session")
def shared_dir():
    """Path of the read-only shared/ folder beside the repository."""
    path = pathlib.Path(os.environ.get("RRM_SHARED", REPO.parent / "shared"))
    assert path.is_dir(), f"shared data not found at {path}"
    return path


def run_rrm(rrm_bin, data_dir, *args, stdin=None, check=True):
    """Runs `rrm --data DATA ARGS...` and returns the completed process."""
    proc = subprocess.run(
        [str(rrm_bin), "--data", str(data_dir), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"rrm {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


class Hub:
    """A running `rrm serve` on a loopback port with a fresh data directory."""

    def __init__(self, rrm_bin, data_dir):
        self.bin = rrm_bin
        self.data = data_dir
        self.proc = None
        self.url = None

    def cli(self, *args, stdin=None, check=True):
        return run_rrm(self.bin, self.data, *args, stdin=stdin, check=check)

    def org(self, slug, sector="government", country="CA", name=None):
        self.cli("admin", "org", "add", slug, "--name", name or slug, "--sector", sector, "--country", country)

    def user(self, org, name, role="analyst", password="correct horse battery"):
        self.cli("admin", "user", "add", org, name, "--role", role, "--password-stdin", stdin=password + "\n")
        return (name, password)

    def collection(self, slug, title=None, default_tlp=None):
        args = ["admin", "collection", "add", slug, "--title", title or slug]
        if default_tlp:
            args += ["--default-tlp", default_tlp]
        return self.cli(*args).stdout.strip()

    def grant(self, org, collection, write=False):
        args = ["admin", "grant", org, collection, "--read"]
        if write:
            args.append("--write")
        self.cli(*args)

    def start(self, *extra):
        log = open(self.data / "server.log", "w")
        self.proc = subprocess.Popen(
            [str(self.bin), "--data", str(self.data), "serve", "--listen", "127.0.0.1:0", *extra],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                if self.proc.poll() is not None:
                    raise AssertionError(f"rrm serve exited: {(self.data / 'server.log').read_text()}")
                continue
            m = re.search(r"listening on (https?://\S+)", line)
            if m:
                self.url = m.group(1).rstrip("/")
                return self
        raise AssertionError("rrm serve did not report its address within 30 s")

    def stop(self, kill=False):
        if self.proc and self.proc.poll() is None:
            if kill:
                self.proc.kill()
            else:
                self.proc.terminate()
            self.proc.wait(timeout=30)
        self.proc = None


@pytest.fixture
def new_hub(rrm_bin):
    """A factory for fresh hubs (not started); every hub is stopped at teardown."""
    hubs = []
    dirs = []

    def make():
        d = pathlib.Path(tempfile.mkdtemp(prefix="rrm-test-"))
        dirs.append(d)
        hub = Hub(rrm_bin, d)
        hubs.append(hub)
        return hub

    yield make
    for hub in hubs:
        hub.stop()
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)
