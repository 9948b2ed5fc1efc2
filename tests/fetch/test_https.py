"""HTTPS to a pinned address: SNI and the certificate check use the name, the socket the IP."""

import shutil
import ssl
import subprocess
import threading

import pytest

from optimizer.fetch import DownloadFailed, FetchPolicy, fetch

from .conftest import FakeDNS, OriginServer, pattern

pytestmark = pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl command")

EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    openssl("req", "-x509", *EC, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    openssl("req", *EC, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=public.test")
    (d / "leaf.ext").write_text(
        "subjectAltName=DNS:public.test\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
        "authorityKeyIdentifier=keyid\n"
    )
    openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "leaf.pem", "-days", "2", "-extfile", "leaf.ext")
    return d


@pytest.fixture(scope="module")
def tls_origin(certs):
    server = OriginServer("127.0.0.1")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certs / "leaf.pem", certs / "leaf.key")
    server.sni = []
    context.sni_callback = lambda sock, name, ctx: server.sni.append(name)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def policy(certs, **kw):
    return FetchPolicy(allow_cidrs=("127.0.0.0/8",), deadline_seconds=5, ca_file=str(certs / "ca.pem"), **kw)


def test_name_is_verified_while_the_checked_ip_is_dialled(tls_origin, certs):
    dns = FakeDNS({"public.test": ["127.0.0.1"]})
    got = fetch(tls_origin.url("/bytes/9", host="public.test", scheme="https"), policy(certs), resolver=dns)
    assert got.data == pattern(9)
    assert tls_origin.sni[-1] == "public.test"
    assert tls_origin.log[-1][1]["Host"] == f"public.test:{tls_origin.port}"


def test_certificate_for_another_name_is_refused(tls_origin, certs):
    dns = FakeDNS({"other.test": ["127.0.0.1"]})
    with pytest.raises(DownloadFailed, match=r"TLS certificate of other\.test is not valid"):
        fetch(tls_origin.url("/bytes/9", host="other.test", scheme="https"), policy(certs), resolver=dns)


def test_untrusted_issuer_is_refused(tls_origin):
    dns = FakeDNS({"public.test": ["127.0.0.1"]})
    system_trust = FetchPolicy(allow_cidrs=("127.0.0.0/8",), deadline_seconds=5)
    with pytest.raises(DownloadFailed, match="TLS certificate"):
        fetch(tls_origin.url("/bytes/9", host="public.test", scheme="https"), system_trust, resolver=dns)
