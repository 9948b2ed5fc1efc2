"""The official tinify Python client against reducer: every operation it has, end to end through
a real web server and a real cluster; each compression (and each resize, convert or preserve of
an output) is one credit, and the client's compression_count follows."""

from __future__ import annotations

import io

import pytest
import requests
import tinify
from PIL import Image

from tests import polyglots
from tests.conftest import photo_bytes

from .conftest import charged, opened


def test_validate_accepts_a_key_without_charging(client):
    account, _ = client

    assert tinify.validate() is True
    assert charged(account) == 0
    assert tinify.compression_count == 0


def test_from_file_to_file(client, tmp_path):
    account, _ = client
    data = photo_bytes(320, 240)
    source_path, out_path = tmp_path / "in.jpg", tmp_path / "out.jpg"
    source_path.write_bytes(data)

    tinify.from_file(str(source_path)).to_file(str(out_path))

    written = out_path.read_bytes()
    assert 0 < len(written) < len(data)
    with opened(written) as image:
        assert (image.format, image.size) == ("JPEG", (320, 240))
    assert charged(account) == 1 == tinify.compression_count


def test_from_buffer_to_buffer_and_result_meta(client):
    data = photo_bytes(200, 150, format="PNG")

    result = tinify.from_buffer(data).result()

    assert result.media_type == "image/png" and result.extension == "png"
    assert (result.width, result.height) == (200, 150)
    assert result.size == len(result.to_buffer()) < len(data)
    assert opened(result.to_buffer()).size == (200, 150)


def test_from_url_to_file(client, origin, tmp_path, cluster):
    account, _ = client
    data = photo_bytes(240, 180)
    url = origin.serve("/tinify/photo.jpg", data)

    source = tinify.from_url(url)
    source.to_file(str(tmp_path / "out.jpg"))
    resized = source.resize(method="scale", width=120).to_buffer()  # from the download kept, not fetched again

    assert 0 < (tmp_path / "out.jpg").stat().st_size < len(data)
    assert opened(resized).size == (120, 90)
    assert [path for path, _ in origin.requests].count("/tinify/photo.jpg") == 1
    assert charged(account) == 2


def test_shrink_answers_as_tinify_does(client, tinify_web):
    account, key = client
    data = photo_bytes(160, 120)

    response = requests.post(f"{tinify_web.url}/shrink", data=data, auth=("api", key), timeout=60)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["input"] == {"size": len(data), "type": "image/jpeg"}
    output = body["output"]
    assert output["type"] == "image/jpeg" and (output["width"], output["height"]) == (160, 120)
    assert output["ratio"] == round(output["size"] / len(data), 4) < 1
    # An http server answers with the path: the client prefixes its endpoint to any non-https Location.
    location = response.headers["Location"]
    assert location.startswith("/output/") and output["url"] == tinify_web.url + location
    assert response.headers["Compression-Count"] == "1"
    again = requests.get(tinify_web.url + location, auth=("api", key), timeout=30)
    assert again.status_code == 200 and len(again.content) == output["size"]
    assert again.headers["Content-Type"] == "image/jpeg"
    # The same bytes again are the same output, not a second charge.
    repeat = requests.post(f"{tinify_web.url}/shrink", data=data, auth=("api", key), timeout=60)
    assert repeat.headers["Location"] == location and charged(account) == 1


@pytest.mark.parametrize(
    ("options", "size"),
    [
        ({"method": "scale", "width": 100}, (100, 75)),
        ({"method": "scale", "height": 60}, (80, 60)),
        ({"method": "fit", "width": 100, "height": 100}, (100, 75)),
        ({"method": "cover", "width": 100, "height": 100}, (100, 100)),
        ({"method": "thumb", "width": 120, "height": 40}, (120, 40)),
    ],
)
def test_resize_each_method(client, options, size):
    account, _ = client
    source = tinify.from_buffer(photo_bytes(320, 240))

    result = source.resize(**options).result()

    assert (result.width, result.height) == size
    assert opened(result.to_buffer()).size == size
    assert charged(account) == 2  # the compression and its resize
    source.resize(**options).to_buffer()  # the same resize again is answered by the same work
    assert charged(account) == 2 == tinify.compression_count


@pytest.mark.parametrize(
    ("kind", "formats"),
    [("image/webp", {"WEBP"}), ("image/avif", {"AVIF"}), (["image/webp", "image/png"], {"WEBP", "PNG"})],
)
def test_convert(client, kind, formats):
    result = tinify.from_buffer(photo_bytes(160, 120)).convert(type=kind).result()

    assert opened(result.to_buffer()).format in formats
    assert result.media_type == "image/" + opened(result.to_buffer()).format.lower()


def test_convert_to_any_type_is_the_smallest(client):
    source = tinify.from_buffer(photo_bytes(160, 120))
    sizes = {kind: len(source.convert(type=kind).to_buffer()) for kind in ("image/webp", "image/avif")}
    sizes["image/jpeg"] = len(source.to_buffer())

    result = source.convert(type="*/*").result()

    assert result.size == min(sizes.values())
    assert result.media_type == min(sizes, key=sizes.get)


def test_convert_transparent_png_to_jpeg_on_a_white_background(client):
    # A photo, so that a JPEG of it is smaller than the PNG (a conversion that is not is not kept).
    image = opened(photo_bytes(160, 120)).convert("RGBA")
    image.paste((255, 0, 0, 0), (0, 0, 16, 16))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")

    data = tinify.from_buffer(buffer.getvalue()).convert(type="image/jpeg").transform(background="white").to_buffer()

    with opened(data) as converted:
        assert converted.format == "JPEG"
        red, green, blue = converted.convert("RGB").getpixel((2, 2))
        assert min(red, green, blue) > 240  # the transparent corner is white


def _with_copyright() -> bytes:
    exif = Image.Exif()
    exif[0x8298] = "Copyright Reducer Tests"  # Copyright
    exif[0x010F] = "Camera Maker"  # Make: not copyright, stripped unless all metadata is kept
    buffer = io.BytesIO()
    Image.open(io.BytesIO(photo_bytes(160, 120))).save(buffer, format="JPEG", quality=95, exif=exif)
    return buffer.getvalue()


def test_preserve_copyright(client):
    account, _ = client
    source = tinify.from_buffer(_with_copyright())

    stripped = opened(source.to_buffer()).getexif()
    kept = opened(source.preserve("copyright").to_buffer()).getexif()
    everything = opened(source.preserve("copyright", "creation", "location").to_buffer()).getexif()

    assert 0x8298 not in stripped
    assert kept.get(0x8298) == "Copyright Reducer Tests"
    assert everything.get(0x010F) == "Camera Maker"
    assert charged(account) == 3


def test_store_into_an_s3_compatible_server(client, s3_server):
    account, _ = client
    bucket = s3_server.new_bucket()
    source = tinify.from_buffer(photo_bytes(320, 240))

    stored = source.resize(method="fit", width=160, height=160).store(
        service="s3",
        aws_access_key_id="AKIATESTTESTTESTTEST",
        aws_secret_access_key="moto-accepts-any-secret",
        region="us-east-1",
        path=f"{bucket}/images/photo.jpg",
        headers={"Cache-Control": "max-age=31536000, public"},
    )

    assert stored.location == f"{s3_server.url}/{bucket}/images/photo.jpg"
    assert (stored.width, stored.height) == (160, 120)
    written, content_type = s3_server.get(bucket, "images/photo.jpg")
    assert content_type == "image/jpeg" and opened(written).size == (160, 120)
    head = s3_server.client.head_object(Bucket=bucket, Key="images/photo.jpg")
    assert head["CacheControl"] == "max-age=31536000, public"
    # Storing the kept output as it is costs nothing more than its compression.
    source.store(service="s3", aws_access_key_id="x", aws_secret_access_key="y", path=f"{bucket}/plain.jpg")
    assert s3_server.keys(bucket) == ["images/photo.jpg", "plain.jpg"]
    assert charged(account) == 2


def test_an_image_that_cannot_be_made_smaller_comes_back_cleaned(client):
    data = polyglots.jpeg()  # already at a low quality; a script rides in a comment and after the end

    result = tinify.from_buffer(data).result()

    assert result.media_type == "image/jpeg"
    assert opened(result.to_buffer()).size == (320, 240)
    assert polyglots.MARKER not in result.to_buffer()
