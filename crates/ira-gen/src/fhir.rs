//! FHIR R4 JSON generation: NDJSON (one resource a line) and pretty-printed transaction
//! Bundles. JSON is written directly as text (faster than building `serde_json::Value`s,
//! and decimals keep their exact digits, e.g. `7.50`).

use std::fmt::Write as _;
use std::io;

use crate::data::*;
use crate::hl7::CorpusStats;
use crate::rng::Rng;

/// Separates the FHIR streams from the HL7 one for the same seed.
const FHIR_SALT: u64 = 0xF41B_0000_0000_0001;
const BUNDLE_SALT: u64 = 0xB0D1_E000_0000_0002;

/// Given names only FHIR uses, to exercise non-ASCII UTF-8 and JSON escaping.
const FHIR_GIVEN_EXTRA: &[&str] = &["Zoë-Test", "Örjan-Sample", "Ana \"Test\" Maria"];

/// An NDJSON corpus of about `target_bytes` (whole lines; it ends a little past it).
/// Resources come in groups — Patient, Encounter, 3–10 Observations, and most often a
/// DiagnosticReport referencing them — and every line ends with `\n`.
pub fn fhir_ndjson(seed: u64, target_bytes: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(target_bytes + 8192);
    // Writing to a Vec cannot fail.
    let _ = write_fhir_ndjson(seed, target_bytes, &mut out);
    out
}

/// Streams the corpus of [`fhir_ndjson`] to `w` (wrap files in a `BufWriter`).
pub fn write_fhir_ndjson<W: io::Write>(
    seed: u64,
    target_bytes: usize,
    w: &mut W,
) -> io::Result<CorpusStats> {
    let mut stats = CorpusStats::default();
    let mut group = 0u64;
    while stats.bytes < target_bytes as u64 {
        let mut rng = Rng::for_item(seed ^ FHIR_SALT, group);
        let resources = group_resources(&mut rng, RefStyle::Ids { seed, group });
        for r in resources {
            if stats.bytes >= target_bytes as u64 {
                break;
            }
            w.write_all(r.json.as_bytes())?;
            w.write_all(b"\n")?;
            stats.bytes += r.json.len() as u64 + 1;
            stats.items += 1;
        }
        group += 1;
    }
    Ok(stats)
}

/// `count` transaction Bundles, pretty-printed (two-space indent). Each holds one
/// resource group (Patient, Encounter, Observations, maybe a DiagnosticReport) as
/// `POST` entries whose references use the entries' `urn:uuid:` full URLs.
pub fn fhir_bundles(seed: u64, count: usize) -> Vec<Vec<u8>> {
    (0..count as u64)
        .map(|i| {
            let mut rng = Rng::for_item(seed ^ BUNDLE_SALT, i);
            let resources = group_resources(&mut rng, RefStyle::Uuids);
            let mut b = String::with_capacity(8192);
            let _ = write!(
                b,
                r#"{{"resourceType":"Bundle","type":"transaction","entry":["#
            );
            for (n, r) in resources.iter().enumerate() {
                if n > 0 {
                    b.push(',');
                }
                let _ = write!(
                    b,
                    r#"{{"fullUrl":{},"resource":{},"request":{{"method":"POST","url":"{}"}}}}"#,
                    q(&r.full_ref),
                    r.json,
                    r.rtype
                );
            }
            b.push_str("]}");
            pretty(&b)
        })
        .collect()
}

/// Re-indents compact JSON that we wrote ourselves. Falls back to the compact text if it
/// does not parse (it always should: the tests check it).
fn pretty(compact: &str) -> Vec<u8> {
    match serde_json::from_str::<serde_json::Value>(compact)
        .and_then(|v| serde_json::to_vec_pretty(&v))
    {
        Ok(mut v) => {
            v.push(b'\n');
            v
        }
        Err(_) => compact.as_bytes().to_vec(),
    }
}

#[derive(Clone, Copy)]
enum RefStyle {
    /// Resources have ids (`pat-<seed>-<group>`), references are `Type/id`.
    Ids { seed: u64, group: u64 },
    /// No ids; references are `urn:uuid:` (for transaction Bundles).
    Uuids,
}

struct Resource {
    rtype: &'static str,
    /// The reference other resources use for this one.
    full_ref: String,
    json: String,
}

struct Ident {
    id: Option<String>,
    reference: String,
}

fn ident(rng: &mut Rng, style: RefStyle, rtype: &str, prefix: &str, n: usize) -> Ident {
    match style {
        RefStyle::Ids { seed, group } => {
            let id = format!("{prefix}-{seed:x}-{group}-{n}");
            Ident {
                reference: format!("{rtype}/{id}"),
                id: Some(id),
            }
        }
        RefStyle::Uuids => Ident {
            id: None,
            reference: format!("urn:uuid:{}", uuid(rng)),
        },
    }
}

fn uuid(rng: &mut Rng) -> String {
    let a = rng.next_u64();
    let b = rng.next_u64();
    // Version 4, RFC 4122 variant bits.
    let a = (a & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
    let b = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFFF,
        b >> 48,
        b & 0xFFFF_FFFF_FFFF
    )
}

/// A JSON string literal.
fn q(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn id_member(id: &Option<String>) -> String {
    match id {
        Some(id) => format!(r#","id":{}"#, q(id)),
        None => String::new(),
    }
}

fn instant(rng: &mut Rng) -> String {
    let (y, mo, d) = (rng.range(2023, 2025), rng.range(1, 12), rng.range(1, 28));
    let (h, mi, s) = (rng.range(0, 23), rng.range(0, 59), rng.range(0, 59));
    let tz = *rng.pick(&["Z", "+01:00", "-05:00"]);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{tz}")
}

fn scaled(v: u64, decimals: u32) -> String {
    if decimals == 0 {
        return v.to_string();
    }
    let p = 10u64.pow(decimals);
    format!("{}.{:0width$}", v / p, v % p, width = decimals as usize)
}

fn coding(system: &str, code: &str, display: &str) -> String {
    format!(
        r#"{{"system":{},"code":{},"display":{}}}"#,
        q(system),
        q(code),
        q(display)
    )
}

fn category(code: &str, display: &str) -> String {
    format!(
        r#"[{{"coding":[{}]}}]"#,
        coding(
            "http://terminology.hl7.org/CodeSystem/observation-category",
            code,
            display
        )
    )
}

fn digits(rng: &mut Rng, n: u32) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect()
}

fn group_resources(rng: &mut Rng, style: RefStyle) -> Vec<Resource> {
    let mut out = Vec::with_capacity(14);
    let pat = ident(rng, style, "Patient", "pat", 0);
    let enc = ident(rng, style, "Encounter", "enc", 0);
    out.push(Resource {
        rtype: "Patient",
        json: patient(rng, &pat.id),
        full_ref: pat.reference.clone(),
    });
    out.push(Resource {
        rtype: "Encounter",
        json: encounter(rng, &enc.id, &pat.reference),
        full_ref: enc.reference.clone(),
    });
    let n = rng.range(3, 10) as usize;
    let mut obs_refs = Vec::with_capacity(n);
    for i in 0..n {
        let o = ident(rng, style, "Observation", "obs", i);
        let json = observation(rng, &o.id, &pat.reference, &enc.reference);
        obs_refs.push(o.reference.clone());
        out.push(Resource {
            rtype: "Observation",
            json,
            full_ref: o.reference,
        });
    }
    if rng.chance(75) {
        let dr = ident(rng, style, "DiagnosticReport", "dr", 0);
        let json = diagnostic_report(rng, &dr.id, &pat.reference, &enc.reference, &obs_refs);
        out.push(Resource {
            rtype: "DiagnosticReport",
            json,
            full_ref: dr.reference,
        });
    }
    out
}

fn patient(rng: &mut Rng, id: &Option<String>) -> String {
    let fam = *rng.pick(FAMILY);
    let giv = if rng.chance(10) {
        *rng.pick(FHIR_GIVEN_EXTRA)
    } else {
        *rng.pick(GIVEN)
    };
    let mrn = digits(rng, 8);
    let mut s = String::with_capacity(1024);
    let _ = write!(
        s,
        r#"{{"resourceType":"Patient"{},"identifier":[{{"use":"usual","type":{{"coding":[{}]}},"system":"urn:oid:{HOSP_OID}","value":{}}}"#,
        id_member(id),
        coding(
            "http://terminology.hl7.org/CodeSystem/v2-0203",
            "MR",
            "Medical record number"
        ),
        q(&format!("MRN{mrn}"))
    );
    if rng.chance(40) {
        let _ = write!(
            s,
            r#",{{"system":"urn:oid:{HOSP_OID}.2","value":{}}}"#,
            q(&digits(rng, 10))
        );
    }
    let _ = write!(
        s,
        r#"],"active":true,"name":[{{"use":"official","family":{},"given":[{}]}}"#,
        q(fam),
        q(giv)
    );
    if rng.chance(20) {
        let _ = write!(
            s,
            r#",{{"use":"nickname","given":[{}]}}"#,
            q(rng.pick_copy(GIVEN))
        );
    }
    let _ = write!(
        s,
        r#"],"telecom":[{{"system":"phone","value":"555-01{}","use":"home"}},{{"system":"email","value":{}}}]"#,
        digits(rng, 2),
        q(&format!(
            "{}.{}@example.invalid",
            giv.to_lowercase().replace(['"', ' '], ""),
            fam.to_lowercase()
        ))
    );
    let gender = *rng.pick(&["female", "male", "other", "unknown"]);
    let (y, mo, d) = (rng.range(1930, 2022), rng.range(1, 12), rng.range(1, 28));
    let _ = write!(
        s,
        r#","gender":"{gender}","birthDate":"{y:04}-{mo:02}-{d:02}","address":[{{"use":"home","line":[{},{}],"city":{},"state":{},"postalCode":"99{}","country":"US"}}]}}"#,
        q(rng.pick_copy(STREET)),
        q(&format!("APT {}", rng.range(1, 40))),
        q(rng.pick_copy(CITY)),
        q(rng.pick_copy(STATE)),
        digits(rng, 3)
    );
    s
}

fn encounter(rng: &mut Rng, id: &Option<String>, patient: &str) -> String {
    let (code, display) = *rng.pick(&[
        ("AMB", "ambulatory"),
        ("IMP", "inpatient encounter"),
        ("EMER", "emergency"),
    ]);
    format!(
        r#"{{"resourceType":"Encounter"{},"status":"finished","class":{},"subject":{{"reference":{}}},"period":{{"start":{},"end":{}}}}}"#,
        id_member(id),
        coding(
            "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            code,
            display
        ),
        q(patient),
        q(&instant(rng)),
        q(&instant(rng))
    )
}

fn observation(rng: &mut Rng, id: &Option<String>, patient: &str, encounter: &str) -> String {
    let head = |cat: &str, cat_display: &str, code: String, text: &str| {
        format!(
            r#"{{"resourceType":"Observation"{},"status":"final","category":{},"code":{{"coding":[{}],"text":{}}},"subject":{{"reference":{}}},"encounter":{{"reference":{}}}"#,
            id_member(id),
            category(cat, cat_display),
            code,
            q(text),
            q(patient),
            q(encounter)
        )
    };
    let when = instant(rng);
    let mut s = match rng.below(100) {
        // Numeric lab or vital with exact decimals.
        0..55 => {
            let a = *rng.pick(NUMERIC);
            let span = a.high - a.low;
            let v = rng.range(a.low.saturating_sub(span / 2), a.high + span / 2);
            let vital = matches!(a.loinc, "8867-4" | "8310-5" | "29463-7");
            let (cat, catd) = if vital {
                ("vital-signs", "Vital Signs")
            } else {
                ("laboratory", "Laboratory")
            };
            let mut s = head(
                cat,
                catd,
                coding("http://loinc.org", a.loinc, a.display),
                a.display,
            );
            let qty = |v: u64| {
                format!(
                    r#"{{"value":{},"unit":{},"system":"http://unitsofmeasure.org","code":{}}}"#,
                    scaled(v, a.decimals),
                    q(a.unit),
                    q(a.unit)
                )
            };
            let _ = write!(
                s,
                r#","effectiveDateTime":{},"valueQuantity":{},"referenceRange":[{{"low":{},"high":{}}}]"#,
                q(&when),
                qty(v),
                qty(a.low),
                qty(a.high)
            );
            s
        }
        // Coded answer.
        55..75 => {
            let (code, display, answers) = *rng.pick(CODED);
            let (ans, ans_display) = *rng.pick(answers);
            let mut s = head(
                "laboratory",
                "Laboratory",
                coding("http://loinc.org", code, display),
                display,
            );
            let _ = write!(
                s,
                r#","effectiveDateTime":{},"valueCodeableConcept":{{"coding":[{}],"text":{}}}"#,
                q(&when),
                coding("http://snomed.info/sct", ans, ans_display),
                q(ans_display)
            );
            s
        }
        // Free text, with characters JSON must escape.
        75..85 => {
            let (code, display) = *rng.pick(STRINGS);
            let mut s = head(
                "laboratory",
                "Laboratory",
                coding("http://loinc.org", code, display),
                display,
            );
            let value = *rng.pick(&[
                "CLEAR",
                "SLIGHTLY CLOUDY",
                "Amber \"dark\"\nrecheck",
                "Straw\ttinted",
                "Trübe (Test)",
            ]);
            let _ = write!(
                s,
                r#","effectiveDateTime":{},"valueString":{}"#,
                q(&when),
                q(value)
            );
            s
        }
        // Blood pressure panel with components.
        _ => {
            let mut s = head(
                "vital-signs",
                "Vital Signs",
                coding(
                    "http://loinc.org",
                    "85354-9",
                    "Blood pressure panel with all children optional",
                ),
                "Blood pressure",
            );
            let comp = |code: &str, display: &str, v: u64| {
                format!(
                    r#"{{"code":{{"coding":[{}]}},"valueQuantity":{{"value":{v},"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}}}"#,
                    coding("http://loinc.org", code, display)
                )
            };
            let sys = rng.range(95, 170);
            let dia = rng.range(55, 105);
            let _ = write!(
                s,
                r#","effectiveDateTime":{},"component":[{},{}]"#,
                q(&when),
                comp("8480-6", "Systolic blood pressure", sys),
                comp("8462-4", "Diastolic blood pressure", dia)
            );
            s
        }
    };
    s.push('}');
    s
}

fn diagnostic_report(
    rng: &mut Rng,
    id: &Option<String>,
    patient: &str,
    encounter: &str,
    results: &[String],
) -> String {
    let (code, display) = *rng.pick(PANELS);
    let mut s = format!(
        r#"{{"resourceType":"DiagnosticReport"{},"status":"final","category":[{{"coding":[{}]}}],"code":{{"coding":[{}]}},"subject":{{"reference":{}}},"encounter":{{"reference":{}}},"effectiveDateTime":{},"issued":{},"result":["#,
        id_member(id),
        coding(
            "http://terminology.hl7.org/CodeSystem/v2-0074",
            "LAB",
            "Laboratory"
        ),
        coding("http://loinc.org", code, display),
        q(patient),
        q(encounter),
        q(&instant(rng)),
        q(&instant(rng))
    );
    for (i, r) in results.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, r#"{{"reference":{}}}"#, q(r));
    }
    let conclusion = *rng.pick(&[
        "No critical values.",
        "Reviewed.\nSee \"comments\" below.",
        "Results within reference ranges",
    ]);
    let _ = write!(s, r#"],"conclusion":{}}}"#, q(conclusion));
    s
}
