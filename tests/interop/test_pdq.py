"""`rrm hash` and `rrm match` against Meta's C++ PDQ (PyPI pdqhash), the reference vectors and
brute force in Python."""

import hashlib
import pathlib
import subprocess

import numpy as np
import pdqhash
import pytest
from PIL import Image


def rrm(rrm_bin, *args, check=True):
    proc = subprocess.run([str(rrm_bin), *map(str, args)], capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"rrm {args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    assert "panicked" not in proc.stderr
    return proc


def parse_hash_lines(stdout):
    """`PDQ QUALITY [extra...] FILE` lines -> {file: (pdq, quality, extras)}."""
    out = {}
    for line in stdout.splitlines():
        parts = line.split(" ")
        out[parts[-1]] = (parts[0], int(parts[1]), parts[2:-1])
    return out


def meta_hash(rgb):
    """Hash and quality from Meta's C++ PDQ core through the pdqhash binding."""
    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb, dtype=np.uint8))
    # The binding lists bit 255 first, which is the big-endian hex order.
    value = int("".join(str(int(b)) for b in bits), 2)
    return f"{value:064x}", int(quality)


def distance(a, b):
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def smooth_field(rng, h, w):
    """A grey image with structure at several scales, so quality is not trivially 0 or 100."""
    img = np.zeros((h, w))
    for cells in (2, 5, 13):
        coarse = rng.random((cells, cells))
        yi = (np.arange(h) * cells // h)[:, None]
        xi = (np.arange(w) * cells // w)[None, :]
        img += coarse[yi, xi] * 80
    img += rng.random((h, w)) * 20
    return np.clip(img, 0, 255).astype(np.uint8)


def test_reference_vectors_through_the_binary(rrm_bin, shared_dir):
    rows = [l.split("\t") for l in (shared_dir / "data/pdq/expected.tsv").read_text().splitlines()[1:] if l]
    files = [shared_dir / "data/pdq/images" / r[0] for r in rows]
    got = parse_hash_lines(rrm(rrm_bin, "hash", *files).stdout)
    exact = 0
    for r, f in zip(rows, files):
        pdq, quality, _ = got[str(f)]
        if r[5] == "exact":
            assert (pdq, quality) == (r[3], int(r[4])), r[0]
            exact += 1
        elif int(r[4]) >= 80:
            assert distance(pdq, r[3]) <= 10, r[0]
    assert exact == 13


def test_grey_images_identical_to_meta_cpp(rrm_bin, tmp_path):
    # Greyscale pixels give both implementations the same float luminance, so hash and quality
    # must be identical; the shapes cover tiny, exactly 64x64, odd, thin and large images.
    rng = np.random.default_rng(4)
    shapes = [(5, 5), (4, 9), (64, 64), (63, 65), (37, 100), (129, 129), (513, 257), (300, 1000), (1004, 1600)]
    files, expected = [], {}
    for i, (h, w) in enumerate(shapes * 2):
        g = smooth_field(rng, h, w) if i < len(shapes) else rng.integers(0, 256, (h, w), dtype=np.uint8)
        path = tmp_path / f"g{i}_{h}x{w}.png"
        Image.fromarray(g, mode="L").save(path)
        files.append(path)
        expected[str(path)] = meta_hash(np.stack([g, g, g], axis=2))
    got = parse_hash_lines(rrm(rrm_bin, "hash", *files).stdout)
    for f in files:
        assert got[str(f)][:2] == expected[str(f)], f.name
    # Not all trivial: the set includes hashes of every quality band.
    qualities = {q for _, q in expected.values()}
    assert 0 in qualities and 100 in qualities and len(qualities) > 2


def test_colour_images_close_to_meta_cpp(rrm_bin, tmp_path):
    # The binding computes luminance in float64, Meta's C++ core in float32 (as rrm does), so a
    # rounding difference of one unit in the last place is allowed to move a few bits.
    rng = np.random.default_rng(5)
    files, expected = [], {}
    for i, (h, w) in enumerate([(256, 256), (480, 640), (1004, 1600), (90, 70)]):
        rgb = np.stack([smooth_field(rng, h, w) for _ in range(3)], axis=2)
        path = tmp_path / f"c{i}.png"
        Image.fromarray(rgb, mode="RGB").save(path)
        files.append(path)
        expected[str(path)] = meta_hash(rgb)
    got = parse_hash_lines(rrm(rrm_bin, "hash", *files).stdout)
    for f in files:
        pdq, quality, _ = got[str(f)]
        want_pdq, want_quality = expected[str(f)]
        assert distance(pdq, want_pdq) <= 6, f.name
        assert abs(quality - want_quality) <= 1, f.name


def test_md5_and_sha256(rrm_bin, shared_dir):
    f = shared_dir / "data/pdq/images/q0291.jpg"
    pdq, quality, extras = parse_hash_lines(rrm(rrm_bin, "hash", f, "--md5", "--sha256").stdout)[str(f)]
    data = f.read_bytes()
    assert extras == [hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest()]
    assert len(pdq) == 64 and 0 <= quality <= 100


def brute(list_hashes, query, threshold):
    q = int(query, 16)
    return sorted(
        (bin(q ^ int(h, 16)).count("1"), i) for i, h in enumerate(list_hashes) if bin(q ^ int(h, 16)).count("1") <= threshold
    )


@pytest.mark.parametrize("threshold", [31, 45])
def test_match_equals_python_brute_force(rrm_bin, shared_dir, tmp_path, threshold):
    haystack = (shared_dir / "data/pdq/haystack.txt").read_text().split()
    needles = (shared_dir / "data/pdq/needles.txt").read_text().split()
    lst = tmp_path / "list.txt"
    lst.write_text("# haystack with labels\n" + "".join(f"{h} label-{i}\n" for i, h in enumerate(haystack)))
    out = rrm(rrm_bin, "match", *needles, "--against", lst, "--threshold", threshold).stdout
    got = {}
    for line in out.splitlines():
        query, dist, matched, line_no, label = line.split("\t")
        i = int(line_no) - 2  # The list's first line is a comment.
        assert matched == haystack[i] and label == f"label-{i}"
        got.setdefault(query, []).append((int(dist), i))
    total = 0
    for n in needles:
        want = brute(haystack, n, threshold)
        assert sorted(got.get(n, [])) == want, n
        total += len(want)
    assert total > 0


def test_match_images_and_dihedral(rrm_bin, shared_dir, tmp_path):
    images = shared_dir / "data/pdq/images"
    original = parse_hash_lines(rrm(rrm_bin, "hash", images / "bridge-1-original.jpg").stdout)
    (orig_hash,) = [v[0] for v in original.values()]
    lst = tmp_path / "list.txt"
    lst.write_text(f"{orig_hash} bridge\n")
    rotated = images / "bridge-2-rotate-90.jpg"
    assert rrm(rrm_bin, "match", rotated, "--against", lst).stdout == ""
    out = rrm(rrm_bin, "match", rotated, "--dihedral", "--against", lst).stdout
    query, dist, matched, line_no, label = out.strip().split("\t")
    assert (matched, line_no, label) == (orig_hash, "1", "bridge") and int(dist) <= 16
    same = rrm(rrm_bin, "match", images / "bridge-1-original.jpg", "--against", lst).stdout
    assert same.split("\t")[1] == "0"


def test_bad_input_is_refused_clearly(rrm_bin, shared_dir, tmp_path):
    images = shared_dir / "data/pdq/images"
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes((images / "q0122.jpg").read_bytes()[:3000])
    truncated_png = tmp_path / "truncated.png"
    truncated_png.write_bytes((images / "q0122.png").read_bytes()[:5000])
    corrupt = tmp_path / "corrupt.png"
    data = bytearray((images / "wee.png").read_bytes())
    idat = data.index(b"IDAT") + 4
    data[idat + 2 : idat + 300] = b"\xff" * 298  # Garbage in the compressed pixel data.
    corrupt.write_bytes(bytes(data))
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    cases = {
        empty: "0 bytes",
        truncated: "truncated",
        truncated_png: "corrupt or truncated",
        corrupt: "corrupt or truncated",
        text: "not a recognised image",
        tmp_path / "missing.png": "cannot read",
    }
    for path, message in cases.items():
        proc = rrm(rrm_bin, "hash", path, check=False)
        assert proc.returncode != 0 and proc.stdout == "", path.name
        assert str(path) in proc.stderr and message in proc.stderr, proc.stderr

    lst = tmp_path / "list.txt"
    lst.write_text("# ok\n" + "0" * 64 + " fine\n" + "0" * 63 + "x bad-digit\n")
    proc = rrm(rrm_bin, "match", "0" * 64, "--against", lst, check=False)
    assert proc.returncode != 0 and f"{lst}:3:" in proc.stderr and "'x'" in proc.stderr
    lst.write_text("0" * 64 + "\n" + "0" * 60 + "\n")
    proc = rrm(rrm_bin, "match", "0" * 64, "--against", lst, check=False)
    assert proc.returncode != 0 and f"{lst}:2:" in proc.stderr and "64 hex digits" in proc.stderr

    lst.write_text("0" * 64 + "\n")
    for query, message in [("0" * 63, "64 hex digits"), ("g" * 64, "hex digits"), ("nope.png", "no such file")]:
        proc = rrm(rrm_bin, "match", query, "--against", lst, check=False)
        assert proc.returncode != 0 and message in proc.stderr, proc.stderr
    # Quality 3: refused for matching, with the reason.
    proc = rrm(rrm_bin, "match", images / "q0003.png", "--against", lst, check=False)
    assert proc.returncode != 0 and "quality 3 is below 50" in proc.stderr
