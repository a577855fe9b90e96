//! Fuzzes image decoding with its limits (`pdq::decode`) followed by PDQ hashing.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(img) = pdq::decode(data) else {
        return;
    };
    let mut hasher = pdq::Hasher::new();
    let _ = hasher.hash_image(&img);
    let _ = hasher.dihedral_image(&img);
});
