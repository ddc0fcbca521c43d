#!/usr/bin/env bash
# Counts the library's public surface from the compiled modules (swift-symbolgraph-extract):
# per module, the public symbols, how many of them `import FlowLedger` reaches (FlowLedger's own,
# and the members of the declarations Sources/FlowLedger/Exports.swift re-exports), and how many
# lack a doc comment. Run after `swift build`.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(swift build --show-bin-path)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
includes=(-I "$bin/Modules" -I Sources/COpenSSL)
while IFS= read -r map; do includes+=(-I "$(dirname "$map")"); done < <(find .build/checkouts "$bin" -name module.modulemap -not -path "*-tool.build/*")
for module in LedgerCrypto LedgerCore LedgerStore LedgerVerify LedgerProjection FlowLedger; do
    swift-symbolgraph-extract -module-name "$module" -target "$(uname -m)-unknown-linux-gnu" "${includes[@]}" \
        -minimum-access-level public -output-dir "$out" >/dev/null
done
exports="$(awk '/^@_exported import /{print $4}' Sources/FlowLedger/Exports.swift | paste -sd, -)"
python3 - "$out" "$exports" <<'PY'
import glob, json, sys
directory, exports = sys.argv[1], set(sys.argv[2].split(","))
total = reached = undocumented = 0
for path in sorted(glob.glob(directory + "/*.symbols.json")):
    graph = json.load(open(path))
    module = graph["module"]["name"]
    symbols = [s for s in graph["symbols"] if s.get("accessLevel") in ("public", "open")
               and "::SYNTHESIZED::" not in s["identifier"]["precise"]]
    reach = [s for s in symbols if module == "FlowLedger" or f"{module}.{s['pathComponents'][0]}" in exports]
    bare = [s for s in symbols if not s.get("docComment")]
    total, reached, undocumented = total + len(symbols), reached + len(reach), undocumented + len(bare)
    print(f"{module:18} {len(symbols):5} public  {len(reach):5} via import FlowLedger  {len(bare):3} without doc comment")
print(f"{'all':18} {total:5} public  {reached:5} via import FlowLedger  {undocumented:3} without doc comment")
PY
