//! libFuzzer entry for the `run_file` target ([`bioplay_fuzz::run_file`]); run by `make fuzz`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| bioplay_fuzz::run_file(data));
