//! fhirbolt's R4 `Resource` deserializer behind one function.
//!
//! Instantiating fhirbolt's serde code takes minutes in a release build. Here it is
//! instantiated once, in a crate that depends on no other ira crate, so that a change
//! to the readers or the analysis does not compile it again (`ira-conform`, which
//! needs `ira-parse`, calls [`deserialize_error`]).

use fhirbolt::model::r4::Resource;
use fhirbolt::serde::{DeserializationConfig, DeserializationMode};

/// fhirbolt's error for the R4 JSON resource `text`, `None` if it deserializes.
///
/// Strict mode: compatibility mode never consumes an unknown element's value, and one
/// holding a non-empty array makes it loop forever (found by fuzzing). fhirbolt 0.4
/// panics on some inputs (an `unwrap` in its element deserializer, hit by empty
/// arrays); a panic counts as an error, `"fhirbolt panicked"`.
pub fn deserialize_error(text: &str) -> Option<String> {
    let config = Some(DeserializationConfig {
        mode: DeserializationMode::Strict,
    });
    let result = std::panic::catch_unwind(|| {
        fhirbolt::json::from_str::<Resource>(text, config)
            .err()
            .map(|e| e.to_string())
    });
    result.unwrap_or_else(|_| Some("fhirbolt panicked".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_resource_deserializes() {
        assert_eq!(
            deserialize_error(r#"{"resourceType":"Patient","id":"p1","gender":"female"}"#),
            None
        );
    }

    #[test]
    fn an_unknown_element_is_an_error_in_strict_mode() {
        let e = deserialize_error(r#"{"resourceType":"Patient","foo":[1]}"#);
        assert!(e.is_some_and(|e| e.contains("foo")));
    }
}
