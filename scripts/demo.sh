#!/usr/bin/env bash
# The README's first command: `flowledger demo` (a city's week of data exchange built through
# the library, checkpointed, verified and projected; flows and violations printed), a look at the
# views with `views`, `query` and `verify --views`; then the same kind of job step by step with
# the real CLI on a fresh ledger: keys, init, signed appends (one signed offline), checkpoints,
# an inclusion and a consistency proof, a refused append, and a regulator's verify.
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"
swift build --product flowledger
bin="$(swift build --show-bin-path)/flowledger"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
step() { printf '\n== %s\n' "$*"; }

step "flowledger demo: build, checkpoint, verify and project a realistic ledger"
"$bin" demo "$work/city"

step "the views a regulator reads next: grants with their status, violations as JSON for a script"
"$bin" views "$work/city" grants
"$bin" views "$work/city" violations --json | cut -c1-400

step "read-only SQL over the views; a statement that writes is refused"
"$bin" query "$work/city" "SELECT recipient, count(*) AS exchanges, sum(records) AS records FROM exchanges GROUP BY recipient"
"$bin" query "$work/city" "DELETE FROM violations" || echo "(refused, exit $?)"

step "verify --views: the views file is exactly what the log implies"
"$bin" verify "$work/city" --views || echo "flowledger verify exited $? (3: intact, with the demo's policy violations)"

step "the same kind of job step by step with the CLI"

step "keys for the operator, a ride-hailing platform and the city transport commission"
"$bin" keygen --out "$work/operator.pem"
ride_key=$("$bin" keygen --out "$work/ride.pem" | awk '/^key /{print $2}')
transport_key=$("$bin" keygen --out "$work/transport.pem" | awk '/^key /{print $2}')

step "flowledger init"
"$bin" init "$work/ledger" --origin exchange.sh.gov.example/2026 --operator-key "$work/operator.pem" \
  --operator-id ops.exchange --operator-name "Shanghai data exchange"

step "the operator registers both parties"
"$bin" append "$work/ledger" --key "$work/operator.pem" --author ops.exchange <<JSON
{"type":"party.registered","id":"reg-ride","at":"2026-11-23T08:00:00Z","body":{"party":"ride.example","name":"Ride platform","kind":"enterprise","roles":["provider"],"key":"$ride_key"}}
{"type":"party.registered","id":"reg-transport","at":"2026-11-23T08:00:00Z","body":{"party":"transport.sh","name":"Transport commission","kind":"government","roles":["recipient"],"key":"$transport_key"}}
JSON

step "the platform signs offline (flowledger sign) and the ledger appends (append --signed)"
digest=$(printf 'trip records 2026-11-23' | openssl dgst -sha256 -r | cut -c1-64)
"$bin" sign --key "$work/ride.pem" --author ride.example --origin exchange.sh.gov.example/2026 > "$work/signed.jsonl" <<JSON
{"type":"dataset.cataloged","id":"cat-trips","at":"2026-11-23T08:01:00Z","body":{"dataset":"trips","title":"Trip records","sharing":"conditional","level":"important","fields":["driver","end","start"]}}
{"type":"grant.issued","id":"grant-1","at":"2026-11-23T08:02:00Z","body":{"grant":"g-1","dataset":"trips","grantee":"transport.sh","purpose":"supervision","fields":["end","start"],"from":"2026-11-23T00:00:00Z","until":"2027-11-23T00:00:00Z","basis":"Municipal transport regulation art. 12"}}
{"type":"exchange.sent","id":"x-1","at":"2026-11-23T08:03:00Z","body":{"exchange":"x-1","dataset":"trips","recipient":"transport.sh","grant":"g-1","purpose":"supervision","fields":["end","start"],"records":1200,"bytes":480000,"digest":"$digest"}}
JSON
"$bin" append "$work/ledger" --signed "$work/signed.jsonl"
"$bin" checkpoint "$work/ledger" --key "$work/operator.pem"

step "the commission acknowledges; the operator checkpoints again"
"$bin" append "$work/ledger" --key "$work/transport.pem" --author transport.sh <<JSON
{"type":"exchange.received","id":"ack-x-1","at":"2026-11-23T09:00:00Z","body":{"exchange":"x-1","digest":"$digest","records":1200}}
JSON
"$bin" checkpoint "$work/ledger" --key "$work/operator.pem"

step "a regulator asks for proofs: entry 5 (the exchange) in the latest checkpoint, and consistency 6 -> 7"
"$bin" prove "$work/ledger" --seq 5
"$bin" prove "$work/ledger" --old 6 --json
echo "verifier key: $("$bin" vkey "$work/ledger")"

step "an exchange to a party that is not a registered recipient is refused, and nothing is written"
if "$bin" append "$work/ledger" --key "$work/ride.pem" --author ride.example <<JSON
{"type":"exchange.sent","id":"x-2","body":{"exchange":"x-2","dataset":"trips","recipient":"unknown.example","purpose":"resale","fields":["driver"],"records":1,"bytes":1,"digest":"$digest"}}
JSON
then echo "unexpected: the append was accepted"; exit 1; fi
ls -l "$work/ledger/log"

step "a regulator verifies the whole ledger from its files, with the operator's verifier key"
"$bin" vkey "$work/ledger" > "$work/operator.vkey"
"$bin" verify "$work/ledger" --vkey "$work/operator.vkey" || status=$?
echo "flowledger verify exited ${status:-0} (0 intact and compliant, 1 integrity broken, 3 policy violations)"
