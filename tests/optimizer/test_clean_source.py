"""A face that serves its own file when nothing smaller was made (v1, S3 write-back) gets the source
cleaned by the lossless path, stored as the ``clean`` variant; the ShortPixel face, which answers
the client's own URL then, gets none (no work spent on it)."""

import io

import pytest
from PIL import Image

from optimizer import lifecycle, pipeline, services, storage
from optimizer.engine import Mode, Spec, Target
from optimizer.models import Item
from tests import polyglots
from tests.conftest import photo_bytes

LOSSY = Spec(targets=(Target(Mode.LOSSY),))


def _run(account, face: str, data: bytes, spec: Spec = LOSSY) -> Item:
    (outcome,) = services.submit(account, face, [services.WorkRequest(services.UploadSource(data), spec)])
    pipeline.run(lifecycle.claim(outcome.item.pk, 1))
    item = Item.objects.get(pk=outcome.item.pk)
    assert item.status == Item.Status.DONE, item.error_message
    return item


@pytest.mark.parametrize("face", ["v1", "s3"])
def test_a_result_not_smaller_keeps_the_source_cleaned(make_account, face):
    account, _ = make_account()
    data = polyglots.jpeg()
    item = _run(account, face, data)
    variants = {variant.name: variant for variant in item.variants.all()}
    assert not variants["lossy-original"].smaller and not variants["lossy-original"].storage_name
    clean = variants[pipeline.CLEAN]
    kept = storage.read(clean.storage_name)
    assert (clean.format, clean.size) == ("jpeg", len(kept))
    assert polyglots.MARKER not in kept and polyglots.same_pixels(kept, data)


def test_shortpixel_items_make_no_clean_source(make_account):
    account, _ = make_account()
    item = _run(account, "shortpixel", polyglots.jpeg())
    assert not item.variants.filter(name=pipeline.CLEAN).exists()


def test_a_smaller_result_needs_no_clean_source(make_account):
    account, _ = make_account()
    item = _run(account, "v1", photo_bytes())
    assert not item.variants.filter(name=pipeline.CLEAN).exists()


def test_a_source_the_lossless_path_cannot_hold_is_cleaned_into_a_lossless_png(make_account):
    account, _ = make_account()
    buffer = io.BytesIO()
    Image.open(io.BytesIO(photo_bytes(64, 48))).save(buffer, "AVIF", quality=60)
    data = buffer.getvalue()  # lossless AVIF is never made, and no target re-encoded it
    item = _run(account, "v1", data, Spec(targets=(Target(Mode.LOSSLESS),)))
    clean = item.variants.get(name=pipeline.CLEAN)
    kept = storage.read(clean.storage_name)
    assert clean.format == "png" and polyglots.same_pixels(kept, data)
