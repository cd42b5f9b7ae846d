//! The HL7 v2 path notation: `SEG[occ]-field[rep].component.subcomponent`.
//!
//! * `PID-3` — field 3 of the (first) PID segment.
//! * `PID-3[2].4.1` — repetition 2 of PID-3, component 4, subcomponent 1.
//! * `OBX[3]-5` — field 5 of the third OBX segment of the message.
//!
//! Indexes are 1-based as in the HL7 standard. An occurrence or repetition of 1 is not
//! written; a component or subcomponent of 0 means "not split at that level" (the value
//! had no component separator) and is not written either. `MSH-1` is the field
//! separator itself and `MSH-2` the encoding characters, as the standard counts them.

use std::fmt;

/// A position in the structure of an HL7 v2 message. Small and `Copy`, so walking a
/// message builds paths without allocating.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct V2Path {
    /// Segment id, three ASCII bytes (`PID`, `ZPI`).
    pub segment: [u8; 3],
    /// 1-based occurrence of this segment id in the message.
    pub occurrence: u32,
    /// 1-based field number (`MSH-1` is the field separator).
    pub field: u16,
    /// 1-based repetition.
    pub repetition: u16,
    /// 1-based component, 0 = the field is not split into components.
    pub component: u16,
    /// 1-based subcomponent, 0 = the component is not split into subcomponents.
    pub subcomponent: u16,
}

impl V2Path {
    /// `SEG-field` with everything else at its default.
    pub fn field(segment: [u8; 3], field: u16) -> Self {
        Self {
            segment,
            occurrence: 1,
            field,
            repetition: 1,
            component: 0,
            subcomponent: 0,
        }
    }

    /// The segment id as text (`PID`); `???` if it is not ASCII.
    pub fn segment_str(&self) -> &str {
        std::str::from_utf8(&self.segment).unwrap_or("???")
    }

    /// The same path without segment occurrence and repetition (`OBX[3]-5[2].1` →
    /// `OBX-5.1`): the key that profiles and maps group by.
    pub fn schema_key(&self) -> V2Path {
        V2Path {
            occurrence: 1,
            repetition: 1,
            ..*self
        }
    }

    /// Parses the notation. Returns `None` if `s` is not a well-formed path.
    pub fn parse(s: &str) -> Option<V2Path> {
        let b = s.as_bytes();
        if b.len() < 3 {
            return None;
        }
        let mut segment = [0u8; 3];
        segment.copy_from_slice(&b[..3]);
        if !segment
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        {
            return None;
        }
        let mut rest = &s[3..];
        let mut occurrence = 1u32;
        if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            occurrence = r[..end].parse().ok().filter(|&n| n >= 1)?;
            rest = &r[end + 1..];
        }
        let mut path = V2Path {
            segment,
            occurrence,
            field: 0,
            repetition: 1,
            component: 0,
            subcomponent: 0,
        };
        if rest.is_empty() {
            return Some(path);
        }
        let rest = rest.strip_prefix('-')?;
        let (field_part, tail) = match rest.find(['[', '.']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        path.field = field_part.parse().ok().filter(|&n| n >= 1)?;
        let mut tail = tail;
        if let Some(r) = tail.strip_prefix('[') {
            let end = r.find(']')?;
            path.repetition = r[..end].parse().ok().filter(|&n| n >= 1)?;
            tail = &r[end + 1..];
        }
        if tail.is_empty() {
            return Some(path);
        }
        // `tail` is now `.c` or `.c.s`.
        let mut parts = tail.strip_prefix('.')?.split('.');
        if let Some(c) = parts.next() {
            path.component = c.parse().ok().filter(|&n| n >= 1)?;
        }
        if let Some(sc) = parts.next() {
            path.subcomponent = sc.parse().ok().filter(|&n| n >= 1)?;
        }
        if parts.next().is_some() {
            return None;
        }
        Some(path)
    }
}

impl fmt::Display for V2Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.segment_str())?;
        if self.occurrence > 1 {
            write!(f, "[{}]", self.occurrence)?;
        }
        if self.field == 0 {
            return Ok(());
        }
        write!(f, "-{}", self.field)?;
        if self.repetition > 1 {
            write!(f, "[{}]", self.repetition)?;
        }
        if self.component > 0 {
            write!(f, ".{}", self.component)?;
            if self.subcomponent > 0 {
                write!(f, ".{}", self.subcomponent)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_documented_forms() {
        for s in [
            "PID",
            "PID-3",
            "PID-3[2].4.1",
            "OBX[3]-5",
            "MSH-9.2",
            "ZPI-1[3]",
        ] {
            let p = V2Path::parse(s).unwrap_or_else(|| panic!("{s} should parse"));
            assert_eq!(p.to_string(), s);
        }
        let p = V2Path::parse("PID-3[2].4.1").unwrap();
        assert_eq!(
            (p.field, p.repetition, p.component, p.subcomponent),
            (3, 2, 4, 1)
        );
    }

    #[test]
    fn rejects_malformed_paths() {
        for s in [
            "",
            "PI",
            "pid-3",
            "PID-",
            "PID-0",
            "PID-3[0]",
            "PID-3.1.2.3",
            "PID3",
            "PID-3[2",
            "PID-x",
        ] {
            assert_eq!(V2Path::parse(s), None, "{s:?} should not parse");
        }
    }
}
