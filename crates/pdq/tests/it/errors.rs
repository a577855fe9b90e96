//! Bad input gives a clear error, never a panic.

use pdq::{Error, Hasher, PdqHash};
use proptest::prelude::*;

/// The PDQ reference data in the shared folder.
fn pdq_data() -> String {
    test_data::shared("data/pdq")
}

#[test]
fn empty_input_is_refused() {
    let err = Hasher::new().hash_bytes(&[]).unwrap_err();
    assert_eq!(err, Error::EmptyInput);
    assert!(err.to_string().contains("0 bytes"));
}

#[test]
fn unknown_format_is_refused() {
    let err = Hasher::new()
        .hash_bytes(b"this is plain text, not an image")
        .unwrap_err();
    assert_eq!(err, Error::UnknownFormat);
}

#[test]
fn truncated_images_are_refused() {
    let mut hasher = Hasher::new();
    for file in ["q0122.png", "q0122.jpg", "wee.png"] {
        let bytes = std::fs::read(format!("{}/images/{file}", pdq_data())).unwrap();
        for cut in [8, 40, bytes.len() / 3, bytes.len() / 2] {
            match hasher.hash_bytes(&bytes[..cut]) {
                Err(Error::Decode(msg)) => assert!(!msg.is_empty()),
                other => panic!("{file} cut at {cut}: expected a decode error, got {other:?}"),
            }
        }
    }
}

#[test]
fn hash_strings_are_checked() {
    assert_eq!(
        "abc".parse::<PdqHash>().unwrap_err(),
        Error::HashLength { found: 3 }
    );
    let long = "0".repeat(65);
    assert_eq!(
        long.parse::<PdqHash>().unwrap_err(),
        Error::HashLength { found: 65 }
    );
    let mut bad = "0".repeat(63);
    bad.push('g');
    let err = bad.parse::<PdqHash>().unwrap_err();
    assert_eq!(
        err,
        Error::HashDigit {
            position: 64,
            found: 'g'
        }
    );
    assert!(err.to_string().contains("character 64"));
    // Non-ASCII input of the right byte length is refused, not sliced mid-character.
    let mut uni = "0".repeat(62);
    uni.push('é');
    assert!(matches!(
        uni.parse::<PdqHash>(),
        Err(Error::HashDigit { position: 63, .. })
    ));
}

#[test]
fn pixel_buffers_are_checked() {
    let mut hasher = Hasher::new();
    assert!(matches!(
        hasher.hash_rgb8(&[0; 10], 2, 2),
        Err(Error::PixelBuffer {
            expected: 12,
            found: 10,
            ..
        })
    ));
    assert!(matches!(
        hasher.hash_rgb8(&[], 0, 5),
        Err(Error::EmptyImage { .. })
    ));
    assert!(matches!(
        hasher.hash_luma8(&[0; 4], usize::MAX, 2),
        Err(Error::TooLarge { .. })
    ));
    // Below 5 pixels a side, Meta's reference returns the zero hash with quality 0.
    let tiny = hasher.hash_luma8(&[200; 12], 4, 3).unwrap();
    assert_eq!(tiny.hash, PdqHash::ZERO);
    assert_eq!(tiny.quality, 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = Hasher::new().hash_bytes(&bytes);
    }

    #[test]
    fn corrupted_png_never_panics(flips in proptest::collection::vec((any::<u16>(), any::<u8>()), 1..20)) {
        let mut bytes = std::fs::read(format!("{}/images/wee.png", pdq_data())).unwrap();
        let n = bytes.len();
        for (at, v) in flips {
            bytes[at as usize % n] ^= v;
        }
        let _ = Hasher::new().hash_bytes(&bytes);
    }

    #[test]
    fn any_pixels_hash_with_quality_in_range(
        w in 1usize..90, h in 1usize..90, seed in any::<u64>()
    ) {
        let mut x = seed | 1;
        let pixels: Vec<u8> = (0..w * h * 3).map(|_| { x ^= x << 13; x ^= x >> 7; x ^= x << 17; x as u8 }).collect();
        let mut hasher = Hasher::new();
        let p = hasher.hash_rgb8(&pixels, w, h).unwrap();
        prop_assert!(p.quality <= 100);
        let d = hasher.dihedral_rgb8(&pixels, w, h).unwrap();
        prop_assert_eq!(d.hashes[0], p.hash);
        if w >= 5 && h >= 5 {
            // The median split sets at most 128 bits.
            prop_assert!(p.hash.count_ones() <= 128);
        }
    }
}

/// CRC-32 (IEEE) of PNG chunks.
fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// A PNG whose header claims `w` by `h` grey pixels, with a tiny data chunk.
fn png_header_only(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        out.extend(&body);
        out.extend(crc32(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    // A zlib stream of a few zero bytes.
    chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01],
    );
    chunk(b"IEND", &[]);
    out
}

#[test]
fn huge_dimensions_are_refused_before_decoding() {
    let side = pdq::decode::MAX_SIDE;
    for (w, h) in [
        (20_000, 20_000),
        (7_072, 7_072),
        (side + 1, 10),
        (10, side + 1),
    ] {
        let started = std::time::Instant::now();
        match pdq::decode(&png_header_only(w, h)) {
            Err(pdq::Error::Limits(m)) => assert!(!m.is_empty()),
            other => panic!("{w}x{h}: expected a limits error, got {other:?}"),
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }
    // At the limits the header is accepted (the truncated data then fails to decode).
    assert!(matches!(
        pdq::decode(&png_header_only(7_000, 7_000)),
        Err(pdq::Error::Decode(_))
    ));
}
