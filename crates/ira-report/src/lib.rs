//! Rendering of ira results into output formats. The only crate that knows formats.
