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
