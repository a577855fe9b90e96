"""A throwaway `rrm serve --demo` on a loopback port, for tests that need the demo's data."""

import os
import re
import subprocess
import time

PASSWORD = "rrm-demo-password"


class DemoHub:
    """A running demo hub in a fresh data directory."""

    def __init__(self, rrm_bin, data_dir, env=None):
        log = open(data_dir / "server.log", "w")
        self.data = data_dir
        self.bin = rrm_bin
        self.proc = subprocess.Popen(
            [str(rrm_bin), "--data", str(data_dir), "serve", "--demo", "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self.url = None
        deadline = time.time() + 60
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                if self.proc.poll() is not None:
                    raise AssertionError(f"rrm serve exited: {(data_dir / 'server.log').read_text()}")
                continue
            m = re.search(r"listening on (https?://\S+)", line)
            if m:
                self.url = m.group(1).rstrip("/")
                break
        if self.url is None:
            raise AssertionError("rrm serve --demo did not report its address within 60 s")
        # The banner follows the address; drain it so the pipe never fills.
        self.proc.stdout.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
