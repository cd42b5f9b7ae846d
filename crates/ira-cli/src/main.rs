//! The `ira` binary.

fn main() {
    std::process::exit(0);
}
