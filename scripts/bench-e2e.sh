#!/usr/bin/env bash
# End-to-end benchmark of `ira analyze` (issue 6): builds the release binaries, generates
# seeded corpora with the repo's own generator `ira-gen` (cached), times `ira analyze`
# with --jobs 1 and --jobs 2, and prints one Markdown table: wall time, MB/s, messages/s
# and peak RSS; then the wall time of `ira analyze --spec fixtures/demo/ira.toml`.
# Not part of `cargo test`.
#
#   scripts/bench-e2e.sh                 # 100 MB and 1 GB (1 GB = 1024 MiB), HL7 v2 and FHIR NDJSON
#   scripts/bench-e2e.sh 10              # one size, in MiB (decimals allowed: 0.5)
#   FORMATS=hl7 RUNS=3 scripts/bench-e2e.sh 100 1024
#
# Environment:
#   FORMATS   "hl7 fhir" (default) or one of them. hl7 = `ira-gen hl7` (newline framing,
#             CR segment terminators); fhir = `ira-gen fhir-ndjson`, one resource a line.
#   JOBS      "1 2" (default): the --jobs values to time.
#   RUNS      runs per row (default 1); the table gives the median wall time and the
#             median peak RSS, and lists every run's wall time.
#   SEED      generator seed (default 1). Same seed and size give the same bytes.
#   FILES     1 (default): each corpus is one file. K > 1: the same bytes split into K
#             files at message (line) boundaries (`split -n l/K`), for builds whose
#             analyze parallelises across files only.
#   CORPUS_DIR  corpus cache (default <repo>/target/bench-corpus, ignored by git).
#   NO_BUILD=1  use target/release/{ira,ira-gen} as they are.
#   IRA_ANALYZE_ARGS  extra arguments for every timed `ira analyze` (e.g.
#             `--conformance`: the base-R4 check of FHIR resources, fhirbolt).
#
# What is timed: `ira analyze --legacy <corpus> --format json -o <file> --jobs N`, the
# whole process (reading, parsing, profiling, mapping, the rules, rendering the JSON
# report and hashing the inputs for its provenance). FHIR NDJSON is given as --legacy
# (a FHIR source profiled and checked by the sample rules), read as `ira analyze` reads
# by default (without the base-R4 conformance check unless IRA_ANALYZE_ARGS asks). Reports of --jobs 1 and
# --jobs N are compared byte for byte (SOURCE_DATE_EPOCH pins the timestamp): the table
# says whether they match.
# MB/s = 10^6 bytes per second of wall time; corpus sizes are in MiB as ira-gen takes them.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
FORMATS="${FORMATS:-hl7 fhir}"
JOBS="${JOBS:-1 2}"
RUNS="${RUNS:-1}"
SEED="${SEED:-1}"
FILES="${FILES:-1}"
CORPUS_DIR="${CORPUS_DIR:-$ROOT/target/bench-corpus}"
IRA_ANALYZE_ARGS="${IRA_ANALYZE_ARGS:-}"
SIZES=("$@")
if [ ${#SIZES[@]} -eq 0 ]; then SIZES=(100 1024); fi

die() { echo "bench-e2e: $*" >&2; exit 2; }
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
case "$FILES" in ''|*[!0-9]*|0) die "FILES must be a whole number >= 1";; esac
case "$RUNS" in ''|*[!0-9]*|0) die "RUNS must be a whole number >= 1";; esac
for s in "${SIZES[@]}"; do
  [[ "$s" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "size '$s' is not a number of MiB"
done
for f in $FORMATS; do
  case "$f" in hl7|fhir) ;; *) die "FORMATS: unknown format '$f' (hl7, fhir)";; esac
done

IRA="$ROOT/target/release/ira"
GEN="$ROOT/target/release/ira-gen"
if [ "${NO_BUILD:-0}" != 1 ]; then
  echo "# building release binaries (ira, ira-gen)" >&2
  (cd "$ROOT" && cargo build --release --quiet -p ira-cli -p ira-gen)
fi
[ -x "$IRA" ] && [ -x "$GEN" ] || die "release binaries missing: run without NO_BUILD=1"
mkdir -p "$CORPUS_DIR"
OUT="$(mktemp -d "${TMPDIR:-/tmp}/ira-bench-e2e.XXXXXX")"
trap 'rm -rf "$OUT"' EXIT
export SOURCE_DATE_EPOCH=0

# corpus FORMAT SIZE -> prints the path to analyse; writes FILE.meta ("items bytes") once.
corpus() {
  local fmt="$1" size="$2" file ext cmd
  case "$fmt" in
    hl7) ext=hl7; cmd=hl7 ;;
    fhir) ext=ndjson; cmd=fhir-ndjson ;;
  esac
  file="$CORPUS_DIR/${fmt}_${size}mib_s${SEED}.$ext"
  if [ ! -f "$file.meta" ] || [ ! -f "$file" ]; then
    echo "# generating $file" >&2
    rm -f "$file" "$file.meta"
    local log
    log="$("$GEN" "$cmd" --size-mb "$size" --seed "$SEED" -o "$file.tmp" 2>&1)" || die "ira-gen failed: $log"
    # "ira-gen: 65889 HL7 messages, 104857600 bytes" -> "65889 104857600"
    echo "$log" | sed -n 's/^ira-gen: \([0-9]*\) .*, \([0-9]*\) bytes$/\1 \2/p' > "$file.meta.tmp"
    [ -s "$file.meta.tmp" ] || die "unexpected ira-gen output: $log"
    mv "$file.tmp" "$file" && mv "$file.meta.tmp" "$file.meta"
  fi
  if [ "$FILES" -gt 1 ]; then
    local dir="$file.split$FILES"
    if [ ! -f "$dir/.done" ]; then
      rm -rf "$dir" && mkdir -p "$dir"
      (cd "$dir" && split -n "l/$FILES" -d -a 3 --additional-suffix=".$ext" "$file" part-)
      touch "$dir/.done"   # hidden: discovery skips it
    fi
    echo "$dir"
  else
    echo "$file"
  fi
}

now_ns() { date +%s%N; }

# run_once OUTFILE ARGS... -> prints "wall_s rss_kb exit"
run_once() {
  local out="$1"; shift
  local t0 t1 rc=0
  t0=$(now_ns)
  /usr/bin/time -f "%M" -o "$OUT/time" "$IRA" analyze "$@" --format json -o "$out" >/dev/null 2>"$OUT/stderr" || rc=$?
  t1=$(now_ns)
  # exit 1 = the gate said no: the report is complete, the run counts.
  if [ "$rc" -gt 1 ]; then
    echo "bench-e2e: ira analyze $* failed (exit $rc):" >&2
    grep -v "Command exited with non-zero status" "$OUT/stderr" >&2 || true
    exit 2
  fi
  echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)/1e9}') $(tail -1 "$OUT/time") $rc"
}

median() { sort -g | awk '{v[NR]=$1} END{ if (NR%2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2 }'; }

echo "# machine: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo); load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "# $("$IRA" --version), $(rustc --version 2>/dev/null || echo rustc ?), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo ?)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo '+dirty'), $(date -u '+%Y-%m-%d %H:%M UTC')" >&2

ROWS=()
for size in "${SIZES[@]}"; do
  for fmt in $FORMATS; do
    path="$(corpus "$fmt" "$size")"
    base="$CORPUS_DIR/$( [ "$fmt" = hl7 ] && echo "hl7_${size}mib_s${SEED}.hl7" || echo "fhir_${size}mib_s${SEED}.ndjson")"
    read -r items bytes < "$base.meta"
    first_report=""
    for j in $JOBS; do
      walls=(); rsss=()
      for r in $(seq "$RUNS"); do
        echo "# $fmt ${size} MiB, --jobs $j, run $r/$RUNS" >&2
        # shellcheck disable=SC2086
        res="$(run_once "$OUT/report-j$j.json" --legacy "$path" --jobs "$j" $IRA_ANALYZE_ARGS)"
        read -r w m _ <<< "$res"
        walls+=("$w"); rsss+=("$m")
      done
      wall=$(printf '%s\n' "${walls[@]}" | median)
      rss=$(printf '%s\n' "${rsss[@]}" | median)
      same="—"
      if [ -z "$first_report" ]; then
        first_report="$OUT/report-first.json"; cp "$OUT/report-j$j.json" "$first_report"
      elif cmp -s "$first_report" "$OUT/report-j$j.json"; then same="yes"
      else same="**no**"; fi
      ROWS+=("$(awk -v f="$fmt" -v s="$size" -v n="$FILES" -v j="$j" -v w="$wall" -v b="$bytes" -v i="$items" \
        -v m="$rss" -v all="${walls[*]}" -v same="$same" 'BEGIN{
          printf "| %s | %s MiB (%.0f MB), %d file%s | %d | %s | %.1f | %.0f | %.0f | %s |",
            (f=="hl7" ? "HL7 v2" : "FHIR NDJSON"), s, b/1e6, n, (n>1?"s":""), j,
            (index(all," ") ? w " (" all ")" : w), b/1e6/w, i/w, m/1024, same }')")
    done
  done
done

# The demo interface: milliseconds, so several runs and the median (ms resolution).
DEMO_RUNS=$(( RUNS > 5 ? RUNS : 5 ))
demo=()
for r in $(seq "$DEMO_RUNS"); do
  res="$(cd "$ROOT" && run_once "$OUT/demo.json" --spec fixtures/demo/ira.toml)"
  read -r w _ _ <<< "$res"
  demo+=("$w")
done
demo_ms=$(printf '%s\n' "${demo[@]}" | median | awk '{printf "%.0f", $1*1000}')

echo
echo "| corpus | size | --jobs | wall s | MB/s | messages/s | peak RSS MB | report = first --jobs |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${ROWS[@]}"
echo
echo "Demo: \`ira analyze --spec fixtures/demo/ira.toml --format json\`: median **${demo_ms} ms** wall over $DEMO_RUNS runs ($(printf '%s ' "${demo[@]}")s)."
echo "(messages/s counts HL7 messages or FHIR resources; MB = 10^6 bytes; peak RSS from /usr/bin/time %M)"
