"""The official tinify Python client against reducer: every operation it has, end to end through
a real web server and a real cluster; each compression (and each resize or convert of an output)
is one credit, preserving metadata, filling the background and storing are free, and the client's
compression_count follows."""

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


def _transparent_png(photo: bool) -> bytes:
    """A PNG with a transparent top-left corner: a photo, or a flat graphic whose JPEG is larger."""
    if photo:
        image = opened(photo_bytes(160, 120)).convert("RGBA")
    else:
        image = Image.new("RGBA", (160, 120), (40, 90, 200, 255))
        image.paste((250, 250, 250, 255), (60, 40, 120, 80))
    image.paste((255, 0, 0, 0), (0, 0, 16, 16))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _close(pixel: tuple, colour: tuple) -> bool:
    return all(abs(got - want) <= 12 for got, want in zip(pixel[:3], colour, strict=True))


@pytest.mark.parametrize(
    ("background", "colour"), [("white", (255, 255, 255)), ("black", (0, 0, 0)), ("#ff8800", (255, 136, 0))]
)
def test_convert_transparent_png_to_jpeg_on_a_background(client, background, colour):
    account, _ = client
    source = tinify.from_buffer(_transparent_png(photo=True))
    shrunk = charged(account)  # a PNG photo may save too little to be charged (REDUCER_MIN_CHARGED_SAVINGS)

    data = source.convert(type="image/jpeg").transform(background=background).to_buffer()

    with opened(data) as converted:
        assert converted.format == "JPEG"
        assert _close(converted.convert("RGB").getpixel((2, 2)), colour)  # the transparent corner
    assert charged(account) == shrunk + 1 == tinify.compression_count  # the conversion is one more


def test_transform_alone_fills_the_background_for_free(client):
    account, _ = client
    source = tinify.from_buffer(_transparent_png(photo=False))

    result = source.transform(background="#0a0").result()

    assert result.media_type == "image/png"
    with opened(result.to_buffer()) as filled:
        assert _close(filled.convert("RGBA").getpixel((2, 2)), (0, 170, 0))
        assert filled.convert("RGBA").getpixel((2, 2))[3] == 255  # opaque
    assert charged(account) == 1 == tinify.compression_count


def test_convert_answers_the_type_asked_for_even_when_it_is_larger(client):
    account, _ = client
    data = _transparent_png(photo=False)
    source = tinify.from_buffer(data)

    smallest = source.convert(type=["image/jpeg", "image/png"]).transform(background="white").result()
    jpeg = source.convert(type="image/jpeg").transform(background="white").result()  # answered by that work

    assert jpeg.media_type == "image/jpeg" and opened(jpeg.to_buffer()).format == "JPEG"
    assert jpeg.size > len(source.to_buffer())  # a flat graphic: its JPEG is larger than its PNG
    assert smallest.media_type == "image/png" and smallest.size < jpeg.size
    assert charged(account) == 2  # the compression and one conversion


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
    assert charged(account) == 1 == tinify.compression_count  # preserving metadata is not a compression


def test_each_operation_moves_compression_count_as_tinify_documents(client):
    """Tinify: a compression counts; a resize or a conversion of it counts as one more; preserving
    metadata does not; storing is the output as it is (S3 has its own test)."""
    source = tinify.from_buffer(_with_copyright())
    source.to_buffer()
    steps = [
        (lambda: source.preserve("copyright").to_buffer(), 1),
        (lambda: source.transform(background="black").to_buffer(), 1),
        (lambda: source.resize(method="scale", width=80).to_buffer(), 2),
        (lambda: source.convert(type="image/webp").to_buffer(), 3),
        (lambda: source.convert(type="image/webp").to_buffer(), 3),  # the same again: the same work
        (lambda: source.resize(method="scale", width=80).preserve("copyright").to_buffer(), 4),
    ]
    counts = []
    for step, _ in steps:
        step()
        counts.append(tinify.compression_count)

    assert counts == [expected for _, expected in steps]


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


def test_every_command_in_one_request(client, s3_server):
    account, _ = client
    bucket = s3_server.new_bucket()
    source = tinify.from_buffer(_transparent_png(photo=True))
    shrunk = charged(account)  # a PNG photo may save too little to be charged (REDUCER_MIN_CHARGED_SAVINGS)

    stored = (
        source.resize(method="cover", width=80, height=80)
        .convert(type=["image/webp", "image/avif"])
        .transform(background="black")
        .preserve("copyright")
        .store(service="s3", aws_access_key_id="a", aws_secret_access_key="b", path=f"{bucket}/all.img")
    )

    assert (stored.width, stored.height) == (80, 80)
    written, content_type = s3_server.get(bucket, "all.img")
    with opened(written) as image:
        assert content_type == f"image/{image.format.lower()}" and image.format in {"WEBP", "AVIF"}
        assert image.size == (80, 80) and image.convert("RGBA").getchannel("A").getextrema() == (255, 255)
    assert charged(account) == shrunk + 1  # one output, resized and converted


def test_store_into_google_cloud_storage(client, gcs_server):
    account, _ = client
    bucket = gcs_server.new_bucket()
    source = tinify.from_buffer(photo_bytes(320, 240))

    stored = source.resize(method="scale", width=200).store(
        service="gcs",
        gcp_access_token="ya29.a-token-from-a-service-account",
        path=f"{bucket}/images/photo 1.jpg",
        headers={"Cache-Control": "public, max-age=3600"},
    )

    assert stored.location == f"{gcs_server.url}/{bucket}/images/photo%201.jpg"
    assert (stored.width, stored.height) == (200, 150)
    written, metadata = gcs_server.get(bucket, "images/photo 1.jpg")
    assert opened(written).size == (200, 150)
    assert metadata["contentType"] == "image/jpeg" and metadata["cacheControl"] == "public, max-age=3600"
    assert charged(account) == 2  # the compression and the resize; storing is free


def test_an_image_that_cannot_be_made_smaller_comes_back_cleaned(client):
    data = polyglots.jpeg()  # already at a low quality; a script rides in a comment and after the end

    result = tinify.from_buffer(data).result()

    assert result.media_type == "image/jpeg"
    assert opened(result.to_buffer()).size == (320, 240)
    assert polyglots.MARKER not in result.to_buffer()
