#!/bin/sh
# Rule-check throughput of the political-ad rules engine (issue 5), printed as a table.
# Reports checks per wall-clock second and per second of the benchmark thread's CPU time; on a
# shared machine the CPU figure is the one-core throughput. Not run by scripts/test.
set -eu
cd "$(dirname "$0")/.."
exec cargo bench -p adrules --bench check
