//! The fuzzed entry points (see `entry.rs`, also compiled into the stable tests).

pub mod entry;
