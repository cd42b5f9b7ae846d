//! Fixed vocabularies. Person data is obviously synthetic; codes (LOINC, SNOMED CT,
//! ICD-10, HL7 tables, UCUM) are real so that downstream checks see realistic codes.

pub const FAMILY: &[&str] = &[
    "DOE",
    "TESTPATIENT",
    "SAMPLE",
    "EXAMPLE",
    "FAKERSON",
    "DUMMY",
    "PLACEHOLDER",
    "NOTREAL",
    "SYNTHETIC",
    "MOCK-TEST",
];
pub const GIVEN: &[&str] = &[
    "JANE", "JOHN", "ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO", "FOXTROT", "GOLF", "HOTEL",
    "INDIA", "JULIET",
];
pub const MIDDLE: &[&str] = &["Q", "X", "Z", "A", ""];
pub const DOC_FAMILY: &[&str] = &["TESTDOC", "FAKEMD", "EXAMPLEDOC", "SAMPLEPHYS", "NOTADOC"];
pub const STREET: &[&str] = &[
    "1 TEST ST",
    "22 SAMPLE AVE",
    "333 EXAMPLE RD",
    "4444 FAKE BLVD",
    "55 NOWHERE LN",
    "6 PLACEHOLDER CT",
];
pub const CITY: &[&str] = &["ANYTOWN", "TESTVILLE", "SAMPLETON", "EXAMPLE CITY"];
pub const STATE: &[&str] = &["ZZ", "XX", "YY"];
pub const APPS: &[&str] = &["TESTHIS", "FAKELIS", "SAMPLERIS", "DEMOEHR"];
pub const FACILITIES: &[&str] = &["TESTHOSP", "SAMPLECLINIC", "DEMOLAB"];
/// Assigning authority as an HD with subcomponents (used inside CX-4 / XCN-9 / PL-4).
pub const HOSP_AA: &str = "HOSP&2.16.840.1.113883.3.999&ISO";
pub const HOSP_OID: &str = "2.16.840.1.113883.3.999";

/// HL7 table 0005 race, CDC Race & Ethnicity code system.
pub const RACE: &[(&str, &str)] = &[
    ("2106-3", "White"),
    ("2054-5", "Black or African American"),
    ("2028-9", "Asian"),
    ("2131-1", "Other Race"),
];

/// A numeric analyte: LOINC code, display, UCUM unit, low/high reference, decimals.
#[derive(Clone, Copy, Debug)]
pub struct Numeric {
    pub loinc: &'static str,
    pub display: &'static str,
    pub unit: &'static str,
    /// Reference range, scaled by 10^decimals.
    pub low: u64,
    pub high: u64,
    pub decimals: u32,
}

pub const NUMERIC: &[Numeric] = &[
    Numeric {
        loinc: "2345-7",
        display: "Glucose [Mass/volume] in Serum or Plasma",
        unit: "mg/dL",
        low: 70,
        high: 99,
        decimals: 0,
    },
    Numeric {
        loinc: "718-7",
        display: "Hemoglobin [Mass/volume] in Blood",
        unit: "g/dL",
        low: 120,
        high: 160,
        decimals: 1,
    },
    Numeric {
        loinc: "2160-0",
        display: "Creatinine [Mass/volume] in Serum or Plasma",
        unit: "mg/dL",
        low: 60,
        high: 130,
        decimals: 2,
    },
    Numeric {
        loinc: "2951-2",
        display: "Sodium [Moles/volume] in Serum or Plasma",
        unit: "mmol/L",
        low: 136,
        high: 145,
        decimals: 0,
    },
    Numeric {
        loinc: "2823-3",
        display: "Potassium [Moles/volume] in Serum or Plasma",
        unit: "mmol/L",
        low: 350,
        high: 510,
        decimals: 2,
    },
    Numeric {
        loinc: "6690-2",
        display: "Leukocytes [#/volume] in Blood by Automated count",
        unit: "10*3/uL",
        low: 45,
        high: 110,
        decimals: 1,
    },
    Numeric {
        loinc: "777-3",
        display: "Platelets [#/volume] in Blood by Automated count",
        unit: "10*3/uL",
        low: 150,
        high: 400,
        decimals: 0,
    },
    Numeric {
        loinc: "4548-4",
        display: "Hemoglobin A1c/Hemoglobin.total in Blood",
        unit: "%",
        low: 40,
        high: 56,
        decimals: 1,
    },
    Numeric {
        loinc: "8867-4",
        display: "Heart rate",
        unit: "/min",
        low: 60,
        high: 100,
        decimals: 0,
    },
    Numeric {
        loinc: "8310-5",
        display: "Body temperature",
        unit: "Cel",
        low: 3610,
        high: 3720,
        decimals: 2,
    },
    Numeric {
        loinc: "29463-7",
        display: "Body weight",
        unit: "kg",
        low: 5000,
        high: 9000,
        decimals: 2,
    },
];

/// Coded observations: LOINC code and display, with the SNOMED CT answers that fit them.
/// (code, display) pairs.
pub type Codes = &'static [(&'static str, &'static str)];

pub const CODED: &[(&str, &str, Codes)] = &[
    (
        "600-7",
        "Bacteria identified in Blood by Culture",
        &[
            ("264868006", "No growth"),
            ("112283007", "Escherichia coli"),
            ("3092008", "Staphylococcus aureus"),
        ],
    ),
    (
        "882-1",
        "ABO and Rh group [Type] in Blood",
        &[
            ("278149003", "Blood group A Rh(D) positive"),
            ("278152006", "Blood group A Rh(D) negative"),
        ],
    ),
    (
        "2349-9",
        "Glucose [Presence] in Urine",
        &[("260385009", "Negative"), ("10828004", "Positive")],
    ),
];

/// String observations: LOINC and display, with plain values.
pub const STRINGS: &[(&str, &str)] = &[
    ("5767-9", "Appearance of Urine"),
    ("5778-6", "Color of Urine"),
];
pub const STRING_VALUES: &[&str] = &["CLEAR", "SLIGHTLY CLOUDY", "YELLOW", "STRAW", "AMBER"];

/// Narrative (TX) observations.
pub const NARRATIVE: &[(&str, &str)] = &[
    ("11502-2", "Laboratory report"),
    ("22637-3", "Pathology report final diagnosis Narrative"),
];

/// Structured-numeric (SN) observations: LOINC, display, unit, and SN values
/// (comparator^num1^separator^num2).
pub const SN_OBS: &[(&str, &str, &str)] = &[
    (
        "33914-3",
        "Glomerular filtration rate/1.73 sq M.predicted",
        "mL/min/{1.73_m2}",
    ),
    (
        "5821-4",
        "Leukocytes [#/area] in Urine sediment by Microscopy high power field",
        "/[HPF]",
    ),
];
pub const SN_VALUES: &[&str] = &[">^60", "<^10", "^2^-^5", "^1^:^128", "^10^-^20", ">=^90"];

/// Order panels (LOINC).
pub const PANELS: &[(&str, &str)] = &[
    (
        "24323-8",
        "Comprehensive metabolic 2000 panel - Serum or Plasma",
    ),
    ("58410-2", "CBC panel - Blood by Automated count"),
    ("24331-1", "Lipid 1996 panel - Serum or Plasma"),
    ("24356-8", "Urinalysis complete panel - Urine"),
];

/// ICD-10 diagnoses.
pub const DIAGNOSES: &[(&str, &str)] = &[
    ("E11.9", "Type 2 diabetes mellitus without complications"),
    ("I10", "Essential (primary) hypertension"),
    ("J45.909", "Unspecified asthma, uncomplicated"),
    ("N39.0", "Urinary tract infection, site not specified"),
    ("R07.9", "Chest pain, unspecified"),
];

/// Allergens (local codes) for AL1.
pub const ALLERGENS: &[(&str, &str)] = &[
    ("PCN", "Penicillin"),
    ("LTX", "Latex"),
    ("SULF", "Sulfonamides"),
    ("PNUT", "Peanut"),
];

/// Free-text fragments that need HL7 escaping, already escaped with the default
/// delimiters: `\F\` `|`, `\S\` `^`, `\T\` `&`, `\R\` `~`, `\E\` `\`, `\.br\` line break,
/// `\X0D\` a hex-encoded carriage return.
pub const ESCAPED_PHRASES: &[&str] = &[
    "Specimen received \\T\\ processed",
    "Result verified by lab",
    "Ratio A\\S\\B within limits",
    "See file LAB\\E\\RESULTS\\E\\2024",
    "Columns shown as X \\F\\ Y",
    "Repeat marker \\R\\ kept",
    "Line one\\X0D\\Line two",
    "Clinician notified by phone",
    "Hemolyzed sample \\T\\ recollect advised",
    "Comment follows",
];
