#!/bin/sh
# The demo behind `make demo`: the built-in simulator on a free loopback
# port with a 1-second "minute", the demo pipeline on a messy HubSpot
# export, a no-op re-run, a handful of edits sent as PATCHes, and the calls
# the simulator's agents made meanwhile pulled into out/calls.xlsx and
# out/calls.csv.
set -eu
bin=${1:-bin/alexsync}
root=$(pwd)
out=$root/out/demo
rm -rf "$out" "$root"/out/calls.*
mkdir -p "$out"
chmod 700 "$out"
cp testdata/crm_contacts.csv "$out/contacts.csv"

"$bin" sim --addr 127.0.0.1:0 --key sk_test_demo --minute 1s --call-rate 10 --late-after 3s >"$out/sim.log" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null' EXIT INT TERM
i=0
until grep -q 'listening on' "$out/sim.log"; do
  i=$((i + 1))
  [ $i -lt 100 ] || { cat "$out/sim.log"; exit 1; }
  sleep 0.1
done
url=$(grep -o 'http://[^ ]*/v1' "$out/sim.log")
echo "== $(head -n 1 "$out/sim.log")"

export SMARTALEX_API_KEY=sk_test_demo ALEXSYNC_DEMO_MINUTE=1s ALEXSYNC_DEMO_SOURCE="$out/contacts.csv"
step() {
  echo
  echo "== alexsync $*"
  "$bin" "$@" || { code=$?; [ $code -eq 4 ] || exit $code; }
}
step run pipelines/demo-import.yaml --api-url "$url" --dry-run
step run pipelines/demo-import.yaml --api-url "$url" --report "$out/report.json"
step run pipelines/demo-import.yaml --api-url "$url"

echo
echo "== editing the email of 5 contacts in $out/contacts.csv"
awk -F, 'BEGIN{OFS=","} NR>1 && n<5 && $1 ~ /^50[0-9][0-9]$/ && $2 != "" && $4 ~ /^[a-z.]+[0-9]+@example\.com$/ && ($5 $6) ~ /[0-9][0-9][0-9]-?[0-9][0-9][0-9][0-9]/ {sub(/@example\.com/, "@newmail.example", $4); n++} {print}' \
  "$out/contacts.csv" >"$out/contacts.edited" && mv "$out/contacts.edited" "$out/contacts.csv"
step run pipelines/demo-import.yaml --api-url "$url"

step run pipelines/demo-calls.yaml --api-url "$url"
step run pipelines/demo-calls-csv.yaml --api-url "$url"

echo
echo "== simulator: $(curl -s "${url%/v1}/_sim/stats" 2>/dev/null | head -c 160 || echo "(curl not installed)")"
echo "== report: $out/report.json   rejects: $out/rejects.csv   calls: $root/out/calls.xlsx, $root/out/calls.csv"
