//! Image decoding from bytes in memory (JPEG, PNG, GIF, WebP, BMP) for hashing.
//!
//! EXIF orientation is NOT applied: the pixels are hashed as stored, which is what Meta's
//! reference tools, its Python bindings and HMA do, so hashes agree with what partners share. A
//! copy that differs only by orientation is still found through [`crate::Dihedral`] hashes.
//! Alpha is ignored. Greyscale images hash their grey values directly (Meta's grey path).
//!
//! Size limits are checked from the image header, before any pixel buffer is allocated: PDQ
//! decimates every image to 64x64, so [`MAX_PIXELS`] (50 megapixels, more than a 48-megapixel
//! phone photo) loses nothing a hash needs, and a small compressed "bomb" that claims huge
//! dimensions is refused at once.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use crate::{Dihedral, Error, Hasher, Pdq};

/// Most memory the decoder may allocate for one image (50 megapixels of 8-bit RGBA fit).
pub const MAX_DECODE_BYTES: u64 = 256 << 20;

/// Most pixels (width times height) an image may have.
pub const MAX_PIXELS: u64 = 50_000_000;

/// Longest side, in pixels.
pub const MAX_SIDE: u32 = 16_384;

/// Decodes an image held in memory, refusing empty input, unknown formats and over-large images
/// (more than [`MAX_PIXELS`] pixels, a side over [`MAX_SIDE`], or more than
/// [`MAX_DECODE_BYTES`] of decoder memory) before allocating their pixels.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, Error> {
    if bytes.is_empty() {
        return Err(Error::EmptyInput);
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Error::Decode(e.to_string()))?;
    if reader.format().is_none() {
        return Err(Error::UnknownFormat);
    }
    if reader.format() == Some(ImageFormat::Jpeg) {
        check_jpeg_complete(bytes)?;
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    reader.limits(limits);
    let image_error = |e: image::ImageError| match e {
        image::ImageError::Limits(l) => Error::Limits(l.to_string()),
        other => Error::Decode(other.to_string()),
    };
    let decoder = reader.into_decoder().map_err(image_error)?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(Error::Limits(format!(
            "{w}x{h} is {} pixels, more than the {MAX_PIXELS} allowed",
            u64::from(w) * u64::from(h)
        )));
    }
    DynamicImage::from_decoder(decoder).map_err(image_error)
}

/// Walks a JPEG's marker segments and scan data up to its end-of-image marker.
///
/// The JPEG decoder fills a cut-off image with grey instead of failing, which would hash a
/// truncated upload as if it were whole; this check turns truncation into an error.
fn check_jpeg_complete(bytes: &[u8]) -> Result<(), Error> {
    let truncated = |what: &str| Error::Decode(format!("truncated JPEG: {what}"));
    let byte = |i: usize| bytes.get(i).copied();
    let mut pos = 2; // After the start-of-image marker.
    loop {
        // A marker: one or more 0xFF fill bytes, then its code.
        if byte(pos) != Some(0xFF) {
            return Err(truncated(&format!("expected a marker at byte {pos}")));
        }
        while byte(pos) == Some(0xFF) {
            pos += 1;
        }
        let code = byte(pos).ok_or_else(|| truncated("ends inside a marker"))?;
        pos += 1;
        match code {
            0xD9 => return Ok(()),
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let len = match (byte(pos), byte(pos + 1)) {
            (Some(hi), Some(lo)) => usize::from(hi) << 8 | usize::from(lo),
            _ => return Err(truncated("ends inside a segment header")),
        };
        if len < 2 || pos + len > bytes.len() {
            return Err(truncated(&format!(
                "segment at byte {pos} runs past the end"
            )));
        }
        pos += len;
        if code == 0xDA {
            // Entropy-coded data: 0xFF is followed by 0x00 (stuffing) or a restart marker.
            loop {
                match byte(pos) {
                    None => return Err(truncated("no end-of-image marker")),
                    Some(0xFF) => match byte(pos + 1) {
                        None => return Err(truncated("no end-of-image marker")),
                        Some(0x00) | Some(0xD0..=0xD7) => pos += 2,
                        Some(_) => break,
                    },
                    Some(_) => pos += 1,
                }
            }
        }
    }
}

impl Hasher {
    /// Hashes a decoded image (greyscale directly, anything else through 8-bit RGB).
    pub fn hash_image(&mut self, img: &DynamicImage) -> Result<Pdq, Error> {
        let (w, h) = (img.width() as usize, img.height() as usize);
        match img {
            DynamicImage::ImageLuma8(g) => self.hash_luma8(g.as_raw(), w, h),
            DynamicImage::ImageLumaA8(_) | DynamicImage::ImageLuma16(_) => {
                self.hash_luma8(img.to_luma8().as_raw(), w, h)
            }
            DynamicImage::ImageRgb8(rgb) => self.hash_rgb8(rgb.as_raw(), w, h),
            DynamicImage::ImageRgba8(rgba) => self.hash_rgba8(rgba.as_raw(), w, h),
            _ => self.hash_rgb8(img.to_rgb8().as_raw(), w, h),
        }
    }

    /// All eight dihedral hashes of a decoded image.
    pub fn dihedral_image(&mut self, img: &DynamicImage) -> Result<Dihedral, Error> {
        let (w, h) = (img.width() as usize, img.height() as usize);
        match img {
            DynamicImage::ImageLuma8(g) => self.dihedral_luma8(g.as_raw(), w, h),
            DynamicImage::ImageLumaA8(_) | DynamicImage::ImageLuma16(_) => {
                self.dihedral_luma8(img.to_luma8().as_raw(), w, h)
            }
            DynamicImage::ImageRgb8(rgb) => self.dihedral_rgb8(rgb.as_raw(), w, h),
            _ => self.dihedral_rgb8(img.to_rgb8().as_raw(), w, h),
        }
    }

    /// Decodes image bytes and hashes them.
    pub fn hash_bytes(&mut self, bytes: &[u8]) -> Result<Pdq, Error> {
        let img = decode(bytes)?;
        self.hash_image(&img)
    }

    /// Decodes image bytes and returns all eight dihedral hashes.
    pub fn dihedral_bytes(&mut self, bytes: &[u8]) -> Result<Dihedral, Error> {
        let img = decode(bytes)?;
        self.dihedral_image(&img)
    }
}
