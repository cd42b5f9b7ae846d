#!/bin/sh
# Fills fuzz/corpus/<target>/ with seeds from fixtures/ (run from anywhere).
# The corpora are not committed (.gitignore); this script rebuilds their seeds.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
corpus="$root/fuzz/corpus"
mkdir -p "$corpus/hl7" "$corpus/fhir" "$corpus/spec" "$corpus/profile_loaders" "$corpus/analyze"
n=0
# A seed file named after its fixture path (slashes become `_`).
name() { echo "$1" | sed "s|^$root/fixtures/||; s|/|_|g"; }

# hl7: every HL7 v2 fixture (plain, MLLP, batches, malformed).
find "$root/fixtures" -type f \( -name '*.hl7' -o -name '*.mllp' -o -name '*.txt' \) | sort |
while read -r f; do cp "$f" "$corpus/hl7/$(name "$f")"; done

# fhir: the first byte picks the reader (0 JSON, 1 NDJSON, 2 XML).
find "$root/fixtures" -type f \( -name '*.json' -o -name '*.ndjson' -o -name '*.xml' \) | sort |
while read -r f; do
    case "$f" in
        *.json) p='\000' ;;
        *.ndjson) p='\001' ;;
        *.xml) p='\002' ;;
    esac
    { printf "$p"; cat "$f"; } > "$corpus/fhir/$(name "$f")"
done

# spec: every ira.toml.
find "$root/fixtures" -type f -name '*.toml' | sort |
while read -r f; do cp "$f" "$corpus/spec/$(name "$f")"; done

# profile_loaders: StructureDefinitions, ValueSets, CodeSystems, ConceptMaps, and saved
# profiles (ira.profile/1) when the ira binary has been built.
find "$root/fixtures/profiles" "$root/fixtures/rules" -type f -name '*.json' | sort |
while read -r f; do cp "$f" "$corpus/profile_loaders/$(name "$f")"; done
ira="$root/target/debug/ira"
if [ -x "$ira" ]; then
    for d in v2 fhir demo; do
        "$ira" profile --format json "$root/fixtures/$d" > "$corpus/profile_loaders/saved-profile-$d.json" 2>/dev/null || true
    done
fi

# analyze: legacy v2 bytes, 0xFF, target FHIR bytes, 0xFF, target profile, 0xFF, spec
# (small files; every other seed with the demo spec).
small() { find "$1" -type f -size -6k \( -name "$2" \) | sort | head -n "$3"; }
i=0
for l in $(small "$root/fixtures/v2" '*.hl7' 12) $(small "$root/fixtures/demo" '*.hl7' 4); do
    for t in $(small "$root/fixtures/fhir" '*.json' 3) $(small "$root/fixtures/demo" '*.json' 2); do
        i=$((i + 1))
        out="$corpus/analyze/$(name "$l")--$(name "$t")"
        {
            cat "$l"; printf '\377'; cat "$t"; printf '\377'
            cat "$root/fixtures/profiles/target-patient.json"
            if [ $((i % 2)) -eq 0 ]; then printf '\377'; cat "$root/fixtures/demo/ira.toml"; fi
        } > "$out"
    done
done
for t in hl7 fhir spec profile_loaders analyze; do
    echo "$t: $(ls "$corpus/$t" | wc -l) seeds"
done
