"""The WordPress upload benchmark drives a running service the way the plugin does and reports it."""

from pathlib import Path

from reducer import bench
from tests.conftest import photo_bytes


def test_the_wordpress_bench_reports_every_upload_done(web, cluster, make_account, tmp_path: Path, capsys):
    _, key = make_account()
    upload = tmp_path / "upload.jpg"
    upload.write_bytes(photo_bytes(800, 500, quality=90))
    bench.report_wordpress(web.url, key, [upload], mode=1, service_pid=None)
    printed = capsys.readouterr().out
    assert "upload.jpg (800x500, 4 files): all done in" in printed
    assert "codes 2" in printed
