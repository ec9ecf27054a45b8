//! libFuzzer entry for the `share_link` target ([`bioplay_fuzz::share_link`]); run by `make fuzz`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| bioplay_fuzz::share_link(data));
