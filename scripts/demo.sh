#!/usr/bin/env bash
# The README's first command. Until the storage and demo issues land, it builds the core and
# runs the foundation's end-to-end checks: real signatures, canonical entries, Merkle proofs and a
# signed checkpoint, both suites.
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"
swift build
exec swift test --filter "EndToEnd"
