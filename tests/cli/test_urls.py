"""urls FILE|SITEMAP_URL: a sitemap (image sitemap, index) from a loopback origin, and a URL list."""

from __future__ import annotations

from tests.cli.conftest import image_format
from tests.conftest import photo_bytes

IMAGE_SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url><loc>{page}</loc>
    <image:image><image:loc>{a}</image:loc></image:image>
    <image:image><image:loc>{b}</image:loc></image:image>
  </url>
  <url><loc>{c}</loc></url>
  <url><loc>{missing}</loc></url>
</urlset>"""
INDEX = """<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>{child}</loc></sitemap>
</sitemapindex>"""


def test_a_sitemap_index_of_an_image_sitemap(tmp_path, origin, make_account, run_cli):
    _, key = make_account()
    urls = {
        "a": origin.serve("/cli-site/a.jpg", photo_bytes(240, 180)),
        "b": origin.serve("/cli-site/b.png", photo_bytes(200, 150, format="PNG")),
        "c": origin.serve("/cli-site/img/c.jpg", photo_bytes(208, 156)),
        "page": origin.serve("/cli-site/page.html", b"<html></html>"),
        "missing": origin.url("/cli-site/gone.jpg"),
    }
    child = origin.serve("/cli-site/images.xml", IMAGE_SITEMAP.format(**urls).encode())
    index = origin.serve("/cli-site/sitemap.xml", INDEX.format(child=child).encode())
    out = tmp_path / "out"

    ran = run_cli(key, "urls", index, "--out", str(out), "--webp")
    results = {line["source"]: line for line in ran.lines}
    assert set(results) == {urls["a"], urls["b"], urls["c"], urls["missing"]}  # the page is no image
    assert results[urls["missing"]]["outcome"] == "failed"
    assert ran.code == 1, ran.err
    host = f"127.0.0.1_{origin.server.server_port}"
    for name, path in (("a", "cli-site/a.jpg"), ("c", "cli-site/img/c.jpg")):
        assert results[urls[name]]["outcome"] == "optimized"
        written = out / host / path
        assert written.stat().st_size < results[urls[name]]["bytes_before"]
        assert image_format(written) == "JPEG"
    assert image_format(out / host / "cli-site/a.jpg.webp") == "WEBP"

    again = run_cli(key, "urls", index, "--out", str(out), "--webp")
    assert {line["outcome"] for line in again.lines if line["source"] != urls["missing"]} == {"done"}
    assert again.summary["credits_used"] == 0


def test_a_url_list_file(tmp_path, origin, make_account, run_cli):
    _, key = make_account()
    listed = tmp_path / "urls.txt"
    url = origin.serve("/cli-list/photo.jpg", photo_bytes(232, 174))
    listed.write_text(f"# one image\n{url}\n\n")
    ran = run_cli(key, "urls", str(listed), "--out", str(tmp_path / "out"), "--mode", "glossy")
    assert ran.code == 0, ran.err
    assert [line["source"] for line in ran.lines] == [url]
    assert ran.summary["optimized"] + ran.summary["unchanged"] == 1
