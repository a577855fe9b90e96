//! The optimised hasher equals a plain, unoptimised transcription of the PDQ description
//! (full-size buffers, one row or column at a time) on images of many shapes.

use pdq::{Hasher, PdqHash, Transform};
use proptest::prelude::*;

/// One-dimensional box filter over `n` values at `stride`, as the PDQ description states it:
/// a running sum that first grows, then slides (add, then subtract), then shrinks.
fn box1d(inp: &[f32], out: &mut [f32], start: usize, n: usize, stride: usize, win: usize) {
    let half = (win + 2) / 2;
    let mut sum = 0f32;
    let mut count = 0usize;
    let at = |k: usize| start + k * stride;
    let mut ri = 0;
    let mut li = 0;
    let mut oi = 0;
    for _ in 0..half - 1 {
        sum += inp[at(ri)];
        count += 1;
        ri += 1;
    }
    for _ in 0..win - half + 1 {
        sum += inp[at(ri)];
        count += 1;
        out[at(oi)] = sum / count as f32;
        ri += 1;
        oi += 1;
    }
    for _ in 0..n - win {
        sum += inp[at(ri)];
        sum -= inp[at(li)];
        out[at(oi)] = sum / count as f32;
        ri += 1;
        li += 1;
        oi += 1;
    }
    for _ in 0..half - 1 {
        sum -= inp[at(li)];
        count -= 1;
        out[at(oi)] = sum / count as f32;
        li += 1;
        oi += 1;
    }
}

/// Returns the 16x16 coefficients and the quality, or `None` below 5 pixels a side.
fn naive_dct(luma: &[f32], w: usize, h: usize) -> Option<([f32; 256], u32)> {
    if w < 5 || h < 5 {
        return None;
    }
    let mut a = vec![0f32; 64 * 64];
    if w == 64 && h == 64 {
        a.copy_from_slice(luma);
    } else {
        let mut b1 = luma.to_vec();
        let mut b2 = vec![0f32; w * h];
        let (wr, wc) = (w.div_ceil(128), h.div_ceil(128));
        for _ in 0..2 {
            for i in 0..h {
                box1d(&b1, &mut b2, i * w, w, 1, wr);
            }
            for j in 0..w {
                box1d(&b2, &mut b1, j, h, w, wc);
            }
        }
        for i in 0..64 {
            let ii = ((i as f64 + 0.5) * h as f64 / 64.0) as usize;
            for j in 0..64 {
                let jj = ((j as f64 + 0.5) * w as f64 / 64.0) as usize;
                a[i * 64 + j] = b1[ii * w + jj];
            }
        }
    }
    let mut gradient = 0i64;
    for i in 0..64 {
        for j in 0..64 {
            for (di, dj) in [(1usize, 0usize), (0, 1)] {
                if i + di < 64 && j + dj < 64 {
                    let d = ((a[i * 64 + j] - a[(i + di) * 64 + j + dj]) * 100.0) / 255.0;
                    gradient += i64::from((d as i32).abs());
                }
            }
        }
    }
    let quality = (gradient / 90).min(100) as u32;
    let scale = (2.0f64 / 64.0).sqrt() as f32;
    let dct = |i: usize, k: usize| {
        let angle = (std::f64::consts::PI / 2.0 / 64.0) * (i + 1) as f64 * (2 * k + 1) as f64;
        (f64::from(scale) * angle.cos()) as f32
    };
    let mut t = vec![0f32; 16 * 64];
    for i in 0..16 {
        for j in 0..64 {
            let mut s = 0f32;
            for k in 0..64 {
                s += dct(i, k) * a[k * 64 + j];
            }
            t[i * 64 + j] = s;
        }
    }
    let mut out = [0f32; 256];
    for i in 0..16 {
        for j in 0..16 {
            let mut s = 0f32;
            for k in 0..64 {
                s += t[i * 64 + k] * dct(j, k);
            }
            out[i * 16 + j] = s;
        }
    }
    Some((out, quality))
}

fn bits(c: &[f32; 256]) -> PdqHash {
    let mut sorted = c.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let median = sorted[127];
    let mut h = PdqHash::ZERO;
    for (k, v) in c.iter().enumerate() {
        if *v > median {
            h.set_bit(k);
        }
    }
    h
}

/// Simple deterministic pixels: smooth blobs plus noise, so quality varies.
fn pixels(w: usize, h: usize, seed: u64, noise: u8) -> Vec<u8> {
    let mut x = seed | 1;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let (cx, cy) = ((rnd() % 7) as f32 + 1.0, (rnd() % 5) as f32 + 1.0);
    (0..w * h)
        .map(|p| {
            let (i, j) = ((p / w) as f32 / h as f32, (p % w) as f32 / w as f32);
            let base = 120.0 + 100.0 * (cx * j * 3.1).sin() * (cy * i * 2.3).cos();
            let n = if noise == 0 {
                0
            } else {
                (rnd() % u64::from(noise)) as i32
            };
            (base as i32 + n).clamp(0, 255) as u8
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn optimised_equals_naive(w in 1usize..400, h in 1usize..400, seed in any::<u64>(), noise in 0u8..80) {
        let px = pixels(w, h, seed, noise);
        let luma: Vec<f32> = px.iter().map(|&v| f32::from(v)).collect();
        let mut hasher = Hasher::new();
        let got = hasher.hash_luma8(&px, w, h).unwrap();
        match naive_dct(&luma, w, h) {
            None => {
                prop_assert_eq!(got.hash, PdqHash::ZERO);
                prop_assert_eq!(got.quality, 0);
            }
            Some((coeffs, quality)) => {
                prop_assert_eq!(got.hash, bits(&coeffs));
                prop_assert_eq!(got.quality, quality);
            }
        }
        // The float-luma entry point and the dihedral original agree with the byte entry point.
        prop_assert_eq!(hasher.hash_luma_f32(&luma, w, h).unwrap(), got);
        prop_assert_eq!(hasher.dihedral_luma8(&px, w, h).unwrap().get(Transform::Original), got.hash);
    }
}

#[test]
fn exactly_64x64_skips_the_blur_like_meta() {
    let px = pixels(64, 64, 9, 40);
    let luma: Vec<f32> = px.iter().map(|&v| f32::from(v)).collect();
    let (coeffs, quality) = naive_dct(&luma, 64, 64).unwrap();
    let got = Hasher::new().hash_luma8(&px, 64, 64).unwrap();
    assert_eq!((got.hash, got.quality), (bits(&coeffs), quality));
}

#[test]
fn one_hasher_reused_across_sizes_gives_fresh_results() {
    let mut shared = Hasher::new();
    for (w, h) in [
        (300, 200),
        (7, 9),
        (640, 480),
        (64, 64),
        (5, 700),
        (300, 200),
    ] {
        let px = pixels(w, h, (w * h) as u64, 30);
        assert_eq!(
            shared.hash_luma8(&px, w, h).unwrap(),
            Hasher::new().hash_luma8(&px, w, h).unwrap()
        );
    }
}
