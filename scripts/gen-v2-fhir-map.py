#!/usr/bin/env python3
"""Generate ira's v2 -> FHIR R4 map data from the HL7 V2-to-FHIR mapping tables.

Usage:
    scripts/gen-v2-fhir-map.py SOURCE_DIR [OUT_DIR]

SOURCE_DIR is the folder holding the guide's mapping tables exported as CSV
(`segments/`, `datatypes/`, `codesystems/`, `messages/`). OUT_DIR defaults to
`crates/ira-analyze/data/v2-fhir`. Only the facts ira uses are written, in ira's own
tab-separated format (see docs/mapping.md); the CSVs themselves are never copied.

Standard library only. The output is deterministic: same input, same bytes.
"""

import csv
import os
import re
import sys
from collections import Counter

# The guide version the committed data was derived from; update when regenerating
# from another export.
GUIDE = "HL7 V2-to-FHIR IG mapping tables, HL7/v2-to-fhir commit 8c9b414 (2025-10-01), Apache-2.0"

SEGMENT_COLUMNS = [
    "map", "resource", "segment", "field", "name", "v2_type", "v2_min", "v2_max",
    "condition", "narrative", "fhir_path", "via", "fhir_type", "fhir_min", "fhir_max",
    "datatype_map", "vocabulary", "assigned", "derived", "proposed",
]
DATATYPE_COLUMNS = [
    "map", "v2_type", "fhir_type", "component", "name", "component_type", "v2_min", "v2_max",
    "condition", "narrative", "fhir_path", "via", "fhir_type_target", "fhir_min", "fhir_max",
    "datatype_map", "vocabulary", "assigned", "derived", "proposed",
]
VOCAB_COLUMNS = [
    "map", "table", "v2_code", "v2_display", "condition", "fhir_system", "fhir_code", "fhir_display",
]

MESSAGE_COLUMNS = [
    "message", "position", "segment", "v2_min", "v2_max", "condition", "narrative",
    "resource", "segment_map",
]
SEGMENT_ID = re.compile(r"^([A-Z][A-Z0-9]{2})-(\d+)$")
COMPONENT_ID = re.compile(r"^([A-Z][A-Z0-9]{1,2})[.-](\d+)$")  # FT-1: one map writes a dash
# `[3]` indexes, and the guide's one unclosed `coding[3.version` (CNE.13).
INDEX = re.compile(r"\[[^\]]*\]|\[\d+(?=\.)")

warnings = Counter()


def warn(kind):
    warnings[kind] += 1


def clean(text):
    """One line, no tabs, trimmed: the TSV has no quoting."""
    return " ".join((text or "").replace("\t", " ").split())


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def map_name(filename, prefix):
    """`HL7 Segment - FHIR R4_ PID[Patient] - PID.csv` -> `PID[Patient]`."""
    base = os.path.basename(filename)
    if not base.startswith(prefix):
        return None
    rest = base[len(prefix):]
    m = re.match(r"^(.*?\])\s*-\s*.*\.csv$", rest) or re.match(r"^(\S+)\s*-\s*.*\.csv$", rest)
    return m.group(1).strip() if m else None


def hops(path):
    """Split a guide path into reference hops, without array indexes.

    `performer[2](PractitionerRole[1].organization(Organization.address))` ->
    [`performer`, `PractitionerRole.organization`, `Organization.address`];
    `$this` / `$value` -> [``] (the value itself).
    """
    path = clean(path)
    out, cur = [], []
    for ch in path:
        if ch == "(":
            out.append("".join(cur))
            cur = []
        elif ch == ")":
            continue
        else:
            cur.append(ch)
    out.append("".join(cur))
    res = []
    for h in out:
        h = INDEX.sub("", h).replace(" ", "")
        h = re.sub(r"\.{2,}", ".", h).strip(".")
        if h in ("$this", "$value"):
            h = ""
        res.append(h)
    return res


def norm_key(name):
    return re.sub(r"[^a-z0-9\[\]]", "", name.lower())


def header_index(header, names):
    for i, h in enumerate(header):
        if clean(h).lower() in names:
            return i
    return None


def mapping_rows(path):
    """Rows of a segment or datatype map as dicts with our column names.

    Both kinds share one layout; columns are found by header name because one
    export lacks the `Assignment` column.
    """
    rows = read_csv(path)
    if len(rows) < 2:
        return []
    h = rows[1]
    col = {
        "id": 1, "name": 2, "v2_type": 3, "v2_min": 4, "v2_max": 5,
        "antlr": header_index(h, {"computable antlr", "computable - antlr"}),
        "narrative": header_index(h, {"narrative"}),
        "fhir": header_index(h, {"fhir attribute", "fhir attribute/ data type"}),
        "assigned": header_index(h, {"assignment", "derived mapping"}),
        "dtmap": header_index(h, {"data type mapping"}),
        "vocab": next((i for i, x in enumerate(h) if clean(x).lower().startswith("vocabulary mapping")), None),
    }
    if col["fhir"] is None:
        warn("file without FHIR attribute column")
        return []
    f = col["fhir"]
    col["proposed"] = f + 1
    col["fhir_type"] = f + 2
    col["fhir_min"] = f + 3
    col["fhir_max"] = f + 4

    def get(r, k):
        i = col.get(k)
        return clean(r[i]) if i is not None and i < len(r) else ""

    out = []
    for r in rows[2:]:
        rec = {k: get(r, k) for k in col}
        out.append(rec)
    return out


def card(v):
    v = v.strip()
    if v in ("-1", "*", "n"):
        return "*"
    return v if re.fullmatch(r"\d+", v) else ""


class Resolver:
    """Rewrites references to datatype and vocabulary maps to the names that exist."""

    def __init__(self, names):
        self.by_key = {norm_key(n): n for n in names}

    def __call__(self, ref, kind):
        if not ref:
            return ""
        hit = self.by_key.get(norm_key(ref))
        if hit is None:
            warn(f"unresolved {kind} reference")
            return ref
        return hit


def assignment(v):
    """The guide's Assignment cell -> (constant, derived).

    A quoted string, a bare url or a bare lowercase word is a constant the row assigns.
    Anything else is an expression over v2 data (`OBX-5.1+"-"+OBX-5.2`) or an
    instruction (`/map HL7 code system to appropriate url/`), kept as written."""
    v = clean(v)
    if not v:
        return "", ""
    if len(v) >= 2 and v[0] == '"' and v[-1] == '"' and v.count('"') == 2:
        return v[1:-1], ""
    if re.fullmatch(r"https?://\S+|[a-z]+", v):
        return v, ""
    return "", v


def convert_rows(rows, id_re, dt_resolver, vocab_resolver, prefix_resource):
    out = []
    for rec in rows:
        m = id_re.match(rec["id"])
        if not m:
            if rec["id"] or rec["fhir"]:
                warn("row without a usable identifier")
            continue
        hs = hops(rec["fhir"]) if rec["fhir"] else None
        if hs is None:
            fhir_path, via = "", ""
        else:
            first = hs[0]
            if prefix_resource:
                first = prefix_resource + ("." + first if first else "")
            elif first == "":
                first = "$value"
            fhir_path, via = first, " > ".join(hs[1:])
        out.append({
            "owner": m.group(1),
            "number": m.group(2),
            "name": rec["name"],
            "v2_type": rec["v2_type"],
            "v2_min": card(rec["v2_min"]),
            "v2_max": card(rec["v2_max"]),
            "condition": rec["antlr"],
            "narrative": rec["narrative"],
            "fhir_path": fhir_path,
            "via": via,
            "fhir_type": rec["fhir_type"],
            "fhir_min": card(rec["fhir_min"]),
            "fhir_max": card(rec["fhir_max"]),
            "datatype_map": dt_resolver(rec["dtmap"], "datatype"),
            "vocabulary": vocab_resolver(rec["vocab"], "vocabulary"),
            "assigned": assignment(rec["assigned"])[0],
            "derived": assignment(rec["assigned"])[1],
            "proposed": rec["proposed"],
        })
    return out


def vocab_rows(path, name):
    rows = read_csv(path)
    if len(rows) < 2:
        return []
    h = [clean(x).lower() for x in rows[1]]
    codes = [i for i, x in enumerate(h) if x == "code"]
    systems = [i for i, x in enumerate(h) if x == "code system"]
    if len(codes) < 2 or len(systems) < 2:
        warn("vocabulary file with an unknown layout")
        return []
    i_v2, i_fhir = codes[0], codes[1]
    i_v2sys, i_fsys = systems[0], systems[1]
    i_text = header_index(rows[1], {"text"})
    i_cond = next((i for i, x in enumerate(h) if x.startswith("computable")), None)
    i_disp = header_index(rows[1], {"display"})
    out = []
    for r in rows[2:]:
        def get(i):
            return clean(r[i]) if i is not None and i < len(r) else ""
        v2 = get(i_v2)
        if not v2 and not get(i_fhir):
            continue
        table = ""
        m = re.search(r"(\d{4})$", get(i_v2sys))
        if m:
            table = m.group(1)
        fcode = get(i_fhir)
        disp = get(i_disp)
        # In most exports an unnamed column between the FHIR code and `Display` holds
        # the display when `Display` is empty.
        if not disp and fcode and i_disp is not None and i_disp == i_fhir + 2:
            disp = get(i_fhir + 1)
        fsys = get(i_fsys) if fcode else ""
        out.append({
            "map": name, "table": table, "v2_code": v2, "v2_display": get(i_text),
            "condition": get(i_cond), "fhir_system": fsys, "fhir_code": fcode,
            "fhir_display": disp if fcode else "",
        })
    # Exact duplicate rows say nothing more.
    seen, uniq = set(), []
    for r in out:
        key = tuple(r[c] for c in VOCAB_COLUMNS)
        if key in seen:
            warn("duplicate vocabulary row dropped")
            continue
        seen.add(key)
        uniq.append(r)
    out = uniq
    # A map's table is the one most of its rows name (some rows leave it blank).
    tables = Counter(r["table"] for r in out if r["table"])
    table = tables.most_common(1)[0][0] if tables else ""
    for r in out:
        r["table"] = table
    return out


VALUE_TYPE_RE = re.compile(r'OBX-2 (?:EQUALS|IN) \(?((?:"[A-Z]+"(?:, )?)+)\)?')


def derive_value_types(obx_rows):
    """Table 0125 (value type) has no concept map in the guide; its effect is stated by
    the OBX-5 rows (`IF OBX-2 EQUALS "NM"` -> valueQuantity). Derive code -> FHIR
    data type from them, keeping the rest of the condition."""
    out, seen = [], set()
    for r in obx_rows:
        if r["owner"] != "OBX" or r["number"] != "5":
            continue
        m = VALUE_TYPE_RE.search(r["condition"])
        if not m or not r["fhir_type"] or ".extension" in r["fhir_path"]:
            continue
        ftype = r["fhir_type"]
        ftype = {"quantity": "Quantity"}.get(ftype, ftype)
        codes = re.findall(r'"([A-Z]+)"', m.group(1))
        rest = re.sub(r"^(AND\s+)+", "", clean(r["condition"][m.end():]))
        for code in codes:
            key = (code, rest, ftype)
            if key in seen:
                continue
            seen.add(key)
            out.append({
                "map": "ValueType[Observation.value]", "table": "0125", "v2_code": code,
                "v2_display": "", "condition": r["condition"] if rest else "",
                "fhir_system": "http://hl7.org/fhir/data-types", "fhir_code": ftype,
                "fhir_display": "",
            })
    return out


FHIR_SIDE = ["condition", "narrative", "fhir_path", "via", "datatype_map", "vocabulary",
             "assigned", "derived", "proposed"]


def tidy(rows, key_cols, columns):
    """Drops exact duplicates (paths that differed only by array index) and, for a
    field or component that has rows saying something, the rows that say nothing."""
    informative = {tuple(r[c] for c in key_cols) for r in rows if any(r[c] for c in FHIR_SIDE)}
    seen, out = set(), []
    for r in rows:
        full = tuple(r[c] for c in columns)
        if full in seen:
            warn("duplicate row dropped")
            continue
        if not any(r[c] for c in FHIR_SIDE) and tuple(r[c] for c in key_cols) in informative:
            warn("empty row beside informative rows dropped")
            continue
        seen.add(full)
        out.append(r)
    return out


def message_rows(path, structure, seg_maps):
    """Per message structure: which segment map builds which resource, when."""
    rows = read_csv(path)
    out = []
    for r in rows[2:]:
        r = [clean(x) for x in r] + [""] * 12
        m = re.search(r"\b([A-Z][A-Z0-9]{2})\b", r[2])
        if not m:
            continue  # group begin/end lines
        seg_map = r[10]
        if seg_map and seg_map not in seg_maps:
            warn("message row naming an unknown segment map (kept)")
        # `Provenance[1].entity.what(Device)`: the map builds the Device.
        target = INDEX.sub("", r[9])
        inner = re.search(r"\(([A-Za-z]+)", target)
        resource = inner.group(1) if inner else target.split(".")[0]
        out.append({
            "message": structure, "position": r[1], "segment": m.group(1),
            "v2_min": card(r[4]), "v2_max": card(r[5]), "condition": r[6], "narrative": r[8],
            "resource": resource, "segment_map": seg_map,
        })
    return out


def write_tsv(path, title, columns, rows, notes):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(f"# ira v2 -> FHIR R4 map: {title}\n")
        f.write(f"# Derived from: {GUIDE}\n")
        f.write("# Generated by scripts/gen-v2-fhir-map.py; do not edit by hand (see docs/mapping.md).\n")
        for n in notes:
            f.write(f"# {n}\n")
        f.write("\t".join(columns) + "\n")
        for r in rows:
            f.write("\t".join(r[c] for c in columns) + "\n")


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    src = argv[1]
    out_dir = argv[2] if len(argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ira-analyze", "data", "v2-fhir")
    os.makedirs(out_dir, exist_ok=True)

    seg_files = sorted(os.listdir(os.path.join(src, "segments")))
    dt_files = sorted(os.listdir(os.path.join(src, "datatypes")))
    cs_files = sorted(os.listdir(os.path.join(src, "codesystems")))

    dt_names = {}
    for fn in dt_files:
        n = map_name(fn, "HL7 Data Type - FHIR R4_ ")
        if n:
            dt_names[n] = fn
    cs_names = {}
    for fn in cs_files:
        n = map_name(fn, "HL7 Concept Map_ ")
        if n:
            cs_names[n] = fn
    dt_resolve = Resolver(dt_names)
    cs_resolve = Resolver(list(cs_names) + ["ValueType[Observation.value]"])

    seg_out = []
    obx_rows = []
    for fn in seg_files:
        n = map_name(fn, "HL7 Segment - FHIR R4_ ")
        if not n:
            continue
        resource = n[n.index("[") + 1:].split("-")[0].rstrip("]")
        rows = convert_rows(mapping_rows(os.path.join(src, "segments", fn)), SEGMENT_ID,
                            dt_resolve, cs_resolve, resource)
        seg = n[:3]
        for r in rows:
            if r["owner"] != seg:
                warn("row of another segment")
                continue
            r.update({"map": n, "resource": resource, "segment": seg, "field": r["number"]})
            seg_out.append(r)
            if n == "OBX[Observation]":
                obx_rows.append(r)

    dt_out = []
    for n, fn in sorted(dt_names.items()):
        v2_type = n[:n.index("[")]
        fhir_type = n[n.index("[") + 1:].split("-")[0].rstrip("]")
        rows = convert_rows(mapping_rows(os.path.join(src, "datatypes", fn)), COMPONENT_ID,
                            dt_resolve, cs_resolve, None)
        for r in rows:
            if r["owner"] != v2_type:
                # CF[CodeableConcept] names its components CWE.n; the positions are
                # CF's own, so keep them.
                warn("component named after another datatype (kept)")
            r.update({"map": n, "v2_type": v2_type, "fhir_type": fhir_type,
                      "component": r["number"], "component_type": r["v2_type"],
                      "fhir_type_target": r["fhir_type"]})
            # `fhir_type` becomes the map's type; the element's own type moves to
            # `fhir_type_target` (evaluated before the update).
            dt_out.append(r)

    msg_out = []
    msg_dir = os.path.join(src, "messages")
    if os.path.isdir(msg_dir):
        seg_maps = {r["map"] for r in seg_out}
        for fn in sorted(os.listdir(msg_dir)):
            m = re.match(r"^HL7 Message - FHIR R4_ (\S+) - .*\.csv$", fn)
            if m:
                msg_out.extend(message_rows(os.path.join(msg_dir, fn), m.group(1), seg_maps))
        seen, uniq = set(), []
        for r in msg_out:
            k = tuple(r[c] for c in MESSAGE_COLUMNS)
            if k not in seen:
                seen.add(k)
                uniq.append(r)
        msg_out = uniq

    seg_out = tidy(seg_out, ["map", "field"], SEGMENT_COLUMNS)
    dt_out = tidy(dt_out, ["map", "component"], DATATYPE_COLUMNS)

    vocab_out = []
    for n, fn in sorted(cs_names.items()):
        vocab_out.extend(vocab_rows(os.path.join(src, "codesystems", fn), n))
    vocab_out.extend(derive_value_types(obx_rows))

    common = [
        "Columns are tab-separated; empty = not stated. Cardinality max `*` = unbounded.",
        "Paths have no array indexes; `via` lists reference hops (`Organization.name`), `>`-separated.",
    ]
    write_tsv(os.path.join(out_dir, "segments.tsv"), "segment maps (SEG-n -> resource element)",
              SEGMENT_COLUMNS, seg_out, common)
    write_tsv(os.path.join(out_dir, "datatypes.tsv"), "datatype maps (TYPE.n -> FHIR type element)",
              DATATYPE_COLUMNS, dt_out,
              common + ["fhir_path is relative to the map's FHIR type; `$value` = the value itself."])
    write_tsv(os.path.join(out_dir, "vocabulary.tsv"), "vocabulary maps (v2 table code -> FHIR code)",
              VOCAB_COLUMNS, vocab_out,
              ["Columns are tab-separated; a row without fhir_code = the guide gives no FHIR equivalent;",
               "a row without v2_code = a FHIR concept no v2 code maps to (all of them when the v2 table is user-defined).",
               "ValueType[Observation.value] (table 0125) is derived from the OBX-5 rows of OBX[Observation]."])

    write_tsv(os.path.join(out_dir, "messages.tsv"), "message maps (segment in a message structure -> segment map)",
              MESSAGE_COLUMNS, msg_out,
              ["Columns are tab-separated; empty = not stated. A row without segment_map = the guide maps",
               "that segment nowhere in this message structure. position is the guide's identifier."])

    print(f"messages.tsv: {len(msg_out)} rows, {len({r['message'] for r in msg_out})} structures", file=sys.stderr)
    print(f"segments.tsv: {len(seg_out)} rows, {len({r['map'] for r in seg_out})} maps, "
          f"{len({r['segment'] for r in seg_out})} segments", file=sys.stderr)
    print(f"datatypes.tsv: {len(dt_out)} rows, {len({r['map'] for r in dt_out})} maps", file=sys.stderr)
    print(f"vocabulary.tsv: {len(vocab_out)} rows, {len({r['map'] for r in vocab_out})} maps", file=sys.stderr)
    for k, v in sorted(warnings.items()):
        print(f"note: {v} x {k}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
