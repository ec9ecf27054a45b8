//! libFuzzer entry for the `idx` target ([`bioplay_fuzz::idx`]); run by `make fuzz`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| bioplay_fuzz::idx(data));
