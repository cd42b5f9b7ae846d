//! HL7 v2 (ER7) corpus generation.

use std::fmt::Write as _;
use std::io;

use crate::data::*;
use crate::rng::Rng;

/// How messages are separated in the corpus.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Framing {
    /// An empty line after each message: one extra `\n` (`\r\n` with [`Terminator::CrLf`]).
    /// With [`Terminator::Cr`] each message thus ends in `\r\n`, the common "dump" form.
    #[default]
    Newline,
    /// MLLP: `0x0B` before each message, `0x1C 0x0D` after it.
    Mllp,
    /// Messages back to back; only segment terminators separate them.
    None,
}

/// The segment terminator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Terminator {
    /// `\r`, as the standard says.
    #[default]
    Cr,
    /// `\n`, as files edited on Unix often have.
    Lf,
    /// `\r\n`, as files edited on Windows often have.
    CrLf,
}

impl Terminator {
    /// The terminator's bytes.
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Terminator::Cr => b"\r",
            Terminator::Lf => b"\n",
            Terminator::CrLf => b"\r\n",
        }
    }
}

/// Options of [`hl7_corpus`] and [`write_hl7_corpus`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Hl7Options {
    /// The seed: same seed and options, same bytes.
    pub seed: u64,
    /// Messages are written until the corpus has at least this many bytes (whole
    /// messages only, so it ends a little past it; 0 gives an empty corpus).
    pub target_bytes: usize,
    /// How messages are separated.
    pub framing: Framing,
    /// The segment terminator.
    pub terminator: Terminator,
}

impl Default for Hl7Options {
    fn default() -> Self {
        Self {
            seed: 1,
            target_bytes: 1 << 20,
            framing: Framing::Newline,
            terminator: Terminator::Cr,
        }
    }
}

/// The message types the generator writes, with their share of the corpus.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hl7Kind {
    /// `ADT^A01` admit (15%).
    AdtA01,
    /// `ADT^A04` register (15%).
    AdtA04,
    /// `ADT^A08` update (15%).
    AdtA08,
    /// `ORU^R01` results, 5–20 OBX (35%).
    OruR01,
    /// `ORM^O01` order (15%).
    OrmO01,
    /// `SIU^S12` new appointment (5%).
    SiuS12,
}

impl Hl7Kind {
    /// MSH-9.1 and MSH-9.2, e.g. `("ADT", "A01")`.
    pub fn message_type(self) -> (&'static str, &'static str) {
        match self {
            Hl7Kind::AdtA01 => ("ADT", "A01"),
            Hl7Kind::AdtA04 => ("ADT", "A04"),
            Hl7Kind::AdtA08 => ("ADT", "A08"),
            Hl7Kind::OruR01 => ("ORU", "R01"),
            Hl7Kind::OrmO01 => ("ORM", "O01"),
            Hl7Kind::SiuS12 => ("SIU", "S12"),
        }
    }

    /// MSH-9.3 (message structure) used in v2.5.1 messages.
    fn structure(self) -> &'static str {
        match self {
            // A04 and A08 share the A01 structure (HL7 table 0354).
            Hl7Kind::AdtA01 | Hl7Kind::AdtA04 | Hl7Kind::AdtA08 => "ADT_A01",
            Hl7Kind::OruR01 => "ORU_R01",
            Hl7Kind::OrmO01 => "ORM_O01",
            Hl7Kind::SiuS12 => "SIU_S12",
        }
    }

    /// Segments every message of this kind has, in order (others are optional).
    pub fn required_segments(self) -> &'static [&'static str] {
        match self {
            Hl7Kind::AdtA01 | Hl7Kind::AdtA04 | Hl7Kind::AdtA08 => &["MSH", "EVN", "PID", "PV1"],
            Hl7Kind::OruR01 => &["MSH", "PID", "ORC", "OBR", "OBX"],
            Hl7Kind::OrmO01 => &["MSH", "PID", "PV1", "ORC", "OBR"],
            Hl7Kind::SiuS12 => &["MSH", "SCH", "PID", "RGS", "AIS", "AIL", "AIP"],
        }
    }

    fn draw(rng: &mut Rng) -> Self {
        match rng.below(100) {
            0..15 => Hl7Kind::AdtA01,
            15..30 => Hl7Kind::AdtA04,
            30..45 => Hl7Kind::AdtA08,
            45..80 => Hl7Kind::OruR01,
            80..95 => Hl7Kind::OrmO01,
            _ => Hl7Kind::SiuS12,
        }
    }
}

/// Counts of what a streaming writer wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CorpusStats {
    /// Messages (HL7) or resources (FHIR) written.
    pub items: u64,
    /// Bytes written.
    pub bytes: u64,
}

/// A whole HL7 v2 corpus in memory. See [`write_hl7_corpus`] for large ones.
pub fn hl7_corpus(opts: &Hl7Options) -> Vec<u8> {
    let mut out = Vec::with_capacity(opts.target_bytes + 4096);
    let mut index = 0u64;
    while out.len() < opts.target_bytes {
        let (_, msg) = hl7_message(opts.seed, index, opts.terminator);
        frame(&mut out, &msg, opts.framing, opts.terminator);
        index += 1;
    }
    out
}

/// Streams an HL7 v2 corpus to `w` (wrap files in a `BufWriter`). Writes the same bytes
/// as [`hl7_corpus`].
pub fn write_hl7_corpus<W: io::Write>(opts: &Hl7Options, w: &mut W) -> io::Result<CorpusStats> {
    let mut stats = CorpusStats::default();
    let mut buf = Vec::with_capacity(16 * 1024);
    while stats.bytes < opts.target_bytes as u64 {
        let (_, msg) = hl7_message(opts.seed, stats.items, opts.terminator);
        buf.clear();
        frame(&mut buf, &msg, opts.framing, opts.terminator);
        w.write_all(&buf)?;
        stats.bytes += buf.len() as u64;
        stats.items += 1;
    }
    Ok(stats)
}

fn frame(out: &mut Vec<u8>, msg: &[u8], framing: Framing, terminator: Terminator) {
    match framing {
        Framing::Newline => {
            out.extend_from_slice(msg);
            out.extend_from_slice(if terminator == Terminator::CrLf {
                b"\r\n"
            } else {
                b"\n"
            });
        }
        Framing::Mllp => {
            out.push(0x0B);
            out.extend_from_slice(msg);
            out.extend_from_slice(b"\x1C\r");
        }
        Framing::None => out.extend_from_slice(msg),
    }
}

/// Message `index` of the corpus seeded with `seed`, unframed: every segment, the last
/// included, ends with `terminator`. Depends only on `(seed, index)`.
pub fn hl7_message(seed: u64, index: u64, terminator: Terminator) -> (Hl7Kind, Vec<u8>) {
    let mut rng = Rng::for_item(seed, index);
    let kind = Hl7Kind::draw(&mut rng);
    let mut g = MsgGen {
        rng,
        out: String::with_capacity(2048),
        term: terminator,
        index,
        seed,
    };
    g.message(kind);
    (kind, g.out.into_bytes())
}

/// One segment under construction: fields are set by their HL7 number, in increasing order.
struct Seg {
    buf: String,
    at: usize,
}

impl Seg {
    fn new(name: &str) -> Self {
        Self {
            buf: name.to_owned(),
            at: 0,
        }
    }

    /// Sets field `n` (1-based; must be past the last one set).
    fn f(mut self, n: usize, value: &str) -> Self {
        while self.at < n {
            self.buf.push('|');
            self.at += 1;
        }
        self.buf.push_str(value);
        self
    }
}

#[derive(Clone, Copy)]
struct Ts {
    y: u64,
    mo: u64,
    d: u64,
    h: u64,
    mi: u64,
    s: u64,
}

impl Ts {
    fn random(rng: &mut Rng, years: (u64, u64)) -> Self {
        Self {
            y: rng.range(years.0, years.1),
            mo: rng.range(1, 12),
            d: rng.range(1, 28),
            h: rng.range(0, 23),
            mi: rng.range(0, 59),
            s: rng.range(0, 59),
        }
    }
    fn dtm(self) -> String {
        format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            self.y, self.mo, self.d, self.h, self.mi, self.s
        )
    }
    fn date(self) -> String {
        format!("{:04}{:02}{:02}", self.y, self.mo, self.d)
    }
    /// Minutes later (within the day, to keep the arithmetic trivial).
    fn plus_minutes(self, m: u64) -> Self {
        let total = (self.h * 60 + self.mi + m).min(23 * 60 + 59);
        Self {
            h: total / 60,
            mi: total % 60,
            ..self
        }
    }
}

struct MsgGen {
    rng: Rng,
    out: String,
    term: Terminator,
    index: u64,
    seed: u64,
}

impl MsgGen {
    fn push(&mut self, seg: Seg) {
        self.out.push_str(&seg.buf);
        // Terminators are ASCII.
        self.out.push_str(match self.term {
            Terminator::Cr => "\r",
            Terminator::Lf => "\n",
            Terminator::CrLf => "\r\n",
        });
    }

    fn pick(&mut self, items: &[&'static str]) -> &'static str {
        self.rng.pick_copy(items)
    }

    fn digits(&mut self, n: u32) -> String {
        let mut s = String::with_capacity(n as usize);
        for _ in 0..n {
            s.push(char::from(b'0' + self.rng.below(10) as u8));
        }
        s
    }

    /// A provider as XCN with an HD (subcomponents) in XCN-9.
    fn xcn(&mut self) -> String {
        let id = self.digits(7);
        let fam = self.pick(DOC_FAMILY);
        let giv = self.pick(GIVEN);
        format!("{id}^{fam}^{giv}^^^DR^^^{HOSP_AA}^L^^^NPI")
    }

    fn escaped_text(&mut self, min: u64, max: u64) -> String {
        let n = self.rng.range(min, max);
        let mut s = String::new();
        for i in 0..n {
            if i > 0 {
                s.push_str(if self.rng.chance(50) { "\\.br\\" } else { ". " });
            }
            s.push_str(self.rng.pick_copy(ESCAPED_PHRASES));
        }
        s
    }

    fn message(&mut self, kind: Hl7Kind) {
        let v23 = self.rng.chance(15);
        let now = Ts::random(&mut self.rng, (2023, 2025));
        self.msh(kind, v23, now);
        match kind {
            Hl7Kind::AdtA01 | Hl7Kind::AdtA04 | Hl7Kind::AdtA08 => self.adt(kind, v23, now),
            Hl7Kind::OruR01 => self.oru(v23, now),
            Hl7Kind::OrmO01 => self.orm(now),
            Hl7Kind::SiuS12 => self.siu(now),
        }
    }

    fn msh(&mut self, kind: Hl7Kind, v23: bool, now: Ts) {
        let (code, event) = kind.message_type();
        let mtype = if v23 {
            format!("{code}^{event}")
        } else {
            format!("{code}^{event}^{}", kind.structure())
        };
        let send_fac = format!("{}^{HOSP_OID}^ISO", self.pick(FACILITIES));
        // MSH-1 is the field separator itself, so `f(n)` here writes MSH-(n+1):
        // f(1) is MSH-2 (encoding characters), f(8) MSH-9, f(11) MSH-12.
        let mut seg = Seg::new("MSH")
            .f(1, "^~\\&")
            .f(2, self.pick(APPS))
            .f(3, &send_fac)
            .f(4, self.pick(APPS))
            .f(5, self.pick(FACILITIES))
            .f(6, &now.dtm())
            .f(8, &mtype)
            .f(9, &format!("M{:04X}{:08}", self.seed & 0xFFFF, self.index))
            .f(10, if self.rng.chance(90) { "P" } else { "T" })
            .f(11, if v23 { "2.3" } else { "2.5.1" });
        if !v23 {
            seg = seg.f(14, "AL").f(15, "NE");
        }
        self.push(seg);
    }

    fn pid(&mut self) {
        let mrn = self.digits(8);
        let mut pid3 = format!("{mrn}^^^{HOSP_AA}^MR");
        if self.rng.chance(60) {
            let _ = write!(pid3, "~{}^^^LAB^PI", self.digits(6));
        }
        if self.rng.chance(30) {
            let _ = write!(pid3, "~999{}^^^SSA^SS", self.digits(6));
        }
        let fam = self.pick(FAMILY);
        let giv = self.pick(GIVEN);
        let mid = self.pick(MIDDLE);
        let mut pid5 = format!("{fam}^{giv}^{mid}^^^^L");
        if self.rng.chance(25) {
            let alias = self.pick(GIVEN);
            let _ = write!(pid5, "~{fam}^{alias}^^^^^A");
        }
        let dob = Ts::random(&mut self.rng, (1930, 2022)).date();
        let sex = *self.rng.pick(&["F", "M", "U"]);
        let (race, race_name) = *self.rng.pick(RACE);
        let zip = format!("99{}", self.digits(3));
        let (street, city, state) = (self.pick(STREET), self.pick(CITY), self.pick(STATE));
        let mut pid11 = format!(
            "{street}^APT {}^{city}^{state}^{zip}^USA^H",
            self.rng.range(1, 40)
        );
        if self.rng.chance(30) {
            let _ = write!(
                pid11,
                "~PO BOX {}^^{city}^{state}^{zip}^USA^M",
                self.rng.range(1, 999)
            );
        }
        let mut pid13 = format!("^PRN^PH^^1^555^01{}", self.digits(2));
        if self.rng.chance(50) {
            let _ = write!(
                pid13,
                "~^NET^Internet^{}.{}@example.invalid",
                giv.to_lowercase(),
                fam.to_lowercase()
            );
        }
        if self.rng.chance(20) {
            let _ = write!(pid13, "~^ORN^CP^^1^555^01{}", self.digits(2));
        }
        // Optional fields are sometimes empty, as in real feeds; this keeps PID mostly
        // in the 150–300 byte range.
        let race = if self.rng.chance(50) {
            format!("{race}^{race_name}^CDCREC")
        } else {
            String::new()
        };
        let acct = if self.rng.chance(50) {
            format!("A{}", self.digits(9))
        } else {
            String::new()
        };
        let seg = Seg::new("PID")
            .f(1, "1")
            .f(3, &pid3)
            .f(5, &pid5)
            .f(7, &dob)
            .f(8, sex)
            .f(10, &race)
            .f(11, &pid11)
            .f(13, &pid13)
            .f(16, self.rng.pick_copy(&["S", "M", "D", "W"]))
            .f(18, &acct);
        self.push(seg);
    }

    fn pv1(&mut self, now: Ts) {
        let class = *self.rng.pick(&["I", "O", "E"]);
        let loc = format!(
            "WARD{}^{}^{}^{HOSP_AA}",
            self.rng.range(1, 9),
            self.rng.range(100, 499),
            self.pick(&["A", "B"])
        );
        let attending = self.xcn();
        let referring = self.xcn();
        let visit = format!("V{}^^^{HOSP_AA}^VN", self.digits(9));
        let seg = Seg::new("PV1")
            .f(1, "1")
            .f(2, class)
            .f(3, &loc)
            .f(7, &attending)
            .f(8, &referring)
            .f(10, self.pick(&["MED", "SUR", "CAR", "PED"]))
            .f(19, &visit)
            .f(44, &now.dtm());
        self.push(seg);
    }

    fn nte(&mut self, set_id: u64) {
        let text = self.escaped_text(1, 4);
        self.push(
            Seg::new("NTE")
                .f(1, &set_id.to_string())
                .f(2, "L")
                .f(3, &text),
        );
    }

    fn zsegs(&mut self) {
        if self.rng.chance(30) {
            let level = self.rng.range(1, 3);
            let pref = self.pick(&["morning&evening", "phone&email", "none&none"]);
            self.push(
                Seg::new("ZPI")
                    .f(1, "1")
                    .f(2, &format!("VIP^Level {level}&Gold^L"))
                    .f(3, &format!("PREF^{pref}^L")),
            );
        }
        if self.rng.chance(20) {
            let code = self.digits(4);
            self.push(
                Seg::new("ZVS")
                    .f(1, "1")
                    .f(2, &format!("VISIT^{code}&{HOSP_OID}^L"))
                    .f(3, "Y"),
            );
        }
    }

    fn adt(&mut self, kind: Hl7Kind, v23: bool, now: Ts) {
        let (_, event) = kind.message_type();
        let clerk = format!("{}^TESTCLERK^{}", self.digits(5), self.pick(GIVEN));
        self.push(Seg::new("EVN").f(1, event).f(2, &now.dtm()).f(5, &clerk));
        self.pid();
        for i in 1..=self.rng.range(0, 2) {
            let fam = self.pick(FAMILY);
            let giv = self.pick(GIVEN);
            let rel = *self.rng.pick(&[
                "SPO^Spouse^HL70063",
                "PAR^Parent^HL70063",
                "CHD^Child^HL70063",
            ]);
            let phone = format!("^PRN^PH^^1^555^01{}", self.digits(2));
            self.push(
                Seg::new("NK1")
                    .f(1, &i.to_string())
                    .f(2, &format!("{fam}^{giv}"))
                    .f(3, rel)
                    .f(5, &phone),
            );
        }
        self.pv1(now);
        // Admission vitals (height, weight...) come as OBX in ADT.
        for i in 1..=self.rng.range(0, 2) {
            self.obx_nm(i, v23, now);
        }
        // Distinct allergens: consecutive entries of the list from a random start.
        let first = self.rng.below(ALLERGENS.len() as u64) as usize;
        for i in 1..=self.rng.range(0, 3) {
            let (code, text) = ALLERGENS[(first + i as usize) % ALLERGENS.len()];
            let sev = *self.rng.pick(&["MI", "MO", "SV"]);
            self.push(
                Seg::new("AL1")
                    .f(1, &i.to_string())
                    .f(2, "DA")
                    .f(3, &format!("{code}^{text}^L"))
                    .f(4, sev)
                    .f(5, "Rash"),
            );
        }
        self.dg1s(now, 2);
        self.zsegs();
    }

    fn dg1s(&mut self, now: Ts, max: u64) {
        for i in 1..=self.rng.range(0, max) {
            let (code, text) = *self.rng.pick(DIAGNOSES);
            self.push(
                Seg::new("DG1")
                    .f(1, &i.to_string())
                    .f(3, &format!("{code}^{text}^I10"))
                    .f(5, &now.dtm())
                    .f(6, "A"),
            );
        }
    }

    fn order_ids(&mut self) -> (String, String) {
        (
            format!("P{}^TESTHIS", self.digits(8)),
            format!("F{}^FAKELIS", self.digits(8)),
        )
    }

    fn orc_obr(&mut self, control: &str, now: Ts, status: &str) -> (String, String) {
        let (placer, filler) = self.order_ids();
        let orderer = self.xcn();
        self.push(
            Seg::new("ORC")
                .f(1, control)
                .f(2, &placer)
                .f(3, &filler)
                .f(5, if status == "F" { "CM" } else { "SC" })
                .f(7, &format!("^^^{}^^R", now.dtm()))
                .f(9, &now.dtm())
                .f(12, &orderer),
        );
        let (code, text) = *self.rng.pick(PANELS);
        self.push(
            Seg::new("OBR")
                .f(1, "1")
                .f(2, &placer)
                .f(3, &filler)
                .f(4, &format!("{code}^{text}^LN"))
                .f(7, &now.dtm())
                .f(16, &orderer)
                .f(22, &now.plus_minutes(90).dtm())
                .f(25, status),
        );
        (placer, filler)
    }

    fn oru(&mut self, v23: bool, now: Ts) {
        self.pid();
        if self.rng.chance(70) {
            self.pv1(now);
        }
        self.orc_obr("RE", now, "F");
        if self.rng.chance(30) {
            self.nte(1);
        }
        let n = self.rng.range(5, 20);
        for i in 1..=n {
            match self.rng.below(100) {
                0..50 => self.obx_nm(i, v23, now),
                50..62 => self.obx_coded(i, v23, now, false),
                62..72 => self.obx_coded(i, v23, now, !v23),
                72..82 => self.obx_st(i, now),
                82..92 => self.obx_tx(i, now),
                _ => self.obx_sn(i, now),
            }
            if self.rng.chance(10) {
                self.nte(1);
            }
        }
        self.zsegs();
    }

    // One argument per OBX field we fill: clearer at the call sites than a struct.
    #[expect(clippy::too_many_arguments)]
    fn obx(
        &mut self,
        i: u64,
        vt: &str,
        obs: &str,
        value: &str,
        units: &str,
        range: &str,
        flag: &str,
        now: Ts,
    ) {
        let seg = Seg::new("OBX")
            .f(1, &i.to_string())
            .f(2, vt)
            .f(3, obs)
            .f(5, value)
            .f(6, units)
            .f(7, range)
            .f(8, flag)
            .f(11, "F")
            .f(14, &now.dtm());
        self.push(seg);
    }

    fn obx_nm(&mut self, i: u64, _v23: bool, now: Ts) {
        let a = *self.rng.pick(NUMERIC);
        let span = a.high - a.low;
        let v = self
            .rng
            .range(a.low.saturating_sub(span / 2), a.high + span / 2);
        let flag = if v < a.low {
            "L"
        } else if v > a.high {
            "H"
        } else {
            "N"
        };
        let obs = format!("{}^{}^LN", a.loinc, a.display);
        let value = scaled(v, a.decimals);
        let units = format!("{}^{}^UCUM", a.unit, a.unit);
        let range = format!(
            "{}-{}",
            scaled(a.low, a.decimals),
            scaled(a.high, a.decimals)
        );
        self.obx(i, "NM", &obs, &value, &units, &range, flag, now);
    }

    fn obx_coded(&mut self, i: u64, v23: bool, now: Ts, cwe: bool) {
        let (code, text, answers) = *self.rng.pick(CODED);
        let (ans, ans_text) = *self.rng.pick(answers);
        let obs = format!("{code}^{text}^LN");
        let (vt, value) = if cwe && !v23 {
            ("CWE", format!("{ans}^{ans_text}^SCT^^^^20230301"))
        } else {
            ("CE", format!("{ans}^{ans_text}^SCT"))
        };
        let flag = if matches!(ans, "10828004" | "112283007" | "3092008") {
            "A"
        } else {
            "N"
        };
        self.obx(i, vt, &obs, &value, "", "", flag, now);
    }

    fn obx_st(&mut self, i: u64, now: Ts) {
        let (code, text) = *self.rng.pick(STRINGS);
        let value = self.pick(STRING_VALUES);
        self.obx(
            i,
            "ST",
            &format!("{code}^{text}^LN"),
            value,
            "",
            "",
            "",
            now,
        );
    }

    fn obx_tx(&mut self, i: u64, now: Ts) {
        let (code, text) = *self.rng.pick(NARRATIVE);
        let mut value = self.escaped_text(2, 5);
        // TX values often come one line per repetition.
        for _ in 0..self.rng.range(0, 2) {
            value.push('~');
            value.push_str(&self.escaped_text(1, 2));
        }
        self.obx(
            i,
            "TX",
            &format!("{code}^{text}^LN"),
            &value,
            "",
            "",
            "",
            now,
        );
    }

    fn obx_sn(&mut self, i: u64, now: Ts) {
        let (code, text, unit) = *self.rng.pick(SN_OBS);
        let value = self.pick(SN_VALUES);
        let units = format!("{unit}^{unit}^UCUM");
        self.obx(
            i,
            "SN",
            &format!("{code}^{text}^LN"),
            value,
            &units,
            "",
            "",
            now,
        );
    }

    fn orm(&mut self, now: Ts) {
        self.pid();
        self.pv1(now);
        self.orc_obr("NW", now, "");
        if self.rng.chance(40) {
            self.nte(1);
        }
        self.dg1s(now, 2);
    }

    fn siu(&mut self, now: Ts) {
        let start = now;
        let minutes = *self.rng.pick(&[15u64, 30, 45, 60]);
        let end = start.plus_minutes(minutes);
        let provider = self.xcn();
        let appt = format!("S{}^TESTHIS", self.digits(8));
        let filler = format!("F{}^SAMPLESCHED", self.digits(8));
        let reason = *self.rng.pick(&[
            "ROUTINE^Routine appointment^HL70276",
            "FOLLOWUP^A follow up visit^HL70276",
        ]);
        let atype = *self.rng.pick(&[
            "NORMAL^Routine schedule request^HL70277",
            "COMPLETE^Request to add a completed appointment^HL70277",
        ]);
        let mins = minutes.to_string();
        self.push(
            Seg::new("SCH")
                .f(1, &appt)
                .f(2, &filler)
                .f(6, "NEW^New^L")
                .f(7, reason)
                .f(8, atype)
                .f(9, &mins)
                .f(10, "MIN")
                .f(11, &format!("^^{mins}^{}^{}", start.dtm(), end.dtm()))
                .f(16, &provider)
                .f(25, "Booked"),
        );
        if self.rng.chance(30) {
            self.nte(1);
        }
        self.pid();
        if self.rng.chance(50) {
            self.pv1(now);
        }
        self.push(Seg::new("RGS").f(1, "1").f(2, "A"));
        let svc = *self.rng.pick(&[
            "CONSULT^Consultation^L",
            "CHECKUP^Annual check-up^L",
            "FU^Follow-up^L",
        ]);
        self.push(
            Seg::new("AIS")
                .f(1, "1")
                .f(2, "A")
                .f(3, svc)
                .f(4, &start.dtm())
                .f(7, &mins)
                .f(8, "MIN"),
        );
        let clinic = format!("CLINIC{}^^^{HOSP_AA}", self.rng.range(1, 5));
        self.push(
            Seg::new("AIL")
                .f(1, "1")
                .f(2, "A")
                .f(3, &clinic)
                .f(6, &start.dtm()),
        );
        self.push(
            Seg::new("AIP")
                .f(1, "1")
                .f(2, "A")
                .f(3, &provider)
                .f(4, "D^Doctor^L")
                .f(6, &start.dtm()),
        );
    }
}

/// `v` scaled down by 10^decimals, written with exactly `decimals` digits after the point.
fn scaled(v: u64, decimals: u32) -> String {
    if decimals == 0 {
        return v.to_string();
    }
    let p = 10u64.pow(decimals);
    format!("{}.{:0width$}", v / p, v % p, width = decimals as usize)
}
