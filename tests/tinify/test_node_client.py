"""The official Node client (npm ``tinify``) against reducer: validate, fromBuffer -> toFile,
resize, compressionCount and a ClientError. It speaks only https (``https.request``), so the
server here serves TLS with a certificate made for the test, which the client is given as its
CA bundle; its endpoint is changed the way the Python client's is, ``tinify.Client.API_ENDPOINT``."""

from __future__ import annotations

import datetime
import ipaddress
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import photo_bytes

from .conftest import TinifyServer, charged, opened

NPM_PACKAGE = "tinify@1.8.3"

SCRIPT = r"""
const fs = require("fs");
const tinify = require("tinify");
tinify.Client.API_ENDPOINT = process.env.ENDPOINT;
tinify.Client.CA_BUNDLE = fs.readFileSync(process.env.CA, "utf8");
tinify.key = process.env.KEY;
(async () => {
  await tinify.validate();
  const source = tinify.fromBuffer(fs.readFileSync(process.env.INPUT));
  await source.toFile(process.env.OUTPUT);
  await source.resize({method: "fit", width: 100, height: 100}).toFile(process.env.RESIZED);
  let error = "";
  try {
    await tinify.fromBuffer(Buffer.from("not an image")).toBuffer();
  } catch (err) {
    error = `${err.constructor.name} ${err.status}`;
  }
  console.log(JSON.stringify({count: tinify.compressionCount, error}));
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


def test_the_node_client(node_client, https_web, cluster, make_account, tmp_path):
    account, key = make_account()
    source = tmp_path / "in.jpg"
    source.write_bytes(photo_bytes(320, 240))
    environment = {
        "PATH": shutil.os.environ["PATH"],
        "ENDPOINT": https_web.url,
        "CA": https_web.verify,
        "KEY": key,
        "INPUT": str(source),
        "OUTPUT": str(tmp_path / "out.jpg"),
        "RESIZED": str(tmp_path / "resized.jpg"),
    }

    ran = subprocess.run(
        ["node", "-e", SCRIPT], cwd=node_client, env=environment, capture_output=True, text=True, timeout=180
    )

    assert ran.returncode == 0, ran.stderr
    report = json.loads(ran.stdout.strip().splitlines()[-1])
    assert report == {"count": 2, "error": "ClientError 415"}
    assert 0 < (tmp_path / "out.jpg").stat().st_size < source.stat().st_size
    assert opened((tmp_path / "resized.jpg").read_bytes()).size == (100, 75)
    assert charged(account) == 2
