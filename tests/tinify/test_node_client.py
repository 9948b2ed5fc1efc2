"""The official Node client (npm ``tinify``) against reducer: validate, fromFile / fromBuffer /
fromUrl -> toFile / toBuffer / result, resize, convert (WebP and ``*/*``), transform, preserve,
store into the S3 test server, compressionCount, and its AccountError and ClientError. It speaks
only https (``https.request``), so the server here serves TLS with a certificate made for the test,
which the client is given as its CA bundle; its endpoint is changed the way the Python client's is,
``tinify.Client.API_ENDPOINT``."""

from __future__ import annotations

import datetime
import hashlib
import io
import ipaddress
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from accounts.models import CreditEntry
from optimizer.models import Item
from optimizer.options import to_json
from reducer.tinify.wire import BASE_SPEC
from tests.conftest import photo_bytes

from .conftest import TinifyServer, charged, opened

NPM_PACKAGE = "tinify@1.8.3"

SCRIPT = r"""
const fs = require("fs");
const tinify = require("tinify");
const env = process.env;
tinify.Client.API_ENDPOINT = env.ENDPOINT;
tinify.Client.CA_BUNDLE = fs.readFileSync(env.CA, "utf8");
tinify.key = env.KEY;

async function failure(attempt) {
  try {
    await attempt();
    return "none";
  } catch (err) {
    return `${err.constructor.name} ${err.status}`;
  }
}

(async () => {
  const report = {validate: await failure(() => tinify.validate())};
  await tinify.fromFile(env.INPUT).preserve("copyright").toFile(env.PRESERVED);
  const source = tinify.fromBuffer(fs.readFileSync(env.PHOTO));
  const result = source.result();
  report.result = {type: await result.mediaType(), width: await result.width(), size: await result.size()};
  await source.toFile(env.OUTPUT);
  const resized = source.resize({method: "fit", width: 100, height: 100});
  await resized.toFile(env.RESIZED);
  report.webp = await source.convert({type: "image/webp"}).result().mediaType();
  report.any = await source.convert({type: "*/*"}).result().mediaType();
  await tinify.fromBuffer(fs.readFileSync(env.TRANSPARENT))
    .convert({type: "image/jpeg"}).transform({background: "#000000"}).toFile(env.FILLED);
  report.url_size = (await tinify.fromUrl(env.URL).toBuffer()).length;
  const stored = resized.store({
    service: "s3", aws_access_key_id: "AKIATESTTESTTESTTEST", aws_secret_access_key: "any",
    region: "us-east-1", path: env.STORE_PATH,
  });
  report.stored = {location: await stored.location(), width: await stored.width()};
  report.bad_image = await failure(() => tinify.fromBuffer(Buffer.from("not an image")).toBuffer());
  report.bad_option = await failure(() => source.resize({method: "stretch"}).toBuffer());
  report.count = tinify.compressionCount;
  tinify.key = "not-a-key";
  report.bad_key = await failure(() => tinify.validate());
  console.log(JSON.stringify(report));
})().catch((err) => { console.error(String(err)); process.exit(1); });
"""


def _certificate(folder: Path) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1: (certificate path, key path)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path)


@pytest.fixture(scope="module")
def node_client(tmp_path_factory) -> Path:
    """A folder with the npm client installed from the registry; skips when that cannot be done."""
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("node and npm are not installed: the Node client is not tested")
    folder = tmp_path_factory.mktemp("node-client")
    installed = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(folder), NPM_PACKAGE],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if installed.returncode != 0:
        pytest.skip(f"npm could not install {NPM_PACKAGE}: {installed.stderr.strip()[-300:]}")
    return folder


@pytest.fixture(scope="module")
def https_web(django_db_setup, django_db_blocker, s3_server, tmp_path_factory) -> Iterator[TinifyServer]:
    server = TinifyServer(s3_server.url, tls=_certificate(tmp_path_factory.mktemp("tls")))
    try:
        yield server
    finally:
        server.stop()


def _with_copyright() -> bytes:
    exif = Image.Exif()
    exif[0x8298] = "Copyright Reducer Tests"
    buffer = io.BytesIO()
    Image.open(io.BytesIO(photo_bytes(200, 150))).save(buffer, format="JPEG", quality=95, exif=exif)
    return buffer.getvalue()


def _transparent_png() -> bytes:
    image = opened(photo_bytes(160, 120)).convert("RGBA")
    image.paste((255, 255, 255, 0), (0, 0, 16, 16))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _shrink_charged(account, data: bytes) -> int:
    """1 when the compression of the upload ``data`` was charged, else 0."""
    item = Item.objects.get(account=account, source_sha256=hashlib.sha256(data).hexdigest(), options=to_json(BASE_SPEC))
    return CreditEntry.objects.filter(item=item, kind=CreditEntry.Kind.SETTLE).count()


def test_the_node_client(node_client, https_web, cluster, make_account, origin, s3_server, tmp_path):
    account, key = make_account()
    files = {"INPUT": _with_copyright(), "PHOTO": photo_bytes(320, 240), "TRANSPARENT": _transparent_png()}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    bucket = s3_server.new_bucket()
    environment = {
        "PATH": os.environ["PATH"],
        "ENDPOINT": https_web.url,
        "CA": https_web.verify,
        "KEY": key,
        **{name: str(tmp_path / name) for name in files},
        **{name: str(tmp_path / f"{name}.out") for name in ("OUTPUT", "RESIZED", "PRESERVED", "FILLED")},
        "URL": origin.serve("/node/photo.jpg", photo_bytes(240, 180)),
        "STORE_PATH": f"{bucket}/node/resized.jpg",
    }

    ran = subprocess.run(
        ["node", "-e", SCRIPT], cwd=node_client, env=environment, capture_output=True, text=True, timeout=300
    )

    assert ran.returncode == 0, ran.stderr
    report = json.loads(ran.stdout.strip().splitlines()[-1])
    output = (tmp_path / "OUTPUT.out").read_bytes()
    assert report["validate"] == "none"  # it resolves, with nothing
    assert report["result"] == {"type": "image/jpeg", "width": 320, "size": len(output)}
    assert 0 < len(output) < len(files["PHOTO"])
    assert opened((tmp_path / "RESIZED.out").read_bytes()).size == (100, 75)
    assert opened((tmp_path / "PRESERVED.out").read_bytes()).getexif().get(0x8298) == "Copyright Reducer Tests"
    assert report["webp"] == "image/webp" and report["any"] in {"image/jpeg", "image/webp", "image/avif"}
    with opened((tmp_path / "FILLED.out").read_bytes()) as filled:
        assert filled.format == "JPEG" and max(filled.convert("RGB").getpixel((2, 2))) < 16  # black
    assert report["url_size"] > 0
    assert report["stored"] == {"location": f"{s3_server.url}/{bucket}/node/resized.jpg", "width": 100}
    assert opened(s3_server.get(bucket, "node/resized.jpg")[0]).size == (100, 75)
    assert report["bad_image"] == "ClientError 415" and report["bad_option"] == "ClientError 400"
    assert report["bad_key"] == "AccountError 401"
    # The compressions of INPUT, PHOTO and the URL; the resize and the two conversions of PHOTO; the
    # JPEG conversion of TRANSPARENT; and TRANSPARENT's compression when it saved enough to be
    # charged (a PNG photo may not: REDUCER_MIN_CHARGED_SAVINGS). Preserving and storing are free.
    assert report["count"] == 7 + _shrink_charged(account, files["TRANSPARENT"]) == charged(account)
