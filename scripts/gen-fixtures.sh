#!/usr/bin/env bash
# Regenerates the verifier's corpus in Fixtures/ledgers from the TEST-ONLY keys in Fixtures/keys
# with a fixed clock: the same bytes on every run, so a diff of Fixtures/ledgers shows exactly
# what a change to the format, the writer or the verifier's reports did. Review, then commit.
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"
swift build --product flowledger-fixtures
"$(swift build --show-bin-path)/flowledger-fixtures" Fixtures/ledgers Fixtures/keys
