"""An upload keeps the name its client sent, cleaned for showing: the admin's item list and the
dashboard's recent items show it instead of a content hash; URLs still show the URL."""

from __future__ import annotations

import pytest
from django.test import Client

from optimizer.models import FILE_NAME_LENGTH, Item
from optimizer.services import UploadSource, clean_file_name
from tests.v1.conftest import bearer, upload


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("holiday.jpg", "holiday.jpg"),
        ("C:\\Users\\ana\\Pictures\\Café terrace (2).JPG", "Café terrace (2).JPG"),
        ("../../etc/passwd", "passwd"),
        ("line\nbreak\x00and\ttab  .png", "line break and tab .png"),
        ("", ""),
    ],
)
def test_a_file_name_loses_its_folders_and_control_characters(sent, kept):
    assert clean_file_name(sent) == kept


def test_a_long_file_name_is_cut_and_keeps_its_extension():
    kept = clean_file_name("x" * 500 + ".webp")
    assert len(kept) == FILE_NAME_LENGTH and kept.endswith("….webp")
    assert len(clean_file_name("y" * 500)) == FILE_NAME_LENGTH
    assert UploadSource(b"", name="a/" + "z" * 300).name == clean_file_name("z" * 300)


def test_the_admin_and_the_dashboard_show_the_uploaded_file_s_name(client, admin_client, make_account, cluster):
    _, key = make_account()
    answered = client.post("/api/v1/compress", {"file": upload(name="shop/Blaue Tasse (vorn) ü.jpg")}, **bearer(key))
    assert answered.status_code == 200, answered.content
    item = Item.objects.get()
    assert item.source_filename == "Blaue Tasse (vorn) ü.jpg"

    items = admin_client.get("/admin/optimizer/item/").content.decode()
    assert "Blaue Tasse (vorn) ü.jpg" in items and f"upload {item.source_sha256[:8]}" not in items
    assert admin_client.get("/admin/optimizer/item/?q=Blaue+Tasse").context["cl"].result_count == 1

    dashboard = Client()
    dashboard.post("/account/sign-in", {"key": key})
    assert "Blaue Tasse (vorn) ü.jpg" in dashboard.get("/account/").content.decode()
