#!/usr/bin/env bash
# ira as one row of the peer benchmark harness (../shared/peers, docs/PERFORMANCE.md
# "Peers"): runs one ira command on a corpus and prints the one JSON line the harness
# reads: {"tool","version","items","errors","parse_s"}.
#
#   scripts/bench-peer-row.sh MODE CORPUS
#     parse         ira parse --no-conformance --format json   (read + overview: parse only)
#     parse-conf    ira parse --format json                    (+ base-R4 conformance, fhirbolt)
#     profile       ira profile -o FILE                        (read + walk every leaf + profile)
#     analyze       ira analyze --legacy CORPUS --format json -o FILE
#                   (the full analysis: parse, profile, map, the rules, JSON risk report)
#     analyze-j1    the same with --jobs 1
#
# items: messages or bundles, from the harness's CORPUS.meta.json (what the peers count),
# else from ira's own count (parse modes). parse_s: wall time of the ira process alone.
# IRA: the binary (default: target/release/ira beside this script). Written in plain
# bash so the wrapper adds milliseconds, not an interpreter's start-up.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
IRA="${IRA:-$ROOT/target/release/ira}"
MODE="${1:?usage: bench-peer-row.sh parse|parse-conf|profile|analyze|analyze-j1 CORPUS}"
CORPUS="${2:?usage: bench-peer-row.sh MODE CORPUS}"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/ira-peer.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
OUT="$TMP/out.json"

case "$MODE" in
  parse) args=(parse --no-conformance --format json -o "$OUT" "$CORPUS") ;;
  parse-conf) args=(parse --format json -o "$OUT" "$CORPUS") ;;
  profile) args=(profile "$CORPUS" -o "$OUT") ;;
  analyze) args=(analyze --legacy "$CORPUS" --format json -o "$OUT") ;;
  analyze-j1) args=(analyze --legacy "$CORPUS" --jobs 1 --format json -o "$OUT") ;;
  *) echo "bench-peer-row: unknown mode $MODE" >&2; exit 2 ;;
esac

t0=$(date +%s%N)
rc=0
"$IRA" "${args[@]}" >/dev/null 2>"$TMP/err" || rc=$?
t1=$(date +%s%N)
if [ "$rc" -gt 1 ]; then   # 1 = analyze's gate: the report is complete
  printf '{"tool":"ira %s","version":"?","items":0,"errors":-1,"first_error":"exit %s"}\n' "$MODE" "$rc"
  exit 0
fi

# The totals block of `ira parse --format json` ends the file: its last "errors"/"found".
errors=0
if [[ "$MODE" == parse* ]]; then
  errors=$(grep -o '"errors": [0-9]*' "$OUT" | tail -1 | grep -o '[0-9]*$' || echo 0)
fi
items=""
if [ -f "$CORPUS.meta.json" ]; then
  items=$(grep -oE '"(messages|bundles)": [0-9]+' "$CORPUS.meta.json" | head -1 | grep -oE '[0-9]+$' || true)
fi
if [ -z "$items" ] && [[ "$MODE" == parse* ]]; then
  items=$(grep -A1 '"messages": {' "$OUT" | tail -1 | grep -oE '[0-9]+' || echo 0)
fi
version="$("$IRA" --version | awk '{print $NF}')"
commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
printf '{"tool":"ira %s","version":"%s (%s)","items":%s,"errors":%s,"parse_s":%s}\n' \
  "$MODE" "$version" "$commit" "${items:-0}" "$errors" \
  "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f", (b-a)/1e9}')"
