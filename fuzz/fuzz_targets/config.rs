//! libFuzzer entry for the `config` target ([`bioplay_fuzz::config`]); run by `make fuzz`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| bioplay_fuzz::config(data));
