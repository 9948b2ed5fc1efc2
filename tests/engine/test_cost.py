"""The cost model reads a source's pixel count from its header alone, costs more pixels and more
variants higher, and its benchmark prints estimate beside measurement and records what it measured."""

import io

from optimizer.engine import Format, Mode, Target, cost, cost_bench

from .conftest import encode, photo


def test_the_header_tells_the_pixels_and_a_piece_without_it_tells_nothing():
    data = encode(photo(640, 480), "JPEG", quality=90)
    assert cost.megapixels(data) == 640 * 480 / 1e6
    assert cost.megapixels(data[:20]) is None
    assert cost.source_format(data) is Format.JPEG
    assert cost.source_format(encode(photo(64, 48), "PNG")) is Format.PNG


def test_more_pixels_and_more_variants_cost_more():
    lossy = (Target(Mode.LOSSY),)
    assert cost.cpu_seconds(Format.JPEG, lossy, 8.0) > 2 * cost.cpu_seconds(Format.JPEG, lossy, 2.0)
    both = (*lossy, Target(Mode.LOSSY, Format.AVIF))
    assert cost.cpu_seconds(Format.JPEG, both, 2.0) > cost.cpu_seconds(Format.JPEG, lossy, 2.0)
    # a conversion the fit did not make, and a source format without coefficients, are still costed
    assert cost.cpu_seconds(Format.JPEG, (Target(Mode.LOSSY, Format.PNG),), 2.0) > 0
    assert cost.cpu_seconds(Format.WEBP, lossy, 2.0) == cost.cpu_seconds(Format.PNG, lossy, 2.0)


def test_the_check_prints_each_estimate_beside_its_measurement_and_reuses_the_record(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    (images / "a_photo.jpg").write_bytes(encode(photo(96, 64), "JPEG", quality=92))
    record = tmp_path / "measured.jsonl"
    out = io.StringIO()
    cost_bench.check(images, None, cost_bench.Measurements(record), out=out)
    text = out.getvalue()
    assert "a_photo.jpg lossy-own" in text and "a_photo.jpg lossy-webp" in text
    assert "2 rows:" in text and "worst ratio" in text
    assert len(record.read_text().splitlines()) == 2
    again = io.StringIO()
    cost_bench.check(images, None, cost_bench.Measurements(record), out=again)
    assert len(record.read_text().splitlines()) == 2  # nothing measured twice
    assert again.getvalue().split("2 rows:")[1] == text.split("2 rows:")[1]
