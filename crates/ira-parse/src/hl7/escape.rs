//! HL7 v2 escape sequences (`\F\`, `\X0D\`, `\.br\`, …).

use std::borrow::Cow;

use super::Delimiters;

/// What one escape sequence (the bytes between the two escape characters) means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Escape {
    /// Stands for one byte (a delimiter, or `\.br\` = newline).
    Byte(u8),
    /// `\Xhh…\`: bytes in hex, an even number of hex digits.
    Hex,
    /// Known but not decoded here (formatting, charset switch, local `\Z..\`): kept as written.
    Keep,
    /// Not a known escape.
    Unknown,
}

fn is_hex(b: &[u8]) -> bool {
    !b.is_empty() && b.len() % 2 == 0 && b.iter().all(u8::is_ascii_hexdigit)
}

/// Classifies an escape sequence's content.
pub(crate) fn classify(seq: &[u8], d: &Delimiters) -> Escape {
    match seq {
        b"F" => Escape::Byte(d.field),
        b"S" => Escape::Byte(d.component),
        b"R" => Escape::Byte(d.repetition),
        b"T" => d.subcomponent.map_or(Escape::Unknown, Escape::Byte),
        b"E" => d.escape.map_or(Escape::Unknown, Escape::Byte),
        b".br" => Escape::Byte(b'\n'),
        b"H" | b"N" | b".fi" | b".nf" => Escape::Keep,
        [b'X', hex @ ..] if is_hex(hex) => Escape::Hex,
        [b'C', hex @ ..] if hex.len() == 4 && is_hex(hex) => Escape::Keep,
        [b'M', hex @ ..] if (hex.len() == 4 || hex.len() == 6) && is_hex(hex) => Escape::Keep,
        [b'Z', rest @ ..] if !rest.is_empty() => Escape::Keep,
        [b'.', b's', b'p', n @ ..] | [b'.', b's', b'k', n @ ..] | [b'.', b'c', b'e', n @ ..]
            if n.iter().all(u8::is_ascii_digit) =>
        {
            Escape::Keep
        }
        [b'.', b'i', b'n', n @ ..] | [b'.', b't', b'i', n @ ..] => {
            let n = n
                .strip_prefix(b"+")
                .or_else(|| n.strip_prefix(b"-"))
                .unwrap_or(n);
            if n.iter().all(u8::is_ascii_digit) {
                Escape::Keep
            } else {
                Escape::Unknown
            }
        }
        _ => Escape::Unknown,
    }
}

fn hex_val(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

/// Replaces the decodable escapes of `raw`; everything else is kept byte for byte.
pub(crate) fn unescape<'a>(raw: &'a [u8], d: &Delimiters) -> Cow<'a, [u8]> {
    let Some(esc) = d.escape else {
        return Cow::Borrowed(raw);
    };
    // Most leaves are a few bytes long: a plain scan beats memchr's set-up there.
    let first = if raw.len() < 32 {
        raw.iter().position(|&b| b == esc)
    } else {
        memchr::memchr(esc, raw)
    };
    let Some(first) = first else {
        return Cow::Borrowed(raw);
    };
    let mut out = Vec::with_capacity(raw.len());
    out.extend_from_slice(&raw[..first]);
    let mut i = first;
    while i < raw.len() {
        let Some(n) = memchr::memchr(esc, &raw[i + 1..]) else {
            // Unterminated: kept as written (the reader reports it).
            out.extend_from_slice(&raw[i..]);
            break;
        };
        let end = i + 1 + n; // index of the closing escape char
        let seq = &raw[i + 1..end];
        match classify(seq, d) {
            Escape::Byte(b) => out.push(b),
            Escape::Hex => {
                for pair in seq[1..].chunks_exact(2) {
                    out.push(hex_val(pair[0]) << 4 | hex_val(pair[1]));
                }
            }
            Escape::Keep | Escape::Unknown => out.extend_from_slice(&raw[i..=end]),
        }
        i = end + 1;
        match memchr::memchr(esc, &raw[i..]) {
            Some(k) => {
                out.extend_from_slice(&raw[i..i + k]);
                i += k;
            }
            None => {
                out.extend_from_slice(&raw[i..]);
                break;
            }
        }
    }
    Cow::Owned(out)
}

/// A problem with an escape sequence, found by [`check`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EscapeProblem {
    /// No closing escape character before the end of the value.
    Unterminated,
    /// A sequence that is not a known escape.
    Unknown,
}

/// Finds the first bad escape in `bytes` (a segment's fields, delimiters included).
/// An escape sequence cannot span a delimiter. Returns the offset of its opening
/// escape character.
pub(crate) fn check(bytes: &[u8], d: &Delimiters) -> Option<(usize, EscapeProblem)> {
    let esc = d.escape?;
    let mut i = 0;
    while let Some(k) = memchr::memchr(esc, &bytes[i..]) {
        let start = i + k;
        let rest = &bytes[start + 1..];
        let close = rest.iter().position(|&b| b == esc || d.is_separator(b));
        match close {
            Some(c) if rest[c] == esc => {
                if classify(&rest[..c], d) == Escape::Unknown {
                    return Some((start, EscapeProblem::Unknown));
                }
                i = start + c + 2;
            }
            _ => return Some((start, EscapeProblem::Unterminated)),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn un(s: &[u8]) -> Vec<u8> {
        unescape(s, &Delimiters::default()).into_owned()
    }

    #[test]
    fn decodes_the_delimiter_escapes_and_keeps_formatting() {
        assert_eq!(un(br"A\F\B\S\C\T\D\R\E\E\"), b"A|B^C&D~E\\");
        assert_eq!(un(br"x\X0D0A\y"), b"x\r\ny");
        assert_eq!(un(br"l1\.br\l2"), b"l1\nl2");
        assert_eq!(un(br"\H\bold\N\"), br"\H\bold\N\");
        assert_eq!(un(br"a\.sp2\b"), br"a\.sp2\b");
        assert_eq!(un(br"open\F"), br"open\F");
        assert_eq!(un(br"\Q\"), br"\Q\");
        assert_eq!(un(br"\X0\"), br"\X0\");
    }

    #[test]
    fn check_finds_unterminated_and_unknown() {
        let d = Delimiters::default();
        assert_eq!(check(br"a\F\b|c\S\", &d), None);
        assert_eq!(
            check(br"ab\F|c", &d),
            Some((2, EscapeProblem::Unterminated))
        );
        assert_eq!(check(br"ab|c\Q\", &d), Some((4, EscapeProblem::Unknown)));
        assert_eq!(check(br"x\", &d), Some((1, EscapeProblem::Unterminated)));
    }
}
