//! The PDQ algorithm on decoded pixels: luminance, Jarosz tent filter, decimation, quality, DCT,
//! median threshold and the eight dihedral variants.
//!
//! The float arithmetic follows Meta's reference step for step (same operations in the same order,
//! no fused multiply-add), so results are bit-identical to it. Speed comes from doing the same
//! operations on eight independent rows or columns at once, and from computing the last two filter
//! passes only where the 64x64 decimation reads them.

use crate::{Error, PdqHash};

/// Number of independent rows or columns filtered together.
const LANES: usize = 8;

/// Meta's smallest hashable side; smaller images hash to zero with quality 0.
const MIN_HASHABLE_DIM: usize = 5;

/// Marks a row or column that the decimation does not read.
const UNUSED: u32 = u32::MAX;

type Lanes = [f32; LANES];

/// A PDQ hash with its quality score (0..=100; Meta's rule: below 50 do not match).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pdq {
    /// The 256-bit hash.
    pub hash: PdqHash,
    /// The image-domain quality metric, 0..=100.
    pub quality: u32,
}

/// The eight dihedral transforms of an image, in Meta's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transform {
    /// The image as given.
    Original,
    /// Rotated 90 degrees.
    Rotate90,
    /// Rotated 180 degrees.
    Rotate180,
    /// Rotated 270 degrees.
    Rotate270,
    /// Mirrored top to bottom (Meta's "flip X").
    FlipX,
    /// Mirrored left to right (Meta's "flip Y").
    FlipY,
    /// Transposed about the main diagonal (Meta's "flip plus 1").
    FlipPlus1,
    /// Transposed about the anti-diagonal (Meta's "flip minus 1").
    FlipMinus1,
}

impl Transform {
    /// All eight transforms, in the order of [`Dihedral::hashes`].
    pub const ALL: [Transform; 8] = [
        Transform::Original,
        Transform::Rotate90,
        Transform::Rotate180,
        Transform::Rotate270,
        Transform::FlipX,
        Transform::FlipY,
        Transform::FlipPlus1,
        Transform::FlipMinus1,
    ];

    /// A short lowercase name, e.g. `rotate90`.
    pub fn name(self) -> &'static str {
        match self {
            Transform::Original => "original",
            Transform::Rotate90 => "rotate90",
            Transform::Rotate180 => "rotate180",
            Transform::Rotate270 => "rotate270",
            Transform::FlipX => "flipx",
            Transform::FlipY => "flipy",
            Transform::FlipPlus1 => "flipplus1",
            Transform::FlipMinus1 => "flipminus1",
        }
    }
}

/// The hashes of all eight dihedral transforms of one image, derived from a single DCT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dihedral {
    /// One hash per transform, indexed like [`Transform::ALL`].
    pub hashes: [PdqHash; 8],
    /// The quality score, shared by all eight.
    pub quality: u32,
}

impl Dihedral {
    /// The hash of one transform.
    pub fn get(&self, t: Transform) -> PdqHash {
        let i = Transform::ALL.iter().position(|x| *x == t).unwrap_or(0);
        self.hashes[i]
    }
}

/// Reusable PDQ hasher: holds the DCT matrix and scratch buffers, so hashing many images
/// allocates only when a larger image arrives. Not shared between threads; make one per thread.
pub struct Hasher {
    /// DCT matrix, 16 rows by 64 columns, row-major.
    dct: Vec<f32>,
    /// The same matrix transposed, 64 rows by 16 columns.
    dct_t: Vec<f32>,
    /// Ring of the most recent rows out of the first row pass.
    ring: Vec<f32>,
    /// Eight rows transposed so the row filter runs on eight rows at once.
    strip: Vec<Lanes>,
    /// Filtered strip, before it is transposed back into rows.
    ostrip: Vec<Lanes>,
    /// Eight rows out of the first column pass, transposed for the second row pass.
    strip2: Vec<Lanes>,
    /// Second row pass, kept only at the decimated columns (height x sampled columns).
    d: Vec<f32>,
    /// Second column pass, kept only at the decimated rows and columns.
    e: Vec<f32>,
    /// Running sums of the column filter, one per column.
    sum: Vec<f32>,
}

impl Default for Hasher {
    fn default() -> Self {
        Hasher::new()
    }
}

impl Hasher {
    /// Creates a hasher and computes its DCT matrix.
    pub fn new() -> Hasher {
        // Meta: a float scale factor times a double cosine, rounded to float.
        let scale = (2.0f64 / 64.0).sqrt() as f32;
        let mut dct = vec![0f32; 16 * 64];
        let mut dct_t = vec![0f32; 64 * 16];
        for i in 0..16 {
            for j in 0..64 {
                let angle =
                    (std::f64::consts::PI / 2.0 / 64.0) * (i + 1) as f64 * (2 * j + 1) as f64;
                let v = (f64::from(scale) * angle.cos()) as f32;
                dct[i * 64 + j] = v;
                dct_t[j * 16 + i] = v;
            }
        }
        Hasher {
            dct,
            dct_t,
            ring: Vec::new(),
            strip: Vec::new(),
            ostrip: Vec::new(),
            strip2: Vec::new(),
            d: Vec::new(),
            e: Vec::new(),
            sum: Vec::new(),
        }
    }

    /// Hashes packed 8-bit RGB pixels (`width * height * 3` bytes, row-major).
    pub fn hash_rgb8(&mut self, pixels: &[u8], width: usize, height: usize) -> Result<Pdq, Error> {
        check_len(pixels.len(), width, height, 3)?;
        Ok(finish(self.run(
            Source::Interleaved(pixels, 3),
            width,
            height,
        )))
    }

    /// Hashes packed 8-bit RGBA pixels; alpha is ignored, as in Meta's reference.
    pub fn hash_rgba8(&mut self, pixels: &[u8], width: usize, height: usize) -> Result<Pdq, Error> {
        check_len(pixels.len(), width, height, 4)?;
        Ok(finish(self.run(
            Source::Interleaved(pixels, 4),
            width,
            height,
        )))
    }

    /// Hashes 8-bit greyscale pixels (`width * height` bytes); luminance is the grey value.
    pub fn hash_luma8(&mut self, pixels: &[u8], width: usize, height: usize) -> Result<Pdq, Error> {
        check_len(pixels.len(), width, height, 1)?;
        Ok(finish(self.run(Source::Grey(pixels), width, height)))
    }

    /// Hashes a luminance plane given as floats (`width * height` values, row-major).
    pub fn hash_luma_f32(
        &mut self,
        luma: &[f32],
        width: usize,
        height: usize,
    ) -> Result<Pdq, Error> {
        check_len(luma.len(), width, height, 1)?;
        Ok(finish(self.run(Source::Float(luma), width, height)))
    }

    /// All eight dihedral hashes of packed 8-bit RGB pixels, from one pass over the image.
    pub fn dihedral_rgb8(
        &mut self,
        pixels: &[u8],
        width: usize,
        height: usize,
    ) -> Result<Dihedral, Error> {
        check_len(pixels.len(), width, height, 3)?;
        Ok(finish_dihedral(self.run(
            Source::Interleaved(pixels, 3),
            width,
            height,
        )))
    }

    /// All eight dihedral hashes of 8-bit greyscale pixels.
    pub fn dihedral_luma8(
        &mut self,
        pixels: &[u8],
        width: usize,
        height: usize,
    ) -> Result<Dihedral, Error> {
        check_len(pixels.len(), width, height, 1)?;
        Ok(finish_dihedral(self.run(
            Source::Grey(pixels),
            width,
            height,
        )))
    }

    /// Runs the pipeline with the widest vector instructions the CPU has.
    #[allow(unsafe_code)]
    fn run(&mut self, src: Source<'_>, w: usize, h: usize) -> Option<([f32; 256], u32)> {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2, checked just above.
                return unsafe { self.run_avx2(src, w, h) };
            }
        }
        self.run_generic(src, w, h)
    }

    /// The pipeline compiled for AVX2 (no FMA: products and sums stay separately rounded).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[allow(unsafe_code)]
    unsafe fn run_avx2(
        &mut self,
        src: Source<'_>,
        w: usize,
        h: usize,
    ) -> Option<([f32; 256], u32)> {
        self.run_generic(src, w, h)
    }

    /// Blur, decimation, quality and DCT; `None` for images under 5 pixels a side.
    #[inline(always)]
    fn run_generic(&mut self, src: Source<'_>, w: usize, h: usize) -> Option<([f32; 256], u32)> {
        if w < MIN_HASHABLE_DIM || h < MIN_HASHABLE_DIM {
            return None;
        }
        let mut buf64 = [0f32; 64 * 64];
        if w == 64 && h == 64 {
            // Meta skips the blur when the input is already 64x64.
            for (i, row) in buf64.chunks_exact_mut(64).enumerate() {
                src.row(i, w, row);
            }
        } else {
            self.blur_and_decimate(src, w, h, &mut buf64);
        }
        let quality = quality(&buf64);
        Some((self.dct64_to_16(&buf64), quality))
    }

    /// Two X,Y passes of box filters (a tent filter), then sampling at 64x64 cell centres.
    ///
    /// The first three passes stream: eight rows at a time go through the first row pass into
    /// a ring of recent rows, the first column pass consumes that ring row by row, and its
    /// output rows are gathered eight at a time for the second row pass, which keeps only the
    /// decimated columns. Only the input and a few rows are touched, so large images stay in
    /// cache. The last column pass runs on the kept columns and keeps only the decimated rows.
    #[inline(always)]
    fn blur_and_decimate(&mut self, src: Source<'_>, w: usize, h: usize, out: &mut [f32; 64 * 64]) {
        let win_rows = window_size(w);
        let win_cols = window_size(h);
        let rows_in: [usize; 64] = std::array::from_fn(|i| decimate_index(i, h));
        let cols_in: [usize; 64] = std::array::from_fn(|j| decimate_index(j, w));
        let (row_slot, nrows) = slots(&rows_in, h);
        let (col_slot, ncols) = slots(&cols_in, w);

        // The ring must hold the row leaving the column window while eight new rows arrive.
        let ring_rows = win_cols + LANES;
        // Every element of these buffers is written before it is read: no clearing needed.
        fit(&mut self.ring, ring_rows * w);
        fit(&mut self.d, h * ncols);
        fit(&mut self.e, nrows * ncols);
        if self.strip.len() != w {
            self.strip.resize(w, [0.0; LANES]);
            self.ostrip.resize(w, [0.0; LANES]);
            self.strip2.resize(w, [0.0; LANES]);
        }
        // The running sums must start at zero.
        self.sum.clear();
        self.sum.resize(w, 0.0);

        let Hasher {
            strip,
            ostrip,
            strip2,
            ring,
            sum,
            d,
            e,
            ..
        } = self;
        let col_slot = &col_slot;

        let ph = Phases::new(h, win_cols);
        for r0 in (0..h).step_by(LANES) {
            let valid = LANES.min(h - r0);
            // First row pass on rows r0..r0 + valid, straight from the pixels.
            for l in 0..valid {
                src.row_into_lane(r0 + l, w, l, strip);
            }
            let s1: &[Lanes] = strip;
            let o1: &mut [Lanes] = ostrip;
            box1d(
                w,
                win_rows,
                #[inline(always)]
                |k| s1.get(k).copied().unwrap_or([0.0; LANES]),
                #[inline(always)]
                |k, sm, c| {
                    if let Some(o) = o1.get_mut(k) {
                        *o = div(sm, c);
                    }
                },
            );
            for l in 0..valid {
                let at = ((r0 + l) % ring_rows) * w;
                if let Some(row) = ring.get_mut(at..at + w) {
                    for (dst, cell) in row.iter_mut().zip(ostrip.iter()) {
                        *dst = cell[l];
                    }
                }
            }
            // First column pass, one arriving row at a time (Meta's phases 1 to 3).
            for ri in r0..r0 + valid {
                add_row(sum, ring_row(ring, ri, ring_rows, w));
                if ri >= win_cols {
                    sub_row(sum, ring_row(ring, ri - win_cols, ring_rows, w));
                }
                if ri >= ph.p1 {
                    let c = (ri + 1).min(win_cols) as f32;
                    second_row_pass_feed(
                        ri - ph.p1,
                        sum,
                        c,
                        h,
                        w,
                        win_rows,
                        strip2,
                        d,
                        col_slot,
                        ncols,
                    );
                }
            }
        }
        // Phase 4: the window shrinks past the last row.
        let mut count = win_cols;
        for t in 0..ph.p4 {
            sub_row(sum, ring_row(ring, h - win_cols + t, ring_rows, w));
            count -= 1;
            let oi = h - ph.p4 + t;
            let c = count as f32;
            second_row_pass_feed(oi, sum, c, h, w, win_rows, strip2, d, col_slot, ncols);
        }

        // Second column pass: d -> e, kept only at decimated rows.
        col_pass(d, ncols, h, win_cols, sum, |i, sums, c| {
            let slot = row_slot.get(i).copied().unwrap_or(UNUSED);
            if slot != UNUSED {
                let at = slot as usize * ncols;
                if let Some(dst) = e.get_mut(at..at + ncols) {
                    div_row(dst, sums, c);
                }
            }
        });
        for (i, &ri) in rows_in.iter().enumerate() {
            let rs = row_slot[ri] as usize;
            for (j, &cj) in cols_in.iter().enumerate() {
                let cs = col_slot[cj] as usize;
                out[i * 64 + j] = e.get(rs * ncols + cs).copied().unwrap_or(0.0);
            }
        }
    }

    /// The 16x16 DCT (frequencies 1..=16) of the 64x64 image: B = D A D^T, summed in order.
    fn dct64_to_16(&self, a: &[f32; 64 * 64]) -> [f32; 256] {
        let mut t = [0f32; 16 * 64];
        for i in 0..16 {
            let row: &mut [f32] = &mut t[i * 64..i * 64 + 64];
            for k in 0..64 {
                let dk = self.dct[i * 64 + k];
                let ak = &a[k * 64..k * 64 + 64];
                for (tj, &akj) in row.iter_mut().zip(ak) {
                    *tj += dk * akj;
                }
            }
        }
        let mut out = [0f32; 256];
        for i in 0..16 {
            let row: &mut [f32] = &mut out[i * 16..i * 16 + 16];
            for k in 0..64 {
                let tik = t[i * 64 + k];
                let dk = &self.dct_t[k * 16..k * 16 + 16];
                for (bj, &dkj) in row.iter_mut().zip(dk) {
                    *bj += tik * dkj;
                }
            }
        }
        out
    }
}

/// Meta's luminance: float coefficients, summed red, green, blue in that order.
#[inline(always)]
fn luma(r: u8, g: u8, b: u8) -> f32 {
    0.299f32 * f32::from(r) + 0.587f32 * f32::from(g) + 0.114f32 * f32::from(b)
}

/// Where luminance comes from: interleaved 8-bit channels (R, G, B first), grey bytes or floats.
#[derive(Clone, Copy)]
enum Source<'p> {
    Interleaved(&'p [u8], usize),
    Grey(&'p [u8]),
    Float(&'p [f32]),
}

impl Source<'_> {
    /// Writes the luminance of row `i` into `dst` (`w` values).
    #[inline(always)]
    fn row(&self, i: usize, w: usize, dst: &mut [f32]) {
        match *self {
            Source::Interleaved(px, ch) => {
                if let Some(src) = px.get(i * w * ch..(i + 1) * w * ch) {
                    for (d, p) in dst.iter_mut().zip(src.chunks_exact(ch)) {
                        if let [r, g, b, ..] = *p {
                            *d = luma(r, g, b);
                        }
                    }
                }
            }
            Source::Grey(px) => {
                if let Some(src) = px.get(i * w..(i + 1) * w) {
                    for (d, &v) in dst.iter_mut().zip(src) {
                        *d = f32::from(v);
                    }
                }
            }
            Source::Float(px) => {
                if let Some(src) = px.get(i * w..(i + 1) * w) {
                    dst.copy_from_slice(src);
                }
            }
        }
    }

    /// Writes the luminance of row `i` into lane `l` of a transposed strip.
    #[inline(always)]
    fn row_into_lane(&self, i: usize, w: usize, l: usize, strip: &mut [Lanes]) {
        match *self {
            Source::Interleaved(px, 3) => {
                if let Some(src) = px.get(i * w * 3..(i + 1) * w * 3) {
                    for (cell, p) in strip.iter_mut().zip(src.chunks_exact(3)) {
                        if let [r, g, b] = *p {
                            cell[l] = luma(r, g, b);
                        }
                    }
                }
            }
            Source::Interleaved(px, ch) => {
                if let Some(src) = px.get(i * w * ch..(i + 1) * w * ch) {
                    for (cell, p) in strip.iter_mut().zip(src.chunks_exact(ch)) {
                        if let [r, g, b, ..] = *p {
                            cell[l] = luma(r, g, b);
                        }
                    }
                }
            }
            Source::Grey(px) => {
                if let Some(src) = px.get(i * w..(i + 1) * w) {
                    for (cell, &v) in strip.iter_mut().zip(src) {
                        cell[l] = f32::from(v);
                    }
                }
            }
            Source::Float(px) => {
                if let Some(src) = px.get(i * w..(i + 1) * w) {
                    for (cell, &v) in strip.iter_mut().zip(src) {
                        cell[l] = v;
                    }
                }
            }
        }
    }
}

/// Gives a scratch buffer length `n` without clearing what it holds.
fn fit(v: &mut Vec<f32>, n: usize) {
    if v.len() != n {
        v.resize(n, 0.0);
    }
}

/// Checks that a pixel buffer has exactly `width * height * channels` elements.
fn check_len(len: usize, width: usize, height: usize, channels: usize) -> Result<usize, Error> {
    if width == 0 || height == 0 {
        return Err(Error::EmptyImage { width, height });
    }
    let n = width
        .checked_mul(height)
        .ok_or(Error::TooLarge { width, height })?;
    let need = n
        .checked_mul(channels)
        .ok_or(Error::TooLarge { width, height })?;
    if len != need {
        return Err(Error::PixelBuffer {
            width,
            height,
            channels,
            expected: need,
            found: len,
        });
    }
    Ok(n)
}

/// Box window for one pass: a 64th of the side, halved for two passes, rounded up.
fn window_size(dim: usize) -> usize {
    dim.div_ceil(2 * 64)
}

/// The input row (or column) sampled for output cell `i`: its centre, truncated, in f64.
fn decimate_index(i: usize, dim: usize) -> usize {
    let v = ((i as f64 + 0.5) * dim as f64) / 64.0;
    (v as usize).min(dim.saturating_sub(1))
}

/// Maps each sampled input index to a dense slot; other indexes map to [`UNUSED`].
fn slots(sampled: &[usize; 64], dim: usize) -> (Vec<u32>, usize) {
    let mut map = vec![UNUSED; dim];
    let mut n = 0usize;
    for &s in sampled {
        if let Some(m) = map.get_mut(s) {
            if *m == UNUSED {
                *m = n as u32;
                n += 1;
            }
        }
    }
    (map, n)
}

/// Phase lengths of Meta's one-dimensional box filter over `n` samples with window `w`.
#[derive(Clone, Copy)]
struct Phases {
    p1: usize,
    p2: usize,
    p3: usize,
    p4: usize,
}

impl Phases {
    fn new(n: usize, w: usize) -> Phases {
        let half = (w + 2) / 2;
        Phases {
            p1: half - 1,
            p2: w + 1 - half,
            p3: n.saturating_sub(w),
            p4: half - 1,
        }
    }
}

#[inline(always)]
fn add(sum: &mut Lanes, v: &Lanes) {
    for (s, x) in sum.iter_mut().zip(v) {
        *s += *x;
    }
}

#[inline(always)]
fn sub(sum: &mut Lanes, v: &Lanes) {
    for (s, x) in sum.iter_mut().zip(v) {
        *s -= *x;
    }
}

#[inline(always)]
fn div(sum: &Lanes, c: f32) -> Lanes {
    let mut q = *sum;
    for x in q.iter_mut() {
        *x /= c;
    }
    q
}

/// Meta's running-sum box filter on [`LANES`] independent sequences at once. `load(k)` reads
/// sample `k`; `emit(k, sum, count)` receives the running sum and window count for output `k`.
/// Adds come before subtracts and each division is by the current window count, as in Meta's.
#[inline(always)]
fn box1d(
    n: usize,
    w: usize,
    load: impl Fn(usize) -> Lanes,
    mut emit: impl FnMut(usize, &Lanes, f32),
) {
    let ph = Phases::new(n, w);
    let mut sum = [0f32; LANES];
    let mut count = 0usize;
    let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
    for _ in 0..ph.p1 {
        add(&mut sum, &load(ri));
        count += 1;
        ri += 1;
    }
    for _ in 0..ph.p2 {
        add(&mut sum, &load(ri));
        count += 1;
        emit(oi, &sum, count as f32);
        ri += 1;
        oi += 1;
    }
    let full = count as f32;
    for _ in 0..ph.p3 {
        add(&mut sum, &load(ri));
        sub(&mut sum, &load(li));
        emit(oi, &sum, full);
        li += 1;
        ri += 1;
        oi += 1;
    }
    for _ in 0..ph.p4 {
        sub(&mut sum, &load(li));
        count -= 1;
        emit(oi, &sum, count as f32);
        li += 1;
        oi += 1;
    }
}

/// Takes output row `oi` of the first column pass (`sums / c`) into lane `oi % 8` of `strip2`;
/// when eight rows (or the last row) are in, runs the second row pass on them, keeping only
/// the decimated columns (written to `d`, `ncols` values per row).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn second_row_pass_feed(
    oi: usize,
    sums: &[f32],
    c: f32,
    h: usize,
    w: usize,
    win_rows: usize,
    strip2: &mut [Lanes],
    d: &mut [f32],
    col_slot: &[u32],
    ncols: usize,
) {
    let l = oi % LANES;
    // Divide eight at a time (vector division), then scatter into the lane.
    let mut cells = strip2.chunks_exact_mut(LANES);
    let mut chunks = sums.chunks_exact(LANES);
    for (cell8, s8) in (&mut cells).zip(&mut chunks) {
        let mut q = [0f32; LANES];
        for (qv, sv) in q.iter_mut().zip(s8) {
            *qv = *sv / c;
        }
        for (cell, qv) in cell8.iter_mut().zip(q) {
            cell[l] = qv;
        }
    }
    for (cell, s) in cells.into_remainder().iter_mut().zip(chunks.remainder()) {
        cell[l] = *s / c;
    }
    if l == LANES - 1 || oi + 1 == h {
        let (r0, valid) = (oi - l, l + 1);
        let s2: &[Lanes] = strip2;
        box1d(
            w,
            win_rows,
            #[inline(always)]
            |k| s2.get(k).copied().unwrap_or([0.0; LANES]),
            #[inline(always)]
            |k, sm, cc| {
                let slot = col_slot.get(k).copied().unwrap_or(UNUSED);
                if slot != UNUSED {
                    let q = div(sm, cc);
                    for (li, v) in q.iter().enumerate().take(valid) {
                        if let Some(dst) = d.get_mut((r0 + li) * ncols + slot as usize) {
                            *dst = *v;
                        }
                    }
                }
            },
        );
    }
}

/// Row `r` of the ring buffer (rows are stored at `r % ring_rows`).
#[inline(always)]
fn ring_row(ring: &[f32], r: usize, ring_rows: usize, w: usize) -> &[f32] {
    let at = (r % ring_rows) * w;
    ring.get(at..at + w).unwrap_or(&[])
}

/// Box filter along columns: Meta's running sum kept for a whole row of columns at once, so
/// every step streams through whole rows. `out(row, sums, count)` receives the running sums.
#[inline(always)]
fn col_pass(
    inp: &[f32],
    w: usize,
    h: usize,
    win: usize,
    sum: &mut Vec<f32>,
    mut out: impl FnMut(usize, &[f32], f32),
) {
    let ph = Phases::new(h, win);
    sum.clear();
    sum.resize(w, 0.0);
    let row = |i: usize| inp.get(i * w..(i + 1) * w).unwrap_or(&[]);
    let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
    let mut count = 0usize;
    for _ in 0..ph.p1 {
        add_row(sum, row(ri));
        count += 1;
        ri += 1;
    }
    for _ in 0..ph.p2 {
        add_row(sum, row(ri));
        count += 1;
        out(oi, sum, count as f32);
        ri += 1;
        oi += 1;
    }
    let full = count as f32;
    for _ in 0..ph.p3 {
        add_row(sum, row(ri));
        sub_row(sum, row(li));
        out(oi, sum, full);
        li += 1;
        ri += 1;
        oi += 1;
    }
    for _ in 0..ph.p4 {
        sub_row(sum, row(li));
        count -= 1;
        out(oi, sum, count as f32);
        li += 1;
        oi += 1;
    }
}

#[inline(always)]
fn add_row(sum: &mut [f32], row: &[f32]) {
    for (s, x) in sum.iter_mut().zip(row) {
        *s += *x;
    }
}

#[inline(always)]
fn sub_row(sum: &mut [f32], row: &[f32]) {
    for (s, x) in sum.iter_mut().zip(row) {
        *s -= *x;
    }
}

#[inline(always)]
fn div_row(dst: &mut [f32], sum: &[f32], c: f32) {
    for (d, s) in dst.iter_mut().zip(sum) {
        *d = *s / c;
    }
}

/// Meta's quality metric: quantised vertical and horizontal gradients of the 64x64 image.
fn quality(buf: &[f32; 64 * 64]) -> u32 {
    let mut sum: i64 = 0;
    let step = |u: f32, v: f32| -> i64 {
        let d = ((u - v) * 100.0) / 255.0;
        i64::from((d as i32).abs())
    };
    for i in 0..63 {
        for j in 0..64 {
            sum += step(buf[i * 64 + j], buf[(i + 1) * 64 + j]);
        }
    }
    for i in 0..64 {
        for j in 0..63 {
            sum += step(buf[i * 64 + j], buf[i * 64 + j + 1]);
        }
    }
    (sum / 90).min(100) as u32
}

/// The lower median (128th smallest) of the 256 coefficients, as Torben's method returns.
fn median(dct: &[f32; 256]) -> f32 {
    let mut v = *dct;
    let (_, m, _) = v.select_nth_unstable_by(127, |a, b| a.total_cmp(b));
    *m
}

/// One bit per coefficient: set when it is above the median.
fn bits(dct: &[f32; 256]) -> PdqHash {
    let m = median(dct);
    let mut h = PdqHash::ZERO;
    for (k, &v) in dct.iter().enumerate() {
        if v > m {
            h.set_bit(k);
        }
    }
    h
}

fn finish(dct: Option<([f32; 256], u32)>) -> Pdq {
    match dct {
        Some((coeffs, quality)) => Pdq {
            hash: bits(&coeffs),
            quality,
        },
        None => Pdq {
            hash: PdqHash::ZERO,
            quality: 0,
        },
    }
}

/// Derives the DCT of a dihedral transform: optional transpose and per-coefficient signs.
fn transform_dct(a: &[f32; 256], t: Transform) -> [f32; 256] {
    let mut out = [0f32; 256];
    for i in 0..16 {
        for j in 0..16 {
            let v = a[i * 16 + j];
            let odd_i = i & 1 == 1;
            let odd_j = j & 1 == 1;
            let odd_sum = (i + j) & 1 == 1;
            // Mirroring an axis multiplies frequency k (index k-1) by (-1)^k; rotations and
            // diagonal flips also swap the axes.
            let (transpose, negate) = match t {
                Transform::Original => (false, false),
                Transform::Rotate90 => (true, !odd_j),
                Transform::Rotate180 => (false, odd_sum),
                Transform::Rotate270 => (true, !odd_i),
                Transform::FlipX => (false, !odd_i),
                Transform::FlipY => (false, !odd_j),
                Transform::FlipPlus1 => (true, false),
                Transform::FlipMinus1 => (true, odd_sum),
            };
            let v = if negate { -v } else { v };
            if transpose {
                out[j * 16 + i] = v;
            } else {
                out[i * 16 + j] = v;
            }
        }
    }
    out
}

fn finish_dihedral(dct: Option<([f32; 256], u32)>) -> Dihedral {
    match dct {
        Some((coeffs, quality)) => Dihedral {
            hashes: Transform::ALL.map(|t| bits(&transform_dct(&coeffs, t))),
            quality,
        },
        None => Dihedral {
            hashes: [PdqHash::ZERO; 8],
            quality: 0,
        },
    }
}
