#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ira_fuzz::entry::profile_loaders(data);
});
