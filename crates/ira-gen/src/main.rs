//! `ira-gen`: writes synthetic corpora to files, for end-to-end runs on GB-size inputs.
//!
//! ```text
//! ira-gen hl7 --size-mb 100 --seed 1 [--framing newline|mllp|none] [--terminator cr|lf|crlf] -o FILE
//! ira-gen fhir-ndjson --size-mb 100 --seed 1 -o FILE
//! ira-gen fhir-bundles --count 10 --seed 1 -o DIR
//! ```
//! `-o -` (or no `-o`) writes to standard output (not for `fhir-bundles`).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use ira_gen::{Framing, Hl7Options, Terminator, fhir_bundles, write_fhir_ndjson, write_hl7_corpus};

const USAGE: &str = "usage:
  ira-gen hl7 --size-mb N --seed S [--framing newline|mllp|none] [--terminator cr|lf|crlf] [-o FILE]
  ira-gen fhir-ndjson --size-mb N --seed S [-o FILE]
  ira-gen fhir-bundles --count N --seed S -o DIR
--size-mb takes a decimal (0.5 = 512 KiB; 1 MB = 2^20 bytes). -o - or no -o: standard output.";

struct Args {
    command: String,
    size_bytes: usize,
    seed: u64,
    count: usize,
    framing: Framing,
    terminator: Terminator,
    out: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let command = it.next().ok_or("missing command")?;
    if !matches!(command.as_str(), "hl7" | "fhir-ndjson" | "fhir-bundles") {
        return Err(format!("unknown command: {command}"));
    }
    let mut a = Args {
        command,
        size_bytes: 1 << 20,
        seed: 1,
        count: 10,
        framing: Framing::Newline,
        terminator: Terminator::Cr,
        out: None,
    };
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--size-mb" => {
                let v = value()?;
                let mb: f64 = v
                    .parse()
                    .map_err(|_| format!("--size-mb: not a number: {v}"))?;
                if !(mb >= 0.0 && mb.is_finite()) {
                    return Err("--size-mb must be >= 0".into());
                }
                a.size_bytes = (mb * (1u64 << 20) as f64) as usize;
            }
            "--seed" => {
                let v = value()?;
                a.seed = v
                    .parse()
                    .map_err(|_| format!("--seed: not an integer: {v}"))?;
            }
            "--count" => {
                let v = value()?;
                a.count = v
                    .parse()
                    .map_err(|_| format!("--count: not an integer: {v}"))?;
            }
            "--framing" => {
                a.framing = match value()?.as_str() {
                    "newline" => Framing::Newline,
                    "mllp" => Framing::Mllp,
                    "none" => Framing::None,
                    other => {
                        return Err(format!(
                            "--framing: expected newline|mllp|none, got {other}"
                        ));
                    }
                }
            }
            "--terminator" => {
                a.terminator = match value()?.as_str() {
                    "cr" => Terminator::Cr,
                    "lf" => Terminator::Lf,
                    "crlf" => Terminator::CrLf,
                    other => return Err(format!("--terminator: expected cr|lf|crlf, got {other}")),
                }
            }
            "-o" | "--output" => {
                let v = value()?;
                a.out = if v == "-" {
                    None
                } else {
                    Some(PathBuf::from(v))
                };
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(a)
}

fn sink(out: &Option<PathBuf>) -> io::Result<Box<dyn Write>> {
    Ok(match out {
        Some(p) => Box::new(BufWriter::with_capacity(1 << 20, File::create(p)?)),
        None => Box::new(BufWriter::with_capacity(1 << 20, io::stdout().lock())),
    })
}

fn run(a: &Args) -> Result<(), String> {
    let io_err = |e: io::Error| format!("write failed: {e}");
    match a.command.as_str() {
        "hl7" => {
            let opts = Hl7Options {
                seed: a.seed,
                target_bytes: a.size_bytes,
                framing: a.framing,
                terminator: a.terminator,
            };
            let mut w = sink(&a.out).map_err(io_err)?;
            let stats = write_hl7_corpus(&opts, &mut w).map_err(io_err)?;
            w.flush().map_err(io_err)?;
            eprintln!(
                "ira-gen: {} HL7 messages, {} bytes",
                stats.items, stats.bytes
            );
        }
        "fhir-ndjson" => {
            let mut w = sink(&a.out).map_err(io_err)?;
            let stats = write_fhir_ndjson(a.seed, a.size_bytes, &mut w).map_err(io_err)?;
            w.flush().map_err(io_err)?;
            eprintln!(
                "ira-gen: {} FHIR resources, {} bytes",
                stats.items, stats.bytes
            );
        }
        "fhir-bundles" => {
            let dir = a.out.as_ref().ok_or("fhir-bundles needs -o DIR")?;
            std::fs::create_dir_all(dir).map_err(io_err)?;
            for (i, b) in fhir_bundles(a.seed, a.count).iter().enumerate() {
                std::fs::write(dir.join(format!("bundle-{i:05}.json")), b).map_err(io_err)?;
            }
            eprintln!("ira-gen: {} bundles in {}", a.count, dir.display());
        }
        other => return Err(format!("unknown command: {other}")),
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("ira-gen: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ira-gen: {e}");
            ExitCode::FAILURE
        }
    }
}
