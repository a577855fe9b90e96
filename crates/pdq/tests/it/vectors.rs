//! Checks the hasher against Meta's reference hashes in shared/data/pdq/expected.tsv.

use pdq::{Hasher, PdqHash, Transform};

/// The PDQ reference data in the shared folder.
fn pdq_data() -> String {
    test_data::shared("data/pdq")
}

struct Row {
    file: String,
    width: u32,
    height: u32,
    hash: PdqHash,
    quality: u32,
    exact: bool,
}

fn rows() -> Vec<Row> {
    let text =
        std::fs::read_to_string(format!("{}/expected.tsv", pdq_data())).expect("expected.tsv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Row {
                file: f[0].to_string(),
                width: f[1].parse().unwrap(),
                height: f[2].parse().unwrap(),
                hash: f[3].parse().unwrap(),
                quality: f[4].parse().unwrap(),
                exact: f[5] == "exact",
            }
        })
        .collect()
}

fn load(file: &str) -> Vec<u8> {
    std::fs::read(format!("{}/images/{file}", pdq_data())).expect("image file")
}

#[test]
fn exact_rows_give_identical_hash_and_quality() {
    let mut hasher = Hasher::new();
    let mut checked = 0;
    for row in rows().iter().filter(|r| r.exact) {
        let img = pdq::decode(&load(&row.file)).unwrap();
        assert_eq!(
            (img.width(), img.height()),
            (row.width, row.height),
            "{}",
            row.file
        );
        let got = hasher.hash_image(&img).unwrap();
        assert_eq!(got.hash, row.hash, "hash of {}", row.file);
        assert_eq!(got.quality, row.quality, "quality of {}", row.file);
        checked += 1;
    }
    assert_eq!(checked, 13);
}

#[test]
fn tolerance_rows_of_good_quality_are_within_10_bits() {
    let mut hasher = Hasher::new();
    let mut checked = 0;
    for row in rows().iter().filter(|r| !r.exact && r.quality >= 80) {
        let got = hasher.hash_bytes(&load(&row.file)).unwrap();
        let d = got.hash.distance(&row.hash);
        assert!(d <= 10, "{}: distance {d} to the reference", row.file);
        assert!(got.quality >= 80, "{}: quality {}", row.file, got.quality);
        checked += 1;
    }
    assert_eq!(checked, 18);
}

#[test]
fn dihedral_hashes_match_the_transformed_files() {
    let mut hasher = Hasher::new();
    let dih = hasher
        .dihedral_bytes(&load("bridge-1-original.jpg"))
        .unwrap();
    let plain = hasher.hash_bytes(&load("bridge-1-original.jpg")).unwrap();
    assert_eq!(dih.get(Transform::Original), plain.hash);
    assert_eq!(dih.quality, plain.quality);
    let files = [
        (Transform::Rotate90, "bridge-2-rotate-90.jpg"),
        (Transform::Rotate180, "bridge-3-rotate-180.jpg"),
        (Transform::Rotate270, "bridge-4-rotate-270.jpg"),
        (Transform::FlipX, "bridge-5-flipx.jpg"),
        (Transform::FlipY, "bridge-6-flipy.jpg"),
        (Transform::FlipPlus1, "bridge-7-flip-plus-1.jpg"),
        (Transform::FlipMinus1, "bridge-8-flip-minus-1.jpg"),
    ];
    for (t, file) in files {
        let actual = hasher.hash_bytes(&load(file)).unwrap().hash;
        let d = dih.get(t).distance(&actual);
        assert!(d <= 16, "{} vs {file}: distance {d}", t.name());
        // The derived hash must be far closer to its own file than to the untransformed image.
        assert!(
            plain.hash.distance(&actual) > 64,
            "{file} should differ from the original"
        );
    }
}

#[test]
fn dihedral_of_exact_png_matches_reference_for_original() {
    let mut hasher = Hasher::new();
    for row in rows().iter().filter(|r| r.exact) {
        let dih = hasher.dihedral_bytes(&load(&row.file)).unwrap();
        assert_eq!(dih.get(Transform::Original), row.hash, "{}", row.file);
        assert_eq!(dih.quality, row.quality, "{}", row.file);
    }
}
