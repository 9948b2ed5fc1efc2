"""One attempt end to end in-process: variants stored under their names, or a typed failure."""

from django.core.files.storage import default_storage

from optimizer import lifecycle, pipeline
from optimizer.models import Item
from tests.conftest import photo_bytes
from tests.optimizer.helpers import DEFAULT_SET, charges, submit_upload


def test_a_good_image_ends_done_with_its_variants_stored(make_account):
    account, _ = make_account()
    item = submit_upload(account, photo_bytes(), DEFAULT_SET).item
    pipeline.run(lifecycle.claim(item.pk, 1))
    item.refresh_from_db()
    assert item.status == Item.Status.DONE and item.original_size > 0
    variants = {variant.name: variant for variant in item.variants.all()}
    assert set(variants) == {"lossy-original", "lossless-original", "lossy-webp", "lossy-avif"}
    for variant in variants.values():
        if variant.storage_name:
            assert variant.smaller and default_storage.size(variant.storage_name) == variant.size
            assert f"/{item.pk}/1/{variant.name}." in variant.storage_name
    assert charges(item) == 1


def test_a_broken_image_fails_with_the_engine_code_and_is_not_charged(make_account):
    account, _ = make_account()
    item = submit_upload(account, photo_bytes()[:300]).item
    pipeline.run(lifecycle.claim(item.pk, 1))
    item.refresh_from_db()
    assert item.status == Item.Status.FAILED
    assert item.error_code in {"corrupt_image", "unsupported_format"} and item.error_message
    assert charges(item) == 0


def test_not_an_image_fails_as_unsupported(make_account):
    account, _ = make_account()
    item = submit_upload(account, b"%PDF-1.7 this is not an image" * 20).item
    pipeline.run(lifecycle.claim(item.pk, 1))
    item.refresh_from_db()
    assert (item.status, item.error_code) == (Item.Status.FAILED, "unsupported_format")
