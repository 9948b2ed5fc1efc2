"""The benchmark runs over a folder and prints every table the engine's goals are read from."""

import io

from optimizer.engine import bench

from .conftest import encode, photo


def test_bench_prints_engine_baseline_and_cpu_tables(tmp_path):
    (tmp_path / "a_photo.jpg").write_bytes(encode(photo(96, 64), "JPEG", quality=92))
    (tmp_path / "b_logo.png").write_bytes(encode(photo(64, 48, seed=2, mode="RGBA"), "PNG"))
    (tmp_path / "notes.txt").write_text("not an image")
    out = io.StringIO()
    bench.run(tmp_path, out=out)
    text = out.getvalue()
    assert "| photo from JPEG | lossy | 1 |" in text
    assert "| alpha | webp lossless | 1 |" in text
    assert "### baseline: Pillow defaults" in text
    assert "- a_photo.jpg (photo from JPEG): 0.01 MP" in text
    assert "- b_logo.png (alpha): 0.00 MP" in text
    assert "notes.txt" not in text
    assert "-> full score" not in text  # the line the bench prints for a floor miss or a lossless mismatch
    assert "### thumbnails" in text  # its header, with no rows: both images are under 150 pixels
    # every lossy variant scored by both metrics: none under its floor by either
    assert "| photo from JPEG | lossy | 1 | " in text and "| 0 | 0 | 0 | - |" in text
    agreement = text.split("### metric agreement")[1].split("###")[0]
    rows = {line.split("|")[1].strip(): line.split("|")[2:-1] for line in agreement.splitlines()[4:] if "|" in line}
    assert {"plain", "alpha", "all"} <= set(rows)
    assert float(rows["all"][1]) < 1.0  # max |engine - package|


def test_bench_thumbnails_section_prints_a_row_per_wordpress_size(tmp_path):
    (tmp_path / "a_photo.jpg").write_bytes(encode(photo(400, 300, seed=3), "JPEG", quality=90))
    (tmp_path / "b_icon.png").write_bytes(encode(photo(120, 100, seed=4), "PNG"))  # no size is smaller
    out = io.StringIO()
    bench.run(tmp_path, out=out, thumbnails_only=True)
    text = out.getvalue()
    assert "### reducer engine" not in text
    rows = {
        line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:-1]]
        for line in text.splitlines()
        if line.startswith("| ") and not line.startswith("| size")
    }
    assert set(rows) == {"150x150", "300", "all"}  # the crop and the 300-pixel box of the photo
    n, webp_reached, _, avif_reached, _, _, _, misses, _ = rows["all"]
    assert (n, webp_reached, avif_reached, misses) == ("2", "100.0", "100.0", "0")


def test_bench_lossless_section_sets_each_image_beside_the_plain_tools(tmp_path):
    (tmp_path / "a_photo.jpg").write_bytes(encode(photo(96, 64), "JPEG", quality=92))
    (tmp_path / "b_graphic.png").write_bytes(encode(photo(64, 48, seed=2, mode="RGBA"), "PNG"))
    (tmp_path / "c_palette.gif").write_bytes(encode(photo(64, 48, seed=3).quantize(16), "GIF"))
    out = io.StringIO()
    bench.run(tmp_path, out=out, lossless_only=True)
    text = out.getvalue()
    assert "### reducer engine" not in text and "### thumbnails" not in text
    rows = {
        line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:-1]]
        for line in text.splitlines()
        if line.startswith("| ") and not line.startswith("| source")
    }
    assert set(rows) == {"JPEG", "PNG", "GIF", "all"}
    n, engine, tool, larger, _, _ = rows["all"]
    assert (n, larger) == ("3", "0") and float(engine) >= float(tool)
    assert "larger than the tool" not in text  # the line listing an image where the engine is larger


def test_bench_cpu_section_prints_both_shortpixel_sets_and_the_calls_per_variant(tmp_path):
    (tmp_path / "a_photo.jpg").write_bytes(encode(photo(96, 64), "JPEG", quality=92))
    out = io.StringIO()
    bench.run(tmp_path, out=out, cpu_only=True)
    text = out.getvalue()
    assert "### reducer engine" not in text and "### thumbnails" not in text
    assert "| photo from JPEG | lossy=1 | 1 |" in text and "| photo from JPEG | lossy=2 | 1 |" in text
    calls = {
        tuple(cell.strip() for cell in line.split("|")[1:4]): [cell.strip() for cell in line.split("|")[4:-1]]
        for line in text.splitlines()
        if line.count("|") == 11 and not line.startswith(("| class", "|---"))
    }
    kinds = {"lossy", "glossy", "lossless", "webp lossy", "webp glossy", "avif lossy", "avif glossy"}
    assert {name for _, _, name in calls} == kinds
    n, savings, _, probes, encodes, verifications, metric_calls = calls[("photo from JPEG", "lossy=1", "lossy")]
    assert n == "1" and float(savings) > 0
    assert probes == metric_calls and verifications == "0 (0-0)" and encodes != "0 (0-0)"
    assert calls[("photo from JPEG", "lossy=1", "lossless")][3:] == ["0 (0-0)", "1 (1-1)", "0 (0-0)", "0 (0-0)"]
    assert "- a_photo.jpg (photo from JPEG): 0.01 MP, lossy=2" in text


def test_bench_measures_a_size_band(tmp_path):
    (tmp_path / "a_small.jpg").write_bytes(encode(photo(96, 64), "JPEG", quality=92))
    (tmp_path / "b_large.jpg").write_bytes(encode(photo(200, 150, seed=2), "JPEG", quality=92))
    out = io.StringIO()
    bench.run(tmp_path, out=out, lossy_only=True, min_megapixels=0.01, max_megapixels=0.05)
    text = out.getvalue()
    assert "skip a_small.jpg: 0.0 MP, not over --min-megapixels" in text
    assert "b_large.jpg: photo from JPEG, 0.03 MP" in text
    # each lossy variant's two scores as it is measured, so a long run's progress can be read
    assert "  b_large.jpg webp lossy (plain): engine " in text and ", floor 70" in text
