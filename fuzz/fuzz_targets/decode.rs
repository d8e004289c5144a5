//! `cargo fuzz run decode`: the generated decoder on arbitrary bytes must return a result,
//! never panic, hang or overflow its stack.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = wspec_generated::decode::decode_module(data);
    // Also with a valid header, so the fuzzer reaches the sections quickly.
    let mut m = b"\0asm\x01\0\0\0".to_vec();
    m.extend_from_slice(data);
    let _ = wspec_generated::decode::decode_module(&m);
});
